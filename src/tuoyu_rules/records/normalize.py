"""Checking one record into its evaluation dict: the pydantic-core fast path for clean records, the converters
(:mod:`.convert`) for everything else.

The evaluation dict has the contract's field names (CONTRACT.md §3): missing and empty fields have no key at all
(so a rule cannot mistake them for zero or false), counts are ``int``, measures are exact ``Decimal`` (never
float), enums are plain strings, and Chinese spellings (``是``/``否``, ``乳儿班``, ``1,200元``, full-width digits)
are read. Every problem names its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from ..errors import RecordError
from ..vocabulary import CERTIFICATES, ENUMS, INSTITUTION_FIELDS, KIND_ALIASES, KINDS
from .convert import TABLES, Converter, _Checker
from .limits import EDGE_RANGES, MAX_COUNT, MAX_LIST, MAX_MEASURE, MAX_TEXT

if TYPE_CHECKING:
    from .readers.columns import ColumnTable


# ---- the fast path -----------------------------------------------------------------------------------------------
def _pydantic_type(key: str, spec: Any) -> Any:
    """The pydantic type that accepts a field only when it is already clean (the fast path)."""
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
                Annotated[int, Field(strict=True, ge=0, le=MAX_MEASURE)],  # a measure's bound, as for 1000.0
                Annotated[Decimal, Field(ge=0, le=MAX_MEASURE, allow_inf_nan=False)],
            ],
            Field(union_mode="left_to_right"),
        ]
    if spec == "bool":
        return Annotated[bool, Field(strict=True)]
    if key in ENUMS and (key != "kind"):
        return Literal[tuple(sorted(set(ENUMS[key].values())))]
    return _CLEAN_TEXT


# A text the fast path accepts as it is: nothing for clean_text to strip at either end (others take the general path,
# which strips exactly those characters: one normalisation, so that duplicate ids are found whichever path ran)
_CLEAN_TEXT = Annotated[
    str,
    StringConstraints(
        strict=True, min_length=1, max_length=MAX_TEXT, pattern=f"^[^{EDGE_RANGES}](?s:.*[^{EDGE_RANGES}])?$"
    ),
]


def _typed_dict(name: str, table: Mapping[str, Any], extra: Literal["forbid", "ignore"] = "forbid") -> Any:
    fields = {key: _pydantic_type(key, spec) for key, spec in table.items()}
    if table is INSTITUTION_FIELDS["construction"][1]:
        fields["kind"] = Literal[tuple(sorted(set(ENUMS["kind"].values())))]
    elif "kind" in table:  # the record's own kind
        fields["kind"] = Literal[name]
    return with_config(ConfigDict(extra=extra))(TypedDict(f"T_{name}", fields, total=False))  # type: ignore[operator]


def _fast_validators() -> dict[str, tuple[Any, frozenset[str]]]:
    """pydantic-core validators for clean records (built once). Regions, recursive, always take the full path."""
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
    data: Mapping[str, Any],
    *,
    row: int | None = None,
    source: str | None = None,
    text: bool = False,
    columns: ColumnTable | None = None,
    excel_row: int | None = None,
) -> dict[str, Any]:
    """Check one record and return its evaluation dict; raise :class:`RecordError` listing every problem.

    A record whose fields are already clean (right types, contract spellings, only known fields) is checked by
    pydantic-core in one pass; any other record, and every record with a problem, goes through the field-by-field
    converters that read Chinese spellings and units and name each problem. ``text=True`` says every value is text
    as read from a CSV file, which the strict pydantic types always refuse: such a record goes to the converters
    directly. ``columns`` (the row's :class:`~.readers.columns.ColumnTable`) and ``excel_row`` locate each problem
    in the sheet (cell, header as written). The :class:`RecordError` carries the record without the refused values
    (``record``), for a policy that reads none of them.
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
    return _convert_record(data, row, source, columns, excel_row)


# ---- the converters ----------------------------------------------------------------------------------------------
def _convert_record(
    data: Mapping[str, Any],
    row: int | None,
    source: str | None,
    columns: ColumnTable | None = None,
    excel_row: int | None = None,
) -> dict[str, Any]:
    """The general path: every field through its converter, every problem collected, raised once (with the record
    as read without the refused values)."""
    checker = _Checker(row, source, columns, excel_row, data)
    kind, table = _kind_table(checker, data)
    out = checker.fields(data, table, "", 0)
    _check_id(checker, out)
    out["kind"] = kind
    if checker.problems:
        raise RecordError(checker.problems, record=out)
    return out


def _kind_table(checker: _Checker, data: Mapping[str, Any]) -> tuple[str, dict[str, Converter]]:
    """The record's kind (English, or a Chinese alias) and its converters; raises when it is not an object or the
    kind is unknown, since no field can be read then."""
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
        if isinstance(raw_kind, str) and raw_kind in TABLES
        else KIND_ALIASES.get(str(raw_kind).strip(), str(raw_kind).strip())
    )
    table = TABLES.get(kind)
    if table is None:
        checker.bad(
            "kind",
            "record.unknown-kind",
            f"未知记录类型 '{raw_kind}'，可选：{', '.join(KINDS)}",
            f"unknown kind '{raw_kind}'; allowed: {', '.join(KINDS)}",
            raw_kind,
        )
        raise RecordError(checker.problems)
    return kind, table


def _check_id(checker: _Checker, out: dict[str, Any]) -> None:
    """A record needs an id; the problem is recorded once, unless the id's own value was already refused."""
    if "id" not in out and not checker.problems:
        checker.bad("id", "record.missing-id", "缺少机构/区域编号", "the record has no id", None)
    elif "id" not in out and not any(p.location.field == "id" for p in checker.problems):
        checker.bad("id", "record.missing-id", "缺少机构/区域编号", "the record has no id", None)
