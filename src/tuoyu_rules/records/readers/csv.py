"""The CSV reader (also ``.tsv`` and ``.txt``): streamed row by row; the delimiter is a tab for ``tsv``, otherwise
whichever of tab and comma the first line holds more of.

A row is at most :data:`MAX_ROW_CHARS` characters (all its lines together). A row over it, and a quote that is never
closed (which would otherwise swallow the rest of the file into one field), become one error row each; reading
resumes on the line after the bad row's first line, so the rows a stray quote swallowed are read again as rows.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import mmap
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain
from typing import Any

from ...errors import RecordError
from ..limits import MAX_ROW_CHARS
from .base import LedgerInput, RawRow, Table, problem_row
from .columns import RowMapper, ignored_notice
from .kinds import TableKind
from .layout import Header, Layout, first_rows, locate_header
from .text import UNDECODABLE, LedgerText, open_text, undecodable_problem


class _Overflow(Exception):
    """A row longer than the limit (raised from inside the csv parser by the line feed)."""


class _Lines:
    """The file's lines for the csv parser, one row's worth at a time: it counts the characters of the current row
    (and raises :class:`_Overflow` past the limit), keeps its lines so that they can be read again, and never holds
    more than one over-long line's first :data:`MAX_ROW_CHARS` characters."""

    def __init__(self, text: LedgerText, line: int = 0):
        self._stream = text.stream
        self._again: list[tuple[int, str]] = []  # lines to read again, last first
        self.taken: list[tuple[int, str]] = []  # (line number, line) of the current row
        self._size = 0
        self._line = line  # the lines before the first (a byte range of a file starts further down)
        self.cut = False  # whether the lines ended inside a row (a byte range cut inside a quoted cell)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.pop()
        else:
            line = self._stream.readline(MAX_ROW_CHARS + 1)
            if not line:
                self.cut = self.cut or bool(self.taken)
                raise StopIteration
            self._line += 1
            number = self._line
            if len(line) > MAX_ROW_CHARS and not line.endswith("\n"):
                while True:  # skip the rest of an over-long line without holding it
                    rest = self._stream.readline(MAX_ROW_CHARS)
                    if not rest or rest.endswith("\n"):
                        break
        self.taken.append((number, line))
        self._size += len(line)
        if self._size > MAX_ROW_CHARS:
            raise _Overflow
        return line

    def start_row(self) -> None:
        self.taken, self._size = [], 0

    def read_again(self) -> None:
        """Every line of the current row is read again."""
        self._again.extend(reversed(self.taken))
        self.start_row()

    def read_again_after_first(self) -> None:
        """After a bad row: its lines but the first are read again (they may be rows a stray quote swallowed)."""
        self._again.extend(reversed(self.taken[1:]))
        self.taken = self.taken[:1]


def read_csv(ledger: LedgerInput, mapper_of: Callable[[list[str]], RowMapper] | None = None) -> Iterator[RawRow]:
    """One RawRow per non-blank data row, numbered from the row after the header (found by
    :func:`~.layout.locate_header`, one row or two, or the ``--header-row``: title and note rows above it are skipped,
    and column numbers, 合计 and note rows below it, as a notice says); every value is text.
    ``mapper_of`` makes the header's mapper (default: ``ledger.mapper``, with the column map; the columnar engine's
    keeps each row's cells as they are)."""
    source = ledger.source
    with open_text(ledger) as text:
        lines = _Lines(text)
        delimiter = "\t" if ledger.fmt == "tsv" else _sniff(lines)
        items = _parsed(lines, delimiter, source)
        head = first_rows(items, lambda item: item[0], ledger.header_row)
        table = _table(head, ledger, mapper_of)
        if table is None:
            return
        found, mapper, layout = table
        _tell_header(ledger, mapper, layout)
        body = _Body(source, mapper, layout, text.dirty)
        yield from body.rows(chain(head[found.index + found.height :], items))
        _tell_end(ledger, mapper, layout)


def _table(
    head: list[_Item], ledger: LedgerInput, mapper_of: Callable[[list[str]], RowMapper] | None
) -> tuple[Header, RowMapper, Layout] | None:
    """The header found among the first rows, its mapper and the layout with the rows above it (None: no table)."""
    source = ledger.source
    rows = [cells if isinstance(cells, list) else [] for _, cells in head]
    bad = frozenset(i for i, (_, cells) in enumerate(head) if not isinstance(cells, list))
    found = locate_header(rows, [line for line, _ in head], source, ledger.header_row, bad=bad, columns=ledger.columns)
    if found is None:  # no known header: the first non-blank row is the header, as it always was
        index = next((i for i, cells in enumerate(rows) if any(x.strip() for x in cells)), None)
        found = None if index is None else Header(index, 1, rows[index])
    if found is None:
        return None
    mapper = ledger.mapper(found.cells) if mapper_of is None else mapper_of(found.cells)
    layout = Layout(head[found.index + found.height - 1][0], found.cells, head[found.index][0])
    for line, cells in head[: found.index]:
        layout.above(line, cells) if isinstance(cells, list) else layout.unreadable(line)
    return found, mapper, layout


def _tell_header(ledger: LedgerInput, mapper: RowMapper, layout: Layout) -> TableKind:
    """The notices of a header (headers no field matched, the kind its rows are read as, fields named twice)."""
    source = ledger.source
    ledger.notice(source, ignored_notice(mapper.ignored, source))
    kind = ledger.table(source, layout.first_line, mapper, last_line=layout.header_line)
    ledger.notice(source, mapper.duplicates_notice(source))
    return kind


def _tell_end(ledger: LedgerInput, mapper: RowMapper, layout: Layout) -> None:
    """The notices said once the rows are read: rows skipped as layout, values in columns without a header."""
    ledger.notice(ledger.source, layout.notice(ledger.source))
    ledger.notice(ledger.source, mapper.dropped_notice(ledger.source))


class _Body:
    """The rows below a header, numbered (``row``: the last number given), layout rows skipped."""

    def __init__(self, source: str, mapper: RowMapper, layout: Layout | _Watched, dirty: bool, row: int = 0):
        self.source, self.mapper, self.layout, self.dirty, self.row = source, mapper, layout, dirty, row

    def rows(self, items: Iterable[_Item]) -> Iterator[RawRow]:
        mapper, layout, source = self.mapper, self.layout, self.source
        columns = mapper.table(lines=True)
        for line, cells in items:
            self.row += 1
            row = self.row
            if not isinstance(cells, list):
                yield cells(row)
                continue
            if not any(c.strip() for c in cells) or layout.below(line, cells):
                continue
            problems = mapper.conflicts(cells, row, source, line, columns) if mapper.duplicates else []
            if self.dirty and any(UNDECODABLE.search(c) for c in cells):
                i = next(i for i, c in enumerate(cells) if UNDECODABLE.search(c))
                field = mapper.headers[i] if i < len(mapper.headers) else None
                problems.append(undecodable_problem(row, source, cells[i], field))
            if problems:
                yield RawRow(row, source, None, tuple(problems), excel_row=line, columns=columns)
                continue
            yield RawRow(row, source, mapper.map(cells), text=True, excel_row=line, columns=columns)


_Item = tuple[int, "list[str] | Callable[[int], RawRow]"]  # (first line, cells or the error row of a bad row)


def _parsed(lines: _Lines, delimiter: str, source: str) -> Iterator[_Item]:
    """The rows the parser reads, each with its first line; a bad row is a maker of its error row (given its number)."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        lines.start_row()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, _Overflow) as exc:
            line = lines.taken[0][0] if lines.taken else None
            yield (line or 0), partial(_bad_row, source=source, line=line, several=len(lines.taken) > 1, exc=exc)
            lines.read_again_after_first()
            reader = csv.reader(lines, delimiter=delimiter, strict=True)  # a fresh parser, out of the quote
            continue
        yield (lines.taken[0][0] if lines.taken else 0), cells


def _sniff(lines: _Lines) -> str:
    """Tab if the first line holds more tabs than commas, else comma (the line is read again by the parser)."""
    first = next(lines, "")
    lines.read_again()
    return "\t" if first.count("\t") > first.count(",") else ","


def _bad_row(row: int, source: str, *, line: int | None, several: bool, exc: Exception) -> RawRow:
    at = f"（从第 {line} 行起）" if line else ""
    at_en = f" (from line {line})" if line else ""
    if isinstance(exc, _Overflow):
        return problem_row(
            row,
            source,
            "record.row-too-long",
            f"第 {row} 行{at}超过 {MAX_ROW_CHARS:,} 个字符，未读取",
            f"row {row}{at_en} is longer than {MAX_ROW_CHARS:,} characters and was not read",
        )
    if "end of data" in str(exc) or several:
        return problem_row(
            row,
            source,
            "record.unterminated-quote",
            f"第 {row} 行{at}的引号没有闭合；其后的行已重新按行读取",
            f"row {row}{at_en} opens a quote that is never closed; the lines after it are read as rows again",
        )
    return problem_row(
        row,
        source,
        "record.bad-csv",
        f"第 {row} 行{at}不是有效的 CSV：{exc}",
        f"row {row}{at_en} is not valid CSV: {exc}",
    )


# ---- a file's body in byte ranges (check --jobs: each worker reads its own) --------------------------------------
# the encodings in which a byte 0x0A, 0x0D or 0x22 is always a line feed, carriage return or quote, never part of a
# character of several bytes (GB18030: lead bytes 0x81-0xFE, trail bytes 0x30-0x39, 0x40-0x7E, 0x80-0xFE), so that a
# range that starts after a line feed decodes as that part of the whole file does: name → codec of a range
RANGE_CODECS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030", "gbk": "gbk", "gb2312": "gb2312"}
_QUOTED = re.compile(rb'"[^"]*"')  # a quoted stretch, as quote parity pairs them
State = tuple[bool, bool]  # of the layout below a header: (a data row has been read, a note has begun)
STATES: tuple[State, ...] = ((True, False), (True, True), (False, False), (False, True))


@dataclass
class CsvPlan:
    """How the body of a CSV file (what follows its header) is read in byte ranges (:func:`plan_csv`): the ledger,
    the codec and delimiter of its body, the header's mapper and layout (with the rows above the header), the first
    line of the body (``line``, 1-based), where it starts (``start``, a byte offset) and the file's size, and once
    the header's notices are told (:meth:`CsvPlan.tell_header`) its :class:`~.base.Table`. It pickles without the
    ledger's callbacks."""

    ledger: LedgerInput
    codec: str
    delimiter: str
    mapper: RowMapper
    layout: Layout
    line: int
    start: int = 0
    size: int = 0
    table: Table | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "ledger": replace(self.ledger, on_notice=None, on_table=None)}

    def tell_header(self) -> None:
        """Tell the ledger's callbacks what :func:`read_csv` tells of the header, and learn the rows' kind."""
        kind = _tell_header(self.ledger, self.mapper, self.layout)
        self.table = Table(self.ledger.source, self.layout.first_line, self.mapper, kind, None, self.layout.header_line)

    def tell_end(self, parts: Iterable[PartRead]) -> None:
        """Tell what :func:`read_csv` tells once the rows are read, from what reading each part found, in order."""
        parts = list(parts)
        layout = copy.copy(self.layout)
        layout.skipped = [*self.layout.skipped, *(entry for part in parts for entry in part.skipped)]
        mapper = copy.copy(self.mapper)
        mapper.dropped = {column for part in parts for column in part.dropped}
        _tell_end(self.ledger, mapper, layout)


@dataclass(frozen=True)
class CsvPart:
    """A byte range of a CSV file's body (:func:`csv_parts`) that starts a line, with the data rows (``row``) and
    lines (``line``) before it, the layout state assumed at its start, and whether it ends the file. The rows are
    counted by quote parity; :class:`PartRead` says whether reading found the same."""

    start: int
    end: int
    row: int
    line: int
    last: bool
    state: State = (True, False)


@dataclass
class PartRead:
    """What reading a :class:`CsvPart` found besides its rows: how many rows it numbered (``rows``), whether its end
    fell between rows (``cut`` if inside a quoted cell: then the part is no part), the rows it skipped as layout and
    the columns without a header that held a value; ``states`` for each layout state the part could have started in,
    None when its rows would be skipped otherwise, else the state it ends in."""

    rows: int = 0
    cut: bool = False
    skipped: list[tuple[int, str]] = field(default_factory=list)
    dropped: set[int] = field(default_factory=set)
    states: dict[State, State | None] = field(default_factory=dict)


class _Watched:
    """A part's layout read in the state the part was assumed to start in, beside the same layout started in each
    other state until it decides a row otherwise (the part reads differently if it started so), reaches the state of
    the first (it reads the same from there on) or that of another one (the two go on together)."""

    def __init__(self, layout: Layout, assumed: State):
        self.layout, self.assumed = _layout_in(layout, assumed), assumed
        self.others = [(_layout_in(layout, state), {state}) for state in STATES if state != assumed]
        self.differ: set[State] = set()
        self.joined: set[State] = set()

    def below(self, line: int, cells: list[str]) -> bool:
        main = self.layout
        skip = main.below(line, cells)
        if self.others:
            alive: dict[State, tuple[Layout, set[State]]] = {}
            for other, starts in self.others:
                if other.below(line, cells) != skip or (skip and other.skipped[-1] != main.skipped[-1]):
                    self.differ |= starts
                elif _state(other) == _state(main):
                    self.joined |= starts
                elif _state(other) in alive:
                    alive[_state(other)][1].update(starts)
                else:
                    alive[_state(other)] = (other, starts)
            self.others = list(alive.values())
        return skip

    def ends(self) -> dict[State, State | None]:
        """For each state the part could have started in, the state it ends in (None: it reads differently)."""
        end = _state(self.layout)
        out: dict[State, State | None] = {state: end for state in (*self.joined, self.assumed)}
        out.update((state, None) for state in self.differ)
        out.update((state, _state(other)) for other, starts in self.others for state in starts)
        return out


def _layout_in(layout: Layout, state: State) -> Layout:
    fresh = Layout(layout.header_line, layout.header, layout.first_line)
    fresh._data, fresh._in_note = state
    return fresh


def _state(layout: Layout) -> State:
    return layout._data, layout._in_note


def plan_csv(ledger: LedgerInput) -> CsvPlan | None:
    """How the body of a CSV file can be read in byte ranges, found as :func:`read_csv` finds its header; None (and
    nothing told, nothing raised) when it cannot be exactly: standard input, an encoding other than those of
    :data:`RANGE_CODECS`, bytes that do not decode, carriage returns that end a line alone, no header, or no row
    below it among the first rows."""
    if ledger.path is None:
        return None
    try:
        text = open_text(ledger)
    except RecordError:
        return None
    with text:
        codec = RANGE_CODECS.get(codecs.lookup(text.encoding).name)
        if codec is None or text.dirty:
            return None
        lines = _Lines(text)
        delimiter = "\t" if ledger.fmt == "tsv" else _sniff(lines)
        head = first_rows(_parsed(lines, delimiter, ledger.source), lambda item: item[0], ledger.header_row)
        try:
            table = _table(head, ledger, None)
        except RecordError:  # a --header-row that is none: told by read_csv
            return None
    if table is None or table[0].index + table[0].height >= len(head):
        return None
    found, mapper, layout = table
    plan = CsvPlan(ledger, codec, delimiter, mapper, layout, head[found.index + found.height][0])
    with open(ledger.path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if _LONE_CR.search(data):
            return None
        start = 0
        for _ in range(plan.line - 1):
            start = data.find(b"\n", start) + 1
        plan.start, plan.size = start, len(data)
    return plan


_LONE_CR = re.compile(rb"\r(?!\n)")


def csv_parts(plan: CsvPlan, size: int) -> Iterator[CsvPart]:
    """The body of ``plan``'s file in parts of about ``size`` bytes, each ending after a line feed at which the quotes
    before it are even in number (outside a quoted cell, if every quote opens or closes one), numbered by the rows
    (records outside quoted cells) and lines before it; read lazily, a part at a time."""
    assert plan.ledger.path is not None
    with open(plan.ledger.path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end = min(len(data), plan.size)
        start, row, line = plan.start, 0, plan.line - 1
        while start < end:
            stop, quotes = _line_end(data, min(start + size, end), end), 0
            while True:
                piece = data[start:stop]
                quotes = piece.count(b'"')
                if quotes % 2 == 0 or stop >= end:
                    break
                closing = data.find(b'"', stop, end)  # the quoted cell open at stop closes here, at the earliest
                stop = end if closing < 0 else _line_end(data, closing + 1, end)
            lines = piece.count(b"\n")
            yield CsvPart(start, stop, row, line, stop >= end, (False, False) if start == plan.start else (True, False))
            row += _QUOTED.sub(b"", piece).count(b"\n") if quotes else lines
            start, line = stop, line + lines


def _line_end(data: mmap.mmap, at: int, end: int) -> int:
    """The offset after the first line feed at or after ``at`` (``end`` if there is none)."""
    found = data.find(b"\n", at, end)
    return end if found < 0 else found + 1


def read_csv_part(plan: CsvPlan, part: CsvPart, read: PartRead) -> Iterator[RawRow]:
    """The rows of one part of ``plan``'s body, as :func:`read_csv` reads them there when the part's assumptions hold
    (the rows and layout state before it); ``read`` is told what else reading found (:class:`PartRead`)."""
    assert plan.ledger.path is not None
    with open(plan.ledger.path, "rb") as f:
        f.seek(part.start)
        data = f.read(part.end - part.start)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=plan.codec, newline="")
    lines = _Lines(LedgerText(stream, plan.codec, False), part.line)
    mapper = copy.copy(plan.mapper)  # its own set of the columns without a header that held a value
    mapper.dropped = set()
    watched = _Watched(plan.layout, part.state)
    body = _Body(plan.ledger.source, mapper, watched, False, part.row)
    yield from body.rows(_parsed(lines, plan.delimiter, plan.ledger.source))
    read.rows, read.cut = body.row - part.row, lines.cut
    read.skipped, read.dropped = watched.layout.skipped, mapper.dropped
    read.states = watched.ends()
