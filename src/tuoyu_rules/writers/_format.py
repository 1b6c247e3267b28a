"""Cell, number and width helpers shared by every writer: money, display width, names and texts in two languages.

Writers read report dicts (CONTRACT.md §4) or row views (:mod:`.rows`) that answer the same keys; these helpers know
the dicts' keys and nothing else of the package.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..text import json_default

if TYPE_CHECKING:
    from .rows import Keyed, ReportRow

STATUSES = ("pass", "fail", "incomplete", "error")
STATUS_LABEL = {
    "zh": {"pass": "通过", "fail": "不通过", "incomplete": "信息不全", "error": "错误"},
    "en": {"pass": "pass", "fail": "fail", "incomplete": "incomplete", "error": "error"},
}
STATUS_MARK = {"pass": "✓", "fail": "✗", "incomplete": "?", "error": "!"}
PERIOD_UNIT = {
    "zh": {"month": "元/月", "year": "元/年", "once": "元，一次性"},
    "en": {"month": "CNY/month", "year": "CNY/year", "once": "CNY, one-off"},
}


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


_json_default = json_default  # the writers' name for it


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    if isinstance(value, str):
        try:
            Decimal(value)
        except ArithmeticError:
            return False
        return True
    return False


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _num(value: Any) -> str:
    """A number for people: thousands separated, at most four decimals, no trailing zeros."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return f"{d:,.0f}"
    return f"{d:,.4f}".rstrip("0").rstrip(".")


def _width(text: str) -> int:
    """Terminal columns: East-Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _clip(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` columns, marking the cut with an ellipsis."""
    if _width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _name(item: dict[str, Any]) -> str:
    return str(item.get("name") or (item.get("record") or {}).get("name") or "")


def _text(obj: Mapping[str, Any], key: str, lang: str) -> str:
    """``obj[key]`` in the language asked for, falling back to Chinese."""
    value = obj.get(f"{key}_en") if lang == "en" else None
    return str(value or obj.get(key) or "")


def _unknown_findings(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (f for f in item.get("findings") or () if f.get("outcome") == "unknown")


def _missing(f: Mapping[str, Any], lang: str) -> str:
    fields = ("、" if lang == "zh" else ", ").join(str(m) for m in f.get("missing") or ())
    if fields:
        return f"缺少 {fields}" if lang == "zh" else f"missing {fields}"
    return str(f.get("reason") or _text(f, "message", lang) or ("信息不全" if lang == "zh" else "unknown"))


def _requirement_failures(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The violations of requirements: failed findings that are not aims."""
    return [v for v in item.get("violations") or () if v.get("severity") != "aim"]


def _aims_not_met(item: dict[str, Any]) -> list[dict[str, Any]]:
    """Aims (力争, 鼓励 …) not met: shown apart, never as violations of a requirement."""
    return [v for v in item.get("violations") or () if v.get("severity") == "aim"]


AIM_LABEL = {"zh": "目标未达成（力争/鼓励类，不属违规）", "en": "aim not met (not a violation)"}


def _amount_open(s: Mapping[str, Any]) -> bool:
    """An eligible subsidy line whose amount the document leaves open (``amount_open``), not one the record
    could not compute."""
    return bool(s.get("eligible")) and s.get("amount") is None and s.get("amount_open") is True


def _amount_unknown(s: Mapping[str, Any]) -> bool:
    """A subsidy line whose amount is unknown: eligibility undecided, or an amount the record cannot compute.
    Never printed or summed as 0.00."""
    if s.get("eligible") is None:
        return True
    return bool(s.get("eligible")) and s.get("amount") is None and s.get("amount_min") is None and not _amount_open(s)


def _subsidy_total(subsidies: Sequence[Keyed], lang: str) -> str:
    """Fixed amounts summed, then the ranged ones: ``4,600.00 (+4,000.00–6,000.00)``, and whether some are open."""
    amounts = [Decimal(s["amount"]) for s in subsidies if s.get("amount") is not None]
    ranged = [
        (Decimal(s["amount_min"]), Decimal(s.get("amount_max") or s["amount_min"]))
        for s in subsidies
        if s.get("amount") is None and s.get("amount_min") is not None
    ]
    text = _yuan(sum(amounts, Decimal(0))) if amounts else "—"
    low = sum((lo for lo, _ in ranged), Decimal(0))
    high = sum((hi for _, hi in ranged), Decimal(0))
    if high > 0:
        text += f" (+{_yuan(low)})" if low == high else f" (+{_yuan(low)}–{_yuan(high)})"
    if any(_amount_open(s) for s in subsidies):
        text += " (+amount open)" if lang == "en" else "（另有金额未定）"
    unknown = sum(1 for s in subsidies if _amount_unknown(s))
    if unknown:
        text += f" (+{unknown} unknown)" if lang == "en" else f"（另有 {unknown} 项金额未知）"
    return text


def _error_text(item: dict[str, Any], e: dict[str, Any], lang: str) -> str:
    where = f"第 {item.get('row')} 行" if lang == "zh" else f"row {item.get('row')}"
    place = error_place(e)
    field = f" {e['field']}" if e.get("field") else ""
    return f"{where}{f' {place}' if place else ''}{field}: {_text(e, 'message', lang)}"


UNREAD_NOTE = {
    "zh": "本策略不读取的字段中有填错的值（未采用，记录照常核查；见各记录的警告）",
    "en": "bad values in fields this policy does not read (not used; the records were checked: see their warnings)",
}
"""What a summary says once about record warnings (a bad value in a field no rule reads), instead of each one."""


def record_warnings(warnings: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The warnings of a report about its own record (a refused value no rule reads), which name a field."""
    return [w for w in warnings or () if w.get("field") is not None]


def error_place(e: dict[str, Any]) -> str:
    """Where an error (or a record warning) is in its ledger as Excel names it: ``机构!D4``, ``D4``, or ""."""
    cell = str(e.get("cell") or "")
    return f"{e['sheet']}!{cell}" if cell and e.get("sheet") else cell


FINDING_COLUMNS = (
    "id",
    "kind",
    "record_status",
    "rule",
    "outcome",
    "severity",
    "subject",
    "year",
    "observed",
    "required",
    "missing",
    "message",
)
"""The columns of the long form (``--findings``): one row per finding, one per error of an error row."""


def finding_rows(item: ReportRow, lang: str) -> Iterator[dict[str, Any]]:
    """The long form of one report or error row: a row per finding (observed and required as text, one type a
    column), or a row per error (``outcome`` ``error``, ``rule`` the error code)."""
    if item.error is not None:
        yield from _error_finding_rows(item.error, lang)
        return
    base = {"id": None if item.id is None else str(item.id), "kind": item.kind, "record_status": item.status}
    for f in item.findings():
        yield {
            **base,
            "rule": f.get("rule"),
            "outcome": f.get("outcome"),
            "severity": f.get("severity"),
            "subject": f.get("subject"),
            "year": f.get("year"),
            "observed": _cell_text(f.get("observed")),
            "required": _cell_text(f.get("required")),
            "missing": [str(m) for m in f.get("missing") or ()],
            "message": _text(f, "message", lang),
        }


def _error_finding_rows(item: dict[str, Any], lang: str) -> Iterator[dict[str, Any]]:
    """The long form of an error row: a row per error."""
    base = {
        "id": None if item.get("id") is None else str(item["id"]),
        "kind": item.get("kind"),
        "record_status": item.get("status"),
    }
    for e in item.get("errors") or ():
        yield {
            **base,
            "rule": e.get("code"),
            "outcome": "error",
            "severity": "error",
            "subject": e.get("field"),
            "year": None,
            "observed": _cell_text(e.get("value")),
            "required": None,
            "missing": [],
            "message": _error_text(item, e, lang),
        }


def _cell_text(value: Any) -> str | None:
    """A value of any type as one text column: numbers exactly as the report writes them, booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
