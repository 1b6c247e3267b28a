"""Benchmark tuoyu-rules against a hand-written function and peer rule engines, on the same records.

    python benchmarks/run.py                 # 20,000 records, all engines, load/validate times, 1M-row memory
    python benchmarks/run.py --rows 100000 --big 0

Every engine must report the same violations as tuoyu-rules on the first records (asserted), so each row of the
table does equal work. Peer engines are optional: `pip install zen-engine rule-engine cel-python`.
Results go to standard output as a Markdown table; docs/performance.md records a run.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import engines  # noqa: E402
import generate  # noqa: E402

import tuoyu_rules  # noqa: E402
from tuoyu_rules.compiler import bundled_ids, compile_file, resolve_ref  # noqa: E402
from tuoyu_rules.evaluate import evaluate_record  # noqa: E402
from tuoyu_rules.records import normalize_record  # noqa: E402

AS_OF = datetime.date(2024, 6, 30)
# Runs the CLI and prints its own peak memory (VmHWM, kB) last on stderr. Not getrusage(RUSAGE_CHILDREN): a child
# started by vfork/exec inherits the parent's high-water mark there, so it would report this benchmark's own memory.
PEAK_OF_CHECK = """
import sys
from tuoyu_rules.cli import main
try:
    code = main(sys.argv[1:])
finally:
    with open("/proc/self/status") as status:
        print([line for line in status if line.startswith("VmHWM")][0].strip(), file=sys.stderr)
sys.exit(code)
"""
CHECK = 500  # records on which every engine must agree with tuoyu-rules


ROUNDS = 5  # every fast row runs once per round, rows taking turns; each row keeps its best round


def each(fn: Callable[[Any], Any], records: list[Any]) -> Callable[[], float]:
    """A timed run of ``fn`` on every record: returns seconds."""

    def run() -> float:
        gc.collect()
        start = time.perf_counter()
        for record in records:
            fn(record)
        return time.perf_counter() - start

    return run


def stream(fn: Callable[[list[Any]], Iterable[Any]], records: list[Any]) -> Callable[[], float]:
    """A timed run of a batch API that yields one output per record: returns seconds."""

    def run() -> float:
        gc.collect()
        start = time.perf_counter()
        for _item in fn(records):
            pass
        return time.perf_counter() - start

    return run


def measure(entries: list[tuple[str, Callable[[], float] | None, int, int]]) -> list[tuple[str, float]]:
    """Records/second of each (label, run, records, rounds), the rounds interleaved so that a slow or fast spell of
    the machine falls on every row alike rather than on whichever ran then; a row without ``run`` is not installed."""
    best = {label: float("inf") for label, *_ in entries}
    for turn in range(ROUNDS):
        for label, run, _n, rounds in entries:
            if run is not None and turn < rounds:
                best[label] = min(best[label], run())
    return [(label, n / best[label] if run is not None else float("nan")) for label, run, n, _ in entries]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--big", type=int, default=1_000_000, help="rows of the memory test CSV (0 to skip)")
    args = parser.parse_args(argv)

    # load times first, while this process is small: later its heap holds every engine's records, and a garbage
    # collection during a load would time the benchmark rather than the load
    load_times = {}
    for policy_id in bundled_ids():
        times = []
        for _ in range(5):
            gc.collect()
            start = time.perf_counter()
            compile_file(resolve_ref(policy_id))
            times.append((time.perf_counter() - start) * 1000)
        load_times[policy_id] = statistics.median(times)

    raw = list(generate.records(args.rows, args.seed))
    raw = [json.loads(json.dumps(r)) for r in raw]  # exactly what a JSONL ledger gives
    ten = tuoyu_rules.load_policy(HERE / "ten_checks.yaml")
    normalized = [normalize_record(r) for r in raw]

    ours = [frozenset(evaluate_record(ten.compiled, r, AS_OF).failed_rules()) for r in normalized[:CHECK]]
    expected = [engines.hand_written(r) for r in raw[:CHECK]]
    assert ours == expected, "tuoyu-rules and the hand-written function disagree"

    by_kind = ten.evaluate_many
    models = [tuoyu_rules.Institution(**r) for r in raw]
    quarter = raw[: len(raw) // 4]
    entries: list[tuple[str, Callable[[], float] | None, int, int]] = [
        ("hand-written Python function (the speed limit)", each(engines.hand_written, raw), len(raw), ROUNDS),
        (
            "**tuoyu-rules** `evaluate_many` (record validation + evaluation)",
            stream(lambda rs: (r.failed_rules() for r in by_kind(rs, as_of=AS_OF)), raw),
            len(raw),
            ROUNDS,
        ),
        (
            "**tuoyu-rules** evaluation only (records already validated)",
            each(lambda r: evaluate_record(ten.compiled, r, AS_OF).failed_rules(), normalized),
            len(raw),
            ROUNDS,
        ),
        (
            "**tuoyu-rules** `evaluate_many` on `Institution` models (checked once when built: a second policy)",
            stream(lambda rs: (r.failed_rules() for r in by_kind(rs, as_of=AS_OF)), models),
            len(raw),
            ROUNDS,
        ),
        (
            "**tuoyu-rules** `evaluate_many` + `to_dict()` (full JSON report)",
            stream(lambda rs: (r.to_dict() for r in by_kind(rs, as_of=AS_OF)), quarter),
            len(quarter),
            ROUNDS,
        ),
    ]
    if "luzhou_longmatan" in bundled_ids():
        luzhou = tuoyu_rules.load_policy("luzhou_longmatan")
        entries.append(
            (
                f"**tuoyu-rules** whole Luzhou policy ({len(luzhou.compiled.rules)} rules + subsidies), `evaluate_many`",
                stream(lambda rs: (r.status for r in luzhou.evaluate_many(rs, as_of=AS_OF)), raw),
                len(raw),
                ROUNDS,
            )
        )

    peers = [
        ("zen-engine, all checks in one compiled expression", "build_zen_combined", 1),
        ("zen-engine, one compiled expression per check", "build_zen_per_check", 1),
        ("simpleeval, expressions parsed once", "build_simpleeval_parsed", 1),
        ("rule-engine, one compiled Rule per check", "build_rule_engine", 4),
        ("simpleeval, re-parsing every expression per record", "build_simpleeval_naive", 4),
        ("cel-python, one compiled program per check", "build_cel", 20),
    ]
    for label, builder, divide in peers:
        try:
            check = getattr(engines, builder)()
        except ImportError as exc:
            entries.append((f"{label} (not installed: {exc.name})", None, 0, 0))
            continue
        got = [check(r) for r in raw[: CHECK // divide]]
        assert got == expected[: CHECK // divide], f"{label} disagrees with tuoyu-rules"
        part = raw[: len(raw) // divide]
        entries.append(
            (
                label + (f" (measured on {len(part):,} records, one round)" if divide > 1 else ""),
                each(check, part),
                len(part),
                1 if divide > 1 else ROUNDS,
            )
        )
    rows = measure(entries)
    hand = rows[0][1]

    print(f"## Ten Luzhou checks on {args.rows:,} synthetic institutions (seed {args.seed})\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}; command: `python benchmarks/run.py --rows {args.rows} --seed {args.seed}`\n"
    )
    print("| engine | records/s | × slower than hand-written |")
    print("|---|---:|---:|")
    for label, value in rows:
        ratio = hand / value if value == value else float("nan")
        print(f"| {label} | {value:,.0f} | {ratio:.1f}× |")

    print("\n## Policy load and validation\n")
    print("| policy | load + compile (median of 5, ms) |")
    print("|---|---:|")
    for policy_id, milliseconds in load_times.items():
        print(f"| {policy_id} | {milliseconds:.1f} |")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tuoyu_rules", "validate", str(ROOT / "policies")], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    print(
        f"\n`tuoyu-rules validate policies/` (a new process, examples included): {elapsed:.2f} s, exit {done.returncode}"
    )

    if args.big:
        with tempfile.TemporaryDirectory() as tmp:
            ledger = Path(tmp) / "big.csv"
            generate.main(["--rows", str(args.big), "--seed", str(args.seed), "--format", "csv", "--out", str(ledger)])
            size = ledger.stat().st_size / 1e6
            start = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    PEAK_OF_CHECK,
                    "check",
                    "--policy",
                    "luzhou_longmatan",
                    "--as-of",
                    AS_OF.isoformat(),
                    "--format",
                    "jsonl",
                    "-o",
                    os.devnull,
                    str(ledger),
                ],
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - start
            peak = int(done.stderr.strip().splitlines()[-1].split()[1]) / 1024  # "VmHWM:  43996 kB"
            print(
                f"\n`tuoyu-rules check --format jsonl` on a {args.big:,}-row CSV ({size:.0f} MB): {elapsed:.0f} s "
                f"({args.big / elapsed:,.0f} rows/s), peak memory {peak:.0f} MB, exit {done.returncode}"
            )
            if done.returncode not in (0, 1):
                print(done.stderr[-2000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
