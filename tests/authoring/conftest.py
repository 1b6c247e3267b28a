"""Fixtures of the authoring tests: a child policy of the fixture policy, written on demand."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MINI = Path(__file__).resolve().parents[1] / "data" / "policies" / "mini.yaml"

STRICTER = """\
parameters:
  ratio_infant:
    type: integer
    reason: 测试：乳儿班每名保育人员最多照护2名
    verified: false
    values: [{since: 2023-01-01, value: 2}]
    citation: {document: d, clause: y, quote: q}
"""


@pytest.fixture
def child_of_mini(tmp_path: Path) -> Callable[..., Path]:
    """``child_of_mini(body, name="child")``: a policy extending the fixture policy, with three trivial examples of
    its own, written to ``tmp_path``."""

    def write(body: str, name: str = "child") -> Path:
        text = (
            f"id: {name}\nname: 子策略\njurisdiction: {{name: 子区, level: county}}\nextends: ./mini.yaml\n"
            "in_force: {from: 2023-01-01}\n"
            + textwrap.dedent(body)
            + textwrap.dedent("""\
            examples:
              - {name: e1, as_of: 2024-06-30, record: {id: A, total_slots: 10, indoor_area_m2: 60}, expect: {findings: {area.indoor_per_slot: pass}}}
              - {name: e2, as_of: 2024-06-30, record: {id: B, total_slots: 10, indoor_area_m2: 10}, expect: {findings: {area.indoor_per_slot: fail}}}
              - {name: e3, as_of: 2024-06-30, record: {id: C, total_slots: 10}, expect: {findings: {area.indoor_per_slot: unknown}}}
            """)
        )
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        (tmp_path / "mini.yaml").write_bytes(MINI.read_bytes())  # extends reads only files under the child's dir
        return path

    return write


@pytest.fixture
def stricter() -> str:
    """A child's override of ``ratio_infant`` (3 → 2 children per caregiver), unverified, with its reason."""
    return STRICTER
