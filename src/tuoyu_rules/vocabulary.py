"""The record contract as data: record kinds, their fields and types, and how enum values read in Chinese.

One table per subject, read by every stage: the expression checker (which names and paths a policy may use), the
ledger readers (which converter each field gets) and the text formatting of messages. Imports nothing of the package.
"""

from __future__ import annotations

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

# How contract enum values read in Chinese messages (CONTRACT.md §3).
VALUE_LABELS_ZH: dict[str, str] = {
    "center": "托育中心",
    "kindergarten_class": "幼儿园托班",
    "employer": "用人单位办托",
    "community": "社区托育点",
    "family": "家庭托育点",
    "public": "公办",
    "private": "民办",
    "mixed": "混合",
    "owned": "自有",
    "leased": "租赁",
    "infant": "乳儿班",
    "toddler": "托小班",
    "older": "托大班",
    "manager": "负责人",
    "caregiver": "保育人员",
    "health": "保健人员",
    "security": "保安人员",
    "other": "其他人员",
    "none": "无",
    "junior_high": "初中",
    "secondary": "中专",
    "associate": "大专",
    "bachelor": "本科",
    "postgraduate": "研究生",
    "childcare": "保育育婴资质",
    "teacher": "幼师资格",
    "health_title": "卫生专业职称",
    "security_guard": "保安员证",
    "new": "新建",
    "existing": "已建成",
    "province": "省",
    "city": "市",
    "county": "县（区）",
    "township": "乡镇（街道）",
}
