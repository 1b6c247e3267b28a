"""XLSX for analysts: four sheets (reports, violations, subsidies, errors) written row by row in write-only mode."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from ..text import printable
from ._format import (
    STATUS_LABEL,
    _amount_open,
    _amount_unknown,
    _json_default,
    _missing,
    _text,
    record_warnings,
)
from .base import WriteOptions
from .provenance import PROVENANCE_SHEET, provenance_rows
from .rows import Keyed, ReportRow

__all__ = ["write_xlsx"]

MONEY_FORMAT = "0.00"
EXCEL_DIGITS = 15
"""Significant digits a spreadsheet number keeps (a double); a longer number is written as text."""
XLSX_SHEETS: dict[str, dict[str, tuple[str, list[tuple[str, int]]]]] = {
    "zh": {
        "reports": (
            "报告",
            [
                ("编号", 16),
                ("名称", 28),
                ("类型", 12),
                ("区县", 12),
                ("形式", 16),
                ("结果", 10),
                ("违规数", 8),
                ("违规规则", 36),
                ("信息不全规则", 28),
                ("补贴合计(元)", 14),
            ],
        ),
        "violations": (
            "违规",
            [
                ("编号", 16),
                ("名称", 28),
                ("规则", 28),
                ("说明", 48),
                ("实际", 10),
                ("要求", 10),
                ("整改", 40),
                ("条款", 14),
                ("文件", 36),
                ("对象", 14),
            ],
        ),
        "subsidies": (
            "补贴",
            [
                ("编号", 16),
                ("名称", 28),
                ("补贴", 22),
                ("是否符合", 10),
                ("金额", 14),
                ("最低", 14),
                ("最高", 14),
                ("周期", 8),
                ("依据", 40),
                ("说明", 36),
            ],
        ),
        "errors": (
            "错误",
            [
                ("行", 6),
                ("编号", 16),
                ("字段", 18),
                ("代码", 24),
                ("说明", 48),
                ("值", 16),
                ("文件", 24),
                ("工作表", 12),
                ("单元格", 10),
                ("表头", 18),
            ],
        ),
    },
    "en": {
        "reports": (
            "reports",
            [
                ("id", 16),
                ("name", 28),
                ("kind", 12),
                ("district", 12),
                ("form", 16),
                ("status", 10),
                ("violations", 10),
                ("violated_rules", 36),
                ("unknown_rules", 28),
                ("subsidy_total", 14),
            ],
        ),
        "violations": (
            "violations",
            [
                ("id", 16),
                ("name", 28),
                ("rule", 28),
                ("message", 48),
                ("observed", 10),
                ("required", 10),
                ("fix", 40),
                ("clause", 14),
                ("document", 36),
                ("subject", 14),
            ],
        ),
        "subsidies": (
            "subsidies",
            [
                ("id", 16),
                ("name", 28),
                ("subsidy", 22),
                ("eligible", 10),
                ("amount", 14),
                ("amount_min", 14),
                ("amount_max", 14),
                ("period", 8),
                ("basis", 40),
                ("note", 36),
            ],
        ),
        "errors": (
            "errors",
            [
                ("row", 6),
                ("id", 16),
                ("field", 18),
                ("code", 24),
                ("message", 48),
                ("value", 16),
                ("source", 24),
                ("sheet", 12),
                ("cell", 10),
                ("header", 18),
            ],
        ),
    },
}
ELIGIBLE = {"zh": {True: "是", False: "否", None: "未知"}, "en": {True: "yes", False: "no", None: "unknown"}}


EXCEL_ROWS = 1_048_576
"""Rows of an Excel sheet, the header included: a sheet that is full goes on in a numbered sheet of the same kind."""


class _Sheets:
    """The workbook's sheets by key, each with its header written, its row count and its number of columns."""

    def __init__(self, book: Any, lang: str) -> None:
        # openpyxl is imported when an XLSX is written, not when the CLI starts
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self._cell = WriteOnlyCell
        self._column_letter = get_column_letter
        self._bold = Font(bold=True)
        self._book = book
        self._headers = XLSX_SHEETS[lang]
        self.sheets: dict[str, Any] = {}
        self.rows: dict[str, int] = {}
        self.widths: dict[str, int] = {}
        self.full: list[tuple[Any, int, int]] = []  # (sheet, columns, rows) of the sheets that reached Excel's limit
        self.parts: dict[str, int] = {}
        for key, (sheet_name, _) in self._headers.items():
            self._start(key, sheet_name)

    def _start(self, key: str, sheet_name: str) -> None:
        header = self._headers[key][1]
        ws = self._book.create_sheet(sheet_name)
        ws.freeze_panes = "A2"  # written at the top of the sheet, so set before the first row
        for i, (_, width) in enumerate(header, 1):
            ws.column_dimensions[self._column_letter(i)].width = width
        cells = []
        for text, _ in header:
            cell = self._cell(ws, value=text)
            cell.font = self._bold
            cells.append(cell)
        ws.append(cells)
        self.sheets[key], self.rows[key], self.widths[key] = ws, 1, len(header)

    def money(self, key: str, value: Any) -> Any:
        """A numeric cell of the sheet ``key`` holding the exact decimal, formatted with two places."""
        if value is None:
            return None
        cell = self._cell(self.sheets[key], value=Decimal(value))  # type: ignore[arg-type]  # openpyxl writes Decimal exactly
        cell.number_format = MONEY_FORMAT
        return cell

    def append(self, key: str, values: list[Any]) -> None:
        if self.rows[key] >= EXCEL_ROWS:  # a sheet is full: the rows go on in "补贴 (2)", "补贴 (3)" …
            self.full.append((self.sheets[key], self.widths[key], self.rows[key]))
            self.parts[key] = self.parts.get(key, 1) + 1
            self._start(key, f"{self._headers[key][0]} ({self.parts[key]})")
        self.sheets[key].append([self._cell_of(key, value) for value in values])
        self.rows[key] += 1

    def _cell_of(self, key: str, value: Any) -> Any:
        """Numbers stay numbers; any text is a string cell (never a formula), its control characters escaped."""
        plain = _plain(value)
        if not isinstance(plain, str):
            return plain
        cell = self._cell(self.sheets[key], value=printable(plain))
        cell.data_type = "s"  # openpyxl would read '=…' as a formula: text from input is always text
        return cell

    def add_filters(self) -> None:
        current = [(ws, self.widths[key], self.rows[key]) for key, ws in self.sheets.items()]
        for ws, columns, rows in [*self.full, *current]:
            # the filter is written after the rows, so its range can be exact
            ws.auto_filter.ref = f"A1:{self._column_letter(columns)}{rows}"


def write_xlsx(stream: Iterator[ReportRow], out: Any, options: WriteOptions) -> None:
    """The four sheets to ``out`` (a path or a binary stream); money as numeric cells in ``0.00``."""
    from openpyxl import Workbook

    lang = options.lang
    book = Workbook(write_only=True)
    sheets = _Sheets(book, lang)
    for item in stream:
        if item.error is not None:
            _append_errors(sheets, item.error, lang)
            continue
        _append_report(sheets, item, lang)
        _append_violations(sheets, item, lang)
        _append_subsidies(sheets, item, lang)
        refused = record_warnings(item.warnings)
        if refused:  # a value no rule reads, refused: listed with the errors (its message says so)
            _append_errors(sheets, {"id": item.id, "errors": refused}, lang)
    sheets.add_filters()
    _provenance_sheet(book, options.summary.provenances.values(), lang)
    _save(book, out)


ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""The timestamp of every member of the zip: the earliest a zip can hold, so that equal reports give equal bytes."""


def _save(book: Any, out: Any) -> None:
    """Save ``book`` byte-identically for the same reports: fixed zip timestamps, no created/modified dates."""
    import shutil
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    class _FixedTimeZip(zipfile.ZipFile):
        def _member(self, name: str) -> zipfile.ZipInfo:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            return info

        def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
            name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
            super().writestr(self._member(name), data)

        def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
            # a write-only worksheet is a temporary file: copied in chunks, never read whole into memory
            with open(filename, "rb") as source, self.open(self._member(arcname), "w", force_zip64=True) as member:
                shutil.copyfileobj(source, member, 1 << 20)

    # openpyxl stamps both with the time of saving; the as-of date is in the reports themselves
    book.properties.created = book.properties.modified = datetime.datetime(*ZIP_TIME)
    with _FixedTimeZip(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()


def _provenance_sheet(book: Any, provenances: Iterable[dict[str, Any]], lang: str) -> None:
    """A last sheet, 来源 / provenance: one row per file of each policy chain that judged the reports."""
    rows = [row for p in provenances for row in provenance_rows(p)]
    if not rows:
        return
    ws = book.create_sheet(PROVENANCE_SHEET[lang])
    ws.append(["policy", "engine_version", "as_of", "path", "sha256"])
    for row in rows:
        ws.append(row)


def _append_errors(sheets: _Sheets, item: dict[str, Any], lang: str) -> None:
    for e in item.get("errors") or ():
        sheets.append(
            "errors",
            [
                item.get("row"),
                item.get("id"),
                e.get("field"),
                e.get("code"),
                _text(e, "message", lang),
                _plain(e.get("value")),
                item.get("source"),
                e.get("sheet"),
                e.get("cell"),
                e.get("header"),
            ],
        )


def _append_report(sheets: _Sheets, item: ReportRow, lang: str) -> None:
    violations = item.violations
    amounts = [Decimal(s["amount"]) for s in item.subsidies if s.get("amount") is not None]
    sheets.append(
        "reports",
        [
            item.id,
            item.name,
            item.kind,
            item.district,
            item.form,
            STATUS_LABEL[lang].get(item.status or "", item.status),
            len(violations),
            ";".join(dict.fromkeys(v["rule"] for v in violations)),
            ";".join(dict.fromkeys(f["rule"] for f in item.unknown)),
            sheets.money("reports", sum(amounts, Decimal(0)) if amounts else None),
        ],
    )


def _append_violations(sheets: _Sheets, item: ReportRow, lang: str) -> None:
    name = item.name
    for v in item.violations:
        citation = v.get("citation") or {}
        sheets.append(
            "violations",
            [
                item.id,
                name,
                v["rule"],
                _text(v, "message", lang),
                _plain(v.get("observed")),
                _plain(v.get("required")),
                _text(v, "fix", lang),
                citation.get("clause"),
                citation.get("document"),
                v.get("subject_id") or v.get("subject"),
            ],
        )


def _append_subsidies(sheets: _Sheets, item: ReportRow, lang: str) -> None:
    name = item.name
    for s in item.subsidies:
        note = _missing(s, lang) if s.get("missing") else _text(s, "note", lang)
        excluded = s.get("excluded_by") or {}
        sheets.append(
            "subsidies",
            [
                item.id,
                name,
                s["id"],
                ELIGIBLE[lang].get(s.get("eligible"), str(s.get("eligible"))),
                _amount_cell(sheets, s, lang),
                sheets.money("subsidies", s.get("amount_min")),
                sheets.money("subsidies", s.get("amount_max")),
                s.get("period"),
                _text(s, "basis", lang) or None,
                note or _text(excluded, "reason", lang) or None,
            ],
        )


def _amount_cell(sheets: _Sheets, s: Keyed, lang: str) -> Any:
    """The amount as a money cell, or words when there is none: 未知 (never 0.00) or 金额未定 (the document's)."""
    if _amount_unknown(s):
        return "unknown" if lang == "en" else "未知"
    if _amount_open(s):
        return "amount open" if lang == "en" else "金额未定"
    return sheets.money("subsidies", s.get("amount"))


def _plain(value: Any) -> Any:
    """A value a spreadsheet cell can hold: numbers stay numbers, everything else becomes text.

    A number that a spreadsheet cannot hold exactly (more than 15 significant digits, or not finite) is text too, so
    that no cell shows a number other than the report's.
    """
    if value is None or isinstance(value, (bool, str)) or hasattr(value, "number_format"):
        return value
    if isinstance(value, (int, float, Decimal)):
        exact = Decimal(value) if isinstance(value, int) else Decimal(str(value))
        if exact.is_finite() and len(exact.as_tuple().digits) <= EXCEL_DIGITS:
            return value
        return str(exact)  # str() of an int of more than 4,300 digits raises; of a Decimal it never does
    return json.dumps(value, ensure_ascii=False, default=_json_default)
