"""The catalogue of error codes: every code declared once, documented, and the only codes the package uses."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import tuoyu_rules
from tuoyu_rules.errors import (
    CODES,
    FAMILIES,
    RENAMED,
    SCHEMA_CODES,
    STAGES,
    VALIDATOR_CODES,
    PolicyError,
    schema_message,
)
from tuoyu_rules.errors_doc import catalogue_markdown
from tuoyu_rules.model import PolicyModel
from tuoyu_rules.source import load_yaml_file, load_yaml_text

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "tuoyu_rules"
CODE_SHAPE = re.compile(r"^(policy|record)\.[a-z0-9-]+$")
CJK = re.compile(r"[\u4e00-\u9fff]")


BAD_POLICY = """\
id: broken
name: 测试
jurisdiction: {name: 测试区, level: county}
in_force: {from: 2023-01-01}
documents:
  d: {title: 测试文件, date: 2023-01-01}
"""


def _code_strings() -> dict[str, list[str]]:
    """Every string constant (and constant part of an f-string) in the package that looks like a code."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_SHAPE.match(node.value):
                found.setdefault(node.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _errors(data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        PolicyModel.model_validate(data)
    return [dict(e) for e in caught.value.errors()]


def _policy(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(load_yaml_text(BAD_POLICY, "broken.yaml").data)
    data.update(changes)
    return data


def _one(data: dict[str, Any], suggestion: str | None = None) -> tuple[str, str, str]:
    [error] = _errors(data)
    return schema_message(error, suggestion)


def test_docs_errors_md_is_generated_from_the_catalogue() -> None:
    committed = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert committed == catalogue_markdown(), (
        "docs/errors.md is stale: .venv/bin/python -m tuoyu_rules.errors_doc > docs/errors.md"
    )


def test_every_code_the_package_uses_is_in_the_catalogue() -> None:
    used = _code_strings()
    old = {
        code for code, where in used.items() if code in RENAMED and all("/errors.py:" in w for w in where)
    }  # the table
    missing = {code: where for code, where in used.items() if code not in {*CODES, *old}}
    assert missing == {}, "add these codes to tuoyu_rules.errors.CODES (and regenerate docs/errors.md)"


def test_schema_errors_of_a_loaded_policy_have_catalogued_codes_and_chinese_messages(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BAD_POLICY + "rules:\n  - {id: a.b, title: t, observed: total_slots, op: '>='}\n", encoding="utf-8")
    with pytest.raises(tuoyu_rules.PolicyError) as caught:
        tuoyu_rules.load_policy(path)
    problems = caught.value.problems
    assert problems and all(p.code in CODES and re.search(r"[\u4e00-\u9fff]", p.message) for p in problems)
    assert not any(p.code.startswith("policy.invalid-") and p.code not in CODES for p in problems)


def test_renamed_names_the_old_code_of_every_schema_error_type() -> None:
    renamed = {kind for kind in SCHEMA_CODES if kind not in ("extra_forbidden", "missing")}
    old = {"policy.invalid-" + kind.replace("_", "-") for kind in renamed if not kind.startswith("date_")}
    assert set(RENAMED) == old
    for kind in renamed - {"value_error"}:
        if not kind.startswith("date_"):
            assert RENAMED["policy.invalid-" + kind.replace("_", "-")] == SCHEMA_CODES[kind][0]
    assert all(code in CODES for new in RENAMED.values() for code in new.split(", "))


def test_every_entry_has_chinese_and_english_text_and_a_known_stage() -> None:
    for entry in CODES.values():
        assert CODE_SHAPE.match(entry.code), entry.code
        assert entry.family in FAMILIES and entry.stage in STAGES, entry.code
        assert CJK.search(entry.zh), f"{entry.code}: the Chinese text has no Chinese"
        assert re.search("[A-Za-z]{3}", entry.en), f"{entry.code}: the English text has no English"


def test_every_schema_code_is_in_the_catalogue() -> None:
    for code, _, _ in SCHEMA_CODES.values():
        assert code in CODES
    for code, zh in VALIDATOR_CODES.values():
        assert code in CODES and CJK.search(zh)
    for code in ("policy.wrong-type", "policy.invalid-value"):
        assert code in CODES


def test_every_validator_message_of_the_model_has_a_code() -> None:
    tree = ast.parse((PACKAGE / "model.py").read_text(encoding="utf-8"))
    raised = {
        node.exc.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and isinstance(node.exc.func, ast.Name)
        and node.exc.func.id == "ValueError"
        and node.exc.args
        and isinstance(node.exc.args[0], ast.Constant)
    }
    assert raised and raised <= set(VALIDATOR_CODES)


def test_an_unknown_key_keeps_its_code_and_its_did_you_mean() -> None:
    data = _policy()
    data["documents"]["d"]["titel"] = "x"
    assert _one(data, "title") == (
        "policy.unknown-key",
        "未知的键 'titel'；是否想写 'title'？",
        "unknown key 'titel'; did you mean 'title'?",
    )


def test_the_codes_printed_today_keep_their_messages(tmp_path: Path) -> None:
    # unknown key, missing key and bad date: what load_policy prints today, word for word
    text = BAD_POLICY.replace("name: 测试\n", "").replace("title: 测试文件", "title: 测试文件, tpye: x")
    text = text.replace("date: 2023-01-01", "date: [2023]")
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        tuoyu_rules.load_policy(path)
    printed = {(p.code, p.message, p.message_en) for p in caught.value.problems}
    ours = {schema_message(e) for e in _errors(load_yaml_file(path).data)}
    assert ("policy.missing-key", "缺少必填的键 'name'（在 name）", "missing required key 'name' (at name)") in ours
    assert {p for p in ours if p[0] in ("policy.unknown-key", "policy.missing-key", "policy.bad-date")} <= printed


def test_a_literal_gets_a_chinese_message_listing_the_choices() -> None:
    code, zh, en = _one(_policy(jurisdiction={"name": "x", "level": "village"}))
    assert code == "policy.unknown-value"
    assert (
        zh == "jurisdiction.level：'village' 不是可选的取值；可选：'national'、'province'、'city'、'county'、'township'"
    )
    assert (
        en == "jurisdiction.level: 'village' is not allowed; use 'national', 'province', 'city', 'county' or 'township'"
    )


def test_a_validator_message_gets_its_own_code_and_chinese() -> None:
    rule = {"id": "a.b", "observed": "x", "op": ">=", "message": {"zh": "x"}}
    rule["citation"] = {"document": "d", "clause": "c", "quote": "q"}
    assert _one(_policy(rules=[rule])) == (
        "policy.rule-shape",
        "rules.0：规则需要 `check`，或者 `observed`、`op` 和 `required`（或 `by_year`）",
        "rules.0: a rule needs `check`, or `observed`, `op` and `required` (or `by_year`)",
    )


def test_the_branches_of_a_union_give_one_code_at_the_key() -> None:
    parameter = {"type": "number", "values": [{"since": "2023-01-01", "value": ["a"]}]}
    parameter["citation"] = {"document": "d", "clause": "c", "quote": "q"}
    messages = {schema_message(e) for e in _errors(_policy(parameters={"area": parameter}))}
    assert messages == {
        (
            "policy.wrong-type",
            "parameters.area.values.0.value：'['a']' 的类型不对",
            "parameters.area.values.0.value: '['a']' has the wrong type",
        )
    }


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"documents": "d"}, "policy.not-a-mapping"),
        ({"jurisdiction": "x"}, "policy.not-a-mapping"),
        ({"rules": "x"}, "policy.expected-list"),
        ({"name": 5}, "policy.not-a-string"),
        ({"id": "Bad Id"}, "policy.bad-identifier"),
        ({"description": None, "name_en": ["x"]}, "policy.not-a-string"),
        ({"budget": {"parameter": "x", "period": "day"}}, "policy.unknown-value"),
        ({"in_force": {"from": "2023-13-01"}}, "policy.bad-date"),
        ({"clauses": [{"clause": "一"}]}, "policy.clause-unencoded"),
        (
            {"disable": [{"rule": "a", "reason": "", "citation": {"document": "d", "clause": "c", "quote": "q"}}]},
            "policy.text-too-short",
        ),
    ],
)
def test_each_schema_error_gets_our_code_and_a_chinese_message(change: dict[str, Any], code: str) -> None:
    got, zh, en = _one(_policy(**change))
    assert got == code
    assert CJK.search(zh) and en and not CJK.search(en.split(":", 1)[1])


def test_a_type_pydantic_adds_later_falls_back_to_invalid_value() -> None:
    error = {"type": "uuid_type", "loc": ("documents", "d", "url"), "msg": "Input should be a valid UUID", "input": 1}
    assert schema_message(error) == (
        "policy.invalid-value",
        "documents.d.url：Input should be a valid UUID",
        "documents.d.url: Input should be a valid UUID",
    )


def test_the_error_types_of_broken_bundled_policies_are_all_mapped() -> None:
    data = load_yaml_file(ROOT / "policies" / "luzhou_longmatan.yaml").data
    kinds: set[str] = set()
    broken = []
    for key, value in data.items():
        children = list(value.items())[:1] if isinstance(value, dict) else [(0, value[0])] if value else []
        for bad in (None, 5, "x", [1], {"zz": 1}, True, [], ""):
            broken.append({**data, key: bad})
            for child, item in children:
                fields = item if isinstance(item, dict) else {}
                for name in fields:
                    changed = copy.deepcopy(data)
                    changed[key][child][name] = bad
                    broken.append(changed)
    for policy in broken:
        try:
            PolicyModel.model_validate(policy)
        except ValidationError as exc:
            kinds |= {e["type"] for e in exc.errors()}
    assert kinds and kinds <= set(SCHEMA_CODES)
