"""The record tables as data: kinds, enum spellings, certificates, yes/no words, units, Chinese headers, sheet names
and the bounds of a record (CONTRACT.md §3, docs/ledgers.md).

Nothing here runs: the converters (:mod:`.convert`), the fast path (:mod:`.normalize`), the models (:mod:`.models`)
and the readers (:mod:`.readers`) all read these tables, so a spelling or a header is added in one place.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..vocabulary import INSTITUTION_FIELDS, REGION_FIELDS, RESIDENTIAL_FIELDS

# Bounds (documented in docs/ledgers.md). Counts go up to 10^10 so that a province's 常住人口 (Guangdong: 1.27 x 10^8)
# fits; measures (m², yuan, years) up to 10^9; a record may nest 8 levels, hold lists of 1000 items and, counting
# every value in its lists and unknown fields, 100,000 values (a YAML alias bomb stops there).
MAX_COUNT = 10**10
MAX_MEASURE = Decimal(10**9)
MAX_LIST = 1000
MAX_DEPTH = 8
MAX_TEXT = 2000
MAX_VALUES = 100_000
_MAX_INT_BITS = 6000  # about 1800 digits: larger ints in unknown fields are refused (they cannot even be printed)

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

# Allowed values of enum fields, with the Chinese spellings ledgers use.
ENUMS: dict[str, dict[str, str]] = {
    "form": {
        "center": "center",
        "托育中心": "center",
        "托育机构": "center",
        "kindergarten_class": "kindergarten_class",
        "幼儿园托班": "kindergarten_class",
        "托班": "kindergarten_class",
        "employer": "employer",
        "用人单位办托": "employer",
        "单位办托": "employer",
        "community": "community",
        "社区托育点": "community",
        "社区": "community",
        "family": "family",
        "家庭托育点": "family",
        "家庭": "family",
    },
    "ownership": {
        "public": "public",
        "公办": "public",
        "private": "private",
        "民办": "private",
        "mixed": "mixed",
        "公建民营": "mixed",
        "民办公助": "mixed",
        "混合": "mixed",
    },
    "tenure": {"owned": "owned", "自有": "owned", "leased": "leased", "租赁": "leased", "租用": "leased"},
    "type": {
        "infant": "infant",
        "乳儿班": "infant",
        "toddler": "toddler",
        "托小班": "toddler",
        "older": "older",
        "托大班": "older",
        "mixed": "mixed",
        "混合班": "mixed",
    },
    "role": {
        "manager": "manager",
        "负责人": "manager",
        "管理人员": "manager",
        "caregiver": "caregiver",
        "保育人员": "caregiver",
        "保育员": "caregiver",
        "health": "health",
        "保健人员": "health",
        "卫生人员": "health",
        "security": "security",
        "保安人员": "security",
        "保安": "security",
        "other": "other",
        "其他": "other",
    },
    "education": {
        "none": "none",
        "无": "none",
        "junior_high": "junior_high",
        "初中": "junior_high",
        "secondary": "secondary",
        "中专": "secondary",
        "高中": "secondary",
        "中职": "secondary",
        "associate": "associate",
        "大专": "associate",
        "专科": "associate",
        "bachelor": "bachelor",
        "本科": "bachelor",
        "postgraduate": "postgraduate",
        "研究生": "postgraduate",
        "硕士": "postgraduate",
        "博士": "postgraduate",
    },
    "level": {
        "province": "province",
        "省": "province",
        "city": "city",
        "市": "city",
        "county": "county",
        "县": "county",
        "区": "county",
        "县区": "county",
        "township": "township",
        "乡镇": "township",
        "镇": "township",
        "乡": "township",
        "街道": "township",
        "community": "community",
        "社区": "community",
    },
    "status": {
        "new": "new",
        "新建": "new",
        "existing": "existing",
        "已建成": "existing",
        "老城区": "existing",
        "已建": "existing",
    },
    "kind": {
        "none": "none",
        "无": "none",
        "new": "new",
        "新建": "new",
        "expansion": "expansion",
        "改扩建": "expansion",
    },
}
CERTIFICATES = {
    "childcare": "childcare",
    "保育员": "childcare",
    "育婴员": "childcare",
    "保育师": "childcare",
    "托育师": "childcare",
    "teacher": "teacher",
    "幼师资格": "teacher",
    "教师资格": "teacher",
    "health_title": "health_title",
    "卫生专业职称": "health_title",
    "security_guard": "security_guard",
    "保安员证": "security_guard",
}
TRUE = {"true", "yes", "y", "1", "是", "有", "对", "√", "t"}
FALSE = {"false", "no", "n", "0", "否", "无", "没有", "×", "f"}
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
    "月收费": "monthly_fee",
    "收费标准": "monthly_fee",
    "普惠指导价": "guide_price",
    "指导价": "guide_price",
    "本地户籍在托人数": "local_hukou_enrolled",
    "区县": "district",
    "所属区县": "district",
    "街道": "district",
    "所属街镇": "district",
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
}
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
ALL_FIELDS = {*INSTITUTION_FIELDS, *REGION_FIELDS, *RESIDENTIAL_FIELDS, "kind", "district"}

# XLSX sheets: class and staff sheets joined onto the institutions by id; sheets whose rows are of another kind
SUBSHEETS = {"班级": "classes", "classes": "classes", "人员": "staff", "staff": "staff"}
KIND_SHEETS = {
    "区域": "region",
    "regions": "region",
    "居住区": "residential_area",
    "residential_areas": "residential_area",
}
