"""The clause index and docs/coverage.md's Markdown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tuoyu_rules.authoring.clauses import clause_index, coverage_markdown
from tuoyu_rules.compiler import compile_file

ROOT = Path(__file__).resolve().parents[2]


def test_clause_index_lists_items_no_clause_mentions(child_of_mini: Callable[..., Path], stricter: str) -> None:
    path = child_of_mini(
        stricter + "clauses:\n  - {clause: y, summary: 保育比, encoded_by: [ratio_infant]}\n"
        "  - {clause: z, summary: 组织, not_checkable: 工作机制}\n",
    )
    policy = compile_file(path)
    rows, unmentioned = clause_index(policy)
    assert [r["clause"] for r in rows] == ["y", "z"] and unmentioned == []
    markdown = coverage_markdown([policy, compile_file(ROOT / "tests/data/policies/mini.yaml")])
    assert "| y | 保育比 | `ratio_infant` |" in markdown and "not checkable: 工作机制" in markdown
    assert "Not in the index: " in markdown  # the fixture policy has no clause index at all
