"""The ledger readers (records/readers/): formats, encodings, headers, streaming, and the READERS registry with its
docs and the extension example of docs/extending.md."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

import tuoyu_rules.records.readers as readers
from tuoyu_rules.cli import build_parser
from tuoyu_rules.errors import RecordError
from tuoyu_rules.records import READERS, header_key, normalize_record, read_rows

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


# ---- reading --------------------------------------------------------------------------------------------------------
def test_header_names_in_chinese_and_english() -> None:
    assert header_key("室内使用面积(㎡)") == "indoor_area_m2"
    assert header_key("室内使用面积（㎡）") == "indoor_area_m2"
    assert header_key("indoor_area_m2") == "indoor_area_m2"
    assert header_key("机构编号") == "id"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "l.csv"
    path.write_text("机构编号,机构名称,托位数\nA-1,红星托育园,30\n", encoding=encoding)
    rows = list(read_rows(path))
    assert rows[0].data == {"id": "A-1", "name": "红星托育园", "total_slots": "30"} and rows[0].row == 1


def test_flattened_class_columns_become_classes(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text(
        "id,乳儿班人数,乳儿班保育人员数,toddler_enrolled,toddler_caregivers,surveillance.retention_days\nA,6,2,,,90\n",
        encoding="utf-8",
    )
    data = next(read_rows(path)).data
    assert data == {
        "id": "A",
        "classes": [{"type": "infant", "enrolled": "6", "caregivers": "2"}],
        "surveillance": {"retention_days": "90"},
    }


def test_a_bad_jsonl_line_is_a_row_with_problems_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text('{"id": "A"}\n{oops\n\n{"id": "C"}\n', encoding="utf-8")
    rows = list(read_rows(path))
    assert [r.row for r in rows] == [1, 2, 3]
    assert rows[1].data is None and rows[1].problems[0].code == "record.bad-json"
    assert rows[2].data == {"id": "C"}


def test_undecodable_input_is_a_record_error(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(b"id,name\n" + bytes(range(128, 256)) * 300)
    with pytest.raises(RecordError) as info:
        list(read_rows(path))
    assert info.value.problems[0].code == "record.undecodable"


def test_reading_streams(tmp_path: Path) -> None:
    class Endless(io.RawIOBase):
        """A CSV that never ends: reading the first rows must not need the whole input."""

        def __init__(self) -> None:
            self.sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = (b"id,total_slots\n" if self.sent == 0 else b"") + b"".join(
                f"A{self.sent + i},{i}\n".encode() for i in range(100)
            )
            self.sent += 100
            buffer[: len(chunk)] = chunk
            return len(chunk)

    rows = read_rows("-", stdin=io.BufferedReader(Endless()), fmt="csv")
    assert [next(rows).data["id"] for _ in range(3)] == ["A0", "A1", "A2"]


def test_xlsx_joins_class_and_staff_sheets() -> None:
    rows = list(read_rows(EXAMPLES / "luzhou_longmatan" / "institutions.xlsx"))
    assert len(rows) == 30 and rows[0].data["classes"] and rows[0].data["staff"]


def test_the_three_example_formats_give_the_same_records() -> None:
    folder = EXAMPLES / "luzhou_longmatan"
    by_format = {}
    for name in ("institutions.jsonl", "institutions.xlsx", "institutions.csv"):
        by_format[name] = [normalize_record(r.data) for r in read_rows(folder / name)]
    strip = lambda rs, drop: [{k: v for k, v in r.items() if k not in drop} for r in rs]  # noqa: E731
    assert by_format["institutions.jsonl"] == by_format["institutions.xlsx"]
    # the flat CSV cannot hold staff lists
    assert strip(by_format["institutions.jsonl"], {"staff"}) == strip(by_format["institutions.csv"], {"staff"})


def test_the_same_records_give_the_same_reports_whatever_the_format() -> None:
    import datetime

    import tuoyu_rules

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    folder = EXAMPLES / "luzhou_longmatan"
    day = datetime.date(2024, 6, 30)
    reports = {
        name: [
            json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True)
            for r in policy.evaluate_many(read_rows(folder / name), as_of=day)
        ]
        for name in ("institutions.jsonl", "institutions.xlsx")
    }
    assert reports["institutions.jsonl"] == reports["institutions.xlsx"]


def test_csv_rows_are_marked_text_and_read_the_same_either_way() -> None:
    # a CSV row is all text: it goes to the converters directly (the strict pydantic types would refuse it); the
    # mark only saves that attempt and never changes the record
    rows = list(read_rows(EXAMPLES / "luzhou_longmatan" / "institutions.csv"))
    assert rows and all(r.text for r in rows)
    assert not any(r.text for r in read_rows(EXAMPLES / "luzhou_longmatan" / "institutions.jsonl"))
    for r in rows:
        assert r.data is not None
        assert normalize_record(r.data, text=True) == normalize_record(r.data)


# ---- the registry ----------------------------------------------------------------------------------------------------
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


def _reader_section() -> str:
    text = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
    start = text.index("## Adding a reader")
    return text[start : text.index("\n## ", start + 1)]


def _python_blocks(section: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_adding_a_reader_example_registers_a_reader_and_reads_through_read_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _reader_section()
    ledger = re.search(r"```text\n(.*?)```", doc, flags=re.DOTALL)
    assert ledger is not None
    (tmp_path / "ledger.psv").write_text(ledger.group(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(readers, "READERS", dict(readers.READERS))  # the example's entry goes into a copy
    blocks = _python_blocks(doc)
    assert len(blocks) == 2
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/extending.md", "exec"), namespace)
    assert "psv" in readers.READERS and "psv" not in READERS
