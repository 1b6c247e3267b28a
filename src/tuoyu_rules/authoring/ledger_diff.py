"""Ledger diff: what changes when one ledger is checked under two policies (``diff --records``, ``check --set``)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .common import money_range


@dataclass
class LedgerDiff:
    """What changes when one ledger is checked under two policies (or a policy and its what-if)."""

    records: int = 0
    status_changed: int = 0
    transitions: dict[str, int] = field(default_factory=dict)  # "pass→fail": n
    rule_flips: dict[str, dict[str, int]] = field(default_factory=dict)  # rule: {"pass→fail": n}
    violations_old: dict[str, int] = field(default_factory=dict)  # rule: records failing it
    violations_new: dict[str, int] = field(default_factory=dict)
    subsidy_old: Decimal = Decimal(0)  # exact amounts only, one period each (a month, a year, once)
    subsidy_new: Decimal = Decimal(0)
    by_subsidy: dict[str, list[Decimal]] = field(default_factory=dict)  # id: [old min, old max, new min, new max]
    errors: int = 0
    changed_ids: list[Any] = field(default_factory=list)  # the first ids that change status, for the reader

    def add(self, a: Any, b: Any) -> None:
        """Count one record's report under the old policy (``a``) and the new one (``b``)."""
        if a.status == "error" or b.status == "error":
            self.errors += 1
            return
        self.records += 1
        if a.status != b.status:
            self.status_changed += 1
            key = f"{a.status}→{b.status}"
            self.transitions[key] = self.transitions.get(key, 0) + 1
            if len(self.changed_ids) < 20:
                self.changed_ids.append(b.id)
        before = {f.rule for f in a.findings}
        after = {f.rule for f in b.findings}
        for rule in sorted(before | after):
            x, y = a.outcome(rule), b.outcome(rule)
            if x == "fail":
                self.violations_old[rule] = self.violations_old.get(rule, 0) + 1
            if y == "fail":
                self.violations_new[rule] = self.violations_new.get(rule, 0) + 1
            if x != y:
                flips = self.rule_flips.setdefault(rule, {})
                flips[f"{x}→{y}"] = flips.get(f"{x}→{y}", 0) + 1
        for report, offset in ((a, 0), (b, 2)):
            for line in report.subsidies:
                if not line.eligible:
                    continue
                totals = self.by_subsidy.setdefault(line.id, [Decimal(0)] * 4)
                if line.amount is not None:
                    totals[offset] += line.amount
                    totals[offset + 1] += line.amount
                    if offset == 0:
                        self.subsidy_old += line.amount
                    else:
                        self.subsidy_new += line.amount
                elif line.amount_min is not None and line.amount_max is not None:
                    totals[offset] += line.amount_min
                    totals[offset + 1] += line.amount_max

    def to_dict(self) -> dict[str, Any]:
        rules = sorted(set(self.violations_old) | set(self.violations_new) | set(self.rule_flips))
        return {
            "records": self.records,
            "status_changed": self.status_changed,
            "transitions": self.transitions,
            "changed_ids": self.changed_ids,
            "rule_flips": self.rule_flips,
            "violations": {
                r: {"old": self.violations_old.get(r, 0), "new": self.violations_new.get(r, 0)}
                for r in rules
                if self.violations_old.get(r, 0) != self.violations_new.get(r, 0)
            },
            "subsidy_old": f"{self.subsidy_old:.2f}",
            "subsidy_new": f"{self.subsidy_new:.2f}",
            "subsidy_change": f"{self.subsidy_new - self.subsidy_old:.2f}",
            "by_subsidy": {
                sid: {
                    "old_min": f"{t[0]:.2f}",
                    "old_max": f"{t[1]:.2f}",
                    "new_min": f"{t[2]:.2f}",
                    "new_max": f"{t[3]:.2f}",
                }
                for sid, t in sorted(self.by_subsidy.items())
            },
            "errors": self.errors,
        }

    def lines(self, lang: str = "zh") -> list[str]:
        """The comparison in words (the CLI prints it)."""
        zh = lang != "en"
        out = [
            (
                f"记录 {self.records} 条，结果改变 {self.status_changed} 条"
                if zh
                else f"{self.records} records, {self.status_changed} change status"
            )
            + (
                ("：" if zh else ": ") + ", ".join(f"{k} ×{v}" for k, v in sorted(self.transitions.items()))
                if self.transitions
                else ""
            )
            + ((f"（错误行 {self.errors} 条）" if zh else f" ({self.errors} error rows)") if self.errors else "")
        ]
        if self.changed_ids:
            out.append(
                f"  {'结果改变的记录' if zh else 'records changing status'}: "
                + ", ".join(map(str, self.changed_ids))
                + (" …" if self.status_changed > len(self.changed_ids) else "")
            )
        for rule, flips in sorted(self.rule_flips.items()):
            old_n, new_n = self.violations_old.get(rule, 0), self.violations_new.get(rule, 0)
            count = f"  ({'不通过' if zh else 'failing'} {old_n} → {new_n})" if old_n != new_n else ""
            out.append(f"  {rule}: " + ", ".join(f"{k} ×{v}" for k, v in sorted(flips.items())) + count)
        for sid, (a_lo, a_hi, b_lo, b_hi) in sorted(self.by_subsidy.items()):
            if (a_lo, a_hi) != (b_lo, b_hi):
                out.append(
                    f"  {sid}: {money_range(a_lo, a_hi)} → {money_range(b_lo, b_hi)} {'元' if zh else 'CNY'}"
                    + (f"  (Δ {b_lo - a_lo:+,.2f})" if a_lo == a_hi and b_lo == b_hi else "")
                )
        change = self.subsidy_new - self.subsidy_old
        out.append(
            f"补贴合计（确定金额，每期）{self.subsidy_old:,.2f} → {self.subsidy_new:,.2f} 元（变化 {change:+,.2f}）"
            if zh
            else f"subsidy total (exact amounts, one period each) {self.subsidy_old:,.2f} → {self.subsidy_new:,.2f} CNY"
            f" (change {change:+,.2f})"
        )
        return out


def diff_ledger(old: Any, new: Any, rows: Iterable[Any], as_of: datetime.date) -> LedgerDiff:
    """Re-run a ledger under two policies (``Policy`` objects) in one pass over its rows, and count what changes."""
    out = LedgerDiff()
    first, second = itertools.tee(rows)
    for a, b in zip(old.evaluate_many(first, as_of=as_of), new.evaluate_many(second, as_of=as_of), strict=True):
        out.add(a, b)
    return out
