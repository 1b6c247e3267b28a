"""The reader registry: every reader is documented, and the extension example of docs/extending-readers.md works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tuoyu_rules.records.readers as readers
from tuoyu_rules.cli import build_parser
from tuoyu_rules.records import READERS, read_rows

ROOT = Path(__file__).resolve().parent.parent


def _format_row(name: str, reader: readers.Reader, lang: str) -> str:
    suffixes = " ".join(f"`.{suffix}`" for suffix in reader.suffixes)
    return f"| `{name}` | {suffixes} | {reader.zh if lang == 'zh' else reader.en} |"


def test_every_reader_is_in_both_format_tables_of_docs_ledgers_md() -> None:
    text = (ROOT / "docs" / "ledgers.md").read_text(encoding="utf-8")
    chinese, english = text.split("\n## English\n")
    for lang, section in (("zh", chinese), ("en", english)):
        documented = re.findall(r"^\| `(\w+)` \| `\.", section, flags=re.MULTILINE)
        assert documented == list(READERS), f"the {lang} format table of docs/ledgers.md differs from READERS"
        for name, reader in READERS.items():
            assert _format_row(name, reader, lang) in section, f"docs/ledgers.md ({lang}): reader {name!r} is stale"


def test_the_input_format_help_names_every_reader(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "--help"])
    assert ", ".join(READERS) in " ".join(capsys.readouterr().out.split())


def test_a_file_is_read_by_the_reader_whose_suffixes_hold_its_suffix(tmp_path: Path) -> None:
    for name, reader in READERS.items():
        for suffix in reader.suffixes:
            assert [entry for entry in READERS.values() if suffix in entry.suffixes] == [reader], (name, suffix)
    (tmp_path / "a.ndjson").write_text('{"id": "A"}\n', encoding="utf-8")
    assert [row.data for row in read_rows(tmp_path / "a.ndjson")] == [{"id": "A"}]


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_adding_a_reader_example_registers_a_reader_and_reads_through_read_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = ROOT / "docs" / "extending-readers.md"
    ledger = re.search(r"```text\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert ledger is not None
    (tmp_path / "ledger.psv").write_text(ledger.group(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(readers, "READERS", dict(readers.READERS))  # the example's entry goes into a copy
    blocks = _python_blocks(doc)
    assert len(blocks) == 2
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(doc), "exec"), namespace)
    assert "psv" in readers.READERS and "psv" not in READERS
