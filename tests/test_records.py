"""Records: validation, Chinese spellings, every error located, the fast path agrees with the converters (the
readers are tested in test_record_readers.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuoyu_rules.errors import RecordError
from tuoyu_rules.records import normalize_record


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(RecordError) as info:
        normalize_record(data, row=7)
    assert all(p.location.row == 7 for p in info.value.problems)
    return [(p.location.field or "", p.code) for p in info.value.problems]


def test_missing_and_empty_fields_have_no_key() -> None:
    record = normalize_record({"id": "A", "total_slots": "", "name": None, "indoor_area_m2": "  "})
    assert record == {"id": "A", "kind": "institution"}


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1,200", 1200),
        ("１２００", 1200),
        ("30个", 30),
        (" 45 ", 45),
        (12.0, 12),
        (Decimal("7"), 7),
    ],
)
def test_counts_are_read_leniently(raw: Any, expected: int) -> None:
    assert normalize_record({"id": "A", "total_slots": raw})["total_slots"] == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("5.5㎡", Decimal("5.5")),
        ("750", Decimal("750")),
        (4.99, Decimal("4.99")),
        ("１２．５", Decimal("12.5")),
    ],
)
def test_areas_are_exact_decimals(raw: Any, expected: Decimal) -> None:
    value = normalize_record({"id": "A", "indoor_area_m2": raw})["indoor_area_m2"]
    assert value == expected and not isinstance(value, float)


def test_money_in_wan_yuan() -> None:
    assert normalize_record({"id": "A", "monthly_fee": "0.18万元"})["monthly_fee"] == Decimal("1800.00")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("Y", True),
        ("false", False),
        (1, True),
        (0, False),
        ("TRUE", True),
    ],
)
def test_booleans_in_chinese_and_english(raw: Any, expected: bool) -> None:
    assert normalize_record({"id": "A", "inclusive": raw})["inclusive"] is expected


def test_chinese_enum_values() -> None:
    record = normalize_record(
        {
            "id": "A",
            "form": "幼儿园托班",
            "ownership": "公建民营",
            "tenure": "租赁",
            "classes": [{"type": "乳儿班", "enrolled": 3, "caregivers": 1}],
            "staff": [{"role": "保育人员", "education": "大专", "certificates": "保育员；幼师资格"}],
        }
    )
    assert (record["form"], record["ownership"], record["tenure"]) == ("kindergarten_class", "mixed", "leased")
    assert record["classes"][0]["type"] == "infant"
    assert record["staff"][0] == {
        "role": "caregiver",
        "education": "associate",
        "certificates": ["childcare", "teacher"],
    }


@pytest.mark.parametrize(
    "data, field, code",
    [
        ({"id": "A", "total_slots": "abc"}, "total_slots", "record.not-a-number"),
        ({"id": "A", "total_slots": 2.5}, "total_slots", "record.not-an-integer"),
        ({"id": "A", "indoor_area_m2": -1}, "indoor_area_m2", "record.negative"),
        ({"id": "A", "indoor_area_m2": float("nan")}, "indoor_area_m2", "record.not-finite"),
        ({"id": "A", "indoor_area_m2": "Infinity"}, "indoor_area_m2", "record.not-finite"),
        ({"id": "A", "total_slots": 10**12}, "total_slots", "record.too-large"),
        ({"id": "A", "filed": "maybe"}, "filed", "record.not-a-boolean"),
        ({"id": "A", "form": "school"}, "form", "record.unknown-value"),
        ({"id": "A", "classes": [{"type": "giant", "enrolled": 1}]}, "classes[0].type", "record.unknown-value"),
        ({"id": "A", "classes": [{"type": "infant", "enrolled": -1}]}, "classes[0].enrolled", "record.negative"),
        ({"id": "A", "classes": "many"}, "classes", "record.bad-type"),
        ({"id": "A", "surveillance": [1]}, "surveillance", "record.bad-type"),
        ({"name": "no id"}, "id", "record.missing-id"),
        ({"id": "A", "kind": "school"}, "kind", "record.unknown-kind"),
        ({"id": "A", "total_slots": True}, "total_slots", "record.not-a-number"),
    ],
)
def test_each_bad_value_names_its_field_and_code(data: dict[str, Any], field: str, code: str) -> None:
    assert (field, code) in problems(data)


def test_all_problems_of_a_record_are_reported_at_once() -> None:
    found = problems({"id": "A", "total_slots": "x", "filed": "maybe", "form": "school"})
    assert {code for _, code in found} == {"record.not-a-number", "record.not-a-boolean", "record.unknown-value"}


def test_deep_junk_in_unknown_fields_is_bounded() -> None:
    junk: Any = "x"
    for _ in range(50):
        junk = {"a": junk}
    assert ("extra" + ".a" * 8, "record.too-deep") in [(f, c) for f, c in problems({"id": "A", "extra": junk})] or any(
        c == "record.too-deep" for _, c in problems({"id": "A", "extra": junk})
    )


def test_unknown_fields_are_kept() -> None:
    assert normalize_record({"id": "A", "district": "红星街道", "备注": "新开"})["备注"] == "新开"


def test_region_with_subregions_and_chinese_levels() -> None:
    record = normalize_record({"id": "R", "kind": "区域", "level": "区", "subregions": [{"id": "T", "level": "街道"}]})
    assert record["kind"] == "region" and record["level"] == "county" and record["subregions"][0]["level"] == "township"


# ---- properties -------------------------------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
fields = st.sampled_from(
    [
        "id",
        "total_slots",
        "indoor_area_m2",
        "inclusive",
        "form",
        "classes",
        "staff",
        "surveillance",
        "kind",
        "lease_years",
        "subregions",
        "other",
    ]
)


def no_float(value: Any) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(no_float(v) for v in value.values())
    if isinstance(value, list):
        return all(no_float(v) for v in value)
    return True


@given(st.dictionaries(fields, json_values, max_size=8))
def test_normalize_never_raises_anything_but_record_error_and_never_returns_a_float(data: dict[str, Any]) -> None:
    try:
        record = normalize_record(data)
    except RecordError as exc:
        assert exc.problems and all(p.code.startswith("record.") for p in exc.problems)
        return
    assert no_float(record)


# ---- the pydantic fast path and the field-by-field converters agree -----------------------------------------------
def _clean_value(spec: Any, key: str) -> st.SearchStrategy[Any]:
    from tuoyu_rules.vocabulary import CERTIFICATES, ENUMS

    if isinstance(spec, tuple):
        kind, inner = spec
        if kind == "obj":
            return st.fixed_dictionaries({}, optional={k: _clean_value(v, k) for k, v in inner.items()})
        if inner == "str":
            return st.lists(st.sampled_from(sorted(set(CERTIFICATES.values()))), max_size=2)
        return st.lists(
            st.fixed_dictionaries({}, optional={k: _clean_value(v, k) for k, v in inner.items()}), max_size=3
        )
    if spec == "int":
        return st.integers(0, 10**6)
    if spec == "num":
        return (
            st.integers(0, 10**6)
            | st.floats(0, 10**6, allow_nan=False, allow_infinity=False)
            | st.decimals(0, 10**6, places=2, allow_nan=False, allow_infinity=False)
        )
    if spec == "bool":
        return st.booleans()
    if key in ENUMS and key != "kind":
        return st.sampled_from(sorted(set(ENUMS[key].values())))
    if key == "kind":
        return st.sampled_from(["new", "expansion", "none"])
    return st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=8
    )


def _clean_institution() -> st.SearchStrategy[dict[str, Any]]:
    from tuoyu_rules.vocabulary import KINDS

    table = {k: v for k, v in KINDS["institution"].items() if k != "id"}
    return st.fixed_dictionaries(
        {"id": st.text("ABC123", min_size=1, max_size=6)}, optional={k: _clean_value(v, k) for k, v in table.items()}
    )


@given(_clean_institution())
def test_the_fast_path_and_the_converters_give_the_same_record(data: dict[str, Any]) -> None:
    # clean records take pydantic-core; the converters must agree with it value for value and type for type
    # (an int stays an int, a float becomes the Decimal of its shortest repr), so reports never depend on the path
    import tuoyu_rules.records.normalize as records

    fast = normalize_record(data)
    saved = records._FAST
    records._FAST = {}
    try:
        slow = normalize_record(data)
    finally:
        records._FAST = saved

    def typed(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: typed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [typed(v) for v in value]
        return (type(value).__name__, str(value))

    assert typed(fast) == typed(slow)
    assert no_float(fast)
