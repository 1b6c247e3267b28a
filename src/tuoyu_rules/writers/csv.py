"""CSV for Excel users: UTF-8 with a BOM, one row per record, one column per subsidy."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from ._format import (
    FINDING_COLUMNS,
    _amount_open,
    _amount_unknown,
    _error_text,
    _money,
    _text,
    finding_rows,
    record_warnings,
)
from .base import WriteOptions
from .provenance import provenance_line
from .rows import Keyed, ReportRow, report_row

__all__ = ["CSV_LOOKAHEAD", "CsvRows", "subsidy_columns", "write_csv"]

CSV_LOOKAHEAD = 1000
"""Records read ahead by the CSV writer to learn the subsidy columns before it writes the header."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula (OWASP's list)."""
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")

CSV_HEADERS = {
    "zh": ["编号", "名称", "类型", "结果", "违规数", "违规规则", "信息不全规则"],
    "en": ["id", "name", "kind", "status", "violations", "violated_rules", "unknown_rules"],
}
CSV_TAIL = {"zh": ["其他补贴", "错误"], "en": ["other_subsidies", "errors"]}


def _subsidy_cell(s: Keyed, lang: str) -> str:
    if s.get("amount") is not None:
        return _money(Decimal(s["amount"]))
    if s.get("amount_min") is not None:
        return f"{_money(Decimal(s['amount_min']))}–{_money(Decimal(s.get('amount_max') or s['amount_min']))}"
    if _amount_open(s):
        return "amount open" if lang == "en" else "金额未定"
    if _amount_unknown(s):
        return "unknown" if lang == "en" else "未知"
    return ""


def write_csv(stream: Iterator[ReportRow], out: IO[str], options: WriteOptions) -> None:
    """One row per record: id, name, kind, status, violations, rules, one column per subsidy, errors.

    The subsidy columns are those of the first :data:`CSV_LOOKAHEAD` records; those records are held as their
    cells only (never as reports), so memory stays bounded however large the reports are.
    """
    lang = options.lang
    # Excel reads UTF-8 only with a BOM; written here so that a path and an open stream get the same bytes.
    out.write("\ufeff")
    if options.findings:
        _write_findings(stream, out, options)
        return
    ahead = [_Row.of(item, lang) for item in itertools.islice(stream, CSV_LOOKAHEAD)]
    _write_provenance(out, options)
    columns = _columns(ahead)
    writer = csv.writer(out)
    writer.writerow([*CSV_HEADERS[lang], *columns.values(), *CSV_TAIL[lang]])
    rows: Iterator[Any] = itertools.chain(
        ahead, (item if getattr(item, "verdict_block", False) else _Row.of(item, lang) for item in stream)
    )
    line_of = _line_of(columns, lang)
    for row in rows:
        if not isinstance(row, _Row):  # a block of verdict rows: written from the lines of its distinct outcomes
            out.write(row.csv_text(line_of))
            continue
        writer.writerow([_spreadsheet_text(cell) for cell in row.cells(columns, len(CSV_HEADERS[lang]))])


def _columns(ahead: Iterable[_Row]) -> dict[str, str]:
    """The subsidy columns (id → header) of the records read ahead, in the order they first appear."""
    columns: dict[str, str] = {}
    for row in ahead:
        for sid, title in row.titles.items():
            columns.setdefault(sid, f"{title}(元)" if title else sid)
    return columns


def subsidy_columns(items: Iterable[ReportRow], lang: str) -> dict[str, str]:
    """The subsidy columns :func:`write_csv` writes for a stream whose first :data:`CSV_LOOKAHEAD` items are
    ``items`` (``check --jobs`` learns them so, then has each part's rows written by :class:`CsvRows`)."""
    return _columns(_Row.of(item, lang) for item in itertools.islice(items, CSV_LOOKAHEAD))


class CsvRows:
    """The text of one data row as :func:`write_csv` writes it under known subsidy columns (a worker of
    ``check --jobs`` writes its part's rows so)."""

    def __init__(self, lang: str, columns: dict[str, str]):
        self._lang, self._columns, self._width = lang, columns, len(CSV_HEADERS[lang])
        self._out = io.StringIO()
        self._writer = csv.writer(self._out)

    def text(self, item: ReportRow) -> str:
        out = self._out
        out.seek(0)
        out.truncate()
        cells = _Row.of(item, self._lang).cells(self._columns, self._width)
        self._writer.writerow([_spreadsheet_text(cell) for cell in cells])
        return out.getvalue()


def _line_of(columns: dict[str, str], lang: str) -> Any:
    """The CSV line of one report dict, as :func:`write_csv` writes it under these subsidy columns."""
    rows = CsvRows(lang, columns)
    return lambda item: rows.text(report_row(item))


def _write_provenance(out: IO[str], options: WriteOptions) -> None:
    """A comment line per provenance of the reports read so far, above the header."""
    for provenance in options.summary.provenances.values():
        out.write("# " + provenance_line(provenance, options.lang) + "\r\n")


def _write_findings(stream: Iterator[ReportRow], out: IO[str], options: WriteOptions) -> None:
    """``--findings``: one row per finding of every report (and per error of every error row)."""
    writer = csv.writer(out)
    header_written = False
    for item in stream:
        if not header_written:  # after the first item, so that its provenance is known
            _write_provenance(out, options)
            writer.writerow(FINDING_COLUMNS)
            header_written = True
        for row in finding_rows(item, options.lang):
            cells = [";".join(row[c]) if c == "missing" else row[c] for c in FINDING_COLUMNS]
            writer.writerow([_spreadsheet_text(cell) for cell in cells])
    if not header_written:
        writer.writerow(FINDING_COLUMNS)


class _Row:
    """The cells of one record, before the subsidy columns are known."""

    __slots__ = ("errors", "head", "subsidies", "titles", "warnings")

    def __init__(
        self, head: list[Any], subsidies: dict[str, str], titles: dict[str, str | None], errors: str | None
    ) -> None:
        self.head, self.subsidies, self.titles, self.errors = head, subsidies, titles, errors
        self.warnings = ""  # a report's record warnings go in the last column (nothing the ledger gave is silent)

    @classmethod
    def of(cls, item: ReportRow, lang: str) -> _Row:
        if item.error is not None:
            return cls.of_error(item.error, lang)
        rules = dict.fromkeys(v["rule"] for v in item.violations)
        head = [
            item.id,
            item.name,
            item.kind,
            item.status,
            len(item.violations),
            ";".join(rules),
            ";".join(dict.fromkeys(f["rule"] for f in item.unknown)),
        ]
        titles = {s["id"]: s.get("title") if lang == "zh" else None for s in item.subsidies}
        row = cls(head, {s["id"]: _subsidy_cell(s, lang) for s in item.subsidies}, titles, None)
        row.warnings = "; ".join(_text(w, "message", lang) for w in record_warnings(item.warnings))
        return row

    @classmethod
    def of_error(cls, item: dict[str, Any], lang: str) -> _Row:
        """The row of an error row: its id, status ``error`` and every error, located."""
        errors = "; ".join(_error_text(item, e, lang) for e in item.get("errors") or ())
        return cls([item.get("id") or "", "", "", "error"], {}, {}, errors)

    def cells(self, columns: dict[str, str], width: int) -> list[Any]:
        if self.errors is not None:  # an error row
            return [*self.head, *[""] * (width - 4 + len(columns) + 1), self.errors]
        others = [f"{sid}={cell}" for sid, cell in self.subsidies.items() if sid not in columns and cell]
        return [*self.head, *(self.subsidies.get(sid, "") for sid in columns), ";".join(others), self.warnings]


def _spreadsheet_text(cell: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe (OWASP, "CSV injection").

    Text from a ledger or a policy starting with ``= + - @``, a tab or a carriage return is written ``'=…``: Excel
    and LibreOffice then show it as text. Numbers (``-3``, ``-100.00``) stay as they are.
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
