"""A report's JSON text and dict through the texts and dicts kept per policy are those built afresh (issue 18).

``to_json()`` and ``to_dict()`` keep the texts and dicts of findings and lines per policy, under keys of what each
depends on (a failed finding: its rule, subject, values and the values of its templates' placeholders). A report
whose findings and lines were read first (``report.findings``, ``report.subsidies``) writes them from those objects
instead, rendering every message anew: the oracle these tests compare with, byte for byte, on generated records with
values drawn to vary what the messages show.
"""

from __future__ import annotations

import datetime
import json
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.compiler import bundled_ids
from tuoyu_rules.findings import finding_key, value_key
from tuoyu_rules.report import Report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402
import whole_policy  # noqa: E402

DAYS = (datetime.date(2024, 6, 30), datetime.date(2027, 3, 1))
_POOL: tuple[Any, ...] = (0, 1, 2, 3, 7, 10, 36, 150, True, False, Decimal("1.5"), Decimal("1.50"), Decimal("2"), "x")
_STAFF_VALUES: dict[str, tuple[Any, ...]] = {
    "education": ("none", "junior_high", "secondary", "associate", "bachelor"),
    "related_major": (True, False),
    "certificates": ([], ["childcare"], ["teacher", "childcare"], ["health_title"], ["security_guard"]),
    "management_years": (0, 1, 3, 5, 12),
}


@pytest.fixture(scope="module")
def policies() -> dict[str, tuoyu_rules.Policy]:
    return {pid: tuoyu_rules.load_policy(pid) for pid in bundled_ids()}


def _vary(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The record with some values drawn anew: plain fields from a pool of values whose texts differ (1, True,
    1.5, 1.50 …), staff members' fields from their own values, now and then a field taken out."""
    out = json.loads(json.dumps(record))
    for key in rng.sample(sorted(out), k=min(4, len(out))):
        if key in ("id", "kind", "staff", "classes"):
            continue
        if rng.random() < 0.2:
            out.pop(key)
        elif isinstance(out[key], (int, bool)) or out[key] is None:
            value = rng.choice(_POOL)
            out[key] = str(value) if isinstance(value, Decimal) else value
    for member in out.get("staff") or []:
        for key, values in _STAFF_VALUES.items():
            if rng.random() < 0.3:
                member[key] = rng.choice(values)
    for item in out.get("classes") or []:
        if rng.random() < 0.3:
            item["enrolled"] = rng.choice((0, 5, 12, 20, 30))
    return out


def _afresh(policy: tuoyu_rules.Policy, record: dict[str, Any], day: datetime.date) -> Report:
    """The report of ``record`` with its findings and lines built and kept: it writes them without kept texts."""
    report = next(iter(policy.evaluate_many([json.loads(json.dumps(record))], as_of=day)))
    assert isinstance(report, Report) and report.findings is not None and report.subsidies is not None
    return report


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), day=st.sampled_from(DAYS), whole=st.booleans())
def test_kept_texts_and_dicts_are_the_ones_built_afresh(
    policies: dict[str, tuoyu_rules.Policy], seed: int, day: datetime.date, whole: bool
) -> None:
    rng = random.Random(seed)
    base = list(whole_policy.records(6, seed) if whole else generate.records(6, seed))
    records = [_vary(r, rng) for r in base for _ in range(2)]  # two variants of each: kept texts are read again
    for policy in policies.values():
        for report, record in zip(policy.evaluate_many(records, as_of=day), records, strict=True):
            if not isinstance(report, Report):
                continue  # a value the reader refuses: an error row, not a report
            fresh = _afresh(policy, record, day)
            for passes in (True, False):
                expected = json.dumps(fresh.to_dict(passes), ensure_ascii=False)
                assert fresh.to_json(passes) == expected
                assert report.to_json(passes) == expected, (policy.id, record.get("id"))
                assert json.dumps(report.to_dict(passes), ensure_ascii=False) == expected, (policy.id, record.get("id"))


def test_failed_texts_tell_apart_what_only_their_messages_show(policies: dict[str, tuoyu_rules.Policy]) -> None:
    """Two caregivers who fail the same rule with the same observed and required values (none: a check) but lack
    different things get their own messages, though the second reads the texts the first left."""
    policy = policies["luzhou_longmatan"]
    record = next(iter(whole_policy.records(1, 5)))
    texts = []
    for education in ("junior_high", "none", "secondary"):
        variant = json.loads(json.dumps(record))
        for member in variant["staff"]:
            if member["role"] == "caregiver":
                member.update(education=education, certificates=[])
        report = policy.evaluate(variant, as_of=DAYS[0])
        fresh = _afresh(policy, variant, DAYS[0])
        assert report.to_json() == fresh.to_json() == json.dumps(report.to_dict(), ensure_ascii=False)
        failed = [f for f in fresh.findings if f.rule == "staff.caregiver.qualification" and f.outcome == "fail"]
        assert failed and failed[0].observed is None and failed[0].required is None
        texts.append(failed[0].message)
    assert len(set(texts)) == 3, texts


def test_template_values_are_keys_by_type_and_text() -> None:
    from tuoyu_rules.expressions.runtime import NO_VALUE

    values = [1, True, Decimal("1"), Decimal("1.0"), "1", None, NO_VALUE, [1], (1,), [True], ["1"], []]
    keys = [value_key(v) for v in values]
    assert None not in keys and len(set(keys)) == len(values)
    assert value_key(1.5) is None and value_key([1, 1.5]) is None and value_key({"a": 1}) is None


def _regions() -> list[dict[str, Any]]:
    rows = []
    for path in sorted(ROOT.glob("examples/*/regions.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


REGIONS = _regions()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), day=st.sampled_from(DAYS))
def test_by_year_targets_through_kept_texts_are_the_ones_built_afresh(
    policies: dict[str, tuoyu_rules.Policy], seed: int, day: datetime.date
) -> None:
    """Region records (by-year targets: their year, progress and the year's citation are in their texts) with their
    counts drawn anew, twice each, under every policy."""
    rng = random.Random(seed)
    records = []
    for row in rng.sample(REGIONS, k=4):
        for _ in range(2):
            variant = json.loads(json.dumps(row))
            for key, value in row.items():
                if isinstance(value, int) and not isinstance(value, bool) and key != "year" and rng.random() < 0.5:
                    variant[key] = rng.choice((0, 1, value // 2, value, value * 2, value + 1))
            records.append(variant)
    for policy in policies.values():
        for report, record in zip(policy.evaluate_many(records, as_of=day), records, strict=True):
            if not isinstance(report, Report):
                continue
            fresh = _afresh(policy, record, day)
            expected = json.dumps(fresh.to_dict(), ensure_ascii=False)
            assert report.to_json() == expected and json.dumps(report.to_dict(), ensure_ascii=False) == expected


def test_findings_are_keyed_by_their_year_and_progress(policies: dict[str, tuoyu_rules.Policy]) -> None:
    """Two target findings of one rule that differ only in year or progress never share a key."""
    policy = policies["luzhou_longmatan"]
    reports = list(policy.evaluate_many(REGIONS, as_of=DAYS[0]))
    targets = [f for r in reports if isinstance(r, Report) for f in r.findings if f.year is not None]
    assert targets, "the example regions give by-year targets"
    keys = {finding_key(f) for f in targets}
    assert None not in keys
    by_key: dict[Any, set[tuple[Any, ...]]] = {}
    for f in targets:
        by_key.setdefault(finding_key(f), set()).add((f.year, str(f.progress), f.outcome, str(f.observed)))
    assert all(len(v) == 1 for v in by_key.values())
