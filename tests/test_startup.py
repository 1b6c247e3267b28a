"""Start-up: a command imports what it runs and nothing else; the public names stay where they were.

Each test runs a fresh interpreter (what a CI job or a pre-commit hook pays on every call) and reads which modules it
loaded. docs/performance.md ("Start-up") has the times; benchmarks/startup.py measures them.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import tuoyu_rules
from tuoyu_rules._lazy import Later
from tuoyu_rules.records.readers import READERS
from tuoyu_rules.writers import WRITERS

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "examples" / "luzhou_longmatan" / "institutions.csv"

# what runs a command in a fresh interpreter and prints, on standard error's last line, the modules it loaded
RUNNER = """
import json, sys
from tuoyu_rules.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""

ENGINE = {"pydantic", "yaml", "tuoyu_rules.api", "tuoyu_rules.model", "tuoyu_rules.compiler"}
NOT_FOR_A_CSV_CHECK = {
    "jinja2",  # the HTML writer
    "python_calamine",  # the workbook reader
    "openpyxl",  # the XLSX writer
    "xml.sax.saxutils",  # the JUnit writer
    "jsonschema",
    "hypothesis",
    "tuoyu_rules.writers.html",
    "tuoyu_rules.writers.junit",
    "tuoyu_rules.writers.xlsx",
    "tuoyu_rules.records.readers.xlsx",
    "tuoyu_rules.records.readers.book",
    "tuoyu_rules.records.readers.yaml_doc",
}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GIT_"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def run_cli(*argv: str, cwd: Path = ROOT) -> tuple[int, set[str], str]:
    """(exit code, the modules loaded, standard output) of one command in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *argv], capture_output=True, text=True, env=_env(), cwd=cwd, check=False
    )
    last = json.loads(done.stderr.strip().splitlines()[-1])
    return last["code"], set(last["modules"]), done.stdout


def last_json(code: str) -> object:
    """What a fresh interpreter running ``code`` prints as JSON on its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=ROOT, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def loaded_by(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    return set(last_json(f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"))  # type: ignore[arg-type]


def test_version_and_help_load_nothing_of_the_engine() -> None:
    code, modules, out = run_cli("--version")
    assert code == 0 and out.strip() == f"tuoyu-rules {tuoyu_rules.__version__}"
    assert modules & (ENGINE | NOT_FOR_A_CSV_CHECK) == set()
    code, modules, out = run_cli("check", "--help")
    assert code == 0 and "--input-format" in out and ", ".join(READERS) in " ".join(out.split())
    assert modules & (ENGINE | NOT_FOR_A_CSV_CHECK) == set()


def test_a_usage_error_loads_nothing_of_the_engine() -> None:
    code, modules, _ = run_cli("check", "--format", "nope", "x.csv")
    assert code == 2 and modules & ENGINE == set()


def test_import_tuoyu_rules_alone_loads_no_engine() -> None:
    modules = loaded_by("import tuoyu_rules")
    assert {m for m in modules if m.startswith("tuoyu_rules")} == {"tuoyu_rules", "tuoyu_rules._version"}
    assert "pydantic" not in modules


def test_a_policy_load_needs_no_reader_of_workbooks_and_no_writer() -> None:
    modules = loaded_by("import tuoyu_rules; tuoyu_rules.load_policy('luzhou_longmatan')")
    assert "tuoyu_rules.model" in modules and "tuoyu_rules.compiler" in modules
    assert modules & NOT_FOR_A_CSV_CHECK == set()
    assert {m for m in modules if m.startswith("tuoyu_rules.writers")} == set()


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl"])
def test_a_csv_check_loads_only_its_reader_and_writer(tmp_path: Path, fmt: str) -> None:
    one_row = tmp_path / "one-row.csv"
    one_row.write_bytes(b"".join(LEDGER.read_bytes().splitlines(keepends=True)[:2]))
    argv = ["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", "--engine", "row", "-q"]
    code, modules, out = run_cli(*argv, "--format", fmt, str(one_row))
    assert code == 1 and "LMT-001" in out  # the row was read and judged (it fails a rule)
    assert modules & NOT_FOR_A_CSV_CHECK == set()
    writers = {m.rsplit(".", 1)[1] for m in modules if m.startswith("tuoyu_rules.writers.")}
    assert {"table", "csv", "json"} & writers == {fmt.replace("jsonl", "json")}


def test_validate_loads_no_writer_of_reports(tmp_path: Path) -> None:
    code, modules, _ = run_cli("validate", str(ROOT / "policies" / "national.yaml"))
    assert code == 0
    assert modules & NOT_FOR_A_CSV_CHECK == set()


def test_an_html_report_still_gets_its_writer(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    argv = ["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", "-q", "--format", "html", "-o", str(out)]
    code, modules, _ = run_cli(*argv, str(LEDGER))
    assert code == 1 and "jinja2" in modules and out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_every_public_name_resolves_to_its_module_object() -> None:
    names = last_json("import json\nns = {}\nexec('from tuoyu_rules import *', ns)\nprint(json.dumps(sorted(ns)))")
    assert set(tuoyu_rules.__all__) <= set(names)  # type: ignore[arg-type]
    from tuoyu_rules import api, errors, findings, records, report, writers

    homes = {"load_policy": api, "Policy": api, "validate_files": api, "PolicyError": errors, "Finding": findings}
    homes |= {"Institution": records, "read_rows": records, "Report": report, "write_reports": writers}
    for name, module in homes.items():
        assert getattr(tuoyu_rules, name) is getattr(module, name)
    assert set(tuoyu_rules.__all__) <= set(dir(tuoyu_rules))


def test_submodules_stay_attributes_and_unknown_names_raise_attribute_error() -> None:
    assert tuoyu_rules.compiler.load_compiled is not None  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        tuoyu_rules.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(tuoyu_rules, "no_such_name")


def test_the_tables_name_functions_of_their_modules() -> None:
    import importlib

    for name, writer in WRITERS.items():
        function = writer.write.resolve() if isinstance(writer.write, Later) else writer.write
        assert callable(function) and function.__module__.startswith("tuoyu_rules.writers."), name
    for name, reader in READERS.items():
        function = reader.read.resolve() if isinstance(reader.read, Later) else reader.read
        assert function is getattr(importlib.import_module(function.__module__), function.__name__), name
    from tuoyu_rules.writers import HTML_ROW_LIMIT, write_csv  # names this module used to import eagerly
    from tuoyu_rules.writers.csv import write_csv as home

    assert write_csv is home and HTML_ROW_LIMIT > 0


def test_a_later_function_pickles_by_name_and_calls_through() -> None:
    later = Later("tuoyu_rules.text", "printable")
    again = pickle.loads(pickle.dumps(later))
    assert again == later and hash(again) == hash(later) and again("a\x1bb") == later.resolve()("a\x1bb")
    with pytest.raises(AttributeError):
        Later("tuoyu_rules.text", "no_such_function")()


@pytest.mark.parametrize("first", ["tuoyu_rules.records.typed_models", "tuoyu_rules.records.models", "tuoyu_rules"])
def test_the_schemas_do_not_depend_on_what_was_imported_first(first: str) -> None:
    """``typing`` caches ``Literal[...] | None`` by the set of values: the levels are listed in one order everywhere."""
    code = (
        f"import {first}\n"
        "import json\n"
        "from tuoyu_rules.authoring.schema import schema, record_schema\n"
        "print(json.dumps([schema(), record_schema()]))"
    )
    policy, record = last_json(code)  # type: ignore[misc]
    assert policy == json.loads((ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8"))
    assert record == json.loads((ROOT / "schema" / "record.schema.json").read_text(encoding="utf-8"))
