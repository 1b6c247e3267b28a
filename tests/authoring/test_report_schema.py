"""``schema --reports``: the JSON Schema of a report; every report of the bundled example ledgers validates."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tuoyu_rules.authoring.report_schema import report_schema
from tuoyu_rules.cli import main
from tuoyu_rules.report import REPORT_SCHEMA_VERSION

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parents[2]
LEDGERS = sorted(p for p in (ROOT / "examples").glob("*/*") if p.suffix in (".csv", ".jsonl", ".xlsx"))
BAD_ROWS = ROOT / "tests" / "data" / "ledgers" / "bad_rows.csv"


def _check(*argv: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", "--format", "jsonl", *argv])
    assert code in (0, 1)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@cache
def _validator() -> Any:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(item: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(item)]


def test_schema_command_prints_the_report_schema(capsys) -> None:
    assert main(["schema", "--reports"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == report_schema() and REPORT_SCHEMA_VERSION in printed["$id"]


def test_the_committed_report_schema_is_current() -> None:
    committed = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    assert committed == report_schema(), "stale: run tuoyu-rules schema --reports -o schema/report.schema.json"


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("as_of", ["2024-06-30", "2021-06-30"])
def test_every_report_of_the_bundled_examples_validates(ledger: Path, as_of: str) -> None:
    items = _check("--policy", ledger.parent.name, "--as-of", as_of, str(ledger))
    assert items
    for item in items:
        assert item["schema_version"] == REPORT_SCHEMA_VERSION
        assert _errors(item) == [], (item.get("id"), _errors(item)[:3])


def test_omitted_passes_and_error_rows_validate() -> None:
    items = [
        *_check("--policy", "luzhou_longmatan", "--omit-passes", str(ROOT / "examples/luzhou_longmatan/regions.jsonl")),
        *_check("--policy", "luzhou_longmatan", str(BAD_ROWS)),
    ]
    assert any(i["status"] == "error" for i in items) and any("passes_omitted" in i for i in items)
    assert all(_errors(i) == [] for i in items), [e for i in items for e in _errors(i)][:3]


def _typed_keys(schema: dict[str, Any], name: str) -> set[str]:
    return set(schema["$defs"][name]["properties"])


def test_the_schema_types_every_key_the_bundled_reports_use() -> None:
    """A key a report writes but the schema does not name would pass untyped: every one must be listed."""
    schema = report_schema()
    seen: dict[str, set[str]] = {k: set() for k in ("report", "finding", "subsidy", "benefit", "error_row")}
    items = [i for ledger in LEDGERS for i in _check("--policy", ledger.parent.name, str(ledger))]
    items += _check("--policy", "luzhou_longmatan", str(BAD_ROWS))
    for item in items:
        if item["status"] == "error":
            seen["error_row"].update(item)
            continue
        seen["report"].update(item)
        for part, name in (("findings", "finding"), ("subsidies", "subsidy"), ("benefits", "benefit")):
            for line in item.get(part, ()):
                seen[name].update(line)
    for name, keys in seen.items():
        assert keys - _typed_keys(schema, name) == set(), name


def _luzhou_report() -> dict[str, Any]:
    items = _check("--policy", "luzhou_longmatan", str(ROOT / "examples/luzhou_longmatan/institutions.jsonl"))
    return next(i for i in items if i["subsidies"] and i["violations"])


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("subsidies", 0, "amount"), 3100.0),  # money is a string, never a float
        (("findings", 0, "outcome"), "ok"),
        (("status",), "passed"),
        (("provenance", "files", 0, "sha256"), "abc"),
        (("schema_version",), "2.0"),
        (("as_of",), "30/06/2024"),
    ],
)
def test_a_report_with_a_wrong_value_does_not_validate(path: tuple[Any, ...], bad: Any) -> None:
    report = copy.deepcopy(_luzhou_report())
    assert _errors(report) == []
    target: Any = report
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    assert _errors(report)


def test_keys_a_later_minor_version_adds_are_allowed() -> None:
    report = copy.deepcopy(_luzhou_report())
    report["aims"] = {"failed": 1}
    report["findings"][0]["trace"] = []
    report["subsidies"][0].update(eligible=None, amount=None, amount_open=False)
    assert _errors(report) == []
