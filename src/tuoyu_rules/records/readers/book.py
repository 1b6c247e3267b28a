"""The cells of a workbook, whatever office suite saved it: ``.xlsx``, ``.xlsm``, ``.xls`` and ``.ods``, read by
python-calamine (one Rust reader for the four formats) or, for a big XLSX sheet, by the streamed reader of
:mod:`.sheetxml`. :func:`open_book` returns a :class:`Book`: its sheet names, and per sheet its rows as (sheet row
number, values, cells that could not be read), its merged ranges and its hidden columns. The XLSX reader
(:mod:`.xlsx`) walks the sheets; this module only says what the cells hold.

calamine holds a sheet in memory as a grid from its first to its last cell (about 85 bytes a cell with the Python
rows it gives), so the grid is bounded before calamine reads a sheet: a zip workbook's parts are checked from the
zip directory (:func:`check_parts`, before anything is decompressed); an XLSX sheet's cell references are scanned (a
byte scan of its XML). A sheet whose grid passes :data:`MAX_CALAMINE_GRID` cells is parsed by :mod:`.sheetxml`
instead, which gives the values calamine gives in bounded memory (the XML in chunks, the shared strings in one
buffer); a sheet that holds cells without a reference, or that calamine cannot read (an error cell, a shared string
that does not exist, a malformed number), is read by the streamed openpyxl parser, which names each bad cell. An ODS
``content.xml`` is parsed once for the hidden columns, the merged cells and the grid (a repeated cell may not expand
past :data:`MAX_WORKBOOK_GRID`); an ``.xls`` file is bounded by its size, and its cell records are read once
(:mod:`.biff`) for the grid of each sheet, its hidden columns and its error cells: both stay on calamine.

What each format gives: values and dates everywhere; merged ranges from the sheet XML (xlsx), calamine (xls) or the
ODS XML; hidden columns from ``<col hidden="1">`` (xlsx), ``table:visibility="collapse"`` (ods) and the COLINFO
records (xls); error cells as the error shown (calamine reads them as empty).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import IO, Any
from xml.etree import ElementTree

from ...errors import Location, Problem, RecordError
from ..limits import (
    MAX_CALAMINE_GRID,
    MAX_WORKBOOK_GRID,
    MAX_XLS_BYTES,
    MAX_XLSX_COLUMNS,
    MAX_XLSX_PART,
    MAX_XLSX_PARTS,
    MAX_XLSX_RATIO,
    MAX_XLSX_ROWS,
    MAX_XLSX_TOTAL,
)
from .base import LedgerInput
from .biff import xls_layout

Row = tuple[int, list[Any], list["BadCell"]]  # (sheet row number, values by column from A, cells not read)
Range = tuple[int, int, int, int]  # a merged range: first row, first column, last row, last column (1-based)


class BadCell:
    """A cell that could not be read: its column (1 = A) and why (its row becomes an error row)."""

    __slots__ = ("column", "reason")

    def __init__(self, column: int, reason: str):
        self.column, self.reason = column, reason


def unreadable(source: str, code: str, zh: str, en: str) -> RecordError:
    return RecordError([Problem(code, zh, en, Location(file=source))])


def _too_large(source: str, zh: str, en: str) -> RecordError:
    return unreadable(
        source,
        "record.workbook-too-large",
        f"{source} 超过工作簿的上限（{zh}；可能是压缩炸弹），未读取",
        f"{source} is over the limits of a workbook ({en}; a zip bomb?) and was not read",
    )


class Book:
    """A workbook opened by calamine. ``sheetnames`` are in workbook order; a chart sheet has no rows. An XLSX
    workbook whose sheets are named by its ``xl/workbook.xml`` is given to calamine only when a sheet is (calamine
    holds the whole file and its shared strings as soon as it opens it: 250 MB for a 1,000,000-row workbook)."""

    def __init__(self, data: IO[bytes], fmt: str, source: str):
        self.fmt, self.source, self._data = fmt, source, data
        self._parts: dict[str, str] | None = _xlsx_parts(data) if fmt == "xlsx" else None  # sheet name -> part
        self._book: Any = None
        try:
            self._layout: dict[str, _SheetLayout] = _ods_layout(data, source) if fmt == "ods" else {}
            if fmt == "xls":
                self._layout = _xls_layout(data, source)
            if not self._parts:
                self._book = self._calamine()
        except RecordError:
            raise
        except Exception as exc:
            raise unreadable(
                source,
                "record.unreadable",
                f"无法读取工作簿 {source}：{exc}",
                f"cannot read the workbook {source}: {exc}",
            ) from None
        self.sheetnames: list[str] = list(self._parts) if self._parts else list(self._book.sheet_names)
        self._last: tuple[str, Any] | None = None
        self._streamed: Any = None  # the openpyxl workbook, opened for the XLSX sheets calamine does not read
        self._cells: Any = None  # XLSX: the shared strings, styles and date system, for the sheets parsed by expat

    def _calamine(self) -> Any:
        from python_calamine import CalamineWorkbook

        if self._book is None:
            self._data.seek(0)
            self._book = CalamineWorkbook.from_filelike(self._data)
        return self._book

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
        if self._streamed is not None:
            self._streamed.close()
        self._data.close()

    def rows(self, name: str) -> Iterator[Row]:
        """The rows a sheet holds, from its first non-blank row, each with its sheet row number."""
        if self.fmt == "xlsx":
            layout = self._xlsx_layout(name)
            if layout.stream:
                yield from _streamed_rows(self._openpyxl(), name)
                return
            if layout.grid > MAX_CALAMINE_GRID and self._parts is not None and self._parts.get(name):
                yield from self._expat_rows(self._parts[name], layout.plain)
                return
        try:
            sheet = self._sheet(name)
        except Exception as exc:
            if self.fmt == "xlsx":  # a bad cell: the streamed parser names it, and reads the other rows
                self._layout[name].stream = True
                yield from _streamed_rows(self._openpyxl(), name)
            else:
                yield 1, [], [BadCell(1, f"{type(exc).__name__}: {str(exc)[:100]}")]
            return
        first_row, first_col = sheet.start or (0, 0)
        errors = self._layout[name].errors if name in self._layout else {}
        rows = iter(sheet.iter_rows())
        first = next(rows, None)
        # python-calamine 0.9 gives the rows from the sheet's row 1 (its columns from the first one used); a version
        # that gave them from the first row used would start with a row that holds a value
        offset = 0 if first_row and first is not None and all(v == "" for v in first) else first_row
        line = offset
        try:
            for i, values in enumerate(chain([first] if first is not None else [], rows)):
                line = offset + i + 1
                cells, bad = _values([*[None] * first_col, *values])
                if line in errors:  # calamine reads an error cell as empty: it is the error the sheet shows
                    cells = _with_errors(cells, errors[line])
                if cells or bad:  # a blank row is a gap, as in the streamed parser
                    yield line, cells, bad
        except BaseException as exc:  # calamine's PanicException derives from BaseException
            if not _unconvertible(exc):
                raise
            yield from self._after_calamine(name, line, exc)

    def _after_calamine(self, name: str, done: int, exc: BaseException) -> Iterator[Row]:
        """The rows after ``done`` of a sheet whose cell calamine could not turn into a Python value (a duration of
        10^20 days): an XLSX sheet's from :mod:`.sheetxml`; another format's rest is one error row, never a
        traceback and never rows dropped in silence."""
        part = (self._parts or {}).get(name)
        if self.fmt == "xlsx" and part:
            for row in self._expat_rows(part, self._xlsx_layout(name).plain):
                if row[0] > done:
                    yield row
            return
        yield done + 1, [], [BadCell(1, f"{type(exc).__name__}: {str(exc)[:100]}")]

    def merged(self, name: str) -> list[Range]:
        """The merged ranges of a sheet, 1-based (first row, first column, last row, last column)."""
        if self.fmt == "xlsx":
            return self._xlsx_layout(name).merged
        if self.fmt == "ods":
            return self._layout[name].merged if name in self._layout else []
        try:
            ranges = self._sheet(name).merged_cell_ranges or []
        except Exception:  # the sheet cannot be read: its rows say so
            return []
        return [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in ranges][:100_000]

    def hidden(self, name: str) -> set[int]:
        """The hidden columns of a sheet, 0-based (xlsx: the sheet XML; xls: its COLINFO records; ods: content.xml)."""
        if self.fmt == "xlsx":
            return self._xlsx_layout(name).hidden
        layout = self._layout.get(name)
        return layout.hidden if layout else set()

    def _sheet(self, name: str) -> Any:
        """The sheet calamine reads (the last one is kept: its rows and merged ranges are asked for in turn)."""
        if self._last is None or self._last[0] != name:
            self._last = None  # the previous grid is let go before the next is built
            self._last = (name, self._calamine().get_sheet_by_name(name))
        return self._last[1]

    def _xlsx_layout(self, name: str) -> _SheetLayout:
        if name not in self._layout:
            self._layout[name] = _xlsx_scan(self._data, (self._parts or {}).get(name))
        return self._layout[name]

    def _expat_rows(self, part: str, plain: bool) -> Iterator[Row]:
        """The rows of a big XLSX sheet, streamed by :mod:`.sheetxml` (calamine's values, in bounded memory): a
        plain sheet's by its regular expression, another's by expat."""
        from . import sheetxml

        with zipfile.ZipFile(self._data) as archive:
            if self._cells is None:
                self._cells = sheetxml.workbook_cells(archive)
            read = sheetxml.fast_sheet_cells if plain else sheetxml.sheet_cells
            for line, cells, bad in read(archive, part, *self._cells):
                if line > MAX_XLSX_ROWS:
                    yield line, [], [BadCell(1, f"past the last row Excel has ({MAX_XLSX_ROWS:,})")]
                    return
                values, past = _placed(cells)
                yield line, values, [*(BadCell(col, reason) for col, reason in bad), *past]

    def _openpyxl(self) -> Any:
        if self._streamed is None:
            import openpyxl

            self._data.seek(0)
            self._streamed = openpyxl.load_workbook(self._data, read_only=True, data_only=True)
        return self._streamed


def open_book(ledger: LedgerInput) -> Book:
    """The workbook of a ledger, its format told by its first bytes (a ``.xls`` that is really an xlsx is read)."""
    data: IO[bytes] = open(ledger.path, "rb") if ledger.path is not None else io.BytesIO(ledger.stdin.read())  # type: ignore[union-attr]
    try:
        head = data.read(8)
        data.seek(0)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            size = data.seek(0, io.SEEK_END)
            data.seek(0)
            if size > MAX_XLS_BYTES:
                raise _too_large(ledger.source, f"{size:,} 字节", f"{size:,} bytes")
            return Book(data, "xls", ledger.source)
        names = check_parts(data, ledger.source)
        return Book(data, "ods" if "content.xml" in names and "xl/workbook.xml" not in names else "xlsx", ledger.source)
    except BaseException:
        data.close()
        raise


def check_parts(data: IO[bytes], source: str) -> set[str]:
    """Refuse a zip workbook whose parts would expand too far (a zip bomb) before anything is decompressed; its
    part names."""
    try:
        with zipfile.ZipFile(data) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise unreadable(
            source, "record.unreadable", f"{source} 不是有效的 Excel 文件：{exc}", f"{source} is not a workbook: {exc}"
        ) from None
    data.seek(0)
    total = sum(p.file_size for p in parts)
    worst = max(parts, key=lambda p: p.file_size / max(p.compress_size, 1), default=None)
    biggest = max(parts, key=lambda p: p.file_size, default=None)
    if len(parts) > MAX_XLSX_PARTS:
        raise _too_large(source, f"有 {len(parts)} 个部分", f"it has {len(parts)} parts")
    if total > MAX_XLSX_TOTAL:
        raise _too_large(source, f"解压后共 {total:,} 字节", f"it expands to {total:,} bytes")
    if biggest is not None and biggest.file_size > MAX_XLSX_PART and not _is_sheet(biggest.filename):
        size = f"{biggest.file_size:,}"
        raise _too_large(
            source, f"{biggest.filename} 解压后 {size} 字节", f"{biggest.filename} expands to {size} bytes"
        )
    if worst is not None and worst.file_size > 1_000_000 and worst.file_size > MAX_XLSX_RATIO * worst.compress_size:
        ratio = worst.file_size // max(worst.compress_size, 1)
        raise _too_large(source, f"{worst.filename} 压缩比 {ratio} 倍", f"{worst.filename} is compressed {ratio} times")
    return {p.filename for p in parts}


def _is_sheet(name: str) -> bool:
    return (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name == "content.xml"


def _values(values: Sequence[Any]) -> tuple[list[Any], list[BadCell]]:
    """A calamine row as the readers take it: empty cells None, whole numbers ints, at most MAX_XLSX_COLUMNS."""
    out = [_value(v) for v in values]
    while out and out[-1] is None:
        out.pop()
    if len(out) > MAX_XLSX_COLUMNS:
        reason = f"past column {MAX_XLSX_COLUMNS:,}, the most a ledger row may use"
        return out[:MAX_XLSX_COLUMNS], [BadCell(len(out), reason)]
    return out, []


def _placed(cells: list[tuple[int, Any]]) -> tuple[list[Any], list[BadCell]]:
    """A streamed row's (column, value) cells (values already as :func:`_value` makes them, none empty) as a
    calamine row becomes (:func:`_values`): by column from A."""
    width = max((col for col, _ in cells), default=0)
    out: list[Any] = [None] * min(width, MAX_XLSX_COLUMNS + 1)
    for col, value in cells:
        if col <= MAX_XLSX_COLUMNS + 1:
            out[col - 1] = value
    if width > MAX_XLSX_COLUMNS:
        out = out[:MAX_XLSX_COLUMNS]
        while out and out[-1] is None:
            out.pop()
    if width > MAX_XLSX_COLUMNS:
        return out, [BadCell(width, f"past column {MAX_XLSX_COLUMNS:,}, the most a ledger row may use")]
    return out, []


def _with_errors(cells: list[Any], found: dict[int, str]) -> list[Any]:
    cells = [*cells, *[None] * (max(found) + 1 - len(cells))]
    for col, text in found.items():
        cells[col] = text
    return cells


def _value(value: Any) -> Any:
    if value == "" and type(value) is str:
        return None
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if type(value) is datetime.datetime and value.time() == datetime.time(0):
        return value.date()
    return value


class _SheetLayout:
    """What a sheet's XML says beyond its values: hidden columns (0-based), merged ranges, and whether the sheet
    must be streamed (its grid is too large for calamine, or it has cells without a reference)."""

    def __init__(self) -> None:
        self.hidden: set[int] = set()
        self.merged: list[Range] = []
        self.errors: dict[int, dict[int, str]] = {}  # ODS: row -> 0-based column -> the error shown (#DIV/0!)
        self.stream = False
        self.grid = 0  # XLSX: last row x last column (at least 26), as the cell references say
        self.plain = True  # XLSX: UTF-8, no CDATA, comment, DOCTYPE or processing instruction past the prolog


# the refs of cells and rows ("A12", "12"), the wide ones (column AA or later), merged ranges and hidden columns
_CELL_REF = re.compile(rb'r="[A-Z]{0,3}([0-9]+)"')
_WIDE_REF = re.compile(rb'r="([A-Z]{2,3})[0-9]')
# a cell calamine would read silently wrong: an error value (read as empty), a shared-string index that is not a
# plain number (read as string 0), a value that is no plain number (read as text, or a huge one as infinity)
_SUSPECT = (
    re.compile(rb't="e"'),
    re.compile(rb't="s"(?:\s[^>]*)?>\s*<v>(?![0-9]{1,10}</v>)'),
    re.compile(rb"<v>(?![-+]?[0-9]{0,30}(?:\.[0-9]{0,30})?(?:[eE][-+]?[0-9]{1,3})?</v>)"),
    re.compile(rb"<c(?:>|\s+(?!r=\"))"),  # a cell without a reference: calamine would place it by counting
    re.compile(rb":(?:c|v|row)\b"),  # a namespace prefix: the patterns above would not see its cells
)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')
_HIDDEN_COL = re.compile(rb'<(?:\w+:)?col\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_COL_SPAN = re.compile(rb'\b(min|max)="([0-9]{1,5})"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _xlsx_parts(data: IO[bytes]) -> dict[str, str]:
    """Sheet name -> its part in the zip, from xl/workbook.xml and its relationships (both small, checked parts)."""
    data.seek(0)
    out: dict[str, str] = {}
    try:
        with zipfile.ZipFile(data) as archive:
            book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        return out
    targets = {r.get("Id"): r.get("Target", "") for r in rels if r.tag.endswith("Relationship")}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def _xlsx_scan(data: IO[bytes], part: str | None) -> _SheetLayout:
    """One byte scan of an XLSX sheet's XML: its hidden columns, merged ranges, and whether calamine may read it
    (its grid, last row x last column as its references say, within :data:`MAX_WORKBOOK_GRID`, and no cell it
    would read silently wrong: :data:`_SUSPECT`, a cell without a reference, a namespace prefix)."""
    layout = _SheetLayout()
    last_row, last_col, odd = 0, 26, False
    data.seek(0)
    try:
        with zipfile.ZipFile(data) as archive, archive.open(part or "") as src:
            tail, more, first = b"", True, True
            while more:
                chunk = src.read(1 << 20)
                text, more = tail + chunk, bool(chunk)
                cut = _cut(text) if more else len(text)
                rows = _CELL_REF.findall(text, 0, cut)
                last_row = max(last_row, max(map(int, set(rows)), default=0))
                last_col = max(last_col, max(map(_column_number, set(_WIDE_REF.findall(text, 0, cut))), default=0))
                odd = odd or any(_suspect(pattern, text, cut) for pattern in _SUSPECT)
                layout.plain = layout.plain and _plain(text, cut, first)
                first = False
                _layout_tags(text, cut, layout)
                tail = text[cut:]
    except Exception:  # no such part, or a damaged one: the streamed parser reports what it finds
        odd = True
    layout.grid = last_row * last_col
    layout.stream = odd or last_row > MAX_XLSX_ROWS
    return layout


_NOT_PLAIN = re.compile(rb"<[!?]")
_PROLOG = re.compile(
    rb'(?:\xef\xbb\xbf)?<\?xml(?:\s+version="1\.[0-9]")?(?:\s+encoding="(?:UTF|utf)-8")?(?:\s+standalone="(?:yes|no)")?\s*\?>'
)


def _plain(text: bytes, cut: int, first: bool) -> bool:
    """Whether a chunk of sheet XML is plain (:func:`.sheetxml.fast_sheet_cells` may read it): no ``<!`` (CDATA,
    comment, DOCTYPE) or ``<?`` (a processing instruction) but the UTF-8 prolog at the start of the part."""
    start = 0
    if first:
        prolog = _PROLOG.match(text)
        if prolog is None and text.startswith((b"<?", b"\xff\xfe", b"\xfe\xff")):
            return False
        start = prolog.end() if prolog else 0
    found = _NOT_PLAIN.search(text, start)
    return found is None or found.start() >= cut


def _cut(text: bytes) -> int:
    """Where to cut a chunk of sheet XML so that every cell before the cut is whole: before its last cell or row."""
    cut = max(text.rfind(b"<c "), text.rfind(b"<row "))
    if cut < len(text) - 65536:  # no cell near the end (a long text, or not a sheet): before the last tag
        cut = text.rfind(b"<")
    return cut if cut > 0 else len(text)


def _suspect(pattern: re.Pattern[bytes], text: bytes, cut: int) -> bool:
    found = pattern.search(text)  # the whole text, so that a look-ahead sees past the cut; the tail is read again
    return found is not None and found.start() < cut


def _layout_tags(text: bytes, cut: int, layout: _SheetLayout) -> None:
    head = text.find(b"sheetData", 0, cut)
    if head >= 0 or b"<col " in text:
        for m in _HIDDEN_COL.finditer(text, 0, head if head >= 0 else cut):
            span = dict(_COL_SPAN.findall(m.group(0)))
            first = int(span.get(b"min", b"1"))
            layout.hidden.update(range(first - 1, min(int(span.get(b"max", first)), MAX_XLSX_COLUMNS)))
    if b"mergeCell" in text:
        for m in _MERGE.finditer(text, 0, cut):
            if len(layout.merged) < 100_000:
                a, r1, b, r2 = m.groups()
                layout.merged.append((int(r1), _column_number(a), int(r2 or r1), _column_number(b or a)))


_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_VALUE_TYPE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"
_CALC_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"


def _ods_layout(data: IO[bytes], source: str) -> dict[str, _SheetLayout]:
    """One parse of an ODS ``content.xml``: per table its hidden columns and merged cells; a table whose filled
    grid (repeated rows and cells counted out) would pass :data:`MAX_WORKBOOK_GRID` cells refuses the file."""
    out: dict[str, _SheetLayout] = {}
    data.seek(0)
    with zipfile.ZipFile(data) as archive, archive.open("content.xml") as src:
        table: _SheetLayout | None = None
        row = col = width = height = 0
        filled = False
        for event, elem in ElementTree.iterparse(src, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == f"{_T}table":
                    table = out.setdefault(elem.get(f"{_T}name", ""), _SheetLayout())
                    row = col = width = height = 0
                elif tag == f"{_T}table-row":
                    col, filled = 0, False
                continue
            if table is None:
                continue
            if tag == f"{_T}table-column":
                repeat = min(int(elem.get(f"{_T}number-columns-repeated", "1")), MAX_XLSX_COLUMNS)
                if elem.get(f"{_T}visibility") == "collapse":
                    table.hidden.update(range(col, col + repeat))
                col += repeat
            elif tag in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                repeat = int(elem.get(f"{_T}number-columns-repeated", "1"))
                if elem.get(_VALUE_TYPE) or len(elem):
                    width, filled = max(width, col + repeat), True
                if elem.get(_CALC_TYPE) == "error" and len(table.errors) < 100_000:
                    table.errors.setdefault(row + 1, {})[col] = "".join(elem.itertext())[:100] or "#ERROR"
                _ods_span(table, elem, row, col)
                col += repeat
                elem.clear()
            elif tag == f"{_T}table-row":
                repeat = int(elem.get(f"{_T}number-rows-repeated", "1"))
                height = row + repeat if filled else height
                row += repeat
                if height * width > MAX_WORKBOOK_GRID:
                    raise _too_large(source, "工作表单元格过多", "a sheet of too many cells")
                elem.clear()
            elif tag == f"{_T}table":
                table = None
                elem.clear()
    return out


def _ods_span(table: _SheetLayout, elem: Any, row: int, col: int) -> None:
    rows = int(elem.get(f"{_T}number-rows-spanned", "1"))
    cols = int(elem.get(f"{_T}number-columns-spanned", "1"))
    if (rows > 1 or cols > 1) and len(table.merged) < 100_000:
        table.merged.append((row + 1, col + 1, row + rows, col + cols))


def _xls_layout(data: IO[bytes], source: str) -> dict[str, _SheetLayout]:
    """The hidden columns and error cells of an .xls file's sheets (:mod:`.biff`; calamine reads neither); a sheet
    whose grid would pass :data:`MAX_WORKBOOK_GRID` cells refuses the file."""
    out = {}
    for name, sheet in xls_layout(data.read()).items():
        if sheet.grid > MAX_WORKBOOK_GRID:
            raise _too_large(
                source, f"工作表 {name} 的范围有 {sheet.grid:,} 个单元格", f"sheet {name} spans {sheet.grid:,} cells"
            )
        out[name] = layout = _SheetLayout()
        layout.hidden, layout.errors = sheet.hidden, sheet.errors
    return out


def _unconvertible(exc: BaseException) -> bool:
    """Whether calamine failed on a cell's value (Python's date types overflow, or its Rust code panicked), rather
    than the program being stopped (Ctrl-C, a closed generator)."""
    return isinstance(exc, OverflowError | ValueError) or type(exc).__name__ == "PanicException"


def _streamed_rows(book: Any, name: str) -> Iterator[Row]:
    """The rows of an XLSX sheet as openpyxl's streamed parser reads them, a cell it cannot read named (gaps are
    skipped and the declared dimension is ignored); for the sheets calamine is not given."""
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
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        try:
            for line, cells in parser.parse():
                if line > MAX_XLSX_ROWS:
                    yield line, [], [BadCell(1, f"past the last row Excel has ({MAX_XLSX_ROWS:,})")]
                    return
                yield (line, *_streamed_values(cells))
        except Exception as exc:  # a malformed sheet outside its cells: the rest of the sheet cannot be read
            yield parser.row_counter + 1, [], [BadCell(1, f"{type(exc).__name__}: {str(exc)[:100]}")]


def _streamed_values(cells: list[dict[str, Any]]) -> tuple[list[Any], list[BadCell]]:
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
            values[column - 1] = _value(c["value"])
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
