"""九江市柴桑区促进3岁以下婴幼儿照护服务发展实施方案, seeds/004_f8f24ca06fa6aba2.txt: records worked by hand.

Public API only: ``tuoyu_rules.load_policy("chaisang").evaluate(record, as_of=...).to_dict()``.
Region records: the district is ``level: county``; its townships are ``level: township`` subregions.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import tuoyu_rules

MID_2025 = datetime.date(2025, 6, 30)
END_2025 = datetime.date(2025, 12, 31)  # issue 14: "到2025年" is due at the end of 2025
END_2021 = datetime.date(2021, 12, 31)
END_2022 = datetime.date(2022, 12, 31)
END_2024 = datetime.date(2024, 12, 31)


@pytest.fixture(scope="module")
def chaisang() -> Any:
    return tuoyu_rules.load_policy("chaisang")


def report(policy: Any, record: dict[str, Any], as_of: datetime.date = MID_2025) -> dict[str, Any]:
    return policy.evaluate(record, as_of=as_of).to_dict()


def findings(d: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in d["findings"] if f["rule"] == rule]


def only(d: dict[str, Any], rule: str) -> dict[str, Any]:
    found = findings(d, rule)
    assert len(found) == 1, found
    return found[0]


def line(d: dict[str, Any], kind: str, lid: str) -> dict[str, Any]:
    return next(x for x in d[kind] if x["id"] == lid)


def township(tid: str, name: str, employer: int, institutions: int) -> dict[str, Any]:
    return {
        "id": tid,
        "name": name,
        "level": "township",
        "employer_institutions": employer,
        "institutions": institutions,
    }


def district(year: int, **fields: Any) -> dict[str, Any]:
    """柴桑区 in ``year``, exactly on every target that is due by 2025: one demonstration (four-star) institution,
    three filed (standard) institutions, one employer-run and one institution in each township, 4.5 slots per 1,000."""
    record: dict[str, Any] = {
        "id": f"CS-{year}",
        "name": "柴桑区",
        "kind": "region",
        "level": "county",
        "year": year,
        "population": 300_000,
        "total_slots": 1350,
        "four_star_institutions": 1,
        "institutions_filed": 3,
        "subregions": [township("CS-SHJ", "沙河街街道", 1, 1), township("CS-MSX", "岷山乡", 1, 1)],
    }
    record.update(fields)
    return record


# ---- 2021年：新增建成1-2个示范性机构 -------------------------------------------------------------------------------
def test_the_2021_demonstration_aim_cannot_be_judged_from_a_record_and_never_fails(chaisang: Any) -> None:
    # issue 14: 力争新增建成1-2个 is an aim; four-star ratings, which the document never mentions, do not measure it
    for stars in (0, 1):
        d = report(chaisang, district(2021, four_star_institutions=stars, institutions_filed=1), as_of=END_2021)
        f = only(d, "target.demonstration_institutions")
        assert (f["outcome"], f["severity"], f["missing"]) == (
            "unknown",
            "aim",
            ["new_demonstration_institutions_2021"],
        )
        assert d["status"] == "pass"


def test_the_2021_aim_is_not_restated_in_later_years(chaisang: Any) -> None:
    d = report(chaisang, district(2022, four_star_institutions=0), as_of=END_2022)
    assert findings(d, "target.demonstration_institutions") == []


def test_a_2021_record_gets_not_due_for_the_2022_2024_and_2025_targets(chaisang: Any) -> None:
    record = district(
        2021,
        institutions_filed=1,
        subregions=[township("CS-SHJ", "沙河街街道", 0, 1), township("CS-MSX", "岷山乡", 0, 0)],
    )
    d = report(chaisang, record, as_of=MID_2025)  # the record's own year decides, not as_of
    standard = only(d, "target.standard_institutions")
    assert standard["outcome"] == "not_due"
    assert standard["year"] == 2024
    assert float(standard["progress"]) == pytest.approx(1 / 3, abs=1e-3)
    assert {f["outcome"] for f in findings(d, "target.employer_institution_per_township")} == {"not_due"}
    assert {f["outcome"] for f in findings(d, "target.institution_per_township")} == {"not_due"}
    assert d["status"] == "pass"


# ---- 2022年末：每个乡镇1家单位内设照护服务机构 ----------------------------------------------------------------------
def test_2022_township_without_an_employer_run_service_fails(chaisang: Any) -> None:
    record = district(2022, subregions=[township("CS-SHJ", "沙河街街道", 1, 2), township("CS-MSX", "岷山乡", 0, 0)])
    d = report(chaisang, record, as_of=END_2022)
    found = findings(d, "target.employer_institution_per_township")
    assert [f["outcome"] for f in found] == ["pass", "fail"]
    assert found[1]["observed"] == 0 and found[1]["required"] == 1
    assert "岷山乡" in found[1]["message"]
    assert d["status"] == "fail"


def test_2022_every_township_with_exactly_one_employer_run_service_passes(chaisang: Any) -> None:
    d = report(chaisang, district(2022), as_of=END_2022)
    assert {f["outcome"] for f in findings(d, "target.employer_institution_per_township")} == {"pass"}
    assert only(d, "target.standard_institutions")["outcome"] == "not_due"


def test_employer_rule_reads_only_township_subregions(chaisang: Any) -> None:
    # issue 14: a district that lists no township cannot be judged: unknown (missing subregions), never a pass
    record = district(2022, subregions=[{"id": "X", "level": "community", "employer_institutions": 0}])
    f = only(report(chaisang, record, as_of=END_2022), "target.employer_institution_per_township")
    assert f["outcome"] == "unknown" and f["missing"] == ["subregions"] and "subject" not in f


def test_the_end_of_2022_target_is_not_due_in_mid_2022(chaisang: Any) -> None:
    record = district(2022, subregions=[township("CS-MSX", "岷山乡", 0, 0)])
    f = only(report(chaisang, record, as_of=datetime.date(2022, 6, 30)), "target.employer_institution_per_township")
    assert f["outcome"] == "not_due"


def test_a_township_record_is_judged_by_the_township_target(chaisang: Any) -> None:
    record = {"id": "CS-MSX", "kind": "region", "level": "township", "year": 2022, "employer_institutions": 0}
    d = report(chaisang, record, as_of=datetime.date(2023, 1, 15))
    assert only(d, "target.employer_institution_per_township")["outcome"] == "fail" and d["status"] == "fail"


# ---- 2022-2024年：不少于3个规范化机构 -----------------------------------------------------------------------------
def test_exactly_three_standard_institutions_in_2024_pass(chaisang: Any) -> None:
    f = only(report(chaisang, district(2024), as_of=END_2024), "target.standard_institutions")
    assert f["outcome"] == "pass"
    assert f["observed"] == 3 and f["required"] == 3


def test_two_standard_institutions_in_2024_fail(chaisang: Any) -> None:
    d = report(chaisang, district(2024, institutions_filed=2), as_of=END_2024)
    f = only(d, "target.standard_institutions")
    assert f["outcome"] == "fail"
    assert f["fix"]
    assert d["status"] == "fail"


# ---- 到2025年：各乡镇建有照护服务机构 -------------------------------------------------------------------------------
def test_2025_every_township_with_an_institution_passes(chaisang: Any) -> None:
    d = report(chaisang, district(2025), as_of=END_2025)
    assert {f["outcome"] for f in findings(d, "target.institution_per_township")} == {"pass"}
    assert d["status"] == "pass"


def test_2025_township_without_an_institution_fails(chaisang: Any) -> None:
    record = district(2025, subregions=[township("CS-JZZ", "江洲镇", 1, 0), township("CS-CZZ", "城子镇", 1, 1)])
    d = report(chaisang, record, as_of=END_2025)
    assert [f["outcome"] for f in findings(d, "target.institution_per_township")] == ["fail", "pass"]
    assert d["status"] == "fail"


def test_missing_township_count_is_unknown_never_pass(chaisang: Any) -> None:
    record = district(2025, subregions=[{"id": "CS-X", "level": "township", "employer_institutions": 1}])
    d = report(chaisang, record, as_of=END_2025)
    f = only(d, "target.institution_per_township")
    assert f["outcome"] == "unknown"
    assert "institutions" in f["missing"]
    assert d["status"] == "incomplete"


# ---- 居住小区：新建每千人口10个、已建成每千人8个 --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "population", "slots", "outcome"),
    [
        ("new", 4000, 40, "pass"),  # exactly 10 per 1,000
        ("new", 4000, 39, "fail"),
        ("existing", 4000, 32, "pass"),  # exactly 8 per 1,000
        ("existing", 4000, 31, "fail"),
        ("new", 2550, 26, "pass"),  # 25.5 rounds up to 26
        ("new", 2550, 25, "fail"),
    ],
)
def test_residential_area_slots_per_thousand(
    chaisang: Any, status: str, population: int, slots: int, outcome: str
) -> None:
    record = {
        "id": "CS-RA",
        "kind": "residential_area",
        "status": status,
        "population": population,
        "planned_slots": slots,
    }
    d = report(chaisang, record)
    rule = "planning.slots_per_1000" if status == "new" else "planning.slots_per_1000_existing"
    f = only(d, rule)
    assert f["outcome"] == outcome
    assert d["status"] == outcome


def test_existing_residential_areas_are_not_due_before_2025(chaisang: Any) -> None:
    # issue 14: "2025年前 … 分期分批建设" is not a requirement before 2025
    record = {"id": "CS-RA", "kind": "residential_area", "status": "existing", "population": 4000, "planned_slots": 0}
    d = report(chaisang, record, as_of=datetime.date(2024, 12, 31))
    assert only(d, "planning.slots_per_1000_existing")["outcome"] == "not_due" and d["status"] == "pass"


def test_residential_area_failure_says_how_many_slots_are_missing(chaisang: Any) -> None:
    record = {
        "id": "CS-RA",
        "kind": "residential_area",
        "status": "existing",
        "population": 10_000,
        "planned_slots": 70,
    }
    f = only(report(chaisang, record), "planning.slots_per_1000_existing")
    assert f["observed"] == 70 and f["required"] == 80
    assert "10" in f["fix"]


# ---- 机构：备案、补贴与优惠 ---------------------------------------------------------------------------------------
def institution(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "CS-001",
        "name": "柴桑区某托育中心",
        "form": "center",
        "ownership": "private",
        "nonprofit": False,
        "inclusive": True,
        "filed": True,
        "construction": {"kind": "new", "new_slots": 40, "provincial_slot_subsidy": False, "central_funding": False},
    }
    record.update(fields)
    return record


def test_unfiled_institution_fails_filing(chaisang: Any) -> None:
    d = report(chaisang, institution(filed=False))
    assert only(d, "filing.required")["outcome"] == "fail"
    assert d["status"] == "fail"


def test_central_budget_investment_is_not_an_institution_subsidy(chaisang: Any) -> None:
    # issue 14: 积极争取中央预算内投资 is the district's application; the document gives no amount and no entitlement
    d = report(chaisang, institution(construction={"kind": "new", "new_slots": 40, "central_funding": True}))
    assert all(s["id"] != "subsidy.central_investment" for s in d["subsidies"])
    assert all(s.get("amount") in (None, "0.00") for s in d["subsidies"])


def test_residential_utility_prices_only_for_non_profit_institutions(chaisang: Any) -> None:
    assert (
        line(report(chaisang, institution(nonprofit=True)), "benefits", "benefit.utility_residential_price")["eligible"]
        is True
    )
    assert (
        line(report(chaisang, institution(nonprofit=False)), "benefits", "benefit.utility_residential_price")[
            "eligible"
        ]
        is False
    )


def test_inclusive_kindergarten_class_is_treated_like_preschool_education(chaisang: Any) -> None:
    kg = institution(form="kindergarten_class", ownership="public", nonprofit=True)
    assert line(report(chaisang, kg), "benefits", "benefit.kindergarten_class_preschool_policy")["eligible"] is True
    not_inclusive = institution(form="kindergarten_class", inclusive=False)
    assert (
        line(report(chaisang, not_inclusive), "benefits", "benefit.kindergarten_class_preschool_policy")["eligible"]
        is False
    )
    centre = institution()
    assert (
        line(report(chaisang, centre), "benefits", "benefit.kindergarten_class_preschool_policy")["eligible"] is False
    )


def test_allocated_land_for_non_profit_institutions_that_build(chaisang: Any) -> None:
    # issue 14: 可采取划拨方式 where 符合《划拨用地目录》: a possibility under a condition the record cannot show
    land = line(report(chaisang, institution(nonprofit=True)), "benefits", "benefit.allocated_land")
    assert land["eligible"] is None and land["missing"] == ["allocation_catalogue"]
    assert (
        line(report(chaisang, institution(nonprofit=False)), "benefits", "benefit.allocated_land")["eligible"] is False
    )
    no_build = institution(nonprofit=True, construction={"kind": "none", "new_slots": 0})
    assert line(report(chaisang, no_build), "benefits", "benefit.allocated_land")["eligible"] is False


def test_unknown_non_profit_status_leaves_utility_price_eligibility_open(chaisang: Any) -> None:
    record = institution()
    del record["nonprofit"]
    b = line(report(chaisang, record), "benefits", "benefit.utility_residential_price")
    assert b["eligible"] is None
