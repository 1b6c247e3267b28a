"""Instruction counts (valgrind --tool=callgrind) of kept reports, dicts and JSON lines: robust to a loaded machine.

    python benchmarks/reports_callgrind.py --rows 5000            # this tree against main (git archive)

Each mode runs in its own process under callgrind; the cost of a step is the count with it minus the count of the
process that only loads the policy and the records (``setup``). Needs valgrind (Debian: apt-get install valgrind).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AS_OF = datetime.date(2024, 6, 30)
MODES = ("setup", "streamed", "kept", "to_dict", "json_line")


def run_mode(mode: str, rows: int) -> None:
    sys.path.insert(0, str(HERE))
    import generate

    import tuoyu_rules
    from tuoyu_rules.writers._format import _json_default

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    records = [json.loads(json.dumps(r)) for r in generate.records(rows, 7)]
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False).encode
    many = policy.evaluate_many(records, as_of=AS_OF)
    if mode == "streamed":
        for r in many:
            r.failed_rules()
    elif mode == "kept":
        kept = list(many)
        assert len(kept) == rows
    elif mode == "to_dict":
        for r in many:
            r.to_dict()
    elif mode == "json_line":
        for r in many:
            r.to_json() if hasattr(r, "to_json") else encode(r.to_dict())


def count(src: str, mode: str, rows: int) -> int:
    out = tempfile.mktemp(prefix="callgrind.")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | {"PYTHONPATH": src}
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__]
    done = subprocess.run([*cmd, "--mode", mode, "--rows", str(rows)], env=env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(done.stderr[-2000:])
    os.unlink(out)
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="main")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.mode:
        run_mode(args.mode, args.rows)
        return 0
    sys.path.insert(0, str(HERE))
    from reports import _tree

    trees = {"before": _tree(args.before), "after": str(HERE.parent / "src")}
    counts: dict[str, dict[str, Any]] = {t: {m: count(src, m, args.rows) for m in MODES} for t, src in trees.items()}
    print(f"| {args.rows:,} institutions, luzhou_longmatan (M instructions) | before | after | after / before |")
    print("|---|---:|---:|---:|")
    for mode in MODES[1:]:
        b, a = (counts[t][mode] - counts[t]["setup"] for t in trees)
        print(f"| {mode} | {b / 1e6:,.1f} | {a / 1e6:,.1f} | {a / b:.2f} |")
    for t in trees:
        c = counts[t]
        kept = (c["kept"] - c["setup"]) / (c["streamed"] - c["setup"])
        print(f"{t}: kept / streamed = {kept:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
