"""``check --jobs N`` of the row engine: chunks of input rows evaluated by workers, ids compared in the parent."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..api import Policy, records_of
from ..compiler import CompiledPolicy
from ..evaluate import evaluate_record
from ..report import ErrorReport, Report, register_policy
from ..writers.rows import ReportRow, report_row
from .pool import dumps, in_order, setup

__all__ = ["CHUNK_ROWS", "FORMS", "JsonLine", "Options", "check_items", "frozen_row"]

CHUNK_ROWS = 1000
"""Rows per task: a task's overhead (a few milliseconds) is small beside its work, and two chunks per worker in
flight keep memory low."""

Key = tuple[str, Any]
Result = tuple[Key | None, int, str | None, Any]  # (kind, id) of a read record, row, source, its item
Places = list[tuple[Any, Any, Any]]  # the row and source each input row was read from, and its ledger place


FORMS = ("dict", "report", "row", "verdicts", "json_line")


@dataclass(frozen=True)
class Options:
    """How each report becomes the item ``check`` writes.

    ``form`` ``"dict"`` (the default): ``report.to_dict(passes=…, trace=…)``, and ``located`` adds the ``row`` and
    ``source`` the input row was read from (the CI formats). ``"report"``: the ``Report`` itself (pickled lean, by
    policy reference: what ``check`` hands the writers of verdicts). ``"row"``: its row view made by the worker
    (:func:`frozen_row`; what the writers of verdicts read of it, without the long form); ``"verdicts"``: the same
    without the rendered texts (:data:`SHOWN_TEXTS`), for the csv writer. ``"json_line"``: a :class:`JsonLine`, that
    row view with the report's JSON text (``report.to_json(passes=…, trace=…)``), for the JSONL writer. Error rows are
    ``ErrorReport`` objects in all but ``"dict"``.
    """

    as_of: datetime.date
    passes: bool = True
    trace: bool = False
    located: bool = False
    form: str = "dict"

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise ValueError(f"Options.form is one of {', '.join(FORMS)}, not {self.form!r}")


class _Given:
    """A row view's ``findings()`` or ``provenance`` as a value made beforehand (a lambda would not pickle)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self) -> Any:
        return self.value

    def __reduce__(self) -> tuple[Any, ...]:
        return _Given, (self.value,)


SHOWN_TEXTS = frozenset({"message", "message_en", "fix", "fix_en", "basis", "basis_en", "note", "note_en"})
"""The rendered texts of findings and subsidy lines: shown by the table and xlsx writers, never read by the csv
writer's rows or the summary (form ``"verdicts"`` leaves them out: rendering them is most of a row view's cost)."""


def frozen_row(
    report: Report, provenances: dict[Any, Any] | None = None, text: str | None = None, texts: bool = True
) -> ReportRow:
    """The row view of a report with every value the writers of verdicts and the summary read made now, as plain
    dicts (violations, unknown findings, subsidy lines; every finding of a region report, for the summary's targets),
    so that it pickles without the report and costs the process that writes it nothing more; with ``text``, a
    :class:`JsonLine` carrying it; without ``texts``, none of :data:`SHOWN_TEXTS`. ``provenances`` keeps one
    provenance dict per policy and day, pickled once."""
    row = report_row(report)
    frozen = ReportRow.__new__(ReportRow) if text is None else JsonLine.__new__(JsonLine)
    frozen.kind, frozen.id, frozen.status = row.kind, row.id, row.status
    frozen.name, frozen.district, frozen.form = row.name, row.district, row.form
    skip = () if texts else SHOWN_TEXTS
    frozen.violations = [_plain(v, skip) for v in row.violations]
    frozen.unknown = [_plain(f, skip) for f in row.unknown]
    frozen.subsidies = [_plain(s, skip) for s in row.subsidies]
    frozen._all = _Given([_plain(f, skip) for f in row.findings()] if row.kind == "region" else [])
    frozen.policy, frozen.as_of, frozen.warnings, frozen.error = row.policy, row.as_of, row.warnings, None
    frozen._provenance = _Given(_provenance(report, provenances))
    if text is not None:
        frozen.text = text  # type: ignore[attr-defined]
    return frozen


def _plain(view: Any, skip: Iterable[str]) -> dict[str, Any]:
    """A finding's or subsidy line's keyed view as the dict of its keys with a value (each computed once)."""
    out = {}
    for key, getter in view.KEYS.items():
        if key not in skip:
            value = getter(view)
            if value is not None:
                out[key] = value
    return out


def _provenance(report: Report, provenances: dict[Any, Any] | None) -> Any:
    policy = report.policy
    if policy.provenance is None:
        return None
    if provenances is None:
        return policy.provenance.to_dict(report.as_of.isoformat())
    key = (id(policy), report.as_of)
    if key not in provenances:
        provenances[key] = policy.provenance.to_dict(report.as_of.isoformat())
    return provenances[key]


class JsonLine(ReportRow):
    """A report's row view (:func:`frozen_row`: what the summary reads) with its JSON text: ``to_json()`` gives that
    text, which the JSONL writer writes."""

    __slots__ = ("text",)
    text: str

    def to_json(self) -> str:
        return self.text


def check_items(
    policy: Policy, rows: Iterable[Any], options: Options, jobs: int, chunk_rows: int | None = None
) -> Iterator[Any]:
    """The items of ``rows`` in input order, as ``check`` makes them in one process, from ``jobs`` processes: report
    dicts and error rows, or (``options.form``) the ``Report`` / :class:`JsonLine` and ``ErrorReport`` objects."""
    register_policy(policy.compiled)  # the reports workers send back are unpickled with this very policy
    seen: set[int] = set()  # as in Policy.evaluate_many: the hashes of the (kind, id) of every record so far
    dicts = options.form == "dict"
    for places, results in _evaluated(policy.compiled, options, _chunks(rows, chunk_rows or CHUNK_ROWS), jobs):
        for (row_at, source_at, at), (key, row, source, item) in zip(places, results, strict=True):
            if key is not None:
                fingerprint = hash(key)
                if fingerprint in seen:
                    item = ErrorReport.duplicate(row, key[1], source, at)
                    if dicts:
                        item = item.to_dict(options.passes, options.trace)
                else:
                    seen.add(fingerprint)
            if options.located and dicts:  # as check does for the CI formats: where the row was read, unless it says
                if row_at is not None:
                    item.setdefault("row", row_at)
                if source_at is not None:
                    item.setdefault("source", source_at)
            yield item


def _place(raw: Any) -> Any:
    """The column table and Excel row of a ledger row (a repeated id is located in its cell), or None."""
    columns = getattr(raw, "columns", None)
    return (columns, raw.excel_row) if columns is not None else None


def _chunks(rows: Iterable[Any], size: int) -> Iterator[tuple[Places, tuple[int, list[Any]]]]:
    """(where each row was read, (position of the first row, the rows)) of consecutive chunks of ``size`` rows."""
    start = 1
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        places = [(getattr(raw, "row", None), getattr(raw, "source", None), _place(raw)) for raw in chunk]
        yield places, (start, chunk)
        start += len(chunk)


def _evaluated(
    compiled: CompiledPolicy, options: Options, chunks: Iterator[tuple[Places, tuple[int, list[Any]]]], jobs: int
) -> Iterator[tuple[Places, list[Result]]]:
    """Each chunk's places and results in input order; a ledger of one chunk is evaluated here, starting no process."""
    head = list(itertools.islice(chunks, 2))
    if len(head) < 2 or jobs <= 1:
        for places, (start, chunk) in itertools.chain(head, chunks):
            yield places, evaluate_chunk(compiled, options, start, chunk)
        return
    yield from in_order(_task, (compiled, options), itertools.chain(head, chunks), jobs)


def _task(start: int, chunk: list[Any]) -> bytes:
    """A worker's chunk, pickled, with the collector running (paused for the chunk, as it once was, the worker spent
    15–20 % more CPU: measured on 10,000 rows, ``--format table``, since reports are lean)."""
    compiled, options = setup()
    return dumps(evaluate_chunk(compiled, options, start, chunk))


def evaluate_chunk(compiled: CompiledPolicy, options: Options, start: int, chunk: list[Any]) -> list[Result]:
    """Each row's item and its record's (kind, id); ids are not compared here (the parent does that)."""
    out: list[Result] = []
    form, passes, trace = options.form, options.passes, options.trace
    provenances: dict[Any, Any] = {}  # one provenance dict per policy and day: pickled once per chunk
    for row, source, record in records_of(chunk, start, compiled, options.as_of):
        if isinstance(record, ErrorReport):
            out.append((None, row, source, record.to_dict(passes, trace) if form == "dict" else record))
            continue
        # a Report: checked despite refused values in fields the policy never reads (each a warning)
        report = record if isinstance(record, Report) else evaluate_record(compiled, record, options.as_of)
        item: Any = report
        if form == "dict":
            item = report.to_dict(passes=passes, trace=trace)
        elif form == "json_line":
            item = frozen_row(report, provenances, report.to_json(passes=passes, trace=trace), texts=False)
        elif form != "report":
            item = frozen_row(report, provenances, texts=form == "row")
        out.append(((report.record["kind"], report.record.get("id")), row, source, item))
    return out
