"""How values read as text in messages and reports: numbers, booleans, lists and the Chinese labels of enum values."""

from __future__ import annotations

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


def label_zh(value: str, field: str | None = None) -> str:
    """The Chinese label of an enum value (托育中心 for form 'center'), or the value itself when it has none."""
    if field is None:
        return VALUE_LABELS_ZH_ANY_FIELD.get(value, value)
    return VALUE_LABELS_ZH.get((field, value), value)


def shown_decimal(value: Decimal) -> Decimal:
    """A decimal as reports show it: four places, unless rounding to four places would carry it to a rounder number
    (4.49997 would read 4.5 beside a target of 4.5 it misses): then eight."""
    rounded = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if rounded != value and rounded == rounded.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP):
        return value.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
    return rounded


def _decimal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    text = str(shown_decimal(value))
    return text.rstrip("0").rstrip(".") if "." in text else text
