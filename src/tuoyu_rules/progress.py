"""The progress line of long checks (进度): rows done, rows per second and, when the total is knowable, an ETA.

It goes to standard error of a terminal only, never to standard output, and never in CI or with ``--quiet``
(:func:`wanted`). Formatting is pure (:func:`render`) and time comes from a clock passed in, so both are tested
without a terminal or a wait. Nothing of the package is imported here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, TypeVar

__all__ = ["INTERVAL", "Progress", "count_lines", "render", "track", "wanted"]

INTERVAL = 0.25
"""Seconds between two redraws at least: the line changes at most four times a second."""
COUNTED_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson")
"""Ledgers whose rows are lines: their total is counted up front (about 0.1 s for 1,000,000 rows)."""
CLEAR = "\r\x1b[K"
"""Back to the start of the line and erase it."""

T = TypeVar("T")


def wanted(err: Any, out: Any, quiet: bool, environ: Mapping[str, str], to_stdout: bool) -> bool:
    """Whether to show progress: standard error is a terminal, not in CI, not ``--quiet``, and the output does not
    go to the same terminal on standard output (the table itself shows how far the check is)."""
    if quiet or environ.get("CI") or not _tty(err):
        return False
    return not (to_stdout and _tty(out))


def _tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _clock_text(seconds: float) -> str:
    """``0:07``, ``12:05``, ``1:02:03``."""
    s = max(0, round(seconds))
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render(rows: int, elapsed: float, total: int | None, lang: str) -> str:
    """One progress line: ``已检查 12,000 行 · 3,000 行/秒 · 12% · 剩余约 0:29`` (English with ``lang="en"``).

    The share and the ETA appear when ``total`` (the rows expected) is known; the share stays below 100 % until
    the check ends, as a total counted in lines can exceed the rows.
    """
    zh = lang != "en"
    rate = rows / elapsed if elapsed > 0 else 0.0
    parts = [f"已检查 {rows:,} 行" if zh else f"checked {rows:,} rows", f"{rate:,.0f} {'行/秒' if zh else 'rows/s'}"]
    if total and rate > 0:
        share = min(rows / total, 0.99)
        left = max(total - rows, 0) / rate
        parts.append(f"{share:.0%}")
        parts.append(f"剩余约 {_clock_text(left)}" if zh else f"about {_clock_text(left)} left")
    return " · ".join(parts)


class Progress:
    """Redraws the progress line on ``err`` as rows are done, at most once every :data:`INTERVAL` seconds."""

    def __init__(self, err: IO[str], lang: str, clock: Callable[[], float], total: int | None = None) -> None:
        self.err, self.lang, self.clock, self.total = err, lang, clock, total
        self.start = clock()
        self.next_draw = self.start + INTERVAL  # a check done within the first interval draws nothing
        self.drawn = False

    def update(self, rows: int) -> None:
        now = self.clock()
        if now < self.next_draw:
            return
        self.next_draw = now + INTERVAL
        self.err.write(CLEAR + render(rows, now - self.start, self.total, self.lang))
        self.err.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the line, so that what follows on standard error starts on a clean line."""
        if self.drawn:
            self.err.write(CLEAR)
            self.err.flush()


def count_lines(paths: Iterable[str]) -> int | None:
    """The data rows a set of line-based ledgers holds (lines minus one header each), or None when some input is
    not such a file (a workbook, standard input) and the total is not knowable up front."""
    total = 0
    for path in paths:
        if path == "-" or not path.lower().endswith(COUNTED_SUFFIXES) or not os.path.isfile(path):
            return None
        lines = last = 0
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1]
        lines += 1 if last not in (0, 0x0A) else 0  # a last line without a newline
        total += lines - (0 if path.lower().endswith((".jsonl", ".ndjson")) else 1)
    return total


def track(
    rows: Iterator[T],
    progress: Progress | None,
    every: int = 64,
) -> Iterator[T]:
    """``rows`` unchanged, telling ``progress`` how many were done every ``every`` rows (None: no progress)."""
    if progress is None:
        yield from rows
        return
    count = 0
    try:
        for count, row in enumerate(rows, start=1):
            if count % every == 0 or count == 1:
                progress.update(count)
            yield row
    finally:
        progress.close()
