"""The table for people at a terminal: one line per record aligned by display width, details indented below."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from ..text import printable
from ._format import (
    AIM_LABEL,
    STATUS_LABEL,
    STATUS_MARK,
    _aims_not_met,
    _clip,
    _missing,
    _name,
    _pad,
    _requirement_failures,
    _subsidy_total,
    _text,
    _unknown_findings,
    _width,
)
from .base import WriteOptions

__all__ = ["write_table"]

ID_WIDTH, NAME_WIDTH = 16, 32


class _Lines:
    """Writes one line at a time with every control character escaped: a value can neither move the cursor nor
    forge a line of its own (a name ``\\r✓ …`` reads as the text it is)."""

    def __init__(self, out: IO[str]) -> None:
        self._write = out.write

    def write(self, line: str) -> None:
        self._write(printable(line.removesuffix("\n")) + "\n")


def _write_records(stream: Iterator[dict[str, Any]], target: IO[str], lang: str) -> None:
    out = _Lines(target)
    zh = lang == "zh"
    labels = STATUS_LABEL[lang]
    status_width = max(_width(v) for v in labels.values())
    for item in stream:
        status = str(item.get("status", ""))
        mark = STATUS_MARK.get(status, " ")
        ident = _pad(printable(str(item.get("id") or "—")), ID_WIDTH)
        if status == "error":
            where = f"第 {item.get('row')} 行" if zh else f"row {item.get('row')}"
            source = f" ({item['source']})" if item.get("source") else ""
            out.write(f"{mark} {ident} {_pad(where + source, NAME_WIDTH)} {labels['error']}\n")
            for e in item.get("errors") or ():
                value = f" = {e['value']!r}" if e.get("value") not in (None, "") else ""
                out.write(f"    ! {e.get('field') or '—'}{value} [{e.get('code', '')}] {_text(e, 'message', lang)}\n")
            continue
        n = len(_requirement_failures(item))
        counted = _pad(("违规 " if zh else "violations ") + str(n), 14 if not zh else 8)
        out.write(
            f"{mark} {ident} {_pad(_clip(printable(_name(item)), NAME_WIDTH), NAME_WIDTH)} "
            f"{_pad(labels.get(status, status), status_width)} {counted} "
            f"{('补贴 ' if zh else 'subsidy ') + _subsidy_total(item, lang)}\n"
        )
        for v in _requirement_failures(item):
            fix = _text(v, "fix", lang)
            out.write(f"    ✗ {v['rule']}: {_text(v, 'message', lang)}" + (f" → {fix}" if fix else "") + "\n")
        for v in _aims_not_met(item):
            out.write(f"    ◇ {v['rule']}: {AIM_LABEL[lang]}: {_text(v, 'message', lang)}\n")
        for f in _unknown_findings(item):
            out.write(f"    ? {f['rule']}: {_missing(f, lang)}\n")
        for s in item.get("subsidies") or ():
            if s.get("eligible") is None and s.get("missing"):
                out.write(f"    ? {s['id']}: {_missing(s, lang)}\n")
        for w in item.get("warnings") or ():
            out.write(f"    ! {_text(w, 'message', lang) or w.get('code', '')}\n")


def write_table(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """One line per record, then the summary line (counts and subsidy totals)."""
    _write_records(stream, out, options.lang)
    _Lines(out).write(options.summary.line(options.lang))
