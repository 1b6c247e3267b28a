"""Start-up time: the CLI's short commands and ``import tuoyu_rules`` + a policy load, old tree against new.

    python benchmarks/startup.py                       # this tree against main, 15 rounds
    python benchmarks/startup.py --old HEAD~3 --rounds 30
    python benchmarks/startup.py --old none            # this tree only

Every case runs in a fresh interpreter (the venv's python, ``-m tuoyu_rules`` as the console script does it), with
``PYTHONPATH`` pointing at the tree's ``src``: the old tree is ``git archive`` of ``--old`` unpacked into a temporary
folder, so both run with the same interpreter and the same installed dependencies. Each round runs every case once
in each tree, in turn, so a machine shared with other work slows both alike; each (case, tree) keeps its best round
(and its median), of the wall time and of the CPU time (user + system of the process, which a loaded machine
disturbs less). Standard output and the exit code of the two trees must be the same (asserted: a start-up change
never changes an output). The one-minute load average is printed before and after. Results go to standard output as
Markdown tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "examples" / "luzhou_longmatan" / "institutions.csv"
LOAD = "import tuoyu_rules; tuoyu_rules.load_policy('luzhou_longmatan')"


def cases(folder: Path) -> dict[str, list[str]]:
    """Each case's arguments after the interpreter; ``folder`` holds the one-row ledger."""
    cli = ["-m", "tuoyu_rules"]
    options = ["--policy", "luzhou_longmatan", "--as-of", "2024-06-30", "-q"]
    check, columnar = [*cli, "check", *options, "--engine", "row"], [*cli, "check", *options, "--engine", "columnar"]
    one_row = str(folder / "one-row.csv")
    table = {
        "--version": [*cli, "--version"],
        "validate policies/": [*cli, "validate", str(ROOT / "policies")],
        "check one row (table)": [*check, one_row],
        "check one row --format csv": [*check, "--format", "csv", one_row],
        "check one row --engine columnar --format csv": [*columnar, "--format", "csv", one_row],
        "explain (all items)": [*cli, "explain", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30"],
        "import tuoyu_rules": ["-c", "import tuoyu_rules"],
        "import + load_policy": ["-c", LOAD],
    }
    if importlib.util.find_spec("polars") is None:  # the [columnar] extra
        del table["check one row --engine columnar --format csv"]
    return table


def one_row_ledger(folder: Path) -> None:
    """The header and first data row of the bundled Luzhou ledger (GB18030, as the example is)."""
    lines = LEDGER.read_bytes().splitlines(keepends=True)
    (folder / "one-row.csv").write_bytes(b"".join(lines[:2]))


def old_tree(ref: str, folder: Path) -> Path:
    """``git archive`` of ``ref`` (its ``src``, and ``policies``, where the bundled ones link to) unpacked under
    ``folder``: its ``src``."""
    target = folder / "old"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src", "policies"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


def run(argv: list[str], src: Path) -> tuple[float, float, bytes, int]:
    """(seconds, CPU seconds, standard output, exit code) of one fresh interpreter with ``src`` first on its path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(src)
    env["TUOYU_NO_BROWSER"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], capture_output=True, env=env, cwd=str(ROOT), check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    return seconds, cpu, done.stdout, done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", default="main", help="the git ref to compare with ('none': this tree only)")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="tuoyu-startup-"))
    try:
        one_row_ledger(folder)
        trees = {"new": ROOT / "src"}
        if args.old != "none":
            trees = {"old": old_tree(args.old, folder), **trees}
        table = cases(folder)
        times: dict[tuple[str, str], list[float]] = {(c, t): [] for c in table for t in trees}
        cpus: dict[tuple[str, str], list[float]] = {(c, t): [] for c in table for t in trees}
        outputs: dict[str, dict[str, tuple[bytes, int]]] = {c: {} for c in table}
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for case, case_argv in table.items():
                for tree, src in trees.items():
                    seconds, cpu, out, code = run(case_argv, src)
                    times[case, tree].append(seconds)
                    cpus[case, tree].append(cpu)
                    outputs[case][tree] = (out, code)
        load_after = os.getloadavg()[0]
        for case, by_tree in outputs.items():
            if len(set(by_tree.values())) > 1:
                raise SystemExit(f"{case}: the trees' outputs or exit codes differ")
        report(table, trees, times, args, (load_before, load_after), "wall time")
        print()
        report(table, trees, cpus, args, (load_before, load_after), "CPU time (user + system)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def report(
    table: dict[str, list[str]],
    trees: dict[str, Path],
    times: dict[tuple[str, str], list[float]],
    args: argparse.Namespace,
    load: tuple[float, float],
    what: str,
) -> None:
    print(f"{what}: best (median) of {args.rounds} fresh processes, rounds interleaved; old = {args.old}")
    print(f"python {sys.version.split()[0]}; one-minute load average {load[0]:.2f} before, {load[1]:.2f} after\n")
    heads = [f"{t} best (median) s" for t in trees]
    ratio = len(trees) == 2
    print("| case | " + " | ".join(heads) + (" | old/new |" if ratio else " |"))
    print("|---|" + "---:|" * (len(heads) + ratio))
    for case in table:
        cells = [f"{min(times[case, t]):.3f} ({statistics.median(times[case, t]):.3f})" for t in trees]
        extra = f" | {min(times[case, 'old']) / min(times[case, 'new']):.2f}x" if ratio else ""
        print(f"| {case} | " + " | ".join(cells) + extra + " |")


if __name__ == "__main__":
    raise SystemExit(main())
