"""How values read as text in messages and reports: numbers, booleans, lists and the Chinese labels of enum values."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .vocabulary import VALUE_LABELS_ZH


def format_value(value: Any, lang: str = "zh") -> str:
    """How a value appears in a message: integers plainly, decimals to at most four places, booleans in words."""
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, Decimal):
        return _decimal(value)
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(format_value(v, lang) for v in value) if value else "—"
    if lang == "zh" and isinstance(value, str):
        return label_zh(value)
    return str(value)


def label_zh(value: str) -> str:
    """The Chinese label of an enum value (托育中心 for 'center'), or the value itself when it has none."""
    return VALUE_LABELS_ZH.get(value, value)


def _decimal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    text = str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    return text.rstrip("0").rstrip(".") if "." in text else text
