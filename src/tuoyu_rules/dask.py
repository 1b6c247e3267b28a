"""Check a Dask DataFrame of ledger rows: a Dask DataFrame of results (the extra ``pip install 'tuoyu-rules[dask]'``).

Each partition is checked by :meth:`Policy.evaluate_frame <tuoyu_rules.Policy.evaluate_frame>` in a worker; the
policy travels as its pickled reference (:mod:`tuoyu_rules.compiler.pickling`) and is compiled once per worker process.
The results have the columns of ``evaluate_frame``'s results, in its order, plus ``partition``; because every
partition of a Dask DataFrame has the same columns, the ``/min`` and ``/max`` columns of every subsidy are always
there (None where the amount is exact). ``row`` is the row's 1-based position in its partition and ``partition`` the
partition's number; the results keep the index of the ledger's partitions. Ids are compared within a partition
(partition by institution id so that repeats meet). Dask is imported only when this module is.
"""

from __future__ import annotations

import datetime
from typing import Any

from .api import AsOf, Policy, as_of_date
from .compiler import PolicyRef, lookup, reference

__all__ = ["check_frame"]


def _require() -> Any:
    try:
        import dask.dataframe
    except ImportError:
        raise ImportError(
            "需要 Dask：pip install 'tuoyu-rules[dask]' / Dask is needed: pip install 'tuoyu-rules[dask]'"
        ) from None
    return dask.dataframe


def check_frame(policy: Policy, ledger: Any, as_of: AsOf | None = None) -> Any:
    """A lazy Dask DataFrame of the results of every row of ``ledger`` (a Dask DataFrame of ledger rows, Chinese or
    English column names) under ``policy`` on ``as_of`` (default today), one result row per ledger row, in order."""
    _require()
    day = as_of_date(as_of)
    ref = reference(policy.compiled)
    meta = _results(ledger._meta, ref, day)  # the columns and types, from an empty partition
    return ledger.map_partitions(_results, ref, day, meta=meta, align_dataframes=False)


def _results(part: Any, ref: PolicyRef, day: datetime.date, partition_info: dict[str, Any] | None = None) -> Any:
    """The results of one partition (a pandas DataFrame), with every subsidy's columns and the partition number."""
    policy = Policy(lookup(ref))
    results = policy.evaluate_frame(part, as_of=day)
    money = []  # every subsidy's four columns, in evaluate_frame's order
    for subsidy in policy.compiled.subsidies:
        name = f"{subsidy.id}/{subsidy.spec.period}"
        money += [name, f"{name}/eligible", f"{name}/min", f"{name}/max"]
    for column in money:
        if column not in results.columns:
            results[column] = None  # an object column of None
    number = partition_info["number"] if partition_info else 0
    results.insert(0, "partition", number)
    results = results[[c for c in results.columns if c not in money] + money]
    results.index = part.index
    return results
