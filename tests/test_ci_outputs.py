"""Output CI systems read: ``test --format junit|tap`` (a case per embedded example) and ``check --format
github|sarif|junit`` (an annotation, result or case per record, naming the ledger row)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tuoyu_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
XSD = ROOT / "tests" / "data" / "junit" / "junit.xsd"
LEDGER = ROOT / "examples" / "luzhou_longmatan" / "institutions.csv"
BAD_ROWS = ROOT / "tests" / "data" / "ledgers" / "bad_rows.csv"
CHECK = ["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def assert_junit(text: str) -> ET.Element:
    """Valid against tests/data/junit/junit.xsd (with lxml, a test dependency); the counts match the cases."""
    try:
        from lxml import etree
    except ImportError:  # pragma: no cover - lxml is in the test extra; without it only the structure is checked
        etree = None
    if etree is not None:
        schema = etree.XMLSchema(etree.parse(str(XSD)))
        doc = etree.fromstring(text.encode("utf-8"))
        assert schema.validate(doc), schema.error_log
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        for kind, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attr, "-1")) == sum(1 for c in cases if c.find(kind) is not None)
    assert int(root.get("tests", "-1")) == len(root.findall("testsuite/testcase"))
    return root


def _reports() -> list[dict]:
    return [json.loads(line) for line in run(*CHECK, "--format", "jsonl", str(LEDGER))[1].splitlines()]


# ---- test --format junit|tap ------------------------------------------------------------------------------------
def test_junit_of_the_bundled_policies_has_a_passing_case_per_example_and_validates() -> None:
    code, out, _ = run("test", "--format", "junit", str(ROOT / "policies"))
    assert code == 0
    root = assert_junit(out)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"national", "luzhou_longmatan", "nanchang", "huzhou", "fujian", "chaisang"}
    from tuoyu_rules.compiler import load_compiled

    for name, suite in suites.items():
        assert len(suite.findall("testcase")) == len(load_compiled(name).model.examples)
        assert all(c.get("file", "").endswith(f"{name}.yaml") and c.get("line") for c in suite.iter("testcase"))


@pytest.fixture
def broken_example(tmp_path: Path, mini_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    shutil.copy(mini_path, path)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("    expect:\n      status: pass", "    expect:\n      status: fail", 1), encoding="utf-8"
    )
    return path


def test_a_failing_example_is_a_failure_whose_message_is_the_mismatch(broken_example: Path) -> None:
    code, out, _ = run("test", "--format", "junit", "--lang", "en", str(broken_example))
    assert code == 1
    root = assert_junit(out)
    failures = root.findall(".//testcase/failure")
    assert len(failures) == 1
    assert failures[0].get("message") == "example '合格普惠机构': expected status fail, got pass"
    assert failures[0].get("type") == "policy.example-status"
    case = root.find(".//testcase[failure]")
    assert case is not None and case.get("name") == "合格普惠机构" and case.get("classname") == "mini"


def test_a_policy_that_does_not_compile_is_an_errored_case(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: x\nnosuchkey: 1\n", encoding="utf-8")
    code, out, _ = run("test", "--format", "junit", str(bad), "luzhou_longmatan")
    assert code == 1
    root = assert_junit(out)
    errors = root.findall(".//testcase/error")
    assert len(errors) == 1 and str(bad) in (errors[0].text or "")
    assert len(root.findall("testsuite")) == 2  # the other policy still runs


def test_tap_has_a_plan_a_point_per_example_and_a_yaml_block_for_a_failure(broken_example: Path) -> None:
    code, out, _ = run("test", "--format", "tap", "--lang", "en", str(broken_example))
    lines = out.splitlines()
    assert code == 1 and lines[0] == "TAP version 14"
    total = int(re.fullmatch(r"1\.\.(\d+)", lines[1]).group(1))  # type: ignore[union-attr]
    points = [line for line in lines if re.match(r"(not )?ok \d+ - ", line)]
    assert len(points) == total and sum(p.startswith("not ok") for p in points) == 1
    block = lines[lines.index(next(p for p in points if p.startswith("not ok"))) + 1 :]
    assert block[0] == "  ---" and "expected status fail, got pass" in block[1] and "  ..." in block


def test_coverage_with_a_ci_format_is_a_usage_error() -> None:
    code, _, err = run("test", "--format", "junit", "--coverage", "national")
    assert code == 2 and "--coverage" in err


# ---- check --format github|sarif|junit --------------------------------------------------------------------------
def test_github_gives_one_annotation_per_record_that_did_not_pass_naming_file_line_and_row() -> None:
    reports = _reports()
    code, out, _ = run(*CHECK, "--format", "github", "--lang", "en", str(LEDGER))
    lines = out.splitlines()
    assert code == 1
    not_passed = [r for r in reports if r["status"] != "pass"]
    assert len(lines) == len(not_passed)
    for line, report in zip(lines, not_passed, strict=True):
        level = "error" if report["status"] == "fail" else "warning"
        row = reports.index(report) + 1
        assert line.startswith(f"::{level} file={LEDGER.as_posix()},line={row + 1},title=tuoyu-rules {report['id']}")
        assert f"row {row}" in line
    first_fail = next(r for r in not_passed if r["status"] == "fail")
    assert first_fail["violations"][0]["rule"] in lines[not_passed.index(first_fail)]


def test_github_names_error_rows() -> None:
    code, out, _ = run(*CHECK, "--format", "github", "--lang", "en", str(BAD_ROWS))
    assert code == 1
    assert any(
        line.startswith("::error") and "row 2" in line and "record.not-a-number" in line for line in out.splitlines()
    )


def test_sarif_has_one_result_per_record_that_did_not_pass_with_its_row() -> None:
    reports = _reports()
    code, out, _ = run(*CHECK, "--format", "sarif", str(LEDGER))
    log = json.loads(out)
    assert code == 1 and log["version"] == "2.1.0"
    run_ = log["runs"][0]
    results = run_["results"]
    not_passed = [r for r in reports if r["status"] != "pass"]
    assert [r["properties"]["id"] for r in results] == [r["id"] for r in not_passed]
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    for result, report in zip(results, not_passed, strict=True):
        assert rules[result["ruleIndex"]] == result["ruleId"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith("examples/luzhou_longmatan/institutions.csv")
        assert physical["region"]["startLine"] == reports.index(report) + 2  # the header is line 1


def test_junit_check_has_a_case_per_record_and_validates() -> None:
    reports = _reports()
    code, out, _ = run(*CHECK, "--format", "junit", str(LEDGER), str(BAD_ROWS))
    assert code == 1
    root = assert_junit(out)
    suites = root.findall("testsuite")
    assert len(suites) == 2  # a suite per ledger file
    cases = suites[0].findall("testcase")
    assert len(cases) == len(reports)
    for case, report in zip(cases, reports, strict=True):
        kind = {"pass": None, "fail": "failure", "incomplete": "skipped"}[report["status"]]
        assert (case.find(kind) is not None) if kind else len(case) == 0
        assert report["id"] in (case.get("name") or "")
    assert suites[1].findall("testcase/error"), "error rows are errored cases"


def test_ci_formats_strip_characters_xml_cannot_hold(tmp_path: Path) -> None:
    ledger = tmp_path / "odd.jsonl"
    ledger.write_text(
        json.dumps({"id": "X\u0001Y", "name": "控\u0007制", "total_slots": "abc"}) + "\n", encoding="utf-8"
    )
    _, out, _ = run(*CHECK, "--format", "junit", str(ledger))
    assert_junit(out)


def test_the_json_report_is_unchanged_by_the_ci_formats() -> None:
    """Only the CI formats get row and source added; the JSON report stays the contract's object."""
    assert all("source" not in r for r in _reports())
