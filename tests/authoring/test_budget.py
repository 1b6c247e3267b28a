"""Budget arithmetic: months, one-off and ranges, breakdowns, what-if."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import tuoyu_rules
from tuoyu_rules.authoring.budget import budget, budget_lines, budgets


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
    result = budget(policy, [record], datetime.date(2024, 6, 30), months=6)
    assert result.subsidies["subsidy.operating"].money.exact == Decimal("6000.00")  # 2 infants × 500 yuan × 6 months
    construction = result.subsidies["subsidy.construction"].money
    assert (construction.low, construction.high) == (Decimal("400.00"), Decimal("600.00"))  # one-off, and a range
    summary = result.to_dict()
    assert summary["total"] is None and (summary["total_min"], summary["total_max"]) == ("6400.00", "6600.00")
    assert summary["budget_for_months"] == "1500000.00"  # 3 million a year, for 6 months
    assert summary["remaining_min"] == f"{Decimal(1_500_000) - Decimal(6600):.2f}"
    assert summary["remaining_max"] == f"{Decimal(1_500_000) - Decimal(6400):.2f}"


def test_budget_breaks_down_by_district_and_form_and_counts_open_amounts(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    one = {"inclusive": True, "total_slots": 20, "indoor_area_m2": 100, "tenure": "owned", "form": "center"}
    rows = [
        {**one, "id": "A", "district": "甲区", "classes": [{"type": "infant", "enrolled": 1, "caregivers": 1}]},
        {**one, "id": "B", "district": "乙区", "classes": [{"type": "toddler", "enrolled": 3, "caregivers": 1}]},
        {"id": "C", "total_slots": 20, "tenure": "owned", "classes": []},  # eligibility unknown: no inclusive field
    ]
    result = budget(policy, rows, datetime.date(2024, 6, 30), months=3)
    operating = result.subsidies["subsidy.operating"]
    assert (operating.eligible, operating.undetermined, operating.money.exact) == (2, 1, Decimal("4200.00"))
    assert result.by_district["甲区"].exact == Decimal("1500.00") and result.by_district["乙区"].exact == Decimal(
        "2700.00"
    )
    assert result.by_form["center"].exact == Decimal("4200.00") and "—" not in result.by_district
    lines = budget_lines(result, lang="en")
    assert any("4,200.00" in line for line in lines) and any("3,000,000.00" in line for line in lines)


def test_what_if_budget_reads_the_rows_once(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    row = {"id": "A", "inclusive": True, "total_slots": 20, "indoor_area_m2": 100, "tenure": "owned"}
    row["classes"] = [{"type": "infant", "enrolled": 2, "caregivers": 1}]
    written, what_if = budgets(
        [policy, policy.with_parameters({"op_infant": "600"})], iter([row]), datetime.date(2024, 6, 30), months=12
    )
    assert written.money.exact == Decimal("12000.00") and what_if.money.exact == Decimal("14400.00")
    text = "\n".join(budget_lines(written, what_if))
    assert "what-if 14,400.00" in text and "Δ +2,400.00" in text


def test_a_subsidy_whose_amounts_are_all_unknown_is_not_shown_as_zero_and_the_balance_says_what_it_leaves_out() -> None:
    import datetime
    from pathlib import Path

    import tuoyu_rules
    from tuoyu_rules.authoring.budget import budget, budget_lines

    root = Path(__file__).resolve().parent.parent.parent
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    rows = tuoyu_rules.read_rows(root / "examples" / "luzhou_longmatan" / "institutions.xlsx")
    lines = budget_lines(budget(policy, rows, datetime.date(2024, 6, 30)))
    [certification] = [line for line in lines if "subsidy.staff_certification" in line]
    assert "资格待定" in certification and "0.00" not in certification and "未计入合计" in certification
    assert any(line.strip().startswith("结余未计入") and "条" in line for line in lines)
    assert any(line.strip().startswith("托育中心") for line in lines), "forms in Chinese"
