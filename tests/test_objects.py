"""One object model (issue 17): the Python objects of a report have the attributes of its JSON, one for one.

For every line of every bundled example ledger (``examples/*/institutions.jsonl`` under its policy), every key of
``to_dict()`` is an attribute with the same value (money is ``Decimal`` in Python, text in JSON), and every attribute
the docs list is a key. Reprs stay short, and the writers take the objects as well as their dicts.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tuoyu_rules
from tuoyu_rules.findings import BenefitLine, Finding, SubsidyLine, json_number
from tuoyu_rules.records import read_rows
from tuoyu_rules.report import ErrorReport, Report
from tuoyu_rules.writers import Summary, write_reports

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2024, 6, 30)
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "institutions.jsonl").exists())


def _outputs(example: str) -> list[Report | ErrorReport]:
    policy = tuoyu_rules.load_policy(example)
    return list(policy.evaluate_many(read_rows(ROOT / "examples" / example / "institutions.jsonl"), as_of=AS_OF))


@pytest.fixture(scope="module")
def outputs() -> dict[str, list[Report | ErrorReport]]:
    return {example: _outputs(example) for example in EXAMPLES}


def _lines(outputs: dict[str, list[Report | ErrorReport]]) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Every finding, subsidy line and benefit line of the examples, with its JSON object."""
    for reports in outputs.values():
        for report in reports:
            if not isinstance(report, Report):
                continue
            d = report.to_dict()
            yield from zip(report.findings, d["findings"], strict=True)
            yield from zip(report.subsidies, d["subsidies"], strict=True)
            yield from zip(report.benefits, d.get("benefits", []), strict=True)


def _same(attribute: Any, value: Any) -> bool:
    """An attribute and its JSON value are the same fact: money is ``Decimal`` here and text there, tuples lists."""
    if isinstance(attribute, Decimal) and isinstance(value, str):
        return Decimal(value) == attribute
    if isinstance(attribute, (tuple, list)):
        return isinstance(value, list) and len(attribute) == len(value) and all(map(_same, attribute, value))
    if isinstance(attribute, Decimal):
        return bool(json_number(attribute) == value)
    return bool(attribute == value) and type(attribute) is type(value)


def test_every_key_of_the_json_is_an_attribute_with_the_same_value(outputs: Any) -> None:
    seen: dict[type, set[str]] = {}
    for obj, d in _lines(outputs):
        seen.setdefault(type(obj), set()).update(d)
        for key, value in d.items():
            assert _same(getattr(obj, key), value), (obj, key, getattr(obj, key), value)
    assert set(seen) == {Finding, SubsidyLine, BenefitLine}
    for cls, keys in seen.items():
        for key in documented(cls):  # a key the examples never show is still an attribute
            assert hasattr(cls, key) or key in cls.__dataclass_fields__, (cls, key)
        assert keys <= documented(cls), (cls, keys - documented(cls))


def test_a_key_absent_from_the_json_is_an_empty_attribute(outputs: Any) -> None:
    for obj, d in _lines(outputs):
        for key in documented(type(obj)) - set(d):
            assert getattr(obj, key) in (None, (), [], False), (obj, key)


def test_finding_rule_is_the_rule_id_and_its_texts_are_strings(outputs: Any) -> None:
    fails = [f for reports in outputs.values() for r in reports if isinstance(r, Report) for f in r.violations]
    assert fails
    for f in fails:
        assert isinstance(f.rule, str) and f.rule == f.compiled_rule.id == f.to_dict()["rule"]
        assert isinstance(f.message, str) and f.messages == (f.message, f.message_en)
        assert f.message != f.message_en  # Chinese first, English beside it
    assert any(isinstance(f.fix, str) and isinstance(f.fix_en, str) for f in fails)


def test_subsidy_lines_show_period_and_basis(outputs: Any) -> None:
    lines = [s for reports in outputs.values() for r in reports if isinstance(r, Report) for s in r.subsidies]
    assert {s.period for s in lines} >= {"month", "once"}
    assert any(s.eligible and s.basis and s.basis_en for s in lines)
    assert any(s.amount_open for s in lines) and all(s.amount is None for s in lines if s.amount_open)


# --- docs ---------------------------------------------------------------------------------------------------------


def _attribute_table() -> dict[str, set[str]]:
    """The attributes docs/reports.md lists for each class (the table "Python objects")."""
    text = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    section = text.split("### Python 对象 · Python objects", 1)[1].split("\n#", 1)[0]
    out = {}
    for row in re.findall(r"^\| `(\w+)` \| ([^|]*) \|", section, re.MULTILINE):
        out[row[0]] = set(re.findall(r"`(\w+)`", row[1]))
    return out


def documented(cls: type) -> set[str]:
    return _attribute_table()[cls.__name__]


def test_the_docs_list_every_attribute_of_the_json() -> None:
    table = _attribute_table()
    assert set(table) == {"Finding", "SubsidyLine", "BenefitLine"}
    for name, keys in table.items():
        cls = {"Finding": Finding, "SubsidyLine": SubsidyLine, "BenefitLine": BenefitLine}[name]
        for key in keys:
            assert hasattr(cls, key) or key in cls.__dataclass_fields__, (name, key)


def test_the_readme_names_only_real_attributes(outputs: Any) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## From Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    report = next(r for r in outputs["luzhou_longmatan"] if isinstance(r, Report) and r.violations)
    objects = {"f": report.violations[0], "s": report.subsidies[0], "report": report}
    named = re.findall(r"\b(f|s|report)\.(\w+)", block)
    assert {var for var, _ in named} == set(objects)
    for var, attribute in named:
        assert hasattr(objects[var], attribute), f"README names {var}.{attribute}"


# --- reprs --------------------------------------------------------------------------------------------------------


def test_every_public_class_has_a_short_repr(outputs: Any) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    reports = outputs["luzhou_longmatan"]
    report = next(r for r in reports if isinstance(r, Report) and r.violations)
    bad = tuoyu_rules.load_policy("luzhou_longmatan").evaluate_many([{"id": "X", "total_slots": "many"}])
    error = next(r for r in bad if isinstance(r, ErrorReport))
    lines = [line for r in reports if isinstance(r, Report) for line in (*r.findings, *r.subsidies, *r.benefits)]
    shown = [policy, policy.compiled, report, error, *lines]
    for obj in shown:
        text = repr(obj)
        assert len(text) < 120 and text.startswith(f"<{type(obj).__name__} "), text
    assert {type(obj).__name__ for obj in shown} == {
        "Policy", "CompiledPolicy", "Report", "ErrorReport", "Finding", "SubsidyLine", "BenefitLine"
    }  # fmt: skip
    f = next(f for f in report.findings if f.subject)
    assert repr(f) == f"<Finding {f.rule} {f.outcome} {f.subject}>"
    assert repr(error) == "<ErrorReport row 1 'X' record.not-a-number>"
    assert (
        repr(policy.compiled) == f"<CompiledPolicy luzhou_longmatan, {len(policy.compiled.rules)} rules, 3 subsidies>"
    )


def test_a_long_id_is_cut_in_the_repr() -> None:
    report = tuoyu_rules.load_policy("luzhou_longmatan").evaluate({"id": "机构" * 200}, as_of=AS_OF)
    assert len(repr(report)) < 120 and "…" in repr(report)


# --- writers take the objects -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table", "html"])
def test_write_reports_takes_objects_as_it_takes_dicts(outputs: Any, fmt: str) -> None:
    items = [*outputs["luzhou_longmatan"], error_row()]
    by_objects, by_dicts = io.StringIO(), io.StringIO()
    s1 = write_reports(items, fmt, by_objects)
    s2 = write_reports([i.to_dict() for i in items], fmt, by_dicts)
    assert by_objects.getvalue() == by_dicts.getvalue() and s1.to_dict() == s2.to_dict()
    assert s1.errors == 1 and s1.reports == len(items) - 1
    if fmt == "jsonl":
        assert [json.loads(line)["status"] for line in by_objects.getvalue().splitlines()] == [i.status for i in items]


def error_row() -> ErrorReport:
    bad = tuoyu_rules.load_policy("luzhou_longmatan").evaluate_many([{"id": "E", "total_slots": "many"}])
    return next(r for r in bad if isinstance(r, ErrorReport))


def test_summary_add_takes_objects(outputs: Any) -> None:
    items = [*outputs["nanchang"], error_row()]
    a, b = Summary(), Summary()
    for item in items:
        a.add(item)
        b.add(item.to_dict())
    assert a.to_dict() == b.to_dict() and a.rows == len(items) and a.errors == 1


def test_writers_refuse_what_is_neither_a_dict_nor_a_report() -> None:
    with pytest.raises(TypeError, match="to_dict"):
        Summary().add(42)  # type: ignore[arg-type]


def test_mypy_sees_the_json_of_the_contract_and_the_attributes(tmp_path: Path) -> None:
    """``to_dict()`` returns TypedDicts: mypy knows each key's type and refuses a key the contract has not."""
    from test_typed_models import mypy

    source = """\
import datetime
import tuoyu_rules
report = tuoyu_rules.load_policy("luzhou_longmatan").evaluate({"id": "X"}, as_of=datetime.date(2024, 6, 30))
d = report.to_dict()
reveal_type(d["findings"][0]["rule"])
reveal_type(d["subsidies"][0]["amount"])
reveal_type(report.findings[0].rule)
reveal_type(report.findings[0].message)
reveal_type(report.subsidies[0].period)
d["no_such_key"]
"""
    out = mypy(tmp_path, source).stdout
    revealed = [t.replace("builtins.", "") for t in re.findall(r'Revealed type is "(.*)"', out)]
    assert revealed == ["str", "str | None", "str", "str", "str"], out
    assert '"ReportJSON" has no key "no_such_key"' in out, out
