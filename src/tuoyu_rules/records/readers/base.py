"""The one small interface every ledger reader implements: a :class:`LedgerInput` in, :class:`RawRow` out.

A reader is a callable ``read(ledger: LedgerInput) -> Iterator[RawRow]`` registered in
:data:`tuoyu_rules.records.readers.READERS`. It yields one :class:`RawRow` per data row, in order, and never raises
for a bad row (a row that cannot be read is a RawRow with problems and no data); it raises :class:`RecordError`
only when the input as a whole cannot be opened or decoded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ...errors import Location, Problem


@dataclass(frozen=True)
class RawRow:
    """One input row: its 1-based data row number, its source, and the mapped data (None if unreadable)."""

    row: int
    source: str
    data: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    text: bool = False  # every value is text, as in a CSV file (see normalize_record)
    excel_row: int | None = None  # the row number the user sees (the Excel row, the CSV line), when known


@dataclass(frozen=True)
class LedgerNotice:
    """Something a reader did with the layout that the user should know: a header no field matched, rows skipped
    as layout, a sheet without a table. ``source`` is the file (``file.xlsx#Sheet``); zh and en are one line each."""

    source: str
    zh: str
    en: str

    def render(self, lang: str = "zh") -> str:
        """The line ``check`` prints on stderr (the text names its source)."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class LedgerInput:
    """What a reader is asked to read: a file (``path``) or standard input (``stdin``), named ``source`` in problems.

    ``fmt`` is the format as the user wrote it or as the file's suffix says (``tsv``, ``yml`` …); ``encoding`` and
    ``sheet`` are the ``--encoding`` and ``--sheet`` options, None when not given.
    """

    path: Path | None
    stdin: IO[bytes] | None
    source: str
    fmt: str
    encoding: str | None = None
    sheet: str | None = None
    on_notice: Callable[[LedgerNotice], None] | None = None  # told each notice once, as it is found
    header_row: int | None = None  # --header-row: the 1-based sheet row or CSV line of the header (None: found)

    def notice(self, source: str, text: tuple[str, str] | None) -> None:
        """Tell ``on_notice`` (if any) a (zh, en) notice about ``source``; None is no notice."""
        if text is not None and self.on_notice is not None:
            self.on_notice(LedgerNotice(source, *text))


@dataclass(frozen=True)
class Reader:
    """One entry of the reader registry: the file suffixes it reads, the reader, and a one-line description."""

    suffixes: tuple[str, ...]
    read: Callable[[LedgerInput], Iterator[RawRow]]
    zh: str
    en: str


def problem_row(row: int, source: str, code: str, zh: str, en: str) -> RawRow:
    """The RawRow of a row that could not be read at all."""
    return RawRow(row, source, None, (Problem(code, zh, en, Location(row=row, file=source)),))
