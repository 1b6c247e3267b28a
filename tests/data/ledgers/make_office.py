"""Writes the office-format ledgers of tests/test_office_formats.py into tests/data/ledgers/office/ (run from the
repository root with LibreOffice installed: ``apt-get install -y --no-install-recommends libreoffice-calc``; the
files are committed, so the tests need no LibreOffice).

Each workbook is built with openpyxl as ``.xlsx`` and saved again by LibreOffice (``soffice --headless
--convert-to``) as ``.xls`` (Excel 97-2003) and ``.ods``, so that the ``.xls`` and ``.ods`` files are what a real
office suite writes:

- 台账_办公.*: a merged title row and a 填报单位 row above the header; a vertically merged 街镇 cell over two rows;
  numbers stored as numbers and as text (40 / "30", 139.1 / "139.1"); dates as a date cell, ``2023/5/12`` and
  ``2023年5月12日``; a hidden helper column (辅助列, no field) and a hidden column with a known header (室内使用面积);
  a row whose 托位数 is not a number (约50); a 合计 row and a note below; 班级 and 人员 sheets joined by 机构编号; a
  填表说明 sheet.
- 同一机构.*: the first eight institutions of examples/nanchang/institutions.csv as a plain table, also written as
  CSV in UTF-8 (同一机构.csv) and GB18030 (同一机构_gb18030.csv): the same institutions in five formats.
- 错误值.*: formulas =1/0 and =NA() (openpyxl writes no results; LibreOffice computes them and saves the error
  cells #DIV/0! and #N/A in the .xls and .ods).
- *_libreoffice.xlsx: the three .ods saved again by LibreOffice as xlsx (``soffice --headless --convert-to xlsx``):
  shared strings and LibreOffice's styles, read by tests/test_sheetxml.py against calamine.
- 第三行起.*: a sheet whose first cell is C3 (x) and D4 (1), written by openpyxl and converted by LibreOffice to
  .xls and .ods: its rows are numbered by their sheet rows (3 and 4) in every format.
"""

from __future__ import annotations

import csv
import datetime
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent / "office"
ROOT = Path(__file__).resolve().parents[3]

HEADER = [
    "机构编号",
    "机构名称",
    "所属街镇",
    "托位数（个）",
    "是否普惠",
    "月收费标准（元/月）",
    "建筑面积（㎡）",
    "备案日期",
    "辅助列",
    "室内使用面积（㎡）",
]
ROWS = [
    ["OF-001", "阳光托育", "城东街道", 40, "是", 1800, 139.1, datetime.date(2023, 5, 12), "x1", 200],
    ["OF-002", "小太阳托育", None, "30", "否", "2500.50", "139.1", "2023/5/12", "x2", 150],  # 街镇 merged above
    ["OF-003", "春苗托育", "城西街道", 50, "是", 1600, 260.25, "2023年5月12日", "x3", 180.5],
    ["OF-004", "星星托育", "城西街道", "约50", "是", 1500, 300, None, "x4", 120],
]
CLASSES = [
    ["机构编号", "班级", "在托人数", "保育人员数"],
    ["OF-001", "托小班", 15, 3],
    ["OF-001", "托大班", 20, 2],
    ["OF-003", "乳儿班", 10, 4],
]
STAFF = [["机构编号", "岗位", "学历"], ["OF-001", "保育人员", "大专"], ["OF-003", "负责人", "本科"]]


def _messy() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "机构"
    ws.append(["2025 年某区托育机构台账"])
    ws.merge_cells("A1:J1")
    ws.append(["填报单位：某区卫生健康局", None, None, None, "填报日期：2025-06-30"])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    ws.merge_cells("C4:C5")
    ws["H4"].number_format = "yyyy-mm-dd"
    for cell in ("D5", "F5", "G5"):
        ws[cell].number_format = "@"  # stored as text, as a clerk's pasted numbers are
    ws.append(["合计", None, None, 120, None, None, 699.35])
    ws.append(["注：托位数按备案数填写。"])
    ws.column_dimensions["I"].hidden = True
    ws.column_dimensions["J"].hidden = True
    for name, rows in (("班级", CLASSES), ("人员", STAFF)):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    notes = book.create_sheet("填表说明")
    notes.append(["表头", "说明"])
    notes.append(["机构编号", "统一社会信用代码或区内编号"])
    return book


def _numbers(text: str) -> object:
    """A CSV cell as a workbook holds it: whole numbers and decimals as numbers, the rest as text."""
    if text.isdigit():
        return int(text)
    try:
        value = Decimal(text)
    except ArithmeticError:
        return text or None
    return float(value) if value.is_finite() and "." in text else text


def _same() -> tuple[list[str], list[list[str]]]:
    with (ROOT / "examples" / "nanchang" / "institutions.csv").open(encoding="gb18030", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:9]


def _convert(xlsx: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:  # a profile of its own: soffice runs once per profile
        for fmt in ("xls", "ods"):
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    fmt,
                    "--outdir",
                    str(HERE),
                    str(xlsx),
                ],
                check=True,
                capture_output=True,
            )


def main() -> None:
    if shutil.which("soffice") is None:
        raise SystemExit("make_office.py needs LibreOffice (soffice) to write the .xls and .ods files")
    HERE.mkdir(exist_ok=True)
    _messy().save(HERE / "台账_办公.xlsx")
    header, rows = _same()
    book = openpyxl.Workbook()
    book.active.title = "机构"
    book.active.append(header)
    for row in rows:
        book.active.append([_numbers(v) for v in row])
    book.save(HERE / "同一机构.xlsx")
    for name, encoding in (("同一机构.csv", "utf-8"), ("同一机构_gb18030.csv", "gb18030")):
        with (HERE / name).open("w", encoding=encoding, newline="") as f:
            csv.writer(f).writerows([header, *rows])
    errors = openpyxl.Workbook()
    errors.active.title = "S"
    for row in (["id", "total_slots", "monthly_fee"], ["E1", "=1/0", "=NA()"], ["E2", 3, "=2*3"]):
        errors.active.append(row)
    errors.save(HERE / "错误值.xlsx")
    for name in ("台账_办公.xlsx", "同一机构.xlsx", "错误值.xlsx"):
        _convert(HERE / name)


if __name__ == "__main__":
    main()
