"""Example coverage (``test --coverage``): what a policy's embedded examples show passing, failing and exactly at
a threshold, for each of the policy's own rules, subsidies and benefits."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..compiler import CompiledPolicy
from ..examples import run_examples


@dataclass
class Coverage:
    """What a policy's embedded examples exercise: per own rule, subsidy and benefit, a passing and a failing (or
    ineligible) example, and for each threshold rule (``op`` with ``required`` or ``by_year``) an example whose
    observed value equals the required one."""

    policy: str
    examples: int
    failed_examples: list[str]
    items: dict[str, dict[str, bool | None]]  # id -> {"pass": bool, "fail": bool | None, "boundary": bool | None}

    @property
    def percent(self) -> Decimal:
        checks = 0
        met = 0
        for item in self.items.values():
            for key in ("pass", "fail", "boundary"):
                if item.get(key) is not None:
                    checks += 1
                    met += bool(item[key])
        return (Decimal(met * 100) / checks).quantize(Decimal("0.1")) if checks else Decimal(100)

    def missing(self, lang: str = "en") -> list[str]:
        """One line per thing no example shows."""
        zh = lang == "zh"
        words = {
            "pass": "没有通过（或符合条件）的示例" if zh else "no pass example",
            "fail": "没有不通过（或不符合条件）的示例" if zh else "no fail example",
            "boundary": "没有恰好等于阈值的示例（边界未覆盖）" if zh else "boundary not exercised",
        }
        return [
            f"{item_id}: {words[key]}"
            for item_id, item in self.items.items()
            for key in ("pass", "fail", "boundary")
            if item.get(key) is False
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "examples": self.examples,
            "failed_examples": self.failed_examples,
            "percent": str(self.percent),
            "items": self.items,
            "missing": self.missing(),
        }


def _at_boundary(observed: Any, required: Any) -> bool:
    if observed is None or required is None or isinstance(observed, bool) or isinstance(required, bool):
        return False
    try:
        return Decimal(str(observed)) == Decimal(str(required))
    except (TypeError, ValueError, ArithmeticError):
        return False


def _undecided_on_purpose(line: Any) -> bool:
    """A line left undecided by ``unknown('fact')``: for a line that is never granted or never refused outright (the
    record cannot show the deciding fact), an undecided example stands for the side it cannot reach."""
    spec = line.benefit.spec if hasattr(line, "benefit") else line.subsidy.spec
    return line.eligible is None and "unknown(" in spec.eligible


def test_coverage(policy: CompiledPolicy) -> Coverage:
    """Run the embedded examples and record which of the policy's own rules and lines they show passing, failing,
    and (for thresholds) exactly at the boundary. Inherited items are the parent's to cover."""
    results = run_examples(policy)
    items: dict[str, dict[str, bool | None]] = {}
    for r in policy.rules:
        if r.origin.policy != policy.id:
            continue
        threshold = r.spec.op in (">=", "<=", ">", "<") and bool(r.spec.required or r.by_year)
        if (r.spec.check or "").strip().startswith("unknown("):  # a rule no record can decide: nothing to cover
            items[r.id] = {"pass": None, "fail": None, "boundary": None}
            continue
        items[r.id] = {"pass": False, "fail": False, "boundary": False if threshold else None}
    for s in policy.subsidies:
        if s.origin.policy == policy.id:
            items[s.id] = {"pass": False, "fail": False}
    for b in policy.benefits:
        if b.origin.policy == policy.id:  # an unconditional benefit cannot have an ineligible example
            unconditional = b.spec.eligible.strip() in ("true", "True")
            items[b.id] = {"pass": False, "fail": None if unconditional else False}
    for result in results:
        report = result.report
        if report is None:
            continue
        for f in report.findings:
            entry = items.get(f.rule)
            if entry is None:
                continue
            if f.outcome == "pass":
                entry["pass"] = True
            elif f.outcome == "fail":
                entry["fail"] = True
            if entry.get("boundary") is False and f.outcome in ("pass", "fail"):
                entry["boundary"] = _at_boundary(f.observed, f.required)
        lines_: list[Any] = [*report.subsidies, *report.benefits]
        for line in lines_:
            entry = items.get(line.id)
            if entry is None:
                continue
            if line.eligible is True:
                entry["pass"] = True
            elif line.eligible is False and entry.get("fail") is not None:
                entry["fail"] = True
            elif _undecided_on_purpose(line):  # the side the record cannot decide, shown as undecided
                entry["pass"] = True
                if entry.get("fail") is not None:
                    entry["fail"] = True
    return Coverage(policy.id, len(results), [r.name for r in results if not r.passed], items)
