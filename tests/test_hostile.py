"""Hostile and broken input: every case gets a located error, fast, in bounded memory; nothing else escapes."""

from __future__ import annotations

import datetime
import json
import random
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.compiler import bundled_dir, compile_file
from tuoyu_rules.errors import PolicyError, RecordError
from tuoyu_rules.expressions import Scope, compile_expression
from tuoyu_rules.records import read_rows

HOSTILE = Path(__file__).resolve().parent / "hostile"
POLICY_CASES = json.loads((HOSTILE / "policies" / "expected.json").read_text(encoding="utf-8"))
LEDGER_CASES = json.loads((HOSTILE / "ledgers" / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(POLICY_CASES))
def test_hostile_policy_gets_a_located_error_within_a_second(name: str) -> None:
    start = time.perf_counter()
    with pytest.raises(PolicyError):
        compile_file(HOSTILE / "policies" / name)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    with pytest.raises(PolicyError) as info:
        compile_file(HOSTILE / "policies" / name)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    codes = [p.code for p in info.value.problems]
    assert POLICY_CASES[name] in codes, codes
    problem = next(p for p in info.value.problems if p.code == POLICY_CASES[name])
    assert (problem.location.file and problem.location.file.endswith(name.split("/")[-1])) or "extends" in name
    assert elapsed < 1.0 and peak < 100 * 1024 * 1024


def test_no_hostile_expression_ran(tmp_path: Path) -> None:
    assert not Path("/tmp/pwned").exists()


@pytest.mark.parametrize("name", sorted(n for n in LEDGER_CASES if n.endswith(".jsonl")))
def test_hostile_ledger_rows_become_error_rows_and_nothing_is_lost(name: str) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    rows = list(read_rows(HOSTILE / "ledgers" / name))
    start = time.perf_counter()
    out = list(policy.evaluate_many(rows, as_of=datetime.date(2024, 6, 30)))
    assert time.perf_counter() - start < 1.0
    assert len(out) == len(rows) == len(LEDGER_CASES[name])
    for report, expected in zip(out, LEDGER_CASES[name], strict=True):
        if expected == "ok":
            assert report.status != "error"
        elif expected.startswith("warning:"):  # a refused value in a field the policy never reads
            assert report.status != "error"
            assert expected.removeprefix("warning:") in [w["code"] for w in report.to_dict()["warnings"]]
        else:
            d = report.to_dict()
            assert d["status"] == "error" and expected in [e["code"] for e in d["errors"]], d
            assert d["row"] == report.row


def test_undecodable_ledger_is_a_record_error() -> None:
    with pytest.raises(RecordError) as info:
        list(read_rows(HOSTILE / "ledgers" / "binary.csv"))
    assert info.value.problems[0].code == LEDGER_CASES["binary.csv"]


# ---- fuzzing ----------------------------------------------------------------------------------------------------
BUNDLED = {p.stem: p.read_text(encoding="utf-8") for p in sorted(bundled_dir().glob("*.yaml"))}
TOKENS = [
    "",
    " ",
    ":",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "&a",
    "*a",
    "!!python/name:os.system",
    "\t",
    "\n",
    "__class__",
    "**",
    "10",
    "-1",
    ".nan",
    "2023-13-45",
    "passes('*')",
    "ceil(",
    "x.y.z",
    "{observed",
    "}}",
]


@st.composite
def mutated_policy(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(BUNDLED)))
    lines = BUNDLED[name].splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "truncate", "swap"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(TOKENS)) + lines[i][at:]
        elif action == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None)
@given(text=mutated_policy())
def test_mutated_bundled_policies_raise_only_policy_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    try:
        policy = compile_file(path)
    except PolicyError as exc:
        assert exc.problems and all(p.location.file for p in exc.problems)
    else:
        from tuoyu_rules.examples import run_examples

        run_examples(policy)  # a mutation that still loads must also evaluate without crashing
    assert time.perf_counter() - start < 5


EXPR_TOKENS = [
    "total_slots",
    "indoor_area_m2",
    "classes",
    "c",
    "c.enrolled",
    "for",
    "in",
    "if",
    "(",
    ")",
    "[",
    "]",
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "and",
    "or",
    "not",
    "==",
    ">=",
    "<",
    "1",
    "0",
    "4.5",
    "'infant'",
    "sum",
    "ceil",
    "min",
    "max",
    "count",
    "percent",
    ",",
    ".",
    "__class__",
    "lambda",
    ":",
    "x",
    "has",
    "surveillance.retention_days",
    "institution",
    "passes('class.*')",
    "1e999",
    "_",
    "{",
    "}",
]


@given(st.lists(st.sampled_from(EXPR_TOKENS), min_size=1, max_size=25))
def test_random_expressions_are_rejected_or_compiled_never_crash(tokens: list[str]) -> None:
    text = " ".join(tokens)
    result = compile_expression(
        text, Scope("institution", {"indoor": "number"}, ("class.size.infant",), allow_passes=True)
    )
    if isinstance(result, list):
        assert result and all(p.code.startswith("policy.") for p in result)
    else:
        from tuoyu_rules.expressions import EVAL_ERRORS, build_function

        fn = build_function(result.source)
        record = {
            "total_slots": 10,
            "indoor_area_m2": 50,
            "classes": [{"enrolled": 3}],
            "surveillance": {"retention_days": 90},
        }
        try:
            fn(record, {"indoor": 5}, None, 2024, {"class.size.infant": "pass"}, None)
        except EVAL_ERRORS:
            pass


record_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "total_slots",
                "indoor_area_m2",
                "outdoor_area_m2",
                "tenure",
                "lease_years",
                "inclusive",
                "classes",
                "staff",
                "surveillance",
                "form",
                "construction",
                "kind",
                "year",
                "subregions",
                "population",
            ]
        ),
        record_values,
        max_size=10,
    )
)
def test_generated_records_give_a_report_or_a_record_error(fields: dict) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    try:
        report = policy.evaluate(fields, as_of=datetime.date(2024, 6, 30))
    except RecordError as exc:
        assert exc.problems
        return
    json.dumps(report.to_dict(), ensure_ascii=False)


def test_a_shuffled_batch_gives_the_same_report_for_each_record() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    rows = [
        r.data
        for r in read_rows(Path(__file__).resolve().parent.parent / "examples/luzhou_longmatan/institutions.jsonl")
    ]
    day = datetime.date(2024, 6, 30)
    straight = {r.id: json.dumps(r.to_dict(), sort_keys=True) for r in policy.evaluate_many(rows, as_of=day)}
    random.Random(5).shuffle(rows)
    shuffled = {r.id: json.dumps(r.to_dict(), sort_keys=True) for r in policy.evaluate_many(rows, as_of=day)}
    assert straight == shuffled
