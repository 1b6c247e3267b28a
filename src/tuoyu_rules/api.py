"""The public API: :func:`load_policy`, :class:`Policy` and :func:`validate_files`."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from sys import getrefcount
from typing import Any, Union

from .compiler import CompiledPolicy, compile_file, load_compiled, override_parameters
from .errors import Location, PolicyError, Problem, RecordError
from .evaluate import evaluate_despite, evaluate_record
from .records import RawRow, RecordModel, normalize_record, read_rows
from .records.readers import ColumnMap, LedgerNotice, Table
from .records.readers.columns import column_map
from .report import HELD_BY_NONE, ErrorReport, Report, keep

AsOf = Union[datetime.date, datetime.datetime, str]  # noqa: UP007 (an alias evaluated at run time on 3.10)
"""What ``as_of`` may be: a date, a datetime (its date is used) or ISO text (``"2024-06-30"``)."""


def as_of_date(value: AsOf | None) -> datetime.date:
    """The day ``as_of`` names (today when it is None); a wrong type raises TypeError, bad text ValueError."""
    if value is None:
        return datetime.date.today()
    if isinstance(value, datetime.datetime):  # before date: a datetime is a date, but compares only with datetimes
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            raise ValueError(f"as_of must be an ISO date such as '2024-06-30', not {value[:40]!r}") from None
    raise TypeError(f"as_of must be a date, a datetime or ISO text such as '2024-06-30', not {type(value).__name__}")


def load_policy(ref: str | Path) -> Policy:
    """Load a policy by bundled id (``"national"``, or a city's id) or by path; raises :class:`PolicyError`."""
    return Policy(load_compiled(ref))


def _normalize(
    record: Any, row: int | None = None, source: str | None = None, text: bool = False, at: RawRow | None = None
) -> dict[str, Any]:
    """Validate one input record (a dict, a mapping, or a pydantic model) into an evaluation dict (``at``: the ledger
    row it was read from, whose column table locates the problems)."""
    if type(record) is dict:
        if at is not None and at.columns is not None:
            return normalize_record(
                record, row=row, source=source, text=text, columns=at.columns, excel_row=at.excel_row
            )
        return normalize_record(record, row=row, source=source, text=text)
    if isinstance(record, RecordModel):  # checked when it was built: not again
        return record.evaluation_record()
    if hasattr(record, "model_dump"):
        record = record.model_dump(exclude_none=True, mode="python")
    if not isinstance(record, Mapping):
        raise RecordError(
            [
                Problem(
                    "record.not-an-object",
                    "记录必须是对象（键: 值）",
                    "a record must be an object",
                    Location(row=row, file=source),
                    value=type(record).__name__,
                )
            ]
        )
    return normalize_record(record, row=row, source=source)


def records_of(
    items: Iterable[Any], start: int = 1, compiled: CompiledPolicy | None = None, day: datetime.date | None = None
) -> Iterator[tuple[int, str | None, dict[str, Any] | ErrorReport | Report]]:
    """Each item of a stream as ``(row, source, its evaluation record)``, or with the :class:`ErrorReport` of an item
    that cannot be read; ``row`` is the row a :class:`RawRow` carries, else the item's position (from ``start``).
    With ``compiled`` and ``day``, a record whose only problems are refused values in fields that policy never reads
    comes as its :class:`Report` (checked without them, each a warning). Ids are not compared here:
    :meth:`Policy.evaluate_many` does that, and ``check --jobs`` in the parent process."""
    for index, item in enumerate(items, start=start):
        row, source, data, at = index, None, item, None
        try:
            if type(item) is dict:  # the common case, without a detour
                record = normalize_record(item, row=row)
            elif isinstance(item, RecordModel):
                record = item.evaluation_record()
            elif isinstance(item, RawRow):
                row, source, data = item.row, item.source, item.data
                at = (item.columns, item.excel_row) if item.columns is not None else None
                if item.problems or data is None:
                    yield row, source, ErrorReport.of(row, list(item.problems), data, source, at)
                    continue
                record = _normalize(data, row, source, item.text, item)
            else:
                record = _normalize(item, row)
        except RecordError as exc:
            report = evaluate_despite(compiled, exc, day) if compiled is not None and day is not None else None
            yield row, source, report or ErrorReport.of(row, exc.problems, data, source, at)
            continue
        yield row, source, record


class Policy:
    """A compiled policy: evaluate records against it. Immutable and safe to share between threads."""

    def __init__(self, compiled: CompiledPolicy):
        self.compiled = compiled

    @property
    def id(self) -> str:
        return self.compiled.id

    @property
    def name(self) -> str:
        return self.compiled.model.name

    def __repr__(self) -> str:
        return f"<Policy {self.id} ({self.name}), {len(self.compiled.rules)} rules>"

    def __reduce__(self) -> tuple[type[Policy], tuple[CompiledPolicy]]:
        """Pickled by reference to its source files (see :mod:`tuoyu_rules.compiler.pickling`)."""
        return Policy, (self.compiled,)

    def report_meta(self, as_of: AsOf | None = None) -> dict[str, Any]:
        """What a report page says about this policy, as plain data for the writers (``write_reports(meta=…)``): its
        name, jurisdiction, own documents (title, 文号, issuer, date), period in force, stated budget and ``as_of``."""
        model, day = self.compiled.model, as_of_date(as_of)
        meta: dict[str, Any] = {
            "policy": self.id,
            "name": model.name,
            "name_en": model.name_en,
            "jurisdiction": model.jurisdiction.name,
            "jurisdiction_en": model.jurisdiction.name_en,
            "documents": [
                {
                    "title": d.title,
                    "number": d.number,
                    "issuer": d.issuer,
                    "date": d.date.isoformat() if d.date else None,
                }
                for d in model.documents.values()
            ],
            "in_force": {
                "from": model.in_force.from_.isoformat(),
                "until": model.in_force.until.isoformat() if model.in_force.until else None,
            },
            "as_of": day.isoformat(),
        }
        if model.budget is not None:
            spec = self.compiled.parameters[model.budget.parameter].spec
            amount = self.compiled.params_at(day).point.get(model.budget.parameter)
            meta["budget"] = {
                "amount": f"{Decimal(amount):.2f}" if amount is not None else None,
                "period": model.budget.period,
                "title": spec.description,
                "title_en": spec.description_en,
            }
        return meta

    @property
    def column_map(self) -> ColumnMap:
        """The policy's column map (its ``columns:``, merged down its ``extends`` chain): header -> field id."""
        return ColumnMap.of(self.compiled.columns, f"policy {self.id}", told=False)

    def read_rows(
        self,
        path: str | os.PathLike[str],
        *,
        columns: Mapping[str, str] | ColumnMap | None = None,
        on_notice: Callable[[LedgerNotice], None] | None = None,
        on_table: Callable[[Table], None] | None = None,
        **options: Any,
    ) -> Iterator[RawRow]:
        """:func:`tuoyu_rules.read_rows` with this policy's column map under ``columns`` (which wins where both name
        a header); the other options (``encoding``, ``sheet``, ``stdin``, ``fmt``, ``kind``) are read_rows' own. The
        rows go to :meth:`evaluate_many`."""
        given = column_map(columns)
        merged = given.over(self.column_map) if given else self.column_map
        return read_rows(path, columns=merged, on_notice=on_notice, on_table=on_table, **options)

    def with_parameters(self, values: Mapping[str, Any], reason: str = "what-if") -> Policy:
        """A copy of this policy with some parameters fixed to one value on every date (for what-if analysis).

        Values may be numbers or text such as ``"600"``; they are converted to the parameter's type. Unknown names
        and values of the wrong type raise :class:`PolicyError`.
        """
        return Policy(override_parameters(self.compiled, values, reason))

    def evaluate(self, record: Mapping[str, Any] | Any, as_of: AsOf | None = None) -> Report:
        """Evaluate one record (a dict or a record model); a bad record raises :class:`RecordError`.

        ``as_of`` is a ``date``, a ``datetime`` (its date is used) or ISO text such as ``"2024-06-30"``; default today.
        """
        day = as_of_date(as_of)
        return evaluate_record(self.compiled, _normalize(record), day)

    def evaluate_many(self, records: Iterable[Any], as_of: AsOf | None = None) -> Iterator[Report | ErrorReport]:
        """Evaluate a stream of records lazily: same order, one output per input, nothing dropped.

        Items may be dicts, record models (:class:`Institution` …, checked once, when they were built), or rows from
        :func:`tuoyu_rules.records.read_rows` (which carry their row number). A row that cannot be read, and a repeated
        id, give an :class:`ErrorReport` instead of a report. ``as_of`` is read as in :meth:`evaluate`, and checked
        at once (before the first record is read).
        """
        return self._stream(records, as_of_date(as_of))

    def _stream(self, records: Iterable[Any], day: datetime.date) -> Iterator[Report | ErrorReport]:
        compiled = self.compiled
        # ids seen so far, as 64-bit hashes: the one piece of state that grows with a stream (about 50 bytes per
        # distinct id); a hash collision could only report a false duplicate, with odds far below 1 in 10^9
        seen: set[int] = set()
        current: list[Any] = [None]  # the item being read: a repeated id is located in its ledger row
        older = newer = None  # the last two reports: a kept one gets its record packed (report.keep) …

        def tap(items: Iterable[Any]) -> Iterator[Any]:
            for item in items:
                current[0] = item
                yield item

        for row, source, record in records_of(tap(records), compiled=compiled, day=day):
            if isinstance(record, ErrorReport):  # an item that could not be read
                yield record
                continue
            checked = record if isinstance(record, Report) else None  # checked despite values no rule reads
            fields: Mapping[str, Any] = record.record if isinstance(record, Report) else record
            key = (fields["kind"], fields.get("id"))
            fingerprint = hash(key)
            if fingerprint in seen:
                item = current[0]
                at = (item.columns, item.excel_row) if isinstance(item, RawRow) and item.columns else None
                yield ErrorReport.duplicate(row, key[1], source, at)
                continue
            seen.add(fingerprint)
            report = checked if checked is not None else evaluate_record(compiled, fields, day)
            oldest, older, newer = older, newer, report  # … two reports later (a loop's variable holds the last)
            if oldest is not None and getrefcount(oldest) > HELD_BY_NONE:  # the caller kept it
                keep(oldest)
            yield report

    def evaluate_frame(
        self,
        df: Any,
        as_of: datetime.date | None = None,
        *,
        classes: Any = None,
        staff: Any = None,
        findings: bool = False,
    ) -> Any:
        """Evaluate a pandas or polars DataFrame: a DataFrame of results (and, with ``findings=True``, the pair of it
        and a long DataFrame of findings). Chinese or English column names; None/NaN/NaT/pd.NA cells are missing;
        ``classes`` and ``staff`` frames are joined by institution id. See :func:`tuoyu_rules.frames.evaluate_frame`
        and docs/dataframes.md; needs the ``pandas`` or ``polars`` extra."""
        from .frames import evaluate_frame

        return evaluate_frame(self, df, as_of=as_of, classes=classes, staff=staff, findings=findings)


def _policy_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for text in paths:
        path = Path(text)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            yield path


def validate_files(
    paths: Iterable[str | Path],
    *,
    strict: bool = False,
    expiring_within: int | None = None,
    today: datetime.date | None = None,
) -> list[tuple[str, list[Problem]]]:
    """Every problem of every policy file (a folder stands for its ``*.yaml``), returned, not printed: schema,
    references, expressions, inheritance, embedded examples and dates (as of ``today``, default the real date).

    ``strict`` turns warnings into errors; notices (a plan whose period has ended) stay notices. A file is valid when
    none of its problems has severity ``"error"``.
    """
    from .authoring.dates import date_hygiene  # validation's own tools: loaded when validating, not on import
    from .examples import run_examples

    day = today or datetime.date.today()
    out = []
    for path in _policy_files(paths):
        problems: list[Problem] = []
        try:
            compiled = compile_file(path)
            problems.extend(compiled.warnings)
            for result in run_examples(compiled):
                problems.extend(result.problems)
            problems.extend(date_hygiene(compiled, day, expiring_within))
        except PolicyError as exc:
            problems.extend(exc.problems)
        if strict:  # a warning becomes an error; a notice (a plan that has ended) stays a notice
            problems = [
                p if p.severity == "notice" else Problem(p.code, p.message, p.message_en, p.location, "error", p.value)
                for p in problems
            ]
        out.append((str(path), problems))
    return out
