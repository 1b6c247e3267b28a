"""The national base policy, worked by hand from the national figures (shared/facts/national.md), public API only."""

from __future__ import annotations

import datetime

import pytest

import tuoyu_rules

DAY = datetime.date(2024, 6, 30)
RANK = {"fail": 3, "unknown": 2, "pass": 1, "not_due": 0}


@pytest.fixture(scope="module")
def national() -> tuoyu_rules.Policy:
    return tuoyu_rules.load_policy("national")


def centre(**fields: object) -> dict:
    """A centre that meets every national standard; tests change one thing at a time."""
    record: dict = {
        "id": "NAT-T",
        "form": "center",
        "filed": True,
        "classes": [
            {"type": "infant", "enrolled": 10, "caregivers": 4},
            {"type": "toddler", "enrolled": 15, "caregivers": 3},
            {"type": "older", "enrolled": 20, "caregivers": 3},
            {"type": "mixed", "enrolled": 18, "caregivers": 3},
        ],
        "staff": [
            {"role": "manager", "education": "associate", "management_years": 3, "trained": True, "banned": False},
            {"role": "health", "trained": True, "banned": False},
            {"role": "security", "certificates": ["security_guard"], "banned": False},
        ],
        "surveillance": {"installed": True, "always_on": True, "retention_days": 90},
    }
    record.update(fields)
    return record


def family(**fields: object) -> dict:
    record: dict = {
        "id": "FAM-T",
        "form": "family",
        "filed": True,
        "tenure": "owned",
        "classes": [{"type": "mixed", "enrolled": 5, "caregivers": 2}],
        "staff": [],
        "surveillance": {"installed": True, "always_on": True, "retention_days": 90},
    }
    record.update(fields)
    return record


def report(policy: tuoyu_rules.Policy, record: dict, as_of: datetime.date = DAY) -> dict:
    return policy.evaluate(record, as_of=as_of).to_dict()


def outcome(d: dict, rule: str) -> str:
    outcomes = [f["outcome"] for f in d["findings"] if f["rule"] == rule]
    return max(outcomes, key=RANK.__getitem__) if outcomes else "absent"


def finding(d: dict, rule: str) -> dict:
    (only,) = [f for f in d["findings"] if f["rule"] == rule]
    return only


def benefit(d: dict, bid: str) -> dict:
    return next(b for b in d["benefits"] if b["id"] == bid)


# ---- 编班与保育比 ---------------------------------------------------------------------------------------------------
def test_a_centre_at_every_limit_passes(national) -> None:
    d = report(national, centre())
    assert d["status"] == "pass" and d["violations"] == []


@pytest.mark.parametrize("kind, limit", [("infant", 10), ("toddler", 15), ("older", 20), ("mixed", 18)])
def test_class_size_limit_passes_and_one_more_fails(national, kind: str, limit: int) -> None:
    at = report(national, centre(classes=[{"type": kind, "enrolled": limit, "caregivers": 10}]))
    assert outcome(at, f"class.size.{kind}") == "pass"
    over = report(national, centre(classes=[{"type": kind, "enrolled": limit + 1, "caregivers": 10}]))
    f = finding(over, f"class.size.{kind}")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", limit + 1, limit)


@pytest.mark.parametrize("kind, ratio", [("infant", 3), ("toddler", 5), ("older", 7)])
def test_one_caregiver_for_ratio_children_passes_and_one_more_child_fails(national, kind: str, ratio: int) -> None:
    at = report(national, centre(classes=[{"type": kind, "enrolled": ratio, "caregivers": 1}]))
    assert outcome(at, f"class.ratio.{kind}") == "pass"
    over = report(national, centre(classes=[{"type": kind, "enrolled": ratio + 1, "caregivers": 1}]))
    f = finding(over, f"class.ratio.{kind}")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 1, 2)


def test_ten_infants_need_four_caregivers(national) -> None:
    three = report(national, centre(classes=[{"type": "infant", "enrolled": 10, "caregivers": 3}]))
    f = finding(three, "class.ratio.infant")
    assert (f["outcome"], f["required"]) == ("fail", 4)
    assert "增加 1 名保育人员" in f["fix"]


def test_mixed_classes_have_no_national_ratio(national) -> None:
    d = report(national, centre(classes=[{"type": "mixed", "enrolled": 18, "caregivers": 1}]))
    assert outcome(d, "class.ratio.mixed") == "absent" and outcome(d, "class.size.mixed") == "pass"


def test_each_class_is_judged_with_its_own_caregivers(national) -> None:
    classes = [
        {"type": "infant", "enrolled": 6, "caregivers": 1},
        {"type": "infant", "enrolled": 3, "caregivers": 5},
    ]
    d = report(national, centre(classes=classes))
    by_class = {f["subject"]: f["outcome"] for f in d["findings"] if f["rule"] == "class.ratio.infant"}
    assert by_class == {"classes[0]": "fail", "classes[1]": "pass"}


def test_missing_caregiver_count_is_unknown(national) -> None:
    d = report(national, centre(classes=[{"type": "infant", "enrolled": 3}]))
    f = finding(d, "class.ratio.infant")
    assert f["outcome"] == "unknown" and f["missing"]
    assert d["status"] == "incomplete"


# ---- 人员 ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "manager, expected",
    [
        ({"education": "associate", "management_years": 3, "trained": True}, "pass"),
        ({"education": "postgraduate", "management_years": 12, "trained": True}, "pass"),
        ({"education": "associate", "management_years": 2.9, "trained": True}, "fail"),
        ({"education": "secondary", "management_years": 10, "trained": True}, "fail"),
        ({"education": "bachelor", "management_years": 5, "trained": False}, "fail"),
    ],
)
def test_manager_needs_associate_degree_three_years_and_training(national, manager: dict, expected: str) -> None:
    staff = [{"role": "manager", "banned": False, **manager}]
    assert outcome(report(national, centre(staff=staff)), "staff.manager.qualification") == expected


def test_health_staff_must_be_trained(national) -> None:
    ok = report(national, centre(staff=[{"role": "health", "trained": True, "banned": False}]))
    no = report(national, centre(staff=[{"role": "health", "trained": False, "banned": False}]))
    assert outcome(ok, "staff.health.qualification") == "pass"
    assert outcome(no, "staff.health.qualification") == "fail"


def test_security_staff_need_a_guard_licence(national) -> None:
    ok = report(national, centre(staff=[{"role": "security", "certificates": ["security_guard"], "banned": False}]))
    no = report(national, centre(staff=[{"role": "security", "certificates": ["childcare"], "banned": False}]))
    assert outcome(ok, "staff.security.certificate") == "pass"
    assert outcome(no, "staff.security.certificate") == "fail"


def test_banned_person_fails_for_any_role(national) -> None:
    d = report(national, centre(staff=[{"role": "other", "banned": True}]))
    assert outcome(d, "staff.banned") == "fail" and d["status"] == "fail"


def test_staff_rules_only_judge_their_role(national) -> None:
    d = report(national, centre(staff=[{"role": "other", "banned": False}]))
    assert outcome(d, "staff.manager.qualification") == "absent"
    assert outcome(d, "staff.health.qualification") == "absent"
    assert outcome(d, "staff.security.certificate") == "absent"


# ---- 监控与备案 ---------------------------------------------------------------------------------------------------
def test_retention_90_days_passes_and_89_fails(national) -> None:
    ok = report(national, centre(surveillance={"installed": True, "always_on": True, "retention_days": 90}))
    short = report(national, centre(surveillance={"installed": True, "always_on": True, "retention_days": 89}))
    assert outcome(ok, "surveillance.retention_days") == "pass"
    f = finding(short, "surveillance.retention_days")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 89, 90)


@pytest.mark.parametrize("installed, always_on", [(False, False), (True, False)])
def test_surveillance_must_be_installed_and_always_on(national, installed: bool, always_on: bool) -> None:
    sv = {"installed": installed, "always_on": always_on, "retention_days": 90}
    assert outcome(report(national, centre(surveillance=sv)), "surveillance.always_on") == "fail"


def test_unfiled_institution_fails_and_unknown_filing_is_unknown(national) -> None:
    assert outcome(report(national, centre(filed=False)), "filing.required") == "fail"
    record = centre()
    del record["filed"]
    assert outcome(report(national, record), "filing.required") == "unknown"


# ---- 家庭托育点 -----------------------------------------------------------------------------------------------------
def test_family_point_rules_do_not_apply_to_other_forms(national) -> None:
    for form in ("center", "kindergarten_class", "employer", "community"):
        d = report(national, centre(form=form, tenure="leased", lease_years=1))
        for rule in ("family.max_children", "family.ratio", "premises.lease_years"):
            assert outcome(d, rule) == "absent", (form, rule)


def test_family_point_with_5_children_passes_and_6_fails(national) -> None:
    five = report(national, family(classes=[{"type": "mixed", "enrolled": 5, "caregivers": 2}]))
    six = report(national, family(classes=[{"type": "mixed", "enrolled": 6, "caregivers": 2}]))
    assert outcome(five, "family.max_children") == "pass"
    f = finding(six, "family.max_children")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 6, 5)


def test_family_point_carer_for_3_children_passes_and_4_fails(national) -> None:
    three = report(national, family(classes=[{"type": "mixed", "enrolled": 3, "caregivers": 1}]))
    four = report(national, family(classes=[{"type": "mixed", "enrolled": 4, "caregivers": 1}]))
    assert outcome(three, "family.ratio") == "pass"
    f = finding(four, "family.ratio")
    assert (f["outcome"], f["observed"], f["required"]) == ("fail", 1, 2)


def test_family_point_counts_children_and_carers_over_all_its_groups(national) -> None:
    groups = [{"type": "infant", "enrolled": 2, "caregivers": 1}, {"type": "toddler", "enrolled": 4, "caregivers": 1}]
    d = report(national, family(classes=groups))
    assert outcome(d, "family.max_children") == "fail"  # 6 children in all
    assert outcome(d, "family.ratio") == "pass"  # 2 carers for 6 children


@pytest.mark.parametrize(
    "tenure, lease, expected",
    [("owned", None, "pass"), ("leased", 3, "pass"), ("leased", 2.5, "fail"), ("leased", None, "unknown")],
)
def test_family_point_own_home_or_lease_of_3_years(national, tenure: str, lease, expected: str) -> None:
    record = family(tenure=tenure)
    if lease is not None:
        record["lease_years"] = lease
    assert outcome(report(national, record), "premises.lease_years") == expected


def test_family_point_without_form_is_unknown_not_pass(national) -> None:
    record = family()
    del record["form"]
    assert outcome(report(national, record), "family.max_children") == "unknown"


# ---- 待遇 ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "day, value",
    [
        (datetime.date(2022, 1, 1), "1000.00"),
        (datetime.date(2022, 12, 31), "1000.00"),
        (datetime.date(2023, 1, 1), "2000.00"),
        (datetime.date(2024, 6, 30), "2000.00"),
    ],
)
def test_income_tax_deduction_1000_from_2022_and_2000_from_2023(national, day: datetime.date, value: str) -> None:
    line = benefit(report(national, centre(), as_of=day), "benefit.iit_deduction")
    assert (line["eligible"], line["value"], line["unit"]) == (True, value, "CNY/child/month")


def test_income_tax_deduction_cites_the_2023_notice(national) -> None:
    line = benefit(report(national, centre()), "benefit.iit_deduction")
    assert line["citation"]["number"] == "国发〔2023〕13号"


def test_community_tax_relief_only_for_community_services(national) -> None:
    community = benefit(report(national, centre(form="community")), "benefit.community_tax_exemption")
    assert community["eligible"] is True and community["value"] == 90
    # issue 14: a centre may provide community childcare services, which the record cannot show: unknown, not false
    centre_line = benefit(report(national, centre()), "benefit.community_tax_exemption")
    assert centre_line["eligible"] is None and centre_line["missing"] == ["community_service"]


def test_utility_prices_at_residential_rates(national) -> None:
    assert benefit(report(national, centre()), "benefit.utility_residential_price")["eligible"] is True


# ---- 2025 年每千人口托位数 -----------------------------------------------------------------------------------------
def country(year: int, slots: int) -> dict:
    return {
        "id": "CN",
        "kind": "region",
        "level": "national",  # issue 14: the national goal binds the nation
        "year": year,
        "population": 1_000_000,
        "total_slots": slots,
    }


def test_exactly_4_5_per_1000_in_2025_passes(national) -> None:
    d = report(national, country(2025, 4500), as_of=datetime.date(2025, 12, 31))
    f = finding(d, "target.slots_per_1000")
    assert (f["outcome"], f["year"]) == ("pass", 2025)


def test_4_499_per_1000_in_2025_fails(national) -> None:
    d = report(national, country(2025, 4499), as_of=datetime.date(2025, 12, 31))
    assert outcome(d, "target.slots_per_1000") == "fail" and d["status"] == "fail"


def test_the_2025_target_is_not_due_in_2024(national) -> None:
    d = report(national, country(2024, 1000), as_of=datetime.date(2024, 12, 31))
    f = finding(d, "target.slots_per_1000")
    assert (f["outcome"], f["year"]) == ("not_due", 2025)
    assert d["status"] == "pass"


def test_record_year_comes_from_as_of_when_missing(national) -> None:
    record = country(2025, 4499)
    del record["year"]
    # issue 14: "by 2025" falls due at the end of 2025, not on 1 January
    assert outcome(report(national, record, as_of=datetime.date(2025, 12, 31)), "target.slots_per_1000") == "fail"
    assert outcome(report(national, record, as_of=datetime.date(2025, 6, 30)), "target.slots_per_1000") == "not_due"
    assert outcome(report(national, record, as_of=datetime.date(2024, 6, 30)), "target.slots_per_1000") == "not_due"


@pytest.mark.parametrize("level", ["province", "city", "county", "township", "community"])
def test_the_national_goal_never_fails_a_lower_level(national, level: str) -> None:
    record = {**country(2025, 0), "level": level, "population": 3000}
    assert outcome(report(national, record, as_of=datetime.date(2025, 12, 31)), "target.slots_per_1000") == "absent"


def test_a_policy_file_loads_by_path_and_by_id(national) -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "policies" / "national.yaml"
    assert tuoyu_rules.load_policy(path).id == national.id == "national"
