"""DataFrames in and out: :func:`evaluate_frame` checks a pandas or polars DataFrame and returns DataFrames.

The columns of a frame are read as a ledger's headers are (Chinese or English, units in brackets, flat class columns
such as ``乳儿班人数``: the readers' own :class:`~tuoyu_rules.records.readers.columns.RowMapper`); a missing cell —
None, NaN, NaT, ``pd.NA`` — is missing data, never an error. Class and staff frames are joined onto the records by
institution id (trimmed); a class or staff row whose id matches no record is an error row of its own.

pandas and polars are optional (``pip install 'tuoyu-rules[pandas]'`` or ``[polars]``): nothing here imports them
until a frame arrives, and the results come back in the library the records came in.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from .errors import Location, Problem
from .records import RawRow
from .records.readers.columns import ColumnMap, RowMapper
from .report import ErrorReport, Report

if TYPE_CHECKING:
    from .compiler import CompiledPolicy

EXTRAS = {"pandas": "pandas", "polars": "polars"}  # library -> the extra that installs it
ITEM_FRAMES = ("classes", "staff")
FINDING_COLUMNS = ("row", "id", "rule", "subject", "outcome", "severity", "observed", "required", "missing", "year")


class _Evaluates(Protocol):
    compiled: CompiledPolicy

    def evaluate_many(
        self, records: Iterable[Any], as_of: datetime.date | None = None
    ) -> Iterator[Report | ErrorReport]: ...


def evaluate_frame(
    policy: _Evaluates,
    df: Any,
    *,
    as_of: datetime.date | None = None,
    classes: Any = None,
    staff: Any = None,
    findings: bool = False,
) -> Any:
    """Evaluate every row of ``df`` against ``policy``: a DataFrame of results, and with ``findings=True`` the pair
    (results, findings). See docs/dataframes.md for the columns.

    One result row per row of ``df``, in order (error rows included, with status ``error`` and their codes), then
    one error row per class or staff row whose institution id matches no record.
    """
    library = _library(df)
    columns = ColumnMap.of(policy.compiled.columns, policy.compiled.id, told=False)  # the policy's column map
    records = _records(df, columns)
    joined = {
        name: _items(frame, name, columns)
        for name, frame in zip(ITEM_FRAMES, (classes, staff), strict=True)
        if frame is not None
    }
    orphans = _join(records, joined)
    reports = list(policy.evaluate_many((RawRow(i, "records", r) for i, r in enumerate(records, start=1)), as_of))
    reports.extend(orphans)
    results = _results_columns(policy.compiled, reports)
    frame = _make_frame(library, results)
    if not findings:
        return frame
    return frame, _make_frame(library, _findings_columns(reports))


def _library(df: Any) -> str:
    """pandas or polars, from the frame's type; anything else is a TypeError naming what is accepted."""
    top = type(df).__module__.split(".")[0]
    if top in EXTRAS and type(df).__name__ == "DataFrame":
        return top
    raise TypeError(
        f"evaluate_frame 需要 pandas 或 polars 的 DataFrame，得到 {type(df).__name__}（记录的列表请用 evaluate_many）"
        f" / evaluate_frame takes a pandas or polars DataFrame, not {type(df).__name__} (use evaluate_many for dicts)"
    )


def _require(library: str) -> Any:
    """The library's module, or an ImportError naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(library)
    except ImportError:
        raise ImportError(
            f"需要 {library}：pip install 'tuoyu-rules[{EXTRAS[library]}]' / "
            f"{library} is needed: pip install 'tuoyu-rules[{EXTRAS[library]}]'"
        ) from None


def _rows(df: Any) -> tuple[list[str], Iterator[Sequence[Any]]]:
    """The column names and the rows (as tuples of cells) of a pandas or polars frame."""
    headers = [str(c) for c in df.columns]
    if _library(df) == "pandas":
        return headers, df.itertuples(index=False, name=None)
    return headers, df.iter_rows()


def _records(df: Any, columns: ColumnMap | None = None) -> list[dict[str, Any]]:
    headers, rows = _rows(df)
    mapper = RowMapper(headers, columns)
    return [mapper.map([cell(v) for v in row]) for row in rows]


def cell(value: Any) -> Any:
    """A frame's cell as a record value: every kind of missing (None, NaN, NaT, pd.NA) is None; numpy scalars become
    Python values; a float becomes an exact Decimal of its shortest repr (139.1, not 139.09999…), an integral one an
    int (pandas turns an integer column with a gap into floats)."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return str(value)  # not missing: the record converters reject it (record.not-a-number)
        return int(value) if value.is_integer() else Decimal(repr(float(value)))
    if isinstance(value, Decimal):
        return None if value.is_nan() else value
    if kind.__name__ in ("NAType", "NaTType"):
        return None
    if getattr(value, "shape", None) == () and hasattr(value, "item"):  # a numpy scalar (numpy's NaT gives None)
        return cell(value.item())
    if isinstance(value, datetime.datetime) and hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    return value


def _items(frame: Any, name: str, columns: ColumnMap | None = None) -> list[tuple[int, Any, dict[str, Any]]]:
    """(row, institution id or None, item) of each row of a class or staff frame."""
    _library(frame)
    out = []
    for row, item in enumerate(_records(frame, columns), start=1):
        owner = item.pop("institution_id", None)
        owner = item.pop("id", None) if owner is None else owner
        out.append((row, None if owner is None else str(owner).strip() or None, item))
    return out


def _join(records: list[dict[str, Any]], joined: dict[str, list[tuple[int, Any, dict[str, Any]]]]) -> list[ErrorReport]:
    """Append each class and staff item to the record of its id (ids trimmed); the rest become error rows."""
    by_id: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.get("id") is not None:
            by_id.setdefault(str(record["id"]).strip(), record)
    orphans: list[ErrorReport] = []
    for name, items in joined.items():
        for row, owner, item in items:
            target = by_id.get(owner) if owner is not None else None
            if target is None:
                orphans.append(_orphan(name, row, owner))
                continue
            target[name] = [*target.get(name, []), item]
    return orphans


def _orphan(name: str, row: int, owner: Any) -> ErrorReport:
    what_zh = "班级" if name == "classes" else "人员"
    zh = (
        f"{what_zh}表第 {row} 行的机构编号 '{owner}' 不对应任何机构" if owner else f"{what_zh}表第 {row} 行没有机构编号"
    )
    en = f"row {row} of {name}: institution id '{owner}' matches no record" if owner else f"row {row} of {name}: no id"
    problem = Problem("record.orphan-item", zh, en, Location(row=row, field="id", file=name), value=owner)
    return ErrorReport(row, [problem], owner, name)


def _results_columns(policy: CompiledPolicy, reports: list[Report | ErrorReport]) -> dict[str, list[Any]]:
    """The results table as columns: one entry per report, in order."""
    aims = any(rule.severity == "aim" for rule in policy.rules)
    columns: dict[str, list[Any]] = {
        name: []
        for name in ("row", "frame", "id", "kind", "status", "violations", "unknown", *(("aims",) * aims), "errors")
    }
    money = {f"{s.id}/{s.spec.period}": s.id for s in policy.subsidies}
    lines: dict[str, list[Any]] = {name: [] for name in money}
    for index, report in enumerate(reports, start=1):
        for name, value in _result_row(report, index, aims).items():
            columns[name].append(value)
        amounts = {line.id: line for line in getattr(report, "subsidies", ())}
        for name, sid in money.items():
            lines[name].append(amounts.get(sid))
    for name, entries in lines.items():
        columns[name] = [line.amount if line is not None else None for line in entries]
        columns[f"{name}/eligible"] = [line.eligible if line is not None else None for line in entries]
        if any(line is not None and line.amount is None and line.amount_min is not None for line in entries):
            columns[f"{name}/min"] = [line.amount_min if line is not None else None for line in entries]
            columns[f"{name}/max"] = [line.amount_max if line is not None else None for line in entries]
    return columns


def _result_row(report: Report | ErrorReport, index: int, aims: bool) -> dict[str, Any]:
    out: dict[str, Any]
    if isinstance(report, ErrorReport):
        out = {"row": report.row, "frame": report.source, "id": _text(report.id), "kind": None, "status": "error"}
        out |= {"violations": [], "unknown": [], **({"aims": []} if aims else {})}
        return out | {"errors": [p.code for p in report.problems]}
    failed, unknown = _outcome_rules(report)
    out = {"row": index, "frame": "records", "id": _text(report.id), "kind": report.kind, "status": report.status}
    out["violations"] = [rule.id for rule in failed if rule.severity != "aim"]
    out["unknown"] = [rule.id for rule in unknown]
    if aims:
        out["aims"] = [rule.id for rule in failed if rule.severity == "aim"]
    return out | {"errors": []}


def _outcome_rules(report: Report) -> tuple[list[Any], list[Any]]:
    """The rules that failed and those that were unknown for a report, in rule order, read from its raw entries as
    ``Report.status`` reads them: building every finding (what ``report.findings`` does) would cost half the time of
    a frame, most of it naming the missing fields of unknowns that the findings frame names anyway."""
    rules = report.policy.rules
    failed: set[int] = set()
    unknown: set[int] = set()
    for entry in report._raw:  # (rule index, True | False | the exception of an unknown, …)
        outcome = entry[1]
        (failed if outcome is False else unknown if outcome is not True else set()).add(entry[0])
    for finding in report._targets:
        if finding.outcome in ("fail", "unknown"):
            (failed if finding.outcome == "fail" else unknown).add(finding.compiled_rule.index)
    return [rules[i] for i in sorted(failed)], [rules[i] for i in sorted(unknown)]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _findings_columns(reports: list[Report | ErrorReport]) -> dict[str, list[Any]]:
    """The long table of findings: one row per finding of every report (error rows have none)."""
    columns: dict[str, list[Any]] = {name: [] for name in FINDING_COLUMNS}
    for index, report in enumerate(reports, start=1):
        if isinstance(report, ErrorReport):
            continue
        for f in report.findings:
            values: tuple[Any, ...] = (index, _text(report.id), f.rule, f.subject, f.outcome, f.severity)
            values += (f.observed, f.required, list(f.missing), f.year)
            for name, value in zip(FINDING_COLUMNS, values, strict=True):
                columns[name].append(value)
    return columns


def _make_frame(library: str, columns: dict[str, list[Any]]) -> Any:
    """A DataFrame of these columns: money stays Decimal (an object column in pandas, a decimal column in polars),
    lists stay lists; the values of ``observed`` and ``required`` keep their Python types."""
    module = _require(library)
    if library == "pandas":
        return module.DataFrame(
            {name: module.Series(values, dtype=_pandas_type(name)) for name, values in columns.items()}
        )
    schema = {name: _polars_type(module, name, values) for name, values in columns.items()}
    return module.DataFrame(columns, schema=schema)


def _pandas_type(name: str) -> Any:
    if name in ("row", "year"):
        return "Int64"
    if name in ("frame", "id", "kind", "status", "rule", "subject", "outcome", "severity"):
        return None
    return object


def _polars_type(pl: Any, name: str, values: list[Any]) -> Any:
    if name in ("observed", "required"):
        return pl.Object
    if name in ("row", "year"):
        return pl.Int64
    if name in ("violations", "unknown", "aims", "errors", "missing"):
        return pl.List(pl.String)
    if name.endswith("/eligible"):
        return pl.Boolean
    if "/" in name:
        return pl.Decimal(38, 2)
    return pl.String
