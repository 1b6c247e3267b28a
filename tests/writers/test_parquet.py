"""--format parquet: one row per record, every column one type, exact money; the same verdicts as JSONL."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest

import tuoyu_rules
from tuoyu_rules.writers import write_reports

ROOT = Path(__file__).resolve().parent.parent.parent
AS_OF = datetime.date(2024, 6, 30)


def pyarrow_parquet():  # type: ignore[no-untyped-def]
    try:
        import pyarrow.parquet as pq
    except ImportError:
        if os.environ.get("TUOYU_REQUIRE_FRAMES") == "1":
            pytest.fail("pyarrow is required here (TUOYU_REQUIRE_FRAMES=1): pip install 'tuoyu-rules[parquet]'")
        pytest.skip("pyarrow is not installed: pip install 'tuoyu-rules[parquet]'")
    return pq


@pytest.mark.parametrize("pid", ["luzhou_longmatan", "nanchang", "huzhou", "fujian", "chaisang"])
def test_parquet_round_trips_with_the_verdicts_of_jsonl(pid: str, tmp_path: Path) -> None:
    pq = pyarrow_parquet()
    policy = tuoyu_rules.load_policy(pid)
    ledger = ROOT / "examples" / pid / "institutions.jsonl"
    reports = [r.to_dict() for r in policy.evaluate_many(tuoyu_rules.read_rows(ledger), as_of=AS_OF)]
    out = tmp_path / "r.parquet"
    write_reports(reports, "parquet", out)
    table = pq.read_table(out)
    assert table.num_rows == len(reports)
    assert str(table.schema.field("subsidies").type.value_type.field("amount").type) == "decimal128(18, 2)"
    for row, report in zip(table.to_pylist(), reports, strict=True):
        assert (row["id"], row["status"]) == (report["id"], report["status"])
        assert row["violations"] == [v["rule"] for v in report["violations"] if v["severity"] != "aim"]
        assert row["unknown"] == [f["rule"] for f in report["findings"] if f["outcome"] == "unknown"]
        expected = [(s["id"], s["eligible"], s["amount"]) for s in report["subsidies"]]
        got = [(s["id"], s["eligible"], None if s["amount"] is None else str(s["amount"])) for s in row["subsidies"]]
        assert got == expected
        assert all(s["amount"] is None or isinstance(s["amount"], Decimal) for s in row["subsidies"])


def test_error_rows_are_rows_with_their_codes(tmp_path: Path) -> None:
    pq = pyarrow_parquet()
    policy = tuoyu_rules.load_policy("luzhou_longmatan")  # it reads total_slots, so "abc" there voids the record
    items = [r.to_dict() for r in policy.evaluate_many([{"id": "A", "total_slots": "abc"}, {"id": "B"}], as_of=AS_OF)]
    out = tmp_path / "r.parquet"
    write_reports(items, "parquet", out)
    rows = pq.read_table(out).to_pylist()
    assert [r["status"] for r in rows] == ["error", "incomplete"]
    assert rows[0]["errors"] == ["record.not-a-number"] and rows[0]["row"] == 1


def test_the_long_form_has_a_row_per_finding_in_csv_and_parquet(tmp_path: Path) -> None:
    import csv

    from tuoyu_rules.writers._format import FINDING_COLUMNS

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    ledger = ROOT / "examples" / "luzhou_longmatan" / "institutions.jsonl"
    reports = [r.to_dict() for r in policy.evaluate_many(tuoyu_rules.read_rows(ledger), as_of=AS_OF)]
    expected = [(r["id"], f["rule"], f["outcome"]) for r in reports for f in r["findings"]]
    out = tmp_path / "f.csv"
    write_reports(reports, "csv", out, findings=True)
    lines = out.read_text(encoding="utf-8-sig").split("\n", 1)[1]  # after the provenance comment line
    rows = list(csv.DictReader(lines.splitlines()))
    assert list(rows[0]) == list(FINDING_COLUMNS)
    assert [(r["id"], r["rule"], r["outcome"]) for r in rows] == expected
    pq = pyarrow_parquet()
    write_reports(reports, "parquet", tmp_path / "f.parquet", findings=True)
    table = pq.read_table(tmp_path / "f.parquet")
    assert [(r["id"], r["rule"], r["outcome"]) for r in table.to_pylist()] == expected
    assert str(table.schema.field("observed").type) == "string", "one type a column"


def test_the_long_form_is_refused_where_a_format_has_none() -> None:
    with pytest.raises(ValueError, match="long form"):
        write_reports([], "json", __import__("io").StringIO(), findings=True)
    from tuoyu_rules.cli import main

    ledger = str(ROOT / "examples" / "luzhou_longmatan" / "institutions.jsonl")
    assert main(["check", "--policy", "luzhou_longmatan", "--format", "table", "--findings", ledger]) == 2
