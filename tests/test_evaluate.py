"""Evaluation on a small policy: outcomes, unknowns, targets by year, subsidies, and properties."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuoyu_rules.compiler import CompiledPolicy, compile_file
from tuoyu_rules.evaluate import evaluate_record

DAY = datetime.date(2024, 6, 30)


@pytest.fixture(scope="module")
def mini(mini_path: Path) -> CompiledPolicy:
    return compile_file(mini_path)


def institution(**fields: object) -> dict:
    base: dict = {
        "kind": "institution",
        "id": "T-1",
        "inclusive": True,
        "total_slots": 20,
        "indoor_area_m2": Decimal(100),
        "tenure": "owned",
        "classes": [{"type": "infant", "enrolled": 6, "caregivers": 2}],
        "construction": {"provincial_slot_subsidy": True, "central_funding": False, "new_slots": 10},
    }
    base.update(fields)
    return base


def test_exactly_at_the_area_threshold_passes(mini: CompiledPolicy) -> None:
    assert (
        evaluate_record(mini, institution(indoor_area_m2=Decimal(100)), DAY).outcome("area.indoor_per_slot") == "pass"
    )
    assert (
        evaluate_record(mini, institution(indoor_area_m2=Decimal("99.99")), DAY).outcome("area.indoor_per_slot")
        == "fail"
    )


def test_missing_field_is_unknown_and_named(mini: CompiledPolicy) -> None:
    record = institution()
    del record["indoor_area_m2"]
    report = evaluate_record(mini, record, DAY)
    finding = next(f for f in report.findings if f.rule == "area.indoor_per_slot")
    assert finding.outcome == "unknown" and finding.missing == ("indoor_area_m2",)
    assert report.status == "incomplete"
    assert finding.to_dict()["missing"] == ["indoor_area_m2"]


def test_missing_field_in_a_class_names_the_class(mini: CompiledPolicy) -> None:
    report = evaluate_record(mini, institution(classes=[{"type": "infant", "enrolled": 6}]), DAY)
    finding = next(f for f in report.findings if f.rule == "class.ratio.infant")
    assert finding.outcome == "unknown" and finding.missing == ("caregivers",) and finding.subject == "classes[0]"


def test_missing_class_list_is_unknown_not_pass(mini: CompiledPolicy) -> None:
    record = institution()
    del record["classes"]
    assert evaluate_record(mini, record, DAY).outcome("class.ratio.infant") == "unknown"


def test_fail_message_and_fix_show_observed_and_required(mini: CompiledPolicy) -> None:
    report = evaluate_record(mini, institution(classes=[{"type": "infant", "enrolled": 10, "caregivers": 3}]), DAY)
    finding = report.to_dict()["violations"][0]
    assert finding["rule"] == "class.ratio.infant" and finding["observed"] == 3 and finding["required"] == 4
    assert "10" in finding["message"] and "增加 1 名" in finding["fix"]


def test_targets_by_year_check_the_latest_due_year_and_report_later_ones_not_due(mini: CompiledPolicy) -> None:
    region = {"kind": "region", "id": "R", "year": 2024, "total_slots": 2000}
    findings = evaluate_record(mini, region, DAY).to_dict()["findings"]
    assert [(f["year"], f["outcome"]) for f in findings] == [(2024, "pass"), (2025, "not_due")]
    assert findings[1]["progress"] == pytest.approx(2000 / 2320, abs=1e-4)
    before = evaluate_record(mini, {**region, "year": 2022}, DAY).to_dict()["findings"]
    assert {f["outcome"] for f in before} == {"not_due"}


def test_region_without_a_year_uses_the_as_of_year(mini: CompiledPolicy) -> None:
    findings = evaluate_record(mini, {"kind": "region", "id": "R", "total_slots": 1}, DAY).to_dict()["findings"]
    assert findings[0]["year"] == 2024 and findings[0]["outcome"] == "fail"


def test_operating_subsidy_needs_the_rules_to_pass(mini: CompiledPolicy) -> None:
    ok = evaluate_record(mini, institution(), DAY).to_dict()["subsidies"][0]
    assert ok["eligible"] is True and ok["amount"] == "3000.00"
    bad = evaluate_record(mini, institution(indoor_area_m2=Decimal(1)), DAY).to_dict()["subsidies"][0]
    assert bad["eligible"] is False and bad["amount"] == "0.00"


def test_subsidy_eligibility_is_unknown_when_a_needed_rule_is_unknown(mini: CompiledPolicy) -> None:
    record = institution()
    del record["indoor_area_m2"]
    line = evaluate_record(mini, record, DAY).to_dict()["subsidies"][0]
    assert line["eligible"] is None and line["amount"] is None


def test_range_parameter_gives_min_and_max(mini: CompiledPolicy) -> None:
    line = evaluate_record(mini, institution(), DAY).to_dict()["subsidies"][1]
    assert (line["amount"], line["amount_min"], line["amount_max"]) == (None, "4000.00", "6000.00")


def test_exclusion_makes_a_subsidy_ineligible_and_says_why(mini: CompiledPolicy) -> None:
    record = institution(construction={"provincial_slot_subsidy": True, "central_funding": True, "new_slots": 10})
    line = evaluate_record(mini, record, DAY).to_dict()["subsidies"][1]
    assert line["eligible"] is False and line["excluded_by"]["reason"] == "已享受中央资金"


def test_as_of_outside_the_policy_period_warns(mini: CompiledPolicy) -> None:
    report = evaluate_record(mini, institution(), datetime.date(2020, 1, 1)).to_dict()
    assert report["warnings"][0]["code"] == "policy.not-in-force"


def test_report_json_has_the_contract_keys(mini: CompiledPolicy) -> None:
    d = evaluate_record(mini, institution(), DAY).to_dict()
    assert list(d)[:8] == ["kind", "id", "policy", "as_of", "status", "findings", "violations", "subsidies"]
    assert {"rule", "outcome", "severity", "message", "observed", "required", "fix", "citation"} <= set(
        d["findings"][0]
    )
    assert {"id", "eligible", "amount", "amount_min", "amount_max", "period", "currency", "basis", "citation"} <= set(
        d["subsidies"][0]
    )


# ---- properties ------------------------------------------------------------------------------------------------
classes = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["infant", "toddler", "older"]),
            "enrolled": st.integers(0, 30),
            "caregivers": st.integers(0, 10),
        }
    ),
    min_size=1,
    max_size=5,
)


@given(classes=classes, which=st.integers(0, 4))
def test_one_more_caregiver_never_adds_a_ratio_violation(mini: CompiledPolicy, classes: list, which: int) -> None:
    before = evaluate_record(mini, institution(classes=classes), DAY)
    more = [dict(c) for c in classes]
    more[which % len(more)]["caregivers"] += 1
    after = evaluate_record(mini, institution(classes=more), DAY)
    ratio = lambda r: {(f.subject, f.rule) for f in r.violations if f.rule.startswith("class.ratio")}  # noqa: E731
    assert ratio(after) <= ratio(before)


@given(area=st.decimals(0, 10_000, places=2), extra=st.decimals(0, 1000, places=2), slots=st.integers(1, 500))
def test_more_floor_area_never_adds_an_area_violation(
    mini: CompiledPolicy, area: Decimal, extra: Decimal, slots: int
) -> None:
    before = evaluate_record(mini, institution(indoor_area_m2=area, total_slots=slots), DAY)
    after = evaluate_record(mini, institution(indoor_area_m2=area + extra, total_slots=slots), DAY)
    if before.outcome("area.indoor_per_slot") == "pass":
        assert after.outcome("area.indoor_per_slot") == "pass"


@given(infants=st.integers(0, 12), toddlers=st.integers(0, 40), k=st.integers(1, 5))
def test_operating_subsidy_is_linear_in_enrolment(mini: CompiledPolicy, infants: int, toddlers: int, k: int) -> None:
    def amount(n_inf: int, n_tod: int) -> Decimal:
        rec = institution(
            total_slots=1,
            indoor_area_m2=Decimal(5),
            classes=[
                {"type": "infant", "enrolled": n_inf, "caregivers": 100},
                {"type": "toddler", "enrolled": n_tod, "caregivers": 100},
            ],
        )
        return Decimal(evaluate_record(mini, rec, DAY).to_dict()["subsidies"][0]["amount"])

    assert amount(infants * k, toddlers * k) == amount(infants, toddlers) * k
    assert amount(infants, toddlers) == infants * 500 + toddlers * 300


@given(
    st.dictionaries(
        st.sampled_from(["total_slots", "indoor_area_m2", "tenure", "lease_years", "inclusive"]),
        st.one_of(st.integers(0, 1000), st.sampled_from(["owned", "leased"]), st.booleans()),
        max_size=5,
    )
)
def test_no_missing_field_is_ever_silently_a_pass(mini: CompiledPolicy, fields: dict) -> None:
    record = {"kind": "institution", "id": "X", **fields}
    for finding in evaluate_record(mini, record, DAY).findings:
        if finding.outcome == "pass":
            for read in finding.compiled_rule.reads:
                head = read.split(".")[0].split("[")[0]
                if head == "lease_years" and record.get("tenure") == "owned":
                    continue  # short-circuited on purpose: owned premises need no lease term
                assert head in record, (finding.rule, read)
