"""Expressions: the allowlist, the compiled functions, and agreement with simpleeval."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
import simpleeval
from hypothesis import given
from hypothesis import strategies as st

from tuoyu_rules import expressions as ex
from tuoyu_rules.expressions import Scope, build_function, compile_expression

PARAMS = {"ratio_infant": "integer", "indoor": "number", "rate": "money"}


def compiled(text: str, subject: str = "institution", **kw: object) -> ex.Compiled:
    result = compile_expression(text, Scope(subject, PARAMS, ("class.size.infant", "area.indoor_per_slot"), **kw))
    assert not isinstance(result, list), result
    return result


def codes(text: str, subject: str = "institution", **kw: object) -> list[str]:
    result = compile_expression(text, Scope(subject, PARAMS, ("class.size.infant",), **kw))
    assert isinstance(result, list), "expected the expression to be rejected"
    return [p.code for p in result]


def run(text: str, record: dict, params: dict | None = None, subject: str = "institution", parent: dict | None = None):
    fn = build_function(compiled(text, subject).source)
    return fn(record, params or {}, parent, 2024, {}, None)


def test_ratio_expression_rounds_up() -> None:
    assert run("ceil(enrolled / ratio_infant)", {"enrolled": 10}, {"ratio_infant": 3}, "class") == 4


def test_division_is_exact_decimal() -> None:
    value = run("total_slots * 1000 / population", {"total_slots": 45, "population": 10000}, subject="region")
    assert value == Decimal("4.5") and isinstance(value, Decimal)


def test_decimal_literals_are_exact() -> None:
    assert run("indoor_area_m2 >= 0.1 + 0.2", {"indoor_area_m2": Decimal("0.3")}) is True


def test_missing_field_raises_key_error() -> None:
    with pytest.raises(KeyError):
        run("indoor_area_m2 / total_slots", {"total_slots": 10})


def test_short_circuit_does_not_read_unneeded_field() -> None:
    assert run("tenure == 'owned' or lease_years >= 3", {"tenure": "owned"}) is True


def test_generator_over_classes() -> None:
    record = {"classes": [{"type": "infant", "enrolled": 5}, {"type": "toddler", "enrolled": 7}]}
    assert run("sum(c.enrolled * (500 if c.type == 'infant' else 300) for c in classes)", record) == 4600
    assert run("count(c.type == 'infant' for c in classes)", record) == 1


def test_parent_record_in_class_rules() -> None:
    assert (
        run(
            "institution.form == 'family' and enrolled <= 5",
            {"enrolled": 4},
            subject="class",
            parent={"form": "family"},
        )
        is True
    )


def test_nested_object_fields() -> None:
    assert run("surveillance.retention_days >= 90", {"surveillance": {"retention_days": 90}}) is True


def test_has_makes_a_field_optional_on_purpose() -> None:
    assert run("not has(lease_years) or lease_years >= 3", {}) is True


def test_division_by_zero_is_undefined() -> None:
    with pytest.raises(ex.Undefined):
        run("total_slots * 1000 / population", {"total_slots": 1, "population": 0}, subject="region")


def test_percent_and_per_1000() -> None:
    assert run(
        "percent(institutions_filed, institutions_registered)",
        {"institutions_filed": 699, "institutions_registered": 1000},
        subject="region",
    ) == Decimal("69.9")
    assert run(
        "per_1000(total_slots, population)", {"total_slots": 47, "population": 10000}, subject="region"
    ) == Decimal("4.7")


def test_round_is_half_up() -> None:
    assert run("round(indoor_area_m2, 1)", {"indoor_area_m2": Decimal("2.25")}) == Decimal("2.3")


@pytest.mark.parametrize(
    "text, code",
    [
        ("enroled > 1", "policy.unknown-name"),
        ("__import__('os')", "policy.unknown-function"),
        ("classes.__class__", "policy.forbidden-name"),
        ("total_slots ** 2", "policy.forbidden-operator"),
        ("(lambda: 1)()", "policy.unknown-function"),
        ("[x for x in classes]", "policy.forbidden-syntax"),
        ("name * 1000000", "policy.type-error"),
        ("open('x')", "policy.unknown-function"),
        ("surveillance.nothing", "policy.unknown-field"),
        ("total_slots is None", "policy.forbidden-operator"),
        ("classes[0]", "policy.forbidden-syntax"),
        ("f'{name}'", "policy.forbidden-syntax"),
        ("sum(c for c in total_slots)", "policy.not-a-list"),
        ("passes('class.*')", "policy.passes-outside-subsidy"),
        ("1 +", "policy.expression-syntax"),
        ("'" + "a" * 300 + "'", "policy.string-too-long"),
        ("10000000000000000000", "policy.number-too-large"),
    ],
)
def test_forbidden_expressions_are_rejected_at_load(text: str, code: str) -> None:
    assert code in codes(text)


def test_unknown_name_suggests_the_close_field() -> None:
    result = compile_expression("enroled > 1", Scope("class", {}))
    assert isinstance(result, list) and "enrolled" in result[0].message_en


def test_passes_resolves_globs_at_load() -> None:
    c = compiled("passes('class.*')", allow_passes=True)
    assert c.passes == ("class.size.infant",)
    assert "policy.passes-no-rule" in codes("passes('nothing.*')", allow_passes=True)


def test_generated_code_reaches_no_builtins() -> None:
    assert ex.namespace()["__builtins__"] == {}


def test_a_template_placeholder_that_is_a_field_reads_with_that_fields_labels() -> None:
    pieces = ex.split_template("{type} / {institution.ownership} / {enrolled + 1}")
    assert not isinstance(pieces, ex.ExprProblem)
    sources = []
    for text, is_expr, _offset in pieces:
        if is_expr:
            result = compile_expression(text, Scope("class", {}, template=True))
            assert not isinstance(result, list), result
            sources.append(result.source)
    placeholders = ex.build_template(sources)
    assert placeholders is not None and placeholders.fields == ("type", "ownership", None)
    template = ex.Template((0, " / ", 1, " / ", 2), placeholders)
    args = ({"type": "mixed", "enrolled": 8}, {}, {"ownership": "mixed"}, 2024, {}, None)
    assert template.render(args) == "混合班 / 混合 / 9"


# ---- the compiled function agrees with simpleeval, the reference interpreter ---------------------------------------
_OPS = ["+", "-", "*"]
_CMPS = ["<", "<=", ">", ">=", "==", "!="]


@st.composite
def arithmetic(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        return draw(st.sampled_from(["total_slots", "population", "new_slots", str(draw(st.integers(0, 1000)))]))
    return f"({draw(arithmetic(depth + 1))} {draw(st.sampled_from(_OPS))} {draw(arithmetic(depth + 1))})"


@given(
    left=arithmetic(),
    op=st.sampled_from(_CMPS),
    right=arithmetic(),
    values=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6)),
)
def test_compiled_comparison_agrees_with_simpleeval(left: str, op: str, right: str, values: tuple) -> None:
    text = f"{left} {op} {right}"
    names = dict(zip(("total_slots", "population", "new_slots"), values, strict=True))
    fn = build_function(compiled(text, "region").source)
    reference = simpleeval.SimpleEval(names=names).eval(text)
    assert fn(names, {}, None, 2024, {}, None) == reference


@given(slots=st.integers(0, 10**6), population=st.integers(1, 10**8))
def test_per_1000_matches_exact_rational_comparison(slots: int, population: int) -> None:
    fn = build_function(compiled("per_1000(total_slots, population) >= 4.5", "region").source)
    assert fn({"total_slots": slots, "population": population}, {}, None, 2024, {}, None) == (
        slots * 1000 * 2 >= 9 * population
    )


def test_ceil_floor_are_math_functions() -> None:
    assert ex.namespace()["_ceil"] is math.ceil and ex.namespace()["_floor"] is math.floor


numbers = st.integers(0, 10**9) | st.decimals(0, 10**6, places=3, allow_nan=False, allow_infinity=False)


@given(a=numbers, b=numbers)
def test_ceil_and_floor_of_a_division_equal_the_exact_rational_result(a: int | Decimal, b: int | Decimal) -> None:
    # ceil(enrolled / ratio) is generated as one call with integer arithmetic for counts; it must round exactly as
    # the rational a/b does, for ints and decimals alike, and a zero divisor stays undefined
    from fractions import Fraction

    record = {"total_slots": a, "population": b}
    for fn_name, exact in (("ceil", math.ceil), ("floor", math.floor)):
        code = compiled(f"{fn_name}(total_slots / population)", "region").source
        assert f"_{fn_name}_div(" in code
        fn = build_function(code)
        if b == 0:
            with pytest.raises(ex.Undefined):
                fn(record, {}, None, 2024, {}, None)
        else:
            assert fn(record, {}, None, 2024, {}, None) == exact(Fraction(a) / Fraction(b))


def test_ceil_of_other_expressions_is_unchanged() -> None:
    assert "_ceil_div" not in compiled("ceil(total_slots * 1.5)", "region").source
    assert run("ceil(total_slots * 1.5)", {"total_slots": 3}, subject="region") == 5
    assert codes("ceil(name / 2)") == ["policy.type-error"]
