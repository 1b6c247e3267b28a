"""The progress line of long checks: what it says, how often it is redrawn, and when it says nothing at all."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tuoyu_rules.cli import main
from tuoyu_rules.progress import CLEAR, INTERVAL, Progress, count_lines, render, track, wanted

ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_line_says_rows_rate_share_and_time_left() -> None:
    assert render(12_000, 4.0, 100_000, "zh") == "已检查 12,000 行 · 3,000 行/秒 · 12% · 剩余约 0:29"
    assert render(12_000, 4.0, 100_000, "en") == "checked 12,000 rows · 3,000 rows/s · 12% · about 0:29 left"
    assert render(5_000, 2.0, 10_000_000, "en").endswith("about 1:06:38 left")


def test_without_a_total_the_line_has_no_share_and_no_eta() -> None:
    assert render(12_000, 4.0, None, "en") == "checked 12,000 rows · 3,000 rows/s"
    assert render(0, 0.0, 100, "zh") == "已检查 0 行 · 0 行/秒"


def test_a_total_counted_in_lines_never_shows_100_percent_before_the_end() -> None:
    assert "· 99% ·" in render(120, 1.0, 100, "en")


def test_redrawn_at_most_four_times_a_second_and_erased_at_the_end() -> None:
    clock, err = Clock(), Tty()
    shown = Progress(err, "en", clock, total=None)
    for rows in range(1, 1991):
        clock.now += 0.001  # 1,000 rows a second for just under two seconds
        shown.update(rows)
    assert err.getvalue().count(CLEAR) == 1.99 // INTERVAL == 7  # the first draw comes after one interval
    assert err.getvalue().endswith("checked 1,750 rows · 1,000 rows/s")
    shown.close()
    assert err.getvalue().endswith(CLEAR)


def test_a_check_done_within_the_first_interval_draws_nothing() -> None:
    clock, err = Clock(), Tty()
    rows = list(track(iter(range(500)), Progress(err, "zh", clock)))
    assert rows == list(range(500))
    assert err.getvalue() == ""


def test_track_passes_every_row_through_unchanged_without_progress() -> None:
    assert list(track(iter("abc"), None)) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("err_tty", "out_tty", "quiet", "env", "to_stdout", "shown"),
    [
        (True, False, False, {}, True, True),  # stdout a pipe or a file: the terminal shows progress
        (True, True, False, {}, False, True),  # -o FILE: stdout stays free
        (False, False, False, {}, True, False),  # stderr not a terminal
        (True, False, False, {"CI": "true"}, True, False),  # in CI
        (True, False, True, {}, True, False),  # --quiet
        (True, True, False, {}, True, False),  # the table on the same terminal is the progress
    ],
)
def test_progress_only_on_a_terminal_outside_ci_and_without_quiet(
    err_tty: bool, out_tty: bool, quiet: bool, env: dict[str, str], to_stdout: bool, shown: bool
) -> None:
    err, out = (Tty() if err_tty else io.StringIO()), (Tty() if out_tty else io.StringIO())
    assert wanted(err, out, quiet, env, to_stdout) is shown


def test_the_total_of_line_based_ledgers_is_counted_and_of_workbooks_unknown(tmp_path: Path) -> None:
    csv_file, jsonl = tmp_path / "a.csv", tmp_path / "b.jsonl"
    csv_file.write_text("id,name\nA,x\nB,y", encoding="utf-8")  # no newline after the last row
    jsonl.write_text('{"id": "A"}\n{"id": "B"}\n{"id": "C"}\n', encoding="utf-8")
    assert count_lines([str(csv_file), str(jsonl)]) == 5
    assert count_lines([str(csv_file), str(ROOT / "examples" / "luzhou_longmatan" / "institutions.xlsx")]) is None
    assert count_lines(["-"]) is None


def test_check_prints_no_progress_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    ledger = ROOT / "examples" / "luzhou_longmatan" / "institutions.jsonl"
    main(["check", "--policy", "luzhou_longmatan", "--as-of", "2025-06-01", "--format", "csv", str(ledger)])
    captured = capsys.readouterr()
    assert "行/秒" not in captured.err and "\r" not in captured.err and "行/秒" not in captured.out


def _drain(fd: int, chunks: list[bytes]) -> None:
    """Read a pseudo-terminal until its other end is closed."""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:  # EIO once the child closed the terminal (Linux)
            return
        if not chunk:
            return
        chunks.append(chunk)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
@pytest.mark.parametrize("quiet", [False, True])
def test_on_a_terminal_a_long_check_shows_progress_on_stderr_only(tmp_path: Path, quiet: bool) -> None:
    ledger = tmp_path / "ledger.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--rows", "4000", "--format", "csv"],
        stdout=ledger.open("w"),
        check=True,
    )
    primary, secondary = os.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    argv = ["check", "--policy", "luzhou_longmatan", "--as-of", "2025-06-01", "--format", "csv", str(ledger)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuoyu_rules", *argv, *(["--quiet"] if quiet else [])],
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(primary, chunks))  # the terminal is read while stdout is
    reader.start()
    stdout = proc.stdout.read() if proc.stdout else b""
    proc.wait(timeout=120)
    reader.join(timeout=30)
    os.close(primary)
    err = b"".join(chunks)
    text = err.decode("utf-8", "replace")
    assert proc.returncode == 1  # the generated ledger holds failing records
    assert "行/秒" not in stdout.decode("utf-8")
    assert stdout.decode("utf-8-sig").count("\n") > 4000  # the report, whole, on stdout
    if quiet:
        assert "行/秒" not in text and "已检查" not in text
    else:
        assert "已检查" in text and "行/秒" in text and "剩余约" in text
    assert "共 4000 行" in text  # the summary line still goes to stderr
