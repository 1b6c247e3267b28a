"""Check a partitioned national-scale ledger in parallel, one partition per task, on one machine.

    python docs/examples/partitioned_check.py            # makes 4 partitions of 25,000 rows and checks them

Each worker loads the policy once (it is cached per process) and streams its partition through
``Policy.evaluate_many``; only summaries travel back. The same function is what a Dask bag or a PySpark
``mapPartitions`` runs per partition — see docs/scale.md.
"""

from __future__ import annotations

import collections
import datetime
import json
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

AS_OF = datetime.date(2024, 6, 30)


def check_partition(path: str) -> dict[str, object]:
    """What runs per partition: stream the rows, evaluate, and return a small summary."""
    import tuoyu_rules
    from tuoyu_rules.records import read_rows

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    statuses: collections.Counter[str] = collections.Counter()
    failed_rules: collections.Counter[str] = collections.Counter()
    for report in policy.evaluate_many(read_rows(path), as_of=AS_OF):
        statuses[report.status] += 1
        if report.status != "error":
            failed_rules.update(report.failed_rules())
    return {"partition": Path(path).name, "statuses": dict(statuses), "failed_rules": dict(failed_rules)}


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import generate

    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for k in range(4):
            path = Path(tmp) / f"part-{k:05d}.jsonl"
            with open(path, "w", encoding="utf-8") as fh:
                for record in generate.records(25_000, seed=k):
                    record["id"] = f"P{k}-{record['id']}"
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            parts.append(str(path))
        with ProcessPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(check_partition, parts))
    total: collections.Counter[str] = collections.Counter()
    for result in results:
        total.update(result["statuses"])  # type: ignore[arg-type]
        print(result["partition"], result["statuses"])
    print("all partitions:", dict(total))


if __name__ == "__main__":
    main()
