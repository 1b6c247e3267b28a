"""YAML loading: positions, duplicate keys, limits, exact decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tuoyu_rules.errors import PolicyError
from tuoyu_rules.source import MAX_NODES, load_yaml_file, load_yaml_text


def test_positions_are_one_based_line_and_column() -> None:
    doc = load_yaml_text("a: 1\nb:\n  - x: 4.5\n", "f.yaml")
    assert doc.where(("b", 0, "x")) == (3, 8)
    assert doc.where(("b", 0, "x"), key=True) == (3, 5)


def test_floats_become_exact_decimals() -> None:
    doc = load_yaml_text("rate: 4.7\nshare: 0.1\n", "f.yaml")
    assert doc.data == {"rate": Decimal("4.7"), "share": Decimal("0.1")}


def test_duplicate_key_is_a_problem_with_its_position() -> None:
    doc = load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(p.code, p.location.line, p.location.column) for p in doc.problems] == [("policy.duplicate-key", 3, 1)]


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(PolicyError) as info:
        load_yaml_text("a: [1, 2\nb: 3\n", "f.yaml")
    problem = info.value.problems[0]
    assert problem.code == "policy.yaml-syntax" and problem.location.file == "f.yaml" and problem.location.line


def test_tab_indentation_gets_a_clear_message() -> None:
    with pytest.raises(PolicyError) as info:
        load_yaml_text("a:\n\t- 1\n", "f.yaml")
    assert "Tab" in info.value.problems[0].message


def test_alias_bomb_fails_fast() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(PolicyError) as info:
        load_yaml_text("\n".join(lines), "bomb.yaml")
    assert info.value.problems[0].code == "policy.too-many-nodes"
    assert str(MAX_NODES) in info.value.problems[0].message


def test_bom_is_accepted_and_non_utf8_is_reported(tmp_path) -> None:
    good = tmp_path / "bom.yaml"
    good.write_bytes("\ufeffname: 托育\n".encode())
    assert load_yaml_file(good).data == {"name": "托育"}
    bad = tmp_path / "gbk.yaml"
    bad.write_bytes("name: 托育\n".encode("gb18030"))
    with pytest.raises(PolicyError) as info:
        load_yaml_file(bad)
    assert info.value.problems[0].code == "policy.not-utf8"


def test_invalid_date_is_a_located_problem() -> None:
    doc = load_yaml_text("since: 2023-13-01\n", "f.yaml")
    assert [(p.code, p.location.line) for p in doc.problems] == [("policy.bad-date", 1)]


def test_a_text_read_again_gives_its_own_data_and_its_own_problems(tmp_path) -> None:
    """The node tree of a text is kept for the next read of the same text; every read builds its own data."""
    text = "a: 1\nb: [x, y]\na: 2\nwhen: 2024-02-30\n"
    first, second = load_yaml_text(text, "one.yaml"), load_yaml_text(text, "two.yaml")
    assert first.data == second.data and first.data is not second.data and first.data["b"] is not second.data["b"]
    first.data["b"].append("z")
    assert second.data["b"] == ["x", "y"]
    assert [(p.code, p.location.file) for p in second.problems] == [
        ("policy.duplicate-key", "two.yaml"),
        ("policy.bad-date", "two.yaml"),
    ]
    with pytest.raises(PolicyError) as info:  # a text that does not parse fails on every read, under its own name
        load_yaml_text("a: [1\n", "three.yaml")
    with pytest.raises(PolicyError) as again:
        load_yaml_text("a: [1\n", "four.yaml")
    assert info.value.problems[0].location.file == "three.yaml" and again.value.problems[0].location.file == "four.yaml"


def test_a_changed_file_is_read_anew(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("rate: 4.7\n", encoding="utf-8")
    assert load_yaml_file(path).data == {"rate": Decimal("4.7")}
    path.write_text("rate: 4.8\n", encoding="utf-8")
    assert load_yaml_file(path).data == {"rate": Decimal("4.8")}
