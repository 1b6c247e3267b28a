"""Run a policy's embedded examples: each record must get the outcomes its `expect` states."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .compiler import CompiledPolicy
from .errors import Location, Problem, RecordError
from .evaluate import evaluate_record
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
    from .records import normalize_record

    results = []
    for i, example in enumerate(policy.model.examples):
        origin = policy.example_origins[i] if i < len(policy.example_origins) else None
        loc = Location(
            file=origin.file if origin else policy.file,
            line=origin.line if origin else None,
            column=origin.column if origin else None,
        )
        problems: list[Problem] = []

        def bad(code: str, zh: str, en: str, _loc: Location = loc) -> None:
            problems.append(  # noqa: B023 - called within this iteration only
                Problem(code, f"示例「{example.name}」：{zh}", f"example '{example.name}': {en}", _loc)  # noqa: B023
            )

        try:
            record = normalize_record(dict(example.record))
        except RecordError as exc:
            for p in exc.problems:
                bad("policy.example-bad-record", f"记录有误：{p.message}", f"bad record: {p.message_en}")
            results.append(ExampleResult(example.name, i, tuple(problems), None))
            continue
        report = evaluate_record(policy, record, example.as_of)
        exp = example.expect
        if exp.status is not None and report.status != exp.status:
            bad(
                "policy.example-status",
                f"期望状态 {exp.status}，实际 {report.status}",
                f"expected status {exp.status}, got {report.status}",
            )
        known_rules = {r.id for r in policy.rules}
        for rule_id, expected in exp.findings.items():
            if rule_id not in known_rules:
                bad("policy.example-unknown-rule", f"策略中没有规则 '{rule_id}'", f"the policy has no rule '{rule_id}'")
                continue
            got = report.outcome(rule_id)
            if got != expected:
                detail = [f for f in report.findings if f.rule.id == rule_id and f.outcome == got][:1]
                why = f"（{detail[0].message('zh')}）" if detail else ""
                why_en = f" ({detail[0].message('en')})" if detail else ""
                bad(
                    "policy.example-outcome",
                    f"规则 {rule_id} 期望 {expected}，实际 {got}{why}",
                    f"rule {rule_id}: expected {expected}, got {got}{why_en}",
                )
        for table, lines in (("subsidies", report.subsidies), ("benefits", report.benefits)):
            expected_lines = getattr(exp, table)
            by_id: dict[str, Any] = {line.id: line for line in lines}
            for line_id, want in expected_lines.items():
                line = by_id.get(line_id)
                if line is None:
                    bad("policy.example-unknown-line", f"策略中没有 '{line_id}'", f"the policy has no '{line_id}'")
                    continue
                got_dict = line.to_dict(policy) if table == "benefits" else line.to_dict()
                for key in sorted(want.model_fields_set):
                    if not _same(got_dict.get(key), getattr(want, key)):
                        bad(
                            "policy.example-line",
                            f"{line_id}.{key} 期望 {getattr(want, key)!r}，实际 {got_dict.get(key)!r}",
                            f"{line_id}.{key}: expected {getattr(want, key)!r}, got {got_dict.get(key)!r}",
                        )
        results.append(ExampleResult(example.name, i, tuple(problems), report))
    return results


def _same(got: Any, want: Any) -> bool:
    """Equal as written, or as numbers (a report shows 90 for a percent, an example may write 90 or "90")."""
    if got == want:
        return True
    try:
        return got is not None and want is not None and Decimal(str(got)) == Decimal(str(want))
    except (ArithmeticError, ValueError):
        return False
