"""The XLSX reader (also ``.xlsm``): every sheet, or ``--sheet``; streamed row by row.

Sheets named 班级/classes and 人员/staff are joined by institution id onto the main rows (those two sheets are held
in memory); rows of sheets named 区域/regions and 居住区/residential_areas are regions and residential areas.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...errors import Location, Problem, RecordError
from ...vocabulary import KIND_SHEETS, SUBSHEETS
from .base import LedgerInput, RawRow
from .columns import RowMapper, header_key

if TYPE_CHECKING:
    from openpyxl import Workbook

_Joined = dict[str, dict[str, list[dict[str, Any]]]]  # target field -> institution id -> items of a subsheet


def read_xlsx(ledger: LedgerInput) -> Iterator[RawRow]:
    """One RawRow per non-blank data row of each main sheet, numbered across sheets; with several sheets the
    source names the sheet (``file.xlsx#Sheet1``)."""
    book = _load_workbook(ledger)
    try:
        extra = _subsheet_items(book)
        names = _main_sheets(book, ledger.sheet, ledger.source)
        yield from _sheet_rows(book, names, extra, ledger.source)
    finally:
        book.close()


def _load_workbook(ledger: LedgerInput) -> Workbook:
    import openpyxl

    try:
        return openpyxl.load_workbook(
            ledger.path if ledger.path is not None else io.BytesIO(ledger.stdin.read()),  # type: ignore[union-attr]
            read_only=True,
            data_only=True,
        )
    except Exception as exc:
        raise RecordError(
            [
                Problem(
                    "record.unreadable",
                    f"无法读取 Excel 文件 {ledger.source}：{exc}",
                    f"cannot read the workbook {ledger.source}: {exc}",
                    Location(file=ledger.source),
                )
            ]
        ) from None


def _subsheet(name: str) -> str | None:
    """The field (classes, staff) whose items a sheet of this name holds, or None for a main sheet."""
    return SUBSHEETS.get(name.strip().lower()) or SUBSHEETS.get(name.strip())


def _subsheet_items(book: Workbook) -> _Joined:
    """The class and staff sheets, keyed by institution id, to be joined onto the main rows (held in memory)."""
    extra: _Joined = {}
    for name in book.sheetnames:
        target = _subsheet(name)
        if target:
            rows = book[name].iter_rows(values_only=True)
            header = [header_key(str(h)) if h is not None else "" for h in next(rows, ())]
            for cells in rows:
                item = {h: _cell(v) for h, v in zip(header, cells, strict=False) if h and v not in (None, "")}
                owner = item.pop("institution_id", None) or item.pop("id", None)
                if owner is not None:
                    extra.setdefault(target, {}).setdefault(str(owner), []).append(item)
    return extra


def _main_sheets(book: Workbook, sheet: str | None, source: str) -> list[str]:
    """The sheets whose rows are records: ``--sheet`` if given (it must exist), else every sheet but subsheets."""
    names = [sheet] if sheet else [n for n in book.sheetnames if not _subsheet(n)]
    if sheet and sheet not in book.sheetnames:
        raise RecordError(
            [
                Problem(
                    "record.unknown-sheet",
                    f"没有工作表 '{sheet}'（有：{', '.join(book.sheetnames)}）",
                    f"no sheet '{sheet}' (there are: {', '.join(book.sheetnames)})",
                    Location(file=source),
                )
            ]
        )
    return names


def _sheet_rows(book: Workbook, names: list[str], extra: _Joined, source: str) -> Iterator[RawRow]:
    row_number = 0
    for name in names:
        rows = book[name].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            continue
        mapper = RowMapper([str(h) if h is not None else "" for h in first])
        kind = KIND_SHEETS.get(name.strip().lower()) or KIND_SHEETS.get(name.strip())
        for cells in rows:
            if all(c in (None, "") for c in cells):
                continue
            row_number += 1
            record = mapper.map([_cell(c) for c in cells])
            if kind and "kind" not in record:
                record["kind"] = kind
            key = str(record.get("id"))
            for target, table in extra.items():
                if key in table:
                    record[target] = [*record.get(target, []), *table[key]]
            yield RawRow(row_number, f"{source}#{name}" if len(names) > 1 else source, record)


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else str(value)
    return value
