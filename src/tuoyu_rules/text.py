"""How values read as text in messages and reports: numbers, booleans, lists and the Chinese labels of enum values."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from .vocabulary import HEADERS, VALUE_LABELS_ZH, VALUE_LABELS_ZH_ANY_FIELD

DECIMAL_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)
"""The decimal context of every evaluation and every report rendering (``decimal.localcontext`` of it), so that a
caller's thread-local context (``prec=6``, ``traps[Inexact]``) never changes an amount or a message."""


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


def shown_decimal(value: Decimal) -> Decimal:
    """A decimal as reports show it: four places, unless rounding to four places would carry it to a rounder number
    (4.49997 would read 4.5 beside a target of 4.5 it misses): then eight."""
    rounded = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if rounded != value and rounded == rounded.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP):
        return value.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
    return rounded


def json_number(value: Any) -> Any:
    """A finding's ``observed``/``required`` (or a trace value) as its JSON writes it: integers stay integers,
    decimals become numbers rounded as reports show them (:func:`shown_decimal`), lists item by item, anything else
    its text. Shared by ``Finding.to_dict()`` and the writers' row views, so the two cannot drift apart."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(shown_decimal(value))
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [json_number(v) for v in value]
    return str(value)


def _decimal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    text = str(shown_decimal(value))
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---- how record fields read for people (reports): 托位数 instead of total_slots --------------------------------------
FIELD_LABELS_ZH: dict[str, str] = {
    # fields without a ledger header of their own (nested ones, lists), and a few whose first header is too narrow
    "id": "编号",
    "name": "名称",
    "district": "区县",
    "classes": "班级",
    "classes.type": "班级类型",
    "classes.enrolled": "在托人数",
    "classes.caregivers": "保育人员数",
    "staff": "工作人员",
    "staff.role": "岗位",
    "staff.education": "学历",
    "staff.related_major": "是否相关专业",
    "staff.management_years": "管理工作年限",
    "staff.trained": "是否经过培训",
    "staff.certificates": "资格证书",
    "staff.banned": "是否有从业禁止情形",
    "surveillance": "监控报警系统",
    "construction": "建设项目",
    "subregions": "下级区域",
}
"""Chinese names of record fields that the ledger headers (vocabulary.HEADERS) do not name well; keyed by the field's
path without list indexes (``classes.caregivers``)."""

SUBJECT_LABELS: dict[str, tuple[str, str]] = {
    "classes": ("第 {n} 个班级", "class {n}"),
    "staff": ("第 {n} 名工作人员", "staff member {n}"),
    "subregions": ("第 {n} 个下级区域", "subregion {n}"),
}
"""How a finding's subject (``classes[0]``) reads: its list and its 1-based position."""

_FIRST_HEADER: dict[str, str] = {}
for _header, _field in HEADERS.items():
    _FIRST_HEADER.setdefault(_field, _header)
_INDEX = re.compile(r"\[\d+\]")


def field_label(path: str, lang: str = "zh") -> str:
    """A record field as people read it: ``classes[0].caregivers`` → 保育人员数 (English: ``classes caregivers``)."""
    bare = _INDEX.sub("", path)
    if lang == "en":
        return bare.replace(".", " ").replace("_", " ")
    return FIELD_LABELS_ZH.get(bare) or _FIRST_HEADER.get(bare) or bare


def subject_label(subject: str, lang: str = "zh") -> str:
    """A finding's subject as people read it: ``classes[0]`` → 第 1 个班级 (English: class 1)."""
    match = re.fullmatch(r"(\w+)\[(\d+)\]", subject)
    if match is None or match.group(1) not in SUBJECT_LABELS:
        return field_label(subject, lang)
    zh, en = SUBJECT_LABELS[match.group(1)]
    return (en if lang == "en" else zh).format(n=int(match.group(2)) + 1)


def json_default(value: Any) -> Any:
    """How reports and writers encode the values of records JSON has no type for: Decimal as its text, dates in ISO
    form, sets and tuples as lists (``json.dumps(..., default=json_default)``)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
