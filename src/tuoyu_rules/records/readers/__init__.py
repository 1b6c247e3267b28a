"""Ledger readers: one registry, :data:`READERS`, and :func:`read_rows`, which dispatches through it.

Adding a format is one entry here plus its module (see docs/extending.md); the CLI's help and the list of
formats in docs/ledgers.md are read from this table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from ...errors import Location, Problem, RecordError
from .base import LedgerInput, LedgerNotice, RawRow, Reader
from .csv import read_csv
from .json import read_json, read_jsonl
from .xlsx import read_xlsx
from .yaml_doc import read_yaml

__all__ = ["READERS", "LedgerInput", "LedgerNotice", "RawRow", "Reader", "read_rows"]

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
) -> Iterator[RawRow]:
    """Stream the rows of a ledger: one :class:`RawRow` per data row, in order, never raising for a bad row.

    ``path`` ``-`` is standard input (read as ``fmt``, default JSONL); otherwise the format is ``fmt`` or the file's
    suffix. ``on_notice`` is told each :class:`LedgerNotice` (an ignored header, rows skipped as layout, a sheet
    without a table) once, as the reader finds it. ``header_row`` (``--header-row``, the 1-based sheet row or CSV
    line) names the header instead of finding it. Raises :class:`RecordError` only when the input cannot be opened or decoded at all.
    """
    source = str(path)
    p = None if source == "-" else Path(source)
    kind = (fmt or (p.suffix.lower().lstrip(".") if p else "jsonl")).lower()
    if p is not None and not p.exists():
        raise RecordError(
            [Problem("record.unreadable", f"找不到文件 {source}", f"no such file: {source}", Location(file=source))]
        )
    reader = next((entry for entry in READERS.values() if kind in entry.suffixes), None)
    if reader is None:
        raise RecordError(
            [
                Problem(
                    "record.unknown-format",
                    f"不支持的文件格式 '{kind}'（支持 {'、'.join(READERS)}）",
                    f"unsupported format '{kind}' ({', '.join(READERS)})",
                    Location(file=source),
                )
            ]
        )
    if header_row is not None and reader.read in (read_json, read_jsonl, read_yaml):  # never ignored in silence
        zh, en = (
            f"--header-row 只用于表格（CSV、Excel），不用于 {kind}",
            f"--header-row is for tables (CSV, Excel), not {kind}",
        )
        raise RecordError([Problem("record.bad-header-row", zh, en, Location(file=source))])
    return reader.read(LedgerInput(p, stdin, source, kind, encoding, sheet, on_notice, header_row))
