"""``check --jobs N`` on one CSV file in byte ranges: each worker reads its own part of the file and sends back the
lines it wrote, so that this process neither reads nor pickles rows, and writes what it gets back.

This process finds the header with the reader (:func:`~tuoyu_rules.records.readers.csv_ranges`, which tells its
notices), cuts the body at line feeds outside quoted cells (:func:`~tuoyu_rules.records.readers.csv_parts`: by quote
parity, each part numbered by the rows and lines before it), and for ``--format csv`` checks the first parts itself
while the workers start, until it holds the :data:`~tuoyu_rules.writers.csv.CSV_LOOKAHEAD` records the csv writer
learns its subsidy columns from (it writes them, with the provenance and the header, through the writer itself). A
worker reads its part, checks its rows and writes their output lines (the csv writer's rows under those columns, or
the JSONL lines), sending with them each row's (kind, id), status, row and line. This process takes the parts back in
input order and compares ids across the whole ledger, as one process does: a repeated id's line is replaced by its
error row's, and the counts of the summary line follow.

Every part says what reading it found (:class:`~tuoyu_rules.records.readers.PartRead`): the rows it numbered, whether
its end fell inside a quoted cell (a quote that opens no cell can fool the parity), and how it reads in each state the
layout could have been in at its start (a note begun above, say). When the part was numbered or assumed otherwise
than the parts before it found, it and the rest of the file are read here, in one part, from where it starts: the
output is that of one process in every case.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..api import Policy, records_of
from ..compiler import CompiledPolicy
from ..evaluate import evaluate_record
from ..records.readers import CsvPart, CsvPlan, PartRead, csv_parts, csv_ranges, end_csv_ranges, read_csv_range
from ..records.readers.base import RawRow
from ..report import ErrorReport, Report
from ..writers import write_reports
from ..writers.csv import CSV_LOOKAHEAD, CsvRows, subsidy_columns
from ..writers.rows import report_row
from .pool import dumps, in_order, setup, started

__all__ = ["ENGINES", "FORMATS", "PART_ROWS", "Output", "RangedCheck", "ranged_check"]

FORMATS = ("csv", "jsonl")
"""The formats written from byte ranges (without ``--findings`` or ``--compact``)."""
ENGINES = ("row", "columnar")
"""The engines that check parts: the row engine, and the columnar engine (``--format csv`` only,
:mod:`tuoyu_rules.columnar.ranges`)."""
PART_ROWS = {"csv": 2000, "jsonl": 500}
"""Rows per part, about (a part is cut by bytes): a JSONL line is some 18 KB, a csv row some 150 bytes."""
COLUMNAR_GROUP = 8
"""The columnar engine's parts past the first two are this many parts of :data:`PART_ROWS` rows (16,000 rows of
``--format csv``): its native path costs some 40 ms per chunk of rows whatever the chunk's size, while the first
parts, checked by this process until the csv writer has its lookahead, stay small."""
SAMPLE = 1 << 16  # bytes of the body whose lines give the bytes per row

Key = tuple[str, Any]
_STATUS = {"pass": "p", "fail": "f", "incomplete": "i", "error": "e"}
_COUNTED = {"p": "passed", "f": "failed", "i": "incomplete", "e": "errors"}


@dataclass(frozen=True)
class Output:
    """What ``check`` writes: the format (one of :data:`FORMATS`), the day, ``--omit-passes`` (``passes=False``),
    ``--trace`` and the language."""

    fmt: str
    as_of: datetime.date
    passes: bool = True
    trace: bool = False
    lang: str = "zh"


@dataclass
class PartResult:
    """What a part gives back: its rows' output (UTF-8) and where each row's ends in it, and for each row its
    record's (kind, id) (None for an error row), status letter, row number and line; and what reading found."""

    text: bytes
    ends: list[int]
    keys: list[Key | None]
    statuses: str
    rows: list[int]
    lines: list[int | None]
    read: PartRead
    how: str = ""  # the columnar engine: each row checked column-wise (c), row-wise (r) or neither (-)


def ranged_check(
    policy: Policy,
    path: str,
    output: Output,
    jobs: int,
    part_rows: int | None = None,
    engine: str = "row",
    **read: Any,
) -> RangedCheck | None:
    """``check`` of the CSV file ``path`` with ``jobs`` processes, each reading its own byte range; ``read`` holds the
    options of :func:`~tuoyu_rules.records.read_rows` (``encoding``, ``fmt``, ``header_row``, ``columns``, ``kind``,
    ``on_notice``) and ``engine`` one of :data:`ENGINES`. None, with nothing told, when the file is not one to read
    in byte ranges exactly (see :func:`~tuoyu_rules.records.readers.csv_ranges`) or the format is not one of
    :data:`FORMATS` (the columnar engine: csv)."""
    if output.fmt not in FORMATS or jobs < 2 or read.get("sheet") is not None:
        return None
    if engine not in ENGINES or (engine == "columnar" and output.fmt != "csv"):
        return None
    plan = csv_ranges(path, **{k: v for k, v in read.items() if k != "sheet"})
    if plan is None:
        return None
    return RangedCheck(policy, plan, output, jobs, part_rows or PART_ROWS[output.fmt], engine)


class RangedCheck:
    """One ``check`` of a CSV file in byte ranges: :meth:`chunks` gives the output, in order; then :attr:`counts`
    holds the counts of the summary line (rows, passed, failed, incomplete, errors), and for the columnar engine
    :attr:`split` the rows checked column-wise and row-wise and :attr:`columnwise` its rules and subsidies that ran
    column-wise."""

    def __init__(self, policy: Policy, plan: CsvPlan, output: Output, jobs: int, part_rows: int, engine: str = "row"):
        self.compiled, self.output, self.jobs, self.engine_name = policy.compiled, output, jobs, engine
        self.plan = plan
        self.size = _part_bytes(plan, part_rows)
        self.split = {"columnar": 0, "row": 0}
        self.columnwise: list[str] = []
        self._engine: Any = None  # made on first use (the columnar engine imports polars: after the pool forks)
        self.counts = dict.fromkeys(("rows", "passed", "failed", "incomplete", "errors"), 0)
        self._seen: set[int] = set()  # as in Policy.evaluate_many: the hashes of the (kind, id) of every record
        self._table = plan.mapper.table(lines=True)  # where a repeated id is (its cell)
        self._subsidies: dict[str, str] = {}  # the csv writer's subsidy columns
        self._reads: list[PartRead] = []
        self._row, self._state = 0, (False, False)  # before the next part: its rows, and the layout's state

    def chunks(self) -> Iterator[bytes]:
        """The output, in order (UTF-8); the reader's notices are told as one process tells them."""
        self.plan.tell_header()
        parts = list(csv_parts(self.plan, self.size))
        if self.engine_name == "columnar":
            parts = _grouped(parts, COLUMNAR_GROUP)
        ahead = self.output.fmt == "csv"  # the csv writer learns its columns from the first records
        state = (self.compiled, self.plan, self.output, self.engine_name)
        pool = started(self.jobs, state) if len(parts) > 2 + ahead else None
        try:
            if not ahead:
                yield from self._parts(parts, pool)
            else:
                head, cut = self._head(parts)
                items = iter(head)
                if cut is not None:  # read here from that part on
                    items = itertools.chain(head, (self._checked(*item) for item in self._rest(cut)))
                    head = list(itertools.islice(items, CSV_LOOKAHEAD))
                yield self._written(head)
                self._subsidies = subsidy_columns((report_row(item) for item in head), self.output.lang)
                if cut is not None:
                    yield from self._rendered(items)
                else:
                    yield from self._parts(parts[len(self._reads) :], pool)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        end_csv_ranges(self.plan, self._reads)
        if self._engine is not None:
            self.columnwise = list(getattr(getattr(self._engine, "checker", None), "columnwise", []))

    @property
    def engine(self) -> Any:
        """What checks a part here: :class:`_RowParts`, or the columnar engine's
        :class:`~tuoyu_rules.columnar.ranges.Parts`."""
        if self._engine is None:
            self._engine = _engine(self.compiled, self.plan, self.output, self.engine_name)
        return self._engine

    def _head(self, parts: list[CsvPart]) -> tuple[list[Any], CsvPart | None]:
        """The items of the first parts, read here until there are :data:`CSV_LOOKAHEAD` (ids compared), and the part
        whose end fell inside a quoted cell (the file is then read here from its start), if any."""
        items: list[Any] = []
        for part in parts:
            if len(items) >= CSV_LOOKAHEAD:
                break
            exact = dataclasses.replace(part, row=self._row, state=self._state)
            read = PartRead()
            found = list(self.engine.items(exact, read))
            if read.cut and not part.last:
                return items, part
            items += [self._checked(*item) for item in found]
            self._done(read)
        return items, None

    def _written(self, items: Iterable[Any]) -> bytes:
        """Items written by the writer, as one process writes them (for csv the BOM, provenance and header first)."""
        out = io.StringIO()
        summary = write_reports(items, self.output.fmt, out, lang=self.output.lang).to_dict()
        for name in self.counts:
            self.counts[name] += summary[name]
        return out.getvalue().encode("utf-8")

    def _parts(self, parts: list[CsvPart], pool: ProcessPoolExecutor | None) -> Iterator[bytes]:
        """The output of the parts read by the workers (here without a pool), each checked against those before."""
        if not parts:
            return
        shift = self._row - parts[0].row  # the rows the parts before found beyond their quote parity
        state = (True, self._state[1])  # a data row has been read by then (else the part says so), a note goes on
        tasks = [dataclasses.replace(p, row=p.row + shift, state=state) for p in parts]
        tasks[0] = dataclasses.replace(tasks[0], state=self._state)
        results: Iterator[tuple[CsvPart, PartResult]]
        if pool is None:
            results = ((p, _result(self.engine.part(p, self._subsidies))) for p in tasks)
        else:
            results = in_order(_task, (), ((p, (p, self._subsidies)) for p in tasks), self.jobs, pool)
        for part, result in results:
            if part.row != self._row or (result.read.cut and not part.last):
                yield from self._rest_written(part)  # numbered or cut otherwise than the parts before found
                return
            if result.read.states.get(self._state) is None:  # it reads otherwise in the state the layout is in
                exact = dataclasses.replace(part, state=self._state)
                result = _result(self.engine.part(exact, self._subsidies))
            yield self._merged(result)
            self._done(result.read)

    def _done(self, read: PartRead) -> None:
        """The next part starts after the rows ``read`` numbered, in the state it ends in."""
        end = read.states.get(self._state)
        assert end is not None
        self._reads.append(read)
        self._row, self._state = self._row + read.rows, end

    def _merged(self, result: PartResult) -> bytes:
        """A part's output, with the line of each row whose id repeats an earlier one's replaced by its error row."""
        seen, replaced = self._seen, {}
        for i, key in enumerate(result.keys):
            if key is not None:
                fingerprint = hash(key)
                if fingerprint in seen:
                    at = (self._table, result.lines[i])
                    replaced[i] = ErrorReport.duplicate(result.rows[i], key[1], self.plan.ledger.source, at)
                else:
                    seen.add(fingerprint)
        self._ways(result.how, replaced)
        text, statuses = result.text, result.statuses
        if replaced:
            render = _renderer(self.output, self._subsidies)
            pieces = [text[a:b] for a, b in itertools.pairwise([0, *result.ends])]
            for i, error in replaced.items():
                pieces[i] = render(error).encode("utf-8")
            text = b"".join(pieces)
            statuses = "".join("e" if i in replaced else s for i, s in enumerate(statuses))
        self._count(statuses)
        return text

    def _ways(self, how: str, replaced: Iterable[int] = ()) -> None:
        """Count the rows checked column-wise and row-wise, a repeated id's row column-wise not among them (one process
        counts it so)."""
        if how:
            self.split["columnar"] += how.count("c") - sum(1 for i in replaced if how[i] == "c")
            self.split["row"] += how.count("r")

    def _count(self, statuses: str) -> None:
        self.counts["rows"] += len(statuses)
        for letter, name in _COUNTED.items():
            self.counts[name] += statuses.count(letter)

    def _rest(self, part: CsvPart) -> Iterator[tuple[Key | None, RawRow, Any]]:
        """The items of the rest of the file from ``part`` on, read here as one part."""
        whole = dataclasses.replace(part, end=self.plan.size, last=True, row=self._row, state=self._state)
        read = PartRead()
        yield from self.engine.items(whole, read)
        self._reads.append(read)

    def _rest_written(self, part: CsvPart) -> Iterator[bytes]:
        """The output of the rest of the file from ``part`` on, read and written here."""
        yield from self._rendered(self._checked(*item) for item in self._rest(part))

    def _rendered(self, items: Iterable[Any]) -> Iterator[bytes]:
        """The output of ``items`` (ids compared) in batches, the csv rows under the subsidy columns learned."""
        render = _renderer(self.output, self._subsidies)
        batch: list[bytes] = []
        statuses: list[str] = []
        for item in items:
            batch.append(render(item).encode("utf-8"))
            statuses.append(_STATUS[_status(item)])
            if len(batch) >= 1000:
                self._count("".join(statuses))
                yield b"".join(batch)
                batch, statuses = [], []
        self._count("".join(statuses))
        yield b"".join(batch)

    def _checked(self, key: Key | None, raw: RawRow, item: Any, how: str = "") -> Any:
        """``item``, or the error row of a record whose id repeats an earlier one (``how``: :attr:`PartResult.how`
        of its row)."""
        if key is None:
            self._ways(how)
            return item
        fingerprint = hash(key)
        if fingerprint in self._seen:
            self._ways(how, [0])
            at = (raw.columns, raw.excel_row) if raw.columns is not None else None
            return ErrorReport.duplicate(raw.row, key[1], raw.source, at)
        self._ways(how)
        self._seen.add(fingerprint)
        return item


def _part_bytes(plan: CsvPlan, rows: int) -> int:
    """The bytes of about ``rows`` rows of the body, from the lines of its first :data:`SAMPLE` bytes."""
    assert plan.ledger.path is not None
    with open(plan.ledger.path, "rb") as f:
        f.seek(plan.start)
        sample = f.read(SAMPLE)
    return max(1, round(len(sample) / max(1, sample.count(b"\n")) * rows))


def _grouped(parts: list[CsvPart], size: int) -> list[CsvPart]:
    """The first two parts, then the others joined ``size`` at a time (each numbered as its first)."""
    out = parts[:2]
    for i in range(2, len(parts), size):
        group = parts[i : i + size]
        out.append(dataclasses.replace(group[0], end=group[-1].end, last=group[-1].last))
    return out


def _status(item: Any) -> str:
    return str(item["status"]) if isinstance(item, dict) else str(item.status)


def _result(part: Any) -> PartResult:
    """A part's result: the row engine's, or the fields of the columnar engine's."""
    return part if isinstance(part, PartResult) else PartResult(*part)


# ---- in a worker (and here, for the first parts) ------------------------------------------------------------------
class _RowParts:
    """The row engine on the parts of one CSV file."""

    def __init__(self, compiled: CompiledPolicy, plan: CsvPlan, output: Output):
        self.compiled, self.plan, self.output = compiled, plan, output

    def items(self, part: CsvPart, read: PartRead) -> Iterator[tuple[Key | None, RawRow, Any]]:
        return _items(self.compiled, self.plan, part, read, self.output.as_of)

    def part(self, part: CsvPart, columns: dict[str, str]) -> PartResult:
        return _part(self.compiled, self.plan, self.output, part, columns)


def _engine(compiled: CompiledPolicy, plan: CsvPlan, output: Output, name: str) -> Any:
    if name == "row":
        return _RowParts(compiled, plan, output)
    from ..columnar.ranges import Parts

    return Parts(compiled, plan, output.as_of, output.lang)


def _items(
    compiled: CompiledPolicy, plan: CsvPlan, part: CsvPart, read: PartRead, day: datetime.date
) -> Iterator[tuple[Key | None, RawRow, Any]]:
    """Each row of a part with its record's (kind, id) and its report or error row (ids not compared)."""
    current: list[Any] = [None]

    def tap(rows: Iterable[RawRow]) -> Iterator[RawRow]:
        for raw in rows:
            current[0] = raw
            yield raw

    for _, _, record in records_of(tap(read_csv_range(plan, part, read)), compiled=compiled, day=day):
        raw = current[0]
        if isinstance(record, ErrorReport):
            yield None, raw, record
            continue
        report = record if isinstance(record, Report) else evaluate_record(compiled, record, day)
        yield (report.record["kind"], report.record.get("id")), raw, report


def _renderer(output: Output, columns: dict[str, str]) -> Callable[[Any], str]:
    """The text one process writes for an item (a report or an error row) in ``output``'s format."""
    if output.fmt == "csv":
        rows = CsvRows(output.lang, columns)
        return lambda item: rows.text(report_row(item))

    def line(item: Any) -> str:
        if isinstance(item, Report):
            return item.to_json(passes=output.passes, trace=output.trace) + "\n"
        out = io.StringIO()
        write_reports([item], "jsonl", out, lang=output.lang)
        return out.getvalue()

    return line


def _part(
    compiled: CompiledPolicy, plan: CsvPlan, output: Output, part: CsvPart, columns: dict[str, str]
) -> PartResult:
    render = _renderer(output, columns)
    read = PartRead()
    pieces: list[bytes] = []
    keys: list[Key | None] = []
    statuses: list[str] = []
    rows: list[int] = []
    lines: list[int | None] = []
    for key, raw, item in _items(compiled, plan, part, read, output.as_of):
        pieces.append(render(item).encode("utf-8"))
        keys.append(key)
        statuses.append(_STATUS[item.status])
        rows.append(raw.row)
        lines.append(raw.excel_row)
    ends = list(itertools.accumulate(map(len, pieces)))
    return PartResult(b"".join(pieces), ends, keys, "".join(statuses), rows, lines, read)


_WORKER: list[Any] = []  # in a worker: the engine that checks its parts, made on its first part


def _task(part: CsvPart, columns: dict[str, str]) -> bytes:
    """A worker's part, pickled. The collector is left running (paused, as :mod:`.rows` pauses it for chunks of rows
    read here, it made a part twice as slow: the garbage of each row's reading and checking, some of it in cycles,
    piled up instead of being reused while it is in the cache)."""
    if not _WORKER:
        _WORKER.append(_engine(*setup()))
    return dumps(_result(_WORKER[0].part(part, columns)))
