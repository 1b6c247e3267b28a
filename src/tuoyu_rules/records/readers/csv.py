"""The CSV reader (also ``.tsv`` and ``.txt``): streamed row by row; the delimiter is a tab for ``tsv``, otherwise
whichever of tab and comma the first line holds more of."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from .base import LedgerInput, RawRow
from .columns import RowMapper
from .text import guarded, open_text


def read_csv(ledger: LedgerInput) -> Iterator[RawRow]:
    """One RawRow per non-blank data row (the header row is not counted); every value is text."""
    delimiter = "\t" if ledger.fmt == "tsv" else None
    source = ledger.source
    text = open_text(ledger)
    with text:
        lines = guarded(iter(text), source)
        if delimiter is None:
            first = next(lines, "")
            delimiter = "\t" if first.count("\t") > first.count(",") else ","
            lines = _chain(first, lines)
        reader = csv.reader(lines, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return
        mapper = RowMapper(header)
        for row, cells in enumerate(reader, start=1):
            if not any(c.strip() for c in cells):
                continue
            yield RawRow(row, source, mapper.map(cells), text=True)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest
