"""XLSX (xlsx.py)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from tuoyu_rules.writers import write_reports

from ._reports import items, report


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
