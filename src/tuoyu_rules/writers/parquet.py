"""Parquet (pyarrow, extra ``[parquet]``): one row per record, every column one type, written in row groups.

Columns: ``id``, ``kind``, ``status``, ``row`` (error rows), ``policy``, ``as_of``, ``violations`` / ``unknown`` /
``aims`` (lists of rule ids), ``errors`` (list of error codes), and ``subsidies``: a list of
``{id, period, eligible, amount, amount_min, amount_max, amount_open}`` with money as ``decimal128(18, 2)`` — exact, never
a float; an unknown eligibility is null. With ``--findings`` the table is the long form instead: a row per finding
(:data:`~._format.FINDING_COLUMNS`). Rows are buffered a row group at a time, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ._format import FINDING_COLUMNS, finding_rows
from .base import WriteOptions
from .output import OutputError
from .rows import report_row

__all__ = ["ROW_GROUP", "findings_schema", "parquet_schema", "write_parquet"]

ROW_GROUP = 10_000
"""Records buffered before a row group is written."""


def parquet_schema() -> Any:
    """The Arrow schema of the results table."""
    import pyarrow as pa

    money = pa.decimal128(18, 2)
    subsidy = pa.struct(
        [
            ("id", pa.string()),
            ("period", pa.string()),
            ("eligible", pa.bool_()),
            ("amount", money),
            ("amount_min", money),
            ("amount_max", money),
            ("amount_open", pa.bool_()),
        ]
    )
    ids = pa.list_(pa.string())
    return pa.schema(
        [
            ("id", pa.string()),
            ("kind", pa.string()),
            ("status", pa.string()),
            ("row", pa.int64()),
            ("policy", pa.string()),
            ("as_of", pa.string()),
            ("violations", ids),
            ("unknown", ids),
            ("aims", ids),
            ("errors", ids),
            ("subsidies", pa.list_(subsidy)),
        ]
    )


def findings_schema() -> Any:
    """The Arrow schema of the long form (``--findings``): one row per finding; observed and required as text."""
    import pyarrow as pa

    text = pa.string()
    columns = [(c, text) for c in FINDING_COLUMNS]
    columns[FINDING_COLUMNS.index("year")] = ("year", pa.int64())
    columns[FINDING_COLUMNS.index("missing")] = ("missing", pa.list_(text))
    return pa.schema(columns)


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _row(item: dict[str, Any]) -> dict[str, Any]:
    failed = item.get("violations") or ()
    return {
        "id": None if item.get("id") is None else str(item.get("id")),
        "kind": item.get("kind"),
        "status": item.get("status"),
        "row": item.get("row"),
        "policy": item.get("policy"),
        "as_of": item.get("as_of"),
        "violations": [v["rule"] for v in failed if v.get("severity") != "aim"],
        "unknown": [f["rule"] for f in item.get("findings") or () if f.get("outcome") == "unknown"],
        "aims": [v["rule"] for v in failed if v.get("severity") == "aim"],
        "errors": [e.get("code") for e in item.get("errors") or ()],
        "subsidies": [
            {
                "id": s.get("id"),
                "period": s.get("period"),
                "eligible": s.get("eligible"),
                "amount": _money(s.get("amount")),
                "amount_min": _money(s.get("amount_min")),
                "amount_max": _money(s.get("amount_max")),
                "amount_open": bool(s.get("amount_open")),
            }
            for s in item.get("subsidies") or ()
        ],
    }


def write_parquet(stream: Iterator[dict[str, Any]], out: Any, options: WriteOptions) -> None:
    """The results table to ``out`` (a path or a binary stream)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # an optional extra: say which
        raise OutputError(
            "--format parquet 需要 pyarrow：pip install 'tuoyu-rules[parquet]'",
            "--format parquet needs pyarrow: pip install 'tuoyu-rules[parquet]'",
        ) from None
    schema = findings_schema() if options.findings else parquet_schema()
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for item in stream:
            if options.findings:
                batch.extend(finding_rows(report_row(item), options.lang))
            else:
                batch.append(_row(item))
            if len(batch) >= ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
