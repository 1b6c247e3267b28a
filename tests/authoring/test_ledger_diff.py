"""Ledger diff: one ledger under two policies."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import tuoyu_rules
from tuoyu_rules.authoring.ledger_diff import diff_ledger


def test_ledger_diff_counts_status_changes_rule_flips_and_money(
    mini_path: Path, child_of_mini: Callable[..., Path], stricter: str
) -> None:
    old = tuoyu_rules.load_policy(mini_path)
    new = tuoyu_rules.load_policy(child_of_mini(stricter))
    base = {"inclusive": True, "total_slots": 20, "indoor_area_m2": 100, "tenure": "owned"}
    rows = iter(  # a one-shot iterator: the diff reads it once
        [
            {**base, "id": "A", "classes": [{"type": "infant", "enrolled": 6, "caregivers": 2}]},  # 3:1 → 2:1 fails
            {**base, "id": "B", "classes": [{"type": "infant", "enrolled": 4, "caregivers": 2}]},  # passes under both
            {"id": "A"},  # a repeated id: an error row under both
        ]
    )
    result = diff_ledger(old, new, rows, datetime.date(2024, 6, 30))
    assert (result.records, result.errors, result.status_changed) == (2, 1, 1)
    assert result.transitions == {"pass→fail": 1} and result.changed_ids == ["A"]
    assert result.rule_flips == {"class.ratio.infant": {"pass→fail": 1}}
    assert result.subsidy_old - result.subsidy_new == Decimal(3000)  # A loses 6 × 500 a month
    assert result.to_dict()["violations"] == {"class.ratio.infant": {"old": 0, "new": 1}}
