"""Policy diff: changed parameters with both values; added, removed and changed rules."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from tuoyu_rules.authoring.diff import diff_policies, diff_text
from tuoyu_rules.compiler import compile_file


def test_diff_policies_shows_changed_parameter_with_both_values(
    mini_path: Path, child_of_mini: Callable[..., Path], stricter: str
) -> None:
    child = compile_file(child_of_mini(stricter))
    changes = diff_policies(compile_file(mini_path), child, datetime.date(2024, 6, 30))
    (ratio,) = [c for c in changes if c.id == "ratio_infant"]
    assert (ratio.change, ratio.old["in_force"], ratio.new["in_force"]) == (
        "changed",
        "3 children/caregiver",
        "2 children/caregiver",
    )
    assert ratio.old["layer"] == "mini" and ratio.new["layer"] == "child" and ratio.new["verified"] is False
    assert not [c for c in changes if c.kind == "rule"]  # the rule's text is the same


def test_diff_policies_reports_added_removed_and_changed_rules(
    mini_path: Path, child_of_mini: Callable[..., Path]
) -> None:
    body = """\
    disable:
      - {rule: premises.lease_years, reason: 测试停用, citation: {document: d, clause: z, quote: q}}
    rules:
      - id: target.total_slots
        subject: region
        reason: 测试：目标提高
        observed: total_slots
        op: ">="
        by_year: {2023: 1600, 2025: 2400}
        message: {zh: "{year} 托位 {observed}"}
        citation: {document: d, clause: x, quote: q}
      - id: slots.max
        observed: total_slots
        op: "<="
        required: "150"
        message: {zh: "托位 {observed}"}
        citation: {document: d, clause: x, quote: q}
    """
    old, new = compile_file(mini_path), compile_file(child_of_mini(body))
    changes = {(c.kind, c.id): c for c in diff_policies(old, new, datetime.date(2024, 6, 30))}
    assert changes[("rule", "slots.max")].change == "added"
    assert changes[("rule", "premises.lease_years")].change == "removed"
    assert changes[("disabled", "premises.lease_years")].new["reason"] == "测试停用"
    target = changes[("target", "target.total_slots")]
    assert target.old[0]["by_year"]["2024"] == "2000" and target.new[0]["by_year"]["2023"] == "1600"
    text = "\n".join(diff_text(old, new, list(changes.values()), datetime.date(2024, 6, 30), "en"))
    assert (
        "~ target target.total_slots" in text and "+ rule slots.max" in text and "- rule premises.lease_years" in text
    )
