"""``check --engine columnar --jobs N``: the columnar engine on the byte ranges of one CSV file (:mod:`..parallel`).

The process that writes cuts the file as the row engine's ``--jobs`` does
(:func:`~tuoyu_rules.records.readers.csv_parts`) and compares ids, row numbers and counts across the parts; this
module checks one part. A part of a UTF-8 file whose every line is one plain row (:func:`.native._plain_chunk`, the
first pass of the one-process native path, run on the part alone), read in the layout state of a body below its data
rows, is split, evaluated and written natively (:class:`.native._Body`, its blocks' lines written as the CSV writer
writes them); any other part is read by the row reader (:func:`~tuoyu_rules.records.readers.read_csv_range`, which
says how it read: titles, 合计 and note rows, quoted line breaks, GB18030) and checked as :meth:`.engine.Checker`
checks a batch. Ids are not compared here: every row comes back with its record's (kind, id), and the parent replaces
a repeat by its error row, as one process writes it.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import polars as pl

from ..compiler import CompiledPolicy
from ..records.readers import CsvPart, CsvPlan, PartRead, read_csv_range
from ..records.readers.base import RawRow
from ..writers.csv import CsvRows
from ..writers.rows import report_row
from . import native
from .engine import Checker
from .frame import CellRows

__all__ = ["BATCH", "LETTERS", "Parts", "cells_plan"]

BATCH = 10_000
"""Rows of a part read by the row reader evaluated at once (as ``check_rows``' batches)."""
LETTERS = {"pass": "p", "fail": "f", "incomplete": "i", "error": "e"}
"""A row's status as one letter (as :mod:`tuoyu_rules.parallel.ranges` counts them)."""
_BODY: tuple[bool, bool] = (True, False)  # the layout state below data rows, no note begun: the native path's

Key = tuple[str, Any]
Item = tuple[Key | None, RawRow, Any, str]  # (kind, id) of a checked record, its row, its verdict row, c|r|-
Part = tuple[bytes, list[int], list[Key | None], str, list[int], list[int | None], PartRead, str]


class _Unseen(set[int]):
    """A checker's set of ids seen that never holds one: the parent compares ids across the whole file."""

    def __contains__(self, key: object) -> bool:
        return False

    def add(self, key: int) -> None:
        return None

    def update(self, *keys: Iterable[int]) -> None:
        return None

    def isdisjoint(self, other: Iterable[Any]) -> bool:
        return True


def cells_plan(plan: CsvPlan) -> CsvPlan:
    """``plan`` with a mapper that hands each row's cells to the columnar engine (:class:`.frame.CellRows`)."""
    return dataclasses.replace(plan, mapper=CellRows(plan.mapper.headers))


class Parts:
    """The columnar engine on the parts of one CSV file (read with :func:`cells_plan`): their rows with their
    (kind, id) and how each was checked; :attr:`checker` holds the rules and subsidies that run column-wise."""

    def __init__(self, compiled: CompiledPolicy, plan: CsvPlan, as_of: datetime.date, lang: str = "zh"):
        self.plan, self.lang = cells_plan(plan), lang
        mapper = self.plan.mapper
        assert isinstance(mapper, CellRows)
        self.mapper: CellRows = mapper
        self.checker = Checker(compiled, as_of)
        self.checker.seen = _Unseen()
        known = compiled.provenance
        self.provenance = known.to_dict(as_of.isoformat()) if known is not None else None
        self.checker.provenance = self.provenance
        self.native = plan.codec == "utf-8" and not self.mapper.duplicates and not self.mapper.unnamed
        self._kinds: Any = None
        self._line_of: tuple[Any, Callable[[Any], str]] = (None, str)
        self._reps: dict[str, Any] = {}
        self._tails: tuple[Any, dict[str, str]] = (None, {})

    def kinds(self) -> Any:
        if self._kinds is None:
            self._kinds = self.checker._plans(self.mapper.headers)
        return self._kinds

    def items(self, part: CsvPart, read: PartRead) -> Iterator[Item]:
        """Each row of a part read by the row reader, with its (kind, id) (None: an error row), its verdict row and
        how it was checked (``c`` column-wise, ``r`` row-wise)."""
        rows = read_csv_range(self.plan, part, read)
        done = self.checker.rows
        done["columnar"] = done["row"] = 0  # a row's way is read from the counts it leaves
        while batch := list(itertools.islice(rows, BATCH)):
            kinds = self.kinds()
            for raw, item in zip(batch, self.checker._batch(batch, kinds, self.mapper), strict=True):
                how = "c" if done["columnar"] else "r" if done["row"] else "-"
                done["columnar"] = done["row"] = 0
                if item.get("status") == "error":
                    yield None, raw, item, how
                    continue
                if self.provenance:
                    item = {**item, "provenance": self.provenance}
                yield (item["kind"], item["id"]), raw, item, how

    def line_of(self, columns: dict[str, str]) -> Callable[[Any], str]:
        """The CSV writer's line of a verdict row under these subsidy columns (one function per columns, so that the
        blocks' lines of each outcome are written once)."""
        if self._line_of[0] != columns:
            rows = CsvRows(self.lang, columns)
            self._line_of = (dict(columns), lambda item: rows.text(report_row(item)))
        return self._line_of[1]

    def part(self, part: CsvPart, columns: dict[str, str]) -> Part:
        """A part's output lines and what the parent needs of each row: natively when the part is plain, else read by
        the row reader (:attr:`~tuoyu_rules.parallel.ranges.PartResult`'s fields, and each row's how)."""
        line_of = self.line_of(columns)
        done = self._native(part, line_of)
        if done is not None:
            return done
        read = PartRead()
        pieces: list[bytes] = []
        keys: list[Key | None] = []
        statuses, rows, lines, how = [], [], [], []
        for key, raw, item, way in self.items(part, read):
            pieces.append(line_of(item).encode("utf-8"))
            keys.append(key)
            statuses.append(LETTERS[item["status"]])
            rows.append(raw.row)
            lines.append(raw.excel_row)
            how.append(way)
        ends = list(itertools.accumulate(map(len, pieces)))
        return b"".join(pieces), ends, keys, "".join(statuses), rows, lines, read, "".join(how)

    def _plain(self, part: CsvPart) -> list[native._Chunk] | None:
        """The chunks of a part when every line is one row the row reader reads as it is (None: not so)."""
        if not self.native or part.state != _BODY:
            return None
        cut = native._Cut(b"", part.line, part.start, self.plan.delimiter)
        ncols = len(self.mapper.headers)
        bytes_ = part.end - part.start  # in chunks of about equal size: a chunk costs some 40 ms whatever its size
        size = -(-bytes_ // max(1, round(bytes_ / (4 * native.CHUNK))))  # no ids kept here: chunks as of a small file
        try:
            chunks = list(native._chunks(self.source, cut, ncols, part.start, 0, part.end, size))
            if not all(native._plain_chunk(chunk, ncols) for chunk in chunks):
                return None
        except (ValueError, pl.exceptions.PolarsError):  # UnicodeDecodeError is a ValueError
            return None
        return chunks

    @property
    def source(self) -> str:
        return self.plan.ledger.source

    def _native(self, part: CsvPart, line_of: Callable[[Any], str]) -> Part | None:
        chunks = self._plain(part)
        if chunks is None:
            return None
        cut = native._Cut(b"", part.line, part.start, self.plan.delimiter)
        body = native._Body(self.checker, self.source, cut, self.mapper, self.kinds(), part.row)
        body.reps, body._tails = self._reps, self._tails  # each outcome's verdict rows and line made once, not per part
        out = _Out()
        for chunk in chunks:
            for item in body._batch(chunk):
                if isinstance(item, native.Block):
                    out.block(item, body, line_of, chunk.first, part)
                else:
                    out.row(item, line_of, body.where, part)
        self._tails = body._tails
        read = PartRead(rows=sum(chunk.cells.height for chunk in chunks), states={_BODY: _BODY})
        ends = list(itertools.accumulate(out.sizes))
        return b"".join(out.pieces), ends, out.keys, "".join(out.statuses), out.rows, out.lines, read, "".join(out.how)


class _Out:
    """The output of a native part as it is made: pieces of text, each row's size and what the parent needs."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.sizes: list[int] = []
        self.keys: list[Key | None] = []
        self.statuses: list[str] = []
        self.rows: list[int] = []
        self.lines: list[int | None] = []
        self.how: list[str] = []

    def block(self, block: Any, body: Any, line_of: Callable[[Any], str], first: int, part: CsvPart) -> None:
        shapes = block.frame["_key"].unique().to_list()
        letters = {key: LETTERS[body.reps[key][0]["status"]] for key in shapes}
        line = block.csv_line(line_of)
        got = block.frame.select(
            line.str.join("").alias("text"),
            line.str.len_bytes().implode().alias("sizes"),
            pl.col("_key").replace_strict(letters, return_dtype=pl.Utf8).str.join("").alias("statuses"),
            (pl.col("j").cast(pl.Int64) + first).implode().alias("j"),
        ).row(0)
        text, sizes, statuses, js = got
        self.pieces.append(text.encode("utf-8"))
        self.sizes += sizes
        self.keys += list(zip(block.frame["_kind"].to_list(), block.frame["_rid"].to_list(), strict=True))
        self.statuses.append(statuses)
        self.rows += [part.row + 1 + j for j in js]
        self.lines += [part.line + 1 + j for j in js]
        self.how.append("c" * len(js))

    def row(self, item: dict[str, Any], line_of: Callable[[Any], str], j: int, part: CsvPart) -> None:
        text = line_of(item).encode("utf-8")
        self.pieces.append(text)
        self.sizes.append(len(text))
        error = item.get("status") == "error"
        self.keys.append(None if error else (item["kind"], item["id"]))
        self.statuses.append(LETTERS[item["status"]])
        self.rows.append(part.row + 1 + j)
        self.lines.append(part.line + 1 + j)
        self.how.append("r")
