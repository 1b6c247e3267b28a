"""Reproducers of the review of session 5 (columnar ``--jobs``, start-up): each test failed before its fix."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
import yaml

from tuoyu_rules import source
from tuoyu_rules.errors import PolicyError

ROOT = Path(__file__).resolve().parent.parent


def fresh(code: str) -> object:
    """What a fresh interpreter running ``code`` prints as JSON on its last line (nothing imported before)."""
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- start-up: the packages whose names are imported on first use ----------------------------------------------------
SUBMODULES = {
    "tuoyu_rules.records": ["readers", "normalize", "models", "convert"],
    "tuoyu_rules.writers": ["csv", "html", "json", "xlsx", "junit"],
    "tuoyu_rules.records.readers": ["xlsx", "json", "yaml_doc"],
}


def test_a_submodule_is_an_attribute_of_its_package_whatever_was_imported_first() -> None:
    """``import tuoyu_rules.writers; tuoyu_rules.writers.csv.CSV_LOOKAHEAD`` worked while the packages imported their
    modules eagerly; with the names imported on first use it raised AttributeError unless some other code had
    imported the submodule first. Importing the package still loads none of them."""
    code = f"""
import importlib, json, sys
found = {{}}
for package, names in {SUBMODULES!r}.items():
    module = importlib.import_module(package)
    before = [name for name in names if f"{{package}}.{{name}}" in sys.modules]
    got = []
    for name in names:
        try:
            got.append(getattr(module, name).__name__)
        except AttributeError as exc:
            got.append(repr(exc))
    found[package] = [before, got]
print(json.dumps(found))
"""
    found = fresh(code)
    for package, names in SUBMODULES.items():
        before, got = found[package]  # type: ignore[index]
        assert got == [f"{package}.{name}" for name in names], package
        assert package == "tuoyu_rules.records" or before == [], package  # the writers and readers stay unloaded


def test_no_such_submodule_is_still_an_attribute_error() -> None:
    code = """
import json, tuoyu_rules.records, tuoyu_rules.writers, tuoyu_rules.records.readers
out = []
for module in (tuoyu_rules.records, tuoyu_rules.writers, tuoyu_rules.records.readers):
    out.append([hasattr(module, "no_such_name"), hasattr(module, "__wrapped__")])
print(json.dumps(out))
"""
    assert fresh(code) == [[False, False]] * 3


def test_the_writer_functions_of_the_package_are_the_built_in_ones_whatever_the_table_holds() -> None:
    """``tuoyu_rules.writers.write_csv`` (a name the package imported eagerly before) is the bundled CSV writer even
    after a user puts another writer under ``WRITERS["csv"]`` (docs/extending.md): it was looked up in the table."""
    code = """
import json
from tuoyu_rules.writers import WRITERS, Writer
import tuoyu_rules.writers as writers
def mine(stream, out, options):
    out.write("mine")
WRITERS["csv"] = Writer("csv", mine, binary=False, suffix="csv", zh="我的", en="mine")
from tuoyu_rules.writers.csv import write_csv
print(json.dumps([writers.write_csv is write_csv]))
"""
    assert fresh(code) == [True]


# ---- start-up: the YAML nodes kept per process ---------------------------------------------------------------------
def _composes(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[yaml.Node]]:
    """Every node tree :mod:`tuoyu_rules.source` composes from now on (weakly held)."""
    made: list[weakref.ref[yaml.Node]] = []
    real = yaml.compose

    def spy(*args: Any, **kwargs: Any) -> Any:
        node = real(*args, **kwargs)
        made.append(weakref.ref(node))
        return node

    monkeypatch.setattr(yaml, "compose", spy)
    return made


def _refusal(text: str) -> str:
    """The code of the problem a text is refused with (the error let go: its frames hold the nodes)."""
    try:
        source.load_yaml_text(text, "big.yaml")
    except PolicyError as exc:
        return exc.problems[0].code
    return "loaded"


def test_a_text_refused_as_too_big_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The node tree of a text the loader refuses (more than MAX_NODES nodes) was kept for the next read of the same
    text: eight refused files of 2 MB held 620 MB of nodes in a process (a service, ``validate`` of a folder)."""
    made = _composes(monkeypatch)
    text = "# refused\n" + "".join(f"- {i}\n" for i in range(source.MAX_NODES + 10))
    assert [_refusal(text), _refusal(text)] == ["policy.too-many-nodes"] * 2
    gc.collect()
    assert len(made) == 2 and all(ref() is None for ref in made)


def test_a_text_read_again_is_composed_once_and_gives_its_own_data(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _composes(monkeypatch)
    text = "# kept\na: 1\nb: [x, y]\n"
    first, second = source.load_yaml_text(text, "one.yaml"), source.load_yaml_text(text, "two.yaml")
    assert len(made) == 1 and first.data == second.data and first.data["b"] is not second.data["b"]
    assert (first.file, second.file) == ("one.yaml", "two.yaml")


# ---- columnar: a reader that stops early ---------------------------------------------------------------------------
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_closed_pipe_after_a_failed_record_exits_1_with_the_columnar_engine(tmp_path: Path, jobs: str) -> None:
    """``check --engine columnar … | head`` exited 141 in one process (``--jobs 1``, and what ``--jobs`` leaves to one
    process) although rows had failed, where the row engine and ``--jobs 2`` exit 1 (docs/cli.md: 141 only when no
    record had failed until then)."""
    pytest.importorskip("polars", reason="the columnar engine needs polars (pip install 'tuoyu-rules[columnar]')")
    ledger = tmp_path / "ledger.csv"
    generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--rows", "6000", "--seed", "3"]
    subprocess.run([*generate, "--format", "csv", "--out", str(ledger)], check=True, capture_output=True)
    argv = ["check", str(ledger), "--policy", "luzhou_longmatan", "--as-of", "2025-06-01", "--format", "csv"]
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuoyu_rules", *argv, "--engine", "columnar", "--jobs", jobs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    for _ in range(4):  # the BOM and provenance, the header, LMT-0000000 (incomplete), LMT-0000001 (fails)
        proc.stdout.readline()
    proc.stdout.close()  # as `| head -4` does
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=120) == 1 and "Traceback" not in err and "Exception ignored" not in err, err
