"""南昌市托育服务三年行动计划 (2023—2025), seeds/000_0995926b20770891.txt: records worked by hand at the boundaries.

Public API only: ``tuoyu_rules.load_policy("nanchang").evaluate(record, as_of=...).to_dict()``.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import tuoyu_rules

END_2025 = datetime.date(2025, 12, 31)  # issue 14: "到2025年" falls due at the end of 2025
MID_2024 = datetime.date(2024, 6, 30)


def report(record: dict[str, Any], as_of: datetime.date = END_2025) -> dict[str, Any]:
    return tuoyu_rules.load_policy("nanchang").evaluate(record, as_of=as_of).to_dict()


def findings(record: dict[str, Any], rule: str, as_of: datetime.date = END_2025) -> list[dict[str, Any]]:
    return [f for f in report(record, as_of)["findings"] if f["rule"] == rule]


def only(record: dict[str, Any], rule: str, as_of: datetime.date = END_2025) -> dict[str, Any]:
    found = findings(record, rule, as_of)
    assert len(found) == 1, found
    return found[0]


def subsidy(record: dict[str, Any], sid: str, as_of: datetime.date = MID_2024) -> dict[str, Any]:
    return next(s for s in report(record, as_of)["subsidies"] if s["id"] == sid)


def benefit(record: dict[str, Any], bid: str, as_of: datetime.date = MID_2024) -> dict[str, Any]:
    return next(b for b in report(record, as_of)["benefits"] if b["id"] == bid)


def city(**fields: Any) -> dict[str, Any]:
    """南昌市 in 2025 meeting every target exactly (each figure is the document's threshold)."""
    return {
        "id": "NC-2025",
        "kind": "region",
        "name": "南昌市",
        "level": "city",
        "year": 2025,
        "population": 1_000_000,
        "total_slots": 4500,  # 4.5 per 1,000
        "inclusive_slots": 2700,  # 60 %
        "institutions": 100,
        "comprehensive_centers": 1,
        "townships": 20,
        "townships_with_inclusive_center": 20,  # 全覆盖
        "urban_communities": 200,
        "urban_communities_with_childcare": 100,  # 50 %
        "staff_total": 1000,
        "staff_trained": 800,  # 80 %
        "subregions": [
            {"id": "NC-DH", "name": "东湖区", "level": "county", "public_institutions": 1},
            {"id": "NC-JX", "name": "进贤县", "level": "county", "public_institutions": 2},
        ],
        **fields,
    }


def institution(**fields: Any) -> dict[str, Any]:
    """A filed centre that meets the national standards, charging exactly the guide price, 30 children enrolled."""
    return {
        "id": "NC-001",
        "name": "红谷滩区某托育中心",
        "form": "center",
        "ownership": "private",
        "inclusive": True,
        "filed": True,
        "total_slots": 40,
        "monthly_fee": 1800,
        "guide_price": 1800,
        "classes": [
            {"type": "toddler", "enrolled": 12, "caregivers": 3},
            {"type": "older", "enrolled": 18, "caregivers": 3},
        ],
        "staff": [
            {"role": "manager", "education": "bachelor", "management_years": 5, "trained": True, "banned": False}
        ],
        "surveillance": {"installed": True, "always_on": True, "retention_days": 90},
        "construction": {"kind": "none", "new_slots": 0},
        **fields,
    }


# ---- 二、总体目标: city targets for 2025 -----------------------------------------------------------------------------
def test_a_city_meeting_every_target_exactly_passes() -> None:
    got = report(city())
    assert got["status"] == "pass"
    assert got["violations"] == []
    rules = {
        "target.institutions",
        "target.comprehensive_centers",
        "target.public_institution_per_county",
        "target.township_inclusive_center_coverage",
        "target.community_coverage",
        "target.slots_per_1000",
        "target.inclusive_share",
        "target.staff_trained_share",
    }
    assert {f["rule"] for f in got["findings"]} >= rules
    assert all(f["outcome"] == "pass" and f["year"] == 2025 for f in got["findings"] if f["rule"] in rules)


@pytest.mark.parametrize("slots, outcome", [(4500, "pass"), (4499, "fail")])
def test_4_5_slots_per_1000_people_exactly_meets_the_target_and_4499_does_not(slots: int, outcome: str) -> None:
    f = only(city(total_slots=slots, inclusive_slots=slots), "target.slots_per_1000")
    assert f["outcome"] == outcome
    assert f["required"] == pytest.approx(4.5)
    assert f["observed"] == pytest.approx(slots / 1000)


def test_a_missed_slots_target_reports_observed_required_and_how_many_slots_are_missing() -> None:
    got = report(city(total_slots=4499, inclusive_slots=4499))
    assert got["status"] == "fail"
    [v] = [v for v in got["violations"] if v["rule"] == "target.slots_per_1000"]
    assert "4.499" in v["message"] and "4.5" in v["message"]
    assert "1" in v["fix"]
    assert v["citation"]["source"] == "000_0995926b20770891.txt"


@pytest.mark.parametrize("inclusive, outcome", [(2700, "pass"), (2699, "fail")])
def test_60_percent_inclusive_exactly_passes_and_one_slot_less_fails(inclusive: int, outcome: str) -> None:
    f = only(city(inclusive_slots=inclusive), "target.inclusive_share")
    assert (f["outcome"], f["required"]) == (outcome, 60)


@pytest.mark.parametrize("count, outcome", [(100, "pass"), (99, "fail")])
def test_at_least_100_institutions_citywide(count: int, outcome: str) -> None:
    f = only(city(institutions=count), "target.institutions")
    assert (f["outcome"], f["observed"], f["required"]) == (outcome, count, 100)


@pytest.mark.parametrize("centres, outcome", [(1, "pass"), (0, "fail")])
def test_the_city_needs_one_comprehensive_service_centre(centres: int, outcome: str) -> None:
    assert only(city(comprehensive_centers=centres), "target.comprehensive_centers")["outcome"] == outcome


def test_a_county_without_a_public_institution_fails_its_own_subregion_finding() -> None:
    record = city(
        subregions=[
            {"id": "NC-DH", "name": "东湖区", "level": "county", "public_institutions": 1},
            {"id": "NC-AY", "name": "安义县", "level": "county", "public_institutions": 0},
        ]
    )
    got = report(record)
    per_county = [
        (f["subject_id"], f["outcome"]) for f in got["findings"] if f["rule"] == "target.public_institution_per_county"
    ]
    assert per_county == [("NC-DH", "pass"), ("NC-AY", "fail")]
    [v] = [v for v in got["violations"] if v["rule"] == "target.public_institution_per_county"]
    assert v["subject"] == "subregions[1]"
    assert "安义县" in v["message"] and "0" in v["message"]
    assert got["status"] == "fail"


def test_the_public_institution_target_skips_subregions_that_are_not_counties() -> None:
    record = city(
        subregions=[
            {"id": "NC-DH", "name": "东湖区", "level": "county", "public_institutions": 1},
            {"id": "NC-DH-01", "name": "公园街道", "level": "township", "public_institutions": 0},
        ]
    )
    per_subject = [f["subject_id"] for f in findings(record, "target.public_institution_per_county")]
    assert per_subject == ["NC-DH"]


def test_a_county_with_no_public_institution_count_is_unknown_not_passed() -> None:
    record = city(subregions=[{"id": "NC-QSH", "name": "青山湖区", "level": "county"}])
    f = only(record, "target.public_institution_per_county")
    assert f["outcome"] == "unknown"
    assert f["missing"] == ["public_institutions"]
    assert report(record)["status"] == "incomplete"


@pytest.mark.parametrize("with_centre, outcome", [(20, "pass"), (19, "fail")])
def test_every_township_needs_an_inclusive_centre(with_centre: int, outcome: str) -> None:
    f = only(city(townships_with_inclusive_center=with_centre), "target.township_inclusive_center_coverage")
    assert (f["outcome"], f["required"]) == (outcome, 100)


def test_township_coverage_also_applies_to_a_county_record() -> None:
    county = {
        "id": "NC-XJ",
        "kind": "region",
        "name": "新建区",
        "level": "county",
        "year": 2025,
        "townships": 12,
        "townships_with_inclusive_center": 11,
        "subregions": [],
    }
    assert only(county, "target.township_inclusive_center_coverage")["outcome"] == "fail"


@pytest.mark.parametrize("covered, outcome", [(100, "pass"), (99, "fail")])
def test_50_percent_of_urban_communities_covered(covered: int, outcome: str) -> None:
    f = only(city(urban_communities_with_childcare=covered), "target.community_coverage")
    assert (f["outcome"], f["required"]) == (outcome, 50)


@pytest.mark.parametrize("trained, outcome", [(800, "pass"), (799, "fail")])
def test_80_percent_of_staff_trained(trained: int, outcome: str) -> None:
    f = only(city(staff_trained=trained), "target.staff_trained_share")
    assert (f["outcome"], f["required"]) == (outcome, 80)


def test_a_2024_record_gets_not_due_for_the_2025_targets_with_progress() -> None:
    record = city(year=2024, total_slots=4000, inclusive_slots=2000, institutions=80)
    got = report(record, datetime.date(2024, 12, 31))
    assert got["status"] == "pass"
    targets = [f for f in got["findings"] if f["rule"].startswith("target.")]
    assert targets and all(f["outcome"] == "not_due" and f["year"] == 2025 for f in targets)
    slots = next(f for f in targets if f["rule"] == "target.slots_per_1000")
    assert slots["progress"] == pytest.approx(4 / 4.5, abs=1e-4)
    institutions = next(f for f in targets if f["rule"] == "target.institutions")
    assert institutions["progress"] == pytest.approx(0.8)


def test_a_region_without_a_year_is_judged_in_the_as_of_year() -> None:
    record = city(total_slots=4499, inclusive_slots=4499)
    del record["year"]
    assert only(record, "target.slots_per_1000", END_2025)["outcome"] == "fail"
    assert only(record, "target.slots_per_1000", MID_2024)["outcome"] == "not_due"


def test_missing_population_makes_the_slots_target_unknown_never_passed() -> None:
    record = city()
    del record["population"]
    f = only(record, "target.slots_per_1000")
    assert f["outcome"] == "unknown"
    assert "population" in f["missing"]
    assert report(record)["status"] == "incomplete"


def test_citywide_targets_do_not_apply_to_a_county_record() -> None:
    county = {
        "id": "NC-XJ",
        "kind": "region",
        "level": "county",
        "year": 2025,
        "population": 300_000,
        "total_slots": 100,
        "inclusive_slots": 10,
        "institutions": 3,
        "subregions": [],
    }
    rules = {f["rule"] for f in report(county)["findings"]}
    assert not rules & {
        "target.slots_per_1000",
        "target.inclusive_share",
        "target.institutions",
        "target.comprehensive_centers",
        "target.community_coverage",
        "target.staff_trained_share",
    }


# ---- 三(二)7: construction subsidy 400~600 元 per new slot --------------------------------------------------------------
def test_construction_subsidy_for_10_new_slots_is_a_range_of_4000_to_6000() -> None:
    got = subsidy(institution(construction={"kind": "new", "new_slots": 10}), "subsidy.construction")
    assert got["eligible"] is True
    assert (got["amount"], got["amount_min"], got["amount_max"]) == (None, "4000.00", "6000.00")
    assert got["period"] == "once"


def test_an_expansion_also_gets_the_construction_subsidy() -> None:
    got = subsidy(institution(construction={"kind": "expansion", "new_slots": 25}), "subsidy.construction")
    assert (got["eligible"], got["amount_min"], got["amount_max"]) == (True, "10000.00", "15000.00")


def test_no_construction_project_no_construction_subsidy() -> None:
    assert subsidy(institution(), "subsidy.construction")["eligible"] is False


def test_construction_subsidy_without_a_new_slot_count_has_no_amount() -> None:
    got = subsidy(institution(construction={"kind": "new"}), "subsidy.construction")
    assert got["eligible"] is True
    assert (got["amount"], got["amount_min"], got["amount_max"]) == (None, None, None)


def test_construction_subsidy_is_unknown_when_the_record_says_nothing_about_construction() -> None:
    record = institution()
    del record["construction"]
    assert subsidy(record, "subsidy.construction")["eligible"] is None


# ---- 三(二)7: operating subsidy 300 元 per enrolled child per month -----------------------------------------------------
def test_operating_subsidy_is_300_per_enrolled_child_when_the_fee_equals_the_guide_price() -> None:
    got = subsidy(institution(), "subsidy.operating")
    assert got["eligible"] is True
    assert (got["amount"], got["amount_min"], got["amount_max"]) == ("9000.00", "9000.00", "9000.00")
    assert got["period"] == "month"


def test_operating_subsidy_below_the_guide_price_counts_every_class() -> None:
    record = institution(
        monthly_fee=1500,
        classes=[
            {"type": "infant", "enrolled": 6, "caregivers": 2},
            {"type": "toddler", "enrolled": 15, "caregivers": 3},
            {"type": "older", "enrolled": 20, "caregivers": 3},
        ],
    )
    assert subsidy(record, "subsidy.operating")["amount"] == "12300.00"


def test_operating_subsidy_is_ineligible_one_yuan_above_the_guide_price() -> None:
    got = subsidy(institution(monthly_fee=1801), "subsidy.operating")
    assert got["eligible"] is False
    assert got["amount"] in (None, "0.00")


@pytest.mark.parametrize("missing", ["monthly_fee", "guide_price"])
def test_operating_subsidy_is_unknown_without_the_fee_or_the_guide_price(missing: str) -> None:
    record = institution()
    del record[missing]
    got = subsidy(record, "subsidy.operating")
    assert got["eligible"] is None
    assert got["amount"] is None


# ---- 三(二)7: community points (amount left open) --------------------------------------------------------------------
def test_an_inclusive_publicly_built_community_point_is_eligible_for_support_with_no_amount() -> None:
    record = institution(form="community", ownership="mixed", inclusive=True)
    got = subsidy(record, "subsidy.community_point")
    assert got["eligible"] is True
    assert (got["amount"], got["amount_min"], got["amount_max"]) == (None, None, None)


@pytest.mark.parametrize(
    "fields",
    [
        {"form": "community", "ownership": "mixed", "inclusive": False},
        {"form": "center", "ownership": "mixed", "inclusive": True},
    ],
)
def test_community_point_support_needs_an_inclusive_community_point(fields: dict[str, Any]) -> None:
    assert subsidy(institution(**fields), "subsidy.community_point")["eligible"] is False


@pytest.mark.parametrize("ownership", ["public", "private"])
def test_the_open_list_of_community_point_arrangements_leaves_public_and_private_points_unknown(ownership: str) -> None:
    # issue 14: "公建民营、公助民营等" is an open list; a public point may be 公建民营: never excluded in silence
    got = subsidy(institution(form="community", ownership=ownership, inclusive=True), "subsidy.community_point")
    assert got["eligible"] is None and got["missing"] == ["operating_arrangement"] and got["amount"] is None
    assert got["period"] == "unspecified"


# ---- 三(一)4, 三(二)8: benefits ---------------------------------------------------------------------------------------
def test_staff_welfare_deduction_is_for_employer_run_institutions_only() -> None:
    assert benefit(institution(form="employer"), "benefit.employer_welfare_deduction")["eligible"] is True
    assert benefit(institution(form="center"), "benefit.employer_welfare_deduction")["eligible"] is False


def test_every_institution_pays_residential_utility_prices_and_averaged_gas() -> None:
    assert benefit(institution(), "benefit.utility_residential_price")["eligible"] is True
    assert benefit(institution(), "benefit.gas_price_residential_tier_average")["eligible"] is True


def test_the_income_tax_deduction_uses_the_national_figure_in_force() -> None:
    got = benefit(institution(), "benefit.iit_deduction")
    assert (got["eligible"], got["value"]) == (True, "2000.00")
    assert got["citation"]["source"] == "000_0995926b20770891.txt"


def test_an_institution_meeting_the_national_standards_passes_under_nanchang() -> None:
    assert report(institution(), MID_2024)["status"] == "pass"


# ---- 三(一)1: residential areas, 10 / 8 slots per 1,000 residents --------------------------------------------------------
@pytest.mark.parametrize(
    "status, slots, outcome",
    [("new", 30, "pass"), ("new", 29, "fail"), ("existing", 24, "pass"), ("existing", 23, "fail")],
)
def test_residential_areas_need_10_new_or_8_existing_slots_per_1000(status: str, slots: int, outcome: str) -> None:
    record = {"id": "RA", "kind": "residential_area", "status": status, "population": 3000, "planned_slots": slots}
    f = only(record, "planning.slots_per_1000", MID_2024)
    assert (f["outcome"], f["observed"], f["required"]) == (outcome, slots, 30 if status == "new" else 24)


def test_a_residential_slot_requirement_rounds_up_to_whole_slots() -> None:
    # 3,050 residents × 8 / 1,000 = 24.4 → 25 slots
    record = {"id": "RA", "kind": "residential_area", "status": "existing", "population": 3050, "planned_slots": 24}
    f = only(record, "planning.slots_per_1000", MID_2024)
    assert (f["outcome"], f["required"]) == ("fail", 25)
    assert "25" in f["message"] and "24" in f["message"]
    assert "1" in f["fix"]


def test_a_residential_area_without_population_is_unknown() -> None:
    record = {"id": "RA", "kind": "residential_area", "status": "new", "planned_slots": 30}
    f = only(record, "planning.slots_per_1000", MID_2024)
    assert f["outcome"] == "unknown"
    assert "population" in f["missing"]


# ---- the policy itself --------------------------------------------------------------------------------------------------
def test_the_policy_warns_when_checked_after_2025() -> None:
    got = report(institution(), datetime.date(2026, 1, 1))
    assert [w["code"] for w in got.get("warnings", [])] == ["policy.not-in-force"]
    assert "warnings" not in report(institution(), datetime.date(2025, 12, 31))
