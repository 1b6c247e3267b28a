"""tuoyu_rules.dask on a distributed.LocalCluster of two worker processes gives one process's results, cell for cell
(the policy reaches the workers pickled by reference)."""

from __future__ import annotations

import datetime
import importlib.util
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DAY = datetime.date(2024, 6, 30)
MISSING = [m for m in ("dask", "distributed", "pandas") if importlib.util.find_spec(m) is None]
if MISSING:
    REASON = f"{', '.join(MISSING)} not installed: pip install 'tuoyu-rules[dask]'"
    if os.environ.get("TUOYU_REQUIRE_DASK") == "1":
        pytest.fail(f"the Dask tests are required here (TUOYU_REQUIRE_DASK=1) but {REASON}", pytrace=False)
    pytest.skip(REASON, allow_module_level=True)

import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import tuoyu_rules  # noqa: E402
from tuoyu_rules.dask import check_frame  # noqa: E402

_spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
assert _spec and _spec.loader
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


def ledger() -> pd.DataFrame:
    """60 generated institutions as a CSV reader gives them (text cells, empty ones missing), with two bad cells."""
    rows = [{k: ("" if v is None else str(v)) for k, v in generate.flat(r).items()} for r in generate.records(60, 11)]
    rows[7]["total_slots"] = "abc"
    rows[40]["monthly_fee"] = "1,500"
    frame = pd.DataFrame(rows, columns=generate.CSV_COLUMNS, dtype=object)
    return frame.replace("", None)


def cells(frame: pd.DataFrame) -> list[list[Any]]:
    return [[None if v is None or v is pd.NA else v for v in row] for row in frame.itertuples(index=False)]


@pytest.fixture(scope="module")
def client() -> Any:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.mark.parametrize("policy_id, what_if", [("luzhou_longmatan", {}), ("huzhou", {"ratio_infant": "4"})])
def test_two_worker_processes_give_the_results_of_one_process(
    client: Any, policy_id: str, what_if: dict[str, str]
) -> None:
    policy = tuoyu_rules.load_policy(policy_id)
    policy = policy.with_parameters(what_if) if what_if else policy  # what-if values travel with the reference
    frame = ledger()
    parts = dd.from_pandas(frame, npartitions=4)
    results = check_frame(policy, parts, as_of=DAY)
    assert isinstance(results, dd.DataFrame) and results.npartitions == 4
    mine = results.compute()
    assert len(mine) == len(frame) and list(mine.index) == list(frame.index)
    workers = client.run(lambda: os.getpid())
    assert len(set(workers.values())) == 2  # two processes really ran it
    one = policy.evaluate_frame(frame, as_of=DAY)
    assert [c for c in mine.columns if c in one.columns] == list(one.columns)  # evaluate_frame's columns, its order
    sizes = [len(p) for p in parts.partitions]
    assert list(mine["partition"]) == [i for i, n in enumerate(sizes) for _ in range(n)]
    assert list(mine["row"]) == [k for n in sizes for k in range(1, n + 1)]  # the position in its partition
    same = [c for c in one.columns if c != "row"]
    assert cells(mine[same]) == cells(one[same])
    # "abc" in total_slots voids the record where the policy reads that field; elsewhere it is a warning on the row
    read = policy.compiled.reads_field("institution", "total_slots")
    assert (mine["status"] == "error").sum() == (1 if read else 0)
    money = [c for c in mine.columns if c.count("/") == 1 or c.endswith(("/min", "/max"))]
    assert money and all(v is None or isinstance(v, Decimal) for c in money for v in mine[c])  # never a float


def test_a_changed_policy_file_is_refused_by_the_workers(client: Any, tmp_path: Path) -> None:
    source = tuoyu_rules.compiler.bundled_dir() / "national.yaml"
    path = tmp_path / "national.yaml"
    path.write_bytes(source.read_bytes())
    policy = tuoyu_rules.load_policy(path)
    results = check_frame(policy, dd.from_pandas(ledger(), npartitions=2), as_of=DAY)
    path.write_bytes(source.read_bytes() + b"# edited\n")
    with pytest.raises(tuoyu_rules.PolicyError, match="source-changed"):
        results.compute()
