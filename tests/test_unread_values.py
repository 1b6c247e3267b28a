"""A bad value in a field no rule, subsidy or benefit of the policy reads is a warning on the row, and the record is
checked exactly as if that cell were empty; a bad value in a field the policy reads still voids the record.

Absence is not compliance: dropping an unread bad value must never change a verdict. Hypothesis checks it over every
bundled policy's embedded example records, every field and kinds of bad values."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.compiler import compile_file
from tuoyu_rules.compiler.compile import presence_reads
from tuoyu_rules.compiler.policy import path_is_read, record_reads
from tuoyu_rules.report import ErrorReport, Report
from tuoyu_rules.vocabulary import CLASS_FIELDS, ENUMS, KINDS, STAFF_FIELDS

POLICIES = ("national", "luzhou_longmatan", "huzhou", "fujian", "nanchang", "chaisang")
LOADED = {pid: tuoyu_rules.load_policy(pid) for pid in POLICIES}
EXAMPLES = [
    (pid, dict(example.record), example.as_of)
    for pid, policy in LOADED.items()
    for example in policy.compiled.model.examples
]
# kinds of bad value per field type (each is refused by the field's converter)
BAD = {
    "int": ["abc", "-3", "2.5", "1,20", "NaN", "1e30"],
    "num": ["abc", "-1", "inf", "2 5"],
    "bool": ["maybe", "2", "有时"],
    "enum": ["???", "不知道"],
    "str": ["x" * 2001],
}


def _paths(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, field type) of every scalar field the record's kind has, with its present class and staff items."""
    kind = record.get("kind", "institution")
    table = KINDS[kind]
    out = []
    for name, spec in table.items():
        if name in ("id", "kind"):
            continue
        if isinstance(spec, tuple) and spec[0] == "obj":
            out += [(f"{name}.{leaf}", _type(leaf, s)) for leaf, s in spec[1].items() if leaf != "kind"]
        elif not isinstance(spec, tuple):
            out.append((name, _type(name, spec)))
    for items, fields in (("classes", CLASS_FIELDS), ("staff", STAFF_FIELDS)):
        for k, _item in enumerate(record.get(items) or ()):
            out += [(f"{items}[{k}].{f}", _type(f, s)) for f, s in fields.items() if not isinstance(s, tuple)]
    return out


def _type(name: str, spec: Any) -> str:
    return "enum" if spec == "str" and name in ENUMS else str(spec)


def _set(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``record`` with ``path`` set to ``value`` (or removed when value is None)."""
    out = copy.deepcopy(record)
    head, _, leaf = path.rpartition(".")
    holder: Any = out
    for part in head.split(".") if head else ():
        name, _, index = part.partition("[")
        holder = holder.setdefault(name, {}) if not index else holder[name][int(index[:-1])]
    if value is None:
        holder.pop(leaf, None)
    else:
        holder[leaf] = value
    return out


def _one(policy: tuoyu_rules.Policy, record: dict[str, Any], as_of: datetime.date) -> Report | ErrorReport:
    return next(policy.evaluate_many([record], as_of=as_of))


def _verdict(report: Report) -> dict[str, Any]:
    d = dict(report.to_dict())
    d.pop("warnings", None)
    return d


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_a_bad_value_in_an_unread_field_changes_no_verdict_against_the_field_being_absent(data: st.DataObject) -> None:
    pid, record, as_of = data.draw(st.sampled_from(EXAMPLES))
    policy = LOADED[pid]
    kind = record.get("kind", "institution")
    path, kind_of_field = data.draw(st.sampled_from(_paths(record)))
    bad = data.draw(st.sampled_from(BAD[kind_of_field]))
    absent = _one(policy, _set(record, path, None), as_of)
    assume(isinstance(absent, Report))
    got = _one(policy, _set(record, path, bad), as_of)
    if policy.compiled.reads_field(kind, path):
        assert isinstance(got, ErrorReport), (pid, path, bad)  # a value the policy reads voids the record, as before
        assert path in [p.location.field for p in got.problems]
        return
    assert isinstance(got, Report), (pid, path, bad, got)
    assert _verdict(got) == _verdict(absent), (pid, path, bad)  # status, findings, violations, subsidies, benefits
    assert [w["field"] for w in got.to_dict()["warnings"] if w["code"].startswith("record.")] == [path]
    # and the read set is sound: the policy truly never reads the field, since no good value there changes anything
    good = data.draw(st.sampled_from(_good(path, kind_of_field)))
    valued = _one(policy, _set(record, path, good), as_of)
    assert isinstance(valued, Report) and _verdict(valued) == _verdict(absent), (pid, path, good)


def _good(path: str, kind_of_field: str) -> list[Any]:
    """Values the field's converter accepts: a field whose value changes a verdict is one the policy reads."""
    if kind_of_field == "enum":
        return sorted(set(ENUMS[path.rsplit(".", 1)[-1]].values()))
    return {"int": [0, 1, 3, 30, 200], "num": [0, 2, "3.5", 100, 5000], "bool": [True, False], "str": ["某某"]}[
        kind_of_field
    ]


def test_the_issue_case_a_bad_nature_cell_no_rule_reads_is_a_warning_and_the_record_is_checked() -> None:
    policy = LOADED["national"]
    assert not policy.compiled.reads_field("institution", "ownership")
    record = {"id": "A1", "name": "甲", "ownership": "营利性", "filed": "已备案"}
    report = _one(policy, record, datetime.date(2024, 6, 30))
    assert isinstance(report, Report) and report.status != "error"
    (warning,) = [w for w in report.to_dict()["warnings"] if w["code"] == "record.unknown-value"]
    assert warning["field"] == "ownership" and warning["value"] == "营利性"
    assert "本策略不读取此字段" in warning["message"] and "reads no such field" in warning["message_en"]
    assert report.record["filed"] is True  # 已备案 reads as yes for the filing field


def test_a_bad_value_in_a_field_a_rule_reads_still_voids_the_record() -> None:
    policy = LOADED["nanchang"]
    assert policy.compiled.reads_field("institution", "ownership")
    got = _one(policy, {"id": "A1", "ownership": "营利性"}, datetime.date(2024, 6, 30))
    assert isinstance(got, ErrorReport) and [p.code for p in got.problems] == ["record.unknown-value"]


def test_an_id_or_a_kind_problem_is_never_a_warning() -> None:
    policy = LOADED["national"]
    for record in ({"name": "甲", "ownership": "营利性"}, {"id": "A1", "kind": "school"}, {"id": "x" * 2001}):
        assert isinstance(_one(policy, record, datetime.date(2024, 6, 30)), ErrorReport), record


@pytest.mark.parametrize(
    ("reads", "path", "read"),
    [
        ({"total_slots"}, "total_slots", True),
        ({"total_slots"}, "monthly_fee", False),
        ({"classes[].enrolled"}, "classes[3].enrolled", True),
        ({"classes[].enrolled"}, "classes[3].caregivers", False),
        ({"classes"}, "classes[3].caregivers", False),  # the class stays in the list: its count is unchanged
        ({"classes"}, "classes[3]", True),  # a class that is not an object is dropped: the count changes
        ({"classes[].enrolled"}, "classes", True),  # the whole list refused
        ({"surveillance.installed"}, "surveillance", True),
        ({"staff[].certificates"}, "staff[0].certificates[1]", True),  # one certificate dropped changes the list
        ({"staff"}, "staff[0].certificates[1]", False),
        ({"subregions[].population"}, "subregions[0].subregions[2].population", True),
        ({"population"}, "subregions[1].population", True),  # conservative: a read field at any depth
    ],
)
def test_which_paths_count_as_read(reads: set[str], path: str, read: bool) -> None:
    assert path_is_read(frozenset(reads), path) is read


def test_the_read_set_maps_item_and_parent_paths_onto_the_record() -> None:
    reads = record_reads(
        {
            ("class", "enrolled"),
            ("class", "institution.form"),
            ("staff", "role"),
            ("subregion", "region.year"),
            ("subregion", "public_institutions"),
        },
        {"class"},
    )
    assert {"classes", "classes[].enrolled", "form", "staff[].role"} <= reads["institution"]
    assert "year" in reads["region"] and "institution.form" not in reads["institution"]
    # a rule bound to a level judges a region of that level itself (found by the property above: nanchang's
    # target.public_institution_per_county)
    assert {"subregions[].public_institutions", "public_institutions"} <= reads["region"]


POLICY = """\
id: t
name: 测试
jurisdiction: {name: 测试区, level: county}
in_force: {from: 2023-01-01}
documents:
  d: {title: 测试文件}
parameters:
  max_slots:
    type: integer
    values: [{since: 2023-01-01, value: 150}]
    citation: {document: d, clause: 一, quote: 不超过150个}
rules:
  - id: slots.max
    when: "not has(guide_price) and all(has(c.caregivers) for c in classes)"
    observed: total_slots
    op: "<="
    required: max_slots
    message: {zh: "托位 {observed} 超过 {required}（{monthly_fee}）"}
    citation: {document: d, clause: 一, quote: 不超过150个}
examples:
  - {name: a, as_of: 2024-01-01, record: {id: A, total_slots: 150, classes: []}, expect: {findings: {slots.max: pass}}}
  - {name: b, as_of: 2024-01-01, record: {id: B, total_slots: 151, classes: []}, expect: {findings: {slots.max: fail}}}
  - {name: c, as_of: 2024-01-01, record: {id: C, classes: []}, expect: {findings: {slots.max: unknown}}}
"""


def test_what_has_tests_and_what_templates_show_count_as_read(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(POLICY, encoding="utf-8")
    compiled = compile_file(path)
    for field in ("total_slots", "guide_price", "monthly_fee", "classes[0].caregivers", "classes"):
        assert compiled.reads_field("institution", field), field
    for field in ("indoor_area_m2", "classes[0].enrolled", "ownership", "staff[0].role"):
        assert not compiled.reads_field("institution", field), field
    assert presence_reads("not has(guide_price)") == {"guide_price"}
