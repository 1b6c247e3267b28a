"""``check --engine columnar --jobs N``: the columnar engine on byte ranges of one CSV file writes the bytes of
``--jobs 1`` and of the row engine, and says the same on standard error (notices, the summary line; the closing
``列式引擎`` line names the same rules), wherever the parts are cut: ids repeated across parts, title rows, 合计 and note
rows, quoted line breaks, GB18030, a BOM, CRLF, rows the native path sends row-wise. Inputs it cannot split run in one
process, saying so."""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("polars", reason="the columnar engine needs polars (pip install 'tuoyu-rules[columnar]')")

from test_columnar_native import ADVERSARIAL
from test_parallel_ranges import QUIRKS, ROOT, generate, ledger_lines, write

from tuoyu_rules import cli
from tuoyu_rules.columnar import native
from tuoyu_rules.columnar import ranges as columnar_ranges
from tuoyu_rules.parallel import pool, ranges
from tuoyu_rules.writers import csv as csv_writer

POLICY = ["--policy", "luzhou_longmatan", "--as-of", "2025-06-01", "--format", "csv"]
CLOSING = re.compile(r"^(列式引擎|columnar engine)[:：].*\n", re.M)


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], engine: str, jobs: int) -> Any:
    out = tmp_path / f"out-{engine}-{jobs}"
    code = cli.main(["check", *argv, "--engine", engine, "--jobs", str(jobs), "-o", str(out)])
    return code, out.read_bytes(), capsys.readouterr().err


def closing(err: str) -> tuple[int, int, str]:
    """(rows column-wise, rows row-wise, the rules) of the closing line."""
    zh = re.search(r"列式引擎：(\d+) 行按列计算，(\d+) 行逐行计算；按列计算的规则与补贴：(.*)", err)
    found = zh or re.search(r"columnar engine: (\d+) rows column-wise, (\d+) row-wise; column-wise: (.*)", err)
    assert found, err
    return int(found.group(1)), int(found.group(2)), found.group(3)


def same_as_one_process(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], jobs: int = 2) -> Any:
    """The columnar engine with ``jobs`` and with one process, and the row engine: the same exit code, bytes, notices
    and summary; the two columnar runs name the same rules column-wise. Returns the closing lines' counts."""
    row = run(capsys, tmp_path, argv, "row", 1)
    one = run(capsys, tmp_path, argv, "columnar", 1)
    many = run(capsys, tmp_path, argv, "columnar", jobs)
    assert one[:2] == row[:2]
    assert many[:2] == one[:2]
    assert CLOSING.sub("", many[2]) == CLOSING.sub("", one[2]) == row[2]
    assert closing(many[2])[2] == closing(one[2])[2]
    return closing(one[2]), closing(many[2])


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The byte-range checks ``check`` ran, and the parts that went natively (counted on the checks)."""
    made: list[Any] = []
    real = ranges.ranged_check

    def spy(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(ranges, "ranged_check", spy)
    monkeypatch.setattr(sys.modules["tuoyu_rules.parallel"], "ranged_check", spy)
    return made


@pytest.fixture
def natively(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each part checked in this process went natively."""
    went: list[bool] = []
    real = columnar_ranges.Parts._native

    def spy(self: Any, *args: Any) -> Any:
        done = real(self, *args)
        went.append(done is not None)
        return done

    monkeypatch.setattr(columnar_ranges.Parts, "_native", spy)
    return went


def small(monkeypatch: pytest.MonkeyPatch, lookahead: int, part_rows: int, group: int, chunk: int = 1024) -> None:
    monkeypatch.setattr(csv_writer, "CSV_LOOKAHEAD", lookahead)
    monkeypatch.setattr(ranges, "CSV_LOOKAHEAD", lookahead)
    monkeypatch.setitem(ranges.PART_ROWS, "csv", part_rows)
    monkeypatch.setattr(ranges, "COLUMNAR_GROUP", group)
    monkeypatch.setattr(native, "CHUNK", chunk)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(4, 30),
    seed=st.integers(0, 3),
    quirks=st.dictionaries(st.integers(0, 30), st.lists(st.sampled_from(QUIRKS), max_size=3), max_size=6),
    repeats=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)).filter(lambda p: p[0] < p[1]), max_size=4),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    tail=st.booleans(),
    part_rows=st.integers(1, 9),
    group=st.integers(1, 4),
    lookahead=st.integers(1, 8),
)
def test_any_cut_writes_the_bytes_of_one_process_and_of_the_row_engine(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    taken: list[Any],
    n: int,
    seed: int,
    quirks: dict[int, list[str]],
    repeats: list[tuple[int, int]],
    encoding: str,
    newline: str,
    tail: bool,
    part_rows: int,
    group: int,
    lookahead: int,
) -> None:
    """Title rows, 合计 and note rows, a quoted line break, a quote that opens no cell, repeated ids, GB18030."""
    small(monkeypatch, lookahead, part_rows, group)
    monkeypatch.setattr(ranges, "started", lambda *args: None)  # the parts are read here, in turn
    ledger = write(tmp_path / "ledger.csv", ledger_lines(n, seed, quirks, repeats), encoding, newline, tail)
    taken.clear()
    same_as_one_process(capsys, tmp_path, [*POLICY, str(ledger)])
    assert len(taken) == 1 and taken[0] is not None and taken[0].engine_name == "columnar"


def plain_lines(n: int, seed: int, edits: list[tuple[int, str]], repeats: list[tuple[int, int]]) -> list[str]:
    """A plain UTF-8 ledger of ``n`` generated rows (no title row), with adversarial rows and repeated ids."""
    table = [generate.flat(r) for r in generate.records(n, seed)]
    for i, what in edits:
        table[i % n] = ADVERSARIAL[what](table[i % n])
    for i, j in repeats:
        table[j % n]["id"] = table[i % n]["id"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=generate.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue().split("\n")[:-1]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(10, 60),
    seed=st.integers(0, 10**6),
    edits=st.lists(st.tuples(st.integers(0, 59), st.sampled_from(sorted(ADVERSARIAL))), max_size=4),
    repeats=st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59)).filter(lambda p: p[0] < p[1]), max_size=4),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    part_rows=st.integers(2, 12),
    group=st.integers(1, 4),
)
def test_native_parts_write_the_bytes_of_one_process(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    natively: list[bool],
    n: int,
    seed: int,
    edits: list[tuple[int, str]],
    repeats: list[tuple[int, int]],
    newline: str,
    bom: bool,
    part_rows: int,
    group: int,
) -> None:
    """Plain parts go natively (a row the native path cannot decide, in one, row-wise), the others by the row
    reader; a head of 6 lines makes the one-process run native too."""
    small(monkeypatch, 3, part_rows, group, chunk=512)
    monkeypatch.setattr(native, "HEAD_LINES", 6)
    monkeypatch.setattr(native, "_KEPT", 1)
    monkeypatch.setattr(ranges, "started", lambda *args: None)
    ledger = write(
        tmp_path / "ledger.csv", plain_lines(n, seed, edits, repeats), "utf-8-sig" if bom else "utf-8", newline
    )
    natively.clear()
    same_as_one_process(capsys, tmp_path, [*POLICY, str(ledger)])
    assert any(natively) or edits or not natively  # some part past the head: without adversarial rows, natively


def test_clean_parts_go_natively_and_count_as_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, natively: list[bool]
) -> None:
    """A clean ledger with ids repeated across parts: every part past the head natively, and the closing line's
    counts are those of one process (a repeated id's row counted neither way)."""
    small(monkeypatch, 5, 10, 2)
    monkeypatch.setattr(ranges, "started", lambda *args: None)
    ledger = write(tmp_path / "ledger.csv", plain_lines(200, 5, [], [(3, 150), (40, 41), (60, 199)]), "utf-8", "\n")
    one, many = same_as_one_process(capsys, tmp_path, [*POLICY, str(ledger)])
    assert natively and all(natively)
    assert one == many and one[0] == 197 and one[1] == 0


@pytest.mark.parametrize("fork", [True, False])
def test_the_workers_write_the_bytes_of_one_process(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    taken: list[Any],
    fork: bool,
) -> None:
    """Real workers, forked or spawned, many parts: ids repeated across parts, notices, GB18030-free UTF-8 with a BOM
    and CRLF (parts go natively) and a part read by the row reader (a quoted line break)."""
    if fork and not pool._can_fork():
        pytest.skip("workers are forked only on Linux, in a process without other threads")
    monkeypatch.setattr(pool, "_can_fork", lambda: fork)
    small(monkeypatch, 7, 5, 2)
    quirks = {10: ["合计,,,,,,,,120", ""], 25: ["注：本表由街道填报", "仅一格"], 40: [""]}
    lines = ledger_lines(80, 1, quirks, [(0, 6), (2, 31), (8, 52), (40, 41), (12, 79)])
    ledger = write(tmp_path / "ledger.csv", lines, "utf-8-sig", "\r\n")
    same_as_one_process(capsys, tmp_path, [*POLICY, str(ledger)], jobs=2)
    assert taken[-1] is not None and len(taken[-1]._reads) > 2  # read in parts, by a pool


@pytest.mark.parametrize("case", ["xlsx", "two files", "utf16", "en"])
def test_what_cannot_be_split_runs_in_one_process_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], taken: list[Any], case: str
) -> None:
    ledger = write(tmp_path / "ledger.csv", ledger_lines(12, 0, {}, [(1, 9)]), "utf-8", "\n")
    argv = [*POLICY]
    if case == "xlsx":
        ledger = ROOT / "examples" / "luzhou_longmatan" / "institutions.xlsx"
    elif case == "utf16":
        write(ledger, ledger_lines(12, 0, {}, [(1, 9)]), "utf-16", "\n")
    elif case == "en":
        argv += ["--lang", "en"]
        write(ledger, ledger_lines(12, 0, {}, [(1, 9)]), "utf-16", "\n")
    inputs = [str(ledger), str(ledger)] if case == "two files" else [str(ledger)]
    one = run(capsys, tmp_path, [*argv, *inputs], "columnar", 1)
    many = run(capsys, tmp_path, [*argv, *inputs], "columnar", 2)
    assert many[:2] == one[:2]
    said = "checked in one process" if case == "en" else "这些输入在一个进程中核查"
    assert said not in one[2] and many[2].startswith("--jobs 2") and said in many[2]
    assert many[2].split("\n", 1)[1] == one[2]
    assert all(t is None for t in taken)


def test_auto_takes_the_columnar_engine_with_jobs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    """``--engine auto --jobs 2`` on a big CSV (here: big from 10 lines) takes the columnar engine, in parts."""
    from tuoyu_rules.columnar import choose

    monkeypatch.setattr(choose, "big_enough", lambda inputs: True)
    monkeypatch.setattr(ranges, "started", lambda *args: None)
    small(monkeypatch, 3, 4, 2)
    ledger = write(tmp_path / "ledger.csv", plain_lines(40, 2, [], [(1, 30)]), "utf-8", "\n")
    auto = run(capsys, tmp_path, [*POLICY, str(ledger)], "auto", 2)
    row = run(capsys, tmp_path, [*POLICY, str(ledger)], "row", 1)
    assert auto[:2] == row[:2] and CLOSING.search(auto[2]) and CLOSING.sub("", auto[2]) == row[2]
    assert taken and taken[-1].engine_name == "columnar"
