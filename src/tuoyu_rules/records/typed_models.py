"""The record models as a type checker sees them: every field with its type. GENERATED from vocabulary.py — do not edit;
regenerate with ``python -m tuoyu_rules.records.model_source > src/tuoyu_rules/records/typed_models.py``.

Imported only by type checkers (``models.py`` builds the runtime classes from the same tables). Attributes have the
checked types (``total_slots: int``, ``form: Literal["center", …]``, nested objects as TypedDicts); the constructors
take what a ledger cell may hold (``"30个"``, ``"是"``, ``"自有"``), checked when the model is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from typing_extensions import TypedDict

from .base import RecordModel

__all__ = [
    "ClassRecord",
    "ConstructionRecord",
    "Institution",
    "Region",
    "ResidentialArea",
    "StaffRecord",
    "SubregionRecord",
    "SurveillanceRecord",
]


class ClassRecord(TypedDict, total=False):
    """``classes`` in institution records, as checked."""

    type: Literal["infant", "mixed", "older", "toddler"]
    enrolled: int
    caregivers: int


class StaffRecord(TypedDict, total=False):
    """``staff`` in institution records, as checked."""

    role: Literal["caregiver", "health", "manager", "other", "security"]
    education: Literal["associate", "bachelor", "junior_high", "none", "postgraduate", "secondary"]
    related_major: bool
    management_years: int | Decimal
    trained: bool
    certificates: list[Literal["childcare", "health_title", "security_guard", "teacher"]]
    banned: bool


class SurveillanceRecord(TypedDict, total=False):
    """``surveillance`` in institution records, as checked."""

    installed: bool
    always_on: bool
    retention_days: int


class ConstructionRecord(TypedDict, total=False):
    """``construction`` in institution records, as checked."""

    kind: Literal["expansion", "new", "none"]
    new_slots: int
    provincial_slot_subsidy: bool
    central_funding: bool


class SubregionRecord(TypedDict, total=False):
    """``subregions`` in region records, as checked."""

    id: str
    name: str
    level: Literal["national", "province", "city", "county", "township", "community"]
    year: int
    population: int
    total_slots: int
    inclusive_slots: int
    new_slots: int
    institutions: int
    public_institutions: int
    employer_institutions: int
    comprehensive_centers: int
    four_star_institutions: int
    institutions_registered: int
    institutions_filed: int
    staff_total: int
    staff_trained: int
    staff_certified: int
    urban_communities: int
    urban_communities_with_childcare: int
    townships: int
    townships_with_inclusive_center: int
    kindergartens: int
    kindergartens_with_childcare: int
    newborn_families: int
    newborn_families_reached: int
    subregions: list[SubregionRecord]


class Institution(RecordModel):
    """托育机构 — an institution record (CONTRACT.md §3)."""

    id: str
    name: str | None = None
    form: Literal["center", "community", "employer", "family", "kindergarten_class"] | None = None
    ownership: Literal["mixed", "private", "public"] | None = None
    comprehensive_center: bool | None = None
    inclusive: bool | None = None
    nonprofit: bool | None = None
    filed: bool | None = None
    star_rating: int | None = None
    total_slots: int | None = None
    indoor_area_m2: int | Decimal | None = None
    outdoor_area_m2: int | Decimal | None = None
    building_area_m2: int | Decimal | None = None
    tenure: Literal["leased", "owned"] | None = None
    lease_years: int | Decimal | None = None
    premises_state_owned: bool | None = None
    monthly_fee: int | Decimal | None = None
    guide_price: int | Decimal | None = None
    local_hukou_enrolled: int | None = None
    classes: list[ClassRecord] | None = None
    staff: list[StaffRecord] | None = None
    surveillance: SurveillanceRecord | None = None
    construction: ConstructionRecord | None = None
    district: str | None = None
    kind: Literal["institution"] = "institution"

    if TYPE_CHECKING:  # the constructor as checkers see it; at run time pydantic's, which checks

        def __init__(
            self,
            *,
            id: str | int,
            name: str | None = None,
            form: str | None = None,
            ownership: str | None = None,
            comprehensive_center: bool | str | None = None,
            inclusive: bool | str | None = None,
            nonprofit: bool | str | None = None,
            filed: bool | str | None = None,
            star_rating: int | str | None = None,
            total_slots: int | str | None = None,
            indoor_area_m2: int | float | Decimal | str | None = None,
            outdoor_area_m2: int | float | Decimal | str | None = None,
            building_area_m2: int | float | Decimal | str | None = None,
            tenure: str | None = None,
            lease_years: int | float | Decimal | str | None = None,
            premises_state_owned: bool | str | None = None,
            monthly_fee: int | float | Decimal | str | None = None,
            guide_price: int | float | Decimal | str | None = None,
            local_hukou_enrolled: int | str | None = None,
            classes: Sequence[Mapping[str, Any]] | None = None,
            staff: Sequence[Mapping[str, Any]] | None = None,
            surveillance: Mapping[str, Any] | None = None,
            construction: Mapping[str, Any] | None = None,
            district: str | None = None,
            kind: str | None = None,
        ) -> None: ...


class Region(RecordModel):
    """区域 — a region record: a city, county or township (CONTRACT.md §3)."""

    id: str
    name: str | None = None
    level: Literal["national", "province", "city", "county", "township", "community"] | None = None
    year: int | None = None
    population: int | None = None
    total_slots: int | None = None
    inclusive_slots: int | None = None
    new_slots: int | None = None
    institutions: int | None = None
    public_institutions: int | None = None
    employer_institutions: int | None = None
    comprehensive_centers: int | None = None
    four_star_institutions: int | None = None
    institutions_registered: int | None = None
    institutions_filed: int | None = None
    staff_total: int | None = None
    staff_trained: int | None = None
    staff_certified: int | None = None
    urban_communities: int | None = None
    urban_communities_with_childcare: int | None = None
    townships: int | None = None
    townships_with_inclusive_center: int | None = None
    kindergartens: int | None = None
    kindergartens_with_childcare: int | None = None
    newborn_families: int | None = None
    newborn_families_reached: int | None = None
    subregions: list[SubregionRecord] | None = None
    district: str | None = None
    kind: Literal["region"] = "region"

    if TYPE_CHECKING:  # the constructor as checkers see it; at run time pydantic's, which checks

        def __init__(
            self,
            *,
            id: str | int,
            name: str | None = None,
            level: str | None = None,
            year: int | str | None = None,
            population: int | str | None = None,
            total_slots: int | str | None = None,
            inclusive_slots: int | str | None = None,
            new_slots: int | str | None = None,
            institutions: int | str | None = None,
            public_institutions: int | str | None = None,
            employer_institutions: int | str | None = None,
            comprehensive_centers: int | str | None = None,
            four_star_institutions: int | str | None = None,
            institutions_registered: int | str | None = None,
            institutions_filed: int | str | None = None,
            staff_total: int | str | None = None,
            staff_trained: int | str | None = None,
            staff_certified: int | str | None = None,
            urban_communities: int | str | None = None,
            urban_communities_with_childcare: int | str | None = None,
            townships: int | str | None = None,
            townships_with_inclusive_center: int | str | None = None,
            kindergartens: int | str | None = None,
            kindergartens_with_childcare: int | str | None = None,
            newborn_families: int | str | None = None,
            newborn_families_reached: int | str | None = None,
            subregions: Sequence[Mapping[str, Any]] | None = None,
            district: str | None = None,
            kind: str | None = None,
        ) -> None: ...


class ResidentialArea(RecordModel):
    """居住区 — a residential area record (CONTRACT.md §3)."""

    id: str
    status: Literal["existing", "new"] | None = None
    population: int | None = None
    planned_slots: int | None = None
    district: str | None = None
    kind: Literal["residential_area"] = "residential_area"

    if TYPE_CHECKING:  # the constructor as checkers see it; at run time pydantic's, which checks

        def __init__(
            self,
            *,
            id: str | int,
            status: str | None = None,
            population: int | str | None = None,
            planned_slots: int | str | None = None,
            district: str | None = None,
            kind: str | None = None,
        ) -> None: ...
