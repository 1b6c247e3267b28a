"""Loading policies: every problem located, inheritance, overrides, parameters by date."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from tuoyu_rules.compiler import compile_file, resolve_parameters
from tuoyu_rules.errors import PolicyError

HEADER = """\
id: {id}
name: 测试
jurisdiction: {{name: 测试区, level: county}}
in_force: {{from: 2023-01-01}}
"""
DOCS = """\
documents:
  d: {title: 测试文件}
"""
RULE = """\
rules:
  - id: slots.max
    observed: total_slots
    op: "<="
    required: max_slots
    message: {zh: "托位 {observed} 超过 {required}"}
    citation: {document: d, clause: 一, quote: 不超过150个}
"""
PARAM = """\
parameters:
  max_slots:
    type: integer
    values: [{since: 2023-01-01, value: 150}]
    citation: {document: d, clause: 一, quote: 不超过150个}
"""
EXAMPLES = """\
examples:
  - {name: a, as_of: 2024-01-01, record: {id: A, total_slots: 150}, expect: {findings: {slots.max: pass}}}
  - {name: b, as_of: 2024-01-01, record: {id: B, total_slots: 151}, expect: {findings: {slots.max: fail}}}
  - {name: c, as_of: 2024-01-01, record: {id: C}, expect: {findings: {slots.max: unknown}}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[str, int | None, int | None]]:
    with pytest.raises(PolicyError) as info:
        compile_file(path)
    return [(p.code, p.location.line, p.location.column) for p in info.value.problems]


def test_valid_policy_compiles(tmp_path: Path) -> None:
    policy = compile_file(write(tmp_path, "ok", HEADER.format(id="ok") + DOCS + PARAM + RULE + EXAMPLES))
    assert [r.id for r in policy.rules] == ["slots.max"]


def test_misspelt_key_is_located_with_a_suggestion(tmp_path: Path) -> None:
    text = HEADER.format(id="x") + DOCS + PARAM.replace("    type:", "    tpye:") + RULE + EXAMPLES
    with pytest.raises(PolicyError) as info:
        compile_file(write(tmp_path, "x", text))
    unknown = [p for p in info.value.problems if p.code == "policy.unknown-key"]
    assert unknown and unknown[0].location.line == 9 and unknown[0].location.column == 5
    assert "did you mean 'type'" in unknown[0].message_en


def test_duplicate_key_is_located(tmp_path: Path) -> None:
    text = HEADER.format(id="x") + "name: 又一个\n" + DOCS + PARAM + RULE + EXAMPLES
    assert ("policy.duplicate-key", 5, 1) in problems(write(tmp_path, "x", text))


def test_unknown_name_in_expression_points_into_the_expression(tmp_path: Path) -> None:
    text = HEADER.format(id="x") + DOCS + PARAM + RULE.replace("required: max_slots", "required: max_slot") + EXAMPLES
    found = problems(write(tmp_path, "x", text))
    assert found == [("policy.unknown-name", 16, 15)]


def test_a_repeated_expression_is_compiled_once_and_each_use_is_still_checked(tmp_path: Path) -> None:
    # the same text in two rules shares one compiled function; a mistake in it is reported at both places
    second = RULE.replace("rules:\n", "").replace("slots.max", "slots.max_again")
    good = HEADER.format(id="x") + DOCS + PARAM + RULE + second + EXAMPLES
    policy = compile_file(write(tmp_path, "x", good))
    assert policy.rules[0].required is policy.rules[1].required
    bad = good.replace("required: max_slots", "required: max_slot")
    found = problems(write(tmp_path, "x", bad))
    assert found == [("policy.unknown-name", 16, 15), ("policy.unknown-name", 22, 15)]


def test_malformed_date_is_located(tmp_path: Path) -> None:
    text = HEADER.format(id="x").replace("2023-01-01", "2023-02-30") + DOCS + PARAM + RULE + EXAMPLES
    assert ("policy.bad-date", 4, 18) in problems(write(tmp_path, "x", text))


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    text = (
        HEADER.format(id="x")
        + DOCS
        + PARAM
        + RULE.replace("max_slots", "max_slot").replace("document: d", "document: e")
        + EXAMPLES
    )
    codes = {code for code, _, _ in problems(write(tmp_path, "x", text))}
    assert {"policy.unknown-name", "policy.unknown-document"} <= codes


def test_unknown_parent_and_cycle_are_errors(tmp_path: Path) -> None:
    child = HEADER.format(id="child") + "extends: nosuch\n" + DOCS + EXAMPLES
    assert problems(write(tmp_path, "child", child))[0][0] == "policy.unknown-parent"
    write(tmp_path, "a", HEADER.format(id="a") + "extends: ./b.yaml\n" + DOCS + EXAMPLES)
    write(tmp_path, "b", HEADER.format(id="b") + "extends: ./a.yaml\n" + EXAMPLES)
    assert problems(tmp_path / "a.yaml")[0][0] == "policy.extends-cycle"


def test_child_inherits_and_must_give_a_reason_to_override(tmp_path: Path) -> None:
    write(tmp_path, "base", HEADER.format(id="base") + DOCS + PARAM + RULE + EXAMPLES)
    override = PARAM.replace("value: 150", "value: 120")
    child = write(
        tmp_path,
        "child",
        HEADER.format(id="child")
        + "extends: ./base.yaml\n"
        + override
        + EXAMPLES.replace("total_slots: 151", "total_slots: 121").replace("total_slots: 150", "total_slots: 120"),
    )
    assert problems(child)[0][0] == "policy.override-without-reason"
    with_reason = override.replace("    type: integer", "    type: integer\n    reason: 本地更严格")
    child.write_text(
        textwrap.dedent(
            HEADER.format(id="child")
            + "extends: ./base.yaml\n"
            + with_reason
            + EXAMPLES.replace("total_slots: 151", "total_slots: 121").replace("total_slots: 150", "total_slots: 120")
        ),
        encoding="utf-8",
    )
    compiled = compile_file(child)
    assert compiled.chain == ("child", "base")
    assert compiled.parameters["max_slots"].overridden[0][0] == "base"
    assert compiled.params_at(datetime.date(2024, 1, 1)).point["max_slots"] == 120


def test_disable_switches_a_parent_rule_off(tmp_path: Path) -> None:
    write(tmp_path, "base", HEADER.format(id="base") + DOCS + PARAM + RULE + EXAMPLES)
    child = (
        HEADER.format(id="child")
        + "extends: ./base.yaml\n"
        + textwrap.dedent("""\
        disable:
          - rule: slots.max
            reason: 本区不限规模
            citation: {document: d, clause: 二, quote: 不限}
        examples:
          - {name: a, as_of: 2024-01-01, record: {id: A, total_slots: 900}, expect: {status: pass, findings: {slots.max: absent}}}
          - {name: b, as_of: 2024-01-01, record: {id: B}, expect: {status: pass}}
          - {name: c, as_of: 2024-01-01, record: {id: C, total_slots: 1}, expect: {status: pass}}
        """)
    )
    compiled = compile_file(write(tmp_path, "child", child))
    assert compiled.rules == () and "slots.max" in compiled.disabled


def test_parameter_values_hold_from_their_date_until_the_next(tmp_path: Path) -> None:
    dated = PARAM.replace(
        "values: [{since: 2023-01-01, value: 150}]",
        "values: [{since: 2022-01-01, value: 1000}, {since: 2023-01-01, value: 2000}]",
    )
    compiled = compile_file(write(tmp_path, "ok", HEADER.format(id="ok") + DOCS + dated + RULE + EXAMPLES))
    at = {
        d: resolve_parameters(compiled.parameters, datetime.date.fromisoformat(d)).point.get("max_slots")
        for d in ("2021-12-31", "2022-01-01", "2022-12-31", "2023-01-01", "2030-01-01")
    }
    assert at == {"2021-12-31": None, "2022-01-01": 1000, "2022-12-31": 1000, "2023-01-01": 2000, "2030-01-01": 2000}


def test_value_at_reads_values_by_date_even_when_written_out_of_order(tmp_path: Path) -> None:
    dated = PARAM.replace(
        "values: [{since: 2023-01-01, value: 150}]",
        "values: [{since: 2023-01-01, value: 2000}, {since: 2022-01-01, value: 1000}]",
    )
    compiled = compile_file(write(tmp_path, "ok", HEADER.format(id="ok") + DOCS + dated + RULE + EXAMPLES))
    param = compiled.parameters["max_slots"]
    entries = {d: param.value_at(datetime.date.fromisoformat(d)) for d in ("2021-12-31", "2022-06-30", "2023-01-01")}
    at = {d: None if entry is None else entry.value for d, entry in entries.items()}
    assert at == {"2021-12-31": None, "2022-06-30": 1000, "2023-01-01": 2000}
    assert resolve_parameters(compiled.parameters, datetime.date(2022, 6, 30)).point["max_slots"] == 1000


def test_range_and_unspecified_values(tmp_path: Path) -> None:
    ranged = PARAM.replace(
        "values: [{since: 2023-01-01, value: 150}]", "values: [{since: 2023-01-01, min: 400, max: 600}]"
    ).replace("type: integer", "type: money")
    text = (
        HEADER.format(id="ok")
        + DOCS
        + ranged
        + RULE
        + EXAMPLES.replace("slots.max: pass", "slots.max: unknown").replace("slots.max: fail", "slots.max: unknown")
    )
    compiled = compile_file(write(tmp_path, "ok", text))
    params = compiled.params_at(datetime.date(2024, 1, 1))
    assert params.ranged == {"max_slots"} and params.low["max_slots"] == 400 and params.high["max_slots"] == 600
    assert "max_slots" not in params.point


def test_too_few_examples_is_an_error(tmp_path: Path) -> None:
    text = HEADER.format(id="x") + DOCS + PARAM + RULE + "examples: []\n"
    assert problems(write(tmp_path, "x", text))[0][0] == "policy.too-few-examples"


def test_the_test_fixture_policy_is_valid_and_its_examples_pass(mini_path: Path) -> None:
    from tuoyu_rules.examples import run_examples

    assert [p.render() for r in run_examples(compile_file(mini_path)) for p in r.problems] == []
