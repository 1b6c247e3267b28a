"""Hostile policies around the sandbox (issue 15): no wrong verdict, no constant that hides an error, no hang."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from tuoyu_rules.compiler import compile_file
from tuoyu_rules.errors import PolicyError
from tuoyu_rules.evaluate import evaluate_record

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
