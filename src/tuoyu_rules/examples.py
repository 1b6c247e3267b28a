"""Run a policy's embedded examples: each record must get the outcomes its `expect` states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .compiler import CompiledPolicy
from .errors import Location, Problem, RecordError
from .evaluate import evaluate_record
from .model import Example
from .records import normalize_record
from .report import Report


@dataclass(frozen=True)
class ExampleResult:
    name: str
    index: int
    problems: tuple[Problem, ...]
    report: Report | None

    @property
    def passed(self) -> bool:
        return not self.problems


def run_examples(policy: CompiledPolicy) -> list[ExampleResult]:
    """Evaluate every embedded example of ``policy`` (not its parents') and compare with its expectations."""
    return [_run_example(policy, i, example) for i, example in enumerate(policy.model.examples)]


@dataclass
class _Mismatches:
    """The problems of one example, located at the example and named after it."""

    name: str
    location: Location
    problems: list[Problem]

    def add(self, code: str, zh: str, en: str) -> None:
        self.problems.append(Problem(code, f"示例「{self.name}」：{zh}", f"example '{self.name}': {en}", self.location))


def _location(policy: CompiledPolicy, index: int) -> Location:
    origin = policy.example_origins[index] if index < len(policy.example_origins) else None
    if origin is None:
        return Location(file=policy.file)
    return Location(file=origin.file, line=origin.line, column=origin.column)


def _run_example(policy: CompiledPolicy, index: int, example: Example) -> ExampleResult:
    bad = _Mismatches(example.name, _location(policy, index), [])
    try:
        record = normalize_record(dict(example.record))
    except RecordError as exc:
        for p in exc.problems:
            bad.add("policy.example-bad-record", f"记录有误：{p.message}", f"bad record: {p.message_en}")
        return ExampleResult(example.name, index, tuple(bad.problems), None)
    report = evaluate_record(policy, record, example.as_of)
    expected = example.expect
    if expected.status is not None and report.status != expected.status:
        got = report.status
        bad.add(
            "policy.example-status",
            f"期望状态 {expected.status}，实际 {got}",
            f"expected status {expected.status}, got {got}",
        )
    _compare_findings(policy, report, expected.findings, bad)
    for table, lines in (("subsidies", report.subsidies), ("benefits", report.benefits)):
        _compare_lines(policy, table, lines, getattr(expected, table), bad)
    return ExampleResult(example.name, index, tuple(bad.problems), report)


def _compare_findings(policy: CompiledPolicy, report: Report, expected: Mapping[str, str], bad: _Mismatches) -> None:
    known_rules = {r.id for r in policy.rules}
    for rule_id, want in expected.items():
        if rule_id not in known_rules:
            bad.add("policy.example-unknown-rule", f"策略中没有规则 '{rule_id}'", f"the policy has no rule '{rule_id}'")
            continue
        got = report.outcome(rule_id)
        if got != want:
            detail = [f for f in report.findings if f.rule == rule_id and f.outcome == got][:1]
            why = f"（{detail[0].message}）" if detail else ""
            why_en = f" ({detail[0].message_en})" if detail else ""
            bad.add(
                "policy.example-outcome",
                f"规则 {rule_id} 期望 {want}，实际 {got}{why}",
                f"rule {rule_id}: expected {want}, got {got}{why_en}",
            )


def _compare_lines(
    policy: CompiledPolicy, table: str, lines: Any, expected: Mapping[str, Any], bad: _Mismatches
) -> None:
    """Each expected subsidy or benefit line, key by key, against the report's."""
    by_id: dict[str, Any] = {line.id: line for line in lines}
    for line_id, want in expected.items():
        line = by_id.get(line_id)
        if line is None:
            bad.add("policy.example-unknown-line", f"策略中没有 '{line_id}'", f"the policy has no '{line_id}'")
            continue
        got = line.to_dict(policy) if table == "benefits" else line.to_dict()
        for key in sorted(want.model_fields_set):
            if not _same(got.get(key), getattr(want, key)):
                bad.add(
                    "policy.example-line",
                    f"{line_id}.{key} 期望 {getattr(want, key)!r}，实际 {got.get(key)!r}",
                    f"{line_id}.{key}: expected {getattr(want, key)!r}, got {got.get(key)!r}",
                )


def _same(got: Any, want: Any) -> bool:
    """Equal as written, or as numbers (a report shows 90 for a percent, an example may write 90 or "90")."""
    if got == want:
        return True
    try:
        return got is not None and want is not None and Decimal(str(got)) == Decimal(str(want))
    except (ArithmeticError, ValueError):
        return False
