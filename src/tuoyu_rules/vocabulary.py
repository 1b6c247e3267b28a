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

# How contract enum values read in Chinese messages (CONTRACT.md §3), keyed by (field, value): the same value can
# mean different things in different fields (ownership 'mixed' is 混合, a class of type 'mixed' is a 混合班).
VALUE_LABELS_ZH: dict[tuple[str, str], str] = {
    ("form", "center"): "托育中心",
    ("form", "kindergarten_class"): "幼儿园托班",
    ("form", "employer"): "用人单位办托",
    ("form", "community"): "社区托育点",
    ("form", "family"): "家庭托育点",
    ("ownership", "public"): "公办",
    ("ownership", "private"): "民办",
    ("ownership", "mixed"): "混合",
    ("tenure", "owned"): "自有",
    ("tenure", "leased"): "租赁",
    ("type", "infant"): "乳儿班",
    ("type", "toddler"): "托小班",
    ("type", "older"): "托大班",
    ("type", "mixed"): "混合班",
    ("role", "manager"): "负责人",
    ("role", "caregiver"): "保育人员",
    ("role", "health"): "保健人员",
    ("role", "security"): "保安人员",
    ("role", "other"): "其他人员",
    ("education", "none"): "无",
    ("education", "junior_high"): "初中",
    ("education", "secondary"): "中专",
    ("education", "associate"): "大专",
    ("education", "bachelor"): "本科",
    ("education", "postgraduate"): "研究生",
    ("certificates", "childcare"): "保育育婴资质",
    ("certificates", "teacher"): "幼师资格",
    ("certificates", "health_title"): "卫生专业职称",
    ("certificates", "security_guard"): "保安员证",
    ("status", "new"): "新建",
    ("status", "existing"): "已建成",
    ("kind", "new"): "新建",
    ("kind", "none"): "无",
    ("level", "province"): "省",
    ("level", "city"): "市",
    ("level", "county"): "县（区）",
    ("level", "township"): "乡镇（街道）",
    ("level", "community"): "社区",
}


def _by_value(labels: dict[tuple[str, str], str]) -> dict[str, str]:
    by_value: dict[str, str] = {}
    for (_field, value), label in labels.items():
        by_value.setdefault(value, label)
    return by_value


VALUE_LABELS_ZH_ANY_FIELD: dict[str, str] = _by_value(VALUE_LABELS_ZH)
"""A value's label when the field is not known (a report's observed value): the first field's label wins."""
