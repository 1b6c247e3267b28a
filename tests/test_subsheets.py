"""The class and staff sheets (班级/人员) find their table as a main sheet does (one function for both): a merged title
above, a two-row header, a hidden helper column, a 合计 row and notes below, a merged owner id over an institution's
classes; the items joined are those of the plain sheet, and the notice of each subsheet says what was taken and
skipped. Duplicate columns in a subsheet are an error row, never last-one-wins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl

from tuoyu_rules import read_rows
from tuoyu_rules.cli import main

AS_OF = "2024-06-30"
CLASSES = [  # (机构编号, 班级类型, 在托人数, 保育人员数)
    ("A1", "乳儿班", 8, 3),
    ("A1", "托小班", 12, 2),
    ("A2", "托大班", 18, 2),
]
CLASS_ITEMS = {
    "A1": [
        {"type": "乳儿班", "enrolled": 8, "caregivers": 3},
        {"type": "托小班", "enrolled": 12, "caregivers": 2},
    ],
    "A2": [{"type": "托大班", "enrolled": 18, "caregivers": 2}],
}


def _main_sheet(book: Any) -> None:
    sheet = book.active
    sheet.title = "机构"
    for row in (["机构编号", "机构名称", "托位数"], ["A1", "阳光", 40], ["A2", "星星", 30]):
        sheet.append(row)


def _plain(path: Path) -> Path:
    book = openpyxl.Workbook()
    _main_sheet(book)
    classes = book.create_sheet("班级")
    classes.append(["机构编号", "班级类型", "在托人数", "保育人员数"])
    for row in CLASSES:
        classes.append(list(row))
    book.save(path)
    return path


def _messy(path: Path, merged_id: bool = False) -> Path:
    """The 班级 sheet as a clerk lays it out: a title merged over A1:F1, a 填报单位 row, a two-row header (rows 3–4:
    机构编号 and 班级类型 merged down, 人员配备 merged over 在托人数 and 保育人员数), a hidden helper column E (序号检查),
    a 合计 row and a note below; with ``merged_id`` the id of A1 is merged over its two classes."""
    book = openpyxl.Workbook()
    _main_sheet(book)
    sheet = book.create_sheet("班级")
    sheet.append(["2025 年班级情况表"])
    sheet.merge_cells("A1:E1")
    sheet.append(["填报单位：某区卫生健康局"])
    sheet.append(["机构编号", "班级类型", "人员配备", None, "序号检查"])
    sheet.append([None, None, "在托人数", "保育人员数", None])
    for merged in ("A3:A4", "B3:B4", "C3:D3", "E3:E4"):
        sheet.merge_cells(merged)
    for n, (owner, kind, enrolled, caregivers) in enumerate(CLASSES, start=1):
        sheet.append([owner, kind, enrolled, caregivers, n])
    sheet.append(["合计", None, 38, 7, None])
    sheet.append(["注：在托人数按 6 月底填写。"])
    sheet.column_dimensions["E"].hidden = True
    if merged_id:
        sheet["A6"] = None
        sheet.merge_cells("A5:A6")
    book.save(path)
    return path


def _read(path: Path) -> tuple[dict[str, Any], list[str], list[str]]:
    notices_zh: list[str] = []
    notices_en: list[str] = []

    def told(notice: Any) -> None:
        notices_zh.append(notice.zh)
        notices_en.append(notice.en)

    rows = list(read_rows(path, on_notice=told))
    return {r.data["id"]: r.data.get("classes") for r in rows if r.data}, notices_zh, notices_en


def test_the_plain_class_sheet_joins_its_items(tmp_path: Path) -> None:
    items, notices, _ = _read(_plain(tmp_path / "plain.xlsx"))
    assert items == CLASS_ITEMS
    assert not [n for n in notices if "#班级" in n]  # a plain table says nothing


def test_a_messy_class_sheet_reads_exactly_the_items_of_the_plain_one_and_says_what_it_took_and_skipped(
    tmp_path: Path,
) -> None:
    path = _messy(tmp_path / "messy.xlsx")
    items, zh, en = _read(path)
    assert items == _read(_plain(tmp_path / "plain.xlsx"))[0] == CLASS_ITEMS
    where = f"{path}#班级"
    assert [n for n in zh if n.startswith(where)] == [
        f"{where}：跳过隐藏的辅助列 E（序号检查）（第 4 行的表头不对应任何字段）",
        f"{where}：第 3–4 行作为表头（机构编号、班级类型、在托人数、保育人员数）；跳过 第 1 行（标题）、第 2 行（填报单位）、"
        "第 8 行（合计）、第 9 行（注释）",
    ]
    assert [n for n in en if n.startswith(where)] == [
        f"{where}: hidden helper column E (序号检查) skipped (its header in row 4 names no field)",
        f"{where}: rows 3–4 taken as the header (机构编号, 班级类型, 在托人数, 保育人员数); skipped row 1 (title), "
        "row 2 (reporting unit), row 8 (total), row 9 (note)",
    ]


def test_a_merged_owner_id_is_filled_down_over_the_classes_it_spans(tmp_path: Path) -> None:
    path = _messy(tmp_path / "merged.xlsx", merged_id=True)
    items, zh, _ = _read(path)
    assert items == CLASS_ITEMS  # 托小班 in row 6 belongs to A1, merged over rows 5–6
    assert not any("合并单元格只在首行读取" in n for n in zh)


def test_the_messy_class_sheet_gives_the_verdicts_of_the_plain_one(capsys: Any, tmp_path: Path) -> None:
    verdicts = []
    for path in (_plain(tmp_path / "plain.xlsx"), _messy(tmp_path / "messy.xlsx")):
        code = main(["check", "--policy", "luzhou_longmatan", "--as-of", AS_OF, "--format", "jsonl", str(path)])
        out = capsys.readouterr().out
        reports = [json.loads(line) for line in out.splitlines()]
        verdicts.append(
            (code, [(r["id"], r["status"], sorted(v["rule"] for v in r.get("violations", []))) for r in reports])
        )
    assert verdicts[0] == verdicts[1]
    assert verdicts[0][1][1] == ("A2", "fail", ["class.ratio.older"])  # 托大班 18 children, 2 caregivers


def test_a_class_sheet_without_a_table_is_skipped_with_a_notice(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    _main_sheet(book)
    sheet = book.create_sheet("班级")
    for row in (["班级情况见附件"], ["（本表不填）"]):
        sheet.append(row)
    path = tmp_path / "none.xlsx"
    book.save(path)
    notices: list[str] = []
    rows = list(read_rows(path, on_notice=lambda n: notices.append(n.zh)))
    assert [(r.row, r.data["id"] if r.data else None, r.problems) for r in rows] == [(1, "A1", ()), (2, "A2", ())]
    assert f"{path}#班级：跳过此工作表（前 30 行中没有可识别的表头，2 行未作为记录读取）" in notices


def test_duplicate_columns_that_disagree_in_a_class_sheet_make_an_error_row_never_last_one_wins(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    _main_sheet(book)
    sheet = book.create_sheet("班级")
    for row in (
        ["机构编号", "班级类型", "在托人数", "在托人数"],
        ["A1", "乳儿班", 8, 8],  # the two agree: read
        ["A1", "托小班", 12, 21],  # they disagree: an error row of its own, not joined
    ):
        sheet.append(row)
    path = tmp_path / "dup.xlsx"
    book.save(path)
    notices: list[str] = []
    rows = list(read_rows(path, on_notice=lambda n: notices.append(n.zh)))
    assert rows[0].data is not None and rows[0].data["classes"] == [{"type": "乳儿班", "enrolled": 8}]
    assert [(r.row, r.source, r.excel_row) for r in rows[2:]] == [(3, f"{path}#班级", 3)]
    assert [
        (p.code, p.message, p.location.row, p.location.file, p.location.sheet, p.location.cell, p.value)
        for p in rows[2].problems
    ] == [
        (
            "record.duplicate-key",
            "enrolled：C 列（在托人数）和 D 列（在托人数）都填了值（12 / 21），不知以哪个为准",
            3,
            f"{path}#班级",
            "班级",
            "C3,D3",
            "12 / 21",
        )
    ]
    assert (
        f"{path}#班级：几列表示同一字段（值相同时读一次，不同时该行为错误行）：enrolled：C 列（在托人数）、D 列（在托人数）"
        in notices
    )


def test_values_in_a_class_column_without_a_header_are_said_dropped(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    _main_sheet(book)
    sheet = book.create_sheet("班级")
    for row in (["机构编号", "班级类型", None], ["A1", "乳儿班", "备注文字"]):
        sheet.append(row)
    path = tmp_path / "unnamed.xlsx"
    book.save(path)
    notices: list[str] = []
    rows = list(read_rows(path, on_notice=lambda n: notices.append(n.zh)))
    assert rows[0].data is not None and rows[0].data["classes"] == [{"type": "乳儿班"}]
    assert f"{path}#班级：第 C 列没有表头，其中的值未读取" in notices
