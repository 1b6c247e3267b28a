"""A compiled policy pickles by reference to its source files (compiler/pickling.py): small, recompiled once per
process, the same reports after the round trip, and refused when a file of its chain changed since."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import multiprocessing
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.compiler import PolicyRef, bundled_dir, lookup, pickling, reference
from tuoyu_rules.errors import PolicyError
from tuoyu_rules.records import read_rows

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "examples" / "luzhou_longmatan" / "institutions.csv"
DAY = datetime.date(2024, 6, 30)


@pytest.fixture(autouse=True)
def _fresh_table() -> Any:
    """Each test starts with no policy unpickled in this process (as a new worker does)."""
    pickling._POLICIES.clear()
    yield
    pickling._POLICIES.clear()


def _dicts(policy: tuoyu_rules.Policy, as_of: datetime.date = DAY) -> list[dict[str, Any]]:
    return [dict(r.to_dict()) for r in policy.evaluate_many(read_rows(LEDGER), as_of=as_of)]


def _chain_copy(tmp_path: Path) -> Path:
    """luzhou_longmatan and its parent national as files of a folder of one's own (the child extends ./national)."""
    shutil.copy(bundled_dir() / "national.yaml", tmp_path / "national.yaml")
    text = (bundled_dir() / "luzhou_longmatan.yaml").read_text(encoding="utf-8")
    child = tmp_path / "luzhou_longmatan.yaml"
    child.write_text(text.replace("extends: national", "extends: ./national.yaml", 1), encoding="utf-8")
    return child


@pytest.mark.parametrize("policy_id", tuoyu_rules.compiler.bundled_ids())
def test_a_bundled_policy_pickles_small_and_gives_the_same_reports(policy_id: str) -> None:
    policy = tuoyu_rules.load_policy(policy_id)
    data = pickle.dumps(policy)
    assert len(data) < 1500  # a reference: the generated functions and the model are never in it
    assert b"lambda" not in data and b"def " not in data
    again = pickle.loads(data)
    assert again.id == policy_id
    assert _dicts(again) == _dicts(policy)


def test_unpickling_compiles_once_per_process() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").with_parameters({"ratio_infant": "4"})
    data = pickle.dumps(policy.compiled)
    first, second = pickle.loads(data), pickle.loads(data)
    assert first is second  # the process-level table: one compiled policy per reference
    assert lookup(reference(policy.compiled)) is first


def test_what_if_values_and_their_reason_survive_the_round_trip() -> None:
    written = tuoyu_rules.load_policy("luzhou_longmatan")
    what_if = written.with_parameters({"ratio_infant": " 4 "}, reason="试算").with_parameters({"ratio_older": 9})
    again = pickle.loads(pickle.dumps(what_if))
    for name in ("ratio_infant", "ratio_older"):
        assert again.compiled.parameters[name] == what_if.compiled.parameters[name]
    assert again.compiled.provenance == what_if.compiled.provenance  # the overrides the reports name
    assert _dicts(again) == _dicts(what_if) != _dicts(written)


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.integers(1, 40), st.decimals(1, 40, places=2), st.integers(1, 40).map(str)))
def test_a_what_if_value_of_any_spelling_unpickles_to_the_same_parameter(value: Any) -> None:
    pickling._POLICIES.clear()
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    try:
        what_if = policy.with_parameters({"surveillance_retention_days_min": value})
    except PolicyError:
        return  # a value the parameter refuses is refused before anything is pickled
    again = pickle.loads(pickle.dumps(what_if)).compiled
    assert again.parameters == what_if.compiled.parameters
    assert again.provenance == what_if.compiled.provenance


def test_a_policy_file_of_ones_own_pickles_by_its_path(tmp_path: Path) -> None:
    policy = tuoyu_rules.load_policy(_chain_copy(tmp_path))
    ref = reference(policy.compiled)
    assert not ref.bundled and ref.source == str(tmp_path / "luzhou_longmatan.yaml")
    assert [name for name, _ in ref.files] == [str(tmp_path / "luzhou_longmatan.yaml"), str(tmp_path / "national.yaml")]
    assert _dicts(pickle.loads(pickle.dumps(policy))) == _dicts(policy)


@pytest.mark.parametrize("changed", ["luzhou_longmatan.yaml", "national.yaml"])
def test_a_file_changed_since_pickling_is_refused(tmp_path: Path, changed: str) -> None:
    data = pickle.dumps(tuoyu_rules.load_policy(_chain_copy(tmp_path)))
    target = tmp_path / changed
    target.write_text(target.read_text(encoding="utf-8") + "# 改过 edited\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        pickle.loads(data)
    (problem,) = caught.value.problems
    assert problem.code == "policy.source-changed"
    assert changed in problem.message_en and "changed since it was pickled" in problem.message_en


def test_another_engine_version_is_refused() -> None:
    ref = dataclasses.replace(reference(tuoyu_rules.load_policy("national").compiled), engine_version="0.0.0")
    with pytest.raises(PolicyError) as caught:
        lookup(ref)
    assert "pickled by tuoyu-rules 0.0.0" in caught.value.problems[0].message_en


def test_a_policy_not_loaded_from_a_file_says_why_it_cannot_pickle() -> None:
    compiled = dataclasses.replace(tuoyu_rules.load_policy("national").compiled, provenance=None)
    with pytest.raises(pickle.PicklingError, match="not loaded from a file"):
        pickle.dumps(compiled)


def _reports_in_a_new_process(data: bytes) -> list[dict[str, Any]]:
    policy = pickle.loads(data)  # compiled here: a spawned process has never seen it
    return _dicts(policy)


def test_a_spawned_process_recompiles_and_gives_the_same_reports() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").with_parameters({"ratio_infant": "4"})
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        theirs = pool.submit(_reports_in_a_new_process, pickle.dumps(policy)).result()
    assert theirs == _dicts(policy)


def test_the_reference_is_plain_data() -> None:
    ref = reference(tuoyu_rules.load_policy("fujian").compiled)
    assert isinstance(ref, PolicyRef) and ref.bundled and ref.source == "fujian"
    assert [name for name, _ in ref.files] == ["policies/fujian.yaml", "policies/national.yaml"]
    assert pickle.loads(pickle.dumps(ref)) == ref


class _Broadcast:
    """What ``sc.broadcast(policy)`` hands an executor: the value, unpickled there."""

    def __init__(self, value: Any):
        self.value = pickle.loads(pickle.dumps(value))


def test_the_spark_example_checks_a_partition_like_one_process() -> None:
    # docs/examples/spark_check.py runs by hand with Spark; its per-partition function runs here without it
    import csv
    import importlib.util

    spec = importlib.util.spec_from_file_location("spark_check", ROOT / "docs" / "examples" / "spark_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ledger = ROOT / "examples" / "luzhou_longmatan" / "institutions.csv"
    text = ledger.read_bytes().decode("gb18030")
    header, *rows = list(csv.reader(text.splitlines()))
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    spark_rows = [(tuple(cell or None for cell in row), index) for index, row in enumerate(rows)]  # Spark: None
    mine = list(module.check_partition(spark_rows, _Broadcast(policy), header, DAY, str(ledger)))
    assert mine == module.one_process(str(ledger), policy, DAY)
    assert {v[2] for v in mine} >= {"fail"}
