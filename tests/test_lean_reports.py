"""Lean reports (issue 18): kept reports hold their verdicts in plain values, build findings when asked, write
their own JSON text, write compact JSONL on request and pickle without their policy."""

from __future__ import annotations

import datetime
import gc
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import tuoyu_rules
from tuoyu_rules.authoring.report_schema import report_schema
from tuoyu_rules.cli import main
from tuoyu_rules.errors import PolicyError
from tuoyu_rules.evaluate import evaluate_record
from tuoyu_rules.records import normalize_record
from tuoyu_rules.report import POLICIES, Report
from tuoyu_rules.writers import write_reports
from tuoyu_rules.writers.json import expand_compact

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "examples" / "luzhou_longmatan" / "institutions.csv"
AS_OF = datetime.date(2024, 6, 30)
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402


def _records(n: int) -> list[dict[str, Any]]:
    out = [json.loads(json.dumps(r)) for r in generate.records(n, 3)]
    for i, r in enumerate(out):  # some unknowns: a missing field, a class without its caregivers
        if i % 3 == 1:
            r.pop("monthly_fee")
        elif i % 3 == 2:
            r["classes"][0].pop("caregivers")
    return out


@pytest.fixture(scope="module")
def luzhou() -> tuoyu_rules.Policy:
    return tuoyu_rules.load_policy("luzhou_longmatan")


def test_a_kept_report_leaves_the_collector_about_one_object(luzhou: tuoyu_rules.Policy) -> None:
    records = [normalize_record(r) for r in _records(400)]
    list(evaluate_record(luzhou.compiled, r, AS_OF) for r in records[:5])  # warm the per-date caches
    gc.collect()
    before = len(gc.get_objects())
    kept = [evaluate_record(luzhou.compiled, r, AS_OF) for r in records]
    gc.collect()
    gc.collect()  # a tuple of plain tuples is let go by the collector once those inside it were
    per_report = (len(gc.get_objects()) - before - 1) / len(kept)
    assert per_report <= 1.5, f"{per_report:.2f} tracked objects per kept report (the record is the caller's)"
    assert {r.status for r in kept} >= {"fail", "incomplete"}, "the records give failures and unknowns"


def test_verdicts_without_findings_agree_with_the_findings(luzhou: tuoyu_rules.Policy) -> None:
    for report in luzhou.evaluate_many(_records(300), as_of=AS_OF):
        assert isinstance(report, Report)
        findings = report.findings
        assert report.failed_rules() == {f.rule for f in findings if f.outcome == "fail"}
        assert report.unknown_rules() == {f.rule for f in findings if f.outcome == "unknown"}
        worst_error = any(f.outcome == "fail" and f.severity == "error" for f in findings)
        unknown = any(f.outcome == "unknown" and f.severity != "aim" for f in findings)
        assert report.status == ("fail" if worst_error else "incomplete" if unknown else "pass")
        assert report.subsidies is report.subsidies, "lines are built once, when asked"


def test_to_dict_and_to_json_keep_nothing_on_the_report(luzhou: tuoyu_rules.Policy) -> None:
    report = next(iter(luzhou.evaluate_many(_records(3)[2:], as_of=AS_OF)))
    assert isinstance(report, Report)
    text = report.to_json()
    assert report._findings is None and report._lines is None, "a written report stays lean"
    assert text == json.dumps(report.to_dict(), ensure_ascii=False)
    assert report.to_json(trace=True) == json.dumps(report.to_dict(trace=True), ensure_ascii=False)


def test_to_dict_shares_the_policy_parts_of_its_findings(luzhou: tuoyu_rules.Policy) -> None:
    a, b = (luzhou.evaluate(r, as_of=AS_OF) for r in _records(2))
    da, db = a.to_dict(), b.to_dict()
    assert da["findings"][0]["citation"] is db["findings"][0]["citation"], "one citation dict per rule"
    assert da["subsidies"][0]["citation"] is db["subsidies"][0]["citation"]


def test_the_jsonl_writer_writes_report_objects_as_their_dicts(luzhou: tuoyu_rules.Policy) -> None:
    import io

    from tuoyu_rules.writers.base import WriteOptions
    from tuoyu_rules.writers.json import write_jsonl
    from tuoyu_rules.writers.summary import Summary

    reports = list(luzhou.evaluate_many(_records(20), as_of=AS_OF))
    out, expected = io.StringIO(), io.StringIO()
    write_jsonl(iter(reports), out, WriteOptions(lang="zh", title=None, summary=Summary()))
    write_jsonl(iter([r.to_dict() for r in reports]), expected, WriteOptions(lang="zh", title=None, summary=Summary()))
    assert out.getvalue() == expected.getvalue()


# ---- pickling -----------------------------------------------------------------------------------------------------
def test_a_report_pickles_without_its_policy(luzhou: tuoyu_rules.Policy) -> None:
    reports = list(luzhou.evaluate_many(_records(30), as_of=AS_OF))
    for report in reports:
        data = pickle.dumps(report)
        assert len(data) < 10_000, f"{len(data)} bytes: the policy came along"
        back = pickle.loads(data)
        assert back.policy is report.policy, "unpickled in the same process: the same compiled policy"
        assert back.to_dict() == report.to_dict() and back.status == report.status
        assert back.failed_rules() == report.failed_rules()


def test_a_report_of_a_region_with_targets_pickles(luzhou: tuoyu_rules.Policy) -> None:
    examples = [e for e in luzhou.compiled.model.examples if e.record.get("kind") == "region"]
    assert examples, "the policy has region examples (by-year targets)"
    for example in examples:
        report = luzhou.evaluate(dict(example.record), as_of=example.as_of)
        back = pickle.loads(pickle.dumps(report))
        assert back.to_dict(trace=True) == report.to_dict(trace=True)


def test_a_what_if_report_comes_back_with_its_values(luzhou: tuoyu_rules.Policy) -> None:
    name = next(n for n, p in luzhou.compiled.parameters.items() if p.spec.type == "money")
    changed = luzhou.with_parameters({name: "1234"})
    report = changed.evaluate(_records(1)[0], as_of=AS_OF)
    data = pickle.dumps(report)
    POLICIES.clear()  # as in another process: found again from its files, with the what-if value set again
    back = pickle.loads(data)
    assert back.policy is not changed.compiled
    assert back.to_dict() == report.to_dict()


def test_a_pickled_report_is_read_in_another_process(luzhou: tuoyu_rules.Policy, tmp_path: Path) -> None:
    report = luzhou.evaluate(_records(3)[2], as_of=AS_OF)
    (tmp_path / "r.pickle").write_bytes(pickle.dumps(report))
    (tmp_path / "expected.json").write_text(report.to_json(), encoding="utf-8")
    code = (
        "import pickle, sys; r = pickle.loads(open(sys.argv[1], 'rb').read()); "
        "sys.exit(0 if r.to_json() == open(sys.argv[2], encoding='utf-8').read() else 1)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "r.pickle"), str(tmp_path / "expected.json")], env=env
    )
    assert done.returncode == 0


def test_a_report_whose_policy_file_changed_does_not_unpickle(tmp_path: Path) -> None:
    source = (ROOT / "tests" / "data" / "policies" / "mini.yaml").read_text(encoding="utf-8")
    path = tmp_path / "mini.yaml"
    path.write_text(source, encoding="utf-8")
    policy = tuoyu_rules.load_policy(path)
    example = policy.compiled.model.examples[0] if policy.compiled.model.examples else None
    record = dict(example.record) if example else {"id": "X", "kind": "institution"}
    data = pickle.dumps(policy.evaluate(record, as_of=AS_OF))
    POLICIES.clear()
    path.write_text(source + "\n# changed\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        pickle.loads(data)
    assert caught.value.problems[0].code == "policy.source-changed"


# ---- compact JSONL ------------------------------------------------------------------------------------------------
def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", *argv, str(LEDGER)])
    out, err = capsys.readouterr()
    return code, out, err


def test_compact_jsonl_expands_to_the_default_reports(capsys: pytest.CaptureFixture[str]) -> None:
    _, full, _ = _check(capsys, "--format", "jsonl")
    _, compact, _ = _check(capsys, "--format", "jsonl", "--compact")
    lines = [json.loads(line) for line in compact.splitlines()]
    assert "catalog" in lines[0], "the catalog comes before the first report that needs it"
    assert list(expand_compact(iter(lines))) == [json.loads(line) for line in full.splitlines()]
    assert len(compact) < 0.7 * len(full)
    named = [name for line in lines if "catalog" in line for name in line["catalog"].get("rules", {})]
    assert len(named) == len(set(named)), "each catalog entry is written once"
    validator = jsonschema.Draft202012Validator(report_schema())
    for line in lines:
        validator.validate(line)
    assert all("citation" not in f for line in lines for f in line.get("findings", []) if "year" not in f)


def test_compact_reports_do_not_validate_as_default_reports() -> None:
    schema = report_schema()
    compact = {"kind": "institution", "id": "X", "policy": "p", "as_of": "2024-06-30", "status": "pass"}
    compact |= {"findings": [], "violations": [], "subsidies": [], "compact": True}
    assert not jsonschema.Draft202012Validator(schema["$defs"]["report"] | {"$defs": schema["$defs"]}).is_valid(compact)
    jsonschema.Draft202012Validator(schema).validate(compact)


def test_compact_goes_with_jsonl_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _check(capsys, "--format", "csv", "--compact")
    assert code == 2 and "--compact" in err
    with pytest.raises(ValueError, match="--compact"):
        write_reports([], "json", sys.stdout, compact=True)


def test_kept_finding_texts_tell_apart_values_python_calls_equal() -> None:
    from decimal import Decimal

    from tuoyu_rules.findings import text_key

    values = [1, True, Decimal("1"), Decimal("1.0"), Decimal("1.00"), "1", None, 0, False]
    assert len({text_key(v) for v in values}) == len(values)
    assert text_key(1.0) is None and text_key([1]) is None, "floats and lists are never keys"


def test_to_json_is_right_after_many_records_share_kept_texts(luzhou: tuoyu_rules.Policy) -> None:
    reports = list(luzhou.evaluate_many(_records(200), as_of=AS_OF))
    for report in reports + reports[::-1]:  # the second pass reads texts the first one kept
        assert report.to_json() == json.dumps(report.to_dict(), ensure_ascii=False)
        assert report.to_json(passes=False) == json.dumps(report.to_dict(passes=False), ensure_ascii=False)
