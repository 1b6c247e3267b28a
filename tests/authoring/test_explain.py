"""explain and the catalogue: rules, targets, subsidies, benefits and parameters in words."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import tuoyu_rules
from tuoyu_rules.authoring.explain import catalogue, explain, suggest
from tuoyu_rules.compiler import compile_file


def test_explain_rule_names_its_layer_parameters_and_examples() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").compiled
    text = "\n".join(explain(policy, "class.size.infant", datetime.date(2024, 6, 30)) or [])
    assert "所在策略: national" in text and "class_size_max_infant = 10" in text and "设定层级: national" in text
    assert "type == 'infant'" in text and "enrolled <= class_size_max_infant" in text
    assert "严重程度: error" in text and "示例:" in text


def test_explain_superseded_number_shows_the_value_in_force_and_where_it_comes_from() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").compiled
    lines = explain(policy, "iit_deduction_stated", datetime.date(2024, 6, 30), "en") or []
    text = "\n".join(lines)
    assert "iit_deduction_stated = 1000" in text  # the number the document states
    assert "superseded by: iit_deduction_per_child = 2000" in text  # the value in force
    assert "from national (national.yaml" in text  # and the layer that sets it
    before = "\n".join(explain(policy, "iit_deduction_stated", datetime.date(2022, 6, 30), "en") or [])
    assert "iit_deduction_per_child = 1000" in before  # the national value was 1000 until 2023


def test_explain_parameter_shows_what_it_overrode_unverified_and_its_users(
    child_of_mini: Callable[..., Path], stricter: str
) -> None:
    policy = compile_file(child_of_mini(stricter))
    text = "\n".join(explain(policy, "ratio_infant", datetime.date(2024, 6, 30)) or [])
    assert "ratio_infant = 2" in text and "设定层级: child" in text
    assert "覆盖了 mini: 2019-01-01: 3" in text and "理由: 测试" in text
    assert "verified: false" in text and "用于: class.ratio.infant" in text


def test_explain_target_marks_the_year_checked_and_later_years() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").compiled
    lines = explain(policy, "target.total_slots", datetime.date(2024, 12, 31), "en") or []  # 2024's is due at year end
    assert any("2024: 2000" in line and "checked for 2024" in line for line in lines)
    assert any("2025: 2320" in line and "not yet due" in line for line in lines)


def test_explain_subsidy_and_benefit_show_amount_and_parameters() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").compiled
    text = "\n".join(explain(policy, "subsidy.operating", datetime.date(2024, 6, 30), "en") or [])
    assert "period: month" in text and "operating_subsidy_infant = 500" in text
    benefit = "\n".join(explain(policy, "benefit.iit_deduction", datetime.date(2024, 6, 30)) or [])
    assert "iit_deduction_per_child = 2000" in benefit and "iit_deduction_stated = 1000" in benefit


def test_unknown_id_gives_none_and_a_suggestion() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").compiled
    assert explain(policy, "class.ratio.infnt", datetime.date(2024, 6, 30)) is None
    assert suggest(policy, "class.ratio.infnt") == "class.ratio.infant"


def test_catalogue_lists_rules_targets_subsidies_and_benefits() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").compiled
    lines = catalogue(policy, "en")
    kinds = {line.split()[0] for line in lines[1:-1]}
    assert {"rule", "target", "subsidy", "benefit"} <= kinds
    assert any("class.ratio.infant" in line and "class" in line for line in lines)
