"""The command line, driven through main(argv): output and exit codes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tuoyu_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "luzhou_longmatan"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_bundled_policies_passes(capsys) -> None:
    code, _, err = run(capsys, "validate", str(ROOT / "policies"))
    assert code == 0 and "national.yaml" in err


def test_validate_reports_path_line_column_and_exits_1(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (ROOT / "tests/data/policies/mini.yaml")
        .read_text(encoding="utf-8")
        .replace("  ratio_infant: {type:", "  ratio_infant: {tpye:"),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "validate", str(bad))
    assert code == 1
    assert f"{bad}:10:" in out and "policy.unknown-key" in out


def test_validate_github_annotation_points_at_the_misspelt_key(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "tests/data/policies/mini.yaml").read_text(encoding="utf-8")
    bad.write_text(
        text.replace("  fund: {type: money, values:", "  fund: {type: money, unti: y, values:"), encoding="utf-8"
    )
    code, out, _ = run(capsys, "validate", "--format", "github", str(bad))
    annotation = next(line for line in out.splitlines() if "policy.unknown-key" in line)
    key_line = next(i + 1 for i, line in enumerate(bad.read_text(encoding="utf-8").splitlines()) if "unti" in line)
    assert code == 1 and annotation.startswith("::error ") and f"line={key_line}," in annotation


def test_validate_sarif_is_sarif(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: x\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--format", "sarif", str(bad))
    sarif = json.loads(out)
    assert code == 1 and sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


def test_check_table_on_the_example_ledger(capsys) -> None:
    code, out, _ = run(
        capsys, "check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", str(EXAMPLES / "institutions.xlsx")
    )
    assert code == 1
    assert "共 30 条" in out and "不通过" in out and "→" in out


def test_check_json_matches_the_contract(capsys) -> None:
    _, out, _ = run(
        capsys,
        "check",
        "--policy",
        "luzhou_longmatan",
        "--as-of",
        "2024-06-30",
        "--format",
        "json",
        str(EXAMPLES / "institutions.jsonl"),
    )
    reports = json.loads(out)
    assert len(reports) == 30
    first = reports[0]
    assert {"kind", "id", "policy", "as_of", "status", "findings", "violations", "subsidies"} <= set(first)


def test_check_bad_rows_are_reported_and_good_rows_checked(capsys) -> None:
    code, out, _ = run(
        capsys,
        "check",
        "--policy",
        "luzhou_longmatan",
        "--as-of",
        "2024-06-30",
        "--format",
        "jsonl",
        str(ROOT / "tests/data/ledgers/bad_rows.csv"),
    )
    items = [json.loads(line) for line in out.splitlines()]
    errors = [i for i in items if i["status"] == "error"]
    assert code == 1 and len(items) == 8
    assert {e["errors"][0]["code"] for e in errors} >= {
        "record.not-a-number",
        "record.negative",
        "record.unknown-value",
        "record.not-a-boolean",
        "record.missing-id",
        "record.duplicate-id",
    }
    assert [i["row"] for i in errors] == sorted(i["row"] for i in errors)


def test_check_unreadable_input_exits_2(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", "--policy", "luzhou_longmatan", str(tmp_path / "missing.csv"))
    assert code == 2 and "missing.csv" in err


def test_check_unknown_policy_exits_2(capsys) -> None:
    code, _, err = run(capsys, "check", "--policy", "luzhou_longmatn", str(EXAMPLES / "institutions.jsonl"))
    assert code == 2 and "luzhou_longmatan" in err


def test_bad_usage_exits_2(capsys) -> None:
    assert run(capsys, "check")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2


def test_explain_in_chinese_and_english(capsys) -> None:
    code, out, _ = run(
        capsys, "explain", "--policy", "luzhou_longmatan", "area.indoor_per_slot", "--as-of", "2024-06-30"
    )
    assert code == 0 and "每个托位室内使用面积不少于5㎡" in out and "indoor_area_per_slot = 5" in out
    code, out, _ = run(capsys, "explain", "--policy", "luzhou_longmatan", "area.indoor_per_slot", "--lang", "en")
    assert code == 0 and "Indoor area per slot" in out


def test_explain_shows_the_superseded_number_and_the_value_in_force(capsys) -> None:
    code, out, _ = run(
        capsys, "explain", "--policy", "luzhou_longmatan", "iit_deduction_stated", "--as-of", "2024-06-30"
    )
    assert code == 0 and "1000" in out and "iit_deduction_per_child = 2000" in out


def test_explain_lists_everything_and_rejects_unknown_ids(capsys) -> None:
    code, out, _ = run(capsys, "explain", "--policy", "luzhou_longmatan")
    assert code == 0 and "subsidy.operating" in out and "target.total_slots" in out
    code, _, err = run(capsys, "explain", "--policy", "luzhou_longmatan", "area.indoor_per_slt")
    assert code == 2 and "area.indoor_per_slot" in err


def test_diff_national_against_luzhou_shows_both_values(capsys) -> None:
    code, out, _ = run(capsys, "diff", "national", "luzhou_longmatan", "--as-of", "2024-06-30")
    assert code == 0
    block = out[out.index("target.slots_per_1000") :].split("\n+ ")[0].split("\n~ ")[0]
    national = next(line for line in block.splitlines() if line.strip().startswith("national:") and "2025" in line)
    luzhou = next(
        line for line in block.splitlines() if line.strip().startswith("luzhou_longmatan:") and "2025" in line
    )
    assert "2025: 4.5" in national and "2025: 4.7" in luzhou and "2023: 3.1" in luzhou
    # a rule whose parameter the city renames shows both names with their values in force
    lease = out[out.index("premises.lease_years") :].split("\n~ ")[0]
    assert "family_point_lease_years_min: " in lease and "lease_years_min: 3" in lease


def test_diff_with_records_shows_records_flipping_when_a_threshold_rises(capsys, tmp_path: Path) -> None:
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(
        textwrap.dedent("""\
        id: stricter
        name: 更严格的龙马潭
        jurisdiction: {name: 测试区, level: county}
        extends: luzhou_longmatan
        in_force: {from: 2023-02-23}
        parameters:
          indoor_area_per_slot:
            type: number
            reason: 测试：把室内面积提高到每托位6㎡
            values: [{since: 2023-02-23, value: 6}]
            citation: {document: lmt, clause: "四(一)", quote: "每个托位室内使用面积不少于5㎡"}
        examples:
          - {name: a, as_of: 2024-06-30, record: {id: A, total_slots: 10, indoor_area_m2: 60}, expect: {findings: {area.indoor_per_slot: pass}}}
          - {name: b, as_of: 2024-06-30, record: {id: B, total_slots: 10, indoor_area_m2: 59}, expect: {findings: {area.indoor_per_slot: fail}}}
          - {name: c, as_of: 2024-06-30, record: {id: C, total_slots: 10}, expect: {findings: {area.indoor_per_slot: unknown}}}
        """),
        encoding="utf-8",
    )
    code, out, _ = run(
        capsys,
        "diff",
        "luzhou_longmatan",
        str(stricter),
        "--as-of",
        "2024-06-30",
        "--format",
        "json",
        "--records",
        str(EXAMPLES / "institutions.jsonl"),
    )
    result = json.loads(out)
    assert code == 0
    assert any(c["id"] == "indoor_area_per_slot" and c["change"] == "changed" for c in result["changes"])
    assert result["records"]["rule_flips"]["area.indoor_per_slot"]["pass→fail"] > 0
    assert result["records"]["status_changed"] > 0


def test_test_command_reports_full_coverage_for_bundled_policies(capsys) -> None:
    code, out, _ = run(capsys, "test", str(ROOT / "policies"), "--coverage", "--min-coverage", "100", "--lang", "en")
    assert out.count("100.0%") == 6, out
    assert code == 0


def test_test_command_fails_below_the_coverage_floor(capsys, mini_path: Path) -> None:
    code, out, _ = run(capsys, "test", str(mini_path), "--min-coverage", "100", "--lang", "en")
    assert code == 1 and "target.total_slots: no fail example" in out and "below the minimum coverage" in out
    code, out, _ = run(capsys, "test", str(mini_path), "--min-coverage", "50")
    assert code == 0 and "覆盖率" in out and "target.total_slots: 没有不通过" in out


def test_test_coverage_lists_each_rule_with_pass_fail_and_boundary(capsys, mini_path: Path) -> None:
    code, out, _ = run(capsys, "test", str(mini_path), "--coverage")
    ratio = next(line for line in out.splitlines() if line.strip().startswith("class.ratio.infant"))
    assert code == 0 and "pass ✓" in ratio and "fail ✓" in ratio and "boundary" in ratio
    lease = next(line for line in out.splitlines() if line.strip().startswith("premises.lease_years"))
    assert "boundary" not in lease  # a check-form rule has no threshold to probe


def test_test_command_fails_when_an_example_fails(capsys, tmp_path: Path, mini_path: Path) -> None:
    broken = tmp_path / "mini.yaml"
    broken.write_text(
        mini_path.read_text(encoding="utf-8").replace('amount: "6000.00"', 'amount: "6001.00"'), encoding="utf-8"
    )
    code, out, _ = run(capsys, "test", str(broken))
    assert code == 1 and "✗ 合格普惠机构" in out


def test_coverage_prints_the_clause_index(capsys) -> None:
    code, out, _ = run(capsys, "coverage", "luzhou_longmatan")
    assert code == 0 and "四(一)" in out and "area.indoor_per_slot" in out


def test_schema_is_json_schema_of_the_policy_file(capsys) -> None:
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0 and "rules" in schema["properties"] and schema["$schema"].startswith("https://json-schema.org")
    committed = json.loads((ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8"))
    assert committed == schema, (
        "schema/policy.schema.json is stale: run tuoyu-rules schema -o schema/policy.schema.json"
    )


def test_budget_totals_against_the_stated_budget(capsys) -> None:
    code, out, _ = run(
        capsys,
        "budget",
        "--policy",
        "luzhou_longmatan",
        "--as-of",
        "2024-06-30",
        "--format",
        "json",
        "--months",
        "12",
        str(EXAMPLES / "institutions.jsonl"),
    )
    result = json.loads(out)["budget"]
    assert code == 0 and result["budget"] == "3000000.00"
    from decimal import Decimal

    assert Decimal(result["remaining"]) == Decimal(result["budget"]) - Decimal(result["total"])
    assert sum(Decimal(v["total"]) for v in result["by_district"].values()) == Decimal(result["total"])
    assert sum(Decimal(v["total"]) for v in result["by_form"].values()) == Decimal(result["total"])
    # issue 14: 考取 pays for newly obtained certificates, which a ledger cannot show: undetermined, not "amount open"
    certification = result["subsidies"]["subsidy.staff_certification"]
    assert certification["undetermined"] > 0 and certification["eligible_amount_open"] == 0


def test_budget_what_if_raises_the_operating_subsidy(capsys) -> None:
    code, out, _ = run(
        capsys,
        "budget",
        "--policy",
        "luzhou_longmatan",
        "--as-of",
        "2024-06-30",
        "--format",
        "json",
        "--set",
        "operating_subsidy_infant=600",
        str(EXAMPLES / "institutions.jsonl"),
    )
    result = json.loads(out)
    from decimal import Decimal

    written = Decimal(result["budget"]["by_subsidy"]["subsidy.operating"])
    what_if = Decimal(result["what_if"]["by_subsidy"]["subsidy.operating"])
    assert code == 0 and what_if > written and (what_if - written) % (100 * 12) == 0


def test_check_what_if_prints_the_change_to_stderr(capsys) -> None:
    _, out, err = run(
        capsys,
        "check",
        "--policy",
        "luzhou_longmatan",
        "--as-of",
        "2024-06-30",
        "--format",
        "jsonl",
        "--set",
        "max_slots=20",
        str(EXAMPLES / "institutions.jsonl"),
    )
    assert "what-if" in err and "slots.max" in err
    assert all(json.loads(line)["policy"] == "luzhou_longmatan" for line in out.splitlines())


def test_set_with_an_unknown_parameter_exits_2(capsys) -> None:
    code, _, err = run(
        capsys, "budget", "--policy", "luzhou_longmatan", "--set", "max_slot=1", str(EXAMPLES / "institutions.jsonl")
    )
    assert code == 2 and "max_slots" in err


def test_explain_unknown_id_in_english_suggests_the_nearest(capsys) -> None:
    code, out, err = run(capsys, "explain", "--policy", "national", "class.size.infnt", "--lang", "en")
    assert code == 2 and out == "" and "did you mean 'class.size.infant'" in err


def test_explain_a_parameter_in_english_lists_dated_values(capsys) -> None:
    code, out, _ = run(
        capsys, "explain", "--policy", "national", "iit_deduction_per_child", "--as-of", "2022-06-30", "--lang", "en"
    )
    assert code == 0 and "iit_deduction_per_child = 1000" in out
    assert "since 2022-01-01: 1000" in out and "since 2023-01-01: 2000" in out and "used by:" in out


def test_diff_text_with_records_prints_the_ledger_comparison(capsys, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    rows = [{"id": f"R{n}", "total_slots": 10, "indoor_area_m2": 50 + n} for n in range(3)]  # 5.0, 5.1, 5.2 m² a slot
    ledger.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(
        textwrap.dedent("""\
        id: stricter
        name: 室内面积提高
        jurisdiction: {name: 测试区, level: county}
        extends: luzhou_longmatan
        in_force: {from: 2023-02-23}
        parameters:
          indoor_area_per_slot:
            type: number
            reason: 测试
            values: [{since: 2023-02-23, value: 5.1}]
            citation: {document: lmt, clause: "四(一)", quote: "每个托位室内使用面积不少于5㎡"}
        examples:
          - {name: a, as_of: 2024-06-30, record: {id: A, total_slots: 10, indoor_area_m2: 51}, expect: {findings: {area.indoor_per_slot: pass}}}
          - {name: b, as_of: 2024-06-30, record: {id: B, total_slots: 10, indoor_area_m2: 50}, expect: {findings: {area.indoor_per_slot: fail}}}
          - {name: c, as_of: 2024-06-30, record: {id: C, total_slots: 10}, expect: {findings: {area.indoor_per_slot: unknown}}}
        """),
        encoding="utf-8",
    )
    argv = ["diff", "luzhou_longmatan", str(stricter), "--as-of", "2024-06-30", "--records", str(ledger)]
    code, out, _ = run(capsys, *argv, "--lang", "en")
    assert code == 0
    assert "~ parameter indoor_area_per_slot" in out and "luzhou_longmatan: 5 m2/slot" in out and "stricter:" in out
    assert "area.indoor_per_slot: pass→fail ×1" in out and "R0" in out


def test_check_what_if_reads_standard_input_once(capsys, monkeypatch) -> None:
    import io
    import sys

    lines = (EXAMPLES / "institutions.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines), encoding="utf-8"))
    argv = ["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", "--format", "jsonl"]
    code, out, err = run(capsys, *argv, "--input-format", "jsonl", "--set", "max_slots=20", "--lang", "en", "-")
    assert code == 1 and len(out.splitlines()) == 30  # stdout: the what-if reports, as many as without --set
    assert "30 records" in err and "slots.max: pass→fail" in err and "subsidy total" in err


def test_check_what_if_keeps_stdout_as_without_set(capsys) -> None:
    argv = ["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", "--format", "json"]
    _, plain, plain_err = run(capsys, *argv, str(EXAMPLES / "institutions.jsonl"))
    _, same, err = run(capsys, *argv, "--set", "max_slots=150", str(EXAMPLES / "institutions.jsonl"))
    assert "what-if" not in plain_err and "0 条" in err
    # the same reports, except that the provenance names the value given on the command line
    plain_reports, same_reports = json.loads(plain), json.loads(same)
    assert all(r["provenance"]["overrides"] == {"max_slots": "150"} for r in same_reports if "provenance" in r)
    for r in (*plain_reports, *same_reports):
        r.get("provenance", {}).pop("overrides", None)
    assert plain_reports == same_reports


def test_budget_text_prints_money_with_separators_and_the_remaining_budget(capsys) -> None:
    argv = ["budget", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", str(EXAMPLES / "institutions.jsonl")]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "3,000,000.00" in out and "结余" in out and "按区县" in out and "按机构类型" in out
    code, six, _ = run(capsys, *argv, "--months", "6", "--set", "operating_subsidy_infant=600", "--lang", "en")
    assert code == 0 and "1,500,000.00 CNY for 6 months" in six and "what-if" in six and "Δ +" in six


def test_budget_months_must_be_positive(capsys) -> None:
    argv = ["budget", "--policy", "luzhou_longmatan", "--months", "0", str(EXAMPLES / "institutions.jsonl")]
    assert run(capsys, *argv)[0] == 2


def test_budget_range_reports_min_and_max(capsys) -> None:
    ledger = str(ROOT / "examples" / "nanchang" / "institutions.jsonl")
    code, out, _ = run(capsys, "budget", "--policy", "nanchang", "--as-of", "2024-06-30", "--format", "json", ledger)
    result = json.loads(out)["budget"]
    construction = result["subsidies"]["subsidy.construction"]
    assert code == 0 and construction["total"] is None
    from decimal import Decimal

    assert Decimal(construction["min"]) * 600 == Decimal(construction["max"]) * 400  # 400–600 yuan a slot
    assert result["total"] is None and Decimal(result["total_min"]) < Decimal(result["total_max"])


def test_coverage_markdown_has_a_table_per_policy(capsys) -> None:
    code, out, _ = run(capsys, "coverage", "--format", "markdown", "national", "luzhou_longmatan")
    assert code == 0 and out.startswith("# Clause coverage") and "## luzhou_longmatan" in out and "|---|" in out


def test_schema_output_file_is_the_same_json(capsys, tmp_path: Path) -> None:
    target = tmp_path / "policy.schema.json"
    code, out, _ = run(capsys, "schema", "--output", str(target))
    written = json.loads(target.read_text(encoding="utf-8"))
    assert code == 0 and out == "" and "rules" in written["properties"] and written["title"]


def test_validate_github_prints_notices_and_strict_makes_warnings_errors(capsys, tmp_path: Path) -> None:
    old = tmp_path / "mini.yaml"
    old.write_text(
        (ROOT / "tests/data/policies/mini.yaml")
        .read_text(encoding="utf-8")
        .replace("in_force: {from: 2023-01-01}", "in_force: {from: 2023-01-01, until: 2023-12-31}"),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "validate", "--format", "github", str(old))
    assert code == 0 and out.startswith(f"::notice file={old},line=4,") and "title=policy.expired" in out
    assert "::warning " in out and "title=policy.target-after-period" in out
    code, out, _ = run(capsys, "validate", "--format", "github", "--strict", str(old))
    lines = out.splitlines()
    assert code == 1 and lines[0].startswith("::notice ") and "title=policy.expired" in lines[0]
    assert any(line.startswith("::error ") and "title=policy.target-after-period" in line for line in lines)


def test_an_ended_policy_passes_strict_with_a_notice(capsys, tmp_path: Path) -> None:
    ended = tmp_path / "mini.yaml"
    ended.write_text(  # from 2019, so that no value predates it; ends 2025, with no target after that
        (ROOT / "tests/data/policies/mini.yaml")
        .read_text(encoding="utf-8")
        .replace("in_force: {from: 2023-01-01}", "in_force: {from: 2019-01-01, until: 2025-12-31}"),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "validate", "--strict", "--expiring-within", "90", str(ended))
    assert code == 0 and "notice[policy.expired]" in out and "0 个错误，0 个警告，1 个提示" in err
    code, out, err = run(capsys, "validate", "--strict", "--lang", "en", "--format", "json", str(ended))
    [result] = json.loads(out)
    assert code == 0 and result["valid"] and [p["severity"] for p in result["problems"]] == ["notice"]
    code, out, _ = run(capsys, "validate", "--strict", "--format", "sarif", str(ended))
    assert code == 0 and [r["level"] for r in json.loads(out)["runs"][0]["results"]] == ["note"]


def test_bundled_policies_pass_strict_with_expiry_window_today(capsys) -> None:
    code, out, err = run(capsys, "validate", "--strict", "--expiring-within", "90", str(ROOT / "policies"))
    assert code == 0 and "error[" not in out and "✗" not in err, out + err


def test_validate_sarif_locates_the_misspelt_key(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "tests/data/policies/mini.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("  indoor: {type: number,", "  indoor: {typ: number,"), encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--format", "sarif", str(bad))
    result = next(r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "policy.unknown-key")
    region = result["locations"][0]["physicalLocation"]["region"]
    assert code == 1 and region["startLine"] == 11 and region["startColumn"] > 1


def test_authoring_guide_worked_example_is_a_valid_policy_at_full_coverage(capsys, tmp_path: Path) -> None:
    import re

    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    chinese = guide[: guide.index("## English")]
    policy = tmp_path / "policies" / "my_city.yaml"
    policy.parent.mkdir()
    policy.write_text("\n".join(re.findall(r"```yaml\n(.*?)```", chinese, re.S)), encoding="utf-8")
    code, out, err = run(capsys, "validate", str(policy))
    assert code == 0 and "0 个错误，0 个警告" in err, out
    assert run(capsys, "test", str(policy), "--min-coverage", "100")[0] == 0
    seed = "".join((ROOT / "seeds" / "001_060ea64bc85e63b4.txt").read_text(encoding="utf-8").split())
    quotes = re.findall(r'quote: "([^"]+)"', policy.read_text(encoding="utf-8"))
    assert quotes and all("".join(q.split()) in seed for q in quotes)


def test_pre_commit_hook_validates_policy_files() -> None:
    import re

    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"], hook["language"]) == ("tuoyu-rules-validate", "tuoyu-rules validate", "python")
    files = re.compile(hook["files"])
    assert files.search("policies/huzhou.yaml") and files.search("src/tuoyu_rules/policies/national.yml")
    assert not files.search("tests/hostile/policies/bad.yaml") and not files.search("docs/example.yaml")


def test_test_command_reports_a_broken_policy_and_goes_on(capsys, tmp_path: Path, mini_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\nname: x\n", encoding="utf-8")
    code, out, _ = run(capsys, "test", str(broken), str(mini_path))
    assert code == 1 and "broken.yaml:" in out and "✓ mini" in out


def test_schema_records_is_json_schema_of_the_three_record_kinds(capsys) -> None:
    from tuoyu_rules.vocabulary import ENUMS, KINDS

    code, out, _ = run(capsys, "schema", "--records")
    schema = json.loads(out)
    assert code == 0 and schema["$schema"].startswith("https://json-schema.org")
    defs = schema["$defs"]
    assert set(defs) == {"Institution", "Region", "ResidentialArea"}
    for name, kind in (("Institution", "institution"), ("Region", "region"), ("ResidentialArea", "residential_area")):
        assert set(KINDS[kind]) <= set(defs[name]["properties"]) and defs[name]["required"] == ["id"]
    form = defs["Institution"]["properties"]["form"]["anyOf"][0]["enum"]
    assert sorted(form) == sorted(set(ENUMS["form"].values()))
    committed = json.loads((ROOT / "schema" / "record.schema.json").read_text(encoding="utf-8"))
    assert committed == schema, (
        "schema/record.schema.json is stale: run tuoyu-rules schema --records -o schema/record.schema.json"
    )


def test_check_omit_passes_keeps_everything_but_passing_findings(capsys) -> None:
    # the same status, violations, subsidies and targets; passing findings of plain rules left out and counted
    ledgers = [
        ("luzhou_longmatan", ROOT / "examples" / "luzhou_longmatan" / "institutions.jsonl"),
        ("luzhou_longmatan", ROOT / "examples" / "luzhou_longmatan" / "regions.jsonl"),
        ("chaisang", ROOT / "examples" / "chaisang" / "regions.jsonl"),
    ]
    omitted_somewhere = 0
    for policy, ledger in ledgers:
        args = ("check", "--policy", policy, "--as-of", "2025-06-30", "--format", "jsonl", str(ledger))
        code_full, out_full, _ = run(capsys, *args)
        code_slim, out_slim, _ = run(capsys, *args, "--omit-passes")
        assert code_full == code_slim
        full = [json.loads(line) for line in out_full.splitlines()]
        slim = [json.loads(line) for line in out_slim.splitlines()]
        assert len(full) == len(slim) > 0
        for f, s in zip(full, slim, strict=True):
            kept = [x for x in f["findings"] if x["outcome"] != "pass" or "year" in x]
            assert s["findings"] == kept
            assert s.pop("passes_omitted") == len(f["findings"]) - len(kept)
            omitted_somewhere += len(f["findings"]) - len(kept)
            f.pop("findings"), s.pop("findings")
            assert s == f
        if ledger.name == "institutions.jsonl":  # most findings of an institution pass
            assert len(out_slim) < len(out_full) / 2
    assert omitted_somewhere > 0


def test_every_command_of_the_table_is_documented() -> None:
    from tuoyu_rules.cli import COMMANDS

    root = Path(__file__).resolve().parent.parent
    cli_md = (root / "docs" / "cli.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"[`{name}`](#{name})" in cli_md and f"\n## {name}\n" in cli_md, f"docs/cli.md lacks {name}"
        assert f"`tuoyu-rules {name}" in readme, f"README's command table lacks {name}"


# ---- outputs: never the input, complete or absent, exit codes that tell failures from faults ------------------------
LEDGER = str(EXAMPLES / "institutions.jsonl")
CHECK = ("check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30")


@pytest.mark.parametrize("fmt", ["jsonl", "xlsx"])
@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_an_output_naming_an_input_is_refused_and_the_ledger_kept(capsys, tmp_path: Path, fmt: str, link: str) -> None:
    import os
    import shutil

    ledger = tmp_path / f"ledger.{fmt}"
    shutil.copy(EXAMPLES / f"institutions.{fmt}", ledger)
    before = ledger.read_bytes()
    output = ledger if link == "same" else tmp_path / f"alias.{fmt}"
    if link == "symlink":
        output.symlink_to(ledger)
    elif link == "hardlink":
        os.link(ledger, output)
    code, out, err = run(capsys, *CHECK, "--format", fmt, "-o", str(output), str(ledger))
    assert code == 2 and "input" in err and out == "" and "Traceback" not in err
    assert ledger.read_bytes() == before


def test_an_output_naming_the_policy_file_is_refused(capsys, tmp_path: Path, mini_path: Path) -> None:
    policy = tmp_path / "mini.yaml"
    policy.write_text(mini_path.read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run(capsys, "check", "--policy", str(policy), "--format", "json", "-o", str(policy), LEDGER)
    assert code == 2 and "input" in err and policy.read_text(encoding="utf-8") == mini_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("where", "message"), [("missing/out.json", "does not exist"), (".", "is a directory")])
def test_an_output_that_cannot_be_written_exits_2_before_the_run(
    capsys, tmp_path: Path, where: str, message: str
) -> None:
    code, out, err = run(capsys, *CHECK, "--format", "json", "--lang", "en", "-o", str(tmp_path / where), LEDGER)
    assert code == 2 and message in err and len(err.splitlines()) == 1 and out == ""


def test_a_full_disk_exits_2_and_leaves_no_file(capsys, tmp_path: Path, monkeypatch) -> None:
    import errno

    from tuoyu_rules.writers import WRITERS, Writer

    def full_disk(stream, out, options) -> None:
        out.write("[\n")
        next(stream)
        raise OSError(errno.ENOSPC, "No space left on device")

    writer = WRITERS["json"]
    monkeypatch.setitem(WRITERS, "json", Writer("json", full_disk, False, writer.suffix, writer.zh, writer.en))
    target = tmp_path / "out.json"
    code, _, err = run(capsys, *CHECK, "--format", "json", "-o", str(target), LEDGER)
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [], "neither a truncated file nor a temporary one"


def test_dev_full_exits_2_with_a_message(capsys) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    code, _, err = run(capsys, *CHECK, "--format", "jsonl", "-o", "/dev/full", LEDGER)
    assert code == 2 and "/dev/full" in err and "Traceback" not in err


def test_an_output_file_is_written_whole_through_a_temporary_file(capsys, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    code, _, _ = run(capsys, *CHECK, "--format", "jsonl", "-o", str(target), LEDGER)
    assert code == 1 and len(target.read_text(encoding="utf-8").splitlines()) == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_an_internal_error_exits_3_with_one_line_saying_it_is_a_defect(capsys, monkeypatch) -> None:
    from tuoyu_rules import cli

    def broken(args) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.delenv("TUOYU_DEBUG", raising=False)
    monkeypatch.setitem(cli.COMMANDS, "schema", cli.Command("", cli._schema_arguments, broken))
    code, out, err = run(capsys, "schema", "--lang", "en")
    assert code == 3 and out == "" and len(err.splitlines()) == 1
    assert "defect of tuoyu-rules" in err and "report" in err and "TUOYU_DEBUG=1" in err and "Traceback" not in err
    monkeypatch.setenv("TUOYU_DEBUG", "1")
    code, _, err = run(capsys, "schema")
    assert code == 3 and "Traceback" in err and "ZeroDivisionError" in err and "缺陷" in err


def test_exit_codes_are_documented_in_the_cli_and_security_docs() -> None:
    from tuoyu_rules import cli

    for doc in ("cli.md", "security.md"):
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        for code in (
            cli.EXIT_OK,
            cli.EXIT_FAIL,
            cli.EXIT_USAGE,
            cli.EXIT_INTERNAL,
            cli.EXIT_INTERRUPTED,
            cli.EXIT_PIPE,
        ):
            assert f"**{code}**" in text, f"docs/{doc} does not explain exit code {code}"
    assert "TUOYU_DEBUG" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


# ---- interrupted runs: subprocesses, since a signal and a closed pipe are what a real terminal does ----------------
def _spawn(*argv: str, **kwargs):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("TUOYU_DEBUG", "CI")}
    return subprocess.Popen([sys.executable, "-m", "tuoyu_rules", *argv], env=env, **kwargs)


def test_sigint_leaves_no_output_file_says_so_and_exits_130(tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    target = tmp_path / "out.json"
    proc = _spawn(
        *CHECK,
        "--format",
        "json",
        "-o",
        str(target),
        "-",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(Path(LEDGER).read_bytes())  # the run goes on waiting for more of standard input
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    text = err.decode("utf-8")
    assert proc.returncode == 130 and "interrupted" in text and "Traceback" not in text
    assert list(tmp_path.iterdir()) == [], "neither the file nor its temporary is left"


def _first_line_then_close(folder: Path, *argv: str, ledger: bytes) -> tuple[int, str]:
    import subprocess

    source = folder / "ledger.jsonl"
    source.write_bytes(ledger)
    with open(source, "rb") as stdin:  # a file, not a pipe: the child never waits on us to read standard input
        proc = _spawn(*argv, "-", stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # as `| head -1` does
        err = proc.stderr.read().decode("utf-8")
        return proc.wait(timeout=60), err


def test_a_closed_pipe_after_a_failed_record_exits_1_without_a_traceback(tmp_path: Path) -> None:
    rows = Path(LEDGER).read_text(encoding="utf-8").splitlines()
    ledger = "\n".join(rows * 40).encode("utf-8")  # duplicates are error rows: failures, and plenty of output
    code, err = _first_line_then_close(tmp_path, *CHECK, "--format", "jsonl", ledger=ledger)
    assert code == 1 and "Traceback" not in err and "Exception ignored" not in err, err


def test_a_closed_pipe_before_any_failure_never_exits_0(tmp_path: Path) -> None:
    import json as _json

    passing = _json.loads(Path(LEDGER).read_text(encoding="utf-8").splitlines()[7])  # LMT-008 passes
    rows = [_json.dumps({**passing, "id": f"P-{i}"}, ensure_ascii=False) for i in range(400)]
    code, err = _first_line_then_close(tmp_path, *CHECK, "--format", "jsonl", ledger="\n".join(rows).encode("utf-8"))
    assert code == 141 and "Traceback" not in err and "Exception ignored" not in err, err
