"""XLSX (xlsx.py)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from tuoyu_rules.writers import write_reports

from ._reports import VIOLATION, items, report


def test_xlsx_sheets_headers_frozen_rows_filters_and_money(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    write_reports(items(), "xlsx", path)
    book = load_workbook(path)
    assert book.sheetnames == ["报告", "违规", "补贴", "错误"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all(c.font.bold for c in ws[1])
    reports, violations, money, errors = (book[n] for n in book.sheetnames)
    assert [c.value for c in reports[1]][:6] == ["编号", "名称", "类型", "区县", "形式", "结果"]
    assert reports.max_row == 4 and reports["F3"].value == "不通过" and reports["G3"].value == 2
    assert [c.value for c in violations[1]][:9] == [
        "编号",
        "名称",
        "规则",
        "说明",
        "实际",
        "要求",
        "整改",
        "条款",
        "文件",
    ]
    assert violations.max_row == 3 and violations["E2"].value == 4.9 and violations["H2"].value == "四(一)"
    assert [c.value for c in money[1]][:9] == [
        "编号",
        "名称",
        "补贴",
        "是否符合",
        "金额",
        "最低",
        "最高",
        "周期",
        "依据",
    ]
    assert money.max_row == 7
    assert money["E2"].value == 4600 and money["E2"].number_format == "0.00"
    assert money["C3"].value == "subsidy.construction" and money["E3"].value is None
    assert (money["F3"].value, money["G3"].value) == (4000, 6000) and money["F3"].number_format == "0.00"
    assert [c.value for c in errors[2]][:5] == [
        4,
        "LZ-003",
        "total_slots",
        "record.not-a-number",
        "total_slots：'abc' 不是数字",
    ]


def test_xlsx_money_is_exact(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    write_reports([report("A", "pass", amount="1234567.89")], "xlsx", path)
    assert Decimal(str(load_workbook(path)["补贴"]["E2"].value)) == Decimal("1234567.89")


def test_xlsx_in_english_to_a_binary_stream() -> None:
    from openpyxl import load_workbook

    out = io.BytesIO()
    summary = write_reports(items(), "xlsx", out, lang="en")
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["reports", "violations", "subsidies", "errors"] and summary.rows == 4
    assert book["reports"]["F3"].value == "fail"


def test_xlsx_refuses_a_text_stream_without_a_buffer() -> None:
    with pytest.raises(ValueError, match="xlsx"):
        write_reports(items(), "xlsx", io.StringIO())


def test_xlsx_is_byte_identical_for_the_same_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    import time
    import zipfile

    first = io.BytesIO()
    write_reports(items(), "xlsx", first)
    later = time.time() + 400 * 86400  # written 400 days later
    monkeypatch.setattr(time, "time", lambda: later)
    second = io.BytesIO()
    write_reports(items(), "xlsx", second)
    assert first.getvalue() == second.getvalue()
    with zipfile.ZipFile(first) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2, "created and modified are fixed, not the time of writing"


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers() -> None:
    from openpyxl import load_workbook

    hostile = report('=HYPERLINK("http://evil.example","x")', "fail", [VIOLATION], name="@SUM(A1)", district="-2+3")
    hostile["violations"][0] = {**VIOLATION, "observed": -3, "required": Decimal("4.5"), "fix": "+1 托位"}
    out = io.BytesIO()
    write_reports([hostile], "xlsx", out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    row = book["报告"][2]
    assert [c.data_type for c in row[:4]] == ["s", "s", "s", "s"]
    assert (row[0].value, row[1].value, row[3].value) == ('=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "-2+3")
    assert row[6].value == 1 and row[6].data_type == "n"
    violation = book["违规"][2]
    assert (violation[4].value, violation[5].value) == (-3, 4.5) and violation[4].data_type == "n"
    assert violation[6].value == "+1 托位" and violation[6].data_type == "s"


def test_xlsx_writes_control_characters_escaped_and_any_district(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = [
        report("ESC", "pass", name="\x1b[2K\r✓ 名称\x00", district="\u202e区"),
        {**report("LIST", "pass"), "record": {"name": "x", "district": ["a", 1], "form": {"k": "v"}}},
        {**report("NUM", "pass"), "record": {"name": "y", "district": 12, "form": None}},
        {**report("BIG", "pass"), "record": {"name": "z", "district": 10**20}},
    ]
    path = tmp_path / "r.xlsx"
    write_reports(data, "xlsx", path)
    rows = [[c.value for c in row] for row in load_workbook(path)["报告"].iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["ESC", "LIST", "NUM", "BIG"], "every report is written, none lost"
    assert rows[0][1] == "\\x1b[2K\\r✓ 名称\\x00" and rows[0][3] == "\\u202e区"
    assert rows[1][3] == '["a", 1]' and rows[1][4] == '{"k": "v"}' and rows[2][3] == 12
    assert rows[3][3] == "1" + "0" * 20, "a number a spreadsheet cannot hold exactly is text, never rounded"


def test_a_full_sheet_goes_on_in_a_numbered_sheet_and_no_row_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    import tuoyu_rules.writers.xlsx as xlsx

    monkeypatch.setattr(xlsx, "EXCEL_ROWS", 4)  # Excel's 1,048,576, made small: a header and three rows a sheet
    reports = [report(f"R-{i}", "pass") for i in range(8)]
    out = tmp_path / "r.xlsx"
    write_reports(reports, "xlsx", out)
    book = load_workbook(out)
    parts = [name for name in book.sheetnames if name.startswith("报告")]
    assert parts == ["报告", "报告 (2)", "报告 (3)"]
    ids = [row[0].value for name in parts for row in book[name].iter_rows(min_row=2)]
    assert ids == [f"R-{i}" for i in range(8)], "every report once, in order"
    assert all(book[name].max_row <= 4 and book[name]["A1"].value == book["报告"]["A1"].value for name in parts)
    assert [book[name].auto_filter.ref[-1] for name in parts] == ["4", "4", "3"], "each filter covers its own rows"
