"""Issue 14: verdicts an official can sign — absence is not compliance, unknown facts stay unknown, aims are not
requirements, deadlines are deadlines, targets bind the level the document names."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.authoring.budget import Budget, SubsidyTotal, budget_lines
from tuoyu_rules.authoring.clauses import clause_index
from tuoyu_rules.authoring.explain import explain
from tuoyu_rules.compiler import CompiledPolicy, compile_file
from tuoyu_rules.evaluate import evaluate_record

DAY = datetime.date(2024, 6, 30)
RANK = {"not_due": 0, "absent": 0, "pass": 1, "unknown": 2, "fail": 3}


@pytest.fixture(scope="module")
def verdicts() -> CompiledPolicy:
    return compile_file(Path(__file__).parent / "data" / "policies" / "verdicts.yaml")


def good(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "institution",
        "id": "A",
        "inclusive": True,
        "filed": True,
        "star_rating": 4,
        "premises_state_owned": True,
        "surveillance": {"always_on": True},
        "classes": [{"type": "infant", "enrolled": 3, "caregivers": 1}],
        "staff": [{"role": "security"}, {"role": "caregiver"}],
    }
    base.update(fields)
    return base


def line(report: Any, line_id: str) -> dict[str, Any]:
    lines = [*report.to_dict()["subsidies"], *report.to_dict().get("benefits", [])]
    return next(x for x in lines if x["id"] == line_id)


# ---- 1. absence is not compliance ---------------------------------------------------------------------------------
ROLES = st.sampled_from(["manager", "caregiver", "health", "security", "other"])


@given(st.lists(ROLES, max_size=6), ROLES)
def test_removing_a_role_never_turns_fail_into_pass(verdicts: CompiledPolicy, roles: list[str], gone: str) -> None:
    before = evaluate_record(verdicts, good(staff=[{"role": r} for r in roles]), DAY)
    after = evaluate_record(verdicts, good(staff=[{"role": r} for r in roles if r != gone]), DAY)
    for rule in ("staff.present.security",):
        assert RANK[after.outcome(rule)] >= RANK[before.outcome(rule)]
    if before.status == "fail":
        assert after.status == "fail"


def test_an_empty_staff_list_fails_the_presence_rule_and_loses_the_subsidy(verdicts: CompiledPolicy) -> None:
    r = evaluate_record(verdicts, good(staff=[]), DAY)
    assert r.outcome("staff.present.security") == "fail" and r.status == "fail"
    assert line(r, "subsidy.operating")["eligible"] is False


@given(st.integers(min_value=1, max_value=40), st.sampled_from(["infant", "toddler", "older", "mixed"]))
def test_a_class_with_children_and_no_caregiver_fails_whatever_its_type(
    verdicts: CompiledPolicy, enrolled: int, kind: str
) -> None:
    r = evaluate_record(verdicts, good(classes=[{"type": kind, "enrolled": enrolled, "caregivers": 0}]), DAY)
    assert r.outcome("class.caregiver_present") == "fail" and r.status == "fail"


@pytest.mark.parametrize("subregions", [[], None, [{"id": "T", "level": "township", "public_institutions": 3}]])
def test_a_city_listing_no_county_is_unknown_never_pass(verdicts: CompiledPolicy, subregions: Any) -> None:
    record: dict[str, Any] = {"kind": "region", "id": "C", "level": "city", "total_slots": 5000}
    if subregions is not None:
        record["subregions"] = subregions
    r = evaluate_record(verdicts, record, DAY)
    (f,) = [f for f in r.findings if f.rule == "target.public_institution_per_county"]
    assert f.outcome == "unknown" and f.missing == ("subregions",) and r.status == "incomplete"


@given(st.integers(min_value=0, max_value=3))
def test_a_county_record_is_judged_directly_by_the_target_meant_for_counties(verdicts: CompiledPolicy, n: int) -> None:
    r = evaluate_record(verdicts, {"kind": "region", "id": "K", "level": "county", "public_institutions": n}, DAY)
    assert r.outcome("target.public_institution_per_county") == ("pass" if n >= 1 else "fail")
    assert r.outcome("target.total_slots") == "absent", "a city's goal is not a county's"


def test_a_township_is_not_judged_by_a_county_target(verdicts: CompiledPolicy) -> None:
    r = evaluate_record(verdicts, {"kind": "region", "id": "T", "level": "township", "public_institutions": 0}, DAY)
    assert r.outcome("target.public_institution_per_county") == "absent"


# ---- 2. unknown facts stay unknown ----------------------------------------------------------------------------------
@given(st.sampled_from(["center", "kindergarten_class", "employer", "family"]), st.booleans())
def test_a_fact_the_record_cannot_show_never_yields_eligible_true_or_false(
    verdicts: CompiledPolicy, form: str, inclusive: bool
) -> None:
    record = good(form=form, inclusive=inclusive)
    del record["premises_state_owned"]
    r = evaluate_record(verdicts, record, DAY)
    rent = line(r, "subsidy.rent")
    assert rent["eligible"] is None and rent["amount"] is None and rent["missing"] == ["premises_state_owned"]
    tax = line(r, "benefit.community_tax")
    assert tax["eligible"] is None and tax["missing"] == ["community_service"]


def test_a_community_point_is_granted_the_tax_relief_and_state_owned_premises_the_rent(
    verdicts: CompiledPolicy,
) -> None:
    r = evaluate_record(verdicts, good(form="community"), DAY)
    assert line(r, "benefit.community_tax")["eligible"] is True
    assert line(r, "subsidy.rent")["amount"] == "1000.00"
    r = evaluate_record(verdicts, good(premises_state_owned=False), DAY)
    assert line(r, "subsidy.rent")["eligible"] is False


def test_an_amount_the_document_leaves_open_says_so_and_an_unknown_one_does_not(verdicts: CompiledPolicy) -> None:
    r = evaluate_record(verdicts, good(), DAY)
    assert line(r, "subsidy.open")["amount"] is None and line(r, "subsidy.open")["amount_open"] is True
    assert "amount_open" not in line(r, "subsidy.rent")
    record = good()
    del record["premises_state_owned"]
    assert "amount_open" not in line(evaluate_record(verdicts, record, DAY), "subsidy.rent")


def test_the_requirement_set_of_a_subsidy_includes_filing_and_explain_shows_it(verdicts: CompiledPolicy) -> None:
    assert line(evaluate_record(verdicts, good(filed=False), DAY), "subsidy.operating")["eligible"] is False
    text = "\n".join(explain(verdicts, "subsidy.operating", DAY, "en") or [])
    assert "requirement set (all must pass): class.*, staff.*, filing.*" in text and "filing.required" in text


# ---- 3. aims and deadlines -------------------------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=5))
def test_an_aim_never_fails_a_record_and_is_counted_apart(verdicts: CompiledPolicy, stars: int) -> None:
    r = evaluate_record(verdicts, good(star_rating=stars), DAY)
    assert r.status == "pass"
    aims = r.to_dict()["aims"]
    assert aims["not_met" if stars < 4 else "met"] == 1
    assert line(r, "subsidy.operating")["eligible"] is True, "an aim never denies a subsidy"


def test_an_aim_the_record_cannot_judge_leaves_it_complete(verdicts: CompiledPolicy) -> None:
    record = good()
    del record["star_rating"]
    r = evaluate_record(verdicts, record, DAY)
    assert r.status == "pass" and r.to_dict()["aims"]["unknown"] == 1


@given(st.dates(min_value=datetime.date(2023, 1, 1), max_value=datetime.date(2025, 12, 31)))
def test_a_rule_is_not_due_before_its_due_date_for_institutions_too(
    verdicts: CompiledPolicy, day: datetime.date
) -> None:
    r = evaluate_record(verdicts, good(surveillance={"always_on": False}), day)
    assert r.outcome("surveillance.always_on") == ("not_due" if day < datetime.date(2024, 12, 31) else "fail")


def test_a_year_end_target_falls_due_at_the_end_of_the_year(verdicts: CompiledPolicy) -> None:
    city = {"kind": "region", "id": "C", "level": "city", "total_slots": 900, "subregions": []}
    assert evaluate_record(verdicts, city, datetime.date(2022, 6, 30)).outcome("target.total_slots") == "not_due"
    assert evaluate_record(verdicts, city, datetime.date(2022, 12, 31)).outcome("target.total_slots") == "fail"
    stats_2022 = {**city, "year": 2022}
    assert evaluate_record(verdicts, stats_2022, datetime.date(2023, 3, 1)).outcome("target.total_slots") == "fail"


def test_a_target_failure_cites_the_clause_of_its_own_year(verdicts: CompiledPolicy) -> None:
    city = {"kind": "region", "id": "C", "level": "city", "year": 2025, "total_slots": 900, "subregions": []}
    d = evaluate_record(verdicts, city, datetime.date(2025, 12, 31)).to_dict()
    (f,) = [f for f in d["findings"] if f["rule"] == "target.total_slots"]
    assert f["outcome"] == "fail" and f["year"] == 2025 and f["citation"]["clause"] == "2025年"
    text = "\n".join(explain(verdicts, "target.total_slots", DAY, "en") or [])
    assert "2022年" in text and "2025年" in text and "(due 2025-12-31)" in text


def test_a_target_of_an_ended_plan_is_not_a_requirement_later_and_outputs_say_so(verdicts: CompiledPolicy) -> None:
    city = {"kind": "region", "id": "C", "level": "city", "year": 2026, "total_slots": 900, "subregions": []}
    r = evaluate_record(verdicts, city, datetime.date(2026, 6, 30))
    assert r.outcome("target.total_slots") == "absent"
    assert "2025-12-31 到期" in r.to_dict()["warnings"][0]["message"]
    assert (explain(verdicts, "target.total_slots", datetime.date(2026, 6, 30)) or [""])[0].startswith("⚠")


# ---- 4. say the right thing ------------------------------------------------------------------------------------------
def test_a_local_restatement_is_cited_beside_the_national_source(verdicts: CompiledPolicy) -> None:
    text = "\n".join(explain(verdicts, "class.ratio.infant", DAY, "en") or [])
    assert "国家文件" in text and "also stated in: 《测试文件》 四(一)" in text


def test_an_unknown_message_never_shows_internal_text(mini_path: Path) -> None:
    mini = compile_file(mini_path)
    r = evaluate_record(mini, {"kind": "institution", "id": "Z", "total_slots": 0, "indoor_area_m2": 0}, DAY)
    (f,) = [f for f in r.findings if f.rule == "area.indoor_per_slot"]
    zh, en = f.messages
    assert "division by zero" in en
    assert f.outcome == "unknown" and "除数为零" in zh and "division" not in zh and "缺少" not in zh


def test_overspent_budget_has_no_double_minus_and_an_ended_plan_is_said_plainly() -> None:
    total = SubsidyTotal("subsidy.operating", "运营补助", "month", Decimal(12), eligible=1)
    total.money.add(Decimal(1_800_000), Decimal(1_800_000))
    b = Budget("p", 12, {"subsidy.operating": total}, stated=Decimal(1_000_000), stated_period="year")
    b.ended = datetime.date(2025, 12, 31)
    text = "\n".join(budget_lines(b))
    assert "超支 800,000.00 元" in text and "--" not in text and "超支 -" not in text
    assert text.startswith("⚠") and "2025-12-31" in text.splitlines()[0]


def test_a_clause_that_only_records_a_number_is_not_counted_as_encoded() -> None:
    rows, _ = clause_index(tuoyu_rules.load_policy("huzhou").compiled)
    recorded = [r for r in rows if r["status"] == "recorded"]
    assert recorded and all(r["reason"] for r in recorded)
    policy = tuoyu_rules.load_policy("huzhou").compiled
    used_ids = {i.id for i in (*policy.rules, *policy.subsidies, *policy.benefits)}
    assert all(not (set(r["encoded_by"]) & used_ids) for r in recorded)


def test_writers_show_aims_apart_from_violations_and_an_ended_plan_at_the_top(verdicts: CompiledPolicy) -> None:
    from tuoyu_rules.writers import write_reports

    reports = [evaluate_record(verdicts, good(star_rating=2), datetime.date(2026, 1, 5)).to_dict()]
    for fmt in ("table", "html"):
        out = io.StringIO()
        summary = write_reports(reports, fmt, out)
        text = out.getvalue()
        if fmt == "table":
            assert "◇ star.aim" in text and "✗ star.aim" not in text, fmt
        else:  # the HTML card names the aim by its text, in its own list, never among the violations
            assert '<ul class="aims"><li>◇' in text and "力争达到四星" in text and 'class="violations"' not in text
        assert "2025-12-31 到期" in text, fmt
        assert summary.aims_not_met == {"star.aim": 1} and summary.violations_by_rule == {}
    assert text.index("2025-12-31 到期") < text.index("<table"), "the HTML says so at the top"


def test_check_says_at_the_top_that_the_plan_has_ended(capsys: Any, tmp_path: Path) -> None:
    from tuoyu_rules.cli import main

    ledger = tmp_path / "r.jsonl"
    ledger.write_text('{"id": "X", "kind": "region", "level": "city", "year": 2026}\n', encoding="utf-8")
    main(["check", "--policy", "nanchang", "--as-of", "2026-03-01", "--format", "json", str(ledger)])
    captured = capsys.readouterr()
    assert captured.err.startswith("⚠") and "2025-12-31" in captured.err
    main(["check", "--policy", "nanchang", "--as-of", "2025-03-01", "--format", "json", str(ledger)])
    assert "⚠" not in capsys.readouterr().err


@given(
    st.decimals(min_value=1, max_value=100, places=1),
    st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("0.0009"), places=8),
)
def test_a_value_just_below_a_target_never_reads_as_the_target(target: Decimal, gap: Decimal) -> None:
    from tuoyu_rules.text import format_value

    assert format_value(target - gap) != format_value(target)


def test_a_fix_names_each_missing_condition_of_a_caregiver() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    staff = [{"role": "caregiver", "education": "secondary", "related_major": False, "certificates": ["childcare"]}]
    d = policy.evaluate({"id": "C", "staff": staff}, as_of=DAY).to_dict()
    (f,) = [f for f in d["findings"] if f["rule"] == "staff.caregiver.qualification"]
    assert "相关专业背景" in f["fix"] and "资质证书" not in f["fix"] and "学历" not in f["fix"]
