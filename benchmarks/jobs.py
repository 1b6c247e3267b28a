"""``check --jobs N`` against ``--jobs 1`` on one CSV ledger: wall and CPU time of the whole command, rounds interleaved.

    python benchmarks/jobs.py                              # 100,000 generated rows, --format csv, row engine
    python benchmarks/jobs.py --rows 100000 --engine columnar --jobs 1 2 --rounds 3

Each round runs every configuration once, in turn (so a machine shared with other work slows them alike), and each
configuration keeps its best round (and the CPU time of that round: the command and its worker processes, user plus
system) and its peak memory: the command and its workers together, their resident memory summed, sampled every 50 ms
from /proc (Linux; for one process it reads as its VmHWM does, within a few MB). The outputs must be byte-identical
(asserted). The one-minute load average is printed before and after,
and its lowest and highest before each run: on a loaded machine the wall-time ratio says little, the CPU time less
so. Results go to standard output as a Markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def tree_rss(root: int) -> int:
    """The resident memory (bytes) of a process and all its descendants now, from /proc (0 when it is gone)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    parents[int(entry)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


def run_check(ledger: Path, out: Path, jobs: int, fmt: str, engine: str) -> tuple[float, float, str, int]:
    """(seconds, CPU seconds, SHA-256 of the output, peak resident memory of the command and its workers together,
    sampled every 50 ms) of one ``check`` run in a fresh interpreter."""
    argv = [sys.executable, "-m", "tuoyu_rules", "check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30"]
    argv += ["--format", fmt, "--engine", engine, "--jobs", str(jobs), "-o", str(out), str(ledger)]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_rss(proc.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # the command and the workers it waited for
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check failed ({proc.returncode}): {err[-2000:].decode(errors='replace')}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, hashlib.sha256(out.read_bytes()).hexdigest(), peak[0]


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
        together: dict[int, int] = {}
        digests: dict[int, str] = {}
        loads: list[float] = []
        for _ in range(args.rounds):
            for jobs in args.jobs:
                loads.append(os.getloadavg()[0])
                got = run_check(ledger, Path(tmp) / f"out-{jobs}", jobs, args.format, args.engine)
                seconds, used, digest, tree = got
                if seconds < best.get(jobs, float("inf")):
                    best[jobs], cpu[jobs] = seconds, used
                together[jobs] = max(together.get(jobs, 0), tree)
                digests[jobs] = digest
        load_after = os.getloadavg()
    assert len(set(digests.values())) == 1, f"the outputs differ: {digests}"
    rows = sum(1 for _ in open(ledger, encoding="utf-8")) - 1 if args.ledger else args.rows
    print(f"`check --format {args.format} --engine {args.engine}` on {rows:,} rows, {os.cpu_count()} processors, ")
    print(
        f"best of {args.rounds} interleaved rounds; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
        f" ({min(loads):.2f}–{max(loads):.2f} before each run)"
    )
    print(
        "\n| --jobs | seconds | rows/s | vs --jobs 1 | CPU seconds | CPU vs --jobs 1 | peak MB, all processes |"
        "\n|---|---|---|---|---|---|---|"
    )
    base = best.get(1)
    for jobs in args.jobs:
        ratio = f"{base / best[jobs]:.2f}×" if base else "-"
        share = f"{cpu[jobs] / cpu[1]:.2f}×" if 1 in cpu else "-"
        mb = f"{together[jobs] / 1e6:.0f}"
        print(f"| {jobs} | {best[jobs]:.2f} | {rows / best[jobs]:,.0f} | {ratio} | {cpu[jobs]:.1f} | {share} | {mb} |")
    print("\noutputs byte-identical: yes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
