"""The table for people at a terminal: one line per record aligned by display width, details indented below."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from ..text import printable
from ._format import (
    AIM_LABEL,
    STATUS_LABEL,
    STATUS_MARK,
    _clip,
    _missing,
    _pad,
    _subsidy_total,
    _text,
    _width,
    error_place,
)
from .base import WriteOptions
from .rows import ReportRow

__all__ = ["write_table"]

ID_WIDTH, NAME_WIDTH = 16, 32


class _Lines:
    """Writes one line at a time with every control character escaped: a value can neither move the cursor nor
    forge a line of its own (a name ``\\r✓ …`` reads as the text it is)."""

    def __init__(self, out: IO[str]) -> None:
        self._write = out.write

    def write(self, line: str) -> None:
        self._write(printable(line.removesuffix("\n")) + "\n")


def shown_row(item: dict[str, Any]) -> Any:
    """The row of an error row as the analyst finds it: the Excel row of its first located cell, else the sheet row or
    CSV line its errors name, else its data row (JSON and YAML ledgers have no other)."""
    for e in item.get("errors") or ():
        cell = re.match(r"[A-Z]+([0-9]+)", str(e.get("cell") or ""))
        if cell:
            return int(cell.group(1))
        if e.get("line") is not None:
            return e["line"]
    return item.get("row")


def _write_error(out: _Lines, mark: str, ident: str, item: dict[str, Any], lang: str) -> None:
    """An error row: where it was read, then each error with its field, value and code."""
    seen = shown_row(item)
    where = f"第 {seen} 行" if lang == "zh" else f"row {seen}"
    source = f" ({item['source']})" if item.get("source") else ""
    out.write(f"{mark} {ident} {_pad(where + source, NAME_WIDTH)} {STATUS_LABEL[lang]['error']}\n")
    for e in item.get("errors") or ():
        value = f" = {e['value']!r}" if e.get("value") not in (None, "") else ""
        place = error_place(e)  # the cell the analyst opens: 机构!D4
        at = f" @ {place}" if place else ""
        out.write(f"    ! {e.get('field') or '—'}{at}{value} [{e.get('code', '')}] {_text(e, 'message', lang)}\n")


def _write_details(out: _Lines, item: ReportRow, lang: str) -> None:
    """The indented lines under a record: violations, aims not met, unknowns, undecided subsidies, warnings."""
    for v in item.violations:
        if v.get("severity") != "aim":
            fix = _text(v, "fix", lang)
            out.write(f"    ✗ {v['rule']}: {_text(v, 'message', lang)}" + (f" → {fix}" if fix else "") + "\n")
    for v in item.violations:
        if v.get("severity") == "aim":
            out.write(f"    ◇ {v['rule']}: {AIM_LABEL[lang]}: {_text(v, 'message', lang)}\n")
    for f in item.unknown:
        out.write(f"    ? {f['rule']}: {_missing(f, lang)}\n")
    for s in item.subsidies:
        if s.get("eligible") is None and s.get("missing"):
            out.write(f"    ? {s['id']}: {_missing(s, lang)}\n")
    for w in item.warnings:
        out.write(f"    ! {_text(w, 'message', lang) or w.get('code', '')}\n")


def _write_records(stream: Iterator[ReportRow], target: IO[str], lang: str) -> None:
    out = _Lines(target)
    zh = lang == "zh"
    labels = STATUS_LABEL[lang]
    status_width = max(_width(v) for v in labels.values())
    for item in stream:
        status = str(item.status or "")
        mark = STATUS_MARK.get(status, " ")
        ident = _pad(printable(str(item.id or "—")), ID_WIDTH)
        if item.error is not None:
            _write_error(out, mark, ident, item.error, lang)
            continue
        n = sum(1 for v in item.violations if v.get("severity") != "aim")
        counted = _pad(("违规 " if zh else "violations ") + str(n), 14 if not zh else 8)
        out.write(
            f"{mark} {ident} {_pad(_clip(printable(item.name), NAME_WIDTH), NAME_WIDTH)} "
            f"{_pad(labels.get(status, status), status_width)} {counted} "
            f"{('补贴 ' if zh else 'subsidy ') + _subsidy_total(item.subsidies, lang)}\n"
        )
        _write_details(out, item, lang)


def write_table(stream: Iterator[ReportRow], out: IO[str], options: WriteOptions) -> None:
    """One line per record, then the summary line (counts and subsidy totals)."""
    _write_records(stream, out, options.lang)
    _Lines(out).write(options.summary.line(options.lang))
