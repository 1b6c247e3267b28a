"""A report's JSON line then and now: one process per tree, the two taking turns round by round (issue 18 item 2).

    python benchmarks/json_then_now.py --then /tmp/then/src                 # 10,000 whole-policy records, 5 rounds
    python benchmarks/run_issue18.py --then /tmp/then/src --rows 10000      # the same, from the issue's runner

``--then`` is the ``src`` of an older tree (``git archive <commit> src | tar -x -C /tmp/then``). Each tree runs in a
worker process of its own that lives for the whole run; in every round the parent asks one worker, then the other,
to time each of its paths once (CPU time, ``time.process_time``, after a ``gc.collect()``), and each path keeps its
best round, so a slow spell of a shared machine falls on both trees alike. The workers evaluate the same records:
the complete whole-policy institutions of ``whole_policy.records`` under luzhou_longmatan, and the bundled examples
(every policy's embedded examples and the ledgers under ``examples/``, repeated to some 2,000 reports).

Paths, per record: evaluation alone (streamed, ``failed_rules()``); evaluation and the report's JSON line as the tree
writes it (then: ``json.dumps(to_dict())`` with the writers' encoder; now also ``to_json()``); the JSONL writer
(``write_reports(..., "jsonl")``, fed as ``check`` feeds it: dicts then, reports now); and the line of a kept report.
A line "beyond evaluation" is the streamed path minus evaluation alone, in the same worker.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = datetime.date(2024, 6, 30)
POLICY = "luzhou_longmatan"
EXAMPLE_REPORTS = 2000


# ---- the worker: one tree, its paths timed once per round -----------------------------------------------------------
def _cpu(run: Callable[[], Any]) -> float:
    gc.collect()
    start = time.process_time()
    run()
    return time.process_time() - start


def _example_sets() -> list[tuple[Any, list[Any], datetime.date]]:
    """(policy, records, as_of) of the bundled examples: embedded examples by their dates, ledgers at AS_OF."""
    import tuoyu_rules
    from tuoyu_rules.compiler import bundled_ids

    sets = []
    for policy_id in bundled_ids():
        policy = tuoyu_rules.load_policy(policy_id)
        for example in policy.compiled.model.examples:
            sets.append((policy, [dict(example.record)], example.as_of))
        for name in ("institutions.jsonl", "regions.jsonl"):
            path = ROOT / "examples" / policy_id / name
            if path.exists():
                rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
                sets.append((policy, rows, AS_OF))
    return sets


def _datasets(rows: int) -> dict[str, tuple[Callable[[], Iterator[Any]], int]]:
    """name → (a function that evaluates the records afresh, how many reports it gives)."""
    sys.path.insert(0, str(HERE))
    import whole_policy

    import tuoyu_rules

    policy = tuoyu_rules.load_policy(POLICY)
    whole = [json.loads(json.dumps(r)) for r in whole_policy.records(rows, 7)]
    sets = _example_sets()
    per_pass = sum(len(r) for _, r, _ in sets)
    repeat = max(1, EXAMPLE_REPORTS // per_pass)

    def examples() -> Iterator[Any]:
        for _ in range(repeat):
            for p, records, day in sets:
                yield from p.evaluate_many(records, as_of=day)

    return {
        "whole": (lambda: policy.evaluate_many(whole, as_of=AS_OF), rows),
        "examples": (examples, repeat * per_pass),
    }


def _paths(many: Callable[[], Iterator[Any]], kept: list[Any]) -> dict[str, Callable[[], Any]]:
    """The timed paths of a dataset; those named ``kept:`` read ``kept``, which the round fills just before them."""
    from tuoyu_rules.report import Report
    from tuoyu_rules.writers._format import _json_default

    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False).encode
    paths: dict[str, Callable[[], Any]] = {
        "evaluate": lambda: [r.failed_rules() for r in many()],
        "evaluate + json.dumps(to_dict())": lambda: [dumps(r.to_dict()) for r in many()],
        "kept: json.dumps(to_dict())": lambda: [dumps(r.to_dict()) for r in kept],
    }
    if hasattr(Report, "to_json"):  # now: check hands the JSONL writer reports, which write their own text
        paths["evaluate + to_json()"] = lambda: [r.to_json() for r in many()]
        paths["kept: to_json()"] = lambda: [r.to_json() for r in kept]
        paths["evaluate + JSONL writer"] = lambda: _jsonl(many())
    else:  # then: check handed it dicts
        paths["evaluate + JSONL writer"] = lambda: _jsonl(r.to_dict() for r in many())
    return paths


def _jsonl(items: Iterator[Any]) -> None:
    """The JSONL writer on a UTF-8 file, as ``check --format jsonl -o FILE`` writes (the null device here)."""
    from tuoyu_rules.writers import write_reports

    with open(os.devnull, "w", encoding="utf-8") as out:
        write_reports(items, "jsonl", out)


def _facts(many: Callable[[], Iterator[Any]]) -> dict[str, Any]:
    """The bytes the tree writes: SHA-256 and mean size of the lines, and whether to_json() gives dumps(to_dict())."""
    reports = list(many())
    lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in reports]
    same = (
        all(r.to_json() == t for r, t in zip(reports, lines, strict=True)) if hasattr(reports[0], "to_json") else None
    )
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return {
        "sha256": digest,
        "bytes per line": sum(len(t.encode("utf-8")) for t in lines) / len(lines),
        "to_json same": same,
    }


def worker(rows: int) -> None:
    """Answer each ``round`` line on stdin with one JSON line of CPU seconds per (dataset, path)."""
    sets = _datasets(rows)
    kept: dict[str, list[Any]] = {name: [] for name in sets}
    paths = {name: _paths(many, kept[name]) for name, (many, _) in sets.items()}
    facts = {name: {"reports": n, **_facts(many)} for name, (many, n) in sets.items()}
    print(json.dumps(facts), flush=True)
    for command in sys.stdin:
        if command.strip() != "round":
            break
        times = {}
        for name, entries in paths.items():  # streamed paths with no kept reports alive, then the kept ones
            for label, run in sorted(entries.items(), key=lambda item: item[0].startswith("kept:")):
                if label.startswith("kept:") and not kept[name]:
                    kept[name].extend(sets[name][0]())
                times[f"{name}|{label}"] = _cpu(run)
            kept[name].clear()
        print(json.dumps(times), flush=True)


# ---- the parent: two workers taking turns ------------------------------------------------------------------------
def _start(src: str, rows: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | {"PYTHONPATH": src}
    cmd = [sys.executable, __file__, "--worker", "--rows", str(rows)]
    return subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _ask(proc: subprocess.Popen[str], command: str | None) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    if command is not None:
        proc.stdin.write(command + "\n")
        proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"a worker ended early (exit {proc.wait()})")
    answer: dict[str, Any] = json.loads(line)
    return answer


def measure(then_src: str, rows: int, rounds: int) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """(facts per tree, best CPU seconds per tree and 'dataset|path'), the trees taking turns each round."""
    trees = {"then": _start(then_src, rows), "now": _start(str(ROOT / "src"), rows)}
    facts = {name: _ask(proc, None) for name, proc in trees.items()}
    best: dict[str, dict[str, float]] = {name: {} for name in trees}
    order = list(trees)
    for k in range(rounds):
        for name in order if k % 2 == 0 else order[::-1]:  # who goes first alternates
            for key, seconds in _ask(trees[name], "round").items():
                best[name][key] = min(best[name].get(key, float("inf")), seconds)
    for proc in trees.values():
        _ask_quit(proc)
    return facts, best


def _ask_quit(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("quit\n")
    proc.stdin.close()
    proc.wait()


def table(facts: dict[str, Any], best: dict[str, dict[str, float]]) -> str:
    """The markdown tables of µs per record, then against now."""
    out = []
    for name, fact in facts["now"].items():
        n_then, n_now = facts["then"][name]["reports"], fact["reports"]
        t = {k.split("|", 1)[1]: v * 1e6 / n_then for k, v in best["then"].items() if k.startswith(name + "|")}
        w = {k.split("|", 1)[1]: v * 1e6 / n_now for k, v in best["now"].items() if k.startswith(name + "|")}
        then_line = t["evaluate + json.dumps(to_dict())"] - t["evaluate"]
        rows = [
            ("evaluation alone (streamed, `failed_rules()`)", t["evaluate"], w["evaluate"]),
            (
                "evaluation + the JSON line (then `json.dumps(to_dict())`, now `to_json()`)",
                t["evaluate + json.dumps(to_dict())"],
                w["evaluate + to_json()"],
            ),
            (
                "the JSON line beyond evaluation (the row above minus the first)",
                then_line,
                w["evaluate + to_json()"] - w["evaluate"],
            ),
            (
                "evaluation + the JSONL writer (as `check --format jsonl` feeds it)",
                t["evaluate + JSONL writer"],
                w["evaluate + JSONL writer"],
            ),
            (
                "the JSONL writer beyond evaluation",
                t["evaluate + JSONL writer"] - t["evaluate"],
                w["evaluate + JSONL writer"] - w["evaluate"],
            ),
            (
                "a kept report's line (then `json.dumps(to_dict())`, now `to_json()`)",
                t["kept: json.dumps(to_dict())"],
                w["kept: to_json()"],
            ),
            (
                "now: `json.dumps(to_dict())` beyond evaluation (the same bytes as `to_json()`)",
                then_line,
                w["evaluate + json.dumps(to_dict())"] - w["evaluate"],
            ),
        ]
        out.append(
            f"\n{name}: {n_now:,} reports; line {facts['then'][name]['bytes per line']:,.0f} B then, "
            f"{fact['bytes per line']:,.0f} B now; to_json() == json.dumps(to_dict()) now: {fact['to_json same']}\n"
        )
        out.append("| µs per record | then | now | then / now |\n|---|---:|---:|---:|")
        out += [f"| {label} | {a:.1f} | {b:.1f} | {a / b:.2f}× |" for label, a, b in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--then", help="the src folder of the older tree")
    parser.add_argument("--rows", type=int, default=10_000, help="whole-policy records")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.rows)
        return 0
    if not args.then:
        parser.error("--then SRC is required")
    load = os.getloadavg()
    facts, best = measure(args.then, args.rows, args.rounds)
    print(
        f"then: {args.then}; best of {args.rounds} rounds, CPU time; load average before "
        f"{load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
    )
    print(table(facts, best))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
