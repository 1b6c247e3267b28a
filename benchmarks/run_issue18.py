"""The targets of issue 18, measured in one run as ratios to the hand-written whole policy (run by hand).

    python benchmarks/run_issue18.py                      # 20,000 records, 100,000-row CSV, 1,000,000-row memory
    python benchmarks/run_issue18.py --rows 5000 --csv-rows 20000 --big 0   # a quick look

1. The whole luzhou_longmatan policy, in process, on complete synthetic institutions (``whole_policy.records``):
   the hand-written reference with and without validation, ``evaluate_many`` streamed (``failed_rules()``), kept
   (``list(...)``), with ``to_dict()``, and ``write_reports(..., "csv")`` fed with reports (row views) or with their
   dicts. The reference is first asserted to agree with the engine on every record (failed and unknown rules, the
   three subsidies with their Decimal amounts, the four benefits), so it does the same work. Rows take turns over
   the rounds and each keeps its best, so a slow spell of a shared machine falls on every row alike.
2. ``tuoyu-rules check --format csv`` on a CSV ledger (``generate.py``, seed 7) against Python's csv module merely
   reading the same file, best of the rounds, each engine that can run.
3. Peak memory (the check process's own VmHWM) of ``check --format csv`` on a 1,000,000-row CSV.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gc
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import whole_policy  # noqa: E402
from run import PEAK_OF_CHECK  # noqa: E402

import tuoyu_rules  # noqa: E402
from tuoyu_rules.writers import write_reports  # noqa: E402

AS_OF = datetime.date(2024, 6, 30)
POLICY = "luzhou_longmatan"


def timed(run: Callable[[], Any]) -> Callable[[], float]:
    def once() -> float:
        gc.collect()
        start = time.perf_counter()
        run()
        return time.perf_counter() - start

    return once


def best_of(entries: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Seconds of each entry: the best of ``rounds`` turns, the entries taking turns."""
    best = {label: float("inf") for label in entries}
    for _ in range(rounds):
        for label, run in entries.items():
            best[label] = min(best[label], run())
    return best


def in_process(rows: int, seed: int, rounds: int) -> list[tuple[str, float]]:
    raw = [json.loads(json.dumps(r)) for r in whole_policy.records(rows, seed)]  # exactly what JSONL gives
    policy = tuoyu_rules.load_policy(POLICY)
    reference = whole_policy.Reference(dict(policy.compiled.params_at(AS_OF).point))
    for record, report in zip(raw, policy.evaluate_many(raw, as_of=AS_OF), strict=True):
        engine = whole_policy.engine_verdict(report)
        assert engine == reference.validated(record) == reference.verdict(record), record["id"]

    def many() -> Any:
        return policy.evaluate_many(raw, as_of=AS_OF)

    dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode  # as the JSONL writer encodes

    entries = {
        "hand-written whole policy, with validation (the reference)": timed(
            lambda: [reference.validated(r) for r in raw]
        ),
        "hand-written whole policy, without validation": timed(lambda: [reference.verdict(r) for r in raw]),
        "`evaluate_many`, streamed, `failed_rules()`": timed(lambda: [r.failed_rules() for r in many()]),
        "`list(evaluate_many(...))`, reports kept": timed(lambda: list(many())),
        "`evaluate_many` + `to_dict()`": timed(lambda: [r.to_dict() for r in many()]),
        "`evaluate_many` + `json.dumps(to_dict())` (a JSON line from the dict)": timed(
            lambda: [dumps(r.to_dict()) for r in many()]
        ),
        "`evaluate_many` + `to_json()` (the same bytes)": timed(lambda: [r.to_json() for r in many()]),
        '`write_reports(evaluate_many(...), "csv")` (row views)': timed(
            lambda: write_reports(many(), "csv", io.StringIO())
        ),
        '`write_reports` of `to_dict()`s, `"csv"` (as before)': timed(
            lambda: write_reports((r.to_dict() for r in many()), "csv", io.StringIO())
        ),
    }
    best = best_of(entries, rounds)
    return [(label, seconds) for label, seconds in best.items()]


def check_argv(ledger: Path, engine: str) -> list[str]:
    return [
        "check",
        "--policy",
        POLICY,
        "--as-of",
        AS_OF.isoformat(),
        "--format",
        "csv",
        "--engine",
        engine,
        "-o",
        os.devnull,
        str(ledger),
    ]


def run_check(ledger: Path, engine: str) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one ``check --format csv`` in a new process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_OF_CHECK, *check_argv(ledger, engine)], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr[-2000:])
    peak = int(done.stderr.strip().splitlines()[-1].split()[1]) / 1024  # "VmHWM:  43996 kB"
    return elapsed, peak, done.returncode


def read_only(ledger: Path) -> float:
    gc.collect()
    start = time.perf_counter()
    with open(ledger, encoding="utf-8", newline="") as f:
        for _row in csv.reader(f):
            pass
    return time.perf_counter() - start


def engines() -> list[str]:
    from tuoyu_rules.columnar.choose import polars_installed

    return ["row", "columnar"] if polars_installed() else ["row"]


def cli(rows: int, seed: int, rounds: int, tmp: Path) -> tuple[float, dict[str, tuple[float, float]]]:
    ledger = tmp / f"ledger_{rows}.csv"
    generate.main(["--rows", str(rows), "--seed", str(seed), "--format", "csv", "--out", str(ledger)])
    read = float("inf")
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        read = min(read, min(read_only(ledger) for _ in range(5)))
        for engine in engines():
            seconds, peak, _code = run_check(ledger, engine)
            if engine not in best or seconds < best[engine][0]:
                best[engine] = (seconds, peak)
    return read, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="complete institutions, in process")
    parser.add_argument(
        "--csv-rows", type=int, default=100_000, help="rows of the CSV ledger the CLI checks (0 to skip the CLI)"
    )
    parser.add_argument("--big", type=int, default=1_000_000, help="rows of the memory test CSV (0 to skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}; `python benchmarks/run_issue18.py --rows {args.rows} --csv-rows {args.csv_rows} "
        f"--big {args.big}`\n"
    )
    results = in_process(args.rows, args.seed, args.rounds)
    base = results[0][1]
    print(f"### The whole {POLICY} policy on {args.rows:,} complete institutions (best of {args.rounds} rounds)\n")
    print("| path | records/s | × the reference with validation |")
    print("|---|---:|---:|")
    for label, seconds in results:
        print(f"| {label} | {args.rows / seconds:,.0f} | {seconds / base:.2f}× |")

    if not args.csv_rows:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        read, best = cli(args.csv_rows, args.seed, max(1, args.rounds // 2), Path(tmp))
        print(f"\n### `check --format csv` on a {args.csv_rows:,}-row CSV (best of {max(1, args.rounds // 2)})\n")
        print("| run | seconds | × csv module reading | peak MB |")
        print("|---|---:|---:|---:|")
        print(f"| Python's csv module, read only | {read:.2f} | 1.0× | |")
        for engine, (seconds, peak) in best.items():
            print(f"| `--engine {engine}` | {seconds:.2f} | {seconds / read:.0f}× | {peak:.0f} |")
        if args.big:
            ledger = Path(tmp) / "big.csv"
            generate.main(["--rows", str(args.big), "--seed", str(args.seed), "--format", "csv", "--out", str(ledger)])
            print(f"\n### `check --format csv` on a {args.big:,}-row CSV (one run)\n")
            print("| engine | seconds | rows/s | peak MB |")
            print("|---|---:|---:|---:|")
            for engine in engines():
                seconds, peak, _code = run_check(ledger, engine)
                print(f"| `--engine {engine}` | {seconds:.0f} | {args.big / seconds:,.0f} | {peak:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
