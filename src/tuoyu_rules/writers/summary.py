"""The summary (汇总) that every writer keeps while reports stream past: counts, subsidy totals, region targets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from ..text import DECIMAL_CONTEXT
from ._format import UNREAD_NOTE, _amount_open, _amount_unknown, _is_number, _money, _yuan
from .items import Item
from .provenance import PROVENANCE_LIMIT, provenance_key
from .rows import Keyed, ReportRow, report_row

__all__ = ["TARGET_LIMIT", "Summary"]

TARGET_LIMIT = 240
"""Region target findings kept for the HTML chart (the summary stays bounded however many regions stream past)."""


_CENT = Decimal("0.01")
_ZERO = Decimal(0)


def _as_written(value: Decimal) -> Decimal:
    """An amount as its JSON text (``f"{value:.2f}"``) reads back: two places, ROUND_HALF_UP, whatever the caller's
    context (the context's own method: no thread-local switch)."""
    try:
        return DECIMAL_CONTEXT.quantize(value, _CENT)
    except InvalidOperation:  # more digits than the context holds: through the text, as the JSON writes it
        with localcontext(DECIMAL_CONTEXT):
            return Decimal(f"{value:.2f}")


class Summary:
    """Counts and totals accumulated while reports stream past (汇总).

    Its size grows with the number of rules, subsidies, districts and policies, never with the number of records.
    """

    def __init__(self) -> None:
        self.rows = 0
        self.reports = 0
        self.passed = 0
        self.failed = 0
        self.incomplete = 0
        self.errors = 0
        self.violations_by_rule: dict[str, int] = {}
        self.unknown_by_rule: dict[str, int] = {}
        self.rule_titles: dict[str, tuple[str | None, str | None]] = {}
        self.subsidy_totals: dict[str, Decimal] = {}
        self.subsidy_min: dict[str, Decimal] = {}
        self.subsidy_max: dict[str, Decimal] = {}
        self.subsidy_eligible: dict[str, int] = {}
        self.subsidy_open: dict[str, int] = {}
        self.subsidy_unknown: dict[str, int] = {}  # lines whose amount is unknown (never summed as 0.00)
        self.aims_not_met: dict[str, int] = {}  # aims (力争, 鼓励 …) not met, by rule: never counted as violations
        self.notices: dict[str, tuple[str, str]] = {}  # report warnings (a plan that has ended …), once each
        self.subsidy_titles: dict[str, tuple[str | None, str | None]] = {}
        self.subsidy_periods: dict[str, str] = {}
        self.subsidy_by_district: dict[str, dict[str, Decimal]] = {}
        self.policies: dict[str, int] = {}
        self.as_of: set[str] = set()
        self.targets: list[dict[str, Any]] = []
        self.targets_left_out = 0
        self.provenances: dict[tuple[Any, ...], dict[str, Any]] = {}  # distinct report provenances, in order seen
        self._provenances_seen: set[tuple[Any, str]] = set()  # (a policy's Provenance, as-of) already counted

    def add(self, item: Item | ReportRow) -> None:
        """Count one report or error row: a dict, an object with a ``to_dict()`` (``Report``, ``ErrorReport``) or
        its row view."""
        self.add_row(report_row(item))

    def add_row(self, item: ReportRow, times: int = 1) -> None:
        """Count the row view of one report or error row (``times``: that many rows with these very verdicts, as the
        columnar engine counts a run of identical outcomes at once)."""
        self.rows += times
        if item.error is not None:
            self.errors += times
            return
        self._add_report(item, times)
        for v in item.violations:
            if v.get("severity") == "aim":
                self.aims_not_met[v["rule"]] = self.aims_not_met.get(v["rule"], 0) + times
            else:
                self._add_violation(v, times)
        self._add_warnings(item.warnings)
        for s in item.subsidies:
            self._add_subsidy(s, item.district, times)
        for f in item.unknown:
            self.unknown_by_rule[f["rule"]] = self.unknown_by_rule.get(f["rule"], 0) + times
        if item.kind == "region":
            for _ in range(times):
                self._add_targets(item)

    def add_report(self, report: Any) -> None:
        """Count one ``Report`` straight from its verdict state (``Report.tally()``): no finding or subsidy line is
        built and no message rendered, and the counts are those :meth:`add_row` gives for its row view. A region's
        report is counted from its row view (its targets are findings)."""
        if report.kind == "region":
            self.add_row(report_row(report))
            return
        failed, unknown, lines = report.tally()
        policy, as_of = report.policy, report.as_of.isoformat()
        self.rows += 1
        self._add_status(report.status, policy.id, as_of)
        if len(self.provenances) < PROVENANCE_LIMIT and policy.provenance is not None:
            self._add_provenance_of(policy.provenance, as_of)
        aims, violations = self.aims_not_met, self.violations_by_rule
        for rule in failed:
            rid = rule.id
            if rule.severity == "aim":
                aims[rid] = aims.get(rid, 0) + 1
                continue
            violations[rid] = violations.get(rid, 0) + 1
            if rid not in self.rule_titles and (rule.spec.title or rule.spec.title_en):
                self.rule_titles[rid] = (rule.spec.title, rule.spec.title_en)
        self._add_warnings(report.warnings)
        if lines:
            district = report.field("district")
            for subsidy, state in lines:
                self._add_line(subsidy, state, district)
        for rule in unknown:
            self.unknown_by_rule[rule.id] = self.unknown_by_rule.get(rule.id, 0) + 1

    def _add_provenance_of(self, provenance: Any, as_of: str) -> None:
        """Keep a policy's provenance on ``as_of``, made once per (policy, date) while few are seen."""
        key = (provenance, as_of)
        if key in self._provenances_seen:
            return
        p = provenance.to_dict(as_of)
        self.provenances.setdefault(provenance_key(p), p)
        if len(self._provenances_seen) < 4 * PROVENANCE_LIMIT:
            self._provenances_seen.add(key)

    def _add_line(self, subsidy: Any, state: tuple[Any, ...], district: Any) -> None:
        """Count a subsidy line from its state ``(eligible, amount, amount_min, amount_max, …, amount left open)``
        as :meth:`_add_subsidy` counts its JSON object (amounts as the JSON's two-place text reads back)."""
        eligible, amount, low, high, unspecified = state[0], state[1], state[2], state[3], state[6]
        spec, sid = subsidy.spec, subsidy.id
        if sid not in self.subsidy_titles:
            self.subsidy_titles[sid] = (spec.title, spec.title_en)
            if spec.period:
                self.subsidy_periods[sid] = spec.period
        opened = bool(eligible) and amount is None and bool(unspecified)
        if eligible:
            self.subsidy_eligible[sid] = self.subsidy_eligible.get(sid, 0) + 1
            if opened:
                self.subsidy_open[sid] = self.subsidy_open.get(sid, 0) + 1
        if eligible is None or (eligible and amount is None and low is None and not opened):
            self.subsidy_unknown[sid] = self.subsidy_unknown.get(sid, 0) + 1
        if amount is not None:
            amount = _as_written(amount)
            self.subsidy_totals[sid] = self.subsidy_totals.get(sid, _ZERO) + amount
            if district is not None and district != "":  # a district 0 is one
                by = self.subsidy_by_district.setdefault(sid, {})
                by[str(district)] = by.get(str(district), _ZERO) + amount
        if low is not None:
            self.subsidy_min[sid] = self.subsidy_min.get(sid, _ZERO) + _as_written(low)
        if high is not None:
            self.subsidy_max[sid] = self.subsidy_max.get(sid, _ZERO) + _as_written(high)

    def add_amounts(
        self, totals: dict[tuple[str, str], Decimal], by_district: dict[tuple[str, str], Decimal] | None = None
    ) -> None:
        """Add amounts summed elsewhere, keyed (subsidy id, ``amount``/``amount_min``/``amount_max``): the columnar
        engine counts a run of rows by outcome with their amounts as 0.00 and no district (:meth:`add_row`), then
        adds their sums, and ``by_district`` (subsidy id, district) the sums of their ``amount`` by district."""
        tables = {"amount": self.subsidy_totals, "amount_min": self.subsidy_min, "amount_max": self.subsidy_max}
        for (sid, key), total in totals.items():
            table = tables[key]
            table[sid] = table.get(sid, Decimal(0)) + total
        for (sid, district), total in (by_district or {}).items():
            by = self.subsidy_by_district.setdefault(sid, {})
            by[district] = by.get(district, Decimal(0)) + total

    def _add_warnings(self, warnings: list[dict[str, Any]]) -> None:
        for w in warnings:
            if w.get("field") is not None:  # a record's own warning: said once for all records (each report has it)
                self.notices.setdefault("record", (UNREAD_NOTE["zh"], UNREAD_NOTE["en"]))
            elif len(self.notices) < 10:
                self.notices.setdefault(str(w.get("message")), (str(w.get("message")), str(w.get("message_en"))))

    def _add_status(self, status: Any, policy: Any, as_of: Any, times: int = 1) -> None:
        self.reports += times
        if status == "pass":
            self.passed += times
        elif status == "fail":
            self.failed += times
        else:
            self.incomplete += times
        if policy:
            self.policies[policy] = self.policies.get(policy, 0) + times
        if as_of and len(self.as_of) < 10:
            self.as_of.add(str(as_of))

    def _add_report(self, item: ReportRow, times: int = 1) -> None:
        self._add_status(item.status, item.policy, item.as_of, times)
        if len(self.provenances) < PROVENANCE_LIMIT:
            provenance = item.provenance
            if provenance:
                self.provenances.setdefault(provenance_key(provenance), provenance)

    def _add_violation(self, v: Keyed, times: int = 1) -> None:
        rule = v["rule"]
        self.violations_by_rule[rule] = self.violations_by_rule.get(rule, 0) + times
        if rule not in self.rule_titles and (v.get("title") or v.get("title_en")):
            self.rule_titles[rule] = (v.get("title"), v.get("title_en"))

    def _add_subsidy(self, s: Keyed, district: Any, times: int = 1) -> None:
        sid = s["id"]
        if sid not in self.subsidy_titles:
            self.subsidy_titles[sid] = (s.get("title"), s.get("title_en"))
            if s.get("period"):
                self.subsidy_periods[sid] = s["period"]
        if s.get("eligible"):
            self.subsidy_eligible[sid] = self.subsidy_eligible.get(sid, 0) + times
            if _amount_open(s):
                self.subsidy_open[sid] = self.subsidy_open.get(sid, 0) + times
        if _amount_unknown(s):
            self.subsidy_unknown[sid] = self.subsidy_unknown.get(sid, 0) + times
        for table, key in (
            (self.subsidy_totals, "amount"),
            (self.subsidy_min, "amount_min"),
            (self.subsidy_max, "amount_max"),
        ):
            if s.get(key) is not None:
                table[sid] = table.get(sid, Decimal(0)) + Decimal(s[key]) * times
        if s.get("amount") is not None and district is not None and district != "":  # a district 0 is one
            by = self.subsidy_by_district.setdefault(sid, {})
            by[str(district)] = by.get(str(district), Decimal(0)) + Decimal(s["amount"]) * times

    def _add_targets(self, item: ReportRow) -> None:
        name, ident = item.name, item.id
        region = f"{name} {ident}" if name and ident and name != ident else str(name or ident or "")
        for f in item.findings():
            if f.get("subject") is not None or not _is_number(f.get("observed")) or not _is_number(f.get("required")):
                continue
            if len(self.targets) >= TARGET_LIMIT:
                self.targets_left_out += 1
                continue
            self.targets.append(
                {
                    "id": item.id,
                    "region": region,
                    "rule": f["rule"],
                    "title": f.get("title"),
                    "title_en": f.get("title_en"),
                    "year": f.get("year"),
                    "observed": f["observed"],
                    "required": f["required"],
                    "outcome": f.get("outcome"),
                }
            )

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data; money as decimal strings."""
        return {
            "rows": self.rows,
            "reports": self.reports,
            "passed": self.passed,
            "failed": self.failed,
            "incomplete": self.incomplete,
            "errors": self.errors,
            "violations_by_rule": dict(sorted(self.violations_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "unknown_by_rule": dict(sorted(self.unknown_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "subsidy_totals": {k: _money(v) for k, v in sorted(self.subsidy_totals.items())},
            "subsidy_min": {k: _money(v) for k, v in sorted(self.subsidy_min.items())},
            "subsidy_max": {k: _money(v) for k, v in sorted(self.subsidy_max.items())},
            "subsidy_eligible": dict(sorted(self.subsidy_eligible.items())),
            "subsidy_open": dict(sorted(self.subsidy_open.items())),
            "subsidy_unknown": dict(sorted(self.subsidy_unknown.items())),
            "aims_not_met": dict(sorted(self.aims_not_met.items())),
            "subsidy_by_district": {
                sid: {d: _money(v) for d, v in sorted(by.items())}
                for sid, by in sorted(self.subsidy_by_district.items())
            },
        }

    def rule_title(self, rule: str, lang: str = "zh") -> str:
        zh, en = self.rule_titles.get(rule, (None, None))
        return (en or zh or rule) if lang == "en" else (zh or rule)

    def subsidy_title(self, sid: str, lang: str = "zh") -> str:
        zh, en = self.subsidy_titles.get(sid, (None, None))
        return (en or sid) if lang == "en" else (zh or sid)

    def money_line(self, lang: str = "zh") -> str:
        """Subsidy totals in words: a fixed total, the range when some amounts are ranges, and open amounts."""
        en = lang == "en"
        parts = []
        for sid in sorted(
            set(self.subsidy_totals) | set(self.subsidy_min) | set(self.subsidy_open) | set(self.subsidy_unknown)
        ):
            total, low, high = self.subsidy_totals.get(sid), self.subsidy_min.get(sid), self.subsidy_max.get(sid)
            opened = self.subsidy_open.get(sid, 0)
            unknown = self.subsidy_unknown.get(sid, 0)
            if low is not None and high is not None and (low != high or total is None or total != low):
                amount: str | None = f"{_yuan(low)}–{_yuan(high)}"
            elif total is not None and (total or not (opened or unknown)):  # 0.00 only when nothing is unknown
                amount = _yuan(total)
            else:
                amount = None
            name = self.subsidy_title(sid, lang)
            text = (f"{name} total {amount} CNY" if en else f"{name}合计 {amount} 元") if amount else name
            if opened:
                if amount:
                    text += (
                        f" (and {opened} eligible, amount open)" if en else f"（另有 {opened} 条符合条件、金额未定）"
                    )
                else:
                    text += f": {opened} eligible, amount open" if en else f"：{opened} 条符合条件，金额未定"
            if unknown and (amount or opened):  # never counted as 0.00: said apart
                text += f" ({unknown} unknown, not counted)" if en else f"（另有 {unknown} 条金额未知，未计入）"
            elif unknown:
                text += f": {unknown} unknown" if en else f"：{unknown} 条金额未知"
            parts.append(text)
        return ("; " if en else "；").join(parts)

    def line(self, lang: str = "zh") -> str:
        """One line for the end of a table: counts, then subsidy totals."""
        money = self.money_line(lang)
        aims = sum(self.aims_not_met.values())
        if lang == "en":
            return (
                f"{self.rows} rows: {self.passed} passed, {self.failed} failed, {self.incomplete} incomplete, "
                f"{self.errors} errors"
                + (f"; {aims} aims not met (not violations)" if aims else "")
                + (f"; {money}" if money else "")
            )
        return (
            f"共 {self.rows} 条：通过 {self.passed}，不通过 {self.failed}，信息不全 {self.incomplete}，"
            f"错误 {self.errors}"
            + (f"；目标未达成 {aims} 项（不属违规）" if aims else "")
            + (f"；{money}" if money else "")
        )
