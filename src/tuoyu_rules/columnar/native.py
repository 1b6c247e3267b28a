"""The native path of the columnar engine: the plain body of a CSV ledger split, typed, evaluated and written by polars.

The first :data:`HEAD_LINES` lines of the file (and at least :data:`~tuoyu_rules.writers.csv.CSV_LOOKAHEAD` rows)
are read by the row reader itself (:func:`~tuoyu_rules.records.readers.csv.read_csv`, the header found among title
rows, every notice) and checked as :meth:`.engine.Checker` checks any batch. The rest, the *body*, goes native only
when the whole file shows, in a first pass, that the row reader would read each body line as one row and skip none
as layout: UTF-8 throughout (with or without a BOM), no carriage return but before a line feed, no NUL, no line of
more fields than the header or near the row length limit, no 合计/小计/注/说明 … row (the patterns of
``records.readers.layout``), no row of a single filled cell, a header without repeated or unnamed columns, and every
line holding a quote one that the csv module reads alone as one complete row. Otherwise the whole file takes the
engine's ordinary path (:meth:`.engine.Checker.check_read`), with the same results.

In the body, each line is split into its cells by polars; a line with a quote, a short or blank line, a kind cell or
value that is not plain (:func:`.frame.typed`) is handled exactly as the ordinary path handles the same row (a blank
row is skipped, its number used; any other goes row-wise). Runs of column-wise rows become :class:`Block` s: the CSV
writer writes a block from one line per distinct outcome (written by the writer itself) and each row's id and name
(escaped and quoted as the writer does, in polars), and counts it in the summary by outcome.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from ..records.limits import MAX_ROW_CHARS
from ..records.readers.base import LedgerInput, RawRow
from ..records.readers.csv import read_csv
from ..records.readers.layout import _NOTE, _TOTAL, _first_texts
from ..report import ErrorReport
from ..vocabulary import KIND_ALIASES, KINDS
from ..writers import csv as csv_writer
from ..writers.rows import report_row
from .choose import CSV_SUFFIXES
from .engine import Checker, _cents, _rule_part, _subsidy_part, evaluate_batch
from .frame import _PATTERNS, _SPACE, SCALE, CellRows, Layout, typed

if TYPE_CHECKING:
    from .engine import Plan

HEAD_LINES = 2000
"""Lines read by the row reader itself before the body goes native (the header is looked for in the first 30)."""
CHUNK = 1 << 19
"""Bytes of the body read, split and evaluated at once (cut at a line end; about 3,700 rows of a generated ledger):
the plans' hundreds of expressions hold several columns per row while they run, so memory follows the chunk's rows
(1,000,000 rows: 281 MB peak at 512 KiB, 304 MB at 1 MiB), while each chunk costs about 40 ms whatever its size."""
SMALL_FILE = 32 << 20
"""A ledger of fewer bytes (about 230,000 generated rows) is read in chunks of four times :data:`CHUNK` (2 MiB): a
chunk costs some 40 ms of planning whatever its size, and the hashes of few ids leave room under the memory bound
for bigger chunks (100,000 rows: 23 % less CPU, 265 MB peak instead of 199 MB); a bigger one in chunks of
:data:`CHUNK` (1,000,000 rows: 278 MB)."""
_UTF8 = ("utf-8", "utf8", "utf-8-sig", "utf8-sig", "utf_8", "utf_8_sig")
_LAYOUT = f"(?:{_TOTAL.pattern})|(?:{_NOTE.pattern})"
_FORMULA = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"
_AMOUNTS = {1: "amount", 2: "amount_min", 3: "amount_max"}
_KIND_OF = {**KIND_ALIASES, **{k: k for k in KINDS}, "": "institution"}  # row_kind's spellings


@dataclass
class _Cut:
    head: bytes  # the first ``lines`` lines, read by the row reader
    lines: int
    offset: int  # where the body starts
    delimiter: str


def _cut(path: str, encoding: str | None, header_row: int | None) -> _Cut | None:
    """The head of a UTF-8 ledger, cut after a line with no quote and a filled cell (None: too short, or not UTF-8)."""
    if encoding is not None and encoding.lower() not in _UTF8:
        return None
    want, taken, size = HEAD_LINES + (header_row or 0), [], 0
    with open(path, "rb") as f:
        for line in f:
            taken.append(line)
            size += len(line)
            if len(taken) >= want and line.endswith(b"\n") and b'"' not in line and line.strip(b" \t\r\n,"):
                break
        else:
            return None
    head = b"".join(taken)
    try:
        first = head.decode("utf-8").splitlines()[0]
    except UnicodeDecodeError:
        return None
    if head.count(b"\r") != head.count(b"\r\n") or b"\0" in head:
        return None  # a lone carriage return starts a line for the row reader
    delimiter = "\t" if Path(path).suffix.lower() == ".tsv" or first.count("\t") > first.count(",") else ","
    return _Cut(head, len(taken), size, delimiter)


class _Chunk:
    """Whole lines of the body: their cells (``c0`` …, a short line's missing cells empty), ``j`` (the line's index
    in the chunk) and ``_odd`` (a line holding a quote, a carriage return or a NUL: read in Python, line by line).
    A chunk without such bytes is split by polars' CSV reader (quotes not special); otherwise line by line."""

    def __init__(self, data: bytes, first: int, delimiter: str, ncols: int):
        self.data, self.first, self.delimiter = data, first, delimiter
        self.stop = -1  # the byte offset after it (-1: the end of the file)
        self._texts: list[str] | None = None
        names = [f"c{i}" for i in range(ncols)]
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        if b'"' not in data and b"\0" not in data and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")):
            frame = pl.read_csv(
                data,
                has_header=False,
                separator=delimiter,
                quote_char=None,
                new_columns=names,
                schema=dict.fromkeys(names, pl.Utf8),
                empty_string_is_null=False,
                raise_if_empty=False,
            )
            if frame.height != lines:
                raise ValueError("a line the CSV reader did not read as one row")
            self.cells = frame.with_row_index("j").with_columns(pl.lit(False).alias("_odd"))
            return
        line = pl.col("line")
        odd = line.str.contains(r'["\r\x00]')
        frame = pl.DataFrame({"line": self.texts()}).with_row_index("j")
        if frame.select((~odd & (line.str.count_matches(delimiter, literal=True) + 1 > ncols)).any()).item():
            raise ValueError("a line with more cells than the header")
        split = line.str.split_exact(delimiter, ncols - 1).alias("_c")
        frame = frame.with_columns(split, odd.alias("_odd")).unnest("_c").drop("line")
        renamed = frame.rename({f"field_{i}": name for i, name in enumerate(names)})
        self.cells = renamed.with_columns(pl.col(names).fill_null(""))

    def texts(self) -> list[str]:
        """The chunk's lines as text (a carriage return before the line feed left out)."""
        if self._texts is None:
            text = self.data.decode("utf-8")
            lines = (text[:-1] if text.endswith("\n") else text).split("\n")
            self._texts = [line[:-1] if line.endswith("\r") else line for line in lines]
        return self._texts


def _chunks(
    path: str,
    cut: _Cut,
    ncols: int,
    offset: int | None = None,
    first: int = 0,
    until: int | None = None,
    size: int | None = None,
) -> Iterator[_Chunk]:
    """The body (from ``offset``, line ``first`` of it, to the byte offset ``until`` or the end of the file), a chunk
    (of about ``size`` bytes, else :data:`CHUNK`) at a time (ValueError or a polars error when some line is not one
    plain row)."""
    step = size or CHUNK
    with open(path, "rb") as f:
        f.seek(cut.offset if offset is None else offset)
        rest, at = b"", f.tell()
        while True:
            data = f.read(step if until is None else max(0, min(step, until - f.tell())))
            if not data:
                break
            data = rest + data
            end = data.rfind(b"\n") + 1
            if end == 0:
                rest = data
                continue
            rest = data[end:]
            chunk = _Chunk(data[:end], first, cut.delimiter, ncols)
            at, first = at + end, first + chunk.cells.height
            chunk.stop = at
            yield chunk
        if rest:
            yield _Chunk(rest, first, cut.delimiter, ncols)


def _python_cells(line: str, delimiter: str) -> list[str] | None:
    """The cells the csv module reads from one line holding a quote, or None when it is not one whole row alone."""
    try:
        rows = list(csv.reader([line + "\n"], delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else [] if not rows else None


def _cells_of(line: str, delimiter: str) -> list[str] | None:
    """The cells of one body line as the row reader reads them (None: not one whole row, or a CR or NUL in it)."""
    if "\r" in line or "\0" in line:
        return None
    return _python_cells(line, delimiter) if '"' in line else line.split(delimiter)


def _is_layout(cells: list[str]) -> bool:
    """Whether the row reader (past the first data row) would skip a non-blank row as layout, or might in a note."""
    texts = _first_texts(cells, 2)
    return bool(texts) and (len(texts) == 1 or bool(_TOTAL.match(texts[0]) or _NOTE.match(texts[0])))


def _plain_chunk(chunk: _Chunk, ncols: int) -> bool:
    """Whether every line of a chunk is a row the row reader reads as it is and never skips as layout."""
    names = [f"c{i}" for i in range(ncols)]
    first = pl.col("c0").str.replace_all(f"[{_SPACE}]", "")
    rest = pl.concat_str(names[1:]).str.contains(f"[^{_SPACE}]") if ncols > 1 else pl.lit(False)
    size = pl.sum_horizontal(pl.col(names).str.len_bytes()) + ncols + 1
    odd = pl.col("_odd")
    bad = (size > MAX_ROW_CHARS) | (~odd & (first != "") & (first.str.contains(_LAYOUT) | ~rest))
    flags = chunk.cells.select("j", bad.alias("bad"), (odd | ((first == "") & rest)).alias("python"))
    if flags["bad"].any():
        return False
    texts = chunk.texts() if flags["python"].any() else []
    for j in flags.filter("python")["j"].to_list():
        cells = _cells_of(texts[j], chunk.delimiter)
        if cells is None or len(cells) > ncols or _is_layout(cells):
            return False
    return True


_KEPT = 8  # chunks of CHUNK of the first pass kept for the second (4 MiB of body, about 28,000 rows: not read twice)


def chunk_bytes(path: str) -> int:
    """The bytes of the chunks a ledger's body is read in (:data:`SMALL_FILE`)."""
    try:
        small = os.path.getsize(path) < SMALL_FILE
    except OSError:
        small = False
    return CHUNK * 4 if small else CHUNK


def _kept(size: int) -> int:
    """How many chunks of ``size`` bytes the first pass keeps (:data:`_KEPT` chunks of :data:`CHUNK`, at least one)."""
    return max(1, _KEPT * CHUNK // size)


def _body_plain(path: str, cut: _Cut, ncols: int) -> list[_Chunk] | None:
    """The first pass: the first chunks when every body line is one row the row reader reads as it is, else None."""
    kept: list[_Chunk] = []
    try:
        size = chunk_bytes(path)
        for chunk in _chunks(path, cut, ncols, size=size):
            if not _plain_chunk(chunk, ncols):
                return None
            if len(kept) < _kept(size):
                kept.append(chunk)
    except (ValueError, pl.exceptions.PolarsError):  # UnicodeDecodeError is a ValueError
        return None
    return kept


def check(checker: Checker, path: str, encoding: str | None, batch_size: int) -> Iterator[Any]:
    """The verdict rows (and :class:`Block` s) of one CSV ledger: natively when it is plain, else as ever."""
    head = _head(checker, path, encoding)
    if head is None:
        yield from checker.check(path, encoding, batch_size)
        return
    cut, rows, mapper, notices, ends, kept = head
    for notice in notices:
        checker.tell(notice)
    kinds = checker._plans(mapper.headers)
    for start in range(0, len(rows), batch_size):
        yield from checker._batch(rows[start : start + batch_size], kinds, mapper)
    yield from _Body(checker, path, cut, mapper, kinds, rows[-1].row).rows(kept)
    for notice in ends:
        checker.tell(notice)


def _head(checker: Checker, path: str, encoding: str | None) -> Any:
    """(cut, head rows, mapper, notices before them, notices after them) when the body goes native, else None."""
    if Path(path).suffix.lower() not in CSV_SUFFIXES or any(checker.read_options.values()):
        return None  # a workbook, or a column map, --kind or --sheet: the ordinary path
    cut = _cut(path, encoding, checker.header_row)
    if cut is None:
        return None
    mappers: list[CellRows] = []
    notices: list[Any] = []

    def mapper_of(header: list[str]) -> CellRows:
        mappers.append(CellRows(header))
        return mappers[0]

    fmt = Path(path).suffix.lower().lstrip(".")
    ledger = LedgerInput(
        Path(path), io.BytesIO(cut.head), path, fmt, encoding, None, notices.append, checker.header_row
    )
    reading = read_csv(ledger, mapper_of)
    first = next(reading, None)
    before = len(notices)
    rows = [first, *reading] if first is not None else []
    if not rows or not mappers or mappers[0].duplicates or mappers[0].unnamed or len(rows) < csv_writer.CSV_LOOKAHEAD:
        return None
    if any(r.problems or r.data is None for r in rows) or rows[-1].excel_row != cut.lines:
        return None
    if any(r.row != rows[0].row + i for i, r in enumerate(rows)):
        return None  # a row skipped below the first data row (a note may have begun): the ordinary path
    kept = _body_plain(path, cut, len(mappers[0].headers))
    if kept is None:
        return None
    return cut, rows, mappers[0], notices[:before], notices[before:], kept


def _typed(cells: pl.Expr, spec: Any) -> tuple[pl.Expr, pl.Expr]:
    """:func:`.frame.typed`, with counts and measures computed without string building (the same values and plain
    flags: tested against it)."""
    if spec == "int":
        plain = cells.str.contains(_PATTERNS["int"])
        return pl.when(plain).then(cells.cast(pl.Int64, strict=False)), (cells == "") | plain
    if spec != "num":
        return typed(cells, spec)
    plain = cells.str.contains(_PATTERNS["num"])
    point = cells.str.find(".", literal=True).cast(pl.Int64)
    decimals = (cells.str.len_bytes().cast(pl.Int64) - point - 1).fill_null(0).clip(0, SCALE)
    number = cells.str.replace(".", "", literal=True).cast(pl.Int64, strict=False) * pl.lit(10, pl.Int64).pow(
        SCALE - decimals
    )
    plain = plain & (number <= 10**9 * 10**SCALE)  # MAX_MEASURE, as frame.typed
    return pl.when(plain).then(number), (cells == "") | plain.fill_null(False)


def _csv_cell(cell: pl.Expr) -> pl.Expr:
    """A text cell as the CSV writer writes it: a leading apostrophe before a formula, quoted when it must be."""
    escaped = pl.when(cell.str.contains(_FORMULA) & ~cell.str.contains(_NUMBER)).then("'" + cell).otherwise(cell)
    quoted = '"' + escaped.str.replace_all('"', '""', literal=True) + '"'
    return pl.when(escaped.str.contains('[,"\r\n]')).then(quoted).otherwise(escaped)


def _token(j: int, m: int) -> int:
    """The amount in cents that stands for subsidy ``j``'s amount ``m`` in an outcome's line (a text no other cell
    of a line holds), replaced by each row's own amount."""
    return (9_876_543_210 + 10 * j + m) * 100 + 17


def _money(cents: pl.Expr) -> pl.Expr:
    """Cents as the report's amount text (``_cents``: whole yuan, a point, two digits)."""
    return (cents // 100).cast(pl.Utf8) + "." + (cents % 100).cast(pl.Utf8).str.zfill(2)


class Block:
    """A run of column-wise verdict rows, in order: each row's id and name as CSV cells, its outcome *shape* (every
    rule and eligibility outcome, and which amounts it has) and its amounts in cents. The CSV writer writes it
    (:meth:`csv_text`) and the summary counts it (:meth:`add_to`) per distinct shape, amounts summed column-wise."""

    verdict_block = True

    def __init__(self, frame: pl.DataFrame, body: _Body):
        self.frame, self.body = frame, body
        self.failed = any(body.reps[k][0]["status"] == "fail" for k in frame["_key"].unique().to_list())

    def __len__(self) -> int:
        return self.frame.height

    def get(self, key: str, default: Any = None) -> Any:
        """``status``: ``fail`` when some row failed (what ``check``'s exit code reads), else ``pass``."""
        return ("fail" if self.failed else "pass") if key == "status" else default

    def add_to(self, summary: Any) -> None:
        """Counted by shape, with the amounts summed column-wise; said to ``summary`` once the body is read (each
        shape's row once, ``times`` its rows: :meth:`_Body.flush`)."""
        self.body.count(self.frame, summary)

    def csv_text(self, line_of: Any) -> str:
        """The CSV lines of the rows: ``line_of(report)`` is the writer's line of a report; it writes each shape once
        (an empty id and name, amounts as tokens: :func:`_token`), and each row's id, name and amounts go in."""
        return str(self.frame.select(self.csv_line(line_of).str.join("")).item())

    def csv_line(self, line_of: Any) -> pl.Expr:
        """The expression of each row's CSV line (:meth:`csv_text`)."""
        tails = self.body.tails_for(line_of)
        here = {}
        for key in self.frame["_key"].unique().to_list():
            if key not in tails:
                tails[key] = line_of(self.body.reps[key][0])[1:]  # ",<empty name>,kind,…\r\n": after the id
            here[key] = tails[key]
        line = pl.col("_id") + "," + pl.col("_name") + pl.col("_key").replace_strict(here, return_dtype=pl.Utf8)
        present = (
            self.frame.select(pl.col(c).is_not_null().any() for c in self.body.amounts).row(0)
            if self.body.amounts
            else ()
        )
        for c, used in zip(self.body.amounts, present, strict=True):
            if not used:
                continue
            j, m = (int(x) for x in c[2:].split("_"))
            line = line.str.replace_all(_cents(_token(j, m)), _money(pl.col(c)).fill_null(""), literal=True)
        return line


class _Body:
    """The native body of one ledger under a checker: its rows after the head, in order."""

    def __init__(self, checker: Checker, path: str, cut: _Cut, mapper: CellRows, kinds: Any, last_row: int):
        self.checker, self.path, self.cut, self.mapper, self.kinds = checker, path, cut, mapper, kinds
        self.ncols = len(mapper.headers)
        self.row0, self.columns = last_row, mapper.table(lines=True)
        self.reps: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}  # shape -> its verdict dicts (id, name empty)
        self.amounts: dict[str, tuple[str, str]] = {}  # amount column -> (subsidy id, amount|amount_min|amount_max)
        self._tails: tuple[Any, dict[str, str]] = (None, {})
        self.index = next(iter(kinds.values()))[0].kind_index if kinds else -1
        self.districts: dict[str, str] = {}  # by-district amount column -> subsidy id (amount 0 when not eligible)
        for _, plan in kinds.values():
            for j, (subsidy, *_) in enumerate(plan.subsidies):
                for m in (1, 2, 3):
                    self.amounts[f"_c{j}_{m}"] = (subsidy.id, _AMOUNTS[m])
                self.districts[f"_d{j}"] = subsidy.id
        self.kept = ["j", "_kind", "_rid", "_id", "_name", "_key", "_district", *self.amounts, *self.districts]
        self.where = 0  # the body line (0-based) of the last row handed over one by one (a row-wise or error row)
        self.by_district: dict[tuple[str, str], int] = {}  # (subsidy id, district) -> cents, as the summary adds
        self.summary: Any = None  # the summary the blocks are counted in (one: the CSV writer's)
        self.counts: dict[str, int] = {}  # rows of each shape not yet told to it
        self.sums = [0] * len(self.amounts)  # and their amounts, in cents

    def count(self, frame: pl.DataFrame, summary: Any) -> None:
        if self.summary is not summary:
            self.flush()
            self.summary = summary
        for key, n in frame["_key"].value_counts().iter_rows():
            self.counts[key] = self.counts.get(key, 0) + n
        if self.amounts:
            sums = frame.select(pl.col(c).sum() for c in self.amounts).row(0)
            self.sums = [a + (b or 0) for a, b in zip(self.sums, sums, strict=True)]
        self._count_districts(frame)

    def _count_districts(self, frame: pl.DataFrame) -> None:
        """The amounts by district (a row with a district and an amount, 0.00 when not eligible, as
        ``Summary.add_row`` adds a report's): summed per district column-wise."""
        if not self.districts:
            return
        named = frame.filter(pl.col("_district").is_not_null())
        aggs = [x for c in self.districts for x in (pl.col(c).sum(), pl.col(c).is_not_null().any().alias(c + "?"))]
        for row in named.group_by("_district").agg(aggs).iter_rows(named=True):
            for c, sid in self.districts.items():
                if row[c + "?"]:
                    where = (sid, row["_district"])
                    self.by_district[where] = self.by_district.get(where, 0) + row[c]

    def flush(self) -> None:
        """Tell the summary the blocks counted so far: each shape's verdict row (its amounts 0.00) that many times,
        then the amounts summed column-wise."""
        if self.summary is None:
            return
        for key, n in self.counts.items():
            self.summary.add_row(report_row(self.reps[key][1]), times=n)
        totals = {
            where: Decimal(total).scaleb(-2)
            for where, total in zip(self.amounts.values(), self.sums, strict=True)
            if total
        }
        by_district = {where: Decimal(total).scaleb(-2) for where, total in self.by_district.items()}
        self.summary.add_amounts(totals, by_district)
        self.counts, self.sums, self.by_district = {}, [0] * len(self.amounts), {}

    def tails_for(self, line_of: Any) -> dict[str, str]:
        if self._tails[0] is not line_of:
            self._tails = (line_of, {})
        return self._tails[1]

    def rows(self, kept: list[_Chunk]) -> Iterator[Any]:
        """The body's verdict rows and blocks: the chunks the first pass kept, then the rest read again."""
        size = chunk_bytes(self.path)
        more = len(kept) == _kept(size) and (not kept or kept[-1].stop >= 0)  # the first pass read past what it kept
        start, first = (kept[-1].stop, kept[-1].first + kept[-1].cells.height) if kept else (None, 0)
        while kept:
            yield from self._batch(kept.pop(0))  # each chunk let go once done
        if more:
            for chunk in _chunks(self.path, self.cut, self.ncols, start, first, size=size):
                yield from self._batch(chunk)
        self.flush()

    def _batch(self, chunk: _Chunk) -> Iterator[Any]:
        self.checker.native_lines += chunk.cells.height
        cells = chunk.cells.filter(~pl.col("_odd"))
        kind = pl.col(f"c{self.index}").replace_strict(_KIND_OF, default=None) if self.index >= 0 else None
        cells = cells.with_columns((kind if kind is not None else pl.lit("institution")).alias("_kind"))
        native = [
            self._evaluate(cells.filter(pl.col("_kind") == k), lay, plan, k) for k, (lay, plan) in self.kinds.items()
        ]
        nat = pl.concat(native).sort("j") if native else pl.DataFrame(schema={"j": pl.UInt32})
        others = chunk.cells.select("j").filter(~pl.col("j").is_in(nat["j"].implode()))
        yield from self._ordered(nat, others["j"].to_list(), chunk)

    def _evaluate(self, rows: pl.DataFrame, lay: Layout, plan: Plan, kind: str) -> pl.DataFrame:
        """The plain rows of one kind: j, kind, raw id, and their id and name as CSV cells, shape and amounts."""
        exprs, plains = [], []
        for i, (path, spec) in lay.columns.items():
            value, plain = _typed(pl.col(f"c{i}"), spec)
            exprs.append(value.alias(path))
            plains.append(plain)
        plain_row = pl.all_horizontal([*plains, pl.col(f"c{lay.id_index}") != ""]).alias("_plain")
        everything = rows.with_columns(*exprs, plain_row).filter("_plain")
        rows = everything
        out = evaluate_batch(everything, plan)
        rule_cols = [c for c in out.columns if c.startswith(("_f", "_u"))]
        shape, amounts = [pl.lit(kind), *(pl.col(c).cast(pl.Utf8) for c in rule_cols)], []
        for j in range(len(plan.subsidies)):
            code = pl.col(f"_s{j}_0")
            shape.append(code.cast(pl.Utf8).fill_null("-"))
            for m in (1, 2, 3):
                has = (code == 1) & pl.col(f"_s{j}_{m}").is_not_null()
                shape.append(has.cast(pl.Utf8))
                amounts.append(pl.when(has).then(pl.col(f"_s{j}_{m}")).cast(pl.Int64).alias(f"_c{j}_{m}"))
            amount = pl.when(pl.col(f"_s{j}_1").is_not_null()).then(pl.col(f"_s{j}_1"))
            amounts.append(pl.when(code == 0).then(0).when(code == 1).then(amount).cast(pl.Int64).alias(f"_d{j}"))
        out = out.with_columns(pl.concat_str(shape, separator=",").alias("_key"), *amounts)
        self._remember(out, rule_cols, plan, kind)
        name = pl.col(f"c{lay.name_index}") if lay.name_index >= 0 else pl.lit("")
        if not lay.name_field:
            name = pl.when(name.str.contains(f"[^{_SPACE}]")).then(name).otherwise(pl.lit(""))
        ident = pl.col(f"c{lay.id_index}")
        district = pl.col(f"c{lay.district_index}") if lay.district_index >= 0 else pl.lit(None, pl.Utf8)
        district = pl.when(district.str.contains(f"[^{_SPACE}]")).then(district)  # as the summary reads a report's
        shown = rows.select(
            "j",
            pl.lit(kind).alias("_kind"),
            ident.alias("_rid"),
            _csv_cell(ident).alias("_id"),
            _csv_cell(name).alias("_name"),
            district.alias("_district"),
        )
        kept = [
            pl.col("_key"),
            *(
                pl.col(c) if c in out.columns else pl.lit(None, pl.Int64).alias(c)
                for c in [*self.amounts, *self.districts]
            ),
        ]
        return shown.hstack(out.select(kept))

    def _remember(self, out: pl.DataFrame, rule_cols: list[str], plan: Plan, kind: str) -> None:
        """The verdict dicts of each shape not seen before, from one row of it (polars' ``unique``): one with its
        amounts as tokens (for the writer's line), one with them as 0.00 (for the summary's counts)."""
        rules = [r for r, _, _ in plan.rules]
        subsidies = [s for s, *_ in plan.subsidies]
        sub_cols = [f"_s{j}_{k}" for j in range(len(subsidies)) for k in range(4)]
        fresh = out.filter(~pl.col("_key").is_in(pl.Series(list(self.reps), dtype=pl.Utf8).implode()))
        for row in fresh.unique(subset=["_key"]).select([*rule_cols, *sub_cols, "_key"]).iter_rows():
            status, violations, unknown = _rule_part(row[: len(rule_cols)], rules)
            cells = row[len(rule_cols) : -1]
            reps = []
            for amount in (_token, lambda j, m: 0):
                shown = [amount(k // 4, k % 4) if k % 4 and c is not None else c for k, c in enumerate(cells)]
                reps.append(
                    {
                        "kind": kind,
                        "id": "",
                        "name": "",
                        "status": status,
                        "violations": violations,
                        "findings": unknown,
                        "subsidies": _subsidy_part(tuple(shown), subsidies, plan.amount_open),
                        **({"provenance": self.checker.provenance} if self.checker.provenance else {}),
                    }
                )
            self.reps[row[-1]] = (reps[0], reps[1])

    def _ordered(self, nat: pl.DataFrame, stops: list[int], chunk: _Chunk) -> Iterator[Any]:
        """Column-wise runs as blocks, the other rows (row-wise, repeated ids) one by one, in the ledger's order."""
        where = nat["j"].to_list()
        texts = chunk.texts() if stops else []
        pos = 0
        for stop in [*stops, None]:
            end = len(where) if stop is None else bisect.bisect_left(where, stop, lo=pos)
            yield from self._run(nat, pos, end, chunk.first)
            pos = end
            if stop is not None:
                item = self._row_wise(chunk.first + stop, texts[stop])
                if item is not None:
                    yield item

    def _run(self, nat: pl.DataFrame, start: int, end: int, done: int) -> Iterator[Any]:
        """Rows ``start:end`` of the column-wise rows: blocks, cut at each repeated id (an error row)."""
        if start >= end:
            return
        part = nat.slice(start, end - start)
        keys = list(map(hash, zip(part["_kind"].to_list(), part["_rid"].to_list(), strict=True)))
        seen = self.checker.seen
        if len(set(keys)) == len(keys) and seen.isdisjoint(keys):
            seen.update(keys)
            self.checker.rows["columnar"] += len(keys)
            yield Block(part.select(*self.kept), self)
            return
        begin = 0
        for i, key in enumerate(keys):
            if key not in seen:
                seen.add(key)
                continue
            if begin < i:
                self.checker.rows["columnar"] += i - begin
                yield Block(part.slice(begin, i - begin).select(*self.kept), self)
            begin = i + 1
            j = part["j"][i] + done
            at = (self.columns, self.cut.lines + 1 + j)
            self.where = j
            yield dict(ErrorReport.duplicate(self.row0 + 1 + j, part["_rid"][i], self.path, at).to_dict())
        if begin < len(keys):
            self.checker.rows["columnar"] += len(keys) - begin
            yield Block(part.slice(begin).select(*self.kept), self)

    def _row_wise(self, j: int, text: str) -> dict[str, Any] | None:
        """A body line the native path does not decide, as the ordinary path reads and checks it (None: blank)."""
        cells = _cells_of(text, self.cut.delimiter)
        if cells is None or not any(c.strip() for c in cells):
            return None
        self.where = j
        raw = RawRow(
            self.row0 + 1 + j,
            self.path,
            cast("dict[str, Any]", cells),
            text=True,
            excel_row=self.cut.lines + 1 + j,
            columns=self.columns,
        )
        return self.checker.row_wise(raw, self.mapper)


def check_rows(
    policy: Any,
    csv_path: str | Sequence[str],
    as_of: datetime.date | None = None,
    batch_size: int = 10_000,
    encoding: str | None = None,
    checker: Checker | None = None,
) -> Iterator[Any]:
    """The verdict rows of CSV ledgers (one per data row, in order) that ``write_reports(..., "csv", ...)`` writes
    byte for byte as ``tuoyu-rules check --format csv`` does; ``policy`` is a Policy or a CompiledPolicy. With a
    ``Checker(..., native=True)``, runs of column-wise rows come as :class:`Block` s, which only the CSV writer writes
    (``check`` does this)."""
    compiled = getattr(policy, "compiled", policy)
    run = checker or Checker(compiled, as_of or datetime.date.today())
    # the provenance every report of the row engine carries: one dict, shared by the rows (the CSV's comment line)
    known = compiled.provenance
    provenance = known.to_dict(run.as_of.isoformat()) if known is not None else None
    run.provenance = provenance
    for path in [csv_path] if isinstance(csv_path, str) else csv_path:
        rows = check(run, str(path), encoding, batch_size) if run.native else run.check(str(path), encoding, batch_size)
        for item in rows:
            if getattr(item, "verdict_block", False):  # a Checker(native=True)'s block carries its provenance
                yield item
            else:
                yield {**item, "provenance": provenance} if provenance and item.get("status") != "error" else item
