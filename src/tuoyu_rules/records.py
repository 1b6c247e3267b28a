"""Records: validation into evaluation dicts, and readers for ledgers (CSV, XLSX, JSON, JSONL, YAML).

A record is a plain dict with the contract's field names (CONTRACT.md §3). :func:`normalize_record` checks it once
and returns the *evaluation dict*: missing and empty fields have no key at all (so a rule cannot mistake them for
zero or false), counts are ``int``, measures are exact ``Decimal`` (never float), enums are plain strings, and
Chinese spellings (``是``/``否``, ``乳儿班``, ``1,200元``, full-width digits) are read. Every problem names its field.

:func:`read_rows` streams rows from a file or standard input, mapping Chinese or English column headers to field
names; a row that cannot be read still yields one :class:`RawRow`, so nothing is lost.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Literal, Union

from pydantic import ValidationError

from .errors import Location, Problem, RecordError
from .vocabulary import INSTITUTION_FIELDS, REGION_FIELDS, RESIDENTIAL_FIELDS

# Bounds (documented in docs/ledgers.md). Counts go up to 10^10 so that a province's 常住人口 (Guangdong: 1.27 x 10^8)
# fits; measures (m², yuan, years) up to 10^9; a record may nest 8 levels, hold lists of 1000 items and, counting
# every value in its lists and unknown fields, 100,000 values (a YAML alias bomb stops there).
MAX_COUNT = 10**10
MAX_MEASURE = Decimal(10**9)
MAX_LIST = 1000
MAX_DEPTH = 8
MAX_TEXT = 2000
MAX_VALUES = 100_000
_MAX_INT_BITS = 6000  # about 1800 digits: larger ints in unknown fields are refused (they cannot even be printed)

KINDS: dict[str, dict[str, Any]] = {
    "institution": INSTITUTION_FIELDS,
    "region": REGION_FIELDS,
    "residential_area": RESIDENTIAL_FIELDS,
}
KIND_ALIASES = {
    "机构": "institution",
    "托育机构": "institution",
    "区域": "region",
    "地区": "region",
    "居住区": "residential_area",
    "小区": "residential_area",
}

# Allowed values of enum fields, with the Chinese spellings ledgers use.
ENUMS: dict[str, dict[str, str]] = {
    "form": {
        "center": "center",
        "托育中心": "center",
        "托育机构": "center",
        "kindergarten_class": "kindergarten_class",
        "幼儿园托班": "kindergarten_class",
        "托班": "kindergarten_class",
        "employer": "employer",
        "用人单位办托": "employer",
        "单位办托": "employer",
        "community": "community",
        "社区托育点": "community",
        "社区": "community",
        "family": "family",
        "家庭托育点": "family",
        "家庭": "family",
    },
    "ownership": {
        "public": "public",
        "公办": "public",
        "private": "private",
        "民办": "private",
        "mixed": "mixed",
        "公建民营": "mixed",
        "民办公助": "mixed",
        "混合": "mixed",
    },
    "tenure": {"owned": "owned", "自有": "owned", "leased": "leased", "租赁": "leased", "租用": "leased"},
    "type": {
        "infant": "infant",
        "乳儿班": "infant",
        "toddler": "toddler",
        "托小班": "toddler",
        "older": "older",
        "托大班": "older",
        "mixed": "mixed",
        "混合班": "mixed",
    },
    "role": {
        "manager": "manager",
        "负责人": "manager",
        "管理人员": "manager",
        "caregiver": "caregiver",
        "保育人员": "caregiver",
        "保育员": "caregiver",
        "health": "health",
        "保健人员": "health",
        "卫生人员": "health",
        "security": "security",
        "保安人员": "security",
        "保安": "security",
        "other": "other",
        "其他": "other",
    },
    "education": {
        "none": "none",
        "无": "none",
        "junior_high": "junior_high",
        "初中": "junior_high",
        "secondary": "secondary",
        "中专": "secondary",
        "高中": "secondary",
        "中职": "secondary",
        "associate": "associate",
        "大专": "associate",
        "专科": "associate",
        "bachelor": "bachelor",
        "本科": "bachelor",
        "postgraduate": "postgraduate",
        "研究生": "postgraduate",
        "硕士": "postgraduate",
        "博士": "postgraduate",
    },
    "level": {
        "province": "province",
        "省": "province",
        "city": "city",
        "市": "city",
        "county": "county",
        "县": "county",
        "区": "county",
        "县区": "county",
        "township": "township",
        "乡镇": "township",
        "镇": "township",
        "乡": "township",
        "街道": "township",
        "community": "community",
        "社区": "community",
    },
    "status": {
        "new": "new",
        "新建": "new",
        "existing": "existing",
        "已建成": "existing",
        "老城区": "existing",
        "已建": "existing",
    },
    "kind": {
        "none": "none",
        "无": "none",
        "new": "new",
        "新建": "new",
        "expansion": "expansion",
        "改扩建": "expansion",
    },
}
CERTIFICATES = {
    "childcare": "childcare",
    "保育员": "childcare",
    "育婴员": "childcare",
    "保育师": "childcare",
    "托育师": "childcare",
    "teacher": "teacher",
    "幼师资格": "teacher",
    "教师资格": "teacher",
    "health_title": "health_title",
    "卫生专业职称": "health_title",
    "security_guard": "security_guard",
    "保安员证": "security_guard",
}
TRUE = {"true", "yes", "y", "1", "是", "有", "对", "√", "t"}
FALSE = {"false", "no", "n", "0", "否", "无", "没有", "×", "f"}
_UNITS = {  # the units a number may carry in a ledger cell, by the kind of field
    "area": re.compile(r"(平方米|平米|㎡|m2|m²)$"),
    "money": re.compile(r"(元/人/月|元/月|元)$"),
    "years": re.compile(r"年$"),
    "days": re.compile(r"(天|日)$"),
    "count": re.compile(r"(个|人|名|家|所|户)$"),
}


def _unit_kind(field: str) -> str:
    if field.endswith("_m2"):
        return "area"
    if field in ("monthly_fee", "guide_price"):
        return "money"
    if field.endswith("_years"):
        return "years"
    if field.endswith("_days"):
        return "days"
    return "count"


# ---- validation --------------------------------------------------------------------------------------------------
Converter = Any  # (checker, prefix, key, value, depth) -> converted value, or None after recording a problem


class _Checker:
    """Collects the problems of one record while its fields are converted."""

    __slots__ = ("problems", "row", "source")

    def __init__(self, row: int | None, source: str | None):
        self.problems: list[Problem] = []
        self.row, self.source = row, source

    def bad(self, field: str, code: str, zh: str, en: str, value: Any) -> None:
        shown = value if isinstance(value, (str, int, bool)) or value is None else str(value)
        if isinstance(shown, str) and len(shown) > 100:
            shown = shown[:100] + "…"
        self.problems.append(
            Problem(
                code,
                f"{field}：{zh}",
                f"{field}: {en}",
                Location(row=self.row, field=field, file=self.source),
                value=shown,
            )
        )

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
        if isinstance(value, dict):
            return {str(k): self.extra(f"{name}.{k}", v, depth + 1) for k, v in list(value.items())[:MAX_LIST]}
        if isinstance(value, list):
            return [self.extra(f"{name}[{i}]", v, depth + 1) for i, v in enumerate(value[:MAX_LIST])]
        return value


def _number(ck: _Checker, name: str, value: Any, integer: bool) -> Any:
    """The slow path of numbers: text with units, floats, bounds. Records a problem and returns None when bad."""
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
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace(" ", "")
        field = name.rsplit(".", 1)[-1].split("]")[-1]
        wan = _unit_kind(field) == "money" and text.endswith("万元")
        if wan:
            text = text[:-2]
        text = _UNITS[_unit_kind(field)].sub("", text)
        try:
            value = Decimal(text)
        except InvalidOperation:
            ck.bad(name, "record.not-a-number", f"'{original}' 不是数字", f"'{original}' is not a number", original)
            return None
        if wan:
            value *= 10000
    elif not isinstance(value, (int, Decimal)):
        ck.bad(name, "record.not-a-number", "应为数字", "must be a number", original)
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        ck.bad(name, "record.not-finite", "不是有限数值", "is not a finite number", str(original))
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
    if (kind is int and 0 <= value <= MAX_COUNT) or (
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
    ck.bad(
        prefix + key,
        "record.not-a-boolean",
        f"'{value}' 不是是/否",
        f"'{value}' is not yes/no (是/否, true/false)",
        value,
    )
    return None


def _text_of(ck: _Checker, name: str, value: Any) -> str | None:
    if type(value) is str:
        text = value.strip()
    elif isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        ck.bad(name, "record.bad-type", "应为文本", "must be text", value)
        return None
    elif (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, Decimal) and not value.is_finite()
    ):
        ck.bad(name, "record.not-finite", "不是有限数值", "is not a finite number", str(value))
        return None
    else:
        text = str(int(value)) if value == int(value) else str(value)
    if len(text) > MAX_TEXT:
        ck.bad(name, "record.too-large", f"文本超过 {MAX_TEXT} 个字符", f"text longer than {MAX_TEXT} characters", text)
        return None
    return text


def _text(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
    if type(value) is str and len(value) <= MAX_TEXT and value == value.strip():
        return value
    return _text_of(ck, prefix + key, value)


def _enum(allowed: Mapping[str, str]) -> Converter:
    choices = ", ".join(sorted(set(allowed.values())))

    def convert(ck: _Checker, prefix: str, key: str, value: Any, depth: int) -> Any:
        found = allowed.get(value) if type(value) is str else None
        if found is not None:
            return found
        text = _text_of(ck, prefix + key, value)
        if text is None:
            return None
        found = allowed.get(text) or allowed.get(text.lower())
        if found is None:
            ck.bad(
                prefix + key,
                "record.unknown-value",
                f"未知取值 '{text}'，可选：{choices}",
                f"unknown value '{text}'; allowed: {choices}",
                text,
            )
        return found

    return convert


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
                items.append(ck.fields(entry, item, f"{name}[{i}].", depth))
            else:
                ck.bad(f"{name}[{i}]", "record.bad-type", "应为对象", "must be an object", entry)
        return items

    return convert


def _compile_table(
    table: Mapping[str, Any], done: dict[int, dict[str, Converter]] | None = None
) -> dict[str, Converter]:
    """One converter per field of a record schema (the tables of :mod:`.expressions`), built once at import."""
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
                out[key] = _list(_enum(CERTIFICATES) if key == "certificates" else _text, of_text=True)
            else:
                out[key] = _list(_compile_table(inner, done), of_text=False)
        elif spec == "int":
            out[key] = _int
        elif spec == "num":
            out[key] = _num
        elif spec == "bool":
            out[key] = _bool
        elif key in ENUMS and not (key == "kind" and table is not INSTITUTION_FIELDS["construction"][1]):
            out[key] = _enum(ENUMS[key])
        else:
            out[key] = _text
    return out


_TABLES = {kind: _compile_table(table) for kind, table in KINDS.items()}


def _pydantic_type(key: str, spec: Any) -> Any:
    """The pydantic type that accepts a field only when it is already clean (the fast path)."""
    from typing import Annotated

    from pydantic import Field, StringConstraints

    if isinstance(spec, tuple):
        kind, inner = spec
        if kind == "obj":
            return _typed_dict(key, inner)
        item = Literal[tuple(sorted(set(CERTIFICATES.values())))] if inner == "str" else _typed_dict(key, inner)
        return Annotated[list[item], Field(max_length=MAX_LIST)]  # type: ignore[valid-type]
    if spec == "int":
        return Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
    if spec == "num":  # an int stays an int (as on the slow path); a float or a decimal becomes an exact Decimal
        return Annotated[
            Union[  # noqa: UP007 (pydantic reads the union's members in order)
                Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)],
                Annotated[Decimal, Field(ge=0, le=MAX_MEASURE, allow_inf_nan=False)],
            ],
            Field(union_mode="left_to_right"),
        ]
    if spec == "bool":
        return Annotated[bool, Field(strict=True)]
    if key in ENUMS and (key != "kind"):
        return Literal[tuple(sorted(set(ENUMS[key].values())))]
    return Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]


def _typed_dict(name: str, table: Mapping[str, Any], extra: Literal["forbid", "ignore"] = "forbid") -> Any:
    from pydantic import ConfigDict, with_config
    from typing_extensions import TypedDict

    fields = {key: _pydantic_type(key, spec) for key, spec in table.items()}

    if table is INSTITUTION_FIELDS["construction"][1]:
        fields["kind"] = Literal[tuple(sorted(set(ENUMS["kind"].values())))]
    elif "kind" in table:  # the record's own kind
        fields["kind"] = Literal[name]
    return with_config(ConfigDict(extra=extra))(TypedDict(f"T_{name}", fields, total=False))  # type: ignore[operator]


def _fast_validators() -> dict[str, tuple[Any, frozenset[str]]]:
    """pydantic-core validators for clean records (built once). Regions, recursive, always take the full path."""
    from pydantic import TypeAdapter

    out = {}
    for kind in ("institution", "residential_area"):
        table = {**KINDS[kind], "district": "str", "kind": "str"}
        # the top level's keys are checked against the table before the validator runs (see normalize_record), so
        # pydantic need not look for unknown keys there; nested objects still forbid them
        adapter = TypeAdapter(_typed_dict(kind, table, extra="ignore"))
        out[kind] = (adapter.validator, frozenset(table))
    return out


_FAST = _fast_validators()


def normalize_record(
    data: Mapping[str, Any], *, row: int | None = None, source: str | None = None, text: bool = False
) -> dict[str, Any]:
    """Check one record and return its evaluation dict; raise :class:`RecordError` listing every problem.

    A record whose fields are already clean (right types, contract spellings, only known fields) is checked by
    pydantic-core in one pass; any other record, and every record with a problem, goes through the field-by-field
    converters that read Chinese spellings and units and name each problem. ``text=True`` says every value is text
    as read from a CSV file, which the strict pydantic types always refuse: such a record goes to the converters
    directly.
    """
    if type(data) is dict and not text:
        kind = data.get("kind", "institution")
        fast = _FAST.get(kind) if type(kind) is str else None
        if fast is not None and "id" in data and data.keys() <= fast[1]:
            try:
                out: dict[str, Any] = fast[0].validate_python(data)
            except ValidationError:
                pass
            else:
                if "id" in out:
                    out["kind"] = kind
                    return out
    checker = _Checker(row, source)
    if not isinstance(data, Mapping):
        checker.bad(
            "(record)",
            "record.not-an-object",
            "记录必须是对象（键: 值）",
            "a record must be an object",
            type(data).__name__,
        )
        raise RecordError(checker.problems)
    raw_kind = data.get("kind") or "institution"
    kind = (
        raw_kind
        if isinstance(raw_kind, str) and raw_kind in _TABLES
        else KIND_ALIASES.get(str(raw_kind).strip(), str(raw_kind).strip())
    )
    table = _TABLES.get(kind)
    if table is None:
        checker.bad(
            "kind",
            "record.unknown-kind",
            f"未知记录类型 '{raw_kind}'，可选：{', '.join(KINDS)}",
            f"unknown kind '{raw_kind}'; allowed: {', '.join(KINDS)}",
            raw_kind,
        )
        raise RecordError(checker.problems)
    out = checker.fields(data, table, "", 0)
    if "id" not in out and not checker.problems:
        checker.bad("id", "record.missing-id", "缺少机构/区域编号", "the record has no id", None)
    elif "id" not in out and not any(p.location.field == "id" for p in checker.problems):
        checker.bad("id", "record.missing-id", "缺少机构/区域编号", "the record has no id", None)
    if checker.problems:
        raise RecordError(checker.problems)
    out["kind"] = kind
    return out


# ---- readers -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawRow:
    """One input row: its 1-based data row number, its source, and the mapped data (None if unreadable)."""

    row: int
    source: str
    data: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    text: bool = False  # every value is text, as in a CSV file (see normalize_record)


HEADERS: dict[str, str] = {
    # institution
    "机构编号": "id",
    "编号": "id",
    "机构代码": "id",
    "统一社会信用代码": "id",
    "机构名称": "name",
    "名称": "name",
    "机构类型": "form",
    "举办形式": "form",
    "类型": "form",
    "性质": "ownership",
    "举办性质": "ownership",
    "是否综合服务中心": "comprehensive_center",
    "是否托育综合服务中心": "comprehensive_center",
    "是否普惠": "inclusive",
    "普惠": "inclusive",
    "是否非营利": "nonprofit",
    "是否备案": "filed",
    "备案": "filed",
    "星级": "star_rating",
    "托位数": "total_slots",
    "托位": "total_slots",
    "室内使用面积": "indoor_area_m2",
    "室内面积": "indoor_area_m2",
    "室外活动场地面积": "outdoor_area_m2",
    "室外面积": "outdoor_area_m2",
    "建筑面积": "building_area_m2",
    "场地性质": "tenure",
    "产权": "tenure",
    "场地产权": "tenure",
    "租赁年限": "lease_years",
    "租期": "lease_years",
    "月收费": "monthly_fee",
    "收费标准": "monthly_fee",
    "普惠指导价": "guide_price",
    "指导价": "guide_price",
    "本地户籍在托人数": "local_hukou_enrolled",
    "区县": "district",
    "所属区县": "district",
    "街道": "district",
    "所属街镇": "district",
    "记录类型": "kind",
    "监控是否安装": "surveillance.installed",
    "监控24小时设防": "surveillance.always_on",
    "监控保存天数": "surveillance.retention_days",
    "建设类型": "construction.kind",
    "新增托位": "construction.new_slots",
    "是否获省级托位补助": "construction.provincial_slot_subsidy",
    "是否享受中央资金": "construction.central_funding",
    # region
    "区域编号": "id",
    "区域名称": "name",
    "层级": "level",
    "年份": "year",
    "统计年份": "year",
    "常住人口": "population",
    "普惠托位数": "inclusive_slots",
    "新增托位数": "new_slots",
    "机构数": "institutions",
    "公办机构数": "public_institutions",
    "用人单位办托机构数": "employer_institutions",
    "综合服务中心数": "comprehensive_centers",
    "四星级以上机构数": "four_star_institutions",
    "登记机构数": "institutions_registered",
    "备案机构数": "institutions_filed",
    "从业人员数": "staff_total",
    "培训人员数": "staff_trained",
    "持证人员数": "staff_certified",
    "城市社区数": "urban_communities",
    "有托育服务的城市社区数": "urban_communities_with_childcare",
    "乡镇数": "townships",
    "有普惠托育中心的乡镇数": "townships_with_inclusive_center",
    "幼儿园数": "kindergartens",
    "开设托班的幼儿园数": "kindergartens_with_childcare",
    "新生儿家庭数": "newborn_families",
    "接受指导的新生儿家庭数": "newborn_families_reached",
    # residential area
    "居住区编号": "id",
    "小区编号": "id",
    "状态": "status",
    "居住区类型": "status",
    "人口": "population",
    "规划托位数": "planned_slots",
}
CLASS_COLUMNS = {
    "乳儿班": "infant",
    "托小班": "toddler",
    "托大班": "older",
    "混合班": "mixed",
    "infant": "infant",
    "toddler": "toddler",
    "older": "older",
    "mixed": "mixed",
}
_CLASS_HEADER = re.compile(
    r"^(乳儿班|托小班|托大班|混合班|infant|toddler|older|mixed)_?(人数|在托人数|保育人员数|保育人员|enrolled|caregivers)$"
)
_ALL_FIELDS = {*INSTITUTION_FIELDS, *REGION_FIELDS, *RESIDENTIAL_FIELDS, "kind", "district"}


def header_key(header: str) -> str:
    """The field a column header names: English field names, Chinese names, units in brackets ignored."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    text = re.sub(r"[(\[][^)\]]*[)\]]$", "", text).strip().replace(" ", "")
    if text in _ALL_FIELDS or "." in text:
        return text
    return HEADERS.get(text, text)


class _RowMapper:
    """Maps a flat row (header -> cell) to a record: nested dotted fields and flattened class columns."""

    def __init__(self, headers: list[str]):
        # per column: (index, key, (class type, field) of a flattened class column, (head, tail) of a dotted key),
        # everything a row needs worked out once here rather than per row
        self._steps: list[tuple[int, str, tuple[str, str] | None, tuple[str, str] | None]] = []
        for i, header in enumerate(headers):
            if header is None or str(header).strip() == "":
                continue
            key = header_key(str(header))
            match = _CLASS_HEADER.match(key)
            class_field = None
            if match:
                field = "enrolled" if match.group(2) in ("人数", "在托人数", "enrolled") else "caregivers"
                class_field = (CLASS_COLUMNS[match.group(1)], field)
            head, dot, tail = key.partition(".")
            self._steps.append((i, key, class_field, (head, tail) if dot else None))

    def map(self, cells: list[Any]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        classes: dict[str, dict[str, Any]] = {}
        n = len(cells)
        for i, key, class_field, dotted in self._steps:
            if i >= n:  # a short row: the missing cells are empty
                continue
            value = cells[i]
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if class_field is not None:
                classes.setdefault(class_field[0], {"type": class_field[0]})[class_field[1]] = value
            elif dotted is not None:
                head, tail = dotted
                nested = record.setdefault(head, {})
                if isinstance(nested, dict):
                    nested[tail] = value
            else:
                record[key] = value
        if classes:
            record["classes"] = list(classes.values())
        return record


def _problem_row(row: int, source: str, code: str, zh: str, en: str) -> RawRow:
    return RawRow(row, source, None, (Problem(code, zh, en, Location(row=row, file=source)),))


def _open_text(path: Path | None, stdin: IO[bytes] | None, encoding: str | None, source: str) -> io.TextIOBase:
    stream: IO[bytes]
    try:
        stream = stdin if stdin is not None else open(path, "rb")  # type: ignore[arg-type]
    except OSError as exc:
        raise RecordError(
            [
                Problem(
                    "record.unreadable",
                    f"无法打开 {source}：{exc.strerror}",
                    f"cannot open {source}: {exc.strerror}",
                    Location(file=source),
                )
            ]
        ) from None
    buffered = io.BufferedReader(stream) if not hasattr(stream, "peek") else stream  # type: ignore[type-var]
    if encoding is None:
        head = buffered.peek(65536)[:65536]
        encoding = "utf-8-sig"
        try:
            head.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
                try:
                    head.decode("gb18030")
                    encoding = "gb18030"
                except UnicodeDecodeError:
                    raise RecordError(
                        [
                            Problem(
                                "record.undecodable",
                                f"{source} 既不是 UTF-8 也不是 GB18030 编码",
                                f"{source} is neither UTF-8 nor GB18030; use --encoding",
                                Location(file=source),
                            )
                        ]
                    ) from None
    return io.TextIOWrapper(buffered, encoding=encoding, newline="", errors="strict")


def _guarded(lines: Iterator[Any], source: str) -> Iterator[Any]:
    try:
        yield from lines
    except UnicodeDecodeError as exc:
        raise RecordError(
            [
                Problem(
                    "record.undecodable",
                    f"{source} 中有无法解码的字节：{exc.reason}",
                    f"{source} has bytes that cannot be decoded: {exc.reason}",
                    Location(file=source),
                )
            ]
        ) from None


def read_rows(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    stdin: IO[bytes] | None = None,
    fmt: str | None = None,
) -> Iterator[RawRow]:
    """Stream the rows of a ledger: one :class:`RawRow` per data row, in order, never raising for a bad row.

    Raises :class:`RecordError` only when the input cannot be opened or decoded at all.
    """
    source = str(path)
    p = None if source == "-" else Path(source)
    kind = (fmt or (p.suffix.lower().lstrip(".") if p else "jsonl")).lower()
    if p is not None and not p.exists():
        raise RecordError(
            [Problem("record.unreadable", f"找不到文件 {source}", f"no such file: {source}", Location(file=source))]
        )
    if kind in ("csv", "tsv", "txt"):
        return _read_csv(p, stdin, encoding, source, "\t" if kind == "tsv" else None)
    if kind in ("xlsx", "xlsm"):
        return _read_xlsx(p, stdin, sheet, source)
    if kind in ("jsonl", "ndjson"):
        return _read_jsonl(p, stdin, encoding, source)
    if kind in ("json", "yaml", "yml"):
        return _read_document(p, stdin, encoding, source, kind)
    raise RecordError(
        [
            Problem(
                "record.unknown-format",
                f"不支持的文件格式 '{kind}'（支持 csv、xlsx、json、jsonl、yaml）",
                f"unsupported format '{kind}' (csv, xlsx, json, jsonl, yaml)",
                Location(file=source),
            )
        ]
    )


def _read_csv(
    p: Path | None, stdin: IO[bytes] | None, encoding: str | None, source: str, delimiter: str | None
) -> Iterator[RawRow]:
    text = _open_text(p, stdin, encoding, source)
    with text:
        lines = _guarded(iter(text), source)
        if delimiter is None:
            first = next(lines, "")
            delimiter = "\t" if first.count("\t") > first.count(",") else ","
            lines = _chain(first, lines)
        reader = csv.reader(lines, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return
        mapper = _RowMapper(header)
        for row, cells in enumerate(reader, start=1):
            if not any(c.strip() for c in cells):
                continue
            yield RawRow(row, source, mapper.map(cells), text=True)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _read_jsonl(p: Path | None, stdin: IO[bytes] | None, encoding: str | None, source: str) -> Iterator[RawRow]:
    text = _open_text(p, stdin, encoding, source)
    with text:
        row = 0
        for line in _guarded(iter(text), source):
            if not line.strip():
                continue
            row += 1
            try:
                data = json.loads(line, parse_float=Decimal)
            except (json.JSONDecodeError, RecursionError) as exc:
                msg = getattr(exc, "msg", "nested too deeply")
                yield _problem_row(
                    row,
                    source,
                    "record.bad-json",
                    f"第 {row} 行不是有效的 JSON：{msg}",
                    f"line {row} is not valid JSON: {msg}",
                )
                continue
            yield RawRow(row, source, data)


def _read_document(
    p: Path | None, stdin: IO[bytes] | None, encoding: str | None, source: str, kind: str
) -> Iterator[RawRow]:
    text = _open_text(p, stdin, encoding, source)
    with text:
        content = "".join(_guarded(iter(text), source))
    try:
        if kind == "json":
            data = json.loads(content, parse_float=Decimal)
        else:
            import yaml

            data = yaml.safe_load(content)
    except Exception as exc:
        return iter(
            [
                _problem_row(
                    1, source, "record.bad-document", f"{source} 无法解析：{exc}", f"{source} cannot be parsed: {exc}"
                )
            ]
        )
    items = data if isinstance(data, list) else [data]
    return (RawRow(i, source, item) for i, item in enumerate(items, start=1))


_SUBSHEETS = {"班级": "classes", "classes": "classes", "人员": "staff", "staff": "staff"}
_KIND_SHEETS = {
    "区域": "region",
    "regions": "region",
    "居住区": "residential_area",
    "residential_areas": "residential_area",
}


def _read_xlsx(p: Path | None, stdin: IO[bytes] | None, sheet: str | None, source: str) -> Iterator[RawRow]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(
            p if p is not None else io.BytesIO(stdin.read()),  # type: ignore[union-attr]
            read_only=True,
            data_only=True,
        )
    except Exception as exc:
        raise RecordError(
            [
                Problem(
                    "record.unreadable",
                    f"无法读取 Excel 文件 {source}：{exc}",
                    f"cannot read the workbook {source}: {exc}",
                    Location(file=source),
                )
            ]
        ) from None
    try:
        # class and staff sheets are keyed by institution id and joined onto the main rows (held in memory)
        extra: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for name in book.sheetnames:
            target = _SUBSHEETS.get(name.strip().lower()) or _SUBSHEETS.get(name.strip())
            if target:
                rows = book[name].iter_rows(values_only=True)
                header = [header_key(str(h)) if h is not None else "" for h in next(rows, ())]
                for cells in rows:
                    item = {h: _cell(v) for h, v in zip(header, cells, strict=False) if h and v not in (None, "")}
                    owner = item.pop("institution_id", None) or item.pop("id", None)
                    if owner is not None:
                        extra.setdefault(target, {}).setdefault(str(owner), []).append(item)
        names = (
            [sheet]
            if sheet
            else [n for n in book.sheetnames if not (_SUBSHEETS.get(n.strip().lower()) or _SUBSHEETS.get(n.strip()))]
        )
        if sheet and sheet not in book.sheetnames:
            raise RecordError(
                [
                    Problem(
                        "record.unknown-sheet",
                        f"没有工作表 '{sheet}'（有：{', '.join(book.sheetnames)}）",
                        f"no sheet '{sheet}' (there are: {', '.join(book.sheetnames)})",
                        Location(file=source),
                    )
                ]
            )
        row_number = 0
        for name in names:
            rows = book[name].iter_rows(values_only=True)
            first = next(rows, None)
            if first is None:
                continue
            mapper = _RowMapper([str(h) if h is not None else "" for h in first])
            kind = _KIND_SHEETS.get(name.strip().lower()) or _KIND_SHEETS.get(name.strip())
            for cells in rows:
                if all(c in (None, "") for c in cells):
                    continue
                row_number += 1
                record = mapper.map([_cell(c) for c in cells])
                if kind and "kind" not in record:
                    record["kind"] = kind
                key = str(record.get("id"))
                for target, table in extra.items():
                    if key in table:
                        record[target] = [*record.get(target, []), *table[key]]
                yield RawRow(row_number, f"{source}#{name}" if len(names) > 1 else source, record)
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else str(value)
    return value
