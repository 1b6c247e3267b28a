"""Field converters of ledger cells: one protocol, one way to fail.

A converter is called as ``convert(checker, prefix, key, value, depth)`` and returns the field's evaluation value,
or records one problem on the :class:`_Checker` (``checker.bad(field, code, zh, en, value)``, which carries the
row, the field and the file) and returns None. Each converter tries the plain case first (an int, plain ASCII
digits, an exact yes/no spelling) and falls back to the general reading of Chinese spellings, units and bounds.
:data:`TABLES` holds one converter per field of each record kind, built once at import.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import Location, Problem
from ..vocabulary import (
    CERTIFICATE_FIELD,
    CERTIFICATES,
    ENUM_VALUES,
    ENUMS,
    FALSE,
    FIELD_YES_NO,
    HEADERS,
    INSTITUTION_FIELDS,
    KINDS,
    TRUE,
    UNITS,
    unit_kind,
)
from .limits import (
    MAX_COUNT,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_INT_BITS,
    MAX_LIST,
    MAX_MEASURE,
    MAX_NUMBER_TEXT,
    MAX_TEXT,
    LongNumber,
    clean_text,
)

if TYPE_CHECKING:
    from .readers.columns import ColumnTable


class Converter(Protocol):
    """Converts one field's value, or records a problem on the checker and returns None."""

    def __call__(self, ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any: ...


class _Checker:
    """Collects the problems of one record while its fields are converted; with the row's column table, each
    problem names the sheet, the cell and the header as the user wrote it."""

    __slots__ = ("columns", "data", "excel_row", "problems", "row", "source")

    def __init__(
        self,
        row: int | None,
        source: str | None,
        columns: ColumnTable | None = None,
        excel_row: int | None = None,
        data: Any = None,
    ):
        self.problems: list[Problem] = []
        self.row, self.source = row, source
        self.columns, self.excel_row, self.data = columns, excel_row, data

    def bad(self, field: str, code: str, zh: str, en: str, value: Any) -> None:
        shown = value if isinstance(value, (str, int, bool)) or value is None else str(value)
        if isinstance(shown, str) and len(shown) > 100:
            shown = shown[:100] + "…"
        if self.columns is None:
            location = Location(row=self.row, field=field, file=self.source)
        else:
            location = self.columns.location(field, self.row, self.source, self.excel_row, self.data)
        if location.header:  # the column as the analyst sees it: 性质（C7）, and the field id in English
            message, message_en = (
                f"{location.header}（{location.cell}）：{zh}",
                f"{location.header} ({field}, {location.cell}): {en}",
            )
        else:
            message, message_en = f"{field}：{zh}", f"{field}: {en}"
        self.problems.append(Problem(code, message, message_en, location, value=shown))

    def fields(
        self, data: Mapping[str, Any], table: Mapping[str, Converter], prefix: str, depth: int
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            if value is None or (type(value) is str and not value.strip()):
                continue
            convert = table.get(key)
            if convert is None:
                out[str(key)] = self.extra(f"{prefix}{key}", value, depth + 1)
                continue
            converted = convert(self, prefix, key, value, depth + 1)
            if converted is not None:
                out[key] = converted
        return out

    def extra(self, name: str, value: Any, depth: int) -> Any:
        """Unknown fields are kept (rules never read them), but bounded and float-free."""
        if depth > MAX_DEPTH:
            self.bad(name, "record.too-deep", f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels", "…")
            return None
        if isinstance(value, float):
            return Decimal(repr(value)) if math.isfinite(value) else str(value)
        if isinstance(value, (int, Decimal, LongNumber)) and not isinstance(value, bool):
            return self._extra_number(name, value)
        if isinstance(value, dict):
            return {str(k): self.extra(f"{name}.{k}", v, depth + 1) for k, v in list(value.items())[:MAX_LIST]}
        if isinstance(value, list):
            return [self.extra(f"{name}[{i}]", v, depth + 1) for i, v in enumerate(value[:MAX_LIST])]
        return value

    def _extra_number(self, name: str, value: int | Decimal | LongNumber) -> Any:
        """A number in an unknown field, kept unless it is too long to print (ints over 10^100, exponents over 100)."""
        if isinstance(value, LongNumber):
            _too_long(self, name, value)
            return None
        if isinstance(value, int):
            fits = value.bit_length() <= MAX_INT_BITS
        else:
            fits = not value.is_finite() or -MAX_EXPONENT <= value.as_tuple().exponent <= MAX_EXPONENT  # type: ignore[operator]
        if not fits:
            self.bad(name, "record.number-too-long", "数字过长", "a number too long to keep", "…")
            return None
        return value


def _number(ck: _Checker, name: str, value: Any, integer: bool) -> Any:
    """The slow path of numbers: text with units, floats, bounds. Records a problem and returns None when bad."""
    number = _read_number(ck, name, value)
    if number is None:
        return None
    return _bounded(ck, name, number, value, integer)


def _read_number(ck: _Checker, name: str, value: Any) -> int | Decimal | None:
    """A cell as a number: floats exact, text with full-width digits, thousands separators in their places only,
    and the field's unit. The text is bounded and checked against the number grammar before any conversion."""
    original = value
    if isinstance(value, bool):
        ck.bad(name, "record.not-a-number", "应为数字，不是是/否", "must be a number, not a yes/no", value)
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            ck.bad(name, "record.not-finite", "不是有限数值", "is not a finite number", str(value))
            return None
        value = Decimal(repr(value))
    elif isinstance(value, str):
        return _number_text(ck, name, value)
    elif isinstance(value, LongNumber):
        _too_long(ck, name, value)
        return None
    elif not isinstance(value, (int, Decimal)):
        ck.bad(name, "record.not-a-number", "应为数字", "must be a number", original)
        return None
    number: int | Decimal = value  # a Decimal or an int (not a bool) by now
    return number


# a number as a cell may write it once its unit is gone: plain, or grouped by thousands ("1,200", "12,000.5")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_NOT_FINITE = frozenset(["nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"])


def _number_text(ck: _Checker, name: str, original: str) -> Decimal | None:
    if len(original) > MAX_NUMBER_TEXT:
        _too_long(ck, name, LongNumber(original))
        return None
    text = unicodedata.normalize("NFKC", original).strip()
    field = name.rsplit(".", 1)[-1].split("]")[-1]
    wan = unit_kind(field) == "money" and text.endswith("万元")
    if wan:
        text = text[:-2]
    text = UNITS[unit_kind(field)].sub("", text).strip()
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    elif not _PLAIN_NUMBER.fullmatch(text):
        if text.lower() in _NOT_FINITE:
            ck.bad(name, "record.not-finite", "不是有限数值", "is not a finite number", original)
        elif re.fullmatch(r"[+-]?[0-9][0-9, ]*(?:\.[0-9]+)?", text) and re.search(r"[0-9][, ][0-9]", text):
            _bad_separator(ck, name, original, text)
        else:
            ck.bad(name, "record.not-a-number", f"'{original}' 不是数字", f"'{original}' is not a number", original)
        return None
    value = Decimal(text)
    if wan:
        value *= 10000
    return value


def _bad_separator(ck: _Checker, name: str, original: str, text: str) -> None:
    """A comma or a space inside a number that is not a thousands separator in its place ("2,5", "2 5", "1,20")."""
    if text.count(",") == 1 and " " not in text and "." not in text:
        hint_zh, hint_en = (
            f"如果是小数，请写作 {text.replace(',', '.')}",
            f"decimal comma? write {text.replace(',', '.')}",
        )
    else:
        hint_zh = "千位分隔符只能每三位一个（如 1,200），数字中间不能有空格"
        hint_en = "thousands separators go every three digits (1,200); no spaces inside a number"
    ck.bad(
        name,
        "record.bad-separator",
        f"'{original}' 中的分隔符位置不对：{hint_zh}",
        f"'{original}' has a separator out of place: {hint_en}",
        original,
    )


def _too_long(ck: _Checker, name: str, value: LongNumber) -> None:
    ck.bad(
        name,
        "record.number-too-long",
        f"数字有 {value.length} 个字符，超过上限 {MAX_NUMBER_TEXT}",
        f"a number of {value.length} characters, over the limit of {MAX_NUMBER_TEXT}",
        str(value),
    )


def _bounded(ck: _Checker, name: str, value: int | Decimal, original: Any, integer: bool) -> Any:
    """The number if finite, not negative, whole when ``integer``, and within the bounds of its kind."""
    if isinstance(value, Decimal) and not value.is_finite():
        ck.bad(name, "record.not-finite", "不是有限数值", "is not a finite number", str(original))
        return None
    if _huge(value):  # before int(): "1e100000000" would build a 10^8-digit int
        limit = MAX_COUNT if integer else MAX_MEASURE
        ck.bad(name, "record.too-large", f"超过上限 {limit}", f"over the limit of {limit}", str(original))
        return None
    if value < 0:
        ck.bad(name, "record.negative", f"不能为负数（{original}）", f"cannot be negative ({original})", original)
        return None
    if integer:
        if value != int(value):
            ck.bad(
                name,
                "record.not-an-integer",
                f"应为整数（{original}）",
                f"must be a whole number ({original})",
                original,
            )
            return None
        value = int(value)
        if value > MAX_COUNT:
            ck.bad(name, "record.too-large", f"超过上限 {MAX_COUNT}", f"over the limit of {MAX_COUNT}", original)
            return None
        return value
    if value > MAX_MEASURE:
        ck.bad(name, "record.too-large", f"超过上限 {MAX_MEASURE}", f"over the limit of {MAX_MEASURE}", original)
        return None
    return value


def _huge(value: float | Decimal) -> bool:
    """Whether a number's magnitude is over 10^20, found without converting it (over any field's bound)."""
    if isinstance(value, Decimal):
        return value.adjusted() > 20 and not value.is_zero()
    if isinstance(value, int):
        return value.bit_length() > 70
    return abs(value) > 1e20


def _plain_int(value: str) -> int | None:
    """The fast path of a count written as plain ASCII digits ("12", "007"): what :func:`_number` gives, or None
    when the text needs the general path (anything else, or more than 10 digits, which may exceed the bound)."""
    if len(value) <= 10 and value.isascii() and value.isdigit():
        return int(value)
    return None


def _plain_decimal(value: str) -> Decimal | None:
    """The fast path of a measure written as plain ASCII digits with at most one point ("123", "123.5", "7."):
    the same ``Decimal(text)`` as :func:`_number` (NFKC, stripping, commas and units change nothing in such text),
    or None when the text needs the general path, or is over the bound (the general path names the problem)."""
    if value.isascii() and value.replace(".", "", 1).isdigit():
        number = Decimal(value)
        if number <= MAX_MEASURE:
            return number
    return None


def _int(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
    kind = type(value)
    if kind is int and 0 <= value <= MAX_COUNT:
        return value
    if kind is str:
        number = _plain_int(value)
        if number is not None:
            return number
    return _number(ck, prefix + key, value, True)


def _num(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
    kind = type(value)
    if (kind is int and 0 <= value <= MAX_MEASURE) or (  # a measure's bound, whether written 1000 or 1000.0
        kind is Decimal and value.is_finite() and 0 <= value <= MAX_MEASURE
    ):
        return value
    if kind is str:
        number = _plain_decimal(value)
        if number is not None:
            return number
    return _number(ck, prefix + key, value, False)


def _bool_spellings() -> dict[str, bool]:
    """Exact cell texts that read as yes/no (``True``, ``FALSE``, ``是`` …), each checked at import against the
    general reading in :func:`_bool` (NFKC, strip, lower), so a lookup gives the same answer without that work."""
    out = {}
    for word in sorted(TRUE | FALSE):
        for spelling in (word, word.upper(), word.capitalize()):
            text = unicodedata.normalize("NFKC", spelling).strip().lower()
            if text in TRUE:
                out[spelling] = True
            elif text in FALSE:
                out[spelling] = False
    return out


_BOOL_SPELLINGS = _bool_spellings()


def _bool(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
    if value is True or value is False:
        return value
    if type(value) is str:
        found = _BOOL_SPELLINGS.get(value)
        if found is not None:
            return found
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        own = FIELD_YES_NO.get(key, {}).get(text)
        if own is not None:
            return own
    ck.bad(
        prefix + key,
        "record.not-a-boolean",
        f"'{value}' 不是是/否",
        f"'{value}' is not yes/no (是/否, true/false)",
        value,
    )
    return None


def _text_of(ck: _Checker, name: str, value: Any) -> str | None:
    if type(value) is str or isinstance(value, str):
        text = clean_text(value)
    elif isinstance(value, LongNumber):
        _too_long(ck, name, value)
        return None
    elif isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        ck.bad(name, "record.bad-type", "应为文本", "must be text", value)
        return None
    elif (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, Decimal) and not value.is_finite()
    ):
        ck.bad(name, "record.not-finite", "不是有限数值", "is not a finite number", str(value))
        return None
    elif _huge(value) or (isinstance(value, Decimal) and value.as_tuple().exponent < -MAX_EXPONENT):  # type: ignore[operator]
        ck.bad(name, "record.too-large", "数字太长，不能作为文本", "a number too long to be text", str(value))
        return None
    else:
        text = str(int(value)) if value == int(value) else str(value)
    if len(text) > MAX_TEXT:
        ck.bad(name, "record.too-large", f"文本超过 {MAX_TEXT} 个字符", f"text longer than {MAX_TEXT} characters", text)
        return None
    return text


def _text(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
    if type(value) is str and len(value) <= MAX_TEXT and value == clean_text(value):
        return value
    text = _text_of(ck, prefix + key, value)
    return text or None  # a text of nothing but spaces and control characters is missing, as an empty cell is


def _enum(field: str) -> Converter:
    """The converter of an enum field: its codes and spellings (:data:`ENUM_VALUES`); an unknown value's message
    lists the allowed values by their Chinese labels (the English message by their codes)."""
    allowed = CERTIFICATES if field == CERTIFICATE_FIELD else ENUMS[field]
    values = ENUM_VALUES[field]
    labels = "、".join(label or code for code, (label, _) in values.items())
    codes = ", ".join(f"{code} ({label})" if label else code for code, (label, _) in values.items())

    def convert(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
        found = allowed.get(value) if type(value) is str else None
        if found is not None:
            return found
        text = _text_of(ck, prefix + key, value)
        if text is None:
            return None
        found = allowed.get(text) or allowed.get(text.lower())
        if found is None:
            hint_zh, hint_en = _elsewhere(text)
            ck.bad(
                prefix + key,
                "record.unknown-value",
                f"未知取值 '{text}'，可选：{labels}{hint_zh}",
                f"unknown value '{text}'; allowed: {codes}{hint_en}",
                text,
            )
        return found

    return convert


def _elsewhere(text: str) -> tuple[str, str]:
    """A hint when a value is a yes/no answer of another field (营利性 in the 性质 column answers 是否非营利)."""
    for field, spellings in FIELD_YES_NO.items():
        if unicodedata.normalize("NFKC", text).strip() in spellings:
            header = next((h for h, f in HEADERS.items() if f == field and h.startswith("是否")), field)
            return (
                f"（'{text}' 是“{header}”的写法，请填在该列）",
                f" ('{text}' answers {header} ({field}); put it in that column)",
            )
    return "", ""


def _object(table: Mapping[str, Converter]) -> Converter:
    def convert(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            ck.bad(
                prefix + key,
                "record.too-deep",
                f"嵌套超过 {MAX_DEPTH} 层",
                f"nested deeper than {MAX_DEPTH} levels",
                "…",
            )
            return None
        if not isinstance(value, Mapping):
            ck.bad(prefix + key, "record.bad-type", "应为对象", "must be an object", value)
            return None
        return ck.fields(value, table, f"{prefix}{key}.", depth)

    return convert


def _list(item: Converter | Mapping[str, Converter], of_text: bool) -> Converter:
    def convert(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
        name = prefix + key
        if depth > MAX_DEPTH:
            ck.bad(name, "record.too-deep", f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels", "…")
            return None
        if isinstance(value, str) and of_text:
            value = (
                []
                if value.strip().lower() in ("无", "none", "-", "—")
                else [v for v in re.split(r"[;,，、；|/\s]+", value) if v]
            )
        if not isinstance(value, list):
            ck.bad(name, "record.bad-type", "应为列表", "must be a list", value)
            return None
        if len(value) > MAX_LIST:
            ck.bad(name, "record.too-deep", f"列表超过 {MAX_LIST} 项", f"more than {MAX_LIST} items", len(value))
            return None
        items = []
        for i, entry in enumerate(value):
            if of_text:
                converted = item(ck, f"{name}[{i}]", "", entry, depth)  # type: ignore[operator]
                if converted is not None:
                    items.append(converted)
            elif isinstance(entry, Mapping):
                items.append(ck.fields(entry, item, f"{name}[{i}].", depth))  # type: ignore[arg-type]
            else:
                ck.bad(f"{name}[{i}]", "record.bad-type", "应为对象", "must be an object", entry)
        return items

    return convert


def _compile_table(
    table: Mapping[str, Any], done: dict[int, dict[str, Converter]] | None = None
) -> dict[str, Converter]:
    """One converter per field of a record schema (the tables of :mod:`tuoyu_rules.expressions`), built once at import."""
    done = {} if done is None else done
    if id(table) in done:
        return done[id(table)]
    out: dict[str, Converter] = {}
    done[id(table)] = out
    for key, spec in table.items():
        if isinstance(spec, tuple):
            kind, inner = spec
            if kind == "obj":
                out[key] = _object(_compile_table(inner, done))
            elif inner == "str":
                out[key] = _list(_enum(CERTIFICATE_FIELD) if key == CERTIFICATE_FIELD else _text, of_text=True)
            else:
                out[key] = _list(_compile_table(inner, done), of_text=False)
        elif spec == "int":
            out[key] = _int
        elif spec == "num":
            out[key] = _num
        elif spec == "bool":
            out[key] = _bool
        elif key in ENUMS and not (key == "kind" and table is not INSTITUTION_FIELDS["construction"][1]):
            out[key] = _enum(key)
        else:
            out[key] = _text
    return out


TABLES: dict[str, dict[str, Converter]] = {kind: _compile_table(table) for kind, table in KINDS.items()}
