"""The CSV reader (also ``.tsv`` and ``.txt``): streamed row by row; the delimiter is a tab for ``tsv``, otherwise
whichever of tab and comma the first line holds more of.

A row is at most :data:`MAX_ROW_CHARS` characters (all its lines together). A row over it, and a quote that is never
closed (which would otherwise swallow the rest of the file into one field), become one error row each; reading
resumes on the line after the bad row's first line, so the rows a stray quote swallowed are read again as rows.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from functools import partial
from itertools import chain

from ..limits import MAX_ROW_CHARS
from .base import LedgerInput, RawRow, problem_row
from .columns import RowMapper, ignored_notice
from .layout import Header, Layout, first_rows, locate_header
from .text import UNDECODABLE, LedgerText, open_text, undecodable_problem


class _Overflow(Exception):
    """A row longer than the limit (raised from inside the csv parser by the line feed)."""


class _Lines:
    """The file's lines for the csv parser, one row's worth at a time: it counts the characters of the current row
    (and raises :class:`_Overflow` past the limit), keeps its lines so that they can be read again, and never holds
    more than one over-long line's first :data:`MAX_ROW_CHARS` characters."""

    def __init__(self, text: LedgerText):
        self._stream = text.stream
        self._again: list[tuple[int, str]] = []  # lines to read again, last first
        self.taken: list[tuple[int, str]] = []  # (line number, line) of the current row
        self._size = 0
        self._line = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.pop()
        else:
            line = self._stream.readline(MAX_ROW_CHARS + 1)
            if not line:
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
        rows = [cells if isinstance(cells, list) else [] for _, cells in head]
        bad = frozenset(i for i, (_, cells) in enumerate(head) if not isinstance(cells, list))
        found = locate_header(
            rows, [line for line, _ in head], source, ledger.header_row, bad=bad, columns=ledger.columns
        )
        if found is None:  # no known header: the first non-blank row is the header, as it always was
            index = next((i for i, cells in enumerate(rows) if any(x.strip() for x in cells)), None)
            found = None if index is None else Header(index, 1, rows[index])
        if found is None:
            return
        mapper = ledger.mapper(found.cells) if mapper_of is None else mapper_of(found.cells)
        layout = Layout(head[found.index + found.height - 1][0], found.cells, head[found.index][0])
        for line, cells in head[: found.index]:
            layout.above(line, cells) if isinstance(cells, list) else layout.unreadable(line)
        ledger.notice(source, ignored_notice(mapper.ignored, source))
        ledger.table(source, layout.first_line, mapper, last_line=layout.header_line)
        ledger.notice(source, mapper.duplicates_notice(source))
        columns = mapper.table(lines=True)
        row = 0
        for line, cells in chain(head[found.index + found.height :], items):
            row += 1
            if not isinstance(cells, list):
                yield cells(row)
                continue
            if not any(c.strip() for c in cells) or layout.below(line, cells):
                continue
            problems = mapper.conflicts(cells, row, source, line, columns) if mapper.duplicates else []
            if text.dirty and any(UNDECODABLE.search(c) for c in cells):
                i = next(i for i, c in enumerate(cells) if UNDECODABLE.search(c))
                field = mapper.headers[i] if i < len(mapper.headers) else None
                problems.append(undecodable_problem(row, source, cells[i], field))
            if problems:
                yield RawRow(row, source, None, tuple(problems), excel_row=line, columns=columns)
                continue
            yield RawRow(row, source, mapper.map(cells), text=True, excel_row=line, columns=columns)
        ledger.notice(source, layout.notice(source))
        ledger.notice(source, mapper.dropped_notice(source))


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
