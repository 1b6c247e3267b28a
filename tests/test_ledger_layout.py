"""Ledgers laid out as district offices keep them (issue 16, items 1 and 2): the table is found under title rows,
totals and notes are skipped and said, notes sheets are skipped, merged 街镇 cells fill down, and every header is
either read as a field or named in a notice with its did-you-mean."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuoyu_rules.cli import main
from tuoyu_rules.records import LedgerNotice, header_key, read_rows
from tuoyu_rules.records.readers.columns import RowMapper, is_known
from tuoyu_rules.vocabulary import HEADERS

LEDGERS = Path(__file__).parent / "data" / "ledgers"
XLSX = LEDGERS / "台账_标题行.xlsx"
CSV = LEDGERS / "台账_标题行.csv"


def _read(path: Path) -> tuple[list, list[str]]:
    notices: list[LedgerNotice] = []
    rows = list(read_rows(path, on_notice=notices.append))
    return rows, [n.zh for n in notices]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("是否普惠性", "inclusive"),
        ("托位数（个）", "total_slots"),
        ("月收费标准（元/月）", "monthly_fee"),
        ("月收费标准[元/月]", "monthly_fee"),
        ("所属乡镇（街道）", "district"),
        ("街镇", "district"),
        ("室内使用\n面积\n（㎡）", "indoor_area_m2"),
        ("室内使用面积【㎡】", "indoor_area_m2"),
        ("托 位 数", "total_slots"),
        ("是否备案情况", "filed"),
    ],
)
def test_the_headers_of_the_issue_map_to_their_fields(header: str, field: str) -> None:
    assert header_key(header) == field


def test_an_unknown_header_gives_one_notice_with_its_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("机构编号,是否普惠机构,托位数,联系人电话\nA1,是,30,138\nA2,否,20,139\n", encoding="utf-8")
    rows, notices = _read(path)
    assert len(rows) == 2 and rows[0].data["是否普惠机构"] == "是"  # kept as an extra field, never dropped
    assert notices == [
        f"{path}：未识别的表头（原样保留为额外字段，规则不读取）：是否普惠机构 → 是否普惠 (inclusive)？、联系人电话"
    ]


def test_a_column_without_a_header_that_holds_values_is_said(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("机构编号,托位数,\nA1,30,x\n", encoding="utf-8")
    assert _read(path)[1] == [f"{path}：第 C 列没有表头，其中的值未读取"]


_HEADER = st.one_of(
    st.sampled_from(sorted(HEADERS)),
    st.text(alphabet="托位数是否普惠性（）()个元/月㎡ \n街镇乡abc", min_size=1, max_size=8),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_HEADER, min_size=1, max_size=12))
def test_every_header_is_read_as_a_field_or_named_as_ignored(headers: list[str]) -> None:
    mapper = RowMapper(headers)
    for i, header in enumerate(headers):
        assert (
            (header.strip() == "" and i in mapper.unnamed) or is_known(header_key(header)) or header in mapper.ignored
        )


def test_the_district_workbook_is_read_under_its_title_rows_without_its_totals_and_notes() -> None:
    rows, notices = _read(XLSX)
    assert [(r.row, r.excel_row, r.data["id"], r.data["district"]) for r in rows] == [
        (1, 4, "MX-001", "城东街道"),
        (2, 5, "MX-002", "城东街道"),  # the merged 街镇 cell C4:C5, filled down
        (3, 6, "MX-003", "城西街道"),
    ]
    assert rows[1].data["total_slots"] == 30 and rows[1].data["inclusive"] == "否"
    # the wrapped header 室内使用⏎面积（㎡） and 月收费标准（元/月） read as their fields
    assert (rows[0].data["indoor_area_m2"], rows[0].data["monthly_fee"]) == (200, 1800)
    assert not any("合计" in str(v) for r in rows for v in r.data.values())
    where = f"{XLSX}#机构"
    assert notices == [
        f"{where}：未识别的表头（原样保留为额外字段，规则不读取）：联系人电话",
        f"{where}：第 3 行作为表头（机构编号、机构名称、所属乡镇（街道）、托位数（个）、是否普惠性、月收费标准（元/月） 等 8 列）"
        "；跳过 第 1 行（标题）、第 2 行（填报单位）、第 7 行（合计）、第 8 行（注释）、第 9 行（注释）",
        f"{XLSX}#填表说明：跳过此工作表（是说明表，3 行未作为记录读取）",
    ]


def test_the_same_table_as_csv_reads_the_same_records() -> None:
    rows, notices = _read(CSV)
    assert [r.data["id"] for r in rows] == ["MX-001", "MX-002", "MX-003"]
    assert [r.excel_row for r in rows] == [5, 6, 7]  # the header's quoted line break takes lines 3 and 4
    assert notices[1].endswith("；跳过 第 1 行（标题）、第 2 行（填报单位）、第 8 行（合计）、第 9 行（注释）")


def _verdicts(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, str]], str]:
    code = main(["check", "--policy", "luzhou_longmatan", "--as-of", "2025-06-30", "--format", "jsonl", str(path)])
    out, err = capsys.readouterr()
    reports = [json.loads(line) for line in out.splitlines() if line.strip()]
    return code, [(r.get("id"), r["status"]) for r in reports], err


def test_check_gives_the_verdicts_of_the_three_institutions_and_prints_each_notice_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, verdicts, err = _verdicts(XLSX, capsys)
    assert verdicts == EXPECTED and code == 0
    assert err.count("未识别的表头") == 1 and err.count("第 3 行作为表头") == 1 and err.count("跳过此工作表") == 1
    assert _verdicts(CSV, capsys)[1] == EXPECTED  # the same institutions from CSV


# no class columns in this ledger: the class rules are unknown, never pass
EXPECTED = [("MX-001", "incomplete"), ("MX-002", "incomplete"), ("MX-003", "incomplete")]


def test_a_sheet_without_a_known_header_is_skipped_with_a_notice_not_turned_into_errors(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "机构"
    book.active.append(["机构编号", "托位数"])
    book.active.append(["A1", 30])
    other = book.create_sheet("杂项")
    other.append(["甲", "乙"])
    other.append([1, 2])
    path = tmp_path / "t.xlsx"
    book.save(path)
    rows, notices = _read(path)
    assert [r.data["id"] for r in rows] == ["A1"]
    assert notices == [f"{path}#杂项：跳过此工作表（前 30 行中没有可识别的表头，2 行未作为记录读取）"]


def test_a_plain_ledger_gives_no_layout_notice(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("机构编号,托位数\nA1,30\n\nA2,20\n", encoding="utf-8")
    rows, notices = _read(path)
    assert [(r.row, r.excel_row) for r in rows] == [(1, 2), (3, 4)] and notices == []
