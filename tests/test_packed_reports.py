"""Kept reports pack their records (issue 18): a report of ``evaluate_many`` that the caller keeps, and whose record
nothing else holds, keeps that record as plain values the cyclic garbage collector lets go of; ``report.record``
gives back the very same normalized dict, and no output changes by a byte."""

from __future__ import annotations

import datetime
import gc
import importlib.util
import json
import pickle
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules import report as report_module
from tuoyu_rules.records import normalize_record
from tuoyu_rules.report import Report, pack_record, packed_get, unpack_record

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
AS_OF = datetime.date(2024, 6, 30)
sys.path.insert(0, str(ROOT / "benchmarks"))
import whole_policy  # noqa: E402


def _typed(value: Any) -> Any:
    """``value`` with every type and key order spelled out: equal only when two values are the same to the byte."""
    if isinstance(value, dict):
        return ("dict", type(value).__name__, [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, str(value))


@pytest.fixture(scope="module")
def luzhou() -> tuoyu_rules.Policy:
    return tuoyu_rules.load_policy("luzhou_longmatan")


@pytest.fixture(scope="module")
def raw() -> list[dict[str, Any]]:
    out = [json.loads(json.dumps(r)) for r in whole_policy.records(300, 11)]
    for i, r in enumerate(out):  # some unknowns: a missing field, a class without its caregivers
        if i % 3 == 1:
            r.pop("monthly_fee")
        elif i % 3 == 2:
            r["classes"][0].pop("caregivers")
    return out


def test_a_kept_list_leaves_the_collector_about_one_object_per_report(
    luzhou: tuoyu_rules.Policy, raw: list[dict[str, Any]]
) -> None:
    """The normalized record (a dict, its class and staff lists, the staff dicts …: 15 objects here) is not kept."""
    list(luzhou.evaluate_many(raw[:5], as_of=AS_OF))  # warm the per-date caches
    gc.collect()
    before = len(gc.get_objects())
    kept = list(luzhou.evaluate_many(raw, as_of=AS_OF))
    gc.collect()
    per_report = (len(gc.get_objects()) - before - 1) / len(kept)
    assert per_report <= 1.5, f"{per_report:.2f} tracked objects per kept report"
    assert {r.status for r in kept} >= {"fail", "incomplete"}, "the records give failures and unknowns"


def test_a_packed_record_is_the_normalized_record(luzhou: tuoyu_rules.Policy, raw: list[dict[str, Any]]) -> None:
    kept = list(luzhou.evaluate_many(raw, as_of=AS_OF))
    packed = sum(type(r._record) is tuple for r in kept)
    assert packed == len(kept) - 2, "every kept report but the last two (looked at two reports later) is packed"
    for report, record in zip(kept, raw, strict=True):
        assert isinstance(report, Report)
        assert report.id == record["id"]
        assert _typed(report.record) == _typed(normalize_record(record))
        assert report.record is report.record, "unpacked once, then the same dict"


def test_packed_reports_write_the_bytes_of_live_ones(luzhou: tuoyu_rules.Policy, raw: list[dict[str, Any]]) -> None:
    streamed = [(r.to_json(), r.to_dict(), r.to_json(passes=False)) for r in luzhou.evaluate_many(raw, as_of=AS_OF)]
    kept = list(luzhou.evaluate_many(raw, as_of=AS_OF))
    for report, (text, d, short) in zip(kept, streamed, strict=True):
        assert isinstance(report, Report)
        assert report.to_json() == text and report.to_dict() == d and report.to_json(passes=False) == short
    assert sum(type(r._record) is tuple for r in kept) == len(kept) - 2, "writing a report does not unpack it"
    assert [r.to_json() for r in pickle.loads(pickle.dumps(kept))] == [t for t, _, _ in streamed]


def test_a_record_the_caller_took_stays_that_dict(luzhou: tuoyu_rules.Policy, raw: list[dict[str, Any]]) -> None:
    taken: list[tuple[Report, Any]] = []
    for report in luzhou.evaluate_many(raw[:50], as_of=AS_OF):
        assert isinstance(report, Report)
        taken.append((report, report.record))
    assert all(report.record is record for report, record in taken)
    with_findings = []
    for report in luzhou.evaluate_many(raw[:50], as_of=AS_OF):
        assert isinstance(report, Report)
        with_findings.append((report, report.findings))
    assert all(r.findings is f and f[0].args[0] is r.record for r, f in with_findings if f[0].subject is None)


def test_a_stream_that_drops_its_reports_packs_nothing(
    luzhou: tuoyu_rules.Policy, raw: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    monkeypatch.setattr(report_module, "pack_record", lambda record: calls.append(1) or pack_record(record))
    for report in luzhou.evaluate_many(raw, as_of=AS_OF):
        report.failed_rules()
    statuses = [r.status for r in luzhou.evaluate_many(raw, as_of=AS_OF)]
    assert not calls and len(statuses) == len(raw)
    list(luzhou.evaluate_many(raw, as_of=AS_OF))
    assert len(calls) == len(raw) - 2


def test_a_checked_despite_report_keeps_its_warnings_when_packed(luzhou: tuoyu_rules.Policy) -> None:
    compiled = luzhou.compiled
    record = json.loads(json.dumps(next(iter(whole_policy.records(1, 3)))))
    unread = next(
        f for f in ("star_rating", "guide_price", "total_slots") if not compiled.reads_field("institution", f)
    )
    rows = [{**record, "id": f"X{i}", unread: "abc"} for i in range(5)]
    kept = list(luzhou.evaluate_many(rows, as_of=AS_OF))
    fresh = [luzhou.evaluate_many([row], as_of=AS_OF) for row in rows]
    assert type(kept[0]._record) is tuple
    for report, one in zip(kept, fresh, strict=True):
        alone = next(iter(one))
        assert isinstance(report, Report) and isinstance(alone, Report)
        assert report.warnings and report.warnings == alone.warnings
        assert unread not in report.record and report.to_json() == alone.to_json()


_plain = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=5),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
)
_values = st.recursive(_plain, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=4), _values, max_size=6), st.dictionaries(st.text(max_size=4), _values))
def test_unpacking_gives_back_the_record_type_for_type(record: dict[str, Any], other: dict[str, Any]) -> None:
    """Keys in their order, lists as lists, True apart from 1, Decimal('1.00') apart from 1, nested alike; a second
    record with the same keys in the same order (the shape is shared) comes back as itself too."""
    second = dict(zip(record, [*other.values(), *record.values()], strict=False))
    for one in (record, second):
        packed = pack_record(one)
        if packed is None:
            assert not gc.is_tracked(one), "only a dict the collector does not walk is left unpacked"
            continue
        assert _typed(unpack_record(packed)) == _typed(one)
        for key in one:
            assert _typed(packed_get(packed, key)) == _typed(one[key])
        assert packed_get(packed, "no such key \0") is None


def test_report_bytes_of_packed_reports_are_the_recorded_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case of tests/data/report_bytes (the bundled examples of every policy, 10,000 generated institutions …)
    with each report's record packed gives the bytes recorded before reports were lean."""
    spec = importlib.util.spec_from_file_location("report_bytes_make_packed", DATA / "report_bytes" / "make.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)

    def packed(report: Any, passes: bool = True, trace: bool = False) -> bytes:
        if isinstance(report, Report) and type(report._record) is dict:
            report._record = pack_record(report._record) or report._record
        return str(report.to_json(passes=passes, trace=trace)).encode("utf-8")

    expected = json.loads((DATA / "report_bytes" / "hashes.json").read_text(encoding="utf-8"))
    got = {name: make.digest(texts) for name, texts in make.cases(packed)}
    assert got.keys() == expected.keys()
    assert not sorted(name for name in got if got[name] != expected[name])


def test_a_decimal_inside_a_list_is_packed_exactly() -> None:
    record = {"id": "R", "kind": "region", "subregions": [{"id": "a", "area": Decimal("1.10")}], "n": 1}
    packed = pack_record(record)
    assert packed is not None
    assert _typed(unpack_record(packed)) == _typed(record)


def test_changing_a_report_dict_changes_no_other_nor_the_next(
    luzhou: tuoyu_rules.Policy, raw: list[dict[str, Any]]
) -> None:
    """to_dict() hands out copies of the dicts it keeps per policy (passing and unknown findings, lines): a caller
    that edits one (its keys, its missing lists, an exclusion, a benefit's superseded figures) changes nothing else.
    Citations are shared by every finding of a rule, as they always were, and are not to be changed."""
    reports = [r for r in luzhou.evaluate_many(raw[:60], as_of=AS_OF) if isinstance(r, Report)]
    expected = [json.dumps(r.to_dict(), ensure_ascii=False) for r in reports]
    for report in reports:
        d = report.to_dict()
        for item in [*d["findings"], *d["subsidies"], *d.get("benefits", [])]:
            for key in list(item):
                if key == "citation":
                    continue
                value = item[key]
                if isinstance(value, list):
                    value.append("changed")
                    for sub in value:
                        if isinstance(sub, dict):
                            sub["value"] = "changed"
                            sub["citation"] = "changed"
                elif isinstance(value, dict):
                    value["reason"] = "changed"
                item[key] = "changed" if key in ("message", "outcome", "title") else item[key]
            item["added"] = True
    assert [json.dumps(r.to_dict(), ensure_ascii=False) for r in reports] == expected
    assert [r.to_json() for r in reports] == expected
    found = {k for d in map(json.loads, expected) for item in d["subsidies"] + d.get("benefits", []) for k in item}
    assert {"missing", "stated"} <= found, "the records give lines with missing fields and superseded figures"


def test_items_past_the_shared_labels_are_judged_alike(luzhou: tuoyu_rules.Policy, raw: list[dict[str, Any]]) -> None:
    """The first 64 items of a list get raw findings made once; later ones are made per item, with the same verdicts."""
    record = json.loads(json.dumps(raw[0]))
    good, bad = dict(record["classes"][0]), {**record["classes"][0], "caregivers": 0}
    record["classes"] = [good if k % 2 else bad for k in range(70)]
    record["staff"] = [record["staff"][0]] * 70
    report = luzhou.evaluate(record, as_of=AS_OF)
    seen: dict[tuple[str, str, int], set[tuple[str, str]]] = {}
    items: dict[tuple[str, str], set[int]] = {}
    for f in report.findings:
        if f.subject is not None:
            name, k = f.subject.rstrip("]").split("[")
            parity = int(k) % 2 if name == "classes" else 0
            seen.setdefault((f.rule, name, parity), set()).add((f.outcome, f.message.split("] ", 1)[1]))
            items.setdefault((f.rule, name), set()).add(int(k))
    assert all(len(v) == 1 for v in seen.values()), "every item alike is judged alike, before 64 and after"
    assert all(v == set(range(70)) for v in items.values()), "every item has its finding of every rule of its list"
    assert any(outcome == "fail" for v in seen.values() for outcome, _ in v)
