"""``check --jobs N`` against ``--jobs 1`` on one CSV ledger: wall and CPU time of the whole command, rounds interleaved.

    python benchmarks/jobs.py                              # 100,000 generated rows, --format csv, row engine
    python benchmarks/jobs.py --rows 100000 --engine columnar --jobs 1 2 --rounds 3

Each round runs every configuration once, in turn (so a machine shared with other work slows them alike), and each
configuration keeps its best round (and the CPU time of that round: the command and its worker processes, user plus
system). The outputs must be byte-identical (asserted). The one-minute load average is printed before and after,
and its lowest and highest before each run: on a loaded machine the wall-time ratio says little, the CPU time less
so. Results go to standard output as a Markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_check(ledger: Path, out: Path, jobs: int, fmt: str, engine: str) -> tuple[float, float, str]:
    """(seconds, CPU seconds, SHA-256 of the output) of one ``check`` run in a fresh interpreter."""
    argv = [sys.executable, "-m", "tuoyu_rules", "check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30"]
    argv += ["--format", fmt, "--engine", engine, "--jobs", str(jobs), "-o", str(out), str(ledger)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and the workers it waited for
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"check failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, cpu, hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ledger", default=None, help="a CSV ledger (default: generate --rows rows)")
    parser.add_argument("--format", default="csv")
    parser.add_argument("--engine", default="row", choices=["row", "columnar"])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Path(args.ledger) if args.ledger else Path(tmp) / "ledger.csv"
        if not args.ledger:
            sys.path.insert(0, str(HERE))
            import generate

            generate.main(["--rows", str(args.rows), "--format", "csv", "--out", str(ledger)])
        load_before = os.getloadavg()
        best: dict[int, float] = {}
        cpu: dict[int, float] = {}
        digests: dict[int, str] = {}
        loads: list[float] = []
        for _ in range(args.rounds):
            for jobs in args.jobs:
                loads.append(os.getloadavg()[0])
                seconds, used, digest = run_check(ledger, Path(tmp) / f"out-{jobs}", jobs, args.format, args.engine)
                if seconds < best.get(jobs, float("inf")):
                    best[jobs], cpu[jobs] = seconds, used
                digests[jobs] = digest
        load_after = os.getloadavg()
    assert len(set(digests.values())) == 1, f"the outputs differ: {digests}"
    rows = sum(1 for _ in open(ledger, encoding="utf-8")) - 1 if args.ledger else args.rows
    print(f"`check --format {args.format} --engine {args.engine}` on {rows:,} rows, {os.cpu_count()} processors, ")
    print(
        f"best of {args.rounds} interleaved rounds; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
        f" ({min(loads):.2f}–{max(loads):.2f} before each run)"
    )
    print("\n| --jobs | seconds | rows/s | vs --jobs 1 | CPU seconds | CPU vs --jobs 1 |\n|---|---|---|---|---|---|")
    base = best.get(1)
    for jobs in args.jobs:
        ratio = f"{base / best[jobs]:.2f}×" if base else "-"
        share = f"{cpu[jobs] / cpu[1]:.2f}×" if 1 in cpu else "-"
        print(f"| {jobs} | {best[jobs]:.2f} | {rows / best[jobs]:,.0f} | {ratio} | {cpu[jobs]:.1f} | {share} |")
    print("\noutputs byte-identical: yes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
