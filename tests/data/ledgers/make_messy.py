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
- 台账_分析员.xlsx (tests/test_analyst_workbook.py): the analyst's workbook of issue 16, six institutions of
  examples/luzhou_longmatan/institutions.jsonl as a district clerk keeps them — a merged title row and a 填报单位 row
  above the header; headers with units, suffixes and a line break (是否普惠性, 托位数（个）, 月收费标准（元/月）,
  所属乡镇（街道）, 室内使用⏎面积（㎡）); two unknown headers (星级评定, 联系人电话); 所属乡镇（街道） merged down over
  LMT-002 and LMT-003; a blank row; a tick (√) for 是, 已备案/未备案 for 是/否 and 营利性 in 性质 (a
  field no luzhou rule reads); a row whose 托位数 is 约40 and 机构类型 托儿所; a 合计 row and a note; a 班级 sheet and a 人员 sheet
  with Chinese headers and values, an id with a trailing space (LMT-008 ) and an orphan class row (LMT-099); a
  填表说明 sheet.
- 台账_分析员.csv, 台账_分析员_gb18030.csv: its 机构 sheet as CSV (UTF-8, GB18030), the classes as flat columns
  (乳儿班人数 …; a CSV holds one table, so no staff).
- 区域_无记录类型.csv: the three district records of examples/luzhou_longmatan/regions.jsonl (without their
  townships) under Chinese headers and no 记录类型 column.
"""

from __future__ import annotations

import csv
import json
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


ANALYST_IDS = ("LMT-001", "LMT-002", "LMT-003", "LMT-008", "LMT-012", "LMT-024")
# the clerk's headers, by the header of examples/luzhou_longmatan/institutions.csv (other headers as they are)
CLERK_HEADERS = {
    "所属区县": "所属乡镇（街道）",
    "是否普惠": "是否普惠性",
    "星级": "星级评定",
    "托位数": "托位数（个）",
    "室内使用面积(㎡)": "室内使用\n面积（㎡）",
    "室外活动场地面积(㎡)": "室外活动场地面积（㎡）",
    "建筑面积(㎡)": "建筑面积（㎡）",
    "租赁年限": "租赁年限（年）",
    "月收费": "月收费标准（元/月）",
    "普惠指导价": "普惠指导价（元/月）",
}
CLASS_HEADERS = ["乳儿班人数", "乳儿班保育人员数", "托小班人数", "托小班保育人员数", "托大班人数", "托大班保育人员数"]
STAFF_HEADERS = [
    "机构编号",
    "岗位",
    "学历",
    "是否相关专业",
    "管理经验年限（年）",
    "是否受过培训",
    "证书",
    "是否有禁止从业情形",
]
STAFF_KEYS = ["role", "education", "related_major", "management_years", "trained", "certificates", "banned"]
CHINESE = {  # the Chinese a clerk writes for the example's codes
    "manager": "负责人",
    "caregiver": "保育人员",
    "health": "保健人员",
    "security": "保安人员",
    "secondary": "中专",
    "associate": "大专",
    "bachelor": "本科",
    "postgraduate": "研究生",
    "childcare": "保育员",
    "health_title": "卫生专业职称",
    "security_guard": "保安员证",
    "teacher": "幼师资格",
    "infant": "乳儿班",
    "toddler": "托小班",
    "older": "托大班",
}
BAD_ROW = ["LMT-031", "鱼塘街道启航托育园", "鱼塘街道", "托儿所", "民办", "否", "否", "是", "3", "约40"]
REGION_HEADERS = {
    "id": "区域编号",
    "name": "区域名称",
    "level": "层级",
    "year": "统计年份",
    "population": "常住人口",
    "total_slots": "托位数",
    "inclusive_slots": "普惠托位数",
    "new_slots": "新增托位数",
    "institutions": "机构数",
    "public_institutions": "公办机构数",
    "employer_institutions": "用人单位办托机构数",
    "comprehensive_centers": "综合服务中心数",
    "four_star_institutions": "四星级以上机构数",
    "institutions_registered": "登记机构数",
    "institutions_filed": "备案机构数",
    "staff_total": "从业人员数",
    "staff_trained": "培训人员数",
    "staff_certified": "持证人员数",
    "urban_communities": "城市社区数",
    "urban_communities_with_childcare": "有托育服务的城市社区数",
    "townships": "乡镇数",
    "townships_with_inclusive_center": "有普惠托育中心的乡镇数",
    "kindergartens": "幼儿园数",
    "kindergartens_with_childcare": "开设托班的幼儿园数",
    "newborn_families": "新生儿家庭数",
    "newborn_families_reached": "接受指导的新生儿家庭数",
}


def _analyst_source() -> tuple[list[str], list[list[str]], list[dict[str, object]]]:
    """The example's flat header (without its class columns), its rows of ANALYST_IDS, and their JSON records."""
    with EXAMPLE.open(encoding="gb18030", newline="") as f:
        flat, *rows = list(csv.reader(f))
    keep = [i for i, h in enumerate(flat) if h not in CLASS_HEADERS]
    by_id = {r[0]: r for r in rows}
    records = {}
    for line in (EXAMPLE.parent / "institutions.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[record["id"]] = record
    table = [[by_id[i][k] for k in keep] for i in ANALYST_IDS]
    return [flat[k] for k in keep], table, [records[i] for i in ANALYST_IDS]


def _clerk(value: object) -> object:
    """A value as the clerk writes it: codes in Chinese, yes/no as 是/否, lists joined with 、, empty list 无."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(CHINESE[v] for v in value) if value else "无"
    if isinstance(value, str):
        return CHINESE.get(value, value)
    return value


def _class_cells(record: dict[str, object]) -> list[object]:
    """The flat class columns of one record (乳儿班人数, 乳儿班保育人员数, …), blank where it has no such class."""
    by_type = {c["type"]: c for c in record["classes"]}  # type: ignore[attr-defined, index]
    return [by_type.get(t, {}).get(k) for t in ("infant", "toddler", "older") for k in ("enrolled", "caregivers")]


def analyst_workbook() -> None:
    """台账_分析员.xlsx, its CSV versions and 区域_无记录类型.csv (see the module's docstring)."""
    flat, table, records = _analyst_source()
    header = [CLERK_HEADERS.get(h, h) for h in flat] + ["联系人电话"]
    phones = ["13800000001", "13800000002", "13800000003", "13800000008", "13800000012", "13800000024"]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "机构"
    last = get_column_letter(len(header))
    ws.append(["2025 年龙马潭区托育机构台账"])
    ws.merge_cells(f"A1:{last}1")
    ws.append(["填报单位：龙马潭区卫生健康局", None, None, None, None, "填报日期：2025 年 6 月 30 日"])
    ws.append(header)
    lines = [[_number(v) for v in row] + [phone] for row, phone in zip(table, phones, strict=True)]
    lines[2][2] = None  # LMT-003: 所属乡镇（街道） merged with LMT-002's cell above
    lines[0][flat.index("监控是否安装")] = "√"  # LMT-001: a tick for 是
    lines[1][flat.index("是否备案")], lines[2][flat.index("是否备案")] = "已备案", "未备案"  # LMT-002, LMT-003
    lines[5][flat.index("性质")] = "营利性"  # LMT-024: not an ownership, in a field no rule of luzhou reads
    for line in lines[:3]:
        ws.append(line)
    ws.append([])  # a blank row: Excel rows and data rows part here
    for line in lines[3:]:
        ws.append(line)
    ws.append([_number(v) for v in BAD_ROW])
    ws.merge_cells("C5:C6")
    slots = sum(int(r[flat.index("托位数")]) for r in table)
    ws.append(["合计", None, None, None, None, None, None, None, None, slots])
    ws.append(["注：托位数按备案托位数填写，班级、人员另见各表。"])
    classes = book.create_sheet("班级")
    classes.append(["机构编号", "班级类型", "在托人数（人）", "保育人员数（人）"])
    for record in records:
        owner = f"{record['id']} " if record["id"] == "LMT-008" else record["id"]  # a trailing space, as typed
        for item in record["classes"]:  # type: ignore[attr-defined]
            classes.append([owner, CHINESE[item["type"]], item["enrolled"], item["caregivers"]])
    classes.append(["LMT-099", "托小班", 12, 3])  # an owner the 机构 sheet does not have
    staff = book.create_sheet("人员")
    staff.append(STAFF_HEADERS)
    for record in records:
        for person in record["staff"]:  # type: ignore[attr-defined]
            staff.append([record["id"], *(_clerk(person.get(k)) for k in STAFF_KEYS)])
    notes = book.create_sheet("填表说明")
    notes.append(["填表说明"])
    notes.append(["1. 机构编号填写区内统一编号；班级、人员表按机构编号对应。"])
    notes.append(["2. 是否类栏目填写“是”或“否”。"])
    book.save(HERE / "台账_分析员.xlsx")
    _analyst_csv(header, lines, records, slots)
    _region_csv()


def _analyst_csv(header: list[str], lines: list[list[object]], records: list[dict[str, object]], slots: int) -> None:
    """The 机构 sheet saved as CSV (UTF-8 and GB18030): the district filled in, the classes as flat columns."""
    text = [
        ["2025 年龙马潭区托育机构台账"],
        ["填报单位：龙马潭区卫生健康局", "", "", "", "", "填报日期：2025 年 6 月 30 日"],
    ]
    text.append([*header[:-1], *CLASS_HEADERS, header[-1]])
    for i, (line, record) in enumerate(zip(lines, records, strict=True)):
        if i == 3:
            text.append([])
        cells = ["高坝街道" if v is None and i == 2 and j == 2 else v for j, v in enumerate(line)]
        text.append(["" if v is None else v for v in [*cells[:-1], *_class_cells(record), cells[-1]]])
    text.append(BAD_ROW)
    text.append(["合计", "", "", "", "", "", "", "", "", slots])
    text.append(["注：托位数按备案托位数填写，班级、人员另见各表。"])
    for name, encoding in (("台账_分析员.csv", "utf-8"), ("台账_分析员_gb18030.csv", "gb18030")):
        with (HERE / name).open("w", encoding=encoding, newline="") as f:
            csv.writer(f).writerows(text)


def _region_csv() -> None:
    """The district records of the example (their townships left out) under Chinese headers, no 记录类型 column."""
    lines = (EXAMPLE.parent / "regions.jsonl").read_text(encoding="utf-8").splitlines()
    regions = [json.loads(line) for line in lines]
    with (HERE / "区域_无记录类型.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(REGION_HEADERS.values())
        for region in regions:
            out.writerow(["区" if k == "level" else region.get(k, "") for k in REGION_HEADERS])


if __name__ == "__main__":
    main()
    two_row_ledgers()
    analyst_workbook()
