"""Check a CSV ledger with PySpark, and compare every result with one process.

    pip install 'pyspark==4.3.0'                      # and Java 17 (Debian: apt-get install openjdk-17-jre-headless)
    python benchmarks/generate.py --rows 100000 --format csv --out /tmp/ledger.csv
    python docs/examples/spark_check.py /tmp/ledger.csv --policy luzhou_longmatan --as-of 2024-06-30

The policy reaches the executors as ``sc.broadcast(policy)``: a policy pickles by reference to its source files
(about 450 bytes) and each executor's Python worker compiles it once. Each partition's rows are mapped with the
ledger readers' ``RowMapper`` (Chinese or English headers, flat class columns) and checked by
``Policy.evaluate_many`` as ``check`` checks a CSV file, so the results are the same, row for row (asserted here).
Ids are compared within a partition. Run by hand (docs/scale.md has its figures); not run in CI.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

Verdict = tuple[int, str, str, str, str, str]


def verdict(row: int, report: Any) -> Verdict:
    """What a result says of one row: row, id, status, failed rules, unknown rules, subsidy amounts (or error codes)."""
    if report.status == "error":
        return row, str(report.id or ""), "error", "", "", ";".join(p.code for p in report.problems)
    unknown = sorted({f.rule for f in report.findings if f.outcome == "unknown"})
    money = ";".join(f"{line.id}={line.amount}" for line in report.subsidies)
    return row, str(report.id), report.status, ";".join(sorted(report.failed_rules())), ";".join(unknown), money


def check_partition(
    rows: Iterable[Any], policy_b: Any, header: list[str], day: datetime.date, source: str
) -> Iterator[Verdict]:
    """What each executor runs per partition: (pyspark Row, index) pairs in, one verdict per row out."""
    from tuoyu_rules.records import RawRow
    from tuoyu_rules.records.readers.columns import RowMapper

    policy = policy_b.value  # the broadcast policy: unpickled (compiled) once per Python worker
    mapper = RowMapper(header)
    numbered = [(index + 1, list(row)) for row, index in rows]
    raw = (RawRow(n, source, mapper.map(["" if c is None else c for c in cells]), text=True) for n, cells in numbered)
    for (n, _), report in zip(numbered, policy.evaluate_many(raw, as_of=day), strict=True):
        yield verdict(n, report)


def one_process(path: str, policy: Any, day: datetime.date) -> list[Verdict]:
    from tuoyu_rules.records import read_rows

    return [
        verdict(raw.row, report)
        for raw, report in zip(read_rows(path), policy.evaluate_many(read_rows(path), as_of=day), strict=True)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ledger", help="a CSV ledger (benchmarks/generate.py --format csv makes one)")
    parser.add_argument("--policy", default="luzhou_longmatan")
    parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=datetime.date(2024, 6, 30))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=8, help="about this many partitions of the file")
    args = parser.parse_args(argv)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the executors run this interpreter (and its packages)
    from pyspark.sql import SparkSession

    import tuoyu_rules

    size = Path(args.ledger).stat().st_size
    spark = (
        SparkSession.builder.master(args.master)
        .appName("tuoyu-rules check")
        .config("spark.sql.files.maxPartitionBytes", str(max(size // args.partitions + 1, 1 << 16)))
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    try:
        sc = spark.sparkContext
        policy = tuoyu_rules.load_policy(args.policy)
        policy_b = sc.broadcast(policy)  # pickled by reference: a few hundred bytes
        df = spark.read.csv(args.ledger, header=True, inferSchema=False, encoding="UTF-8")
        header, day, source = df.columns, args.as_of, str(args.ledger)
        started = time.perf_counter()
        rdd = df.rdd.zipWithIndex()
        partitions = rdd.getNumPartitions()
        spark_results = rdd.mapPartitions(lambda rows: check_partition(rows, policy_b, header, day, source)).collect()
        spark_seconds = time.perf_counter() - started
    finally:
        spark.stop()
    started = time.perf_counter()
    mine = one_process(args.ledger, policy, args.as_of)
    single_seconds = time.perf_counter() - started
    spark_results.sort()
    same = spark_results == mine
    print(f"rows: {len(mine):,}; Spark partitions: {partitions}; master {args.master}")
    print(f"PySpark (mapPartitions, broadcast policy): {spark_seconds:.1f} s; one process: {single_seconds:.1f} s")
    print(f"statuses: { {s: sum(1 for v in mine if v[2] == s) for s in ('pass', 'fail', 'incomplete', 'error')} }")
    print(f"identical to one process, row for row: {'yes' if same else 'NO'}")
    if not same:
        diff = next(i for i, (a, b) in enumerate(zip(spark_results, mine, strict=False)) if a != b)
        print(f"first difference at {diff}: {spark_results[diff]} != {mine[diff]}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
