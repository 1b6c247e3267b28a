"""A ``Report`` counted straight from its verdict state (``Summary.add_report``, what the JSONL writer does) gives the
summary its dict gives (``Summary.add(report.to_dict())``), every field, over generated records of every bundled
policy: institutions, whole-policy institutions, the example ledgers (regions and residential areas too), values
drawn anew, fields taken out, records kept (packed) or streamed."""

from __future__ import annotations

import datetime
import io
import json
import random
import sys
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tuoyu_rules
import tuoyu_rules.writers as writers
from tuoyu_rules.compiler import bundled_ids
from tuoyu_rules.text import DECIMAL_CONTEXT
from tuoyu_rules.writers import Summary, write_reports
from tuoyu_rules.writers.summary import _as_written

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402
import whole_policy  # noqa: E402

DAYS = (datetime.date(2024, 6, 30), datetime.date(2025, 6, 1), datetime.date(2027, 3, 1))
_POOL: tuple[Any, ...] = (0, 1, 2, 7, 36, 150, 1000, True, False, None, "1.5", "2.50", "x", "")
_LEDGERS = ("institutions.jsonl", "regions.jsonl")


@pytest.fixture(scope="module")
def policies() -> dict[str, tuoyu_rules.Policy]:
    return {pid: tuoyu_rules.load_policy(pid) for pid in bundled_ids()}


def _ledger_records(policy_id: str) -> list[dict[str, Any]]:
    records = []
    for name in _LEDGERS:
        path = ROOT / "examples" / policy_id / name
        if path.exists():
            records += [dict(row.data) for row in tuoyu_rules.read_rows(str(path)) if isinstance(row.data, dict)]
    return records


def _vary(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The record with some plain values drawn anew from a pool (numbers, flags, texts, empty) or taken out."""
    out = json.loads(json.dumps(record, default=str))
    for key in rng.sample(sorted(out), k=min(5, len(out))):
        if key in ("id", "kind"):
            continue
        if rng.random() < 0.25:
            out.pop(key)
        elif not isinstance(out[key], (list, dict)):
            out[key] = rng.choice(_POOL)
    return out


def _state(summary: Summary) -> str:
    """Everything the summary keeps (its private caches left out), money with its exact decimal text."""
    state: dict[str, Any] = {k: v for k, v in vars(summary).items() if not k.startswith("_")}
    state["as_of"] = sorted(state["as_of"])
    state["provenances"] = list(state["provenances"].values())
    state["to_dict"] = summary.to_dict()
    state["line"] = {lang: summary.line(lang) for lang in ("zh", "en")}
    return json.dumps(state, ensure_ascii=False, sort_keys=True, default=repr)


def _by_dicts(items: list[Any]) -> Summary:
    summary = Summary()
    for item in items:
        summary.add(item.to_dict())
    return summary


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), day=st.sampled_from(DAYS), kept=st.booleans())
def test_a_report_counted_from_its_state_gives_the_summary_of_its_dict(
    policies: dict[str, tuoyu_rules.Policy], seed: int, day: datetime.date, kept: bool
) -> None:
    rng = random.Random(seed)
    base = list(whole_policy.records(3, seed)) + list(generate.records(3, seed))
    for policy in policies.values():
        ledger = _ledger_records(policy.id)
        records = [_vary(r, rng) for r in base + rng.sample(ledger, k=min(6, len(ledger)))]
        records += [dict(e.record) for e in policy.compiled.model.examples]
        items = list(policy.evaluate_many(records, as_of=day))
        expected = _state(_by_dicts(items))
        # kept: the reports of a kept list hold their records packed; streamed: each report as evaluate_many gives it
        stream = items if kept else policy.evaluate_many(records, as_of=day)
        assert _state(write_reports(stream, "jsonl", io.StringIO())) == expected, (policy.id, seed)
        direct = Summary()
        for item in items:
            if hasattr(item, "tally"):
                direct.add_report(item)
            else:
                direct.add(item)
        assert _state(direct) == expected, (policy.id, seed)


def test_the_jsonl_writer_counts_an_institution_without_its_row_view(
    policies: dict[str, tuoyu_rules.Policy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of add_report: no row view (no finding built, no message rendered) for a report the JSONL writer
    writes; a region's report alone is counted from its row view (its targets are findings)."""
    policy = policies["luzhou_longmatan"]
    records = list(whole_policy.records(5, 1))
    expected = _state(_by_dicts(list(policy.evaluate_many(records, as_of=DAYS[0]))))
    made: list[Any] = []
    monkeypatch.setattr(writers, "report_row", lambda item: made.append(item))
    summary = write_reports(policy.evaluate_many(records, as_of=DAYS[0]), "jsonl", io.StringIO())
    assert made == [] and summary.reports == 5
    monkeypatch.undo()
    assert _state(summary) == expected


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-(10**32), max_value=10**32))
def test_an_amount_is_summed_as_its_json_text_reads_back(value: Decimal) -> None:
    with localcontext(DECIMAL_CONTEXT):
        written = Decimal(f"{value:.2f}")
    with localcontext() as other:  # whatever the caller's context
        other.prec = 6
        assert str(_as_written(value)) == str(written)
