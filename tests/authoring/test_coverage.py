"""Example coverage: pass, fail and boundary per rule, subsidy and benefit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tuoyu_rules.authoring import coverage as example_coverage  # not test_coverage itself: pytest would collect it
from tuoyu_rules.compiler import compile_file


def test_coverage_counts_pass_fail_and_boundary_per_rule(mini_path: Path) -> None:
    coverage = example_coverage.test_coverage(compile_file(mini_path))
    assert coverage.items["class.ratio.infant"]["pass"] and coverage.items["class.ratio.infant"]["fail"]
    assert coverage.examples == 4 and not coverage.failed_examples
    assert Decimal(0) < coverage.percent <= Decimal(100)


def test_boundary_needs_an_example_exactly_at_the_threshold(tmp_path: Path, mini_path: Path) -> None:
    assert example_coverage.test_coverage(compile_file(mini_path)).items["class.ratio.infant"]["boundary"] is True
    # the same policy with the example at exactly 2 of 2 caregivers moved to 3 of 2: one off is not the boundary
    text = mini_path.read_text(encoding="utf-8").replace(
        "{type: infant, enrolled: 6, caregivers: 2}", "{type: infant, enrolled: 6, caregivers: 3}"
    )
    moved = tmp_path / "mini.yaml"
    moved.write_text(text, encoding="utf-8")
    coverage = example_coverage.test_coverage(compile_file(moved))
    assert coverage.items["class.ratio.infant"]["boundary"] is False
    assert "class.ratio.infant: boundary not exercised" in coverage.missing()
    assert coverage.percent < Decimal(100)
