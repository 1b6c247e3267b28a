"""What the HTML page shows, gathered while reports stream past: table rows and institution cards (both capped),
the missing-data panel, violations by district, and each record's subsidies by period — in plain Chinese or English.

Reads report dicts only (CONTRACT.md §4); labels come from text.py and vocabulary.py (lower layers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..text import field_label, label_zh, subject_label
from ..vocabulary import ALL_FIELDS
from ._format import (
    STATUS_LABEL,
    UNREAD_NOTE,
    _aims_not_met,
    _amount_open,
    _amount_unknown,
    _name,
    _requirement_failures,
    _text,
    _unknown_findings,
    _yuan,
    error_place,
)

__all__ = ["CARD_LIMIT", "HTML_ROW_LIMIT", "PERIOD_WORD", "PageData"]

HTML_ROW_LIMIT = 2000
"""The HTML table lists at most this many records; the charts and the summary still count them all."""
CARD_LIMIT = 100
"""At most this many institution cards (records that failed or are incomplete); the table lists the rest."""
PERIOD_WORD = {
    "zh": {"month": "每月", "year": "每年", "once": "一次性"},
    "en": {"month": "monthly", "year": "yearly", "once": "one-off"},
}
_RULES_PER_FIELD = 12


class PageData:
    """Everything of the page but the summary counts (writers.Summary keeps those); bounded by the caps, the number
    of fields, rules, subsidies and districts, never by the number of records."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.rows: list[dict[str, Any]] = []
        self.rows_left_out = 0
        self.cards: list[dict[str, Any]] = []
        self.cards_left_out = 0
        self.missing: dict[str, list[Any]] = {}  # field label → [records, {rule title}]
        self.by_district: dict[str, int] = {}
        self.subsidy_unknown: dict[str, int] = {}
        self.warnings: dict[str, dict[str, Any]] = {}  # code → {"count": n, "message": first message}

    def add(self, item: dict[str, Any]) -> None:
        status = str(item.get("status", ""))
        if len(self.rows) < HTML_ROW_LIMIT:
            self.rows.append(self._row(item, status))
        else:
            self.rows_left_out += 1
        if status == "error":
            return
        self._count(item)
        if status in ("fail", "incomplete") or _aims_not_met(item):  # an aim not met is told, apart
            if len(self.cards) < CARD_LIMIT:
                self.cards.append(self._card(item, status))
            else:
                self.cards_left_out += 1

    def _count(self, item: dict[str, Any]) -> None:
        district = str((item.get("record") or {}).get("district") or "")
        violations = _requirement_failures(item)  # an aim not met is no violation
        if violations and district:
            self.by_district[district] = self.by_district.get(district, 0) + len(violations)
        seen: set[str] = set()
        for f in _unknown_findings(item):
            for path in f.get("missing") or ():
                label = self.missing_label(str(path))
                entry = self.missing.setdefault(label, [0, set()])
                if label not in seen:
                    entry[0] += 1
                    seen.add(label)
                if len(entry[1]) < _RULES_PER_FIELD:
                    entry[1].add(self._title(f))
        for s in item.get("subsidies") or ():
            if s.get("eligible") is None or s.get("status") == "unknown":
                self.subsidy_unknown[s["id"]] = self.subsidy_unknown.get(s["id"], 0) + 1
        for w in item.get("warnings") or ():
            own = w.get("field") is not None  # a record's own warning (its card shows it): counted under one line
            warning = self.warnings.setdefault(
                "record" if own else str(w.get("code")),
                {"count": 0, "message": UNREAD_NOTE[self.lang] if own else _text(w, "message", self.lang)},
            )
            warning["count"] += 1

    def missing_label(self, path: str) -> str:
        """A missing name as people read it: a record field by its Chinese name; anything else is a policy parameter
        without a value on the as-of date (a date before the policy's period), and is said to be so."""
        if path.split(".", 1)[0].split("[", 1)[0] in ALL_FIELDS:
            return field_label(path, self.lang)
        if self.lang == "en":
            return f"policy parameter {path} (no value on the as-of date)"
        return f"策略参数 {path}（核查日期无取值）"

    def _title(self, f: dict[str, Any]) -> str:
        return _text(f, "title", self.lang) or str(f.get("rule") or "")

    def _row(self, item: dict[str, Any], status: str) -> dict[str, Any]:
        record = item.get("record") or {}
        violations = _requirement_failures(item)
        unknown = list(_unknown_findings(item))
        return {
            "id": str(item.get("id") or (f"#{item.get('row')}" if status == "error" else "")),
            "name": _name(item),
            "district": str(record.get("district") or ""),
            "form": self.form(record.get("form")),
            "status": status,
            "status_label": STATUS_LABEL[self.lang].get(status, status),
            "violations": len(violations) if status != "error" else "",
            "unknown": len(unknown) if status != "error" else "",
            "subsidy": self.subsidy_text(item.get("subsidies") or ()) if status != "error" else "",
            "rules": ("、" if self.lang == "zh" else ", ").join(
                [*(self._title(v) for v in violations), *(f"◇ {self._title(v)}" for v in _aims_not_met(item))]
            ),
            "errors": [self._error(item, e) for e in item.get("errors") or ()],
        }

    def _error(self, item: dict[str, Any], e: dict[str, Any]) -> str:
        where = f"第 {item.get('row')} 行" if self.lang == "zh" else f"row {item.get('row')}"
        place = error_place(e)  # the cell the analyst opens: 机构!D4
        where += f" {place}" if place else ""
        field = f" {field_label(str(e['field']), self.lang)}" if e.get("field") else ""
        return f"{where}{field}: {_text(e, 'message', self.lang)}"

    def form(self, value: Any) -> str:
        if not value:
            return ""
        return label_zh(str(value), "form") if self.lang == "zh" else str(value).replace("_", " ")

    def _card(self, item: dict[str, Any], status: str) -> dict[str, Any]:
        record = item.get("record") or {}
        return {
            "id": str(item.get("id") or ""),
            "name": _name(item),
            "form": self.form(record.get("form")),
            "district": str(record.get("district") or ""),
            "status": status,
            "status_label": STATUS_LABEL[self.lang].get(status, status),
            "violations": [self._violation(v) for v in _requirement_failures(item)],
            "aims": [self._violation(v) for v in _aims_not_met(item)],  # 力争/鼓励: shown apart, never a violation
            "unknown": [
                {
                    "title": self._title(f),
                    "subject": self._subject(f),
                    "fields": [self.missing_label(str(m)) for m in f.get("missing") or ()],
                    "reason": ""
                    if f.get("missing")
                    else _text(f, "reason", self.lang) or _text(f, "message", self.lang),
                }
                for f in _unknown_findings(item)
            ],
            "subsidies": self.subsidy_lines(item.get("subsidies") or ()),
            "warnings": [_text(w, "message", self.lang) for w in item.get("warnings") or ()],
        }

    def _subject(self, f: dict[str, Any]) -> str:
        subject = f.get("subject")
        return subject_label(str(subject), self.lang) if subject else ""

    def _violation(self, v: dict[str, Any]) -> dict[str, Any]:
        message = _text(v, "message", self.lang)
        subject = v.get("subject")
        if subject and message.startswith(f"[{subject}]"):
            message = message[len(str(subject)) + 2 :].lstrip()  # the subject is shown in words beside it
        return {
            "title": self._title(v),
            "subject": self._subject(v),
            "message": message,
            "fix": _text(v, "fix", self.lang),
            "citation": citation_text(v.get("citation") or {}, self.lang),
        }

    def subsidy_text(self, lines: Any) -> str:
        """A record's subsidies, one total per period (a monthly amount is never added to a one-off one)."""
        low: dict[str, Decimal] = {}
        high: dict[str, Decimal] = {}
        opened = unknown = 0
        for s in lines:
            if _amount_unknown(s):  # eligibility undecided, or an amount the record cannot give: never 0.00
                unknown += 1
                continue
            if not s.get("eligible"):
                continue
            if _amount_open(s):
                opened += 1
                continue
            period = str(s.get("period") or "once")
            amount = s.get("amount")
            lo, hi = (amount, amount) if amount is not None else (s.get("amount_min"), s.get("amount_max"))
            low[period] = low.get(period, Decimal(0)) + Decimal(lo)
            high[period] = high.get(period, Decimal(0)) + Decimal(hi if hi is not None else lo)
        words = PERIOD_WORD[self.lang]
        parts = [f"{words.get(p, p)} {money_span(low[p], high[p])}" for p in ("month", "year", "once") if p in low]
        if opened:
            parts.append(f"{opened} 项金额未定" if self.lang == "zh" else f"{opened} amount open")
        if unknown:
            parts.append(f"{unknown} 项未知" if self.lang == "zh" else f"{unknown} unknown")
        return "；".join(parts) if self.lang == "zh" else "; ".join(parts)

    def subsidy_lines(self, lines: Any) -> list[str]:
        out = []
        words = PERIOD_WORD[self.lang]
        for s in lines:
            title = _text(s, "title", self.lang) or str(s.get("id"))
            period = words.get(str(s.get("period")), "")
            if s.get("eligible") is None or s.get("status") == "unknown":
                fields = "、".join(self.missing_label(str(m)) for m in dict.fromkeys(s.get("missing") or ()))
                out.append(
                    f"{title}：能否享受无法判断（缺少 {fields}）"
                    if self.lang == "zh"
                    else f"{title}: eligibility unknown (missing {fields})"
                )
            elif not s.get("eligible"):
                continue
            elif _amount_open(s):
                out.append(f"{title}：符合条件，金额未定" if self.lang == "zh" else f"{title}: eligible, amount open")
            elif _amount_unknown(s):
                out.append(
                    f"{title}：符合条件，金额未知" if self.lang == "zh" else f"{title}: eligible, amount unknown"
                )
            else:
                amount = s.get("amount")
                span = (
                    money_span(Decimal(amount), Decimal(amount))
                    if amount is not None
                    else money_span(Decimal(s["amount_min"]), Decimal(s.get("amount_max") or s["amount_min"]))
                )
                out.append(f"{title}：{period} {span} 元" if self.lang == "zh" else f"{title}: {period} {span} CNY")
        return out

    def missing_panel(self) -> list[dict[str, Any]]:
        ranked = sorted(self.missing.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return [{"field": label, "records": n, "rules": sorted(rules)} for label, (n, rules) in ranked]


def money_span(low: Decimal, high: Decimal) -> str:
    return _yuan(low) if low == high else f"{_yuan(low)}–{_yuan(high)}"


def citation_text(c: dict[str, Any], lang: str) -> str:
    """《document》number clause — the document's title, 文号 and clause, as an official cites them."""
    parts = []
    if c.get("document"):
        parts.append(f"《{c['document']}》" if lang == "zh" else str(c["document"]))
    if c.get("number"):
        parts.append(str(c["number"]))
    if c.get("clause"):
        parts.append(str(c["clause"]) if lang == "zh" else f"clause {c['clause']}")
    return " ".join(parts)
