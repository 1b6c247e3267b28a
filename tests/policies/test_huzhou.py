"""Records worked by hand from the Huzhou plan (seeds/002_af22a455ef2dc60d.txt), through the public API only.

湖州市构建高质量托育服务体系实施方案 and its 2023年度托育工作重点事项清单: each number the document states is checked
exactly at the threshold (passes) and just past it (fails).
"""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest

import tuoyu_rules

ROOT = Path(__file__).resolve().parents[2]
END_2023 = datetime.date(2023, 12, 31)
END_2024 = datetime.date(2024, 12, 31)
END_2025 = datetime.date(2025, 12, 31)
MID_2024 = datetime.date(2024, 6, 30)
RANK = {"fail": 3, "unknown": 2, "pass": 1, "not_due": 0}
TARGETS_2025 = (
    "target.inclusive_share",
    "target.staff_certified_share",
    "target.comprehensive_centers",
    "target.comprehensive_center_per_county",
)


@pytest.fixture(scope="module")
def huzhou() -> tuoyu_rules.Policy:
    return tuoyu_rules.load_policy("huzhou")


# ---- helpers -------------------------------------------------------------------------------------------------------
def city(**fields: object) -> dict:
    """Huzhou in 2023, exactly on every 2023 target: 15,354 slots for 3,412,000 people is 4.5 per 1,000."""
    record: dict = {
        "id": "HZ",
        "name": "湖州市",
        "kind": "region",
        "level": "city",
        "year": 2023,
        "population": 3_412_000,
        "total_slots": 15_354,
        "new_slots": 6200,
        "inclusive_slots": 12_800,
        "staff_total": 2600,
        "staff_certified": 1900,
        "comprehensive_centers": 2,
        "subregions": [
            {"id": "HZ-WX", "name": "吴兴区", "level": "county", "comprehensive_centers": 1},
            {"id": "HZ-WX-AS", "name": "爱山街道", "level": "township", "public_institutions": 1},
            {"id": "HZ-NX-LS", "name": "练市镇", "level": "township", "public_institutions": 2},
        ],
    }
    record.update(fields)
    return record


def city_2025(**fields: object) -> dict:
    """Huzhou in 2025, exactly on every 2025 target: 17,100 slots for 3,420,000 people is 5 per 1,000."""
    record = city(
        year=2025,
        population=3_420_000,
        total_slots=17_100,
        inclusive_slots=15_219,  # exactly 89 %
        staff_total=2000,
        staff_certified=1700,  # exactly 85 %
        comprehensive_centers=6,
        subregions=[
            {"id": "HZ-WX", "name": "吴兴区", "level": "county", "comprehensive_centers": 1},
            {"id": "HZ-NX", "name": "南浔区", "level": "county", "comprehensive_centers": 1},
            {"id": "HZ-DQ", "name": "德清县", "level": "county", "comprehensive_centers": 1},
            {"id": "HZ-CX", "name": "长兴县", "level": "county", "comprehensive_centers": 1},
            {"id": "HZ-AJ", "name": "安吉县", "level": "county", "comprehensive_centers": 1},
            {"id": "HZ-AJ-DP", "name": "递铺街道", "level": "township", "public_institutions": 1},
        ],
    )
    del record["new_slots"]
    record.update(fields)
    return record


def institution(**fields: object) -> dict:
    """A filed inclusive community childcare point in 吴兴区 that meets the national standards."""
    record: dict = {
        "id": "HZ-I",
        "name": "爱山街道普惠托育社区驿站",
        "form": "community",
        "ownership": "public",
        "inclusive": True,
        "filed": True,
        "total_slots": 35,
        "local_hukou_enrolled": 30,
        "classes": [
            {"type": "toddler", "enrolled": 15, "caregivers": 3},
            {"type": "older", "enrolled": 20, "caregivers": 3},
        ],
        "staff": [
            {"role": "manager", "education": "associate", "management_years": 5, "trained": True, "banned": False},
            {
                "role": "caregiver",
                "education": "secondary",
                "related_major": True,
                "certificates": ["childcare"],
                "banned": False,
            },
            {"role": "health", "education": "associate", "trained": True, "banned": False},
            {"role": "security", "certificates": ["security_guard"], "banned": False},
        ],
        "surveillance": {"installed": True, "always_on": True, "retention_days": 90},
    }
    record.update(fields)
    return record


def report(policy: tuoyu_rules.Policy, record: dict, as_of: datetime.date = END_2023) -> dict:
    return policy.evaluate(record, as_of=as_of).to_dict()


def outcome(d: dict, rule: str) -> str:
    """The worst outcome of a rule over its findings (fail > unknown > pass > not_due), or 'absent'."""
    outcomes = [f["outcome"] for f in d["findings"] if f["rule"] == rule]
    return max(outcomes, key=RANK.__getitem__) if outcomes else "absent"


def findings(d: dict, rule: str) -> list[dict]:
    return [f for f in d["findings"] if f["rule"] == rule]


def checked(d: dict, rule: str) -> dict:
    """The one pass/fail finding of a region target (not the not_due ones for later years)."""
    [f] = [f for f in findings(d, rule) if f["outcome"] in ("pass", "fail", "unknown")]
    return f


def enrolment(d: dict) -> dict:
    [line] = [s for s in d["subsidies"] if s["id"] == "subsidy.enrollment"]
    return line


def benefit(d: dict, benefit_id: str) -> dict:
    [line] = [b for b in d.get("benefits", []) if b["id"] == benefit_id]
    return line


# ---- 2023: 每千人口4.5个托位、新增托位6200个、各镇（街道）公办托位全覆盖 -------------------------------------------
def test_a_city_exactly_on_every_2023_target_passes(huzhou: tuoyu_rules.Policy) -> None:
    d = report(huzhou, city())
    assert d["status"] == "pass"
    assert d["violations"] == []


def test_4_5_slots_per_1000_exactly_meets_the_2023_target(huzhou: tuoyu_rules.Policy) -> None:
    f = checked(report(huzhou, city()), "target.slots_per_1000")
    assert (f["outcome"], f["year"], f["observed"], f["required"]) == ("pass", 2023, 4.5, 4.5)


def test_one_slot_short_of_4_5_per_1000_fails_the_2023_target(huzhou: tuoyu_rules.Policy) -> None:
    d = report(huzhou, city(total_slots=15_353))
    f = checked(d, "target.slots_per_1000")
    assert (f["outcome"], f["required"]) == ("fail", 4.5)
    assert f["observed"] < 4.5
    assert d["status"] == "fail"
    assert "target.slots_per_1000" in [v["rule"] for v in d["violations"]]


def test_6200_new_slots_meet_the_2023_target_and_6199_do_not(huzhou: tuoyu_rules.Policy) -> None:
    assert checked(report(huzhou, city(new_slots=6200)), "target.new_slots")["outcome"] == "pass"
    short = checked(report(huzhou, city(new_slots=6199)), "target.new_slots")
    assert (short["outcome"], short["observed"], short["required"]) == ("fail", 6199, 6200)


def test_the_new_slot_target_is_a_2023_flow_and_does_not_judge_2024(huzhou: tuoyu_rules.Policy) -> None:
    d = report(huzhou, city(year=2024, new_slots=700), as_of=END_2024)
    assert outcome(d, "target.new_slots") == "absent"


def test_the_2023_key_items_figure_binds_2023_only_and_the_2025_aim_is_not_yet_due(huzhou: tuoyu_rules.Policy) -> None:
    # issue 14: 4.5 comes from the 2023 key-items list (about 2023); 5 by 2025 is an aim (力争), not yet due in 2024
    d = report(huzhou, city(year=2024, total_slots=15_354), as_of=END_2024)
    assert findings(d, "target.slots_per_1000") == []
    [aim] = findings(d, "target.slots_per_1000_aim")
    assert (aim["year"], aim["outcome"], aim["severity"]) == (2025, "not_due", "aim")
    d = report(huzhou, city(total_slots=15_000))
    [f] = findings(d, "target.slots_per_1000")
    assert f["outcome"] == "fail" and f["citation"]["clause"] == "2023年度重点事项清单 第1项"


def test_a_2023_record_gets_not_due_findings_for_the_2025_targets(huzhou: tuoyu_rules.Policy) -> None:
    d = report(huzhou, city())
    for rule in TARGETS_2025:
        assert outcome(d, rule) == "not_due", rule
        assert {f["year"] for f in findings(d, rule)} == {2025}
    later = [f for f in findings(d, "target.slots_per_1000_aim") if f["outcome"] == "not_due"]
    assert [(f["year"], f["required"], f["progress"]) for f in later] == [(2025, 5, 0.9)]
    inclusive = findings(d, "target.inclusive_share")[0]
    assert inclusive["required"] == 89 and 0 < inclusive["progress"] < 1


def test_every_township_needs_public_slots(huzhou: tuoyu_rules.Policy) -> None:
    record = city(
        subregions=[
            {"id": "HZ-CX-LS", "name": "吕山乡", "level": "township", "public_institutions": 0},
            {"id": "HZ-DQ-WK", "name": "武康街道", "level": "township", "public_institutions": 1},
            {"id": "HZ-DQ", "name": "德清县", "level": "county", "comprehensive_centers": 0},
        ]
    )
    d = report(huzhou, record)
    rows = [(f["subject_id"], f["outcome"]) for f in findings(d, "target.public_institution_per_township")]
    assert rows == [("HZ-CX-LS", "fail"), ("HZ-DQ-WK", "pass")]
    [failed] = [v for v in d["violations"] if v["rule"] == "target.public_institution_per_township"]
    assert "吕山乡" in failed["message"] and failed["observed"] == 0 and failed["required"] == 1
    assert failed["severity"] == "aim" and d["status"] == "pass", "力争: an aim not met is not a failure (issue 14)"
    assert d["aims"]["not_met"] == 1


def test_a_township_without_a_public_institution_count_is_unknown(huzhou: tuoyu_rules.Policy) -> None:
    record = city(subregions=[{"id": "HZ-CX-LS", "name": "吕山乡", "level": "township"}])
    d = report(huzhou, record)
    [f] = findings(d, "target.public_institution_per_township")
    assert f["outcome"] == "unknown" and "public_institutions" in f["missing"]
    assert d["status"] == "pass", "an aim that cannot be judged leaves the record complete (issue 14)"


def test_a_county_record_checks_its_townships_but_not_the_citywide_targets(huzhou: tuoyu_rules.Policy) -> None:
    county = {
        "id": "HZ-AJ",
        "name": "安吉县",
        "kind": "region",
        "level": "county",
        "year": 2023,
        "population": 470_000,
        "total_slots": 1000,
        "subregions": [
            {"id": "HZ-AJ-DP", "name": "递铺街道", "level": "township", "public_institutions": 3},
            {"id": "HZ-AJ-TH", "name": "天荒坪镇", "level": "township", "public_institutions": 0},
        ],
    }
    d = report(huzhou, county)
    assert outcome(d, "target.public_institution_per_township") == "fail"
    for rule in ("target.slots_per_1000", "target.new_slots", "target.inclusive_share", "target.comprehensive_centers"):
        assert outcome(d, rule) == "absent", rule


def test_missing_population_makes_the_per_1000_target_unknown_never_pass(huzhou: tuoyu_rules.Policy) -> None:
    record = city()
    del record["population"]
    d = report(huzhou, record)
    f = checked(d, "target.slots_per_1000")
    assert f["outcome"] == "unknown" and "population" in f["missing"]
    assert d["status"] == "incomplete"


# ---- 2025: 每千人口5个、普惠89%、持证85%、综合服务中心市县两级全覆盖 -----------------------------------------------
def test_a_city_exactly_on_every_2025_target_passes(huzhou: tuoyu_rules.Policy) -> None:
    d = report(huzhou, city_2025(), as_of=END_2025)
    assert d["status"] == "pass"
    for rule in ("target.slots_per_1000_aim", *TARGETS_2025, "target.public_institution_per_township"):
        assert outcome(d, rule) == "pass", rule


@pytest.mark.parametrize("slots, expected", [(17_100, "pass"), (17_099, "fail")])
def test_5_slots_per_1000_in_2025(huzhou: tuoyu_rules.Policy, slots: int, expected: str) -> None:
    record = city_2025(total_slots=slots, inclusive_slots=slots)
    d = report(huzhou, record, as_of=END_2025)
    f = checked(d, "target.slots_per_1000_aim")
    assert (f["outcome"], f["year"], f["required"], f["severity"]) == (expected, 2025, 5, "aim")


@pytest.mark.parametrize("inclusive, expected", [(8900, "pass"), (8890, "fail")])
def test_89_percent_inclusive_passes_in_2025_and_88_9_fails(
    huzhou: tuoyu_rules.Policy, inclusive: int, expected: str
) -> None:
    record = city_2025(population=2_000_000, total_slots=10_000, inclusive_slots=inclusive)
    f = checked(report(huzhou, record, as_of=END_2025), "target.inclusive_share")
    assert (f["outcome"], f["required"]) == (expected, 89)
    assert f["observed"] == inclusive / 100


def test_the_inclusive_share_message_shows_observed_and_required_and_the_fix_the_gap(
    huzhou: tuoyu_rules.Policy,
) -> None:
    record = city_2025(population=2_000_000, total_slots=10_000, inclusive_slots=8890)
    [f] = [v for v in report(huzhou, record, as_of=END_2025)["violations"] if v["rule"] == "target.inclusive_share"]
    assert "88.9" in f["message"] and "89" in f["message"]
    assert "88.9" in f["message_en"] and "89" in f["message_en"]
    assert "10" in f["fix"]  # 8,900 - 8,890 more inclusive slots


@pytest.mark.parametrize("certified, expected", [(850, "pass"), (849, "fail")])
def test_85_percent_of_staff_certified_passes_in_2025_and_84_9_fails(
    huzhou: tuoyu_rules.Policy, certified: int, expected: str
) -> None:
    record = city_2025(staff_total=1000, staff_certified=certified)
    f = checked(report(huzhou, record, as_of=END_2025), "target.staff_certified_share")
    assert (f["outcome"], f["observed"], f["required"]) == (expected, certified / 10, 85)


def test_the_city_needs_its_own_comprehensive_centre_beside_the_county_ones_by_2025(huzhou: tuoyu_rules.Policy) -> None:
    # five counties with one centre each: 6 centres citywide leave exactly 1 at city level, 5 leave none
    one = checked(report(huzhou, city_2025(comprehensive_centers=6), as_of=END_2025), "target.comprehensive_centers")
    none = checked(report(huzhou, city_2025(comprehensive_centers=5), as_of=END_2025), "target.comprehensive_centers")
    assert (one["outcome"], one["observed"], one["required"]) == ("pass", 1, 1)
    assert (none["outcome"], none["observed"], none["required"]) == ("fail", 0, 1)
    assert "5" in none["message"] and "0" in none["message"]


def test_the_city_level_centre_is_unknown_without_the_county_breakdown(huzhou: tuoyu_rules.Policy) -> None:
    record = city_2025()
    del record["subregions"]
    f = checked(report(huzhou, record, as_of=END_2025), "target.comprehensive_centers")
    assert f["outcome"] == "unknown" and "subregions" in f["missing"]


def test_every_county_needs_a_comprehensive_centre_by_2025(huzhou: tuoyu_rules.Policy) -> None:
    record = city_2025(
        subregions=[
            {"id": "HZ-DQ", "name": "德清县", "level": "county", "comprehensive_centers": 1},
            {"id": "HZ-CX", "name": "长兴县", "level": "county", "comprehensive_centers": 0},
        ]
    )
    d = report(huzhou, record, as_of=END_2025)
    rows = [(f["subject_id"], f["outcome"]) for f in findings(d, "target.comprehensive_center_per_county")]
    assert rows == [("HZ-DQ", "pass"), ("HZ-CX", "fail")]
    [failed] = [v for v in d["violations"] if v["rule"] == "target.comprehensive_center_per_county"]
    assert "长兴县" in failed["message"] and "长兴县" in failed["fix"]


# ---- 入托补助：湖州户籍婴幼儿，在本市备案的普惠托育机构，金额文件未定 ------------------------------------------------
def test_enrolment_subsidy_is_eligible_with_no_amount_for_a_filed_inclusive_institution(
    huzhou: tuoyu_rules.Policy,
) -> None:
    d = report(huzhou, institution(), as_of=MID_2024)
    line = enrolment(d)
    assert line["eligible"] is True
    assert (line["amount"], line["amount_min"], line["amount_max"]) == (None, None, None)
    assert line["currency"] == "CNY"
    assert d["status"] == "pass"


def test_one_local_hukou_child_is_enough_for_the_enrolment_subsidy(huzhou: tuoyu_rules.Policy) -> None:
    assert enrolment(report(huzhou, institution(local_hukou_enrolled=1), as_of=MID_2024))["eligible"] is True


def test_no_local_hukou_child_means_no_enrolment_subsidy(huzhou: tuoyu_rules.Policy) -> None:
    assert enrolment(report(huzhou, institution(local_hukou_enrolled=0), as_of=MID_2024))["eligible"] is False


def test_enrolment_subsidy_is_ineligible_when_the_institution_is_not_filed(huzhou: tuoyu_rules.Policy) -> None:
    d = report(huzhou, institution(filed=False), as_of=MID_2024)
    line = enrolment(d)
    assert line["eligible"] is False and line["amount"] in (None, "0.00")
    assert "filing.required" in [v["rule"] for v in d["violations"]]


def test_enrolment_subsidy_is_ineligible_for_a_non_inclusive_institution(huzhou: tuoyu_rules.Policy) -> None:
    assert enrolment(report(huzhou, institution(inclusive=False), as_of=MID_2024))["eligible"] is False


def test_enrolment_subsidy_eligibility_is_null_when_filed_is_missing(huzhou: tuoyu_rules.Policy) -> None:
    record = institution()
    del record["filed"]
    d = report(huzhou, record, as_of=MID_2024)
    line = enrolment(d)
    assert line["eligible"] is None and line["amount"] is None
    assert d["status"] == "incomplete"


# ---- 税费与价格（三(二)） -----------------------------------------------------------------------------------------------
def test_community_points_get_tax_relief_and_every_institution_residential_utility_prices(
    huzhou: tuoyu_rules.Policy,
) -> None:
    community = report(huzhou, institution(), as_of=MID_2024)
    centre = report(huzhou, institution(form="center"), as_of=MID_2024)
    assert benefit(community, "benefit.community_tax_exemption")["eligible"] is True
    assert (
        benefit(centre, "benefit.community_tax_exemption")["eligible"] is None
    )  # issue 14: a centre may serve the community
    assert benefit(community, "benefit.utility_residential_price")["eligible"] is True
    assert benefit(centre, "benefit.utility_residential_price")["eligible"] is True
    assert benefit(centre, "benefit.utility_residential_price")["citation"]["source"] == "002_af22a455ef2dc60d.txt"


def test_national_standards_still_apply_to_huzhou_institutions(huzhou: tuoyu_rules.Policy) -> None:
    crowded = institution(classes=[{"type": "toddler", "enrolled": 16, "caregivers": 4}])
    d = report(huzhou, crowded, as_of=MID_2024)
    assert outcome(d, "class.size.toddler") == "fail"


# ---- 有效期三年 ------------------------------------------------------------------------------------------------------
# issue 14: 湖发改社会〔2023〕78号, published 2023-04-25, "即日起施行,有效期三年": 2023-04-25 to 2026-04-24
def test_no_warning_on_the_last_day_of_the_three_years(huzhou: tuoyu_rules.Policy) -> None:
    assert "warnings" not in report(huzhou, institution(), as_of=datetime.date(2026, 4, 24))


def test_a_warning_when_checked_after_the_three_year_validity(huzhou: tuoyu_rules.Policy) -> None:
    d = report(huzhou, institution(), as_of=datetime.date(2026, 4, 25))
    assert [w["code"] for w in d["warnings"]] == ["policy.not-in-force"]
    assert "2026-04-24 到期" in d["warnings"][0]["message"]


def test_a_warning_when_checked_before_the_document_was_published(huzhou: tuoyu_rules.Policy) -> None:
    d = report(huzhou, institution(), as_of=datetime.date(2023, 4, 24))
    assert [w["code"] for w in d["warnings"]] == ["policy.not-in-force"]
    assert "warnings" not in report(huzhou, institution(), as_of=datetime.date(2023, 4, 25))


def test_the_document_metadata_is_the_official_publication() -> None:
    doc = tuoyu_rules.load_policy("huzhou").compiled.documents["hz"]
    assert (doc.number, doc.date, doc.published) == (
        "湖发改社会〔2023〕78号",
        datetime.date(2023, 4, 19),
        datetime.date(2023, 4, 25),
    )
    assert doc.issuer == "湖州市发展和改革委员会、湖州市卫生健康委员会、湖州市教育局"


# ---- the policy file itself ------------------------------------------------------------------------------------------
def test_the_policy_validates_and_its_embedded_examples_pass() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tuoyu_rules", "validate", str(ROOT / "policies" / "huzhou.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "error[" not in run.stdout + run.stderr
