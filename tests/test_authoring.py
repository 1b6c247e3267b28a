"""The authoring commands behind the CLI: explain, diff, coverage, annotations, date hygiene, budget, schema."""

from __future__ import annotations

import datetime
import textwrap
from decimal import Decimal
from pathlib import Path

import tuoyu_rules
from tuoyu_rules.authoring import coverage as example_coverage  # not test_coverage itself: pytest would collect it
from tuoyu_rules.authoring.annotations import github_annotations
from tuoyu_rules.authoring.annotations import sarif as sarif_log
from tuoyu_rules.authoring.budget import budget, budget_lines, budgets
from tuoyu_rules.authoring.clauses import clause_index, coverage_markdown
from tuoyu_rules.authoring.dates import date_hygiene
from tuoyu_rules.authoring.diff import diff_policies, diff_text
from tuoyu_rules.authoring.explain import catalogue, explain, suggest
from tuoyu_rules.authoring.ledger_diff import diff_ledger
from tuoyu_rules.authoring.schema import schema as policy_schema
from tuoyu_rules.compiler import compile_file

ROOT = Path(__file__).resolve().parent.parent


def test_date_hygiene_warns_about_expiry_and_targets_without_values(tmp_path: Path) -> None:
    text = (ROOT / "tests/data/policies/mini.yaml").read_text(encoding="utf-8")
    text = text.replace("in_force: {from: 2023-01-01}", "in_force: {from: 2023-01-01, until: 2024-12-31}")
    text = text.replace(
        "by_year: {2023: 1525, 2024: 2000, 2025: 2320}", "by_year: {2023: 1525, 2024: 2000, 2025: fund}"
    )
    text = text.replace(
        "fund: {type: money, values: [{since: 2022-01-01, value: 3000000}]",
        "fund: {type: money, values: [{since: 2026-01-01, value: 3000000}]",
    )
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    policy = compile_file(path)
    codes = {p.code for p in date_hygiene(policy, datetime.date(2024, 12, 1), expiring_within=60)}
    assert {"policy.expiring", "policy.target-after-period", "policy.target-without-value"} <= codes
    later = date_hygiene(policy, datetime.date(2025, 6, 1), None)
    severities = {p.code: p.severity for p in later}
    assert severities.pop("policy.expired") == "notice"  # a plan that has ended is history, not a defect
    assert severities and set(severities.values()) == {"warning"} and all(p.location.line for p in later)


def test_an_ended_policy_gets_no_expiring_warnings_only_notices(tmp_path: Path) -> None:
    body = """\
    documents:
      c: {title: 子文件, date: 2023-01-01, in_force: {from: 2023-01-01, until: 2025-03-31}}
    parameters:
      late: {type: money, values: [{since: 2023-01-01, value: 1}], citation: {document: c, clause: x, quote: q}}
    """
    path = child_of_mini(tmp_path, body)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "in_force: {from: 2023-01-01}", "in_force: {from: 2023-01-01, until: 2024-12-31}"
        ),
        encoding="utf-8",
    )
    policy = compile_file(path)
    in_force = {p.code: p.severity for p in date_hygiene(policy, datetime.date(2024, 12, 1), expiring_within=180)}
    assert in_force == {
        "policy.expiring": "warning",
        "policy.document-expiring": "warning",
        "policy.value-expiring": "warning",
    }
    ended = {p.code: p.severity for p in date_hygiene(policy, datetime.date(2025, 1, 2), expiring_within=180)}
    assert ended == {"policy.expired": "notice"}  # the document still runs to March, but the plan is over
    gone = {p.code: p.severity for p in date_hygiene(policy, datetime.date(2025, 6, 1), expiring_within=180)}
    assert gone == {"policy.expired": "notice", "policy.document-expired": "notice"}


def test_coverage_counts_pass_fail_and_boundary_per_rule(mini_path: Path) -> None:
    coverage = example_coverage.test_coverage(compile_file(mini_path))
    assert coverage.items["class.ratio.infant"]["pass"] and coverage.items["class.ratio.infant"]["fail"]
    assert coverage.examples == 4 and not coverage.failed_examples
    assert Decimal(0) < coverage.percent <= Decimal(100)


def test_budget_counts_months_and_once(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    record = {
        "id": "A",
        "inclusive": True,
        "total_slots": 20,
        "indoor_area_m2": 100,
        "tenure": "owned",
        "classes": [{"type": "infant", "enrolled": 2, "caregivers": 1}],
        "construction": {"provincial_slot_subsidy": True, "central_funding": False, "new_slots": 1},
    }
    result = budget(policy, [record], datetime.date(2024, 6, 30), months=6)
    assert result.subsidies["subsidy.operating"].money.exact == Decimal("6000.00")  # 2 infants × 500 yuan × 6 months
    construction = result.subsidies["subsidy.construction"].money
    assert (construction.low, construction.high) == (Decimal("400.00"), Decimal("600.00"))  # one-off, and a range
    summary = result.to_dict()
    assert summary["total"] is None and (summary["total_min"], summary["total_max"]) == ("6400.00", "6600.00")
    assert summary["budget_for_months"] == "1500000.00"  # 3 million a year, for 6 months
    assert summary["remaining_min"] == f"{Decimal(1_500_000) - Decimal(6600):.2f}"
    assert summary["remaining_max"] == f"{Decimal(1_500_000) - Decimal(6400):.2f}"


# ---- helpers -------------------------------------------------------------------------------------------------------
def child_of_mini(tmp_path: Path, body: str, name: str = "child") -> Path:
    """A policy extending the fixture policy, with three trivial examples of its own."""
    mini = ROOT / "tests/data/policies/mini.yaml"
    text = (
        f"id: {name}\nname: 子策略\njurisdiction: {{name: 子区, level: county}}\nextends: {mini}\n"
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
    return path


STRICTER = """\
parameters:
  ratio_infant:
    type: integer
    reason: 测试：乳儿班每名保育人员最多照护2名
    verified: false
    values: [{since: 2023-01-01, value: 2}]
    citation: {document: d, clause: y, quote: q}
"""


# ---- explain -------------------------------------------------------------------------------------------------------
def test_explain_rule_names_its_layer_parameters_and_examples() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").compiled
    text = "\n".join(explain(policy, "class.ratio.infant", datetime.date(2024, 6, 30)) or [])
    assert "所在策略: national" in text and "ratio_infant = 3" in text and "设定层级: national" in text
    assert "type == 'infant'" in text and "caregivers >= ceil(enrolled / ratio_infant)" in text
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


def test_explain_parameter_shows_what_it_overrode_unverified_and_its_users(tmp_path: Path) -> None:
    policy = compile_file(child_of_mini(tmp_path, STRICTER))
    text = "\n".join(explain(policy, "ratio_infant", datetime.date(2024, 6, 30)) or [])
    assert "ratio_infant = 2" in text and "设定层级: child" in text
    assert "覆盖了 mini: 2019-01-01: 3" in text and "理由: 测试" in text
    assert "verified: false" in text and "用于: class.ratio.infant" in text


def test_explain_target_marks_the_year_checked_and_later_years() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").compiled
    lines = explain(policy, "target.total_slots", datetime.date(2024, 6, 30), "en") or []
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


# ---- diff ----------------------------------------------------------------------------------------------------------
def test_diff_policies_shows_changed_parameter_with_both_values(tmp_path: Path, mini_path: Path) -> None:
    child = compile_file(child_of_mini(tmp_path, STRICTER))
    changes = diff_policies(compile_file(mini_path), child, datetime.date(2024, 6, 30))
    (ratio,) = [c for c in changes if c.id == "ratio_infant"]
    assert (ratio.change, ratio.old["in_force"], ratio.new["in_force"]) == (
        "changed",
        "3 children/caregiver",
        "2 children/caregiver",
    )
    assert ratio.old["layer"] == "mini" and ratio.new["layer"] == "child" and ratio.new["verified"] is False
    assert not [c for c in changes if c.kind == "rule"]  # the rule's text is the same


def test_diff_policies_reports_added_removed_and_changed_rules(tmp_path: Path, mini_path: Path) -> None:
    body = """\
    disable:
      - {rule: premises.lease_years, reason: 测试停用, citation: {document: d, clause: z, quote: q}}
    rules:
      - id: target.total_slots
        subject: region
        reason: 测试：目标提高
        observed: total_slots
        op: ">="
        by_year: {2023: 1600, 2025: 2400}
        message: {zh: "{year} 托位 {observed}"}
        citation: {document: d, clause: x, quote: q}
      - id: slots.max
        observed: total_slots
        op: "<="
        required: "150"
        message: {zh: "托位 {observed}"}
        citation: {document: d, clause: x, quote: q}
    """
    old, new = compile_file(mini_path), compile_file(child_of_mini(tmp_path, body))
    changes = {(c.kind, c.id): c for c in diff_policies(old, new, datetime.date(2024, 6, 30))}
    assert changes[("rule", "slots.max")].change == "added"
    assert changes[("rule", "premises.lease_years")].change == "removed"
    assert changes[("disabled", "premises.lease_years")].new["reason"] == "测试停用"
    target = changes[("target", "target.total_slots")]
    assert target.old[0]["by_year"]["2024"] == "2000" and target.new[0]["by_year"]["2023"] == "1600"
    text = "\n".join(diff_text(old, new, list(changes.values()), datetime.date(2024, 6, 30), "en"))
    assert (
        "~ target target.total_slots" in text and "+ rule slots.max" in text and "- rule premises.lease_years" in text
    )


def test_ledger_diff_counts_status_changes_rule_flips_and_money(tmp_path: Path, mini_path: Path) -> None:
    old = tuoyu_rules.load_policy(mini_path)
    new = tuoyu_rules.load_policy(child_of_mini(tmp_path, STRICTER))
    base = {"inclusive": True, "total_slots": 20, "indoor_area_m2": 100, "tenure": "owned"}
    rows = iter(  # a one-shot iterator: the diff reads it once
        [
            {**base, "id": "A", "classes": [{"type": "infant", "enrolled": 6, "caregivers": 2}]},  # 3:1 → 2:1 fails
            {**base, "id": "B", "classes": [{"type": "infant", "enrolled": 4, "caregivers": 2}]},  # passes under both
            {"id": "A"},  # a repeated id: an error row under both
        ]
    )
    result = diff_ledger(old, new, rows, datetime.date(2024, 6, 30))
    assert (result.records, result.errors, result.status_changed) == (2, 1, 1)
    assert result.transitions == {"pass→fail": 1} and result.changed_ids == ["A"]
    assert result.rule_flips == {"class.ratio.infant": {"pass→fail": 1}}
    assert result.subsidy_old - result.subsidy_new == Decimal(3000)  # A loses 6 × 500 a month
    assert result.to_dict()["violations"] == {"class.ratio.infant": {"old": 0, "new": 1}}


# ---- coverage ------------------------------------------------------------------------------------------------------
def test_boundary_needs_an_example_exactly_at_the_threshold(tmp_path: Path, mini_path: Path) -> None:
    assert example_coverage.test_coverage(compile_file(mini_path)).items["class.ratio.infant"]["boundary"] is True
    # the same policy with the example at exactly 2 of 2 caregivers moved to 3 of 2: one off is not the boundary
    text = mini_path.read_text(encoding="utf-8").replace(
        "{type: infant, enrolled: 6, caregivers: 2}", "{type: infant, enrolled: 6, caregivers: 3}"
    )
    moved = tmp_path / "mini.yaml"
    moved.write_text(text, encoding="utf-8")
    coverage = example_coverage.test_coverage(compile_file(moved))
    assert coverage.items["class.ratio.infant"]["boundary"] is False
    assert "class.ratio.infant: boundary not exercised" in coverage.missing()
    assert coverage.percent < Decimal(100)


def test_clause_index_lists_items_no_clause_mentions(tmp_path: Path) -> None:
    path = child_of_mini(
        tmp_path,
        STRICTER + "clauses:\n  - {clause: y, summary: 保育比, encoded_by: [ratio_infant]}\n"
        "  - {clause: z, summary: 组织, not_checkable: 工作机制}\n",
    )
    policy = compile_file(path)
    rows, unmentioned = clause_index(policy)
    assert [r["clause"] for r in rows] == ["y", "z"] and unmentioned == []
    markdown = coverage_markdown([policy, compile_file(ROOT / "tests/data/policies/mini.yaml")])
    assert "| y | 保育比 | `ratio_infant` |" in markdown and "not checkable: 工作机制" in markdown
    assert "Not in the index: " in markdown  # the fixture policy has no clause index at all


# ---- annotations ---------------------------------------------------------------------------------------------------
def test_github_annotations_escape_newlines_and_mark_warnings() -> None:
    from tuoyu_rules.errors import Location, Problem

    problems = [
        Problem("policy.x", "第一行\n第二行 100%", "x", Location(file="p.yaml", line=3, column=5)),
        Problem("policy.expired", "已失效", "expired", Location(file="p.yaml", line=9, column=1), "warning"),
    ]
    error, warning = github_annotations([("p.yaml", problems)])
    assert error == "::error file=p.yaml,line=3,col=5,title=policy.x::第一行%0A第二行 100%25"
    assert warning.startswith("::warning file=p.yaml,line=9,col=1,title=policy.expired::")
    sarif = sarif_log([("p.yaml", problems)])
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "tuoyu-rules"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["policy.expired", "policy.x"]
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 5} and run["results"][1]["level"] == "warning"


# ---- date hygiene --------------------------------------------------------------------------------------------------
def test_values_dated_before_the_policy_need_their_own_citation(tmp_path: Path) -> None:
    body = """\
    documents:
      c: {title: 子文件, date: 2023-01-01, in_force: {from: 2023-01-01, until: 2024-12-31}}
    parameters:
      early: {type: money, values: [{since: 2021-01-01, value: 1}], citation: {document: c, clause: x, quote: q}}
      cited:
        type: money
        values: [{since: 2021-01-01, value: 1, citation: {document: c, clause: 从2021年起, quote: q}}]
        citation: {document: c, clause: x, quote: q}
      parents: {type: money, values: [{since: 2021-01-01, value: 1}], citation: {document: d, clause: x, quote: q}}
    """
    policy = compile_file(child_of_mini(tmp_path, body))
    problems = date_hygiene(policy, datetime.date(2024, 12, 1), expiring_within=60)
    before = [p for p in problems if p.code == "policy.value-before-period"]
    assert len(before) == 1 and "early" in before[0].message and before[0].location.line == 9
    codes = {p.code for p in problems}
    assert {"policy.document-expiring", "policy.value-expiring"} <= codes
    later = {p.code for p in date_hygiene(policy, datetime.date(2025, 1, 2), None)}
    assert "policy.document-expired" in later and "policy.document-expiring" not in later
    ended = [p for p in date_hygiene(policy, datetime.date(2025, 1, 2), 60) if p.code == "policy.value-expiring"]
    assert ended and all(p.severity == "notice" and "expired on 2024-12-31" in p.message_en for p in ended)


# ---- budget and schema ---------------------------------------------------------------------------------------------
def test_budget_breaks_down_by_district_and_form_and_counts_open_amounts(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    one = {"inclusive": True, "total_slots": 20, "indoor_area_m2": 100, "tenure": "owned", "form": "center"}
    rows = [
        {**one, "id": "A", "district": "甲区", "classes": [{"type": "infant", "enrolled": 1, "caregivers": 1}]},
        {**one, "id": "B", "district": "乙区", "classes": [{"type": "toddler", "enrolled": 3, "caregivers": 1}]},
        {"id": "C", "total_slots": 20, "tenure": "owned", "classes": []},  # eligibility unknown: no inclusive field
    ]
    result = budget(policy, rows, datetime.date(2024, 6, 30), months=3)
    operating = result.subsidies["subsidy.operating"]
    assert (operating.eligible, operating.undetermined, operating.money.exact) == (2, 1, Decimal("4200.00"))
    assert result.by_district["甲区"].exact == Decimal("1500.00") and result.by_district["乙区"].exact == Decimal(
        "2700.00"
    )
    assert result.by_form["center"].exact == Decimal("4200.00") and "—" not in result.by_district
    lines = budget_lines(result, lang="en")
    assert any("4,200.00" in line for line in lines) and any("3,000,000.00" in line for line in lines)


def test_what_if_budget_reads_the_rows_once(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    row = {"id": "A", "inclusive": True, "total_slots": 20, "indoor_area_m2": 100, "tenure": "owned"}
    row["classes"] = [{"type": "infant", "enrolled": 2, "caregivers": 1}]
    written, what_if = budgets(
        [policy, policy.with_parameters({"op_infant": "600"})], iter([row]), datetime.date(2024, 6, 30), months=12
    )
    assert written.money.exact == Decimal("12000.00") and what_if.money.exact == Decimal("14400.00")
    text = "\n".join(budget_lines(written, what_if))
    assert "what-if 14,400.00" in text and "Δ +2,400.00" in text


def test_schema_is_draft_2020_12_with_the_policy_sections() -> None:
    schema = policy_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] and schema["$id"].endswith("policy.schema.json")
    assert {"id", "rules", "parameters", "subsidies", "examples"} <= set(schema["properties"])


def test_annotation_locations_are_escaped_and_sarif_paths_relative(monkeypatch, tmp_path: Path) -> None:
    from tuoyu_rules.errors import Location, Problem

    monkeypatch.chdir(tmp_path)
    inside = str(tmp_path / "policies" / "a,b.yaml")
    problem = Problem("policy.x", "消息", "message", Location(file=inside, line=2, column=3))
    (annotation,) = github_annotations([(inside, [problem])], lang="en")
    assert annotation.startswith(f"::error file={inside.replace(':', '%3A').replace(',', '%2C')},line=2,col=3,")
    assert annotation.endswith("::message")
    outside = Problem("policy.x", "消息", "message", Location(file="/elsewhere/p.yaml", line=1, column=1))
    results = sarif_log([(inside, [problem]), ("/elsewhere/p.yaml", [outside])])["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["policies/a,b.yaml", "file:///elsewhere/p.yaml"]
