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
4. With ``--then SRC`` (the ``src`` of an older tree), a report's JSON line then and now (``json_then_now.py``: a
   worker process per tree, taking turns round by round), and where ``to_dict()``'s time goes: with the collector
   on and off, dicts kept or dropped, the objects the collector tracks per dict, and the floor of merely keeping
   dicts of that shape (copies of one report's dict, built in C).
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


def _tracked(value: Any, seen: set[int]) -> int:
    """The objects of ``value`` the cyclic collector tracks (each counted once: shared citations once)."""
    if id(value) in seen:
        return 0
    seen.add(id(value))
    count = int(gc.is_tracked(value))
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return count + sum(_tracked(v, seen) for v in items)


def _copy(value: Any) -> Any:
    """A copy of a report dict with containers of its own but its findings' citations, as to_dict() shares them."""
    if isinstance(value, dict):
        out = value.copy()
        for k, v in out.items():
            if isinstance(v, (dict, list)) and k != "citation":
                out[k] = _copy(v)
        return out
    if isinstance(value, list):
        return [_copy(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def _off(run: Callable[[], Any]) -> Callable[[], Any]:
    def without_collector() -> Any:
        gc.disable()
        try:
            return run()
        finally:
            gc.enable()

    return without_collector


def to_dict_anatomy(rows: int, seed: int, rounds: int) -> list[tuple[str, float]]:
    """Seconds of the ways of making ``to_dict()`` of every report, rounds interleaved (item 2 of issue 18). The
    copies of one report's dict tell what merely keeping dicts of this shape costs the collector (kept minus off),
    whatever builds them."""
    raw = [json.loads(json.dumps(r)) for r in whole_policy.records(rows, seed)]
    policy = tuoyu_rules.load_policy(POLICY)
    reference = whole_policy.Reference(dict(policy.compiled.params_at(AS_OF).point))
    one = next(iter(policy.evaluate_many(raw[:1], as_of=AS_OF))).to_dict()

    def many() -> Any:
        return policy.evaluate_many(raw, as_of=AS_OF)

    def kept() -> Any:
        return [r.to_dict() for r in many()]

    entries = {
        "reference, with validation": timed(lambda: [reference.validated(r) for r in raw]),
        "streamed, `failed_rules()`": timed(lambda: [r.failed_rules() for r in many()]),
        "`to_dict()` of every report, kept (the target's measure)": timed(kept),
        "the same, the collector off (`gc.disable()`)": timed(_off(kept)),
        "`to_dict()` of every report, each dropped at once": timed(lambda: [r.to_dict() and None for r in many()]),
        "copies of one report's dict (its shape and tracked objects), kept": timed(lambda: [_copy(one) for _ in raw]),
        "the same copies, the collector off": timed(_off(lambda: [_copy(one) for _ in raw])),
    }
    best = best_of(entries, rounds)
    sample = [r.to_dict() for r in policy.evaluate_many(raw[:200], as_of=AS_OF)]
    seen: set[int] = set()
    per_dict = sum(_tracked(d, seen) for d in sample) / len(sample)
    best[
        f"(objects the collector tracks per report dict: {per_dict:.1f}; of one report's copy: "
        f"{_tracked(_copy(one), set()):.0f})"
    ] = 0.0
    return list(best.items())


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
    parser.add_argument(
        "--then", help="an older tree's src: its JSON lines against this tree's, and to_dict()'s anatomy"
    )
    args = parser.parse_args(argv)
    if args.then:
        return then_and_now(args)

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


def then_and_now(args: argparse.Namespace) -> int:
    """Part 4: the JSON line then and now, and where to_dict()'s time goes (no CLI runs)."""
    import json_then_now

    print(f"Load average before: {os.getloadavg()[0]:.2f}")
    facts, best = json_then_now.measure(args.then, args.rows, args.rounds)
    print(f"### A report's JSON line, then ({args.then}) and now (best of {args.rounds} rounds, CPU time)")
    print(json_then_now.table(facts, best))
    results = to_dict_anatomy(args.rows, args.seed, args.rounds)
    base = results[0][1]
    print(f"\n### `to_dict()` on {args.rows:,} whole-policy institutions (best of {args.rounds} rounds)\n")
    print("| path | µs per record | × the reference with validation |\n|---|---:|---:|")
    for label, seconds in results:
        if seconds:
            print(f"| {label} | {seconds / args.rows * 1e6:.1f} | {seconds / base:.2f}× |")
        else:
            print(f"\n{label}")
    print(f"Load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
