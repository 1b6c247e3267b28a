"""`check --format csv` with the columnar engine on big CSV ledgers: wall time, CPU time and peak memory, with the
time Python's csv module takes merely to read each file, in rounds that take turns (the best round of each kept).

python benchmarks/columnar.py /tmp/ledger_100k.csv /tmp/ledger_1m.csv --rounds 3 [--policy ID …] [--as-of DATE]
    [--other-src OLD/src] [--row]

``--other-src`` runs an older tree's ``src`` (a ``git archive`` of another commit) beside this one, in the same rounds;
``--row`` adds the row engine. The outputs of every run on a ledger are compared byte for byte. A one-row ledger (the
first ledger's header and first row) runs in the same rounds: its time is the start-up (imports, the policy, the
plans), and ``(N - 1) / (time on N rows - time on 1 row)`` the steady rate, printed beside each ledger's ratio to the
csv module's read. The load average is printed before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
# Runs the CLI and prints its own peak memory (VmHWM, kB) last on stderr (see run.py: not getrusage of the children).
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


def read_only(path: str) -> float:
    start = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as f:
        for _ in csv.reader(f):
            pass
    return time.perf_counter() - start


def check(src: Path, engine: str, ledger: str, out: str, policy: str, as_of: str) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak MB, sha256 of the output) of one ``check`` run."""
    args = ["check", "--policy", policy, "--as-of", as_of, "--format", "csv", "--engine", engine, "-o", out]
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK_OF_CHECK, *args, ledger], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr[-2000:])
    peak = int(done.stderr.strip().splitlines()[-1].split()[1]) / 1024
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak, hashlib.sha256(Path(out).read_bytes()).hexdigest()


def one_row(ledger: str, folder: str) -> str:
    """A ledger of the header and first row of ``ledger`` (the start-up run)."""
    path = Path(folder) / "one_row.csv"
    with open(ledger, "rb") as f:
        path.write_bytes(f.readline() + f.readline())
    return str(path)


def rows_of(ledger: str) -> int:
    with open(ledger, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("ledgers", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--policy", action="append", help="a policy to check with (repeatable; luzhou_longmatan)")
    parser.add_argument("--as-of", default="2025-06-01")
    parser.add_argument("--other-src", help="an older tree's src, run in the same rounds")
    parser.add_argument("--row", action="store_true", help="also the row engine (slow)")
    args = parser.parse_args(argv)
    runs = []
    for policy in args.policy or ["luzhou_longmatan"]:
        runs.append((f"{policy}, columnar", SRC, "columnar", policy))
        if args.other_src:
            runs.append((f"{policy}, columnar, other tree", Path(args.other_src), "columnar", policy))
        if args.row:
            runs.append((f"{policy}, row engine", SRC, "row", policy))
    best: dict[tuple[str, str], list[float]] = {}
    digests: dict[str, set[str]] = {}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        ledgers = [one_row(args.ledgers[0], tmp), *args.ledgers]
        for _ in range(args.rounds):
            for ledger in ledgers:
                key = (ledger, "csv module, read only")
                seconds = read_only(ledger)
                best[key] = [min(best.get(key, [seconds])[0], seconds)]
                for name, src, engine, policy in runs:
                    wall, cpu, peak, digest = check(src, engine, ledger, str(Path(tmp) / "out.csv"), policy, args.as_of)
                    old = best.get((ledger, name))
                    best[(ledger, name)] = (
                        [min(wall, old[0]), min(cpu, old[1]), max(peak, old[2])] if old else [wall, cpu, peak]
                    )
                    digests.setdefault(f"{ledger} {policy}", set()).add(digest)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(
            "| ledger | rows | run | wall s (best) | CPU s (best) | peak MB (highest) | × csv read | rows/s past start-up |"
        )
        print("|---|---:|---|---:|---:|---:|---:|---:|")
        for (ledger, name), values in best.items():
            n = rows_of(ledger)
            cells = [f"{v:.2f}" for v in values[:2]] + ([f"{values[2]:.0f}"] if len(values) > 2 else [""])
            cells += [""] * (3 - len(cells))
            read = best[(ledger, "csv module, read only")][0]
            ratio = f"{values[0] / read:.1f}×" if len(values) > 1 else ""
            start = best.get((ledgers[0], name))
            steady = ""
            if len(values) > 1 and start and ledger != ledgers[0] and values[0] > start[0]:
                steady = f"{(n - 1) / (values[0] - start[0]):,.0f}"
            shown = "1-row ledger" if ledger == ledgers[0] else Path(ledger).name
            print(f"| {shown} | {n:,} | {name} | " + " | ".join(cells) + f" | {ratio} | {steady} |")
    for ledger, found in digests.items():
        print(f"{Path(ledger.split()[0]).name}: {'outputs identical' if len(found) == 1 else 'OUTPUTS DIFFER'}")
    return 0 if all(len(found) == 1 for found in digests.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
