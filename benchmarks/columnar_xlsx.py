"""`check --format csv` on a big XLSX ledger with the row and the columnar engine, beside the time the workbook
reader's cell layer (python-calamine) takes merely to give the cells: wall time and peak memory (VmHWM) of each, in
rounds that take turns (the best time and the highest peak of each kept), the load average printed before and after.

python benchmarks/columnar_xlsx.py --rows 100000 --rounds 3
python benchmarks/columnar_xlsx.py --rows 200000 --rounds 1 --no-check      # memory of the cell layer alone
python benchmarks/columnar_xlsx.py --rows 500000 --rounds 1 --columnar-only # a sheet past the calamine grid bound

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
from decimal import Decimal
from pathlib import Path
from typing import Any

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
import sys
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


def write_ledger(path: Path, rows: int, seed: int = 7) -> None:
    generate = _module("generate")
    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("机构")
    sheet.append(generate.CSV_COLUMNS)
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
        sheet.append(cells)
    book.save(path)


def run(*args: str) -> tuple[float, float]:
    """(wall s, peak MB) of one child process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True)
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
    parser.add_argument("--no-check", action="store_true", help="only the cell layer (memory)")
    parser.add_argument("--columnar-only", action="store_true", help="not the row engine (slow on big ledgers)")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.xlsx"
        (_module("read_xlsx").write_ledger if args.narrow else write_ledger)(path, args.rows)
        runs: dict[str, tuple[str, ...]] = {
            "python + imports": ("imports",),
            "cells only (calamine)": ("cells", str(path)),
        }
        check = ["check", "--policy", args.policy, "--as-of", "2025-06-01", "--format", "csv"]
        engines = () if args.no_check else ("columnar",) if args.columnar_only else ("row", "columnar")
        if engines:
            for engine in engines:
                runs[f"check --engine {engine}"] = (*check, "--engine", engine, "-o", f"{tmp}/{engine}.csv", str(path))
        best: dict[str, list[float]] = {}
        digests = set()
        for _ in range(args.rounds):
            for name, argv_ in runs.items():
                wall, peak = run(*argv_)
                old = best.get(name, [wall, peak])
                best[name] = [min(wall, old[0]), max(peak, old[1])]
            for engine in engines:
                digests.add((engine, hashlib.sha256(Path(f"{tmp}/{engine}.csv").read_bytes()).hexdigest()))
        size = path.stat().st_size / 1e6
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\n{args.rows:,} rows, {size:.1f} MB xlsx, best of {args.rounds} interleaved rounds\n")
    print("| run | wall s (best) | peak MB (highest) |\n|---|---:|---:|")
    for name, (wall, peak) in best.items():
        print(f"| {name} | {wall:.2f} | {peak:.0f} |")
    if len(engines) == 2:
        same = len({digest for _, digest in digests}) == 1
        row, columnar, cells = (
            best["check --engine row"][0],
            best["check --engine columnar"][0],
            best["cells only (calamine)"][0],
        )
        print(f"\nrow / columnar: {row / columnar:.1f}x; columnar / cells only: {columnar / cells:.1f}x")
        print("outputs identical" if same else "OUTPUTS DIFFER")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
