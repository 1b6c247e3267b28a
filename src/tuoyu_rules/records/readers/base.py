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
from typing import IO, TYPE_CHECKING, Any

from ...errors import Location, Problem
from .columns import ColumnMap, RowMapper
from .kinds import TableKind, kind_notice, said_kinds, table_kind

if TYPE_CHECKING:
    from .columns import ColumnTable


@dataclass(frozen=True)
class RawRow:
    """One input row: its 1-based data row number, its source, and the mapped data (None if unreadable)."""

    row: int
    source: str
    data: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    text: bool = False  # every value is text, as in a CSV file (see normalize_record)
    excel_row: int | None = None  # the row number the user sees (the Excel row, the CSV line), when known
    columns: ColumnTable | None = None  # where each field of the row's sheet is (one object per sheet, shared)


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
class Table:
    """One table a reader found (a CSV file, a sheet): where (``file.xlsx#Sheet``), its header row as the user sees
    it, how its headers were read (``mapper``), the kind its rows are read as, and for a class or staff sheet the
    field its rows are joined into (``joins``: classes, staff)."""

    source: str
    header_line: int
    mapper: RowMapper
    kind: TableKind
    joins: str | None = None
    last_line: int | None = None  # the header's last row when it has two (a group header over sub-headers)


@dataclass(frozen=True)
class LedgerInput:
    """What a reader is asked to read: a file (``path``) or standard input (``stdin``), named ``source`` in problems.

    ``fmt`` is the format as the user wrote it or as the file's suffix says (``tsv``, ``yml`` …); ``encoding``,
    ``sheet``, ``columns`` (the column map) and ``kind`` are the ``--encoding``, ``--sheet``, ``--columns`` and
    ``--kind`` options, None when not given.
    """

    path: Path | None
    stdin: IO[bytes] | None
    source: str
    fmt: str
    encoding: str | None = None
    sheet: str | None = None
    on_notice: Callable[[LedgerNotice], None] | None = None  # told each notice once, as it is found
    header_row: int | None = None  # --header-row: the 1-based sheet row or CSV line of the header (None: found)
    columns: ColumnMap | None = None
    kind: str | None = None
    on_table: Callable[[Table], None] | None = None  # told each table as its header is found (read_rows uses it)

    def mapper(self, headers: list[str]) -> RowMapper:
        """The RowMapper of a table's headers, with this ledger's column map."""
        return RowMapper(headers, self.columns)

    def table(
        self,
        source: str,
        header_line: int,
        mapper: RowMapper,
        named: str | None = None,
        joins: str | None = None,
        last_line: int | None = None,
    ) -> TableKind:
        """Tell ``on_table`` of a table whose header was found; returns the kind its rows are read as (``named``: the
        kind the sheet's name says), and says in a notice when its headers decided a kind, or could not."""
        kind = (
            table_kind(mapper.keys, self.kind, named, said_kinds(mapper))
            if joins is None
            else TableKind(None, "joined")
        )
        if joins is None:
            self.notice(source, kind_notice(kind, mapper, source))
        if self.on_table is not None:
            self.on_table(Table(source, header_line, mapper, kind, joins, last_line))
        return kind

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
