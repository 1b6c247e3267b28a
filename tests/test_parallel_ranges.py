"""``check --jobs N`` on a CSV file whose workers read their own byte ranges writes what one process writes, byte for
byte, and says the same on standard error: wherever the parts are cut, with cells that hold quotes and line breaks,
ids repeated in another part, rows skipped as layout (titles, 合计, notes and the one-cell lines after a note), blank
lines, GB18030, a BOM, CRLF, a quote that opens no cell and one that never closes."""

from __future__ import annotations

import codecs
import contextlib
import csv
import importlib.util
import io
import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuoyu_rules import cli
from tuoyu_rules.parallel import pool, ranges
from tuoyu_rules.records.readers import csv_parts, csv_ranges
from tuoyu_rules.records.readers.csv import RANGE_CODECS
from tuoyu_rules.writers import csv as csv_writer

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
assert _spec and _spec.loader
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

POLICY = ["--policy", "luzhou_longmatan", "--as-of", "2025-06-01"]


def ledger_lines(n: int, seed: int, quirks: dict[int, list[str]], repeats: list[tuple[int, int]]) -> list[str]:
    """The CSV lines (without line ends) of ``n`` generated institutions: a title row and a blank line above the
    header, ``quirks`` (raw lines) before data row i, each (i, j) of ``repeats`` giving row j the id of row i; row 3
    has a name with a quote, a comma and a line break in it."""
    table = [generate.flat(r) for r in generate.records(n, seed)]
    for i, j in repeats:
        table[j % n]["id"] = table[i % n]["id"]
    table[3 % n]["name"] = '第一行 "引号", 逗号\n第二行'
    table[1 % n]["total_slots"] = "abc"  # an error row
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=generate.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    header = out.getvalue().rstrip("\n")
    lines = ["某区托育机构信息台账（2025年）", "", header]
    for i, row in enumerate(table):
        lines += quirks.get(i, [])
        out = io.StringIO()
        csv.DictWriter(out, fieldnames=generate.CSV_COLUMNS, lineterminator="\n").writerow(row)
        lines.append(out.getvalue()[:-1])  # a name with a line break is one cell over two lines
    lines += quirks.get(n, [])
    return lines


QUIRKS = [
    "",  # a blank line
    ",,,,",  # a row of empty cells
    "合计,,,,,,,,120",  # a total row
    "注：本表由街道填报",  # a note: the one-cell lines after it are notes too
    "仅一格",  # one cell: a note after a note, else a row (an error row: no kind of record can be read from it)
    'LMT-9999999,屏幕 12" 宽,罗汉街道',  # a quote inside a cell that is not quoted: quote parity is fooled
    "  ,  ",
]


def write(path: Path, lines: list[str], encoding: str, newline: str, tail: bool = True) -> Path:
    text = newline.join(lines) + (newline if tail else "")
    path.write_bytes(text.encode(encoding))
    return path


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], jobs: int) -> tuple[int, bytes, str]:
    out = tmp_path / f"out-{jobs}"
    code = cli.main(["check", *argv, "--jobs", str(jobs), "-o", str(out)])
    return code, out.read_bytes(), capsys.readouterr().err


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The byte-range checks ``check`` ran (a test of them that never took that path could not fail)."""
    made: list[Any] = []
    real = ranges.ranged_check

    def spy(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(ranges, "ranged_check", spy)
    monkeypatch.setattr(sys.modules["tuoyu_rules.parallel"], "ranged_check", spy)
    return made


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(4, 30),
    seed=st.integers(0, 3),
    quirks=st.dictionaries(st.integers(0, 30), st.lists(st.sampled_from(QUIRKS), max_size=3), max_size=6),
    repeats=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)).filter(lambda p: p[0] < p[1]), max_size=4),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    tail=st.booleans(),
    fmt=st.sampled_from(["csv", "jsonl"]),
    part_rows=st.integers(1, 9),
    lookahead=st.integers(1, 8),
)
def test_any_cut_writes_the_bytes_of_one_process(
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
    fmt: str,
    part_rows: int,
    lookahead: int,
) -> None:
    monkeypatch.setattr(csv_writer, "CSV_LOOKAHEAD", lookahead)  # the csv writer's columns: learned early
    monkeypatch.setattr(ranges, "CSV_LOOKAHEAD", lookahead)
    monkeypatch.setitem(ranges.PART_ROWS, fmt, part_rows)
    monkeypatch.setattr(ranges, "started", lambda *args: None)  # the parts are read here, in turn
    ledger = write(tmp_path / "ledger.csv", ledger_lines(n, seed, quirks, repeats), encoding, newline, tail)
    argv = [*POLICY, "--format", fmt, str(ledger)]
    taken.clear()
    one = run(capsys, tmp_path, argv, 1)
    assert run(capsys, tmp_path, argv, 2) == one
    assert len(taken) == 1 and taken[0] is not None


@pytest.mark.parametrize(
    "fmt, extra, jobs, fork",
    [
        ("csv", [], 2, True),
        ("csv", ["--lang", "en"], 3, False),
        ("jsonl", [], 2, False),
        ("jsonl", ["--omit-passes", "--trace"], 2, True),
    ],
)
def test_the_workers_write_the_bytes_of_one_process(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    taken: list[Any],
    fmt: str,
    extra: list[str],
    jobs: int,
    fork: bool,
) -> None:
    """Real workers, forked or spawned, many parts: ids repeated across parts (of rows checked here and by workers),
    notices."""
    if fork and not pool._can_fork():
        pytest.skip("workers are forked only on Linux, in a process without other threads")
    monkeypatch.setattr(pool, "_can_fork", lambda: fork)
    monkeypatch.setattr(csv_writer, "CSV_LOOKAHEAD", 7)
    monkeypatch.setattr(ranges, "CSV_LOOKAHEAD", 7)
    monkeypatch.setitem(ranges.PART_ROWS, fmt, 5)
    quirks = {10: ["合计,,,,,,,,120", ""], 25: ["注：本表由街道填报", "仅一格"], 26: ["仅一格"], 40: [""]}
    lines = ledger_lines(60, 1, quirks, [(0, 6), (2, 31), (8, 52), (40, 41)])
    ledger = write(tmp_path / "ledger.csv", lines, "utf-8-sig", "\r\n")
    argv = [*POLICY, "--format", fmt, *extra, str(ledger)]
    one = run(capsys, tmp_path, argv, 1)
    text = one[1].decode("utf-8-sig")
    assert one[0] == 1 and ("与前面的记录重复" in text or "repeats an earlier" in text)
    assert "跳过" in one[2] or "skipped" in one[2]
    assert run(capsys, tmp_path, argv, jobs) == one
    assert taken[-1] is not None and len(taken[-1]._reads) > jobs  # read in parts, by a pool


def test_the_first_parts_hold_the_csv_writers_lookahead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    """With the writer's own lookahead (1,000 records), rows past it checked by workers, a repeat across the two."""
    monkeypatch.setitem(ranges.PART_ROWS, "csv", 300)
    lines = ledger_lines(1500, 2, {700: ["合计,,,,"]}, [(5, 1200), (1100, 1400)])
    ledger = write(tmp_path / "ledger.csv", lines, "gb18030", "\n")
    argv = [*POLICY, "--format", "csv", str(ledger)]
    assert run(capsys, tmp_path, argv, 2) == run(capsys, tmp_path, argv, 1)
    assert taken[-1] is not None


def test_standard_output_gets_the_same_bytes(tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    ledger = write(tmp_path / "ledger.csv", ledger_lines(30, 0, {}, [(1, 20)]), "utf-8", "\n")
    outputs = []
    for jobs in (1, 2):
        cli.main(["check", *POLICY, "--format", "jsonl", "--jobs", str(jobs), str(ledger)])
        outputs.append(capfdbinary.readouterr())
    assert outputs[0] == outputs[1] and outputs[0].out.count(b"\n") == 30


@pytest.mark.parametrize(
    "case",
    ["stdin", "xlsx", "findings", "compact", "table", "utf16", "undecodable", "lone-cr", "two files", "no rows"],
)
def test_what_the_byte_ranges_leave_to_the_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], taken: list[Any], case: str
) -> None:
    """Inputs and options the workers cannot read exactly by byte ranges go the way of before (rows read here)."""
    lines = ledger_lines(12, 0, {}, [(1, 9)])
    ledger = write(tmp_path / "ledger.csv", lines, "utf-8", "\n")
    argv = [*POLICY, "--format", "csv"]
    if case == "xlsx":
        ledger = ROOT / "examples" / "luzhou_longmatan" / "institutions.xlsx"
    elif case in ("findings", "compact", "table"):
        argv = {"findings": [*argv, "--findings"], "compact": [*POLICY, "--format", "jsonl", "--compact"]}.get(
            case, [*POLICY, "--format", "table"]
        )
    elif case == "utf16":
        write(ledger, lines, "utf-16", "\n")
    elif case == "undecodable":
        ledger.write_bytes(ledger.read_bytes().replace("托育园".encode(), b"\xff\xfe", 1))
    elif case == "lone-cr":
        write(ledger, lines, "utf-8", "\r")
    elif case == "no rows":
        write(ledger, lines[:3], "utf-8", "\n")
    inputs = [str(ledger), str(ledger)] if case == "two files" else [str(ledger)]
    if case == "stdin":
        inputs = ["-"]
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"out-{jobs}"
        if case == "stdin":
            sys_stdin = io.TextIOWrapper(io.BytesIO(ledger.read_bytes()))
            real = sys.stdin
            sys.stdin = sys_stdin
            try:
                code = cli.main(["check", *argv, "--input-format", "csv", "--jobs", str(jobs), "-o", str(out), *inputs])
            finally:
                sys.stdin = real
        else:
            code = cli.main(["check", *argv, "--jobs", str(jobs), "-o", str(out), *inputs])
        outputs.append((code, out.read_bytes(), capsys.readouterr().err))
    assert outputs[0] == outputs[1]
    assert all(t is None for t in taken)


def test_a_part_ends_after_a_line_feed_outside_quoted_cells(tmp_path: Path) -> None:
    lines = ledger_lines(40, 0, {5: ['LMT-1,"a', 'b",c']}, [])
    ledger = write(tmp_path / "ledger.csv", lines, "utf-8", "\r\n")
    plan = csv_ranges(ledger)
    assert plan is not None
    data = ledger.read_bytes()
    parts = list(csv_parts(plan, 50))
    assert parts[0].start == plan.start and parts[-1].end == len(data) and parts[-1].last
    for before, after in itertools.pairwise(parts):
        assert before.end == after.start and data[before.end - 1 : before.end] == b"\n"
        assert data[: before.end].count(b'"') % 2 == 0  # outside a quoted cell
        assert after.line == data[: after.start].count(b"\n")


@pytest.mark.parametrize("name", sorted(set(RANGE_CODECS)))
def test_no_character_of_the_range_encodings_holds_a_line_feed_a_return_or_a_quote(name: str) -> None:
    """The claim byte ranges rest on: in these encodings the bytes 0x0A, 0x0D and 0x22 are those characters, never
    part of another, so a range that starts after a line feed decodes as that stretch of the whole file does."""
    encode = codecs.getencoder(name)
    found = 0
    for point in [*range(0x80, 0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 97)]:
        try:
            data = encode(chr(point))[0]
        except UnicodeEncodeError:
            continue
        found += 1
        assert not {0x0A, 0x0D, 0x22} & set(data), (name, hex(point), data)
    assert found > 7000  # GB2312 alone has 7,445 characters


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_on_a_terminal_the_progress_line_is_drawn_as_parts_are_written(tmp_path: Path) -> None:
    """In a process of its own (so with forked workers), on a terminal: the progress line, and the bytes of one."""
    ledger = write(tmp_path / "ledger.csv", ledger_lines(6000, 0, {}, []), "utf-8", "\n")
    primary, secondary = os.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    argv = [*POLICY, "--format", "csv", "--jobs", "2", str(ledger)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuoyu_rules", "check", *argv], stdout=subprocess.PIPE, stderr=secondary, env=env
    )
    os.close(secondary)
    chunks: list[bytes] = []

    def drain() -> None:  # the terminal is read while standard output is
        with contextlib.suppress(OSError):  # EIO once the child closed the terminal (Linux)
            while chunk := os.read(primary, 1 << 16):
                chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout = proc.stdout.read() if proc.stdout else b""
    proc.wait(timeout=300)
    reader.join(timeout=30)
    os.close(primary)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 1 and stdout.decode("utf-8-sig").count("\n") > 6000
    assert "已检查" in text and "行/秒" in text and "共 6000 行" in text
    one = subprocess.run(  # a fresh process runs no other thread: its workers were forked
        [sys.executable, "-m", "tuoyu_rules", "check", *argv[:-2], "1", str(ledger)], capture_output=True, check=False
    )
    assert one.stdout == stdout


LEDGERS = sorted(
    [*(ROOT / "tests" / "data" / "ledgers").rglob("*.csv"), *(ROOT / "examples").glob("*/*.csv")],
    key=lambda p: str(p),
)


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("options", [["--format", "csv"], ["--format", "jsonl", "--kind", "institution"]])
def test_the_bundled_ledgers_read_by_parts_give_the_bytes_of_one_process(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    taken: list[Any],
    ledger: Path,
    options: list[str],
) -> None:
    """Title rows, two-row headers, GB18030, bad rows, kinds read from the headers, the examples of every policy."""
    monkeypatch.setattr(csv_writer, "CSV_LOOKAHEAD", 2)
    monkeypatch.setattr(ranges, "CSV_LOOKAHEAD", 2)
    monkeypatch.setitem(ranges.PART_ROWS, options[1], 1)
    monkeypatch.setattr(ranges, "started", lambda *args: None)
    policy = ledger.parent.name if ledger.parent.parent.name == "examples" else "luzhou_longmatan"
    argv = ["--policy", policy, "--as-of", "2025-06-01", *options, str(ledger)]
    assert run(capsys, tmp_path, argv, 2) == run(capsys, tmp_path, argv, 1)
    assert taken[0] is not None  # read by parts


@pytest.mark.parametrize("extra", [["--header-row", "3"], ["--header-row", "1"], ["--encoding", "gb18030"]])
def test_ledger_options_read_by_parts_give_the_bytes_of_one_process(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    taken: list[Any],
    extra: list[str],
) -> None:
    monkeypatch.setitem(ranges.PART_ROWS, "jsonl", 2)
    monkeypatch.setattr(ranges, "started", lambda *args: None)
    ledger = write(tmp_path / "ledger.csv", ledger_lines(20, 0, {4: ["合计,,,"]}, [(2, 15)]), "gb18030", "\n")
    argv = [*POLICY, "--format", "jsonl", *extra, str(ledger)]
    assert run(capsys, tmp_path, argv, 2) == run(capsys, tmp_path, argv, 1)
    assert taken[0] is not None


def test_the_python_of_docs_scale_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/scale.md's example of ``check_items`` and ``ranged_check``, run as written, writes one process's bytes."""
    import datetime
    import re

    from tuoyu_rules import load_policy
    from tuoyu_rules.records import read_rows

    text = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)\n```", text, re.S) if "ranged_check" in b)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(ranges.PART_ROWS, "csv", 10)
    write(tmp_path / "ledger.csv", ledger_lines(1200, 0, {}, [(3, 1100)]), "utf-8", "\n")
    policy = load_policy("luzhou_longmatan")
    names: dict[str, Any] = {"policy": policy, "read_rows": read_rows, "datetime": datetime}
    exec(block, names)
    assert names["check"] is not None and len(names["items"]) == 1200
    argv = ["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", "--format", "csv", "-o", "one.csv"]
    cli.main([*argv, "ledger.csv"])
    assert (tmp_path / "report.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert names["check"].counts["rows"] == 1200 and names["check"].counts["errors"] == 2
