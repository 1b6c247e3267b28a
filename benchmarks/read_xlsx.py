"""Reading a 100,000-row XLSX ledger: the workbook reader (python-calamine, after its byte scan of the sheet) against
openpyxl's read-only mode, the reader it replaces.

    python benchmarks/read_xlsx.py                  # 100,000 rows, 5 rounds
    python benchmarks/read_xlsx.py --rows 20000 --rounds 3

The ledger is generated with openpyxl (eight columns: ids, names, districts, ints, floats, yes/no text, dates and
decimals such as 139.1). Both readers must give the same rows (asserted: values compared after the readers' own
normalisation, whole floats as ints, empty cells as None). The two take turns over the rounds and each keeps its
best, so a slow spell of a shared machine falls on both alike. Results go to standard output as Markdown.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openpyxl

from tuoyu_rules.records.readers.base import LedgerInput
from tuoyu_rules.records.readers.book import open_book


def write_ledger(path: Path, rows: int) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("机构")
    sheet.append(["机构编号", "机构名称", "所属区县", "托位数", "月收费", "是否普惠", "备案日期", "建筑面积"])
    for i in range(rows):
        sheet.append(
            [
                f"J{i:06d}",
                f"机构{i}",
                "东城区",
                50 + i % 100,
                1200.5 + i % 7,
                "是" if i % 2 else "否",
                datetime.date(2023, 5, 1 + i % 28),
                139.1 + i % 3,
            ]
        )
    book.save(path)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    return value


def read_new(path: Path) -> list[list[Any]]:
    book = open_book(LedgerInput(path, None, str(path), "xlsx"))
    try:
        assert not book._xlsx_layout("机构").stream, "the sheet must be read by calamine, not streamed"
        return [cells for _, cells, _ in book.rows("机构")]
    finally:
        book.close()


def read_openpyxl(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out = []
        for row in book["机构"].iter_rows(values_only=True):
            cells = [_plain(v) for v in row]
            while cells and cells[-1] is None:
                cells.pop()
            out.append(cells)
        return out
    finally:
        book.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.xlsx"
        write_ledger(path, args.rows)
        size = path.stat().st_size
        best = {"calamine": float("inf"), "openpyxl": float("inf")}
        first: dict[str, list[list[Any]]] = {}
        for _ in range(args.rounds):
            for name, read in (("calamine", read_new), ("openpyxl", read_openpyxl)):
                start = time.perf_counter()
                rows = read(path)
                best[name] = min(best[name], time.perf_counter() - start)
                first.setdefault(name, rows)
        assert first["calamine"] == first["openpyxl"], "the two readers give different rows"
        assert len(first["calamine"]) == args.rows + 1
    out = io.StringIO()
    out.write(f"{args.rows:,} rows + header, {size / 1e6:.1f} MB xlsx, best of {args.rounds} interleaved rounds\n\n")
    out.write("| reader | time | rows/s |\n|---|---:|---:|\n")
    for name, label in (
        ("calamine", "workbook reader (byte scan + python-calamine)"),
        ("openpyxl", "openpyxl read-only"),
    ):
        out.write(f"| {label} | {best[name]:.2f} s | {args.rows / best[name]:,.0f} |\n")
    out.write(f"\nratio: {best['openpyxl'] / best['calamine']:.1f}x; same rows asserted\n")
    sys.stdout.write(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
