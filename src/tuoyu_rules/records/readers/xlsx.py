"""The XLSX reader (also ``.xlsm``): every sheet, or ``--sheet``; streamed row by row.

Sheets named 班级/classes and 人员/staff are joined by institution id onto the main rows (those two sheets are held
in memory); rows of sheets named 区域/regions and 居住区/residential_areas are regions and residential areas.

A workbook is a zip file: its parts are checked (sizes and compression ratios, from the zip directory, which
``zipfile`` enforces while reading) before openpyxl reads any of them. Rows and cells are read as the sheet holds
them, never from its declared dimension (a 1.5 KB sheet may declare ``A1:XFD1048576``); a row past Excel's last row
or a value past column :data:`MAX_XLSX_COLUMNS` is an error. A cell that cannot be read (a shared-string index
that does not exist, a malformed number) makes its row an error row naming the cell; the other rows are read.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import chain
from typing import IO, TYPE_CHECKING, Any

from ...errors import Location, Problem, RecordError
from ...vocabulary import FILL_DOWN, KIND_SHEETS, SUBSHEETS
from ..limits import (
    MAX_XLSX_COLUMNS,
    MAX_XLSX_PART,
    MAX_XLSX_PARTS,
    MAX_XLSX_RATIO,
    MAX_XLSX_ROWS,
    MAX_XLSX_TOTAL,
)
from .base import LedgerInput, RawRow
from .columns import RowMapper, column_letter, header_key, ignored_notice
from .layout import (
    HEADER_SCAN,
    Layout,
    find_header,
    first_rows,
    header_row_index,
    is_notes_sheet,
    locate_header,
    no_table_notice,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

_Joined = dict[str, dict[str, list[dict[str, Any]]]]  # target field -> institution id -> items of a subsheet


class BadCell:
    """A cell openpyxl could not read: where it is and why (its row becomes an error row)."""

    __slots__ = ("column", "reason")

    def __init__(self, column: int, reason: str):
        self.column, self.reason = column, reason


def read_xlsx(ledger: LedgerInput) -> Iterator[RawRow]:
    """One RawRow per non-blank data row of each main sheet, numbered across sheets; with several sheets the
    source names the sheet (``file.xlsx#Sheet1``)."""
    book = _load_workbook(ledger)
    try:
        extra = _subsheet_items(book, ledger)
        names = _main_sheets(book, ledger.sheet, ledger.source)
        yield from _sheet_rows(book, names, extra, ledger)
    finally:
        book.close()


def _unreadable(source: str, code: str, zh: str, en: str) -> RecordError:
    return RecordError([Problem(code, zh, en, Location(file=source))])


def _load_workbook(ledger: LedgerInput) -> Workbook:
    import openpyxl

    data: IO[bytes] | Any = ledger.path if ledger.path is not None else io.BytesIO(ledger.stdin.read())  # type: ignore[union-attr]
    _check_parts(data, ledger.source)
    try:
        return openpyxl.load_workbook(data, read_only=True, data_only=True)
    except Exception as exc:
        raise _unreadable(
            ledger.source,
            "record.unreadable",
            f"无法读取 Excel 文件 {ledger.source}：{exc}",
            f"cannot read the workbook {ledger.source}: {exc}",
        ) from None


def _check_parts(data: Any, source: str) -> None:
    """Refuse a workbook whose parts would expand too far (a zip bomb) before anything is decompressed."""
    try:
        with zipfile.ZipFile(data) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(
            source, "record.unreadable", f"{source} 不是有效的 Excel 文件：{exc}", f"{source} is not a workbook: {exc}"
        ) from None
    if isinstance(data, io.BytesIO):
        data.seek(0)
    total = sum(p.file_size for p in parts)
    worst = max(parts, key=lambda p: p.file_size / max(p.compress_size, 1), default=None)
    biggest = max(parts, key=lambda p: p.file_size, default=None)
    reason = None
    if len(parts) > MAX_XLSX_PARTS:
        reason = (f"有 {len(parts)} 个部分", f"it has {len(parts)} parts")
    elif total > MAX_XLSX_TOTAL:
        reason = (f"解压后共 {total:,} 字节", f"it expands to {total:,} bytes")
    elif biggest is not None and biggest.file_size > MAX_XLSX_PART and not _is_sheet(biggest.filename):
        reason = (
            f"{biggest.filename} 解压后 {biggest.file_size:,} 字节",
            f"{biggest.filename} expands to {biggest.file_size:,} bytes",
        )
    elif worst is not None and worst.file_size > 1_000_000 and worst.file_size > MAX_XLSX_RATIO * worst.compress_size:
        ratio = worst.file_size // max(worst.compress_size, 1)
        reason = (f"{worst.filename} 压缩比 {ratio} 倍", f"{worst.filename} is compressed {ratio} times")
    if reason is not None:
        raise _unreadable(
            source,
            "record.workbook-too-large",
            f"{source} 超过 Excel 文件的上限（{reason[0]}；可能是压缩炸弹），未读取",
            f"{source} is over the limits of a workbook ({reason[1]}; a zip bomb?) and was not read",
        )


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _subsheet(name: str) -> str | None:
    """The field (classes, staff) whose items a sheet of this name holds, or None for a main sheet."""
    return SUBSHEETS.get(name.strip().lower()) or SUBSHEETS.get(name.strip())


def _subsheet_items(book: Workbook, ledger: LedgerInput) -> _Joined:
    """The class and staff sheets, keyed by institution id, to be joined onto the main rows (held in memory)."""
    extra: _Joined = {}
    for name in book.sheetnames:
        target = _subsheet(name)
        if target:
            rows = [cells for _, cells, bad in _rows(book, name) if not bad]
            index = find_header(rows[:HEADER_SCAN]) or 0
            raw = rows[index] if rows else []
            ledger.notice(f"{ledger.source}#{name}", ignored_notice(RowMapper(raw).ignored, name))
            header = [header_key(str(h)) if h is not None else "" for h in raw]
            for cells in rows[index + 1 :]:
                item = {h: _cell(v) for h, v in zip(header, cells, strict=False) if h and v not in (None, "")}
                owner = item.pop("institution_id", None) or item.pop("id", None)
                if owner is not None:
                    extra.setdefault(target, {}).setdefault(str(owner), []).append(item)
    return extra


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


def _sheet_rows(book: Workbook, names: list[str], extra: _Joined, ledger: LedgerInput) -> Iterator[RawRow]:
    row_number = 0
    if ledger.header_row is not None and len(names) > 1:
        _check_header_row(book, names, ledger)  # before any row is given out
    for name in names:
        where = f"{ledger.source}#{name}" if len(names) > 1 else ledger.source
        rows, merges = _rows(book, name), _merged(book, name)
        head, notes = _head(rows, name, ledger)
        found = None if notes else locate_header(*_first(head), where, ledger.header_row, merges, _bad(head))
        if found is None:
            filled = sum(1 for _, cells, bad in chain(head, rows) if bad or any(c not in (None, "") for c in cells))
            if filled:
                ledger.notice(where, no_table_notice(where, filled, notes))
            continue
        header_line = head[found.index + found.height - 1][0]
        mapper = RowMapper(found.cells)
        layout = Layout(header_line, found.cells, head[found.index][0])
        for line, cells, bad in head[: found.index]:
            layout.above(line, cells) if not bad else layout.unreadable(line)
        layout.merged_above(merges)
        ledger.notice(where, ignored_notice(mapper.ignored, where))
        fill = _Fill(merges, mapper, header_line, layout)
        kind = KIND_SHEETS.get(name.strip().lower()) or KIND_SHEETS.get(name.strip())
        for line, cells, bad in chain(head[found.index + found.height :], rows):
            cells = fill(line, cells)
            if not bad and (all(c in (None, "") for c in cells) or layout.below(line, cells)):
                continue
            row_number += 1
            if bad:
                unreadable = tuple(_cell_problem(row_number, where, name, line, b) for b in bad)
                yield RawRow(row_number, where, None, unreadable, excel_row=line)
                continue
            problems = mapper.conflicts(cells, row_number, where) if mapper.duplicates else []
            if problems:
                yield RawRow(row_number, where, None, tuple(problems), excel_row=line)
                continue
            yield RawRow(row_number, where, _joined(mapper, cells, kind, extra), excel_row=line)
        ledger.notice(where, layout.notice(where))
        ledger.notice(where, mapper.dropped_notice(where))


_Row = tuple[int, list[Any], list[BadCell]]


def _head(rows: Iterator[_Row], name: str, ledger: LedgerInput) -> tuple[list[_Row], bool]:
    """The first rows of a sheet (where its header is), and whether it is a notes sheet, skipped (unless it is the
    ``--sheet`` read with a ``--header-row``)."""
    notes = is_notes_sheet(name) and not (ledger.sheet and ledger.header_row is not None)
    return first_rows(rows, lambda item: item[0], None if notes else ledger.header_row), notes


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
            head, notes = _head(rows, name, ledger)
            if not notes and ledger.header_row is not None:
                cells, lines = _first(head)
                header_row_index(lines, cells, ledger.header_row, f"{ledger.source}#{name}", True, _bad(head))
        finally:
            getattr(rows, "close", lambda: None)()  # the sheet's source is closed now, not when collected


class _Fill:
    """Fills vertically merged cells of the district columns down (Excel keeps the value in the first row only); a
    merged data cell of another column is read in its first row only, and the layout notice names it."""

    def __init__(self, ranges: list[tuple[int, int, int, int]], mapper: RowMapper, header_line: int, layout: Layout):
        district = {i for i, h in enumerate(mapper.headers) if h.strip() and header_key(h) in FILL_DOWN}
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


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


def _merged(book: Workbook, name: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet as (first row, first column, last row, last column), 1-based, read from its XML
    by a byte scan (the read-only workbook does not parse them); at most 100,000."""
    from openpyxl.utils import column_index_from_string

    sheet: Any = book[name]
    if not hasattr(sheet, "_get_source"):
        return []
    out: list[tuple[int, int, int, int]] = []
    tail = b""
    with sheet._get_source() as src:
        while len(out) < 100_000:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            data = tail + chunk
            cut = data.rfind(b"<")
            cut = cut if cut > len(data) - 200 else len(data)
            for m in _MERGE.finditer(data, 0, cut):
                a, r1, b, r2 = (g.decode() if g else None for g in m.groups())
                first_col, first_row = column_index_from_string(a or "A"), int(r1 or 1)
                last_col, last_row = column_index_from_string(b or a or "A"), int(r2 or r1 or 1)
                out.append((first_row, first_col, last_row, last_col))
            tail = data[cut:]
    return out


def _joined(mapper: RowMapper, cells: list[Any], kind: str | None, extra: _Joined) -> dict[str, Any]:
    record = mapper.map([_cell(c) for c in cells])
    if kind and "kind" not in record:
        record["kind"] = kind
    key = str(record.get("id"))
    for target, table in extra.items():
        if key in table:
            record[target] = [*record.get(target, []), *table[key]]
    return record


def _cell_problem(row: int, source: str, sheet: str, line: int, bad: BadCell) -> Problem:
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(min(max(bad.column, 1), 16384))}{line}"
    code = "record.sheet-too-large" if bad.reason.startswith("past") else "record.bad-cell"
    return Problem(
        code,
        f"工作表 {sheet} 的单元格 {cell} 无法读取：{bad.reason}",
        f"cell {cell} of sheet {sheet} cannot be read: {bad.reason}",
        Location(row=row, field=cell, file=source),
        value=cell,
    )


def _rows(book: Workbook, name: str) -> Iterator[tuple[int, list[Any], list[BadCell]]]:
    """The rows a sheet holds, as (sheet row number, values, cells that could not be read); gaps are skipped and
    the declared dimension is ignored."""
    from openpyxl.worksheet._reader import WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            before = self.col_counter
            try:
                return super().parse_cell(element)
            except Exception as exc:  # openpyxl raises IndexError, ValueError … for a malformed cell
                if self.col_counter == before:  # the error came before the cell's column was known
                    self.col_counter += 1
                reason = f"{type(exc).__name__}: {str(exc)[:100]}"
                return {"row": self.row_counter, "column": self.col_counter, "value": BadCell(self.col_counter, reason)}

    sheet: Any = book[name]
    if not hasattr(sheet, "_get_source"):  # a chart sheet: no cells
        return
    with sheet._get_source() as src:
        parser = Parser(
            src,
            _Strings(sheet._shared_strings),
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,  # type: ignore[attr-defined]
            timedelta_formats=book._timedelta_formats,  # type: ignore[attr-defined]
        )
        try:
            for line, cells in parser.parse():
                if line > MAX_XLSX_ROWS:
                    yield line, [], [BadCell(1, f"past the last row Excel has ({MAX_XLSX_ROWS:,})")]
                    return
                yield (line, *_values(cells))
        except Exception as exc:  # a malformed sheet outside its cells: the rest of the sheet cannot be read
            yield parser.row_counter + 1, [], [BadCell(1, f"{type(exc).__name__}: {str(exc)[:100]}")]


def _values(cells: list[dict[str, Any]]) -> tuple[list[Any], list[BadCell]]:
    """A row's values by column (1 = A), at most :data:`MAX_XLSX_COLUMNS`, and the cells that could not be read."""
    bad = [c["value"] for c in cells if isinstance(c["value"], BadCell)]
    width = max((c["column"] for c in cells if c["value"] is not None), default=0)
    if width > MAX_XLSX_COLUMNS:
        bad.append(BadCell(width, f"past column {MAX_XLSX_COLUMNS:,}, the most a ledger row may use"))
        width = MAX_XLSX_COLUMNS
    values: list[Any] = [None] * width
    for c in cells:
        column = c["column"]
        if 1 <= column <= width and not isinstance(c["value"], BadCell):
            values[column - 1] = c["value"]
    return values, bad


class _Strings(Sequence[Any]):
    """The shared strings, refusing an index that does not exist (a negative one would silently count from the end)."""

    def __init__(self, strings: Sequence[Any]):
        self._strings = strings

    def __len__(self) -> int:
        return len(self._strings)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, int) or not 0 <= index < len(self._strings):
            raise IndexError(f"shared string {index} does not exist (the workbook has {len(self._strings)})")
        return self._strings[index]


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else str(value)
    return value
