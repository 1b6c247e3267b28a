"""``check --jobs N`` of the row engine: chunks of input rows evaluated by workers, ids compared in the parent."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from ..api import Policy, records_of
from ..compiler import CompiledPolicy
from ..evaluate import evaluate_record
from ..report import ErrorReport, Report
from .pool import dumps, in_order, paused_collector, setup

__all__ = ["CHUNK_ROWS", "Options", "check_items"]

CHUNK_ROWS = 1000
"""Rows per task: a task's overhead (a few milliseconds) is small beside its work, and two chunks per worker in
flight keep memory low."""

Key = tuple[str, Any]
Result = tuple[Key | None, int, str | None, dict[str, Any]]  # (kind, id) of a read record, row, source, its item
Places = list[tuple[Any, Any, Any]]  # the row and source each input row was read from, and its ledger place


@dataclass(frozen=True)
class Options:
    """How each report becomes the item ``check`` writes: ``report.to_dict(passes=…, trace=…)``; ``located`` adds
    the ``row`` and ``source`` the input row was read from (the CI formats)."""

    as_of: datetime.date
    passes: bool = True
    trace: bool = False
    located: bool = False


def check_items(
    policy: Policy, rows: Iterable[Any], options: Options, jobs: int, chunk_rows: int | None = None
) -> Iterator[dict[str, Any]]:
    """The items of ``rows`` in input order, as ``check`` makes them in one process, from ``jobs`` processes."""
    seen: set[int] = set()  # as in Policy.evaluate_many: the hashes of the (kind, id) of every record so far
    for places, results in _evaluated(policy.compiled, options, _chunks(rows, chunk_rows or CHUNK_ROWS), jobs):
        for (row_at, source_at, at), (key, row, source, item) in zip(places, results, strict=True):
            if key is not None:
                fingerprint = hash(key)
                if fingerprint in seen:
                    duplicate = ErrorReport.duplicate(row, key[1], source, at)
                    item = cast("dict[str, Any]", duplicate.to_dict(options.passes, options.trace))
                else:
                    seen.add(fingerprint)
            if options.located:  # as check does for the CI formats: where the row was read, unless it says
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
    compiled, options = setup()
    with paused_collector():
        return dumps(evaluate_chunk(compiled, options, start, chunk))


def evaluate_chunk(compiled: CompiledPolicy, options: Options, start: int, chunk: list[Any]) -> list[Result]:
    """Each row's item and its record's (kind, id); ids are not compared here (the parent does that)."""
    out: list[Result] = []
    for row, source, record in records_of(chunk, start, compiled, options.as_of):
        if isinstance(record, ErrorReport):
            out.append((None, row, source, cast("dict[str, Any]", record.to_dict(options.passes, options.trace))))
            continue
        # a Report: checked despite refused values in fields the policy never reads (each a warning)
        report = record if isinstance(record, Report) else evaluate_record(compiled, record, options.as_of)
        item = cast("dict[str, Any]", report.to_dict(passes=options.passes, trace=options.trace))
        out.append(((report.record["kind"], report.record.get("id")), row, source, item))
    return out
