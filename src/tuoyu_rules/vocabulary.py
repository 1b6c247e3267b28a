"""The record contract as data: record kinds, their fields and types, enum values with their Chinese labels and
spellings, yes/no words, units, Chinese column headers and sheet names.

One place read by every stage: the expression checker (which names and paths a policy may use), the ledger readers
(which converter each field gets, which header names which field), the record models and JSON Schema, and the text of
messages. Adding a record field is an entry here (docs/extending.md). Imports nothing of the package.
"""

from __future__ import annotations

import re
from typing import Any

# The record fields expressions may read, per subject (CONTRACT.md §3). A field is "num", "int", "str", "bool",
# ("obj", {...}) for a nested object, or ("list", ITEM) for a list whose items are ITEM ("str" or a field table).
CLASS_FIELDS: dict[str, Any] = {"type": "str", "enrolled": "int", "caregivers": "int"}
STAFF_FIELDS: dict[str, Any] = {
    "role": "str",
    "education": "str",
    "related_major": "bool",
    "management_years": "num",
    "trained": "bool",
    "certificates": ("list", "str"),
    "banned": "bool",
}
INSTITUTION_FIELDS: dict[str, Any] = {
    "id": "str",
    "name": "str",
    "form": "str",
    "ownership": "str",
    "comprehensive_center": "bool",
    "inclusive": "bool",
    "nonprofit": "bool",
    "filed": "bool",
    "star_rating": "int",
    "total_slots": "int",
    "indoor_area_m2": "num",
    "outdoor_area_m2": "num",
    "building_area_m2": "num",
    "tenure": "str",
    "lease_years": "num",
    "premises_state_owned": "bool",
    "monthly_fee": "num",
    "guide_price": "num",
    "local_hukou_enrolled": "int",
    "classes": ("list", CLASS_FIELDS),
    "staff": ("list", STAFF_FIELDS),
    "surveillance": ("obj", {"installed": "bool", "always_on": "bool", "retention_days": "int"}),
    "construction": (
        "obj",
        {"kind": "str", "new_slots": "int", "provincial_slot_subsidy": "bool", "central_funding": "bool"},
    ),
}
REGION_FIELDS: dict[str, Any] = {
    "id": "str",
    "name": "str",
    "level": "str",
    "year": "int",
    **{
        name: "int"
        for name in (
            "population",
            "total_slots",
            "inclusive_slots",
            "new_slots",
            "institutions",
            "public_institutions",
            "employer_institutions",
            "comprehensive_centers",
            "four_star_institutions",
            "institutions_registered",
            "institutions_filed",
            "staff_total",
            "staff_trained",
            "staff_certified",
            "urban_communities",
            "urban_communities_with_childcare",
            "townships",
            "townships_with_inclusive_center",
            "kindergartens",
            "kindergartens_with_childcare",
            "newborn_families",
            "newborn_families_reached",
        )
    },
}
REGION_FIELDS["subregions"] = ("list", REGION_FIELDS)
RESIDENTIAL_FIELDS: dict[str, Any] = {"id": "str", "status": "str", "population": "int", "planned_slots": "int"}

SUBJECTS: dict[str, tuple[dict[str, Any], str | None, dict[str, Any] | None]] = {
    # subject: (its fields, the parent's name, the parent's fields)
    "institution": (INSTITUTION_FIELDS, None, None),
    "class": (CLASS_FIELDS, "institution", INSTITUTION_FIELDS),
    "staff": (STAFF_FIELDS, "institution", INSTITUTION_FIELDS),
    "region": (REGION_FIELDS, None, None),
    "subregion": (REGION_FIELDS, "region", REGION_FIELDS),
    "residential_area": (RESIDENTIAL_FIELDS, None, None),
}
RECORD_KIND = {
    "institution": "institution",
    "class": "institution",
    "staff": "institution",
    "region": "region",
    "subregion": "region",
    "residential_area": "residential_area",
}

# The record kinds, and the words ledgers use for them (the 记录类型 column).
KINDS: dict[str, dict[str, Any]] = {
    "institution": INSTITUTION_FIELDS,
    "region": REGION_FIELDS,
    "residential_area": RESIDENTIAL_FIELDS,
}
KIND_ALIASES = {
    "机构": "institution",
    "托育机构": "institution",
    "区域": "region",
    "地区": "region",
    "居住区": "residential_area",
    "小区": "residential_area",
}

# Enum fields: each contract value (CONTRACT.md §3) with its Chinese label (how messages and reports name it) and the
# other spellings a ledger may use for it. A value is keyed by its field: the same code can mean different things in
# different fields (ownership 'mixed' is 混合, a class of type 'mixed' is a 混合班).
ENUM_VALUES: dict[str, dict[str, tuple[str | None, tuple[str, ...]]]] = {
    "form": {
        "center": ("托育中心", ("托育中心", "托育机构")),
        "kindergarten_class": ("幼儿园托班", ("幼儿园托班", "托班")),
        "employer": ("用人单位办托", ("用人单位办托", "单位办托")),
        "community": ("社区托育点", ("社区托育点", "社区")),
        "family": ("家庭托育点", ("家庭托育点", "家庭")),
    },
    "ownership": {
        "public": ("公办", ("公办",)),
        "private": ("民办", ("民办",)),
        "mixed": ("混合", ("公建民营", "民办公助", "混合")),
    },
    "tenure": {
        "owned": ("自有", ("自有",)),
        "leased": ("租赁", ("租赁", "租用")),
    },
    "type": {
        "infant": ("乳儿班", ("乳儿班",)),
        "toddler": ("托小班", ("托小班",)),
        "older": ("托大班", ("托大班",)),
        "mixed": ("混合班", ("混合班",)),
    },
    "role": {
        "manager": ("负责人", ("负责人", "管理人员")),
        "caregiver": ("保育人员", ("保育人员", "保育员")),
        "health": ("保健人员", ("保健人员", "卫生人员")),
        "security": ("保安人员", ("保安人员", "保安")),
        "other": ("其他人员", ("其他",)),
    },
    "education": {
        "none": ("无", ("无",)),
        "junior_high": ("初中", ("初中",)),
        "secondary": ("中专", ("中专", "高中", "中职")),
        "associate": ("大专", ("大专", "专科")),
        "bachelor": ("本科", ("本科",)),
        "postgraduate": ("研究生", ("研究生", "硕士", "博士")),
    },
    "level": {
        "national": ("全国", ("全国", "国家")),
        "province": ("省", ("省",)),
        "city": ("市", ("市",)),
        "county": ("县（区）", ("县", "区", "县区")),
        "township": ("乡镇（街道）", ("乡镇", "镇", "乡", "街道")),
        "community": ("社区", ("社区",)),
    },
    "status": {
        "new": ("新建", ("新建",)),
        "existing": ("已建成", ("已建成", "老城区", "已建")),
    },
    "kind": {
        "none": ("无", ("无",)),
        "new": ("新建", ("新建",)),
        "expansion": ("改扩建", ("改扩建",)),
    },
    "certificates": {
        "childcare": ("保育育婴资质", ("保育员", "育婴员", "保育师", "托育师")),
        "teacher": ("幼师资格", ("幼师资格", "教师资格")),
        "health_title": ("卫生专业职称", ("卫生专业职称",)),
        "security_guard": ("保安员证", ("保安员证",)),
    },
}

# The enum fields whose codes the record models list in the order above (high to low) rather than sorted: the levels,
# listed as the policy schema (model.py's UnitLevel) lists the same six. ``typing`` caches ``X | None`` by the *set* of
# a Literal's values, so two orders of one set would make the schemas depend on which module was imported first.
ORDERED_ENUMS = frozenset({"level"})


def enum_codes(field: str) -> tuple[str, ...]:
    """The codes of an enum field as the record models and their schema list them: sorted, or for an ordered enum
    (:data:`ORDERED_ENUMS`) in the order of :data:`ENUM_VALUES`."""
    codes = tuple(ENUM_VALUES[field])
    return codes if field in ORDERED_ENUMS else tuple(sorted(codes))


CERTIFICATE_FIELD = "certificates"  # a list of str whose items are ENUM_VALUES["certificates"] codes


def _spellings(field: str) -> dict[str, str]:
    """Every spelling of a field's values (the code itself first) → the code."""
    out: dict[str, str] = {}
    for code, (_label, spellings) in ENUM_VALUES[field].items():
        out[code] = code
        out.update(dict.fromkeys(spellings, code))
    return out


ENUMS: dict[str, dict[str, str]] = {field: _spellings(field) for field in ENUM_VALUES if field != CERTIFICATE_FIELD}
CERTIFICATES: dict[str, str] = _spellings(CERTIFICATE_FIELD)
VALUE_LABELS_ZH: dict[tuple[str, str], str] = {
    (field, code): label for field, values in ENUM_VALUES.items() for code, (label, _) in values.items() if label
}


def _by_value(labels: dict[tuple[str, str], str]) -> dict[str, str]:
    by_value: dict[str, str] = {}
    for (_field, value), label in labels.items():
        by_value.setdefault(value, label)
    return by_value


VALUE_LABELS_ZH_ANY_FIELD: dict[str, str] = _by_value(VALUE_LABELS_ZH)
"""A value's label when the field is not known (a report's observed value): the first field's label wins."""


# ---- how cells read: yes/no words and the units a number may carry ------------------------------------------------
TRUE = {"true", "yes", "y", "1", "是", "有", "对", "√", "✓", "✔", "t"}
FALSE = {"false", "no", "n", "0", "否", "无", "没有", "×", "✗", "✘", "f"}
# yes/no spellings that fit one field only (已备案 answers 是否备案, not 是否普惠), by the field's own name
FIELD_YES_NO: dict[str, dict[str, bool]] = {
    "filed": {"已备案": True, "未备案": False},
    "nonprofit": {"非营利性": True, "非营利": True, "营利性": False, "营利": False},
    "inclusive": {"普惠性": True, "普惠": True, "非普惠性": False, "非普惠": False},
}
UNITS = {  # the units a number may carry in a ledger cell, by the kind of field
    "area": re.compile(r"(平方米|平米|㎡|m2|m²)$"),
    "money": re.compile(r"(元/人/月|元/月|元)$"),
    "years": re.compile(r"年$"),
    "days": re.compile(r"(天|日)$"),
    "count": re.compile(r"(个|人|名|家|所|户)$"),
}


def unit_kind(field: str) -> str:
    """The kind of unit a number in this field may carry in a ledger cell (a key of :data:`UNITS`)."""
    if field.endswith("_m2"):
        return "area"
    if field in ("monthly_fee", "guide_price"):
        return "money"
    if field.endswith("_years"):
        return "years"
    if field.endswith("_days"):
        return "days"
    return "count"


# ---- ledger headers and sheets -------------------------------------------------------------------------------
HEADERS: dict[str, str] = {
    # institution
    "机构编号": "id",
    "编号": "id",
    "机构代码": "id",
    "统一社会信用代码": "id",
    "机构名称": "name",
    "名称": "name",
    "机构类型": "form",
    "举办形式": "form",
    "类型": "form",
    "性质": "ownership",
    "举办性质": "ownership",
    "是否综合服务中心": "comprehensive_center",
    "是否托育综合服务中心": "comprehensive_center",
    "是否普惠": "inclusive",
    "普惠": "inclusive",
    "是否非营利": "nonprofit",
    "是否备案": "filed",
    "备案": "filed",
    "星级": "star_rating",
    "托位数": "total_slots",
    "托位": "total_slots",
    "室内使用面积": "indoor_area_m2",
    "室内面积": "indoor_area_m2",
    "室外活动场地面积": "outdoor_area_m2",
    "室外面积": "outdoor_area_m2",
    "建筑面积": "building_area_m2",
    "场地性质": "tenure",
    "产权": "tenure",
    "场地产权": "tenure",
    "租赁年限": "lease_years",
    "租期": "lease_years",
    "场地是否为国有资产": "premises_state_owned",
    "是否国有资产场地": "premises_state_owned",
    "月收费": "monthly_fee",
    "收费标准": "monthly_fee",
    "普惠指导价": "guide_price",
    "指导价": "guide_price",
    "本地户籍在托人数": "local_hukou_enrolled",
    "区县": "district",
    "所属区县": "district",
    "街道": "district",
    "所属街镇": "district",
    "街镇": "district",
    "所属街道": "district",
    "所属乡镇": "district",
    "乡镇街道": "district",
    "所属乡镇街道": "district",
    "月收费标准": "monthly_fee",
    "记录类型": "kind",
    "监控是否安装": "surveillance.installed",
    "监控24小时设防": "surveillance.always_on",
    "监控保存天数": "surveillance.retention_days",
    "建设类型": "construction.kind",
    "新增托位": "construction.new_slots",
    "是否获省级托位补助": "construction.provincial_slot_subsidy",
    "是否享受中央资金": "construction.central_funding",
    # region
    "区域编号": "id",
    "区域名称": "name",
    "层级": "level",
    "年份": "year",
    "统计年份": "year",
    "常住人口": "population",
    "普惠托位数": "inclusive_slots",
    "新增托位数": "new_slots",
    "机构数": "institutions",
    "公办机构数": "public_institutions",
    "用人单位办托机构数": "employer_institutions",
    "综合服务中心数": "comprehensive_centers",
    "四星级以上机构数": "four_star_institutions",
    "登记机构数": "institutions_registered",
    "备案机构数": "institutions_filed",
    "从业人员数": "staff_total",
    "培训人员数": "staff_trained",
    "持证人员数": "staff_certified",
    "城市社区数": "urban_communities",
    "有托育服务的城市社区数": "urban_communities_with_childcare",
    "乡镇数": "townships",
    "有普惠托育中心的乡镇数": "townships_with_inclusive_center",
    "幼儿园数": "kindergartens",
    "开设托班的幼儿园数": "kindergartens_with_childcare",
    "新生儿家庭数": "newborn_families",
    "接受指导的新生儿家庭数": "newborn_families_reached",
    # residential area
    "居住区编号": "id",
    "小区编号": "id",
    "状态": "status",
    "居住区类型": "status",
    "人口": "population",
    "规划托位数": "planned_slots",
    # a class (the 班级 sheet, joined onto its institution by 机构编号)
    "班级类型": "type",
    "班级": "type",
    "班型": "type",
    "在托人数": "enrolled",
    "保育人员数": "caregivers",
    "班级人数": "enrolled",
    "在托幼儿数": "enrolled",
    "保育员数": "caregivers",
    # a staff member (the 人员 sheet, joined onto its institution by 机构编号)
    "岗位": "role",
    "人员类别": "role",
    "学历": "education",
    "是否相关专业": "related_major",
    "相关专业": "related_major",
    "管理经验年限": "management_years",
    "管理工作年限": "management_years",
    "是否受过培训": "trained",
    "是否培训": "trained",
    "证书": "certificates",
    "资格证书": "certificates",
    "是否有禁止从业情形": "banned",
    "禁止从业情形": "banned",
}
HEADER_SUFFIXES = ("性", "情况")  # a header read with such a suffix removed (是否普惠性 → 是否普惠) if it is not known
HEADER_SPELLINGS = {"乡镇(街道)": "街镇", "街道(乡镇)": "街镇"}  # (after NFKC, whitespace removed) read as written here
CLASS_COLUMNS = {
    "乳儿班": "infant",
    "托小班": "toddler",
    "托大班": "older",
    "混合班": "mixed",
    "infant": "infant",
    "toddler": "toddler",
    "older": "older",
    "mixed": "mixed",
}
CLASS_HEADER = re.compile(
    r"^(乳儿班|托小班|托大班|混合班|infant|toddler|older|mixed)_?(人数|在托人数|保育人员数|保育人员|enrolled|caregivers)$"
)
ALL_FIELDS = {*INSTITUTION_FIELDS, *REGION_FIELDS, *RESIDENTIAL_FIELDS, "kind", "district"}  # what a column may name


def _dotted(fields: dict[str, Any]) -> set[str]:
    return {
        f"{name}.{leaf}"
        for name, spec in fields.items()
        if isinstance(spec, tuple) and spec[0] == "obj"
        for leaf in spec[1]
    }


# every key a column may be read as: the record fields, the class and staff sheets' fields and owner, dotted nested fields
KNOWN_COLUMNS = {*ALL_FIELDS, *CLASS_FIELDS, *STAFF_FIELDS, "institution_id", *_dotted(INSTITUTION_FIELDS)}

# XLSX sheets: class and staff sheets joined onto the institutions by id; sheets whose rows are of another kind
SUBSHEETS = {"班级": "classes", "classes": "classes", "人员": "staff", "staff": "staff"}
KIND_SHEETS = {
    "区域": "region",
    "regions": "region",
    "居住区": "residential_area",
    "residential_areas": "residential_area",
}
# sheets that hold notes, never a table: skipped with a notice (compared stripped and lower-cased)
NOTES_SHEETS = {"说明", "填表说明", "填报说明", "注释", "备注", "notes", "readme", "instructions"}
# id and name headers that say which kind of record a table holds (a table without a 记录类型 column, see kinds.py)
KIND_HEADERS = {
    "机构编号": "institution",
    "机构名称": "institution",
    "机构代码": "institution",
    "区域编号": "region",
    "区域名称": "region",
    "居住区编号": "residential_area",
    "小区编号": "residential_area",
}
FILL_DOWN = {"district"}  # fields whose vertically merged cells in a sheet are filled down to every row they span
# in a class or staff sheet also the owner id (机构编号 merged over the rows of one institution's classes)
JOIN_FILL_DOWN = {*FILL_DOWN, "id", "institution_id"}
