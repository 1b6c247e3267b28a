"""`check --format csv` on a big XLSX ledger with the row and the columnar engine, beside the time the workbook
reader's cell layer takes merely to give the cells: wall time and peak memory (VmHWM) of each, in rounds that take
turns (the best time and the highest peak of each kept), the load average printed before and after. Each run is made
with the reader's two paths: ``new`` (a sheet past MAX_CALAMINE_GRID cells streamed by records/readers/sheetxml.py)
and ``old`` (as before: python-calamine up to MAX_WORKBOOK_GRID cells, openpyxl's streamed parser past it).

python benchmarks/columnar_xlsx.py --rows 100000 --rounds 3
python benchmarks/columnar_xlsx.py --rows 1000000 --rounds 1 --shared --ledger /tmp/1m.xlsx  # as Excel writes it
python benchmarks/columnar_xlsx.py --rows 200000 --rounds 1 --no-check      # memory of the cell layer alone
python benchmarks/columnar_xlsx.py --rows 500000 --rounds 1 --columnar-only --paths new

The ledger: the institutions of ``generate.py`` on one sheet (its 24 CSV columns: counts and areas as numbers, some
of them typed as text, yes/no as 是/否), written with openpyxl; ``--narrow`` instead writes read_xlsx.py's 8-column
ledger (ids, names, districts, ints, floats, yes/no, dates, decimals). The two engines' outputs are compared byte for
byte.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl

HERE = Path(__file__).resolve().parent


def _module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Each run prints its own peak memory (VmHWM, kB) last on stderr (not getrusage of the children: see run.py).
PEAK = """
import os, sys
if os.environ.get("TUOYU_BENCH_XLSX_PATH") == "old":  # the reader as it was: calamine up to the old grid bound
    from tuoyu_rules.records.readers import book as book_module
    scan = book_module._xlsx_scan
    def old_scan(data, part):
        layout = scan(data, part)
        layout.stream = layout.stream or layout.grid > book_module.MAX_WORKBOOK_GRID
        return layout
    init = book_module.Book.__init__
    def old_init(self, *args):  # and calamine opened with the workbook, as it was
        init(self, *args)
        self._calamine()
    book_module._xlsx_scan, book_module.MAX_CALAMINE_GRID = old_scan, 10**18
    book_module.Book.__init__ = old_init
try:
    if sys.argv[1] == "cells":
        from tuoyu_rules.records.readers.base import LedgerInput
        from tuoyu_rules.records.readers.book import open_book
        from pathlib import Path
        book = open_book(LedgerInput(Path(sys.argv[2]), None, sys.argv[2], "xlsx"))
        for name in book.sheetnames:
            for _ in book.rows(name):
                pass
        book.close()
        code = 0
    elif sys.argv[1] == "imports":
        from tuoyu_rules.records.readers.book import open_book
        from tuoyu_rules import cli
        code = 0
    else:
        from tuoyu_rules.cli import main
        code = main(sys.argv[1:])
finally:
    with open("/proc/self/status") as status:
        print([line for line in status if line.startswith("VmHWM")][0].strip(), file=sys.stderr)
sys.exit(code)
"""


def ledger_rows(rows: int, seed: int = 7) -> Iterator[list[Any]]:
    """The benchmark ledger's rows, its header first: ``generate.py``'s institutions by its 24 CSV columns."""
    generate = _module("generate")
    rng = random.Random(seed)
    yield list(generate.CSV_COLUMNS)
    for record in generate.records(rows, seed):
        flat = generate.flat(record)
        cells = []
        for key in generate.CSV_COLUMNS:
            value = flat.get(key, "")
            if isinstance(value, bool):
                value = "是" if value else "否"
            elif isinstance(value, Decimal):
                value = float(value)
            elif isinstance(value, int) and rng.random() < 0.1:
                value = str(value)  # a number typed as text
            cells.append(None if value == "" else value)
        yield cells


def write_ledger(path: Path, rows: int, seed: int = 7) -> None:
    """The ledger written by openpyxl (inline strings, Chinese as character references: ~1.1 KB of XML a row)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("机构")
    for cells in ledger_rows(rows, seed):
        sheet.append(cells)
    book.save(path)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{_PKG}/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sheet.main+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="r1" Type="{_REL}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet name="机构" sheetId="1" '
    'r:id="r1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="r1" '
    f'Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="r2" Type="{_REL}/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>',
}


def write_shared_ledger(path: Path, rows: int, seed: int = 7) -> None:
    """The same ledger as Excel writes it: strings in a shared-strings table (ids and names unique: about a
    million at 1,000,000 rows), UTF-8 text, numbers as their shortest repr; the sheet XML written as it is made."""
    strings: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            for line, cells in enumerate(ledger_rows(rows, seed), 1):
                out.write(_row_xml(line, cells, strings).encode())
            out.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(f'<sst xmlns="{_MAIN}" uniqueCount="{len(strings)}">'.encode())
            for text in strings:
                out.write(f"<si><t>{escape(text)}</t></si>".encode())
            out.write(b"</sst>")


def _row_xml(line: int, cells: list[Any], strings: dict[str, int]) -> str:
    out = []
    for col, value in enumerate(cells):
        ref = f"{openpyxl.utils.get_column_letter(col + 1)}{line}"
        if isinstance(value, str):
            index = strings.setdefault(value, len(strings))
            out.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        elif value is not None:
            out.append(f'<c r="{ref}"><v>{value!r}</v></c>')
    return f'<row r="{line}">{"".join(out)}</row>'


def run(*args: str, path: str = "new") -> tuple[float, float]:
    """(wall s, peak MB) of one child process, reading workbooks by the ``new`` or the ``old`` path."""
    start = time.perf_counter()
    env = {**os.environ, "TUOYU_BENCH_XLSX_PATH": path}
    done = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr[-2000:])
    return wall, int(done.stderr.strip().splitlines()[-1].split()[1]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--policy", default="luzhou_longmatan")
    parser.add_argument("--narrow", action="store_true", help="read_xlsx.py's 8-column ledger")
    parser.add_argument("--shared", action="store_true", help="strings in a shared-strings table, as Excel writes")
    parser.add_argument("--no-check", action="store_true", help="only the cell layer (memory)")
    parser.add_argument("--columnar-only", action="store_true", help="not the row engine (slow on big ledgers)")
    parser.add_argument("--paths", default="new,old", help="the reader's paths to run: new, old or both")
    parser.add_argument("--ledger", type=Path, help="the workbook to read (written there if it does not exist)")
    parser.add_argument("--only", default="", help="comma-separated parts of the names of the runs to make")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.ledger or Path(tmp) / "ledger.xlsx"
        if not path.exists():
            writer = _module("read_xlsx").write_ledger if args.narrow else write_ledger
            (write_shared_ledger if args.shared else writer)(path, args.rows)
        engines = () if args.no_check else ("columnar",) if args.columnar_only else ("row", "columnar")
        runs = _runs(path, Path(tmp), args.policy, engines, args.paths.split(","))
        if args.only:
            runs = {name: run for name, run in runs.items() if any(part in name for part in args.only.split(","))}
        best: dict[str, list[float]] = {}
        digests = set()
        for _ in range(args.rounds):
            for name, (how, argv_) in runs.items():
                wall, peak = run(*argv_, path=how)
                print(f"  {name}: {wall:.2f} s, {peak:.0f} MB", file=sys.stderr, flush=True)
                old = best.get(name, [wall, peak])
                best[name] = [min(wall, old[0]), max(peak, old[1])]
                if argv_[0] == "check":
                    digests.add(hashlib.sha256(Path(argv_[argv_.index("-o") + 1]).read_bytes()).hexdigest())
        size = path.stat().st_size / 1e6
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\n{args.rows:,} rows, {size:.1f} MB xlsx, best of {args.rounds} interleaved rounds\n")
    print("| run | wall s (best) | peak MB (highest) |\n|---|---:|---:|")
    for name, (wall, peak) in best.items():
        print(f"| {name} | {wall:.2f} | {peak:.0f} |")
    if engines:
        same = len(digests) == 1
        print("\noutputs identical (every engine and path)" if same else "\nOUTPUTS DIFFER")
        return 0 if same else 1
    return 0


def _runs(
    path: Path, tmp: Path, policy: str, engines: tuple[str, ...], paths: list[str]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The runs of a round, by name: (reader path, child arguments)."""
    runs: dict[str, tuple[str, tuple[str, ...]]] = {"python + imports": ("new", ("imports",))}
    for how in paths:
        runs[f"cells only ({how})"] = (how, ("cells", str(path)))
    check = ("check", "--policy", policy, "--as-of", "2025-06-01", "--format", "csv")
    for engine in engines:
        for how in paths:
            out = str(tmp / f"{engine}-{how}.csv")
            runs[f"check --engine {engine} ({how})"] = (how, (*check, "--engine", engine, "-o", out, str(path)))
    return runs


if __name__ == "__main__":
    raise SystemExit(main())
