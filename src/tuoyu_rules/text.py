"""How values read as text in messages and reports: numbers, booleans, lists and the Chinese labels of enum values."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .vocabulary import VALUE_LABELS_ZH, VALUE_LABELS_ZH_ANY_FIELD


def format_value(value: Any, lang: str = "zh", field: str | None = None) -> str:
    """How a value appears in a message: integers plainly, decimals to at most four places, booleans in words.

    ``field`` names the record field the value comes from, when known (a template placeholder ``{type}``): a Chinese
    label is then looked up by (field, value), else by the value alone.
    """
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, Decimal):
        return _decimal(value)
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(format_value(v, lang, field) for v in value) if value else "—"
    if lang == "zh" and isinstance(value, str):
        return label_zh(value, field)
    return str(value)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Characters that steer a terminal or reorder text: C0 and C1 controls, DEL, bidi marks, overrides and isolates,
and the Unicode line and paragraph separators."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` safe for a terminal or a spreadsheet cell: each control character becomes a visible escape.

    ESC, CR, newlines, other C0/C1 controls, bidi overrides and isolates read as ``\\x1b``, ``\\r``, ``\\n``,
    ``\\u202e`` …, so that a value from a ledger or a policy cannot move the cursor, forge a line or reorder what
    follows it; everything else is unchanged. Human-facing output (the table, ``validate``'s text, ``explain``,
    ``budget``, XLSX cells) goes through it; JSON keeps the characters exactly.
    """
    return _CONTROL.sub(_escape, text) if _CONTROL.search(text) else text


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def label_zh(value: str, field: str | None = None) -> str:
    """The Chinese label of an enum value (托育中心 for form 'center'), or the value itself when it has none."""
    if field is None:
        return VALUE_LABELS_ZH_ANY_FIELD.get(value, value)
    return VALUE_LABELS_ZH.get((field, value), value)


def _decimal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    text = str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    return text.rstrip("0").rstrip(".") if "." in text else text
