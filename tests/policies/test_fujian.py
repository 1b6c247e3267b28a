"""福建省示范城市创建方案 (闽卫人口〔2021〕88号), seeds/003_c3b5eb6143020865.txt: records worked by hand at the boundaries.

Public API only: ``tuoyu_rules.load_policy("fujian").evaluate(record, as_of=...).to_dict()``.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import tuoyu_rules

MID_2025 = datetime.date(2025, 6, 30)
MID_2024 = datetime.date(2024, 6, 30)
MID_2022 = datetime.date(2022, 6, 30)


@pytest.fixture(scope="module")
def fujian() -> Any:
    return tuoyu_rules.load_policy("fujian")


def report(policy: Any, record: dict[str, Any], as_of: datetime.date = MID_2025) -> dict[str, Any]:
    return policy.evaluate(record, as_of=as_of).to_dict()


def findings(d: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in d["findings"] if f["rule"] == rule]


def only(d: dict[str, Any], rule: str) -> dict[str, Any]:
    found = findings(d, rule)
    assert len(found) == 1, found
    return found[0]


def city(**fields: Any) -> dict[str, Any]:
    """A city in 2025 exactly on every criterion: 23,850 slots for 5,300,000 people is 4.5 per 1,000; 700 of 1,000
    registered institutions filed (70%); 24,000 of 48,000 newborn families reached (50%); one employer in a county."""
    record: dict[str, Any] = {
        "id": "FJ-XM-2025",
        "name": "厦门市",
        "kind": "region",
        "level": "city",
        "year": 2025,
        "population": 5_300_000,
        "total_slots": 23_850,
        "institutions_registered": 1000,
        "institutions_filed": 700,
        "newborn_families": 48_000,
        "newborn_families_reached": 24_000,
        "subregions": [
            {"id": "FJ-XM-SM", "name": "思明区", "level": "county", "employer_institutions": 2},
            {"id": "FJ-XM-TA", "name": "同安区", "level": "county", "employer_institutions": 1},
        ],
    }
    record.update(fields)
    return record


# ---- 每千人口托位数 4.5（2025）: the provincial plan's overall goal, checked on the province (issue 14) ------------
END_2025 = datetime.date(2025, 12, 31)


def province(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "FJ",
        "kind": "region",
        "level": "province",
        "year": 2025,
        "population": 41_830_000,
        "total_slots": 188_235,
    }
    record.update(fields)
    return record


def test_exactly_four_and_a_half_slots_per_thousand_meets_the_2025_target(fujian: Any) -> None:
    d = report(fujian, province(), as_of=END_2025)
    f = only(d, "target.slots_per_1000")
    assert f["outcome"] == "pass"
    assert f["year"] == 2025
    assert float(f["required"]) == 4.5
    assert d["violations"] == []


def test_one_slot_short_of_four_and_a_half_per_thousand_fails(fujian: Any) -> None:
    d = report(fujian, province(total_slots=188_234), as_of=END_2025)
    f = only(d, "target.slots_per_1000")
    assert f["outcome"] == "fail"
    assert float(f["observed"]) < 4.5
    assert d["status"] == "fail"


def test_slots_target_is_not_due_before_the_end_of_2025_and_reports_progress(fujian: Any) -> None:
    d = report(fujian, province(year=2025, total_slots=94_117))  # mid-2025: "到2025年" is due at its end
    f = only(d, "target.slots_per_1000")
    assert f["outcome"] == "not_due"
    assert f["year"] == 2025
    assert float(f["progress"]) == pytest.approx(0.5, abs=0.001)


def test_the_provincial_goal_is_not_a_city_obligation(fujian: Any) -> None:
    assert findings(report(fujian, city(total_slots=0), as_of=END_2025), "target.slots_per_1000") == []


def test_province_record_is_held_to_the_slots_target_but_not_to_city_criteria(fujian: Any) -> None:
    d = report(fujian, province(institutions_registered=5000, institutions_filed=100), as_of=END_2025)
    assert only(d, "target.slots_per_1000")["outcome"] == "pass"
    assert findings(d, "target.filing_rate") == []
    assert findings(d, "target.family_guidance_coverage") == []


# ---- 备案率 70% ---------------------------------------------------------------------------------------------------
def test_exactly_seventy_percent_filed_passes(fujian: Any) -> None:
    f = only(report(fujian, city()), "target.filing_rate")
    assert f["outcome"] == "pass"
    assert float(f["observed"]) == 70
    assert float(f["required"]) == 70


def test_sixty_nine_point_nine_percent_filed_does_not_meet_seventy(fujian: Any) -> None:
    d = report(fujian, city(institutions_filed=699))
    f = only(d, "target.filing_rate")
    assert f["outcome"] == "fail"
    assert float(f["observed"]) == pytest.approx(69.9)
    assert float(f["required"]) == 70
    # issue 14: a demonstration-city criterion is a condition for applying for the title, not an obligation
    assert f["severity"] == "info" and d["status"] == "pass"
    assert f["fix"]


def test_filing_rate_applies_in_any_year_of_the_campaign(fujian: Any) -> None:
    f = only(report(fujian, city(year=2022, institutions_filed=699), as_of=MID_2022), "target.filing_rate")
    assert f["outcome"] == "fail"


def test_missing_registered_count_makes_the_filing_rate_unknown(fujian: Any) -> None:
    record = city()
    del record["institutions_registered"]
    d = report(fujian, record)
    f = only(d, "target.filing_rate")
    assert f["outcome"] == "unknown"
    assert "institutions_registered" in f["missing"]
    assert d["status"] == "incomplete"


# ---- 每个县区至少1家用人单位办托 -------------------------------------------------------------------------------------
def test_every_county_with_an_employer_service_passes(fujian: Any) -> None:
    found = findings(report(fujian, city()), "target.employer_institution_per_county")
    assert [f["outcome"] for f in found] == ["pass", "pass"]


def test_a_county_without_an_employer_service_fails_and_is_named(fujian: Any) -> None:
    d = report(
        fujian,
        city(
            subregions=[
                {"id": "FJ-PT-CX", "name": "城厢区", "level": "county", "employer_institutions": 1},
                {"id": "FJ-PT-XY", "name": "仙游县", "level": "county", "employer_institutions": 0},
            ]
        ),
    )
    found = findings(d, "target.employer_institution_per_county")
    assert [f["outcome"] for f in found] == ["pass", "fail"]
    failed = found[1]
    assert failed["observed"] == 0 and failed["required"] == 1
    assert "仙游县" in failed["message"]
    assert failed["severity"] == "info" and d["status"] == "pass", "a criterion for the title, not an obligation"


def test_subregions_that_are_not_counties_are_not_checked_for_employer_services(fujian: Any) -> None:
    # issue 14: a city that lists no county is unknown (no county to judge), never a silent pass
    d = report(
        fujian, city(subregions=[{"id": "T", "name": "某街道", "level": "township", "employer_institutions": 0}])
    )
    (f,) = findings(d, "target.employer_institution_per_county")
    assert f["outcome"] == "unknown" and f["missing"] == ["subregions"] and "subject" not in f


# ---- 新生儿家庭育儿指导覆盖率 50% -----------------------------------------------------------------------------------
def test_exactly_half_of_newborn_families_reached_passes(fujian: Any) -> None:
    f = only(report(fujian, city()), "target.family_guidance_coverage")
    assert f["outcome"] == "pass"
    assert float(f["observed"]) == 50


def test_one_family_short_of_half_fails(fujian: Any) -> None:
    f = only(report(fujian, city(newborn_families_reached=23_999)), "target.family_guidance_coverage")
    assert f["outcome"] == "fail"
    assert float(f["observed"]) < 50
    assert float(f["required"]) == 50


def test_no_newborn_families_makes_coverage_unknown_not_pass(fujian: Any) -> None:
    d = report(fujian, city(newborn_families=0, newborn_families_reached=0))
    assert only(d, "target.family_guidance_coverage")["outcome"] == "unknown"
    assert d["status"] == "incomplete"


# ---- 幼儿园托班 2至3岁（警告） ------------------------------------------------------------------------------------
def kindergarten(classes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "FJ-KG-001",
        "name": "泉州市某幼儿园托班",
        "form": "kindergarten_class",
        "ownership": "public",
        "inclusive": True,
        "filed": True,
        "classes": classes,
        "staff": [
            {"role": "manager", "education": "bachelor", "management_years": 6, "trained": True, "banned": False}
        ],
        "surveillance": {"installed": True, "always_on": True, "retention_days": 90},
    }


def test_kindergarten_class_of_two_to_three_year_olds_passes(fujian: Any) -> None:
    d = report(fujian, kindergarten([{"type": "older", "enrolled": 20, "caregivers": 3}]), as_of=MID_2024)
    assert only(d, "kindergarten_class.age_range")["outcome"] == "pass"
    assert d["status"] == "pass"


def test_kindergarten_class_with_younger_children_is_an_aim_not_a_failure(fujian: Any) -> None:
    d = report(
        fujian,
        kindergarten(
            [{"type": "older", "enrolled": 18, "caregivers": 3}, {"type": "toddler", "enrolled": 10, "caregivers": 2}]
        ),
        as_of=MID_2024,
    )
    outcomes = [f["outcome"] for f in findings(d, "kindergarten_class.age_range")]
    assert outcomes == ["pass", "fail"]
    # issue 14: 鼓励…招收2至3岁 is an encouragement (aim), not "只招收"
    assert all(f["severity"] == "aim" for f in findings(d, "kindergarten_class.age_range"))
    assert d["status"] == "pass" and d["aims"]["not_met"] == 1
    assert all("只" not in (f["fix"] or "") for f in findings(d, "kindergarten_class.age_range"))


def test_a_mixed_kindergarten_class_is_named_a_混合班_in_the_message(fujian: Any) -> None:
    # labels are keyed by (field, value): a class of type 'mixed' is a 混合班, while ownership 'mixed' reads 混合
    d = report(fujian, kindergarten([{"type": "mixed", "enrolled": 12, "caregivers": 3}]), as_of=MID_2024)
    finding = only(d, "kindergarten_class.age_range")
    assert finding["outcome"] == "fail"
    assert "该班为 混合班" in finding["message"]
    assert "this class is mixed" in finding["message_en"]


def test_centres_are_not_held_to_the_kindergarten_class_age_range(fujian: Any) -> None:
    record = kindergarten([{"type": "infant", "enrolled": 9, "caregivers": 3}])
    record["form"] = "center"
    d = report(fujian, record, as_of=MID_2024)
    assert findings(d, "kindergarten_class.age_range") == []


# ---- inherited national standards --------------------------------------------------------------------------------
def test_national_class_and_filing_rules_still_apply_in_fujian(fujian: Any) -> None:
    record = kindergarten([{"type": "older", "enrolled": 21, "caregivers": 3}])
    record["filed"] = False
    d = report(fujian, record, as_of=MID_2024)
    assert only(d, "class.size.older")["outcome"] == "fail"
    assert only(d, "filing.required")["outcome"] == "fail"
    assert d["status"] == "fail"


def test_report_names_the_policy_and_cites_the_fujian_document(fujian: Any) -> None:
    d = report(fujian, city())
    assert d["policy"] == "fujian"
    assert d["as_of"] == "2025-06-30"
    cite = only(d, "target.filing_rate")["citation"]
    assert cite["source"] == "003_c3b5eb6143020865.txt"
    assert cite["clause"] == "三(四)"
