"""Records worked by hand from 泸龙府办发〔2023〕6号 (seeds/001_060ea64bc85e63b4.txt)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

import tuoyu_rules

DAY = datetime.date(2024, 6, 30)


@pytest.fixture(scope="module")
def luzhou() -> tuoyu_rules.Policy:
    return tuoyu_rules.load_policy("luzhou_longmatan")


def institution(**fields: object) -> dict:
    record: dict = {
        "id": "LMT-T",
        "form": "center",
        "inclusive": True,
        "filed": True,
        "comprehensive_center": False,
        "total_slots": 60,
        "indoor_area_m2": 300,
        "outdoor_area_m2": 120,
        "tenure": "owned",
        "classes": [
            {"type": "infant", "enrolled": 5, "caregivers": 2},
            {"type": "toddler", "enrolled": 7, "caregivers": 2},
        ],
        "staff": [
            {"role": "manager", "education": "associate", "management_years": 3, "trained": True, "banned": False},
            {
                "role": "caregiver",
                "education": "secondary",
                "related_major": True,
                "certificates": ["childcare"],
                "banned": False,
            },
        ],
        "surveillance": {"installed": True, "always_on": True, "retention_days": 90},
        "construction": {"kind": "none", "new_slots": 0, "provincial_slot_subsidy": False, "central_funding": False},
    }
    record.update(fields)
    return record


def outcome(policy: tuoyu_rules.Policy, rule: str, **fields: object) -> str:
    return policy.evaluate(institution(**fields), as_of=DAY).outcome(rule)


def test_exactly_5_m2_per_slot_passes(luzhou) -> None:
    assert outcome(luzhou, "area.indoor_per_slot", total_slots=60, indoor_area_m2=300) == "pass"


def test_4_99_m2_per_slot_fails(luzhou) -> None:
    assert outcome(luzhou, "area.indoor_per_slot", total_slots=100, indoor_area_m2="499") == "fail"


def test_outdoor_area_2_m2_per_slot(luzhou) -> None:
    assert outcome(luzhou, "area.outdoor_per_slot", outdoor_area_m2=120) == "pass"
    assert outcome(luzhou, "area.outdoor_per_slot", outdoor_area_m2="119.9") == "fail"


def test_building_area_applies_to_the_comprehensive_centre_only(luzhou) -> None:
    assert outcome(luzhou, "area.building_per_slot", comprehensive_center=False) == "absent"
    assert outcome(luzhou, "area.building_per_slot", comprehensive_center=True, building_area_m2=720) == "pass"
    assert outcome(luzhou, "area.building_per_slot", comprehensive_center=True, building_area_m2=719) == "fail"


def test_10_infants_pass_and_11_fail(luzhou) -> None:
    ten = [{"type": "infant", "enrolled": 10, "caregivers": 4}]
    eleven = [{"type": "infant", "enrolled": 11, "caregivers": 4}]
    assert outcome(luzhou, "class.size.infant", classes=ten) == "pass"
    assert outcome(luzhou, "class.size.infant", classes=eleven) == "fail"


def test_infant_ratio_1_to_3(luzhou) -> None:
    assert outcome(luzhou, "class.ratio.infant", classes=[{"type": "infant", "enrolled": 3, "caregivers": 1}]) == "pass"
    report = luzhou.evaluate(institution(classes=[{"type": "infant", "enrolled": 4, "caregivers": 1}]), as_of=DAY)
    violation = next(v for v in report.to_dict()["violations"] if v["rule"] == "class.ratio.infant")
    assert (violation["observed"], violation["required"]) == (1, 2)
    assert "增加 1 名保育人员" in violation["fix"]


def test_toddler_and_older_class_sizes(luzhou) -> None:
    assert (
        outcome(luzhou, "class.size.toddler", classes=[{"type": "toddler", "enrolled": 16, "caregivers": 4}]) == "fail"
    )
    assert outcome(luzhou, "class.size.older", classes=[{"type": "older", "enrolled": 20, "caregivers": 3}]) == "pass"
    assert outcome(luzhou, "class.ratio.older", classes=[{"type": "older", "enrolled": 15, "caregivers": 2}]) == "fail"


def test_150_slots_pass_and_151_fail(luzhou) -> None:
    assert outcome(luzhou, "slots.max", total_slots=150, indoor_area_m2=750, outdoor_area_m2=300) == "pass"
    assert outcome(luzhou, "slots.max", total_slots=151, indoor_area_m2=755, outdoor_area_m2=302) == "fail"


def test_lease_of_3_years_passes_2_5_fails_owned_needs_none(luzhou) -> None:
    assert outcome(luzhou, "premises.lease_years", tenure="leased", lease_years=3) == "pass"
    assert outcome(luzhou, "premises.lease_years", tenure="leased", lease_years="2.5") == "fail"
    assert outcome(luzhou, "premises.lease_years", tenure="owned") == "pass"
    assert outcome(luzhou, "premises.lease_years", tenure="leased") == "unknown"


def test_retention_90_days_passes_89_fails(luzhou) -> None:
    sv = {"installed": True, "always_on": True}
    assert outcome(luzhou, "surveillance.retention_days", surveillance={**sv, "retention_days": 90}) == "pass"
    assert outcome(luzhou, "surveillance.retention_days", surveillance={**sv, "retention_days": 89}) == "fail"


def test_missing_indoor_area_is_unknown_never_pass(luzhou) -> None:
    record = institution()
    del record["indoor_area_m2"]
    report = luzhou.evaluate(record, as_of=DAY)
    assert report.outcome("area.indoor_per_slot") == "unknown" and report.status == "incomplete"
    finding = next(f for f in report.to_dict()["findings"] if f["rule"] == "area.indoor_per_slot")
    assert finding["missing"] == ["indoor_area_m2"]


def test_staff_qualifications(luzhou) -> None:
    weak_manager = [
        {"role": "manager", "education": "associate", "management_years": 2, "trained": True, "banned": False}
    ]
    assert outcome(luzhou, "staff.manager.qualification", staff=weak_manager) == "fail"
    no_cert = [
        {"role": "caregiver", "education": "secondary", "related_major": True, "certificates": [], "banned": False}
    ]
    assert outcome(luzhou, "staff.caregiver.qualification", staff=no_cert) == "fail"
    health = [
        {
            "role": "health",
            "education": "associate",
            "related_major": True,
            "certificates": ["health_title"],
            "trained": True,
            "banned": False,
        }
    ]
    assert outcome(luzhou, "staff.health.qualification", staff=health) == "pass"
    guard = [{"role": "security", "certificates": [], "banned": False}]
    assert outcome(luzhou, "staff.security.certificate", staff=guard) == "fail"


def test_operating_subsidy_500_per_infant_300_per_toddler(luzhou) -> None:
    line = luzhou.evaluate(institution(), as_of=DAY).to_dict()["subsidies"][0]
    assert line["id"] == "subsidy.operating"
    assert (line["eligible"], line["amount"], line["period"]) == (True, "4600.00", "month")


def test_operating_subsidy_needs_inclusive_and_the_standards(luzhou) -> None:
    assert luzhou.evaluate(institution(inclusive=False), as_of=DAY).to_dict()["subsidies"][0]["eligible"] is False
    failing = luzhou.evaluate(institution(indoor_area_m2=299), as_of=DAY).to_dict()["subsidies"][0]
    assert failing["eligible"] is False and failing["amount"] == "0.00"


def test_construction_subsidy_5000_per_slot_unless_central_funds(luzhou) -> None:
    won = {"kind": "new", "new_slots": 40, "provincial_slot_subsidy": True, "central_funding": False}
    line = luzhou.evaluate(institution(construction=won), as_of=DAY).to_dict()["subsidies"][1]
    assert (line["id"], line["eligible"], line["amount"]) == ("subsidy.construction", True, "200000.00")
    funded = luzhou.evaluate(institution(construction={**won, "central_funding": True}), as_of=DAY).to_dict()
    line = funded["subsidies"][1]
    assert line["eligible"] is False and "中央资金" in line["excluded_by"]["reason"]


def region(year: int, **fields: object) -> dict:
    record: dict = {
        "id": f"LMT-{year}",
        "kind": "region",
        "level": "county",
        "year": year,
        "population": 500_000,
        "total_slots": 2000,
        "inclusive_slots": 800,
        "four_star_institutions": 3,
        "kindergartens": 100,
        "kindergartens_with_childcare": 70,
    }
    record.update(fields)
    return record


def findings(policy, record: dict, rule: str) -> list[tuple[int, str]]:
    report = policy.evaluate(record, as_of=datetime.date(record["year"], 12, 31)).to_dict()
    return [(f["year"], f["outcome"]) for f in report["findings"] if f["rule"] == rule]


def test_yearly_total_slot_targets(luzhou) -> None:
    assert findings(luzhou, region(2023, total_slots=1525), "target.total_slots") == [
        (2023, "pass"),
        (2024, "not_due"),
        (2025, "not_due"),
    ]
    assert findings(luzhou, region(2024, total_slots=1999), "target.total_slots") == [(2024, "fail"), (2025, "not_due")]
    assert findings(luzhou, region(2025, total_slots=2320), "target.total_slots") == [(2025, "pass")]


def test_slots_per_1000_at_the_boundary(luzhou) -> None:
    assert findings(luzhou, region(2025, total_slots=2350), "target.slots_per_1000") == [(2025, "pass")]
    assert findings(luzhou, region(2025, total_slots=2349), "target.slots_per_1000") == [(2025, "fail")]


def test_inclusive_share_and_four_star_targets(luzhou) -> None:
    assert findings(luzhou, region(2025, total_slots=2350, inclusive_slots=1175), "target.inclusive_share") == [
        (2025, "pass")
    ]
    assert findings(luzhou, region(2025, total_slots=2350, inclusive_slots=1174), "target.inclusive_share") == [
        (2025, "fail")
    ]
    assert findings(luzhou, region(2024, four_star_institutions=2), "target.four_star_institutions")[0] == (
        2024,
        "fail",
    )


def test_every_township_4_7_per_1000_by_2025(luzhou) -> None:
    towns = [
        {"id": "A", "name": "红星街道", "level": "township", "population": 100_000, "total_slots": 470},
        {"id": "B", "name": "石洞镇", "level": "township", "population": 100_000, "total_slots": 469},
    ]
    report = luzhou.evaluate(region(2025, total_slots=2350, subregions=towns), as_of=datetime.date(2025, 12, 31))
    town = [
        (f["subject_id"], f["outcome"])
        for f in report.to_dict()["findings"]
        if f["rule"] == "target.township_slots_per_1000"
    ]
    assert town == [("A", "pass"), ("B", "fail")]
    early = luzhou.evaluate(region(2024, subregions=towns), as_of=DAY).to_dict()["findings"]
    assert {f["outcome"] for f in early if f["rule"] == "target.township_slots_per_1000"} == {"not_due"}


@pytest.mark.parametrize(
    "status, population, slots, expected",
    [
        ("new", 5000, 50, "pass"),
        ("new", 5000, 49, "fail"),
        ("existing", 5000, 40, "pass"),
        ("existing", 5000, 39, "fail"),
        ("new", 1234, 13, "pass"),
        ("new", 1234, 12, "fail"),
    ],
)
def test_residential_areas_10_and_8_per_1000(luzhou, status, population, slots, expected) -> None:
    record = {
        "id": "RA",
        "kind": "residential_area",
        "status": status,
        "population": population,
        "planned_slots": slots,
    }
    assert luzhou.evaluate(record, as_of=DAY).outcome("planning.slots_per_1000") == expected


def test_income_tax_deduction_shows_the_value_in_force_and_the_documents_number(luzhou) -> None:
    benefit = next(
        b for b in luzhou.evaluate(institution(), as_of=DAY).to_dict()["benefits"] if b["id"] == "benefit.iit_deduction"
    )
    assert benefit["value"] == "2000.00"
    assert benefit["stated"][0]["value"] == "1000" and "1000元/月" in benefit["stated"][0]["citation"]["quote"]


def test_budget_is_3_million_a_year(luzhou) -> None:
    params = luzhou.compiled.params_at(DAY)
    assert luzhou.compiled.model.budget.parameter == "annual_special_fund"
    assert params.point["annual_special_fund"] == Decimal(3_000_000) or params.point["annual_special_fund"] == 3_000_000
