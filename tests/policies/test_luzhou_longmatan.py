"""Records worked by hand from 泸龙府办发〔2023〕6号 (seeds/001_060ea64bc85e63b4.txt), through the public API only.

Each case is a number the document states, checked exactly at the threshold (passes) and just past it (fails).
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tuoyu_rules

DAY = datetime.date(2024, 6, 30)
RANK = {"fail": 3, "unknown": 2, "pass": 1, "not_due": 0}


@pytest.fixture(scope="module")
def luzhou() -> tuoyu_rules.Policy:
    return tuoyu_rules.load_policy("luzhou_longmatan")


# ---- helpers -------------------------------------------------------------------------------------------------------
def institution(**fields: object) -> dict:
    """An inclusive centre that meets every Luzhou standard; tests change one thing at a time."""
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
            {
                "role": "health",
                "education": "associate",
                "related_major": True,
                "certificates": ["health_title"],
                "trained": True,
                "banned": False,
            },
            {"role": "security", "certificates": ["security_guard"], "banned": False},
        ],
        "surveillance": {"installed": True, "always_on": True, "retention_days": 90},
        "construction": {"kind": "none", "new_slots": 0, "provincial_slot_subsidy": False, "central_funding": False},
    }
    record.update(fields)
    return record


def report(policy: tuoyu_rules.Policy, record: dict, as_of: datetime.date = DAY) -> dict:
    return policy.evaluate(record, as_of=as_of).to_dict()


def outcome(d: dict, rule: str) -> str:
    """The worst outcome of a rule over its findings (fail > unknown > pass > not_due), or 'absent'."""
    outcomes = [f["outcome"] for f in d["findings"] if f["rule"] == rule]
    return max(outcomes, key=RANK.__getitem__) if outcomes else "absent"


def finding(d: dict, rule: str) -> dict:
    (only,) = [f for f in d["findings"] if f["rule"] == rule]
    return only


def subsidy(d: dict, sid: str) -> dict:
    return next(s for s in d["subsidies"] if s["id"] == sid)


def benefit(d: dict, bid: str) -> dict:
    return next(b for b in d["benefits"] if b["id"] == bid)


def staff(role: str, **fields: object) -> list[dict]:
    member = next(dict(s) for s in institution()["staff"] if s["role"] == role)
    member.update(fields)
    return [member]


# ---- 四(一) 面积 ---------------------------------------------------------------------------------------------------
def test_exactly_5_m2_per_slot_passes(luzhou) -> None:
    d = report(luzhou, institution(total_slots=60, indoor_area_m2=300))
    assert outcome(d, "area.indoor_per_slot") == "pass"
    assert d["status"] == "pass"


def test_4_99_m2_per_slot_fails_and_reports_observed_and_required(luzhou) -> None:
    d = report(luzhou, institution(total_slots=100, indoor_area_m2=499, outdoor_area_m2=200))
    f = finding(d, "area.indoor_per_slot")
    assert f["outcome"] == "fail" and f["severity"] == "error"
    assert (f["observed"], f["required"]) == (4.99, 5)
    assert "4.99" in f["message"] and f["fix"]
    assert d["status"] == "fail" and any(v["rule"] == "area.indoor_per_slot" for v in d["violations"])


def test_missing_indoor_area_is_unknown_never_pass(luzhou) -> None:
    record = institution()
    del record["indoor_area_m2"]
    d = report(luzhou, record)
    f = finding(d, "area.indoor_per_slot")
    assert f["outcome"] == "unknown" and f["missing"] == ["indoor_area_m2"]
    assert d["status"] == "incomplete"
    # the operating subsidy depends on the area standard, so its eligibility is open too
    assert subsidy(d, "subsidy.operating")["eligible"] is None


def test_exactly_2_m2_outdoor_per_slot_passes_and_less_fails(luzhou) -> None:
    assert outcome(report(luzhou, institution(outdoor_area_m2=120)), "area.outdoor_per_slot") == "pass"
    assert outcome(report(luzhou, institution(outdoor_area_m2=119.9)), "area.outdoor_per_slot") == "fail"


def test_12_m2_building_area_applies_to_the_comprehensive_centre_only(luzhou) -> None:
    assert outcome(report(luzhou, institution(comprehensive_center=False)), "area.building_per_slot") == "absent"
    centre = report(luzhou, institution(comprehensive_center=True, building_area_m2=720))
    assert outcome(centre, "area.building_per_slot") == "pass"
    short = report(luzhou, institution(comprehensive_center=True, building_area_m2=719))
    assert outcome(short, "area.building_per_slot") == "fail"
    unknown = report(luzhou, institution(comprehensive_center=True))
    assert outcome(unknown, "area.building_per_slot") == "unknown"


# ---- 四(一) 规模、编班、保育比 --------------------------------------------------------------------------------------
def test_150_slots_pass_and_151_fail(luzhou) -> None:
    at = report(luzhou, institution(total_slots=150, indoor_area_m2=750, outdoor_area_m2=300))
    assert outcome(at, "slots.max") == "pass" and at["status"] == "pass"
    over = report(luzhou, institution(total_slots=151, indoor_area_m2=755, outdoor_area_m2=302))
    f = finding(over, "slots.max")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 151, 150)


@pytest.mark.parametrize(
    "kind, at_limit, ratio",
    [("infant", 10, 3), ("toddler", 15, 5), ("older", 20, 7)],
)
def test_class_size_limit_passes_and_one_more_child_fails(luzhou, kind: str, at_limit: int, ratio: int) -> None:
    enough = -(-(at_limit + 1) // ratio)  # enough caregivers that only the size can fail
    ok = report(luzhou, institution(classes=[{"type": kind, "enrolled": at_limit, "caregivers": enough}]))
    assert outcome(ok, f"class.size.{kind}") == "pass"
    over = report(luzhou, institution(classes=[{"type": kind, "enrolled": at_limit + 1, "caregivers": enough}]))
    assert outcome(over, f"class.size.{kind}") == "fail"
    assert outcome(over, f"class.ratio.{kind}") == "pass"


def test_10_infants_pass_and_11_fail(luzhou) -> None:
    ten = report(luzhou, institution(classes=[{"type": "infant", "enrolled": 10, "caregivers": 4}]))
    eleven = report(luzhou, institution(classes=[{"type": "infant", "enrolled": 11, "caregivers": 4}]))
    assert outcome(ten, "class.size.infant") == "pass"
    f = finding(eleven, "class.size.infant")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 11, 10)


def test_3_infants_per_caregiver_passes(luzhou) -> None:
    d = report(luzhou, institution(classes=[{"type": "infant", "enrolled": 3, "caregivers": 1}]))
    assert outcome(d, "class.ratio.infant") == "pass"


def test_4_infants_with_1_caregiver_fails(luzhou) -> None:
    d = report(luzhou, institution(classes=[{"type": "infant", "enrolled": 4, "caregivers": 1}]))
    f = finding(d, "class.ratio.infant")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 1, 2)
    assert f["subject"] == "classes[0]"
    assert "增加 1 名保育人员" in f["fix"]


@pytest.mark.parametrize("kind, ratio", [("toddler", 5), ("older", 7)])
def test_toddler_and_older_ratios_at_the_boundary(luzhou, kind: str, ratio: int) -> None:
    at = report(luzhou, institution(classes=[{"type": kind, "enrolled": ratio, "caregivers": 1}]))
    assert outcome(at, f"class.ratio.{kind}") == "pass"
    past = report(luzhou, institution(classes=[{"type": kind, "enrolled": ratio + 1, "caregivers": 1}]))
    assert outcome(past, f"class.ratio.{kind}") == "fail"


def test_ratio_counts_only_the_caregivers_of_that_class(luzhou) -> None:
    classes = [
        {"type": "infant", "enrolled": 6, "caregivers": 1},
        {"type": "toddler", "enrolled": 5, "caregivers": 5},
    ]
    d = report(luzhou, institution(classes=classes))
    assert outcome(d, "class.ratio.infant") == "fail" and outcome(d, "class.ratio.toddler") == "pass"


def test_mixed_class_has_a_size_limit_of_18_but_no_ratio(luzhou) -> None:
    ok = report(luzhou, institution(classes=[{"type": "mixed", "enrolled": 18, "caregivers": 1}]))
    assert outcome(ok, "class.size.mixed") == "pass"
    assert outcome(ok, "class.ratio.mixed") == "absent"
    over = report(luzhou, institution(classes=[{"type": "mixed", "enrolled": 19, "caregivers": 6}]))
    assert outcome(over, "class.size.mixed") == "fail"


# ---- 四(一) 场地 ---------------------------------------------------------------------------------------------------
def test_lease_of_3_years_passes(luzhou) -> None:
    assert outcome(report(luzhou, institution(tenure="leased", lease_years=3)), "premises.lease_years") == "pass"


def test_lease_of_2_5_years_fails(luzhou) -> None:
    f = finding(report(luzhou, institution(tenure="leased", lease_years=2.5)), "premises.lease_years")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 2.5, 3)


def test_owned_premises_pass_without_lease_years(luzhou) -> None:
    record = institution(tenure="owned")
    record.pop("lease_years", None)
    assert outcome(report(luzhou, record), "premises.lease_years") == "pass"


def test_lease_without_a_term_is_unknown(luzhou) -> None:
    assert outcome(report(luzhou, institution(tenure="leased")), "premises.lease_years") == "unknown"


def test_the_lease_rule_applies_to_every_institution_not_only_family_points(luzhou) -> None:
    national = tuoyu_rules.load_policy("national")
    record = institution(form="center", tenure="leased", lease_years=2)
    assert outcome(report(national, record), "premises.lease_years") == "absent"
    assert outcome(report(luzhou, record), "premises.lease_years") == "fail"


# ---- 四(五) 人员 ---------------------------------------------------------------------------------------------------
def test_a_fully_qualified_staff_passes(luzhou) -> None:
    d = report(luzhou, institution())
    for rule in (
        "staff.manager.qualification",
        "staff.caregiver.qualification",
        "staff.health.qualification",
        "staff.security.certificate",
        "staff.banned",
    ):
        assert outcome(d, rule) == "pass", rule


@pytest.mark.parametrize(
    "changes",
    [
        {"management_years": 2.9},
        {"education": "secondary"},
        {"trained": False},
    ],
)
def test_manager_needs_associate_degree_3_years_and_training(luzhou, changes: dict) -> None:
    d = report(luzhou, institution(staff=staff("manager", **changes)))
    assert outcome(d, "staff.manager.qualification") == "fail"


@pytest.mark.parametrize(
    "changes",
    [
        {"education": "junior_high"},
        {"related_major": False},
        {"certificates": ["teacher"]},
    ],
)
def test_caregiver_needs_secondary_education_related_major_and_childcare_certificate(luzhou, changes: dict) -> None:
    d = report(luzhou, institution(staff=staff("caregiver", **changes)))
    assert outcome(d, "staff.caregiver.qualification") == "fail"


@pytest.mark.parametrize(
    "changes",
    [
        {"education": "secondary"},
        {"related_major": False},
        {"certificates": []},
        {"trained": False},
    ],
)
def test_health_staff_need_associate_degree_major_title_and_training(luzhou, changes: dict) -> None:
    d = report(luzhou, institution(staff=staff("health", **changes)))
    assert outcome(d, "staff.health.qualification") == "fail"


def test_security_guard_without_licence_fails(luzhou) -> None:
    d = report(luzhou, institution(staff=staff("security", certificates=[])))
    assert outcome(d, "staff.security.certificate") == "fail"


def test_banned_person_fails(luzhou) -> None:
    d = report(luzhou, institution(staff=staff("caregiver", banned=True)))
    assert outcome(d, "staff.banned") == "fail" and d["status"] == "fail"


def test_missing_certificates_make_the_caregiver_check_unknown(luzhou) -> None:
    member = staff("caregiver")[0]
    del member["certificates"]
    f = finding(report(luzhou, institution(staff=[member])), "staff.caregiver.qualification")
    assert f["outcome"] == "unknown" and "certificates" in f["missing"]


# ---- 四(五) 监控 ---------------------------------------------------------------------------------------------------
def test_retention_90_days_passes(luzhou) -> None:
    sv = {"installed": True, "always_on": True, "retention_days": 90}
    assert outcome(report(luzhou, institution(surveillance=sv)), "surveillance.retention_days") == "pass"


def test_retention_89_days_fails(luzhou) -> None:
    sv = {"installed": True, "always_on": True, "retention_days": 89}
    f = finding(report(luzhou, institution(surveillance=sv)), "surveillance.retention_days")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 89, 90)


def test_surveillance_must_be_on_around_the_clock(luzhou) -> None:
    sv = {"installed": True, "always_on": False, "retention_days": 90}
    assert outcome(report(luzhou, institution(surveillance=sv)), "surveillance.always_on") == "fail"


# ---- 四(四) 补助 ---------------------------------------------------------------------------------------------------
def test_operating_subsidy_5_infants_and_7_toddlers_is_4600_a_month(luzhou) -> None:
    line = subsidy(report(luzhou, institution()), "subsidy.operating")
    assert (line["eligible"], line["amount"], line["period"], line["currency"]) == (True, "4600.00", "month", "CNY")


def test_operating_subsidy_pays_300_for_older_classes_and_nothing_for_mixed_classes(luzhou) -> None:
    classes = [
        {"type": "infant", "enrolled": 2, "caregivers": 1},
        {"type": "toddler", "enrolled": 3, "caregivers": 1},
        {"type": "older", "enrolled": 7, "caregivers": 1},
        {"type": "mixed", "enrolled": 10, "caregivers": 2},
    ]
    line = subsidy(report(luzhou, institution(classes=classes)), "subsidy.operating")
    assert (line["eligible"], line["amount"]) == (True, "4000.00")  # 2×500 + (3+7)×300


def test_operating_subsidy_needs_an_inclusive_institution(luzhou) -> None:
    assert subsidy(report(luzhou, institution(inclusive=False)), "subsidy.operating")["eligible"] is False


@pytest.mark.parametrize(
    "changes",
    [
        {"indoor_area_m2": 299},  # hardware: area
        {"total_slots": 151, "indoor_area_m2": 755, "outdoor_area_m2": 302},  # hardware: size
        {"classes": [{"type": "infant", "enrolled": 4, "caregivers": 1}]},  # staffing ratio
        {"tenure": "leased", "lease_years": 2},  # premises
        {"surveillance": {"installed": True, "always_on": True, "retention_days": 30}},  # software: surveillance
    ],
)
def test_operating_subsidy_needs_the_hardware_and_software_standards(luzhou, changes: dict) -> None:
    assert subsidy(report(luzhou, institution(**changes)), "subsidy.operating")["eligible"] is False


def test_operating_subsidy_needs_qualified_staff(luzhou) -> None:
    d = report(luzhou, institution(staff=staff("caregiver", certificates=[])))
    assert subsidy(d, "subsidy.operating")["eligible"] is False


def test_construction_subsidy_is_5000_per_new_slot_once(luzhou) -> None:
    won = {"kind": "new", "new_slots": 40, "provincial_slot_subsidy": True, "central_funding": False}
    line = subsidy(report(luzhou, institution(construction=won)), "subsidy.construction")
    assert (line["eligible"], line["amount"], line["period"]) == (True, "200000.00", "once")


def test_construction_subsidy_excluded_by_central_funding(luzhou) -> None:
    funded = {"kind": "expansion", "new_slots": 40, "provincial_slot_subsidy": True, "central_funding": True}
    line = subsidy(report(luzhou, institution(construction=funded)), "subsidy.construction")
    assert line["eligible"] is False
    assert "中央资金" in line["excluded_by"]["reason"]


def test_construction_subsidy_needs_a_provincial_slot_subsidy_and_an_inclusive_institution(luzhou) -> None:
    no_province = {"kind": "new", "new_slots": 40, "provincial_slot_subsidy": False, "central_funding": False}
    assert subsidy(report(luzhou, institution(construction=no_province)), "subsidy.construction")["eligible"] is False
    won = {**no_province, "provincial_slot_subsidy": True}
    line = subsidy(report(luzhou, institution(inclusive=False, construction=won)), "subsidy.construction")
    assert line["eligible"] is False


def test_certificate_subsidy_is_unknown_for_holders_since_it_pays_for_newly_obtained_certificates(luzhou) -> None:
    # issue 14: 考取认证资格证书 pays for certificates obtained, which a record of holders cannot show
    line = subsidy(report(luzhou, institution()), "subsidy.staff_certification")
    assert (line["eligible"], line["amount"], line["missing"]) == (None, None, ["certificate_newly_obtained"])
    assert "amount_open" not in line
    assert subsidy(report(luzhou, institution(inclusive=False)), "subsidy.staff_certification")["eligible"] is False


def test_budget_is_3_million_a_year(tmp_path: Path) -> None:
    ledger = tmp_path / "one.jsonl"
    ledger.write_text(json.dumps(institution()) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "tuoyu_rules", "budget", "--policy", "luzhou_longmatan"]
    command += ["--as-of", "2024-06-30", "--format", "json", str(ledger)]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    budget = json.loads(out)["budget"]
    assert (budget["budget"], budget["budget_period"]) == ("3000000.00", "year")
    assert budget["by_subsidy"]["subsidy.operating"] == "55200.00"  # 4600 a month for 12 months


# ---- 四(四) 待遇 ---------------------------------------------------------------------------------------------------
def test_income_tax_deduction_shows_the_value_in_force_and_the_documents_number(luzhou) -> None:
    line = benefit(report(luzhou, institution()), "benefit.iit_deduction")
    assert (line["eligible"], line["value"]) == (True, "2000.00")
    (stated,) = line["stated"]
    assert stated["parameter"] == "iit_deduction_stated" and stated["value"] == "1000"
    assert stated["superseded_by"] == "iit_deduction_per_child"


def test_community_tax_relief_only_for_community_services(luzhou) -> None:
    assert benefit(report(luzhou, institution(form="community")), "benefit.community_tax_exemption")["eligible"]
    assert benefit(report(luzhou, institution()), "benefit.community_tax_exemption")["eligible"] is None  # issue 14


def test_utility_prices_for_every_institution(luzhou) -> None:
    assert benefit(report(luzhou, institution()), "benefit.utility_residential_price")["eligible"] is True


def test_rent_reduction_for_inclusive_institutions_on_leased_premises(luzhou) -> None:
    rid = "benefit.state_premises_rent_reduction"
    # issue 14: only state-owned premises qualify; a record that does not say is unknown, never eligible
    unknown = benefit(report(luzhou, institution(tenure="leased", lease_years=5)), rid)
    assert unknown["eligible"] is None and unknown["missing"] == ["premises_state_owned"]
    state = institution(tenure="leased", lease_years=5, premises_state_owned=True)
    assert benefit(report(luzhou, state), rid)["eligible"] is True
    private = institution(tenure="leased", lease_years=5, premises_state_owned=False)
    assert benefit(report(luzhou, private), rid)["eligible"] is False
    assert benefit(report(luzhou, institution(tenure="owned")), rid)["eligible"] is False
    leased_private = institution(tenure="leased", lease_years=5, inclusive=False, premises_state_owned=True)
    assert benefit(report(luzhou, leased_private), rid)["eligible"] is False


# ---- 三、工作目标 (region) -----------------------------------------------------------------------------------------
def region(year: int, **fields: object) -> dict:
    record: dict = {
        "id": f"LMT-{year}",
        "kind": "region",
        "level": "county",
        "year": year,
        "population": 500_000,
        "total_slots": 2350,
        "inclusive_slots": 1175,
        "four_star_institutions": 4,
        "kindergartens": 100,
        "kindergartens_with_childcare": 70,
    }
    record.update(fields)
    return record


def by_year(policy, record: dict, rule: str) -> list[tuple[int, str]]:
    d = report(policy, record, as_of=datetime.date(record["year"], 12, 31))
    return [(f["year"], f["outcome"]) for f in d["findings"] if f["rule"] == rule]


def test_2023_total_slot_target_met_with_later_years_not_due(luzhou) -> None:
    assert by_year(luzhou, region(2023, total_slots=1525), "target.total_slots") == [
        (2023, "pass"),
        (2024, "not_due"),
        (2025, "not_due"),
    ]


@pytest.mark.parametrize("year, target", [(2023, 1525), (2024, 2000), (2025, 2320)])
def test_total_slot_targets_by_year(luzhou, year: int, target: int) -> None:
    assert by_year(luzhou, region(year, total_slots=target), "target.total_slots")[0] == (year, "pass")
    assert by_year(luzhou, region(year, total_slots=target - 1), "target.total_slots")[0] == (year, "fail")


@pytest.mark.parametrize("year, exact, short", [(2023, 1550, 1549), (2024, 2020, 2019), (2025, 2350, 2349)])
def test_slots_per_1000_targets_3_1_then_4_04_then_4_7(luzhou, year: int, exact: int, short: int) -> None:
    # population 500,000: 3.1, 4.04 and 4.7 per 1,000 are exactly 1550, 2020 and 2350 slots
    assert by_year(luzhou, region(year, total_slots=exact), "target.slots_per_1000")[0] == (year, "pass")
    assert by_year(luzhou, region(year, total_slots=short), "target.slots_per_1000")[0] == (year, "fail")


@pytest.mark.parametrize("year, share", [(2023, 35), (2024, 40), (2025, 50)])
def test_inclusive_share_targets(luzhou, year: int, share: int) -> None:
    exact = region(year, total_slots=2400, inclusive_slots=2400 * share // 100)
    short = region(year, total_slots=2400, inclusive_slots=2400 * share // 100 - 1)
    assert by_year(luzhou, exact, "target.inclusive_share")[0] == (year, "pass")
    assert by_year(luzhou, short, "target.inclusive_share")[0] == (year, "fail")


@pytest.mark.parametrize("year, target", [(2023, 2), (2024, 3), (2025, 4)])
def test_four_star_institution_targets(luzhou, year: int, target: int) -> None:
    assert by_year(luzhou, region(year, four_star_institutions=target), "target.four_star_institutions")[0] == (
        year,
        "pass",
    )
    assert by_year(luzhou, region(year, four_star_institutions=target - 1), "target.four_star_institutions")[0] == (
        year,
        "fail",
    )


def test_a_later_target_not_due_shows_progress(luzhou) -> None:
    d = report(luzhou, region(2024, total_slots=2000), as_of=datetime.date(2024, 12, 31))
    later = [f for f in d["findings"] if f["rule"] == "target.total_slots" and f["outcome"] == "not_due"]
    assert [f["year"] for f in later] == [2025] and later[0]["required"] == 2320


def test_region_without_population_is_unknown_for_the_per_1000_target(luzhou) -> None:
    record = region(2025)
    del record["population"]
    assert by_year(luzhou, record, "target.slots_per_1000") == [(2025, "unknown")]


def test_70_percent_of_kindergartens_offer_childcare(luzhou) -> None:
    exact = report(luzhou, region(2024, kindergartens_with_childcare=70))
    assert outcome(exact, "target.kindergarten_childcare_share") == "pass"
    short = report(luzhou, region(2024, kindergartens_with_childcare=69))
    assert outcome(short, "target.kindergarten_childcare_share") == "fail"


def test_every_township_exactly_4_7_per_1000_by_2025_passes(luzhou) -> None:
    towns = [
        {"id": "A", "name": "红星街道", "level": "township", "population": 100_000, "total_slots": 470},
        {"id": "B", "name": "石洞镇", "level": "township", "population": 100_000, "total_slots": 469},
        {"id": "C", "name": "某社区", "level": "community", "population": 1_000, "total_slots": 0},
    ]
    d = report(luzhou, region(2025, subregions=towns), as_of=datetime.date(2025, 12, 31))
    town = [(f["subject_id"], f["outcome"]) for f in d["findings"] if f["rule"] == "target.township_slots_per_1000"]
    assert town == [("A", "pass"), ("B", "fail")]  # C is not a township: no finding
    assert d["status"] == "fail"


def test_township_target_is_not_due_before_2025(luzhou) -> None:
    towns = [{"id": "B", "name": "石洞镇", "level": "township", "population": 100_000, "total_slots": 100}]
    d = report(luzhou, region(2024, subregions=towns))
    assert {f["outcome"] for f in d["findings"] if f["rule"] == "target.township_slots_per_1000"} == {"not_due"}


# ---- 四(三) 居住区 -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "status, population, slots, expected",
    [
        ("new", 5000, 50, "pass"),  # exactly 10 per 1,000
        ("new", 5000, 49, "fail"),
        ("existing", 5000, 40, "pass"),  # exactly 8 per 1,000
        ("existing", 5000, 39, "fail"),
        ("new", 1234, 13, "pass"),  # 12.34 slots needed: 13
        ("new", 1234, 12, "fail"),
        ("existing", 1234, 10, "pass"),  # 9.872 needed: 10
        ("existing", 1234, 9, "fail"),
    ],
)
def test_residential_areas_10_new_and_8_existing_per_1000(luzhou, status, population, slots, expected) -> None:
    record = {"id": "RA", "kind": "residential_area", "status": status, "population": population}
    record["planned_slots"] = slots
    d = report(luzhou, record)
    assert outcome(d, "planning.slots_per_1000") == expected
    assert d["status"] == expected


def test_residential_area_without_status_is_unknown(luzhou) -> None:
    record = {"id": "RA", "kind": "residential_area", "population": 5000, "planned_slots": 50}
    assert outcome(report(luzhou, record), "planning.slots_per_1000") == "unknown"


def test_report_names_the_policy_and_the_document(luzhou) -> None:
    d = report(luzhou, institution(indoor_area_m2=299))
    assert (d["policy"], d["as_of"], d["kind"], d["id"]) == ("luzhou_longmatan", "2024-06-30", "institution", "LMT-T")
    citation = finding(d, "area.indoor_per_slot")["citation"]
    assert citation["source"] == "001_060ea64bc85e63b4.txt" and citation["clause"] == "四(一)"


def test_a_ratio_violation_cites_the_local_clause_beside_the_national_source() -> None:
    # 四(一) restates the national 1∶3; the report cites both, as explain does
    import tuoyu_rules

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    record = {"id": "X", "classes": [{"type": "infant", "enrolled": 10, "caregivers": 2}]}
    report = policy.evaluate(record, as_of=datetime.date(2024, 6, 30)).to_dict()
    [ratio] = [f for f in report["violations"] if f["rule"] == "class.ratio.infant"]
    assert ratio["citation"]["source"] == "national.md"
    [local] = ratio["citation"]["also_cited"]
    assert local["clause"] == "四(一)" and "1∶3" in local["quote"] and local["source"].startswith("001_")
