"""The WRITERS table drives write_reports, the CLI's --format and the docs; the docs/extending.md example runs."""

from __future__ import annotations

import argparse
import ast
import io
import re
from pathlib import Path
from typing import Any

import pytest

import tuoyu_rules.writers
from tuoyu_rules.cli import build_parser, main
from tuoyu_rules.writers import WRITERS, Writer, write_reports

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"


def _section(text: str, start: str, end: str) -> str:
    """From the heading ``start`` to ``end`` (or to the end of the text when ``end`` does not follow)."""
    begin = text.index(start)
    stop = text.find(end, begin + len(start))
    return text[begin : stop if stop >= 0 else len(text)]


def test_every_entry_names_itself_and_says_what_it_is_in_both_languages() -> None:
    for name, writer in WRITERS.items():
        assert writer.name == name and writer.suffix and writer.zh and writer.en


@pytest.mark.parametrize(("start", "end"), [("## 中文", "## English"), ("## English", "## Report extensions")])
def test_both_format_tables_of_reports_md_list_every_writer(start: str, end: str) -> None:
    section = _section((DOCS / "reports.md").read_text(encoding="utf-8"), start, end)
    documented = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE)
    assert sorted(documented) == sorted(WRITERS), "docs/reports.md: one table row per entry of writers.WRITERS"


def test_the_format_lines_of_the_docs_name_every_writer() -> None:
    reports = (DOCS / "reports.md").read_text(encoding="utf-8")
    assert reports.count(f"check --format {'|'.join(WRITERS)} ") == 2
    cli = (DOCS / "cli.md").read_text(encoding="utf-8")
    escaped = "\\|".join(WRITERS)  # a | inside a table cell is written \|
    assert f"| `--format {escaped}` |" in cli


def test_the_cli_offers_exactly_the_writers() -> None:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    check: argparse.ArgumentParser = commands.choices["check"]
    fmt = next(a for a in check._actions if a.dest == "format")
    assert list(fmt.choices or ()) == list(WRITERS)


CONTRACT_LAYERS = {"text", "vocabulary"}  # the record contract as data and how values read: no engine in them
UTILITIES = {"_lazy"}  # the stand-in for a function imported on first call (WRITERS names every writer so)


def test_writers_import_nothing_of_the_engine() -> None:
    """Only ``text.py`` (how values read, the contract layer below the engine) is shared with the rest."""
    package = Path(tuoyu_rules.writers.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("tuoyu_rules"), f"{path.name} imports {node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module in CONTRACT_LAYERS | UTILITIES:
                continue  # labels (托育中心 for form 'center', 托位数 for total_slots) come from the contract's tables
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                raise AssertionError(f"{path.name} imports from outside writers/: {'.' * node.level}{node.module}")


def _extending_example() -> Writer:
    text = _section((DOCS / "extending.md").read_text(encoding="utf-8"), "## Adding a writer", "\n## ")
    module, entry = re.findall(r"```python\n(.*?)\n```", text, flags=re.DOTALL)
    namespace: dict[str, object] = {}
    exec(compile(module, "docs/extending.md", "exec"), namespace)
    (writer,) = eval(entry, {"Writer": Writer, **namespace})
    assert isinstance(writer, Writer)
    return writer


def test_the_extending_example_writes_through_write_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = _extending_example()
    monkeypatch.setitem(WRITERS, writer.name, writer)
    items: list[dict[str, Any]] = [
        {"id": "A", "status": "pass"},
        {"id": "B", "status": "fail", "violations": [{"rule": "slots.max"}]},
        {"row": 3, "status": "error", "errors": []},
    ]
    out = io.StringIO()
    summary = write_reports(items, "ids", out)
    assert summary.rows == 3 and summary.failed == 1
    assert out.getvalue() == "A\t通过\nB\t不通过\n—\t错误\n共 3 条：通过 1，不通过 1，信息不全 0，错误 1\n"


def test_the_extending_example_is_a_cli_format(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = _extending_example()
    monkeypatch.setitem(WRITERS, writer.name, writer)
    ledger = str(ROOT / "examples" / "luzhou_longmatan" / "institutions.jsonl")
    code = main(["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", "--format", "ids", ledger])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1 and len(lines) == 31 and lines[-1].startswith("共 30 条：通过 10，不通过 20")
