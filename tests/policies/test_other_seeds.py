"""Records worked by hand from the Nanchang, Huzhou, Fujian and Chaisang documents, at their boundaries."""

from __future__ import annotations

import datetime

import pytest

import tuoyu_rules


def outcome(policy_id: str, record: dict, rule: str, as_of: datetime.date) -> str:
    return tuoyu_rules.load_policy(policy_id).evaluate(record, as_of=as_of).outcome(rule)


def line(policy_id: str, record: dict, subsidy: str, as_of: datetime.date) -> dict:
    report = tuoyu_rules.load_policy(policy_id).evaluate(record, as_of=as_of).to_dict()
    return next(s for s in report["subsidies"] if s["id"] == subsidy)


END_2025 = datetime.date(2025, 12, 31)


# ---- 南昌 -----------------------------------------------------------------------------------------------------------
def nanchang_city(**fields: object) -> dict:
    return {
        "id": "NC",
        "kind": "region",
        "level": "city",
        "year": 2025,
        "population": 1_000_000,
        "total_slots": 4500,
        "inclusive_slots": 2700,
        **fields,
    }


@pytest.mark.parametrize("slots, expected", [(4500, "pass"), (4499, "fail")])
def test_nanchang_4_5_per_1000_exactly_meets_the_target(slots: int, expected: str) -> None:
    assert (
        outcome("nanchang", nanchang_city(total_slots=slots, inclusive_slots=slots), "target.slots_per_1000", END_2025)
        == expected
    )


@pytest.mark.parametrize("inclusive, expected", [(2700, "pass"), (2699, "fail")])
def test_nanchang_60_percent_inclusive(inclusive: int, expected: str) -> None:
    assert outcome("nanchang", nanchang_city(inclusive_slots=inclusive), "target.inclusive_share", END_2025) == expected


def test_nanchang_every_county_needs_a_public_institution() -> None:
    record = nanchang_city(
        subregions=[
            {"id": "A", "level": "county", "public_institutions": 1},
            {"id": "B", "level": "county", "public_institutions": 0},
        ]
    )
    report = tuoyu_rules.load_policy("nanchang").evaluate(record, as_of=END_2025).to_dict()
    assert [
        (f["subject_id"], f["outcome"])
        for f in report["findings"]
        if f["rule"] == "target.public_institution_per_county"
    ] == [("A", "pass"), ("B", "fail")]


def test_nanchang_targets_are_not_due_in_2024() -> None:
    record = nanchang_city(year=2024, total_slots=100)
    assert outcome("nanchang", record, "target.slots_per_1000", datetime.date(2024, 12, 31)) == "not_due"


def test_nanchang_construction_subsidy_is_a_range() -> None:
    record = {"id": "I", "construction": {"kind": "new", "new_slots": 10}}
    got = line("nanchang", record, "subsidy.construction", datetime.date(2024, 6, 30))
    assert (got["amount"], got["amount_min"], got["amount_max"]) == (None, "4000.00", "6000.00")


def test_nanchang_operating_subsidy_300_a_child_under_the_guide_price() -> None:
    record = {"id": "I", "monthly_fee": 1500, "guide_price": 1800, "classes": [{"type": "toddler", "enrolled": 12}]}
    assert line("nanchang", record, "subsidy.operating", datetime.date(2024, 6, 30))["amount"] == "3600.00"
    assert (
        line("nanchang", {**record, "monthly_fee": 1900}, "subsidy.operating", datetime.date(2024, 6, 30))["eligible"]
        is False
    )
    missing_fee = {k: v for k, v in record.items() if k != "monthly_fee"}
    assert line("nanchang", missing_fee, "subsidy.operating", datetime.date(2024, 6, 30))["eligible"] is None


# ---- 湖州 -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("inclusive, expected", [(8900, "pass"), (8890, "fail")])
def test_huzhou_89_percent_inclusive_in_2025(inclusive: int, expected: str) -> None:
    record = {
        "id": "HZ",
        "kind": "region",
        "level": "city",
        "year": 2025,
        "population": 2_000_000,
        "total_slots": 10_000,
        "inclusive_slots": inclusive,
    }
    assert outcome("huzhou", record, "target.inclusive_share", END_2025) == expected


def test_huzhou_2023_targets_and_2025_not_due() -> None:
    record = {
        "id": "HZ",
        "kind": "region",
        "level": "city",
        "year": 2023,
        "population": 2_000_000,
        "total_slots": 9000,
        "new_slots": 6200,
        "inclusive_slots": 1,
    }
    day = datetime.date(2023, 12, 31)
    assert outcome("huzhou", record, "target.slots_per_1000", day) == "pass"
    assert outcome("huzhou", record, "target.new_slots", day) == "pass"
    assert outcome("huzhou", record, "target.inclusive_share", day) == "not_due"


def test_huzhou_enrolment_subsidy_has_no_amount() -> None:
    record = {"id": "I", "filed": True, "inclusive": True, "local_hukou_enrolled": 12}
    got = line("huzhou", record, "subsidy.enrollment", datetime.date(2024, 6, 30))
    assert got["eligible"] is True and got["amount"] is None and "note" in got


def test_huzhou_warns_after_its_three_year_validity() -> None:
    report = tuoyu_rules.load_policy("huzhou").evaluate({"id": "I"}, as_of=datetime.date(2026, 7, 1)).to_dict()
    assert [w["code"] for w in report["warnings"]] == ["policy.not-in-force"]
    # issue 14: three years from publication (2023-04-25), the last day 2026-04-24
    inside = tuoyu_rules.load_policy("huzhou").evaluate({"id": "I"}, as_of=datetime.date(2026, 4, 24)).to_dict()
    assert "warnings" not in inside


# ---- 福建 -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("filed, expected", [(700, "pass"), (699, "fail")])
def test_fujian_70_percent_filed_and_69_9_is_not(filed: int, expected: str) -> None:
    record = {
        "id": "FJ",
        "kind": "region",
        "level": "city",
        "year": 2022,
        "institutions_registered": 1000,
        "institutions_filed": filed,
    }
    assert outcome("fujian", record, "target.filing_rate", datetime.date(2022, 6, 30)) == expected


def test_fujian_every_county_needs_an_employer_service() -> None:
    record = {
        "id": "FJ",
        "kind": "region",
        "level": "city",
        "year": 2022,
        "subregions": [{"id": "C", "level": "county", "employer_institutions": 0}],
    }
    assert outcome("fujian", record, "target.employer_institution_per_county", datetime.date(2022, 6, 30)) == "fail"


# ---- 柴桑 -----------------------------------------------------------------------------------------------------------
def test_chaisang_township_without_employer_service_fails_at_the_end_of_2022() -> None:
    record = {
        "id": "CS",
        "kind": "region",
        "level": "county",
        "year": 2022,
        "subregions": [{"id": "T", "level": "township", "employer_institutions": 0}],
    }
    assert (
        outcome("chaisang", record, "target.employer_institution_per_township", datetime.date(2022, 12, 31)) == "fail"
    )


def test_chaisang_2024_target_is_not_due_in_2021() -> None:
    record = {
        "id": "CS",
        "kind": "region",
        "level": "county",
        "year": 2021,
        "institutions_filed": 1,
        "four_star_institutions": 1,
    }
    assert outcome("chaisang", record, "target.standard_institutions", datetime.date(2021, 12, 31)) == "not_due"


@pytest.mark.parametrize(
    "status, slots, expected",
    [("new", 40, "pass"), ("new", 39, "fail"), ("existing", 32, "pass"), ("existing", 31, "fail")],
)
def test_chaisang_residential_areas(status: str, slots: int, expected: str) -> None:
    record = {"id": "R", "kind": "residential_area", "status": status, "population": 4000, "planned_slots": slots}
    # issue 14: existing areas are built "2025年前 … 分期分批": judged from 2025 on
    rule, day = (
        ("planning.slots_per_1000", datetime.date(2023, 6, 30))
        if status == "new"
        else (
            "planning.slots_per_1000_existing",
            datetime.date(2025, 6, 30),
        )
    )
    assert outcome("chaisang", record, rule, day) == expected
