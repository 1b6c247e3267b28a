"""Whether ``check`` can and should take the columnar engine; importable without polars (it only probes for it)."""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

AUTO_ROWS = 20_000
"""``check --engine auto`` takes the columnar engine from this many ledger lines on (below, start-up costs more)."""

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
BYTES_PER_ROW = 200
"""A workbook without a sheet dimension (an ``.xls``, an ``.ods``) is counted as a row per this many bytes of its
file (an ``.xls``) or of its ``content.xml``: an estimate, for the choice of engine only, never for a result."""


def polars_installed() -> bool:
    return importlib.util.find_spec("polars") is not None


def why_not(inputs: Sequence[str], fmt: str, overrides: bool, input_format: str | None = None) -> str | None:
    """Why the columnar engine cannot check these inputs (None: it can)."""
    if input_format is not None:
        return "--input-format: row engine only"
    if not polars_installed():
        return "polars is not installed (pip install 'tuoyu-rules[columnar]')"
    if fmt != "csv":
        return "the columnar engine writes --format csv only"
    if overrides:
        return "--set compares two policies: row engine only"
    for text in inputs:
        suffix = Path(text).suffix.lower()
        if text == "-" or suffix not in (*CSV_SUFFIXES, *WORKBOOK_SUFFIXES) or not Path(text).is_file():
            return f"{text}: the columnar engine reads CSV files and workbooks (xlsx, xlsm, xls, ods) only"
    return None


def big_enough(inputs: Sequence[str], rows: int = AUTO_ROWS) -> bool:
    """True once the inputs hold at least ``rows`` lines (counted in binary chunks, stopping there; a workbook's
    rows from its sheets' dimensions, :func:`workbook_rows`)."""
    seen = 0
    for text in inputs:
        if Path(text).suffix.lower() in WORKBOOK_SUFFIXES:
            seen += workbook_rows(text)
            if seen >= rows:
                return True
            continue
        with open(text, "rb") as f:
            while chunk := f.read(1 << 20):
                seen += chunk.count(b"\n")
                if seen >= rows:
                    return True
    return False


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}([0-9]{1,7}))?"')


def workbook_rows(path: str) -> int:
    """About how many rows a workbook holds, without reading its cells: an XLSX sheet's ``<dimension>`` (its last
    row, from the first kilobytes of the sheet's XML), else :data:`BYTES_PER_ROW`; 0 when it cannot be opened."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in archive.infolist():
                if info.filename == "content.xml":
                    total += info.file_size // BYTES_PER_ROW
                elif info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as sheet:
                        found = _DIMENSION.search(sheet.read(4096))
                    total += int(found.group(1) or 1) if found else info.file_size // BYTES_PER_ROW
            return total
    except (zipfile.BadZipFile, OSError, ValueError):  # an .xls (no zip), or a damaged file: its size
        try:
            return Path(path).stat().st_size // BYTES_PER_ROW
        except OSError:
            return 0
