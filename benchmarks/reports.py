"""Kept reports, report dicts and JSON, before and after: one tree against another, rounds interleaved.

    python benchmarks/reports.py                          # this tree against main (git archive main:src)
    python benchmarks/reports.py --before /path/to/src --rows 20000 --rounds 5

Each round runs a worker process per tree (taking turns, so a slow spell of the shared machine falls on both alike);
each figure keeps its best round. The workers evaluate the same generated institutions (benchmarks/generate.py)
under luzhou_longmatan and time: streaming with ``failed_rules()``, ``list(evaluate_many(...))``, ``to_dict()`` of
every report, a report to its JSON line (``to_json()`` where the tree has it, else ``to_dict()`` and the writer's
encoder), JSON encoding of ready dicts, and count the GC-tracked objects and the bytes a kept report holds. Times are
CPU seconds of the worker (``time.process_time``), which a loaded machine disturbs less than wall time.
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


def _status(r: Any) -> Any:
    return r.status


def _to_dict(r: Any) -> Any:
    return r.to_dict()


def _to_json(r: Any) -> Any:
    return r.to_json()


def _each(items: Any, fn: Any) -> None:
    for item in items:
        fn(item)


def worker(rows: int) -> dict[str, float]:
    sys.path.insert(0, str(HERE))
    import generate

    import tuoyu_rules
    from tuoyu_rules.report import Report
    from tuoyu_rules.writers._format import _json_default

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    records = [json.loads(json.dumps(r)) for r in generate.records(rows, 7)]
    quarter = records[: rows // 4]
    many = policy.evaluate_many
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False).encode
    out: dict[str, float] = {}
    out["streamed failed_rules()"] = _timed(lambda: _each(many(records, as_of=AS_OF), lambda r: r.failed_rules()))
    out["kept list(evaluate_many)"] = _timed(lambda: list(many(records, as_of=AS_OF)))
    out["streamed, a quarter of the rows"] = _timed(lambda: _each(many(quarter, as_of=AS_OF), _status))
    out["streamed + to_dict() (the quarter)"] = _timed(lambda: _each(many(quarter, as_of=AS_OF), _to_dict))
    line = _to_json if hasattr(Report, "to_json") else (lambda r: encode(r.to_dict()))
    out["streamed + its JSON line (the quarter)"] = _timed(lambda: _each(many(quarter, as_of=AS_OF), line))
    dicts = [r.to_dict() for r in many(quarter, as_of=AS_OF)]
    out["JSON encoding of ready dicts (the quarter)"] = _timed(lambda: _each(dicts, encode))
    dicts.clear()
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
    for t in best.values():
        base = t["streamed, a quarter of the rows"]
        t["to_dict() alone (the quarter, streamed minus evaluation)"] = t["streamed + to_dict() (the quarter)"] - base
        t["JSON line alone (the quarter, streamed minus evaluation)"] = (
            t["streamed + its JSON line (the quarter)"] - base
        )
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
