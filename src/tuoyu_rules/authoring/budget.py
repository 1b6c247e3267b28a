"""``budget``: each subsidy totalled over a ledger for a number of months, by district and form, against the
budget the policy states (and a what-if beside it)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..compiler import CompiledPolicy
from ..text import label_zh
from .common import money_range

_CENT = Decimal("0.01")


@dataclass
class Span:
    """A money total that may be a range (a policy that gives 400–600 yuan a slot): ``low`` and ``high``."""

    low: Decimal = Decimal(0)
    high: Decimal = Decimal(0)

    def add(self, low: Decimal, high: Decimal) -> None:
        self.low += low
        self.high += high

    @property
    def exact(self) -> Decimal | None:
        return self.low if self.low == self.high else None

    def to_dict(self) -> dict[str, str | None]:
        exact = self.exact
        return {
            "total": f"{exact:.2f}" if exact is not None else None,
            "min": f"{self.low:.2f}",
            "max": f"{self.high:.2f}",
        }

    def text(self) -> str:
        return money_range(self.low, self.high)


@dataclass
class SubsidyTotal:
    """One subsidy over a ledger: how many records are eligible and what they cost over the period."""

    id: str
    title: str
    period: str
    factor: Decimal
    eligible: int = 0
    amount_open: int = 0  # eligible, but the document leaves the amount open
    undetermined: int = 0  # eligibility unknown: a field it reads is missing
    amount_unknown: int = 0  # eligible, but the record cannot give the amount (never counted as 0.00)
    money: Span = field(default_factory=Span)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "period": self.period,
            "factor": str(self.factor),
            "eligible": self.eligible,
            "eligible_amount_open": self.amount_open,
            "undetermined": self.undetermined,
            "amount_unknown": self.amount_unknown,
            **self.money.to_dict(),
        }


@dataclass
class Budget:
    """Each subsidy totalled over a ledger for ``months`` months, by district and form, against the stated budget."""

    policy: str
    months: int
    subsidies: dict[str, SubsidyTotal] = field(default_factory=dict)
    by_district: dict[str, Span] = field(default_factory=dict)
    by_form: dict[str, Span] = field(default_factory=dict)
    records: int = 0
    errors: int = 0
    stated: Decimal | None = None  # the budget the policy states, per ``stated_period``
    stated_period: str | None = None
    budget_parameter: str | None = None
    note: tuple[str, str] | None = None  # what the document says beyond the figure (不足部分据实追加)
    ended: datetime.date | None = None  # the plan's end, when the as_of date is after it

    @property
    def money(self) -> Span:
        out = Span()
        for s in self.subsidies.values():
            out.add(s.money.low, s.money.high)
        return out

    @property
    def total(self) -> Decimal:
        """The exact total (the low end when some amount is a range)."""
        return self.money.low

    @property
    def available(self) -> Decimal | None:
        """The stated budget for the same ``months``: a yearly budget × months/12, a monthly one × months."""
        if self.stated is None:
            return None
        factor = {
            "year": Decimal(self.months) / 12,
            "month": Decimal(self.months),
            "once": Decimal(1),
            "unspecified": Decimal(1),
        }
        return (self.stated * factor[self.stated_period or "year"]).quantize(_CENT)

    def to_dict(self) -> dict[str, Any]:
        money = self.money
        out: dict[str, Any] = {
            "policy": self.policy,
            "months": self.months,
            "records": self.records,
            "errors": self.errors,
            "total": f"{money.exact:.2f}" if money.exact is not None else None,
            "total_min": f"{money.low:.2f}",
            "total_max": f"{money.high:.2f}",
            "subsidies": {sid: s.to_dict() for sid, s in sorted(self.subsidies.items())},
            "by_subsidy": {
                sid: f"{s.money.exact:.2f}" for sid, s in sorted(self.subsidies.items()) if s.money.exact is not None
            },
            "by_subsidy_min": {sid: f"{s.money.low:.2f}" for sid, s in sorted(self.subsidies.items())},
            "by_subsidy_max": {sid: f"{s.money.high:.2f}" for sid, s in sorted(self.subsidies.items())},
            "eligible": {sid: s.eligible for sid, s in sorted(self.subsidies.items())},
            "eligible_amount_open": {sid: s.amount_open for sid, s in sorted(self.subsidies.items()) if s.amount_open},
            "by_district": {k: v.to_dict() for k, v in sorted(self.by_district.items())},
            "by_form": {k: v.to_dict() for k, v in sorted(self.by_form.items())},
        }
        if self.ended is not None:
            out["plan_ended"] = self.ended.isoformat()
        if self.note is not None:
            out["budget_note"], out["budget_note_en"] = self.note
        available = self.available
        if available is not None:
            out["budget"] = f"{self.stated:.2f}"
            out["budget_period"] = self.stated_period
            out["budget_parameter"] = self.budget_parameter
            out["budget_for_months"] = f"{available:.2f}"
            out["remaining"] = f"{available - money.low:.2f}" if money.exact is not None else None
            out["remaining_min"] = f"{available - money.high:.2f}"
            out["remaining_max"] = f"{available - money.low:.2f}"
            out["overspent"] = available < money.high if money.exact is None else available < money.low
        return out


def _new_budget(compiled: CompiledPolicy, as_of: datetime.date, months: int) -> Budget:
    out = Budget(compiled.id, months)
    if compiled.model.budget is not None:
        out.budget_parameter = compiled.model.budget.parameter
        stated = compiled.params_at(as_of).point.get(compiled.model.budget.parameter)
        out.stated = Decimal(stated) if stated is not None else None
        out.stated_period = compiled.model.budget.period
        if compiled.model.budget.note is not None:
            out.note = (compiled.model.budget.note.zh, compiled.model.budget.note.en or compiled.model.budget.note.zh)
    until = compiled.model.in_force.until
    if until is not None and as_of > until:
        out.ended = until
    # a subsidy whose period the document leaves open is counted once (its amount is open as well)
    factor = {"month": Decimal(months), "year": Decimal(months) / 12, "once": Decimal(1), "unspecified": Decimal(1)}
    for s in compiled.subsidies:
        out.subsidies[s.id] = SubsidyTotal(s.id, s.spec.title or s.id, s.spec.period, factor[s.spec.period])
    return out


def _count(out: Budget, report: Any) -> None:
    if report.status == "error":
        out.errors += 1
        return
    out.records += 1
    district = str(report.record.get("district") or "—")
    form = str(report.record.get("form") or "—")
    for line in report.subsidies:
        total = out.subsidies[line.id]
        if line.eligible is None:
            total.undetermined += 1
        if not line.eligible:
            continue
        total.eligible += 1
        if line.amount is not None:
            low = high = (line.amount * total.factor).quantize(_CENT)
        elif line.amount_min is not None and line.amount_max is not None:
            low = (line.amount_min * total.factor).quantize(_CENT)
            high = (line.amount_max * total.factor).quantize(_CENT)
        elif line.unspecified:
            total.amount_open += 1
            continue
        else:
            total.amount_unknown += 1
            continue
        total.money.add(low, high)
        out.by_district.setdefault(district, Span()).add(low, high)
        out.by_form.setdefault(form, Span()).add(low, high)


def budget(policy: Any, rows: Iterable[Any], as_of: datetime.date, months: int = 12) -> Budget:
    """Each subsidy totalled over a ledger (a ``Policy`` and rows) for ``months`` months.

    A monthly subsidy counts ``months`` times, a yearly one ``months/12`` of a year, a one-off one once. Exact
    decimals throughout; each record's amount for the period is rounded to the fen before it is added. Records are
    broken down by their ``district`` and ``form`` fields ("—" when a record has none).
    """
    return budgets([policy], rows, as_of, months)[0]


def budgets(policies: list[Any], rows: Iterable[Any], as_of: datetime.date, months: int = 12) -> list[Budget]:
    """:func:`budget` for several policies (as written, what-if …) in one pass over the rows."""
    out = [_new_budget(p.compiled, as_of, months) for p in policies]
    streams = itertools.tee(rows, len(policies))
    reports = [p.evaluate_many(stream, as_of=as_of) for p, stream in zip(policies, streams, strict=True)]
    for row_reports in zip(*reports, strict=True):
        for total, report in zip(out, row_reports, strict=True):
            _count(total, report)
    return out


def _pair(a: Span, b: Span | None, zh: bool) -> str:
    """A total as text; with a what-if, both totals and the difference."""
    yuan = "元" if zh else "CNY"
    if b is None:
        return f"{a.text()} {yuan}"
    delta = (
        f"{b.low - a.low:+,.2f}"
        if a.exact is not None and b.exact is not None
        else (f"{b.low - a.low:+,.2f} / {b.high - a.high:+,.2f}")
    )
    return f"{'原策略' if zh else 'as written'} {a.text()}  |  what-if {b.text()}  |  Δ {delta} {yuan}"


def _head_line(written: Budget, zh: bool) -> str:
    months = written.months
    if zh:
        return (
            f"{written.policy}：{months} 个月（月度补贴 ×{months}，年度补贴 ×{months}/12，一次性补贴 ×1），"
            f"记录 {written.records} 条，错误行 {written.errors} 条"
        )
    return (
        f"{written.policy}: {months} months (monthly × {months}, yearly × {months}/12, "
        f"one-off × 1), {written.records} records, {written.errors} error rows"
    )


def _subsidy_line(s: SubsidyTotal, other: SubsidyTotal | None, zh: bool) -> str:
    """One subsidy: how many are eligible (and undetermined), and its money, or that the document leaves it open."""
    head = f"  {s.title} ({s.id}, {s.period})：" if zh else f"  {s.title} ({s.id}, {s.period}): "
    count = f"{s.eligible} 家符合条件" if zh else f"{s.eligible} eligible"
    if s.undetermined:
        count += f"，{s.undetermined} 家资格待定" if zh else f", {s.undetermined} undetermined"
    if s.amount_unknown:
        count += (
            f"，{s.amount_unknown} 家金额未知（记录缺数据，未计入）"
            if zh
            else f", {s.amount_unknown} with the amount unknown (missing data, not counted)"
        )
    priced = s.eligible - s.amount_open
    other_priced = other.eligible - other.amount_open if other else 0
    if s.amount_open and not priced and not other_priced:
        money = "金额文件未定" if zh else "amount left open by the document"
    elif not priced and not other_priced and (s.undetermined or s.amount_unknown):  # nothing known: no 0.00
        money = "金额无法计算（未计入合计）" if zh else "no amount can be counted (not in the total)"
    else:
        money = _pair(s.money, other.money if other else None, zh)
        if s.money.low != s.money.high:
            money += "（区间）" if zh else " (range)"
        if s.amount_open:
            money += (
                f"；其中 {s.amount_open} 家金额文件未定"
                if zh
                else f"; {s.amount_open} of them with the amount left open"
            )
    return f"{head}{count}，{money}" if zh else f"{head}{count}, {money}"


def _stated_budget_lines(written: Budget, what_if: Budget | None, zh: bool) -> list[str]:
    """The budget the policy states, for the same months, and what remains of it (or is overspent) on each side."""
    available = written.available
    if available is None:
        return []
    yuan = "元" if zh else "CNY"
    per = {"year": "年" if zh else "year", "month": "月" if zh else "month", "once": "一次" if zh else "once"}
    period = per.get(written.stated_period or "year", "")
    out = [
        f"  预算（{written.budget_parameter}）：{written.stated:,.2f} 元/{period}，{written.months} 个月为 {available:,.2f} 元"
        if zh
        else f"  budget ({written.budget_parameter}): {written.stated:,.2f} CNY/{period}, "
        f"{available:,.2f} CNY for {written.months} months"
    ]
    if what_if is not None and what_if.available is not None and what_if.available != available:
        out.append(  # `--set` of the budget parameter: the what-if is measured against its own budget
            f"    what-if 预算：{what_if.stated:,.2f} 元/{period}，{written.months} 个月为 {what_if.available:,.2f} 元"
            if zh
            else f"    what-if budget: {what_if.stated:,.2f} CNY/{period}, {what_if.available:,.2f} CNY"
        )
    for label, side in (("原策略" if zh else "as written", written), ("what-if", what_if)):
        if side is None:
            continue
        mine = side.available if side.available is not None else available
        left = Span(mine - side.money.high, mine - side.money.low)
        word = ("结余" if zh else "remaining") + f" {left.text()}"
        if left.high < 0:  # the word says overspent: the amount is shown without a sign
            word = ("超支" if zh else "overspent") + f" {Span(-left.high, -left.low).text()}"
        elif left.low < 0:
            word = (
                "结余或超支（结余为正）" if zh else "remaining or overspent (remaining positive)"
            ) + f" {left.text()}"
        out.append(f"    {label}：{word} {yuan}" if zh else f"    {label}: {word} {yuan}")
    pending = sum(s.undetermined + s.amount_unknown + s.amount_open for s in written.subsidies.values())
    if pending:  # the balance counts only what is known: say how many lines it leaves out
        out.append(
            f"    结余未计入 {pending} 条资格待定、金额未知或金额未定的补贴"
            if zh
            else f"    the balance leaves out {pending} subsidy lines whose eligibility or amount is not known"
        )
    if written.note is not None:
        out.append(f"    {written.note[0] if zh else written.note[1]}")
    return out


def _breakdown_lines(written: Budget, what_if: Budget | None, zh: bool) -> list[str]:
    """The totals by district and by form."""
    out = []
    tables = (
        (
            "按区县或街道（记录的 district 字段）" if zh else "by district or street (the records' district field)",
            written.by_district,
            what_if.by_district if what_if else None,
            str,
        ),
        (
            "按机构类型" if zh else "by form",
            written.by_form,
            what_if.by_form if what_if else None,
            (lambda form: label_zh(form, "form")) if zh else str,
        ),
    )
    for title, table, other_table, label in tables:
        if not table:
            continue
        out.append(f"  {title}：" if zh else f"  {title}:")
        for key in sorted(set(table) | set(other_table or {})):
            here = table.get(key, Span())
            there = other_table.get(key, Span()) if other_table is not None else None
            out.append(f"    {label(key)}  {_pair(here, there, zh)}")
    return out


def budget_lines(written: Budget, what_if: Budget | None = None, lang: str = "zh") -> list[str]:
    """The budget as text: one line per subsidy, the total, the stated budget, and the breakdowns; with a what-if,
    both columns and the difference."""
    zh = lang != "en"
    out = [_head_line(written, zh)]
    if written.ended is not None:
        out.insert(
            0,
            f"⚠ 本策略所依据的文件已于 {written.ended} 到期：以下是按到期前规定的测算，不是现行补贴的承诺"
            if zh
            else f"⚠ the plan behind this policy ended on {written.ended}: this projects its subsidies as they stood; "
            "it is not a promise of subsidies in force",
        )
    for sid, s in written.subsidies.items():
        out.append(_subsidy_line(s, what_if.subsidies.get(sid) if what_if else None, zh))
    out.append(("  合计：" if zh else "  total: ") + _pair(written.money, what_if.money if what_if else None, zh))
    out.extend(_stated_budget_lines(written, what_if, zh))
    out.extend(_breakdown_lines(written, what_if, zh))
    return out
