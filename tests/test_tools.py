"""Tools behind the commands: date hygiene, coverage counting, budget arithmetic."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import tuoyu_rules
from tuoyu_rules import tools
from tuoyu_rules.compiler import compile_file

ROOT = Path(__file__).resolve().parent.parent


def test_date_hygiene_warns_about_expiry_and_targets_without_values(tmp_path: Path) -> None:
    text = (ROOT / "tests/data/policies/mini.yaml").read_text(encoding="utf-8")
    text = text.replace("in_force: {from: 2023-01-01}", "in_force: {from: 2023-01-01, until: 2024-12-31}")
    text = text.replace(
        "by_year: {2023: 1525, 2024: 2000, 2025: 2320}", "by_year: {2023: 1525, 2024: 2000, 2025: fund}"
    )
    text = text.replace(
        "fund: {type: money, values: [{since: 2022-01-01, value: 3000000}]",
        "fund: {type: money, values: [{since: 2026-01-01, value: 3000000}]",
    )
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    policy = compile_file(path)
    codes = {p.code for p in tools.date_hygiene(policy, datetime.date(2024, 12, 1), expiring_within=60)}
    assert {"policy.expiring", "policy.target-after-period", "policy.target-without-value"} <= codes
    later = tools.date_hygiene(policy, datetime.date(2025, 6, 1), None)
    assert "policy.expired" in {p.code for p in later}
    assert all(p.severity == "warning" and p.location.line for p in later)


def test_coverage_counts_pass_fail_and_boundary_per_rule(mini_path: Path) -> None:
    coverage = tools.test_coverage(compile_file(mini_path))
    assert coverage.items["class.ratio.infant"]["pass"] and coverage.items["class.ratio.infant"]["fail"]
    assert coverage.examples == 4 and not coverage.failed_examples
    assert Decimal(0) < coverage.percent <= Decimal(100)


def test_budget_counts_months_and_once(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    record = {
        "id": "A",
        "inclusive": True,
        "total_slots": 20,
        "indoor_area_m2": 100,
        "tenure": "owned",
        "classes": [{"type": "infant", "enrolled": 2, "caregivers": 1}],
        "construction": {"provincial_slot_subsidy": True, "central_funding": False, "new_slots": 1},
    }
    result = tools.budget(policy, [record], datetime.date(2024, 6, 30), months=6)
    assert result.subsidies["subsidy.operating"].money.exact == Decimal("6000.00")  # 2 infants × 500 yuan × 6 months
    construction = result.subsidies["subsidy.construction"].money
    assert (construction.low, construction.high) == (Decimal("400.00"), Decimal("600.00"))  # one-off, and a range
    summary = result.to_dict()
    assert summary["total"] is None and (summary["total_min"], summary["total_max"]) == ("6400.00", "6600.00")
    assert summary["budget_for_months"] == "1500000.00"  # 3 million a year, for 6 months
    assert summary["remaining_min"] == f"{Decimal(1_500_000) - Decimal(6600):.2f}"
    assert summary["remaining_max"] == f"{Decimal(1_500_000) - Decimal(6400):.2f}"
