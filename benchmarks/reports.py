"""Kept reports, report dicts and JSON, before and after: one tree against another, rounds interleaved.

    python benchmarks/reports.py                          # this tree against main (git archive main:src)
    python benchmarks/reports.py --before /path/to/src --rows 20000 --rounds 5

Each round runs a worker process per tree (taking turns, so a slow spell of the shared machine falls on both alike);
each figure keeps its best round. The workers evaluate the same generated institutions (benchmarks/generate.py)
under luzhou_longmatan and time: streaming with ``failed_rules()``, ``list(evaluate_many(...))``, ``to_dict()`` of
every report, JSON encoding of ready dicts (the writer's encoder), a report to its JSON line (``to_json()`` where the
tree has it, else ``to_dict()`` + encoding), and count the GC-tracked objects and the bytes a kept report holds.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AS_OF = datetime.date(2024, 6, 30)


def _timed(fn: Any) -> float:
    gc.collect()
    start = time.process_time()
    fn()
    return time.process_time() - start


def worker(rows: int) -> dict[str, float]:
    sys.path.insert(0, str(HERE))
    import generate

    import tuoyu_rules
    from tuoyu_rules.writers._format import _json_default

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    records = [json.loads(json.dumps(r)) for r in generate.records(rows, 7)]
    quarter = records[: rows // 4]
    many = policy.evaluate_many
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False).encode
    out: dict[str, float] = {}
    out["streamed failed_rules()"] = _timed(lambda: [r.failed_rules() for r in many(records, as_of=AS_OF)] and None)
    out["kept list(evaluate_many)"] = _timed(lambda: list(many(records, as_of=AS_OF)))
    out["to_dict() of every report (a quarter of the rows)"] = _timed(
        lambda: [r.to_dict() for r in many(quarter, as_of=AS_OF)] and None
    )
    reports = list(many(quarter, as_of=AS_OF))
    eval_only = _timed(lambda: list(many(quarter, as_of=AS_OF)))
    dicts = [r.to_dict() for r in reports]
    out["JSON encoding of ready dicts"] = _timed(lambda: [encode(d) for d in dicts])
    fresh = list(many(quarter, as_of=AS_OF))
    to_json = getattr(fresh[0], "to_json", None)
    if to_json is not None:
        out["report -> JSON line"] = _timed(lambda: [r.to_json() for r in fresh])
    else:
        out["report -> JSON line"] = _timed(lambda: [encode(r.to_dict()) for r in fresh])
    if to_json is not None:  # the encoding alone: findings built beforehand, as the dicts were for the row above
        for r in fresh:
            r.findings  # noqa: B018
        out["to_json() with findings built (encoding alone)"] = _timed(lambda: [r.to_json() for r in fresh])
    out["evaluation of that quarter, kept"] = eval_only
    out.update(_footprint(policy, records[:2000]))
    return out


def _footprint(policy: Any, records: list[Any]) -> dict[str, float]:
    """GC-tracked objects and bytes per kept report (the normalized record included, shared policy excluded)."""
    list(policy.evaluate_many(records[:10], as_of=AS_OF))  # warm the per-date caches
    gc.collect()
    before = len(gc.get_objects())
    tracemalloc.start()
    start = tracemalloc.take_snapshot()
    kept = list(policy.evaluate_many(records, as_of=AS_OF))
    gc.collect()
    stats = tracemalloc.take_snapshot().compare_to(start, "filename")
    tracemalloc.stop()
    objects = len(gc.get_objects()) - before - 1  # the list itself
    size = sum(s.size_diff for s in stats)
    del kept
    return {"gc objects per report": objects / len(records), "bytes per report": size / len(records)}


def _tree(path: str) -> str:
    if path != "main":
        return path
    where = tempfile.mkdtemp(prefix="tuoyu-before-")
    archive = subprocess.run(
        ["git", "archive", "main", "src", "policies", "seeds"], cwd=HERE.parent, check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", where], input=archive.stdout, check=True)
    return str(Path(where) / "src")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="main", help="the src folder of the 'before' tree (default: git main)")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.rows)))
        return 0
    trees = {"before": _tree(args.before), "after": str(HERE.parent / "src")}
    best: dict[str, dict[str, float]] = {name: {} for name in trees}
    for _ in range(args.rounds):
        for name, src in trees.items():
            env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | {"PYTHONPATH": src}
            cmd = [sys.executable, __file__, "--worker", "--rows", str(args.rows)]
            got = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
            for key, value in got.items():
                best[name][key] = min(best[name].get(key, float("inf")), value)
    b, a = best["before"], best["after"]
    print(f"| {args.rows:,} institutions, luzhou_longmatan | before | after | after / before |\n|---|---|---|---|")
    for key in a:
        if key not in b:
            print(f"| {key} | — | {a[key]:.3f} s | — |")
            continue
        unit = "" if "per report" in key else " s"
        print(f"| {key} | {b[key]:.3f}{unit} | {a[key]:.3f}{unit} | {a[key] / b[key]:.2f} |")
    for name, t in best.items():
        ratio = t["kept list(evaluate_many)"] / t["streamed failed_rules()"]
        print(f"{name}: kept / streamed = {ratio:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
