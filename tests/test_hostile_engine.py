"""Hostile policies around the sandbox (issue 15): no wrong verdict, no constant that hides an error, no hang."""

from __future__ import annotations

import datetime
import decimal
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.compiler import bundled_dir, compile_file
from tuoyu_rules.errors import PolicyError
from tuoyu_rules.evaluate import evaluate_record
from tuoyu_rules.expressions import Scope, compile_expression

AS_OF = datetime.date(2024, 6, 30)
BASE = """\
id: hostile
name: 测试
jurisdiction: {name: 测试区, level: county}
in_force: {from: 2023-01-01}
documents:
  d: {title: 测试文件}
parameters:
  indoor:
    type: number
    unit: m2
    values: [{since: 2019-01-01, value: 5}]
    citation: {document: d, clause: x, quote: q}
  op:
    type: money
    values: [{since: 2019-01-01, value: 500}]
    citation: {document: d, clause: x, quote: q}
rules:
  - id: area.indoor_per_slot
    observed: indoor_area_m2 / total_slots
    op: ">="
    required: indoor
    message: {zh: "每托位 {observed} ㎡"}
    citation: {document: d, clause: x, quote: q}
  - id: target.total_slots
    subject: region
    observed: total_slots
    op: ">="
    by_year: {2024: 2000}
    message: {zh: "托位 {observed}"}
    citation: {document: d, clause: x, quote: q}
"""
EXAMPLES = """\
examples:
  - {name: a, as_of: 2024-01-01, record: {id: A, total_slots: 10, indoor_area_m2: 50}, expect: {findings: {area.indoor_per_slot: pass}}}
  - {name: b, as_of: 2024-01-01, record: {id: B, total_slots: 10, indoor_area_m2: 40}, expect: {findings: {area.indoor_per_slot: fail}}}
  - {name: c, as_of: 2024-01-01, record: {id: C}, expect: {findings: {area.indoor_per_slot: unknown}}}
"""
SMALL = {"id": "M", "inclusive": True, "total_slots": 20, "indoor_area_m2": 50}


def write(tmp_path: Path, text: str, name: str = "hostile") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(BASE + textwrap.dedent(text) + EXAMPLES, encoding="utf-8")
    return path


def codes(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        compile_file(path)
    assert all(p.location.file and p.location.line for p in info.value.problems), info.value.problems
    return [p.code for p in info.value.problems]


# ---- passes() anywhere sees the real rule outcomes ------------------------------------------------------------------
def test_an_exclusion_using_passes_sees_the_failed_rule(tmp_path: Path) -> None:
    policy = compile_file(
        write(
            tmp_path,
            """\
            subsidies:
              - id: subsidy.op
                period: month
                eligible: inclusive
                exclusions:
                  - when: not passes('area.*')
                    reason: {zh: 面积不达标, en: area below the standard}
                amount: op
                citation: {document: d, clause: x, quote: q}
            """,
        )
    )
    line = evaluate_record(policy, SMALL, AS_OF).subsidies[0]
    assert line.eligible is False and line.excluded_by is not None
    good = evaluate_record(policy, {**SMALL, "indoor_area_m2": 100}, AS_OF).subsidies[0]
    assert good.eligible is True and str(good.amount) == "500.00"


def test_a_benefit_using_passes_sees_the_failed_rule(tmp_path: Path) -> None:
    policy = compile_file(
        write(
            tmp_path,
            """\
            benefits:
              - id: benefit.x
                eligible: passes('area.*')
                citation: {document: d, clause: x, quote: q}
            """,
        )
    )
    assert evaluate_record(policy, SMALL, AS_OF).benefits[0].eligible is False


def test_passes_naming_only_region_rules_in_an_institution_subsidy_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        subsidies:
          - id: subsidy.op
            period: month
            eligible: inclusive and passes('target.*')
            amount: op
            citation: {document: d, clause: x, quote: q}
        """,
    )
    assert codes(path) == ["policy.passes-other-kind"]


# ---- parameters have valid ranges ---------------------------------------------------------------------------------
CHILD = """\
id: child
extends: national
name: 子策略
jurisdiction: {name: 测试区, level: county}
in_force: {from: 2023-01-01}
documents:
  c: {title: 测试文件}
parameters:
  ratio_infant:
    type: integer
    unit: children/caregiver
    reason: 测试
    values: [{since: 2019-01-01, value: -3}]
    citation: {document: c, clause: x, quote: q}
"""


def test_a_child_policy_cannot_set_a_negative_ratio(tmp_path: Path) -> None:
    path = tmp_path / "child.yaml"
    path.write_text(CHILD, encoding="utf-8")
    assert "policy.value-out-of-range" in codes(path)


@pytest.mark.parametrize(
    ("name", "value"),
    [("ratio_infant", "-3"), ("ratio_infant", "0"), ("slots_per_1000_target", "-1"), ("ratio_infant", "-0.5")],
)
def test_set_outside_the_valid_range_is_refused(name: str, value: str) -> None:
    policy = tuoyu_rules.load_policy("national")
    if name not in policy.compiled.parameters:
        pytest.skip(f"national has no {name}")
    with pytest.raises(PolicyError) as info:
        policy.with_parameters({name: value})
    assert info.value.problems[0].code in ("policy.value-out-of-range", "policy.bad-value-type")
    assert name in info.value.problems[0].message_en


def test_set_inside_the_valid_range_is_accepted() -> None:
    policy = tuoyu_rules.load_policy("national").with_parameters({"ratio_infant": "4"})
    assert policy.compiled.parameters["ratio_infant"].point_at(AS_OF) == 4


def _expected_inside(kind: str, unit: str | None, value: Any) -> bool:
    """The documented ranges, restated: percent 0–100, money and counts ≥ 0, ratios and areas > 0."""
    if kind == "percent":
        return bool(0 <= value <= 100)
    if kind != "money" and unit and ("/" in unit or unit.startswith("m2")):
        return bool(value > 0)
    return bool(value >= 0)


NATIONAL = tuoyu_rules.load_policy("national")
NUMERIC = sorted(n for n, p in NATIONAL.compiled.parameters.items() if p.spec.type in ("integer", "number", "money"))


@settings(max_examples=80, deadline=None)
@given(
    name=st.sampled_from(NUMERIC),
    value=st.integers(-1000, 1000) | st.decimals(-1000, 1000, places=2, allow_nan=False, allow_infinity=False),
)
def test_every_override_is_inside_its_range_or_refused(name: str, value: Any) -> None:
    spec = NATIONAL.compiled.parameters[name].spec
    if spec.type == "integer" and value != int(value):
        return
    inside = _expected_inside(spec.type, spec.unit, value)
    try:
        NATIONAL.with_parameters({name: str(value)})
    except PolicyError as exc:
        assert not inside and exc.problems[0].code == "policy.value-out-of-range", exc.problems
        assert exc.problems[0].location.field == name
    else:
        assert inside


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["integer", "number", "money", "percent"]),
    unit=st.sampled_from(["children/caregiver", "m2/slot", "CNY", "years", "%"]),
    value=st.integers(-200, 200),
)
def test_every_policy_value_is_inside_its_range_or_refused(kind: str, unit: str, value: int) -> None:
    path = Path(tempfile.mkdtemp()) / "hostile.yaml"
    param = f"  x: {{type: {kind}, unit: '{unit}', values: [{{since: 2019-01-01, value: {value}}}], citation: {{document: d, clause: x, quote: q}}}}\n"
    path.write_text(BASE.replace("parameters:\n", "parameters:\n" + param) + EXAMPLES, encoding="utf-8")
    if _expected_inside(kind, unit, value):
        compile_file(path)
    else:
        assert codes(path) == ["policy.value-out-of-range"]


# ---- every name and attribute is resolved at load; nothing compiles to a constant in silence ---------------------
SCOPE_PARAMS = {"ratio_infant": "integer", "indoor": "number", "rate": "money", "label": "text"}


def expr_codes(text: str, subject: str = "institution", **kw: Any) -> list[str]:
    result = compile_expression(text, Scope(subject, SCOPE_PARAMS, ("area.x",), **kw))
    assert isinstance(result, list), f"{text!r} compiled to {result.source!r}"
    return [p.code for p in result]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ratio_infant.enabled", "policy.unknown-field"),
        ("year.month > 1", "policy.unknown-field"),
        ("target.value > 1", "policy.unknown-field"),
        ("sum(1 for c in ratio_infant) > 0", "policy.unknown-field"),
        ("any(c for c in year)", "policy.unknown-field"),
        ("has(surveillance.nonexistent)", "policy.unknown-field"),
        ("has(surveillance.__class__)", "policy.unknown-field"),
        ("has(ratio_infant.x)", "policy.unknown-field"),
        ("sum(sum(1 for s in staff) for c in classes) > 1", "policy.nested-generator"),
        ("any(any(s.role == 'x' for s in staff) for c in classes)", "policy.nested-generator"),
    ],
)
def test_an_invalid_expression_never_compiles_to_a_constant(text: str, code: str) -> None:
    assert code in expr_codes(text, by_year=True)


def test_a_real_field_under_has_still_compiles() -> None:
    result = compile_expression("has(surveillance.retention_days)", Scope("institution", SCOPE_PARAMS))
    assert not isinstance(result, list) and result.source == "('retention_days' in r['surveillance'])"


@settings(max_examples=120, deadline=None)
@given(
    head=st.sampled_from([*SCOPE_PARAMS, "year", "target"]),
    attrs=st.lists(st.sampled_from(["enabled", "value", "x", "real", "type", "id", "classes"]), min_size=1, max_size=3),
    wrap=st.sampled_from(["{}", "{} > 1", "has({})", "sum(1 for c in {}) > 0", "max(c for c in {})", "{} == 'a'"]),
)
def test_an_attribute_of_a_value_is_always_refused(head: str, attrs: list[str], wrap: str) -> None:
    """Hunt the class: any dotted path starting at a parameter, `year` or `target` is refused, in any context."""
    assert "policy.unknown-field" in expr_codes(wrap.format(".".join([head, *attrs])), by_year=True)


@settings(max_examples=60, deadline=None)
@given(head=st.sampled_from([*SCOPE_PARAMS, "year", "target"]), agg=st.sampled_from(["sum", "count", "any", "all"]))
def test_a_generator_over_a_value_is_always_refused(head: str, agg: str) -> None:
    assert expr_codes(f"{agg}(1 for c in {head})", by_year=True)


# ---- every expression is typed exactly: no text reaches arithmetic ------------------------------------------------
TEXTY = [
    "name",
    "'aaaa'",
    "label",
    "max(name, 'b')",
    "min('a', name)",
    "(name if inclusive else 'x')",
    "('a' if inclusive else 1)",
    "(name or 0)",
    "max(s.role for s in staff)",
    "abs(name)",
]
SPREADERS = [
    "{} * 100000000",
    "100000000 * {}",
    "{} % (1, 2)",
    "{} + 1",
    "-{}",
    "round({}) > 1",
    "abs({}) > 1",
    "ceil({}) > 1",
    "percent({}, 3) > 1",
    "sum({} for c in classes) > 1",
]


@settings(max_examples=100, deadline=None)
@given(text=st.sampled_from(TEXTY), spread=st.sampled_from(SPREADERS))
def test_text_never_reaches_arithmetic(text: str, spread: str) -> None:
    """Hunt the class: text hidden behind max/min/abs/round, a conditional or `or` is still text to the checker."""
    found = expr_codes(spread.format(text))
    assert "policy.type-error" in found or ("for" in text and "policy.nested-generator" in found), found


@pytest.mark.parametrize(
    "text", ["max(total_slots, 3) * 2 > 1", "(1 if inclusive else 2) * 3 > 1", "abs(lease_years) > 1"]
)
def test_numbers_through_the_same_paths_still_compile(text: str) -> None:
    assert not isinstance(compile_expression(text, Scope("institution", SCOPE_PARAMS)), list)


def test_text_observed_in_a_message_template_is_not_multiplied(tmp_path: Path) -> None:
    rule = (
        "  - id: premises.tenure\n    observed: tenure\n    check: tenure == 'owned'\n"
        '    message: {zh: "{observed * 100000000}"}\n    citation: {document: d, clause: x, quote: q}\n'
    )
    path = tmp_path / "hostile.yaml"
    path.write_text(BASE + rule + EXAMPLES, encoding="utf-8")
    assert "policy.type-error" in codes(path)


# ---- magnitudes are bounded before conversion -------------------------------------------------------------------
@pytest.mark.parametrize("value", ["1e100000000", "1" * 5000, "-1e100000000", "1e-100000000"])
def test_a_huge_set_value_is_refused_at_once(value: str) -> None:
    start = time.perf_counter()
    with pytest.raises(PolicyError) as info:
        NATIONAL.with_parameters({"ratio_infant": value})
    assert time.perf_counter() - start < 1.0
    assert info.value.problems[0].code == "policy.number-too-large"
    assert info.value.problems[0].location.field == "ratio_infant"


# ---- extends reads bundled ids and regular files under the policy's own directory, nothing else -------------------
def _child_extending(tmp_path: Path, target: str) -> Path:
    text = CHILD.replace("extends: national", f"extends: {target}").replace("value: -3", "value: 4")
    path = tmp_path / "child.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "target", ["/dev/zero", "/etc/passwd", "../outside.yaml", "./../outside.yaml", "fifo.yaml", "adir.yaml"]
)
def test_extends_outside_the_policy_tree_or_not_a_file_is_refused(tmp_path: Path, target: str) -> None:
    import os

    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "outside.yaml").write_text("id: outside\n", encoding="utf-8")
    os.mkfifo(home / "fifo.yaml")
    (home / "adir.yaml").mkdir()
    start = time.perf_counter()
    assert codes(_child_extending(home, target)) == ["policy.extends-outside"]
    assert time.perf_counter() - start < 1.0


def test_extends_a_file_under_the_policy_tree_still_works(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "national.yaml").write_bytes((bundled_dir() / "national.yaml").read_bytes())
    # the chain loads: what remains is the child's own lack of examples
    assert codes(_child_extending(tmp_path, "./base/national.yaml")) == ["policy.too-few-examples"]
    assert codes(_child_extending(tmp_path, "national")) == ["policy.too-few-examples"]


# ---- the caller's decimal context never changes a result ----------------------------------------------------------
@pytest.mark.parametrize(
    "context", [{"prec": 6, "traps": [decimal.Inexact]}, {"prec": 3}, {"rounding": decimal.ROUND_DOWN}]
)
def test_evaluation_ignores_the_callers_decimal_context(context: dict[str, Any]) -> None:
    import json

    from tuoyu_rules.records import read_rows

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    rows = list(read_rows(Path(__file__).resolve().parents[1] / "examples" / "luzhou_longmatan" / "institutions.jsonl"))

    def run() -> str:
        reports = policy.evaluate_many(rows, as_of=AS_OF)
        return json.dumps([r.to_dict() for r in reports], ensure_ascii=False, sort_keys=True)

    expected = run()
    assert '"amount": "' in expected  # the ledger has paid subsidies to get wrong
    with decimal.localcontext(**context):
        assert run() == expected
