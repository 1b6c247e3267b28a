"""``check --jobs N`` writes what one process writes, byte for byte: output order, row numbers, notices once each,
and repeated ids found across chunk borders exactly as in one process (the parent compares them)."""

from __future__ import annotations

import csv
import datetime
import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuoyu_rules import cli, load_policy
from tuoyu_rules.parallel import JsonLine, Options, check_items, rows
from tuoyu_rules.records import read_rows
from tuoyu_rules.report import Report
from tuoyu_rules.writers import write_reports

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
assert _spec and _spec.loader
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

DAY = datetime.date(2025, 6, 1)
UNKNOWN_COLUMN = "备注（不认识的列）"


def write_ledger(path: Path, n: int = 40, seed: int = 3) -> Path:
    """A ledger with what chunking could get wrong: ids repeated within and across chunks (also of an earlier
    row-wise or unreadable row), unreadable cells, and a column no field matches (a reader's notice)."""
    table = [generate.flat(r) for r in generate.records(n, seed)]
    for i, row in enumerate(table):
        row[UNKNOWN_COLUMN] = f"备注{i}"
    table[5]["id"] = table[0]["id"]  # a repeat a chunk of 4 puts in the next chunk
    table[23]["id"] = table[4]["id"]  # across several chunks
    table[31]["id"] = table[30]["id"]  # in the same chunk as its first
    table[10]["total_slots"] = "abc"  # an error row: its id is not taken ...
    table[12]["id"] = table[10]["id"]  # ... so this row is no repeat
    table[15]["monthly_fee"] = "1,500"  # read by the general reader (row-wise in the columnar engine)
    table[17]["id"] = table[15]["id"]  # a plain row repeating a row-wise one
    table[20]["id"] = table[2]["id"]
    table[20]["monthly_fee"] = "1,800"  # a row-wise row repeating a plain one
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*generate.CSV_COLUMNS, UNKNOWN_COLUMN])
        writer.writeheader()
        writer.writerows(table)
    return path


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], jobs: int) -> tuple[int, bytes, str]:
    out = tmp_path / f"out-{jobs}.txt"
    code = cli.main(["check", *argv, "--jobs", str(jobs), "-o", str(out)])
    return code, out.read_bytes(), capsys.readouterr().err


@pytest.mark.parametrize(
    "fmt, extra, jobs",
    [
        ("csv", [], (2, 3)),  # row views without their rendered texts, made by the workers
        ("csv", ["--findings"], (2,)),  # the long form: reports, pickled lean
        ("jsonl", [], (2,)),  # row views with the JSON text the workers wrote
        ("jsonl", ["--omit-passes", "--trace"], (2,)),
        ("jsonl", ["--compact"], (2,)),  # report dicts
        ("github", [], (2,)),
        ("table", [], (3,)),  # row views with their texts
        ("table", ["--lang", "en"], (2,)),
    ],
)
def test_the_row_engine_writes_the_same_bytes_with_any_number_of_jobs(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    extra: list[str],
    jobs: tuple[int, ...],
) -> None:
    monkeypatch.setattr(rows, "CHUNK_ROWS", 4)  # ten chunks: a pool of workers, repeats across borders
    ledger = write_ledger(tmp_path / "ledger.csv")
    argv = ["--policy", "luzhou_longmatan", "--as-of", "2025-06-01", "--format", fmt, *extra, str(ledger)]
    one = run(capsys, tmp_path, argv, 1)
    assert one[0] == 1 and UNKNOWN_COLUMN in one[2]  # failures, and the reader's notice
    if fmt == "csv":
        text = one[1].decode("utf-8-sig")
        assert text.count("与前面的记录重复") == 5 and text.count("不是数字") == 1
    for n in jobs:
        assert run(capsys, tmp_path, argv, n) == one
    assert one[2].count(UNKNOWN_COLUMN) == 1  # told once


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.integers(1, 45), located=st.booleans())
def test_any_chunk_size_gives_the_items_of_one_process(tmp_path: Path, chunk: int, located: bool) -> None:
    ledger = write_ledger(tmp_path / "ledger.csv")
    policy = load_policy("luzhou_longmatan")
    expected = [dict(r.to_dict()) for r in policy.evaluate_many(read_rows(ledger), as_of=DAY)]
    if located:
        for raw, item in zip(read_rows(ledger), expected, strict=True):
            item.setdefault("row", raw.row)
            item.setdefault("source", raw.source)
    mine = list(check_items(policy, read_rows(ledger), Options(DAY, located=located), jobs=1, chunk_rows=chunk))
    assert mine == expected


def test_plain_records_are_numbered_by_position_across_chunks() -> None:
    policy = load_policy("national")
    records: list[Any] = [{"kind": "institution", "id": f"A{i % 7}"} for i in range(20)] + [42]
    expected = [dict(r.to_dict()) for r in policy.evaluate_many(records, as_of=DAY)]
    assert list(check_items(policy, records, Options(DAY), jobs=2, chunk_rows=3)) == expected
    assert expected[-1]["row"] == 21 and sum(1 for d in expected if d["status"] == "error") == 14


def test_a_reader_that_stops_early_stops_the_workers(tmp_path: Path) -> None:
    ledger = write_ledger(tmp_path / "ledger.csv", n=400)
    items = check_items(load_policy("national"), read_rows(ledger), Options(DAY), jobs=2, chunk_rows=10)
    assert next(items)["id"] is not None
    started = time.perf_counter()
    items.close()  # as when `| head` closes the pipe
    assert time.perf_counter() - started < 30


def test_jobs_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = str(write_ledger(tmp_path / "ledger.csv"))
    assert cli.main(["check", "--policy", "national", "--jobs", "-1", ledger]) == 2
    assert "--jobs 应为 0 或正整数" in capsys.readouterr().err
    code = cli.main(["check", "--policy", "national", "--jobs", "2", "--set", "ratio_infant=4", ledger])
    assert code == 2 and "--set" in capsys.readouterr().err
    code = cli.main(["check", "--policy", "national", "--format", "jsonl", "--jobs", "0", ledger])
    assert code == 1 and capsys.readouterr().out.count("\n") == 40  # 0: one per processor


def test_the_columnar_engine_takes_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """(It once refused them; tests/test_columnar_jobs.py tests the parts.)"""
    pytest.importorskip("polars", reason="the columnar engine needs polars: pip install 'tuoyu-rules[columnar]'")
    ledger = str(write_ledger(tmp_path / "ledger.csv"))
    outputs = []
    for jobs in ("1", "2"):
        argv = ["check", "--policy", "chaisang", "--format", "csv", "--engine", "columnar", "--jobs", jobs, ledger]
        outputs.append((cli.main(argv), capsys.readouterr()))
    assert outputs[0][0] in (0, 1) and outputs[0][1].out == outputs[1][1].out and outputs[0][0] == outputs[1][0]


@pytest.mark.parametrize("policy_id", ["luzhou_longmatan", "chaisang", "nanchang"])
@pytest.mark.parametrize(
    "fmt, form", [("csv", "verdicts"), ("table", "row"), ("table", "report"), ("jsonl", "json_line")]
)
def test_what_workers_send_writes_as_reports_do(tmp_path: Path, policy_id: str, fmt: str, form: str) -> None:
    """Institutions and regions (whose target findings the summary reads): the row views and JSON lines made by
    workers, pickled and unpickled, write the bytes and the summary of the reports themselves."""
    policy = load_policy(policy_id)
    ledgers = [ROOT / "examples" / policy_id / name for name in ("institutions.csv", "regions.jsonl")]
    day = datetime.date(2025, 6, 1)

    def written(items: list[Any], name: str) -> tuple[bytes, dict[str, Any]]:
        out = tmp_path / name
        summary = write_reports(iter(items), fmt, out, lang="en" if form == "row" else "zh")
        return out.read_bytes(), summary.to_dict()

    for ledger in ledgers:
        raws = list(read_rows(ledger))
        reports = list(policy.evaluate_many(raws, as_of=day))
        assert any(isinstance(r, Report) for r in reports)
        sent = list(check_items(policy, raws, Options(day, form=form), jobs=2, chunk_rows=2))
        if form != "report":
            assert not any(isinstance(item, Report) for item in sent)  # row views, without the report
        if form == "json_line":
            assert any(isinstance(item, JsonLine) for item in sent)
        assert written(sent, f"{ledger.stem}-sent") == written(reports, f"{ledger.stem}-one")


def test_an_unknown_form_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Options\.form is one of"):
        Options(DAY, form="pickles")
