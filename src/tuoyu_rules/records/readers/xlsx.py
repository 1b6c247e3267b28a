"""The workbook reader: ``.xlsx``, ``.xlsm``, ``.xls`` and ``.ods`` (Excel, WPS, LibreOffice), every sheet or
``--sheet``; the cells come from :mod:`.book` (python-calamine), this module finds the table in each sheet.

Sheets named 班级/classes and 人员/staff are joined by institution id onto the main rows (those two sheets are held
in memory); rows of sheets named 区域/regions and 居住区/residential_areas are regions and residential areas. Every
sheet, main or class/staff, finds its table through one function (:func:`_find_table`): the header (one row or two),
the layout rows above and below it, hidden helper columns (a hidden column whose header names no field, skipped), and
merged cells filled down (the district; in a class or staff sheet also the owner id), each said in a notice.

The workbook is bounded before its cells are read (:func:`.book.open_book`: zip parts from the zip directory, the
grid of each sheet, the size of an ``.xls``). Rows and cells are read as the sheet holds them, never from its
declared dimension; a row past Excel's last row or a value past column :data:`MAX_XLSX_COLUMNS` is an error. A cell
that cannot be read (a shared-string index that does not exist, a malformed number) makes its row an error row
naming the cell; the other rows are read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from itertools import chain
from typing import Any

from ...errors import Location, Problem, RecordError
from ...vocabulary import FILL_DOWN, JOIN_FILL_DOWN, KIND_SHEETS, SUBSHEETS
from ..limits import MAX_XLSX_COLUMNS
from .base import LedgerInput, RawRow
from .book import BadCell, Book, Range, Row, open_book, unreadable
from .columns import ColumnMap, RowMapper, column_letter, header_match, ignored_notice, is_known
from .kinds import TableKind
from .layout import (
    Header,
    Layout,
    first_rows,
    header_row_index,
    is_notes_sheet,
    locate_header,
    no_table_notice,
)

__all__ = ["BadCell", "CellsOf", "cell_values", "read_xlsx"]

Workbook = Book  # the sheet walking below reads a Book as it read an openpyxl workbook: sheetnames, rows, merged
CellsOf = Callable[[RowMapper, TableKind], Callable[[list[Any]], Any] | None]
"""The columnar engine's hook: told a main sheet's mapper and kind, the function that makes a data row's ``data`` of
its cells (as the sheet gives them; :func:`cell_values` are what the mapper is given), or None to keep the record."""


def read_xlsx(ledger: LedgerInput, as_cells: CellsOf | None = None) -> Iterator[RawRow]:
    """One RawRow per non-blank data row of each main sheet, numbered across sheets; with several sheets the
    source names the sheet (``file.xlsx#Sheet1``). ``as_cells`` (:data:`CellsOf`) gives the data of the rows onto
    which no class or staff row is joined (a row that takes some holds lists: it is a record, never cells)."""
    book = _load_workbook(ledger)
    try:
        extra = _subsheet_items(book, ledger)
        names = _main_sheets(book, ledger.sheet, ledger.source)
        yield from _sheet_rows(book, names, extra, ledger, as_cells)
    finally:
        book.close()


def _unreadable(source: str, code: str, zh: str, en: str) -> RecordError:
    return unreadable(source, code, zh, en)


def _load_workbook(ledger: LedgerInput) -> Workbook:
    return open_book(ledger)


def _subsheet(name: str) -> str | None:
    """The field (classes, staff) whose items a sheet of this name holds, or None for a main sheet."""
    return SUBSHEETS.get(name.strip().lower()) or SUBSHEETS.get(name.strip())


@dataclass(frozen=True)
class _Held:
    """One row of a class or staff sheet: where, its owner's id (trimmed; None when it has none or cannot be joined),
    its cells that cannot be read, and for a row whose duplicate columns disagree, its problems (given the row)."""

    sheet: str
    line: int
    owner: str | None
    bad: list[BadCell] = field(default_factory=list)
    conflicts: Callable[[int, str], list[Problem]] | None = None


class _Joined:
    """The rows of the class and staff sheets (held in memory), keyed by institution id after trimming, to be joined
    onto the main rows; a row whose id matches no main row, or that cannot be read, is an error row of its own."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, list[dict[str, Any]]]] = {}  # target field -> institution id -> items
        self.rows: list[_Held] = []
        self.matched: set[str] = set()  # the ids some main row had

    def add(self, target: str, sheet: str, line: int, item: dict[str, Any]) -> None:
        owner = item.pop("institution_id", None) or item.pop("id", None)
        key = str(owner).strip() or None if owner is not None else None
        self.rows.append(_Held(sheet, line, key))
        if key is not None:
            self.items.setdefault(target, {}).setdefault(key, []).append(item)

    def orphans(self, after: int, source: str) -> Iterator[RawRow]:
        """The error rows, numbered on from row ``after``, of the rows no main row took, in sheet order."""
        row = after
        for held in self.rows:
            if held.owner is not None and held.owner in self.matched:
                continue
            row += 1
            where = f"{source}#{held.sheet}"
            if held.bad:
                problems = tuple(_cell_problem(row, where, held.sheet, held.line, b) for b in held.bad)
            elif held.conflicts is not None:
                problems = tuple(held.conflicts(row, where))
            else:
                problems = (_orphan_problem(row, where, held.sheet, held.line, held.owner),)
            yield RawRow(row, where, None, problems, excel_row=held.line)

    def unjoined_notice(self, source: str) -> tuple[str, str]:
        sheets = "、".join(dict.fromkeys(held.sheet for held in self.rows))
        return (
            f"{source}：读取的工作表中没有机构记录，{sheets} 的 {len(self.rows)} 行未并入（也未检查）",
            f"{source}: no sheet read holds institutions; the {len(self.rows)} rows of {sheets} were not joined "
            "(nor checked)",
        )


def _orphan_problem(row: int, source: str, sheet: str, line: int, owner: str | None) -> Problem:
    zh = f"工作表 {sheet} 第 {line} 行" + (f"的机构编号 '{owner}' 不对应任何机构" if owner else "没有机构编号")
    en = f"row {line} of sheet {sheet}: " + (f"institution id '{owner}' matches no institution" if owner else "no id")
    return Problem(
        "record.orphan-item",
        zh + "，未并入任何机构",
        en + "; joined to no institution",
        Location(row=row, field="id", file=source, sheet=sheet, line=line),  # no cell: the sheet row it is on
        value=owner,
    )


def _subsheet_items(book: Workbook, ledger: LedgerInput) -> _Joined:
    """The class and staff sheets, keyed by institution id, to be joined onto the main rows (held in memory). Their
    table is found as a main sheet's is (:func:`_find_table`; the header always found, never ``--header-row``), and
    a vertically merged owner id is filled down over the rows it spans, as a district is in a main sheet."""
    extra = _Joined()
    for name in book.sheetnames:
        target = _subsheet(name)
        if not target:
            continue
        where = f"{ledger.source}#{name}"
        table = _find_table(book, name, where, ledger, None, JOIN_FILL_DOWN)
        if table is None:
            continue
        ledger.table(where, table.first_line, table.mapper, joins=target, last_line=table.header_line)
        for line, cells, bad in table.rows():
            if bad:
                extra.rows.append(_Held(name, line, None, bad))
            elif table.mapper.duplicates and table.mapper.conflicts(cells, 0, where):
                located = partial(table.mapper.conflicts, cells, line=line, table=table.mapper.table(name))
                extra.rows.append(_Held(name, line, None, [], located))
            else:
                extra.add(target, name, line, _item(table.mapper, cells))
        table.done(ledger)
    return extra


def _item(mapper: RowMapper, cells: list[Any]) -> dict[str, Any]:
    """A class or staff row as an item (its keys as the headers name them); the values of columns without a header
    are noted as dropped (:meth:`RowMapper.dropped_notice`)."""
    item = {}
    for i, value in enumerate(cells):
        if value in (None, ""):
            continue
        key = mapper.key_of(i)
        if key:
            item[key] = _cell(value)
        elif str(value).strip():
            mapper.dropped.add(i)
    return item


class _SheetTable:
    """The table found in one sheet, main or class/staff: its header's lines, the hidden helper columns left out, how
    its headers are read, its layout (rows skipped) and the merged cells filled down; :meth:`rows` gives its data."""

    def __init__(self, where: str, found: Header, head: list[_Row], rest: Iterator[_Row], parts: _Parts):
        self.where, self.first_line = where, head[found.index][0]
        self.header_line = head[found.index + found.height - 1][0]
        self.helpers, self.mapper, self.layout, self.fill = parts
        self._data = chain(head[found.index + found.height :], rest)

    def rows(self) -> Iterator[_Row]:
        """The data rows (helper columns blanked, merged cells filled), without blank rows and rows of layout."""
        for line, cells, bad in self._data:
            cells = self.fill(line, _without(cells, self.helpers))
            if not bad and (all(c in (None, "") for c in cells) or self.layout.below(line, cells)):
                continue
            yield line, cells, bad

    def done(self, ledger: LedgerInput) -> None:
        """The notices said once the rows are read: rows skipped as layout, values in columns without a header."""
        ledger.notice(self.where, self.layout.notice(self.where))
        ledger.notice(self.where, self.mapper.dropped_notice(self.where))


def _find_table(
    book: Workbook, name: str, where: str, ledger: LedgerInput, header_row: int | None, fill_down: AbstractSet[str]
) -> _SheetTable | None:
    """The table of one sheet (main or class/staff): its header found (one row or two, :func:`.layout.locate_header`)
    or at ``header_row``, the rows above it listed as layout, its hidden helper columns left out, with a notice for
    each; None, with a notice, for a sheet that holds no table. ``fill_down``: the fields whose merged cells are
    filled down."""
    rows, merges = _rows(book, name), _merged(book, name)
    head, notes = _head(rows, name, ledger, header_row)
    found = None if notes else locate_header(*_first(head), where, header_row, merges, _bad(head), ledger.columns)
    if found is None:
        filled = sum(1 for _, cells, bad in chain(head, rows) if bad or any(c not in (None, "") for c in cells))
        if filled:
            ledger.notice(where, no_table_notice(where, filled, notes))
        return None
    header_line = head[found.index + found.height - 1][0]
    helpers = _hidden_helpers(book, name, found.cells, ledger.columns)
    header = _without(found.cells, helpers)
    ledger.notice(where, _hidden_notice(where, header_line, helpers))
    mapper = ledger.mapper(header)
    layout = Layout(header_line, header, head[found.index][0])
    for line, cells, bad in head[: found.index]:
        layout.above(line, cells) if not bad else layout.unreadable(line)
    layout.merged_above(merges)
    ledger.notice(where, ignored_notice(mapper.ignored, where))
    ledger.notice(where, mapper.duplicates_notice(where))
    fill = _Fill(merges, mapper, header_line, layout, fill_down)
    return _SheetTable(where, found, head, rows, (helpers, mapper, layout, fill))


def _main_sheets(book: Workbook, sheet: str | None, source: str) -> list[str]:
    """The sheets whose rows are records: ``--sheet`` if given (it must exist), else every sheet but subsheets."""
    names = [sheet] if sheet else [n for n in book.sheetnames if not _subsheet(n)]
    if sheet and sheet not in book.sheetnames:
        raise _unreadable(
            source,
            "record.unknown-sheet",
            f"没有工作表 '{sheet}'（有：{', '.join(book.sheetnames)}）",
            f"no sheet '{sheet}' (there are: {', '.join(book.sheetnames)})",
        )
    return names


def _sheet_rows(
    book: Workbook, names: list[str], extra: _Joined, ledger: LedgerInput, as_cells: CellsOf | None = None
) -> Iterator[RawRow]:
    row_number, joinable = 0, False  # joinable: some sheet read holds institutions, onto which classes join
    if ledger.header_row is not None and len(names) > 1:
        _check_header_row(book, names, ledger)  # before any row is given out
    for name in names:
        where = f"{ledger.source}#{name}" if len(names) > 1 else ledger.source
        table = _find_table(book, name, where, ledger, ledger.header_row, FILL_DOWN)
        if table is None:
            continue
        mapper = table.mapper
        columns = mapper.table(name, items="classes" not in extra.items)
        named = KIND_SHEETS.get(name.strip().lower()) or KIND_SHEETS.get(name.strip())
        decided = ledger.table(where, table.first_line, mapper, named, last_line=table.header_line)
        joinable = joinable or decided.how == "column" or decided.kind == "institution"
        cells_of = as_cells(mapper, decided) if as_cells is not None else None
        for line, cells, bad in table.rows():
            row_number += 1
            if bad:
                unreadable = tuple(_cell_problem(row_number, where, name, line, b) for b in bad)
                yield RawRow(row_number, where, None, unreadable, excel_row=line, columns=columns)
                continue
            problems = mapper.conflicts(cells, row_number, where, line, columns) if mapper.duplicates else []
            if problems:
                yield RawRow(row_number, where, None, tuple(problems), excel_row=line, columns=columns)
                continue
            joins = bool(extra.items) and _joins(mapper, cells, extra)
            data = cells_of(cells) if cells_of and not joins else _joined(mapper, cells, extra)
            yield RawRow(row_number, where, data, excel_row=line, columns=columns)
        table.done(ledger)
    if joinable:  # the class and staff rows no institution row took are error rows after the main rows
        yield from extra.orphans(row_number, ledger.source)
    elif extra.rows:
        ledger.notice(ledger.source, extra.unjoined_notice(ledger.source))


_Row = tuple[int, list[Any], list[BadCell]]


def _head(rows: Iterator[_Row], name: str, ledger: LedgerInput, header_row: int | None) -> tuple[list[_Row], bool]:
    """The first rows of a sheet (where its header is, at ``header_row`` if given), and whether it is a notes sheet,
    skipped (unless it is the ``--sheet`` read with a ``--header-row``)."""
    notes = is_notes_sheet(name) and not (ledger.sheet and header_row is not None)
    return first_rows(rows, lambda item: item[0], None if notes else header_row), notes


def _first(head: list[_Row]) -> tuple[list[list[Any]], list[int]]:
    """The cells (a row with unreadable cells as none) and the lines of the first rows."""
    return [[] if bad else cells for _, cells, bad in head], [line for line, _, _ in head]


def _bad(head: list[_Row]) -> frozenset[int]:
    """The indices of the first rows that hold a cell that cannot be read."""
    return frozenset(i for i, (_, _, unreadable) in enumerate(head) if unreadable)


def _check_header_row(book: Workbook, names: list[str], ledger: LedgerInput) -> None:
    """Raise the ``--header-row`` error of the first sheet that lacks that row, before any sheet is read."""
    for name in names:
        rows = _rows(book, name)
        try:
            head, notes = _head(rows, name, ledger, ledger.header_row)
            if not notes and ledger.header_row is not None:
                cells, lines = _first(head)
                header_row_index(lines, cells, ledger.header_row, f"{ledger.source}#{name}", True, _bad(head))
        finally:
            getattr(rows, "close", lambda: None)()  # the sheet's source is closed now, not when collected


class _Fill:
    """Fills vertically merged cells of the district columns down (Excel keeps the value in the first row only); a
    merged data cell of another column is read in its first row only, and the layout notice names it."""

    def __init__(
        self,
        ranges: list[tuple[int, int, int, int]],
        mapper: RowMapper,
        header_line: int,
        layout: Layout,
        fields: AbstractSet[str] = FILL_DOWN,
    ):
        district = {i for i, h in enumerate(mapper.headers) if h.strip() and mapper.key_of(i) in fields}
        self._ranges: list[tuple[int, int, int]] = []  # (first row, last row, 0-based column)
        for first_row, first_col, last_row, last_col in ranges:
            if first_row <= header_line or last_row == first_row:
                continue
            for col in range(first_col - 1, last_col):
                if col in district:
                    self._ranges.append((first_row, last_row, col))
                elif col == first_col - 1:
                    layout.merged.append(f"{column_letter(col)}{first_row}:{column_letter(last_col - 1)}{last_row}")
        self._values: dict[tuple[int, int], Any] = {}

    def __call__(self, line: int, cells: list[Any]) -> list[Any]:
        for first, last, col in self._ranges:
            if line == first:
                self._values[first, col] = cells[col] if col < len(cells) else None
            elif first < line <= last and (col >= len(cells) or cells[col] in (None, "")):
                if any(c not in (None, "") for c in cells):  # a row that is otherwise blank stays blank
                    cells = [*cells, *[None] * (col + 1 - len(cells))]
                    cells[col] = self._values.get((first, col))
        return cells


_Parts = tuple[dict[int, str], RowMapper, Layout, _Fill]  # helper columns, mapper, layout, fill of a sheet


def _merged(book: Workbook, name: str) -> list[Range]:
    """The merged ranges of a sheet as (first row, first column, last row, last column), 1-based."""
    return book.merged(name)


def _hidden_helpers(book: Workbook, name: str, header: list[Any], columns: ColumnMap | None = None) -> dict[int, str]:
    """The hidden columns whose header names no field, the column map's included (0-based column -> header): helper
    columns, skipped."""
    out = {}
    for col in sorted(book.hidden(name)):
        text = header[col] if col < len(header) else None
        if text is None or not str(text).strip() or not is_known(header_match(str(text), columns)[0]):
            out[col] = "" if text is None else " ".join(str(text).split())
    return out


def _without(cells: list[Any], columns: dict[int, str]) -> list[Any]:
    if not columns:
        return cells
    return [None if i in columns else c for i, c in enumerate(cells)]


def _hidden_notice(where: str, header_line: int, columns: dict[int, str]) -> tuple[str, str] | None:
    shown = [
        f"{column_letter(c)}（{h}）" if h else column_letter(c) for c, h in columns.items() if c < MAX_XLSX_COLUMNS
    ]
    if not shown:
        return None
    return (
        f"{where}：跳过隐藏的辅助列 {'、'.join(shown)}（第 {header_line} 行的表头不对应任何字段）",
        f"{where}: hidden helper column {', '.join(shown).replace('（', ' (').replace('）', ')')} skipped (its header in row {header_line} names no field)",
    )


def cell_values(cells: list[Any]) -> list[Any]:
    """A row's cells as the mapper is given them: a float its shortest exact decimal."""
    return [_cell(c) for c in cells]


def _joins(mapper: RowMapper, cells: list[Any], extra: _Joined) -> bool:
    """Whether some class or staff row is joined onto this main row (by its id, trimmed, as :func:`_joined` joins)."""
    owner = mapper.map(cell_values(cells)).get("id")
    return owner is not None and any(str(owner).strip() in table for table in extra.items.values())


def _joined(mapper: RowMapper, cells: list[Any], extra: _Joined) -> dict[str, Any]:
    """A main row's record, with the class and staff rows of its id (both trimmed) joined on."""
    record = mapper.map(cell_values(cells))
    if record.get("id") is None:
        return record
    key = str(record["id"]).strip()
    for target, table in extra.items.items():
        if key in table:
            record[target] = [*record.get(target, []), *table[key]]
            extra.matched.add(key)
    return record


def _cell_problem(row: int, source: str, sheet: str, line: int, bad: BadCell) -> Problem:
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(min(max(bad.column, 1), 16384))}{line}"
    code = "record.sheet-too-large" if bad.reason.startswith("past") else "record.bad-cell"
    return Problem(
        code,
        f"工作表 {sheet} 的单元格 {cell} 无法读取：{bad.reason}",
        f"cell {cell} of sheet {sheet} cannot be read: {bad.reason}",
        Location(row=row, field=cell, file=source, sheet=sheet, cell=cell),
        value=cell,
    )


def _rows(book: Workbook, name: str) -> Iterator[Row]:
    """The rows a sheet holds, as (sheet row number, values, cells that could not be read); gaps are skipped and
    the declared dimension is ignored."""
    return book.rows(name)


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else str(value)
    return value
