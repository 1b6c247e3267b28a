"""Ledger readers: one registry, :data:`READERS`, and :func:`read_rows`, which dispatches through it.

Adding a format is one entry here plus its module (see docs/extending.md); the CLI's help and the list of
formats in docs/ledgers.md are read from this table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from ..._lazy import Later, submodule
from ...errors import Location, Problem, RecordError
from ...vocabulary import KIND_ALIASES, KINDS
from .base import LedgerInput, LedgerNotice, RawRow, Reader, Table
from .columns import ColumnMap, column_map, unused_notice
from .csv import CsvPart, CsvPlan, PartRead, csv_parts, plan_csv, read_csv, read_csv_part
from .kinds import ambiguous_problem

# imported on first use (docs/performance.md, "Start-up"): a CSV ledger, or a policy load, never loads the workbook
# reader (python-calamine, zipfile, ElementTree), the JSON or the YAML reader
read_xlsx = Later(f"{__name__}.xlsx", "read_xlsx")
read_json = Later(f"{__name__}.json", "read_json")
read_jsonl = Later(f"{__name__}.json", "read_jsonl")
read_yaml = Later(f"{__name__}.yaml_doc", "read_yaml")


def __getattr__(name: str) -> Any:
    """A reader's module (``xlsx``, ``json``, ``yaml_doc``), imported when first asked for: their readers are imported
    on first use, and ``tuoyu_rules.records.readers.xlsx`` is an attribute as when this module imported them."""
    return submodule(__name__, name)


__all__ = [
    "READERS",
    "ColumnMap",
    "CsvPart",
    "CsvPlan",
    "LedgerInput",
    "LedgerNotice",
    "PartRead",
    "RawRow",
    "Reader",
    "Table",
    "csv_parts",
    "csv_ranges",
    "end_csv_ranges",
    "read_csv_range",
    "read_rows",
]

# format name -> reader; a file is read by the entry whose suffixes hold its suffix (or the --input-format given)
READERS: dict[str, Reader] = {
    "csv": Reader(
        ("csv", "tsv", "txt"),
        read_csv,
        "CSV 表格（UTF-8、带 BOM 的 UTF-8、GB18030 或带 BOM 的 UTF-16；tsv 以制表符分隔）",
        "CSV table (UTF-8, UTF-8 with BOM, GB18030 or UTF-16 with BOM; tsv is tab-separated)",
    ),
    "xlsx": Reader(
        ("xlsx", "xlsm", "xls", "ods"),
        read_xlsx,
        "工作簿：Excel、WPS、LibreOffice 保存的 xlsx/xlsm/xls/ods（所有工作表或 --sheet，班级/人员表按编号关联）",
        "workbook as Excel, WPS or LibreOffice saves it: xlsx/xlsm/xls/ods (all sheets or --sheet; class and staff sheets joined by id)",
    ),
    "json": Reader(
        ("json",), read_json, "JSON 文档：一条记录或记录列表", "JSON document: one record or a list of them"
    ),
    "jsonl": Reader(("jsonl", "ndjson"), read_jsonl, "JSON Lines：每行一条记录", "JSON Lines: one record per line"),
    "yaml": Reader(
        ("yaml", "yml"), read_yaml, "YAML 文档：一条记录或记录列表", "YAML document: one record or a list of them"
    ),
}


def read_rows(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    stdin: IO[bytes] | None = None,
    fmt: str | None = None,
    on_notice: Callable[[LedgerNotice], None] | None = None,
    header_row: int | None = None,
    columns: Mapping[str, str] | ColumnMap | None = None,
    kind: str | None = None,
    on_table: Callable[[Table], None] | None = None,
) -> Iterator[RawRow]:
    """Stream the rows of a ledger: one :class:`RawRow` per data row, in order, never raising for a bad row.

    ``path`` ``-`` is standard input (read as ``fmt``, default JSONL); otherwise the format is ``fmt`` or the file's
    suffix. ``on_notice`` is told each :class:`LedgerNotice` (an ignored header, rows skipped as layout, a sheet
    without a table, a kind read from the headers, a map entry no header matched) once, as the reader finds it.
    ``header_row`` (``--header-row``, the 1-based sheet row or CSV line) names the header instead of finding it.
    ``columns`` maps headers to field ids (``{"是否纳入普惠": "inclusive"}``) before the built-in headers; ``kind``
    (institution, region, residential_area, or 机构, 区域, 居住区) is the kind of every row of a CSV or sheet that has no 记录类型 column;
    ``on_table`` is told each :class:`Table` found. Raises :class:`RecordError` only when the input cannot be
    opened or decoded at all, or when ``columns`` maps a header to no field or ``kind`` is no kind.
    """
    source = str(path)
    p = None if source == "-" else Path(source)
    fmt_name = (fmt or (p.suffix.lower().lstrip(".") if p else "jsonl")).lower()
    if p is not None and not p.exists():
        raise RecordError(
            [Problem("record.unreadable", f"找不到文件 {source}", f"no such file: {source}", Location(file=source))]
        )
    reader = next((entry for entry in READERS.values() if fmt_name in entry.suffixes), None)
    if reader is None:
        raise RecordError(
            [
                Problem(
                    "record.unknown-format",
                    f"不支持的文件格式 '{fmt_name}'（支持 {'、'.join(READERS)}）",
                    f"unsupported format '{fmt_name}' ({', '.join(READERS)})",
                    Location(file=source),
                )
            ]
        )
    if header_row is not None and reader.read in (read_json, read_jsonl, read_yaml):  # never ignored in silence
        zh, en = (
            f"--header-row 只用于表格（CSV、Excel），不用于 {fmt_name}",
            f"--header-row is for tables (CSV, Excel), not {fmt_name}",
        )
        raise RecordError([Problem("record.bad-header-row", zh, en, Location(file=source))])
    tables: dict[str, Table] = {}

    def found(table: Table) -> None:
        tables[table.source] = table
        if on_table is not None:
            on_table(table)

    forced = _kind(kind, source)
    ledger = LedgerInput(
        p, stdin, source, fmt_name, encoding, sheet, on_notice, header_row, column_map(columns), forced, found
    )
    return _with_kinds(reader.read(ledger), ledger, tables)


def _kind(kind: str | None, source: str) -> str | None:
    """The kind ``kind`` names (an English kind, or a ledger word for one: 区域); raises when it names none."""
    if kind is None or kind in KINDS:
        return kind
    if kind.strip() in KIND_ALIASES:
        return KIND_ALIASES[kind.strip()]
    raise RecordError(
        [
            Problem(
                "record.unknown-kind",
                f"未知记录类型 '{kind}'，可选：{', '.join(KINDS)}",
                f"unknown kind '{kind}'; allowed: {', '.join(KINDS)}",
                Location(file=source, field="kind"),
                value=kind,
            )
        ]
    )


def _with_kinds(rows: Iterator[RawRow], ledger: LedgerInput, tables: dict[str, Table]) -> Iterator[RawRow]:
    """The rows, each of a table without a kind column given the kind its table is read as (a row of a table whose
    headers fit several kinds becomes an error row); at the end, the notice of the map entries no header matched."""
    for raw in rows:
        table = tables.get(raw.source)
        if table is not None and raw.data is not None and table.kind.how in ("forced", "sheet", "headers", "column"):
            if table.kind.kind is not None and "kind" not in raw.data:
                raw.data["kind"] = table.kind.kind
        elif table is not None and raw.data is not None and table.kind.how == "ambiguous":
            raw = RawRow(  # the data stays (the error row shows its id), with the problem that it cannot be checked
                raw.row,
                raw.source,
                raw.data,
                (ambiguous_problem(table.kind, raw.row, raw.source),),
                raw.text,
                raw.excel_row,
            )
        yield raw
    used = {header for table in tables.values() for header in table.mapper.used}
    if tables:
        ledger.notice(ledger.source, unused_notice(ledger.columns, used, ledger.source))
    elif ledger.columns and any(e.told for e in ledger.columns.entries):
        ledger.notice(
            ledger.source,
            (
                f"{ledger.source}：列映射只用于 CSV 和 Excel 的表头，此台账没有表头，未使用",
                f"{ledger.source}: the column map applies to CSV and Excel headers; this ledger has none, so it was not used",
            ),
        )


# ---- a CSV file in byte ranges (check --jobs): the same rows as read_rows, read by parts ---------------------------
def csv_ranges(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    fmt: str | None = None,
    on_notice: Callable[[LedgerNotice], None] | None = None,
    header_row: int | None = None,
    columns: Mapping[str, str] | ColumnMap | None = None,
    kind: str | None = None,
) -> CsvPlan | None:
    """How :func:`read_rows` with these options would read the body of a CSV file, for reading it in byte ranges
    (:func:`~.csv.csv_parts`, :func:`read_csv_range`); None, with nothing told or raised, when the input is no CSV
    file read so or cannot be cut exactly (:func:`~.csv.plan_csv`). Nothing is told until
    :meth:`CsvPlan.tell_header`; :func:`end_csv_ranges` tells the rest."""
    source = str(path)
    p = Path(source)
    fmt_name = (fmt or p.suffix.lower().lstrip(".")).lower()
    if source == "-" or not p.is_file() or fmt_name not in READERS["csv"].suffixes:
        return None
    try:
        ledger = LedgerInput(
            p, None, source, fmt_name, encoding, None, on_notice, header_row, column_map(columns), _kind(kind, source)
        )
    except RecordError:
        return None
    return plan_csv(ledger)


def read_csv_range(plan: CsvPlan, part: CsvPart, read: PartRead) -> Iterator[RawRow]:
    """The rows of one part of a CSV file's body as :func:`read_rows` gives them there (kinds too), if the part's
    assumptions hold (``read`` says: :class:`~.csv.PartRead`); ``plan`` has told its header."""
    assert plan.table is not None, "tell the header first (CsvPlan.tell_header)"
    quiet = LedgerInput(plan.ledger.path, None, plan.ledger.source, plan.ledger.fmt)
    return _with_kinds(read_csv_part(plan, part, read), quiet, {plan.ledger.source: plan.table})


def end_csv_ranges(plan: CsvPlan, reads: Iterable[PartRead]) -> None:
    """Tell what :func:`read_rows` tells once every row is read (rows skipped as layout, values without a header,
    map entries no header matched), from what reading each part found, in order."""
    ledger = plan.ledger
    plan.tell_end(reads)
    used = plan.table.mapper.used if plan.table is not None else set()
    ledger.notice(ledger.source, unused_notice(ledger.columns, used, ledger.source))
