"""Writes the messy ledgers of tests/test_ledger_layout.py (run from the repository root; the files are committed):

- 台账_标题行.xlsx: a merged title row and a 填报单位 row above the header, headers with units, line breaks and
  suffixes (托位数（个）, 是否普惠性, 月收费标准（元/月）, 所属乡镇（街道）, 室内使用\\n面积（㎡）), an unknown header
  (联系人电话), a vertically merged 街镇 cell over two rows, a 合计 row and a note below, and a 填表说明 sheet.
- 台账_标题行.csv: the same table as CSV (a title line, a 填报单位 line, the header, rows, 合计, a note).
- 台账_两行表头.xlsx: the first six institutions of examples/luzhou_longmatan/institutions.csv under a two-row header
  (rows 4–5: group headers 基本情况, 乳儿班, 托小班, 托大班, 监控 merged across their sub-headers, the other headers
  merged down over both rows), below a title merged over rows 1–2 and a 填报单位 row; a row of column numbers
  (栏次 甲 乙 1 2 3 …) between the header and the data, a 合计 row and a note below.
- 台账_两行表头.csv: the same table as CSV, each group header followed by blank cells over its sub-headers.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[2] / "examples" / "luzhou_longmatan" / "institutions.csv"
# the groups of the two-row header: a flat header of the example that starts with the group is read under it
GROUPS = {"机构编号": "基本情况", "机构名称": "基本情况", "所属区县": "基本情况"}
PREFIXES = ("乳儿班", "托小班", "托大班", "监控")
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


def two_row_header() -> tuple[list[str], list[str], list[list[str]]]:
    """The group row, the sub-header row and the first six rows of the example (its flat header split in two)."""
    with EXAMPLE.open(encoding="gb18030", newline="") as f:
        flat, *rows = list(csv.reader(f))
    top, sub = [], []
    for header in flat:
        prefix = next((p for p in PREFIXES if header.startswith(p)), None)
        group = GROUPS.get(header) or prefix
        top.append(group or header)
        sub.append(header[len(prefix) :] if prefix else header if group else "")
    return top, sub, rows[:6]


def two_row_ledgers() -> None:
    top, sub, rows = two_row_header()
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "机构"
    last = get_column_letter(len(top))
    ws.append(["2025 年龙马潭区托育机构台账（含班级）"])
    ws.append([])
    ws.merge_cells(f"A1:{last}2")  # a title merged over two rows
    ws.append(["填报单位：龙马潭区卫生健康局"])
    ws.append([t if i == 0 or top[i - 1] != t else None for i, t in enumerate(top)])
    ws.append([s or None for s in sub])
    i = 0
    while i < len(top):  # each group merged across its sub-headers, each other header down over rows 4–5
        j = i
        while j + 1 < len(top) and sub[j + 1] and top[j + 1] == top[i]:
            j += 1
        if j > i:
            ws.merge_cells(f"{get_column_letter(i + 1)}4:{get_column_letter(j + 1)}4")
        elif not sub[i]:
            ws.merge_cells(f"{get_column_letter(i + 1)}4:{get_column_letter(i + 1)}5")
        i = j + 1
    numbers = ["甲", "乙", *range(1, len(top) - 1)]
    ws.append(numbers)
    for row in rows:
        ws.append([_number(v) for v in row])
    ws.append(["合计", None, None, None, None, None, None, None, None, 200])
    ws.append(["注：班级人数按 6 月 30 日在托人数填写。"])
    book.save(HERE / "台账_两行表头.xlsx")
    with (HERE / "台账_两行表头.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["2025 年龙马潭区托育机构台账（含班级）"])
        out.writerow(["填报单位：龙马潭区卫生健康局"])
        out.writerow([t if i == 0 or top[i - 1] != t or not sub[i] else "" for i, t in enumerate(top)])
        out.writerow(sub)
        out.writerow(numbers)
        out.writerows(rows)
        out.writerow(["合计", "", "", "", "", "", "", "", "", 200])


def _number(value: str) -> object:
    """A cell as a clerk types it: numbers as numbers."""
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value or None


if __name__ == "__main__":
    main()
    two_row_ledgers()
