"""A CSV ledger read by the row-wise CSV reader itself (a workbook by the row-wise workbook reader: :func:`read_book`),
and the typed polars frame of the cells that need no general reading.

Rows, row numbers, the header (found among title and 填报单位 rows), skipped 合计 and note rows, bad and undecodable
rows, the delimiter, the encoding and every notice come from :func:`tuoyu_rules.records.readers.csv.read_csv`
itself, with a mapper (:class:`CellRows`) that keeps each row's cells, so a row handed to the row-wise engine is the
very row it would have read. A cell is *plain* when the record converters take their fast
path on it and give the value computed here: ASCII digits for counts, digits with at most four decimals for measures,
an exact yes/no spelling, an exact enum spelling, text without surrounding white space. Any other cell (``30个``,
``1,200``, `` 是``, a bad value) makes its row go row-wise.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import polars as pl

from ..records.convert import _BOOL_SPELLINGS
from ..records.limits import EDGE_RANGES, MAX_TEXT
from ..records.readers import _kind, _with_kinds
from ..records.readers.base import LedgerInput, RawRow, Table
from ..records.readers.columns import RowMapper, column_map, header_key, is_known
from ..records.readers.csv import read_csv
from ..records.readers.kinds import TableKind
from ..records.readers.xlsx import CellsOf, cell_values, read_xlsx
from ..vocabulary import CLASS_COLUMNS, CLASS_HEADER, ENUMS, INSTITUTION_FIELDS, KIND_ALIASES, KINDS

SCALE = 4  # measures are held as integers of 1/10,000; a cell with more decimals goes row-wise
Spec = Any  # "int", "num", "bool", "text", or a dict of enum spellings


def _spec(key: str, spec: Any, table: Any) -> Spec:
    if spec in ("int", "num", "bool"):
        return spec
    if key in ENUMS and not (key == "kind" and table is not INSTITUTION_FIELDS["construction"][1]):
        return ENUMS[key]
    return "text"


@dataclass
class Layout:
    """What each column of a header is for records of one kind: a field path (``surveillance.installed``,
    ``classes:infant.enrolled``) and its spec; ``slots`` are the flat classes in the order the row reader builds the
    list; ``kind_index`` is the column that says each row's kind (-1: every row is an institution);
    ``name_index`` the ``name`` column, a field of the kind when ``name_field``."""

    columns: dict[int, tuple[str, Spec]] = field(default_factory=dict)
    slots: list[str] = field(default_factory=list)
    id_index: int = -1
    name_index: int = -1
    name_field: bool = True
    kind_index: int = -1
    district_index: int = -1  # the ``district`` field's column (the summary's subsidy_by_district), -1: none


def layout(header: list[str], kind: str = "institution") -> Layout | None:
    """The layout of a header for records of ``kind``, or None when some column needs the row-wise reader (nested
    lists, a repeated field, a dotted path that is not a known sub-field) or there is no id column."""
    table = KINDS[kind]
    out, paths, tops, heads = Layout(), set(), set(), set()
    for i, raw in enumerate(header):
        if raw is None or str(raw).strip() == "":
            continue
        key = header_key(str(raw))
        match = CLASS_HEADER.match(key)
        if key == "kind":
            if out.kind_index >= 0:
                return None
            out.kind_index = i
            continue
        if match and kind != "institution":  # the rows of other kinds keep class columns as extra fields
            continue
        if match:
            slot = CLASS_COLUMNS[match.group(1)]
            name = "enrolled" if match.group(2) in ("人数", "在托人数", "enrolled") else "caregivers"
            path, spec = f"classes:{slot}.{name}", "int"
            if slot not in out.slots:
                out.slots.append(slot)
        elif "." in key:
            head, _, tail = key.partition(".")
            sub = table.get(head)
            if sub is None and kind != "institution":  # an extra field of this kind: kept as read, never a problem
                continue
            if not (isinstance(sub, tuple) and sub[0] == "obj" and tail in sub[1]):
                return None
            path, spec = key, _spec(tail, sub[1][tail], sub[1])
            heads.add(head)
        elif isinstance(table.get(key), tuple):
            return None
        elif key in table:
            path, spec = key, _spec(key, table[key], table)
            tops.add(key)
        else:  # a column no rule reads: kept as text by the row reader, never a problem
            if key in tops:
                return None
            if key == "name":  # shown in the report as the row gives it
                out.name_index, out.name_field = i, False
            if key == "district":  # the summary's subsidy_by_district reads it as the row gives it
                out.district_index = i
            tops.add(key)
            continue
        if path in paths or heads & tops:
            return None
        paths.add(path)
        out.columns[i] = (path, spec)
        out.id_index = i if path == "id" else out.id_index
        out.name_index = i if path == "name" else out.name_index
    return out if out.id_index >= 0 else None


def row_kind(cells: list[str], index: int) -> str | None:
    """The kind of a row when its kind cell is plain (empty: an institution), else None."""
    cell = cells[index] if 0 <= index < len(cells) else ""
    if cell == "" or cell in KINDS:
        return cell or "institution"
    return KIND_ALIASES.get(cell)


# every character str.isspace() knows lies below U+3001 (a test checks): 12,289 steps at import, not 1,114,112
_SPACE = "".join(re.escape(chr(c)) for c in range(0x3001) if chr(c).isspace())
# plain text: what the converters keep as it is (records.limits.clean_text): no white space, control or format
# character (EDGE_RANGES) at either end
_TEXT = f"^[^{EDGE_RANGES}](?s:.*[^{EDGE_RANGES}])?$|^[^{EDGE_RANGES}]$"
_PATTERNS = {"int": r"^[0-9]{1,10}$", "num": r"^([0-9]{1,10}(\.[0-9]{0,4})?|\.[0-9]{1,4})$"}


def typed(cells: pl.Expr, spec: Spec) -> tuple[pl.Expr, pl.Expr]:
    """(value, plain) of one column of cells: the value the converters give (null for an empty cell), and whether
    the cell is empty or plain."""
    empty = cells == ""
    if spec == "int":
        plain = cells.str.contains(_PATTERNS["int"])
        value = pl.when(plain).then(cells).cast(pl.Int64, strict=False)
    elif spec == "num":
        plain = cells.str.contains(_PATTERNS["num"])
        whole = cells.str.extract(r"^([0-9]*)", 1)
        frac = cells.str.extract(r"\.([0-9]*)$", 1).fill_null("").str.pad_end(SCALE, "0")
        number = (pl.when(whole == "").then(pl.lit("0")).otherwise(whole) + frac).cast(pl.Int64, strict=False)
        plain = plain & (number <= 10**9 * 10**SCALE)  # MAX_MEASURE: a larger value is the converters' error
        value = pl.when(plain).then(number)
    elif spec == "bool":
        plain = cells.is_in(pl.lit(pl.Series(list(_BOOL_SPELLINGS), dtype=pl.Utf8)).implode())
        value = cells.replace_strict(_BOOL_SPELLINGS, default=None, return_dtype=pl.Boolean)
    elif isinstance(spec, dict):
        plain = cells.is_in(pl.lit(pl.Series(list(spec), dtype=pl.Utf8)).implode())
        value = cells.replace_strict(spec, default=None, return_dtype=pl.Utf8)
    else:
        plain = cells.str.contains(_TEXT) & (cells.str.len_chars() <= MAX_TEXT)
        value = pl.when(plain).then(cells)
    return pl.when(empty).then(None).otherwise(value), empty | plain.fill_null(False)


def frame(rows: list[list[str]], lay: Layout) -> pl.DataFrame:
    """The typed columns of a batch of rows and ``_plain``: every read column of the row is empty or plain."""
    columns = list(itertools.zip_longest(*rows, fillvalue=""))  # a short row's missing cells are empty
    raw = pl.DataFrame(
        {f"c{i}": columns[i] if i < len(columns) else [""] * len(rows) for i in lay.columns},
        schema={f"c{i}": pl.Utf8 for i in lay.columns},
    )
    exprs, plains = [], []
    for i, (path, spec) in lay.columns.items():
        value, plain = typed(pl.col(f"c{i}"), spec)
        exprs.append(value.alias(path))
        plains.append(plain)
    has_id = pl.col(f"c{lay.id_index}") != ""  # an empty id is the converters' error
    exprs.append(pl.all_horizontal([*plains, has_id]).alias("_plain"))
    return raw.select(exprs)


class CellRows(RowMapper):
    """The header's mapper for :func:`~tuoyu_rules.records.readers.csv.read_csv` when the columnar engine reads: a
    row's data is its list of cells, typed column-wise (:func:`frame`); :meth:`record` builds the dict the row-wise
    engine reads, for the rows handed to it. Every other step (header found among title rows, 合计 and note rows
    skipped, bad rows, undecodable cells, notices) is the row reader's own."""

    def map(self, cells: list[Any]) -> dict[str, Any]:
        if len(cells) > len(self.headers) or self.unnamed:
            super().map(cells)  # notes the cells of columns without a header, for the same notice
        return cast("dict[str, Any]", cells)

    def record(self, cells: list[str]) -> dict[str, Any]:
        return super().map(cells)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def read_ledger(
    path: str,
    encoding: str | None,
    on_notice: Any = None,
    header_row: int | None = None,
    *,
    sheet: str | None = None,
    columns: Any = None,
    kind: str | None = None,
) -> tuple[Iterator[RawRow], list[CellRows]]:
    """The rows of a CSV ledger or a workbook as the row reader reads them (each data row's ``data`` is its cells;
    ``header_row``, ``sheet``, ``columns`` and ``kind`` as ``--header-row``, ``--sheet``, ``--columns`` and
    ``--kind``), and the list that holds the mapper whose :meth:`CellRows.record` builds a row's record."""
    p = Path(path)
    if p.suffix.lower() in WORKBOOK_SUFFIXES:
        return read_book(p, on_notice, header_row, sheet, columns, kind)
    if columns or kind or sheet:
        raise ValueError("the columnar engine reads a CSV ledger without a column map, --kind or --sheet")
    mappers: list[CellRows] = []

    def mapper_of(header: list[str]) -> CellRows:
        mappers.append(CellRows(header))
        return mappers[0]

    ledger = LedgerInput(p, None, path, p.suffix.lower().lstrip("."), encoding, None, on_notice, header_row)
    return read_csv(ledger, mapper_of), mappers


class Cells(list[str]):
    """A workbook row's data for the columnar engine: its cells as text, read exactly as the record converters read
    the cell values (:func:`cell_text`), empty when the row must go row-wise; :meth:`record` is the record the row
    reader builds of it (the sheet's ``cells`` mapped by ``mapper``, or ``cells`` is that record when ``mapper`` is
    None)."""

    def __init__(self, text: list[str], mapper: RowMapper | None, cells: Any):
        super().__init__(text)
        self.mapper, self.cells = mapper, cells

    def record(self) -> dict[str, Any]:
        if self.mapper is None:
            return cast("dict[str, Any]", self.cells)
        return self.mapper.map(cell_values(self.cells))


class BookRows(CellRows):
    """The one mapper of a workbook read column-wise: its ``headers`` are the field keys of the first main sheet
    whose rows go column-wise (a sheet with other keys goes row-wise), so a column map has already been applied;
    :meth:`record` is each row's own (:class:`Cells`)."""

    def __init__(self) -> None:
        super().__init__([])
        self.keys_taken: list[str] | None = None

    def take(self, keys: list[str]) -> bool:
        """Whether a sheet of these keys goes column-wise: the first such sheet sets them."""
        if self.keys_taken is None:
            self.keys_taken, self.headers = keys, keys
        return keys == self.keys_taken

    def record(self, cells: list[str]) -> dict[str, Any]:
        return cast("Cells", cells).record()


# a decimal (a float cell's shortest exact value) as plain text: what the converters read it as, in every field
_DECIMAL = re.compile(r"[0-9]{1,10}\.[0-9]{0,3}[1-9]")


def cell_text(value: Any, known: bool) -> str | None:
    """A workbook cell as the text that reads the same in every field (a count, a measure, yes/no, an enum, text):
    text as it is, an int as its digits, a float as its shortest exact decimal (as the row reader hands it over) of
    at most four places; None when no text does (a date, a bool, another decimal in a column that names a field:
    the row goes row-wise). A value in a column no field reads is never read: any text does."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return cast("str", value)
    if kind is int:
        return str(value)
    if kind is float and math.isfinite(value):
        value, kind = Decimal(repr(value)), Decimal
    if kind is Decimal and _DECIMAL.fullmatch(text := str(value)):
        return text
    return None if known else ""


def _book_cells(rows: BookRows) -> CellsOf:
    """The hook of :func:`~tuoyu_rules.records.readers.xlsx.read_xlsx`: the rows of a main sheet as :class:`Cells`
    when its rows are institutions unless a 记录类型 column says otherwise, its keys read as the layout reads them,
    and they are the first such sheet's keys."""

    def of_sheet(mapper: RowMapper, decided: TableKind) -> Callable[[list[Any]], Any] | None:
        keys = [mapper.key_of(i) for i in range(len(mapper.headers))]
        plain_kind = decided.how == "default" or (decided.how == "column" and decided.kind is None)
        if not plain_kind or any(header_key(k) != k for k in keys if k) or not rows.take(keys):
            return None
        known = [bool(k) and is_known(k) for k in keys]

        def cells(values: list[Any]) -> Cells:
            if len(values) > len(known) or mapper.unnamed:
                mapper.map(cell_values(values))  # notes the values of columns without a header, for the notice
            text = [
                v if type(v) is str else "" if v is None else cell_text(v, i < len(known) and known[i])
                for i, v in enumerate(values)
            ]
            return Cells([] if None in text else cast("list[str]", text), mapper, values)

        return cells

    return of_sheet


def read_book(
    path: Path, on_notice: Any, header_row: int | None, sheet: str | None, columns: Any, kind: str | None
) -> tuple[Iterator[RawRow], list[CellRows]]:
    """The rows of a workbook as :func:`~tuoyu_rules.records.read_rows` gives them (the same reader, kinds, notices),
    each row's ``data`` its :class:`Cells`: the cells as text where the row can go column-wise, else empty."""
    rows = BookRows()
    tables: dict[str, Table] = {}

    def found(table: Table) -> None:
        tables[table.source] = table

    ledger = LedgerInput(
        path,
        None,
        str(path),
        path.suffix.lower().lstrip("."),
        None,
        sheet,
        on_notice,
        header_row,
        column_map(columns),
        _kind(kind, str(path)),
        found,
    )

    def read() -> Iterator[RawRow]:
        for raw in _with_kinds(read_xlsx(ledger, _book_cells(rows)), ledger, tables):
            if isinstance(raw.data, dict):  # a record the row-wise engine reads (its data kept for an error row)
                raw = dataclasses.replace(raw, data=cast("dict[str, Any]", Cells([], None, raw.data)))
            yield raw

    return read(), [rows]
