"""Errors where the analyst looks (issue 16, item 4): each record problem of a sheet or a CSV file names the sheet,
the cell as Excel shows it (column letter and Excel row) and the header as the user wrote it; a CSV problem also
names the file line. Allowed values are listed by their Chinese labels; common spellings read for the fields they
fit; two columns naming one field never let the last one win."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import tuoyu_rules
from tuoyu_rules.errors import Location, RecordError
from tuoyu_rules.records import normalize_record, read_rows
from tuoyu_rules.records.readers import LedgerNotice
from tuoyu_rules.report import ErrorReport, Report

AS_OF = datetime.date(2024, 6, 30)
HEADER = ["机构编号", "机构名称", "性质", "托位数\n（个）", "是否备案", "机构类型", "乳儿班人数"]
ROWS = [
    ["A1", "甲", "公办", "abc", "已备案", "托育中心", 6],  # Excel row 4: a count that is not a number
    ["A2", "乙", "公办", 30, "未备案", "托儿所", 6],  # row 5: a form that is not one
    ["A3", "丙", "营利性", 30, "√", "托育中心", "六"],  # row 6: a class count, and a nature no luzhou rule reads
    ["A4", "丁", "公办", 30, "×", "托育中心", 6],  # row 7: a good row
    ["A4", "戊", "公办", 30, "×", "托育中心", 6],  # row 8: the id of row 7 again
]
FORM_ZH = "可选：托育中心、幼儿园托班、用人单位办托、社区托育点、家庭托育点"
FORM_EN = (
    "allowed: center (托育中心), kindergarten_class (幼儿园托班), employer (用人单位办托), community (社区托育点), "
    "family (家庭托育点)"
)


def _workbook(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "机构"
    sheet.append(["某区托育机构台账"])  # a title row and a blank row above the header (Excel rows 1, 2)
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.create_sheet("填表说明").append(["注：托位数填整数"])
    book.save(path)
    return path


def _csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    lines = ["某区托育机构台账", ",".join(h.replace("\n", "") for h in header)]
    lines += [",".join(str(c) for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _check(path: Path, policy: str = "luzhou_longmatan") -> list[Report | ErrorReport]:
    return list(tuoyu_rules.load_policy(policy).evaluate_many(read_rows(path, on_notice=lambda n: None), as_of=AS_OF))


def _error(out: Report | ErrorReport, field: str | None = None) -> dict[str, Any]:
    """The one error of an error row (or its error of ``field``)."""
    assert isinstance(out, ErrorReport), out
    (error,) = [e for e in out.to_dict()["errors"] if field is None or e["field"] == field]
    return dict(error)


def _errors(out: list[Report | ErrorReport]) -> list[list[dict[str, Any]]]:
    return [[{k: e.get(k) for k in ("field", "code", "value")} for e in r.to_dict().get("errors", [])] for r in out]


def test_an_xlsx_error_names_the_sheet_the_excel_cell_and_the_header_as_written(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "台账.xlsx", ROWS)
    first, second, third, fourth, fifth = _check(path)
    assert _error(first) == {
        "field": "total_slots",
        "code": "record.not-a-number",
        "message": "托位数 （个）（D4）：'abc' 不是数字",
        "message_en": "托位数 （个） (total_slots, D4): 'abc' is not a number",
        "value": "abc",
        "sheet": "机构",
        "cell": "D4",
        "header": "托位数 （个）",
    }
    assert isinstance(first, ErrorReport) and first.row == 1 and first.source == f"{path}#机构"
    assert str(first.problems[0].location) == f"{path}#机构: row 1: 机构!D4 (托位数 （个）): total_slots"
    form = _error(second)
    assert form["message"] == f"机构类型（F5）：未知取值 '托儿所'，{FORM_ZH}"
    assert form["message_en"] == f"机构类型 (form, F5): unknown value '托儿所'; {FORM_EN}"
    assert (form["sheet"], form["cell"], form["header"]) == ("机构", "F5", "机构类型")
    klass = _error(third, "classes[0].enrolled")  # a flattened class column: the count of the 乳儿班 column
    assert (klass["cell"], klass["header"]) == ("G6", "乳儿班人数")
    # the record is void (a class count is read): every problem of the row is in its error row, the unread one too
    assert _error(third, "ownership")["cell"] == "C6"
    assert isinstance(fourth, Report)
    duplicate = _error(fifth)
    assert (duplicate["code"], duplicate["cell"], duplicate["header"]) == ("record.duplicate-id", "A8", "机构编号")


def test_a_csv_error_names_the_file_line_and_the_cell_excel_shows(tmp_path: Path) -> None:
    path = _csv(tmp_path / "台账.csv", ROWS)
    first, second, third, _, fifth = _check(path)
    assert _error(first) == {
        "field": "total_slots",
        "code": "record.not-a-number",
        "message": "托位数（个）（D3）：'abc' 不是数字",
        "message_en": "托位数（个） (total_slots, D3): 'abc' is not a number",
        "value": "abc",
        "cell": "D3",
        "header": "托位数（个）",
        "line": 3,
    }
    assert isinstance(first, ErrorReport)
    assert str(first.problems[0].location) == f"{path}: row 1: line 3, D3 (托位数（个）): total_slots"
    assert (_error(second)["cell"], _error(second)["line"]) == ("F4", 4)
    assert _error(third, "classes[0].enrolled")["cell"] == "G5"
    assert (_error(fifth)["cell"], _error(fifth)["line"]) == ("A7", 7)


def test_the_same_ledger_gives_the_same_errors_from_xlsx_and_csv_but_for_where_they_are(tmp_path: Path) -> None:
    xlsx, csv = _errors(_check(_workbook(tmp_path / "a.xlsx", ROWS))), _errors(_check(_csv(tmp_path / "a.csv", ROWS)))
    assert xlsx == csv and sum(map(len, xlsx)) == 5


def test_a_bad_value_no_rule_reads_is_a_located_warning_and_the_row_is_checked(tmp_path: Path) -> None:
    rows = [["A3", "丙", "营利性", 30, "√", "托育中心", 6]]
    (report,) = _check(_workbook(tmp_path / "a.xlsx", rows))
    assert isinstance(report, Report) and report.status in ("pass", "fail", "incomplete")
    (warning,) = report.to_dict()["warnings"]
    assert warning["code"] == "record.unknown-value" and warning["field"] == "ownership"
    assert (warning["sheet"], warning["cell"], warning["header"]) == ("机构", "C4", "性质")
    assert warning["message"] == (
        "性质（C4）：未知取值 '营利性'，可选：公办、民办、混合（'营利性' 是“是否非营利”的写法，请填在该列）"
        "（本策略不读取此字段：此值未采用，记录照常核查）"
    )
    assert "allowed: public (公办), private (民办), mixed (混合)" in warning["message_en"]
    assert report.record["filed"] is True  # √


def test_the_same_value_is_an_error_under_a_policy_that_reads_the_field(tmp_path: Path) -> None:
    (out,) = _check(_workbook(tmp_path / "a.xlsx", [["A3", "丙", "营利性", 30, "√", "托育中心", 6]]), "nanchang")
    error = _error(out)
    assert (error["code"], error["cell"], error["header"]) == ("record.unknown-value", "C4", "性质")


@pytest.mark.parametrize(
    ("field", "cells", "expected"),
    [
        ("filed", ["已备案", "未备案", "√", "×", "有", "无", "是", "否"], [True, False, True, False] * 2),
        ("nonprofit", ["非营利性", "营利性", "非营利", "营利"], [True, False, True, False]),
        ("inclusive", ["普惠", "非普惠", "普惠性", "非普惠性", "✓", "✗"], [True, False, True, False, True, False]),
    ],
)
def test_common_spellings_read_for_the_fields_they_fit(field: str, cells: list[str], expected: list[bool]) -> None:
    got = [normalize_record({"id": "A", field: cell}, row=1)[field] for cell in cells]
    assert got == expected
    got_text = [normalize_record({"id": "A", field: cell}, row=1, text=True)[field] for cell in cells]
    assert got_text == expected


def test_a_spelling_of_one_field_is_refused_in_another() -> None:
    with pytest.raises(RecordError) as info:
        normalize_record({"id": "A", "inclusive": "已备案"}, row=1)
    assert [p.code for p in info.value.problems] == ["record.not-a-boolean"]


def test_two_columns_naming_one_field_with_different_values_is_an_error_naming_both(tmp_path: Path) -> None:
    header = ["机构编号", "托位数", "机构名称", "total_slots"]
    notices: list[LedgerNotice] = []
    path = _workbook(tmp_path / "a.xlsx", [["A1", 30, "甲", 40], ["A2", 30, "乙", 30], ["A3", None, "丙", 25]], header)
    rows = list(read_rows(path, on_notice=notices.append))
    assert rows[0].data is None
    (problem,) = rows[0].problems
    assert problem.code == "record.duplicate-key"
    assert problem.message == "total_slots：B 列（托位数）和 D 列（total_slots）都填了值（30 / 40），不知以哪个为准"
    assert problem.message_en == "total_slots: columns B (托位数) and D (total_slots) both hold a value (30 / 40)"
    assert (problem.location.sheet, problem.location.cell, problem.location.header) == (
        "机构",
        "B4,D4",
        "托位数 / total_slots",
    )
    # equal values, or one of the two filled, are read once: nothing is lost and nothing is ambiguous
    assert rows[1].data is not None and rows[1].data["total_slots"] == 30
    assert rows[2].data is not None and rows[2].data["total_slots"] == 25
    # and the sheet says once that two columns name one field
    said = [n.zh for n in notices if "同一字段" in n.zh]
    assert said == [
        f"{path}#机构：几列表示同一字段（值相同时读一次，不同时该行为错误行）：total_slots：B 列（托位数）、D 列（total_slots）"
    ]


def test_differing_values_are_compared_whole_not_by_their_first_100_characters(tmp_path: Path) -> None:
    one, two = "甲" * 150 + "1", "甲" * 150 + "2"
    path = _workbook(tmp_path / "a.xlsx", [["A1", one, two]], ["机构编号", "机构名称", "name"])
    (row,) = read_rows(path, on_notice=lambda n: None)
    assert row.data is None and [p.code for p in row.problems] == ["record.duplicate-key"]


def test_a_location_without_a_sheet_reads_as_before() -> None:
    assert str(Location(row=3, field="total_slots", file="a.jsonl")) == "a.jsonl: row 3: total_slots"
    assert str(Location(file="p.yaml", line=4, column=2)) == "p.yaml:4:2"
    assert Location(row=3, field="x").to_dict() == {"row": 3, "field": "x"}


def test_located_error_rows_and_warnings_validate_against_the_report_schema(tmp_path: Path) -> None:
    import jsonschema

    from tuoyu_rules.authoring.report_schema import report_schema

    schema = report_schema()
    items = [dict(r.to_dict()) for r in _check(_workbook(tmp_path / "a.xlsx", ROWS))]
    items += [dict(r.to_dict()) for r in _check(_csv(tmp_path / "a.csv", ROWS))]
    items += [dict(r.to_dict()) for r in _check(_workbook(tmp_path / "b.xlsx", [ROWS[2][:6]]), "national")]
    validator = jsonschema.Draft202012Validator(schema)
    assert [e.message for i in items for e in validator.iter_errors(i)] == []
    typed_error = set(schema["$defs"]["error_row"]["properties"]["errors"]["items"]["properties"])
    typed_warning = set(schema["$defs"]["warning"]["properties"])
    errors = [e for i in items for e in i.get("errors", ())]
    warnings = [w for i in items for w in i.get("warnings", ())]
    assert errors and warnings and {"sheet", "cell", "header", "line"} <= {k for e in errors for k in e}
    assert {k for e in errors for k in e} <= typed_error and {k for w in warnings for k in w} <= typed_warning
    bad = {**errors[0], "cell": "row 4"}
    assert list(validator.iter_errors({**items[0], "errors": [bad]}))


@pytest.mark.parametrize("fmt", ["table", "csv", "html", "github", "sarif", "junit"])
def test_every_writer_shows_where_an_error_is(tmp_path: Path, fmt: str) -> None:
    import io

    from tuoyu_rules.writers import write_reports

    items = [r.to_dict() for r in _check(_workbook(tmp_path / "a.xlsx", ROWS))]
    for item in items:  # check adds row and source for the CI formats
        item.setdefault("source", f"{tmp_path / 'a.xlsx'}#机构")
    out = io.StringIO()
    write_reports(items, fmt, out)
    text = out.getvalue()
    assert "机构!D4" in text and "托位数 （个）（D4）：" in text, fmt  # the cell, and the header as written


def test_the_xlsx_writer_has_sheet_cell_and_header_columns_for_errors(tmp_path: Path) -> None:
    from tuoyu_rules.writers import write_reports

    items = [r.to_dict() for r in _check(_workbook(tmp_path / "a.xlsx", ROWS))]
    write_reports(items, "xlsx", tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["错误"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-3:] == ("工作表", "单元格", "表头")
    assert rows[1][2] == "total_slots" and rows[1][-3:] == ("机构", "D4", "托位数 （个）")


def test_a_ci_annotation_of_a_csv_error_points_at_its_file_line(tmp_path: Path) -> None:
    import io

    from tuoyu_rules.writers import write_reports

    path = _csv(tmp_path / "a.csv", ROWS)  # a title line above the header: data row 1 is line 3
    items = [r.to_dict() for r in _check(path)]
    out = io.StringIO()
    write_reports(items[:1], "github", out)
    assert f"file={path},line=3," in out.getvalue().replace("%3A", ":").replace("%2C", ",")


def test_docs_ledgers_md_lists_every_spelling_in_both_halves() -> None:
    from tuoyu_rules.vocabulary import FALSE, FIELD_YES_NO, TRUE

    text = (Path(__file__).resolve().parent.parent / "docs" / "ledgers.md").read_text(encoding="utf-8")
    zh, en = text.split("\n## English\n")
    for spelling in [s for table in FIELD_YES_NO.values() for s in table]:
        assert f"`{spelling}`" in zh and spelling in en, spelling
    for word in sorted((TRUE | FALSE) - {"t", "f", "y", "n", "yes", "no", "对"}):
        assert f"`{word}`" in zh or f"`{word.upper()}`" in zh, word


def test_a_record_warning_is_in_every_output_and_said_once_in_the_summary(tmp_path: Path) -> None:
    import io

    from tuoyu_rules.writers import write_reports

    rows = [["A3", "丙", "营利性", 30, "√", "托育中心", 6], ["A5", "戊", "营利性", 30, "√", "托育中心", 6]]
    items = [r.to_dict() for r in _check(_workbook(tmp_path / "a.xlsx", rows))]
    assert [i["status"] != "error" and len(i["warnings"]) for i in items] == [1, 1]
    for fmt in ("table", "csv", "html"):
        out = io.StringIO()
        summary = write_reports(items, fmt, out)
        text = out.getvalue()
        assert "性质（C4）" in text and "性质（C5）" in text, fmt  # each record's own warning, with its cell
    lines = summary.notices.values()
    assert list(lines) == [("本策略不读取的字段中有填错的值（未采用，记录照常核查；见各记录的警告）", UNREAD_EN)]
    write_reports(items, "xlsx", tmp_path / "out.xlsx")
    errors = list(openpyxl.load_workbook(tmp_path / "out.xlsx")["错误"].iter_rows(values_only=True))
    assert [(r[1], r[3], r[-2]) for r in errors[1:]] == [
        ("A3", "record.unknown-value", "C4"),
        ("A5", "record.unknown-value", "C5"),
    ]


UNREAD_EN = "bad values in fields this policy does not read (not used; the records were checked: see their warnings)"


def test_cells_keep_their_excel_letters_past_a_hidden_helper_column(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["机构编号", "辅助列", "机构名称", "托位数"])
    sheet.append(["A1", "x", "甲", "abc"])
    sheet.column_dimensions["B"].hidden = True
    book.save(tmp_path / "a.xlsx")
    (out,) = _check(tmp_path / "a.xlsx")
    assert (_error(out)["cell"], _error(out)["header"]) == ("D2", "托位数")
