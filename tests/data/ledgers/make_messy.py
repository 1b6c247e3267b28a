"""Writes the messy ledgers of tests/test_ledger_layout.py (run from the repository root; the files are committed):

- 台账_标题行.xlsx: a merged title row and a 填报单位 row above the header, headers with units, line breaks and
  suffixes (托位数（个）, 是否普惠性, 月收费标准（元/月）, 所属乡镇（街道）, 室内使用\\n面积（㎡）), an unknown header
  (联系人电话), a vertically merged 街镇 cell over two rows, a 合计 row and a note below, and a 填表说明 sheet.
- 台账_标题行.csv: the same table as CSV (a title line, a 填报单位 line, the header, rows, 合计, a note).
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
HEADER = [
    "机构编号",
    "机构名称",
    "所属乡镇（街道）",
    "托位数（个）",
    "是否普惠性",
    "月收费标准（元/月）",
    "室内使用\n面积（㎡）",
    "联系人电话",
]
ROWS = [
    ["MX-001", "阳光托育", "城东街道", 40, "是", 1800, 200, "138"],
    ["MX-002", "小太阳托育", None, 30, "否", 2500, 150, "139"],  # 街镇 merged with the row above
    ["MX-003", "春苗托育", "城西街道", 50, "是", 1600, 260, "137"],
]


def main() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "机构"
    ws.append(["2025 年某区托育机构台账"])
    ws.merge_cells("A1:H1")
    ws.append(["填报单位：某区卫生健康局", None, None, None, "填报日期：2025-06-30"])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    ws.merge_cells("C4:C5")
    ws.append(["合计", None, None, 120, None, None, 610])
    ws.append(["注：托位数按备案数填写。"])
    ws.append(["本表由街道汇总后报区卫健局。"])
    notes = book.create_sheet("填表说明")
    notes.append(["表头", "说明"])
    notes.append(["机构编号", "统一社会信用代码或区内编号"])
    notes.append(["托位数", "按备案托位数填写"])
    book.save(HERE / "台账_标题行.xlsx")
    with (HERE / "台账_标题行.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["2025 年某区托育机构台账"])
        out.writerow(["填报单位：某区卫生健康局"])
        out.writerow(HEADER)
        for row in ROWS:
            out.writerow(["城东街道" if v is None else v for v in row])
        out.writerow(["合计", "", "", 120, "", "", 610])
        out.writerow(["注：托位数按备案数填写。"])


if __name__ == "__main__":
    main()
