"""The fast paths of records/, report.py and writers/ give exactly what the general paths give."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import tuoyu_rules
from tuoyu_rules.findings import BenefitLine, _stated, reason_text
from tuoyu_rules.records import normalize_record, read_rows
from tuoyu_rules.records.convert import _BOOL_SPELLINGS, _bool, _Checker, _int, _num, _number
from tuoyu_rules.records.normalize import _FAST
from tuoyu_rules.report import Report
from tuoyu_rules.text import format_value
from tuoyu_rules.vocabulary import FALSE, KINDS, TRUE
from tuoyu_rules.writers import write_reports
from tuoyu_rules.writers._format import _json_default

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2024, 6, 30)


class _Text(str):
    """A str subclass: the converters' fast paths test ``type(value) is str``, so this takes the general path."""


def _problems(ck: _Checker) -> list[tuple[Any, ...]]:
    return [(p.code, p.message, p.message_en, p.location.field, p.value) for p in ck.problems]


# Plain numbers (the fast path), near misses (the general path) and anything at all.
_plain = st.from_regex(r"\A[0-9]{1,14}(\.[0-9]{0,4})?\Z|\A\.[0-9]{1,3}\Z", fullmatch=True)
_near = st.builds(
    lambda a, b: a + b,
    st.sampled_from(["", " ", "-", "+", "１", "٣", "²", "1,", "0x", "1e", "."]),
    st.sampled_from(["", "0", "12", "12.5", ".", "..5", "万元", "元", "㎡", "年", "个", " ", "1_0", "e3", "NaN"]),
)
_numbers = st.one_of(_plain, _near, st.text(max_size=12))


@given(_numbers, st.sampled_from(["total_slots", "star_rating", "enrolled"]))
def test_plain_count_text_gives_what_the_general_converter_gives(text: str, field: str) -> None:
    fast, general = _Checker(3, "x.csv"), _Checker(3, "x.csv")
    got = _int(fast, "", field, text, 1)
    expected = _number(general, field, text, True)
    assert got == expected and type(got) is type(expected)
    assert _problems(fast) == _problems(general)


@given(_numbers, st.sampled_from(["indoor_area_m2", "monthly_fee", "lease_years", "guide_price"]))
def test_plain_measure_text_gives_what_the_general_converter_gives(text: str, field: str) -> None:
    fast, general = _Checker(3, "x.csv"), _Checker(3, "x.csv")
    got = _num(fast, "", field, text, 1)
    expected = _number(general, field, text, False)
    assert type(got) is type(expected)
    assert got == expected and str(got) == str(expected)  # the same Decimal, exponent included ("7." is "7")
    assert _problems(fast) == _problems(general)


def test_fast_number_paths_on_known_cases() -> None:
    ck = _Checker(None, None)
    assert _int(ck, "", "total_slots", "007", 1) == 7
    assert _int(ck, "", "total_slots", "9999999999", 1) == 9999999999
    assert _int(ck, "", "total_slots", "10000000001", 1) is None  # over the bound: the general path reports it
    assert [p.code for p in ck.problems] == ["record.too-large"]
    assert str(_num(ck, "", "indoor_area_m2", "123.0", 1)) == "123.0"
    assert str(_num(ck, "", "indoor_area_m2", "7.", 1)) == "7"
    assert _num(ck, "", "indoor_area_m2", "1000000000.01", 1) is None


@given(st.one_of(st.sampled_from(sorted(_BOOL_SPELLINGS)), st.text(max_size=6)))
def test_yes_no_spellings_give_what_the_general_reading_gives(text: str) -> None:
    fast, general = _Checker(1, None), _Checker(1, None)
    assert _bool(fast, "", "inclusive", text, 1) == _bool(general, "", "inclusive", _Text(text), 1)
    assert _problems(fast) == _problems(general)


def test_every_listed_yes_no_word_has_a_fast_spelling() -> None:
    assert {k for k, v in _BOOL_SPELLINGS.items() if v} >= TRUE
    assert {k for k, v in _BOOL_SPELLINGS.items() if not v} >= FALSE


_CLEAN = {
    "institution": {
        "id": "A",
        "inclusive": True,
        "filed": False,
        "comprehensive_center": False,
        "nonprofit": True,
        "star_rating": 3,
        "total_slots": 60,
        "local_hukou_enrolled": 10,
    },
    "residential_area": {"id": "R", "kind": "residential_area", "population": 1000, "planned_slots": 10},
}


@given(st.sampled_from(sorted(_FAST)), st.data(), st.text(max_size=8))
def test_text_in_a_strict_field_always_fails_the_pydantic_fast_path(kind: str, data: Any, text: str) -> None:
    """CSV rows (all text) skip the fast validator (RawRow.text); this shows the validator would refuse them."""
    validator = _FAST[kind][0]
    strict = [key for key, spec in KINDS[kind].items() if spec in ("int", "bool")]
    record = dict(_CLEAN[kind])
    validator.validate_python(record)  # the clean record passes
    record[data.draw(st.sampled_from(strict))] = text
    with pytest.raises(ValidationError):
        validator.validate_python(record)


def _example_reports() -> list[Report]:
    out = []
    for policy_id in ("luzhou_longmatan", "nanchang", "huzhou", "fujian", "chaisang"):
        policy = tuoyu_rules.load_policy(policy_id)
        for path in sorted((ROOT / "examples" / policy_id).iterdir()):
            if path.suffix in (".csv", ".jsonl"):
                out.extend(r for r in policy.evaluate_many(read_rows(path), as_of=AS_OF) if isinstance(r, Report))
    return out


@pytest.fixture(scope="module")
def example_reports() -> list[Report]:
    return _example_reports()


def reference_message(finding: Any, lang: str) -> str:
    """The message as first written: one language at a time, every value formatted for that language."""
    rule = finding.compiled_rule
    title = (rule.spec.title_en if lang == "en" else rule.spec.title) or rule.spec.title or rule.id
    where = f"[{finding.subject}] " if finding.subject else ""
    if finding.outcome == "fail":
        return where + rule.message[0 if lang == "zh" else 1].render(finding.args, lang)
    if finding.outcome == "unknown":
        if not finding.missing:  # issue 14: the reason in words, never internal text after 缺少
            zh, en = reason_text(finding.reason)
            return f"{where}{title}: cannot decide ({en})" if lang == "en" else f"{where}{title}：无法判断（{zh}）"
        what = "、".join(finding.missing)
        if lang == "en":
            return f"{where}{title}: cannot decide, missing {', '.join(finding.missing)}"
        return f"{where}{title}：缺少 {what}，无法判断"
    o, q = format_value(finding.observed, lang), format_value(finding.required, lang)
    if finding.outcome == "not_due" and rule.due is not None and not rule.by_year:
        if lang == "en":
            return f"{where}{title}: due {rule.due}, not yet due (now {o}, required {q})"
        return f"{where}{title}：{rule.due} 到期，尚未到期（当前 {o}，要求 {q}）"
    if finding.outcome == "not_due":
        progress = finding.progress
        pct = f"{format_value(progress * 100, lang)}%" if progress is not None else "—"
        if lang == "en":
            return f"{where}{title}: target {q} for {finding.year}, now {o} ({pct}); not yet due"
        return f"{where}{title}：{finding.year} 年目标 {q}，当前 {o}（完成 {pct}），尚未到期"
    if lang == "en":
        return f"{where}{title}: meets the requirement (observed {o}, required {q})"
    return f"{where}{title}：符合要求（实际 {o}，要求 {q}）"


def test_finding_dicts_carry_the_messages_and_fixes_of_the_findings(example_reports: list[Report]) -> None:
    outcomes = set()
    for report in example_reports:
        for finding in report.findings:
            d = finding.to_dict()
            outcomes.add(finding.outcome)
            assert d["message"] == finding.message == reference_message(finding, "zh")
            assert d["message_en"] == finding.message_en == reference_message(finding, "en")
            assert d["fix"] == finding.fix
            assert d["fix_en"] == finding.fix_en
    assert outcomes == {"pass", "fail", "unknown", "not_due"}


def test_benefit_lines_state_superseded_figures_in_fresh_dicts(example_reports: list[Report]) -> None:
    seen = 0
    for report in example_reports:
        policy = report.policy
        for line in report.benefits:
            assert isinstance(line, BenefitLine)
            first, second = line.to_dict(policy), line.to_dict(policy)
            expected = _stated(policy, line.benefit.value_params)
            assert first.get("stated", []) == expected
            if expected:
                seen += 1
                first["stated"][0]["citation"]["clause"] = "changed"
                first["stated"][0]["note"] = "changed"
                assert second["stated"] == expected
                assert line.to_dict(policy)["stated"] == expected
    assert seen


def test_jsonl_lines_are_json_dumps_of_each_item(example_reports: list[Report]) -> None:
    items: list[dict[str, Any]] = [r.to_dict() for r in example_reports[:40]]
    items.append({"status": "error", "row": 3, "amount": Decimal("1.50"), "day": AS_OF, "t": (1, "二"), "f": 0.5})
    out = io.StringIO()
    write_reports(items, "jsonl", out)
    assert out.getvalue() == "".join(json.dumps(i, ensure_ascii=False, default=_json_default) + "\n" for i in items)


def test_jsonl_still_refuses_what_json_cannot_write() -> None:
    with pytest.raises(TypeError):
        write_reports([{"status": "pass", "x": object()}], "jsonl", io.StringIO())


def test_row_mapper_nests_dotted_columns_and_treats_missing_cells_as_empty() -> None:
    from tuoyu_rules.records.readers.columns import RowMapper

    mapper = RowMapper(["id", "surveillance.installed", "乳儿班人数", "", "surveillance.retention_days", "托位数"])
    assert mapper.map(["A", "是", "8", "x", " ", "60"]) == {
        "id": "A",
        "surveillance": {"installed": "是"},
        "total_slots": "60",
        "classes": [{"type": "infant", "enrolled": "8"}],
    }
    assert mapper.map(["B", "", "3"]) == {"id": "B", "classes": [{"type": "infant", "enrolled": "3"}]}


# ---- one normalisation of text: ids above all ----------------------------------------------------------------------
_edge = st.sampled_from(
    [" ", "\t", "\r", "\n", "\x00", "\x1c", "\x1f", "\x7f", "\x85", "\xa0", "\u200b", "\u3000", "\ufeff", "\u2028"]
)
_id_text = st.builds(
    lambda a, core, b: a + core + b,
    st.text(_edge, max_size=3),
    st.text(st.one_of(_edge, st.sampled_from(list("A1-托育"))), max_size=5),
    st.text(_edge, max_size=3),
)


def _normalised_id(value: str, **how: Any) -> Any:
    try:
        return normalize_record({"id": value}, **how).get("id")
    except Exception as exc:  # a missing id: the same on every path
        return type(exc).__name__


@given(_id_text)
def test_an_id_is_normalised_the_same_on_the_fast_path_the_general_path_and_the_model(value: str) -> None:
    from tuoyu_rules.records.limits import clean_text

    fast = _normalised_id(value)
    assert fast == _normalised_id(value, text=True) == _normalised_id(_Text(value))
    try:
        model = tuoyu_rules.Institution(id=value).evaluation_record()["id"]
    except Exception as exc:
        model = type(exc).__name__
    assert model == fast
    assert fast == (clean_text(value) or "RecordError")


@given(st.lists(_id_text, min_size=2, max_size=6), st.booleans())
def test_duplicate_ids_are_found_exactly_whichever_path_checks_them(ids: list[str], as_csv: bool) -> None:
    from tuoyu_rules.records import RawRow
    from tuoyu_rules.records.limits import clean_text

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    items = [RawRow(i, "x", {"id": v}, text=as_csv and i % 2 == 0) for i, v in enumerate(ids, start=1)]
    out = [r.to_dict() for r in policy.evaluate_many(items, as_of=AS_OF)]
    seen: set[str] = set()
    for value, report in zip(ids, out, strict=True):
        key = clean_text(value)
        codes = [e["code"] for e in report.get("errors", [])]
        if not key:
            assert codes == ["record.missing-id"]
        elif key in seen:
            assert codes == ["record.duplicate-id"]
        else:
            assert report["status"] != "error" and report["id"] == key
            seen.add(key)


@given(
    st.one_of(st.integers(-(10**11), 10**11), st.decimals(allow_nan=False, allow_infinity=False)),
    st.sampled_from(["indoor_area_m2", "monthly_fee", "lease_years", "guide_price"]),
)
def test_typed_measures_get_what_the_general_converter_gives(value: Any, field: str) -> None:
    """A measure given as an int (JSON 1000000001, a whole-number cell) has a measure's bound, as 1000000001.0 does:
    the fast path once took it up to a count's bound (found by the xlsx differential test)."""
    fast, general = _Checker(3, "x.json"), _Checker(3, "x.json")
    got = _num(fast, "", field, value, 1)
    expected = _number(general, field, value, False)
    assert got == expected and type(got) is type(expected)
    assert _problems(fast) == _problems(general)


@given(st.integers(0, 10**11), st.sampled_from(["indoor_area_m2", "monthly_fee", "lease_years", "guide_price"]))
def test_a_whole_number_measure_has_the_bound_of_its_decimal(value: int, field: str) -> None:
    """normalize_record reads a measure of 1000000001 as it reads 1000000001.0 (both paths: typed and text)."""

    def read(v: Any, text: bool) -> Any:
        try:
            return normalize_record({"id": "A", field: v}, text=text)[field]
        except tuoyu_rules.RecordError as exc:
            return [p.code for p in exc.problems]

    whole = read(value, False)
    assert whole == read(Decimal(value), False) == read(str(value), True)
    assert (whole == ["record.too-large"]) == (value > 10**9)
