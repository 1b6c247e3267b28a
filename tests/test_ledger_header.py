"""Finding the header as district offices lay it out (issue 16, item 1): two-row headers (a group header over
sub-headers), ``--header-row``, titles merged over several rows, and the layout rows between a header and its data
(栏次, units) — every skipped row listed in the sheet's one notice, every other row one output."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuoyu_rules.cli import main
from tuoyu_rules.errors import RecordError
from tuoyu_rules.records import LedgerNotice, read_rows
from tuoyu_rules.records.readers.layout import choose_header, combine

ROOT = Path(__file__).resolve().parents[1]
LEDGERS = ROOT / "tests" / "data" / "ledgers"
TWO_ROW_XLSX = LEDGERS / "台账_两行表头.xlsx"
TWO_ROW_CSV = LEDGERS / "台账_两行表头.csv"
EXAMPLE = ROOT / "examples" / "luzhou_longmatan" / "institutions.csv"


def _read(path: Path, **options: Any) -> tuple[list[Any], list[str]]:
    notices: list[LedgerNotice] = []
    rows = list(read_rows(path, on_notice=notices.append, **options))
    return rows, [n.zh for n in notices]


def _check(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["check", "--policy", "luzhou_longmatan", "--as-of", "2025-06-30", "--format", "jsonl", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


def _findings(reports: list[dict[str, Any]]) -> dict[str, list[tuple[str, str, str | None]]]:
    return {r["id"]: [(f["rule"], f["outcome"], f.get("subject")) for f in r["findings"]] for r in reports}


# the first six institutions of the bundled example, as their verdicts and failing rules; LMT-004's 乳儿班 of 11
# fails class.size.infant only if the 乳儿班 / 人数 column under the merged group header is read
EXPECTED = [
    ("LMT-001", "fail", ["area.building_per_slot"]),
    ("LMT-002", "fail", ["surveillance.retention_days"]),
    ("LMT-003", "fail", ["filing.required", "premises.lease_years", "surveillance.retention_days"]),
    ("LMT-004", "fail", ["area.indoor_per_slot", "class.size.infant", "surveillance.retention_days"]),
    ("LMT-005", "fail", ["filing.required", "surveillance.retention_days"]),
    ("LMT-006", "fail", ["area.indoor_per_slot"]),
]


@pytest.mark.parametrize("path", [TWO_ROW_XLSX, TWO_ROW_CSV], ids=["xlsx", "csv"])
def test_a_two_row_header_gives_the_verdicts_of_the_flat_ledger(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, reports, err = _check([str(path)], capsys)
    assert code == 1
    assert [
        (r["id"], r["status"], sorted({f["rule"] for f in r["findings"] if f["outcome"] == "fail"})) for r in reports
    ] == EXPECTED
    flat = _findings(_check([str(EXAMPLE)], capsys)[1])
    assert _findings(reports) == {key: flat[key] for key, _, _ in EXPECTED}  # every finding, not just the verdict
    assert err.count("作为表头") == 1 and "未识别的表头" not in err


def test_the_two_row_csv_in_gb18030_reads_as_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text(TWO_ROW_CSV.read_text(encoding="utf-8"), encoding="gb18030")
    assert [(r.excel_row, r.data) for r in _read(path)[0]] == [(r.excel_row, r.data) for r in _read(TWO_ROW_CSV)[0]]


def test_the_two_row_workbook_says_its_header_rows_and_every_skipped_row() -> None:
    rows, notices = _read(TWO_ROW_XLSX)
    assert [(r.row, r.excel_row) for r in rows] == [(1, 7), (2, 8), (3, 9), (4, 10), (5, 11), (6, 12)]
    assert rows[3].data["classes"] == [
        {"type": "infant", "enrolled": 11, "caregivers": 5},
        {"type": "toddler", "enrolled": 15, "caregivers": 4},
        {"type": "older", "enrolled": 14, "caregivers": 2},
    ]
    assert rows[0].data["surveillance"] == {"installed": "是", "always_on": "是", "retention_days": 90}
    assert notices == [
        f"{TWO_ROW_XLSX}：第 4–5 行作为表头（机构编号、机构名称、所属区县、机构类型、性质、是否综合服务中心 等 31 列）"
        "；跳过 第 1 行（标题）、第 2 行（标题）、第 3 行（填报单位）、第 6 行（栏次）、第 13 行（合计）、第 14 行（注释）"
    ]


def test_the_two_row_csv_says_its_header_lines_in_english_too() -> None:
    notices: list[LedgerNotice] = []
    rows = list(read_rows(TWO_ROW_CSV, on_notice=notices.append))
    assert [r.excel_row for r in rows] == [6, 7, 8, 9, 10, 11]
    assert [n.en for n in notices] == [
        f"{TWO_ROW_CSV}: rows 3–4 taken as the header (机构编号, 机构名称, 所属区县, 机构类型, 性质, 是否综合服务中心"
        " … 31 columns); skipped row 1 (title), row 2 (reporting unit), row 5 (column numbers), row 12 (total)"
    ]


@pytest.mark.parametrize(
    ("top", "sub", "headers"),
    [
        # a group followed by blank cells stands over the sub-headers under them; a header with nothing under it
        # (merged down over both rows) is itself, and ends the group
        (
            ["机构编号", "乳儿班", "", "托位数", "监控", ""],
            ["", "人数", "保育人员数", "", "是否安装", "保存天数"],
            ["机构编号", "乳儿班人数", "乳儿班保育人员数", "托位数", "监控是否安装", "监控保存天数"],
        ),
        # a generic group: 托位数 over 总数 is 托位数, over 普惠 is 普惠托位数 (both fields the vocabulary has)
        (["托位数", ""], ["总数", "普惠"], ["托位数", "普惠托位数"]),
        # a group that names no field over headers that do: the sub-headers; a class group with an age note
        (
            ["基本情况", "", "乳儿班（6-12个月）", ""],
            ["机构编号", "机构名称", "人数（人）", "保育人员数"],
            ["机构编号", "机构名称", "乳儿班人数（人）", "乳儿班保育人员数"],
        ),
        # never a field invented: a pair the vocabulary does not know stays an unknown header (named in a notice),
        # and a sub-header under a group that names a field is not read without it
        (["联系人", "", "托位数"], ["姓名", "电话", "其他"], ["联系人姓名", "联系人电话", "托位数其他"]),
    ],
)
def test_group_headers_are_read_with_their_sub_headers_as_the_vocabulary_knows_them(
    top: list[str], sub: list[str], headers: list[str]
) -> None:
    assert combine(top, sub) == headers


def test_merged_ranges_say_the_groups_of_a_sheet() -> None:
    top = ["乳儿班", None, None]
    sub = ["人数", "保育人员数", "托位数"]
    # in CSV the blank third cell would run on under 乳儿班; the sheet's merge B4:C4… says it does not
    assert combine(top, sub, [(0, 1)]) == ["乳儿班人数", "乳儿班保育人员数", "托位数"]
    assert combine(top, sub) == ["乳儿班人数", "乳儿班保育人员数", "乳儿班托位数"]


def test_two_rows_are_taken_only_when_together_they_name_more_fields() -> None:
    units = [["机构编号", "托位数", "室内面积"], ["", "（个）", "（㎡）"], ["A1", "30", "200"]]
    found = choose_header(units, [1, 2, 3])
    assert found is not None and (found.index, found.height) == (0, 1)  # a row of units adds no field
    title = [["2025 年台账", "", ""], ["机构编号", "托位数", "室内面积"], ["A1", "30", "200"]]
    found = choose_header(title, [1, 2, 3])
    assert found is not None and (found.index, found.height) == (1, 1)
    group = [["机构编号", "乳儿班", ""], ["", "人数", "保育人员数"], ["A1", "8", "3"]]
    found = choose_header(group, [1, 2, 3])
    assert found is not None and (found.index, found.height, found.cells) == (
        0,
        2,
        ["机构编号", "乳儿班人数", "乳儿班保育人员数"],
    )
    # in a sheet, rows with a gap between them are not one header
    assert choose_header(group, [1, 3, 4], merges=[]) == choose_header(group[:1], [1])


def test_rows_of_units_and_column_numbers_between_header_and_data_are_skipped_and_said(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("机构编号,托位数,室内面积\n（个）,（个）,（㎡）\n甲,1,2\nA1,30,200\n1,2,3\n", encoding="utf-8")
    rows, notices = _read(path)
    # the units row is skipped; 甲 1 2 is no column-number row (its numbers are two), nor is 1 2 3 after the data
    assert [(r.excel_row, r.data["id"]) for r in rows] == [(3, "甲"), (4, "A1"), (5, "1")]
    assert notices == [f"{path}：第 1 行作为表头（机构编号、托位数、室内面积）；跳过 第 2 行（单位）"]
    path.write_text("机构编号,托位数,室内面积,星级\n栏次,1,2,3\nA1,30,200,3\n", encoding="utf-8")
    rows, notices = _read(path)
    assert [r.data["id"] for r in rows] == ["A1"] and notices[-1].endswith("；跳过 第 2 行（栏次）")


# ---- --header-row ----------------------------------------------------------------------------------------------


def _far_header(tmp_path: Path) -> Path:
    """A CSV whose header is on line 35, below 34 lines of notes: past the 30 rows the header is looked for in."""
    path = tmp_path / "far.csv"
    lines = [f"说明第{i}条" for i in range(1, 35)] + ["机构编号,托位数,是否普惠", "A1,30,是", "A2,20,否"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_header_row_reads_a_header_past_the_rows_looked_in(tmp_path: Path) -> None:
    path = _far_header(tmp_path)
    rows, notices = _read(path, header_row=35)
    assert [(r.row, r.excel_row, r.data) for r in rows] == [
        (1, 36, {"id": "A1", "total_slots": "30", "inclusive": "是"}),
        (2, 37, {"id": "A2", "total_slots": "20", "inclusive": "否"}),
    ]
    assert notices == [f"{path}：第 35 行作为表头（机构编号、托位数、是否普惠）；跳过 第 1–34 行（标题）"]
    unguided, _ = _read(path)  # found, the header is the first line: every row is then no institution
    assert all("id" not in (r.data or {}) for r in unguided)


def test_header_row_overrides_the_row_found(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["机构编号", "托位数", "是否普惠"])  # what detection would take
    sheet.append(["编号", "名称"])
    sheet.append(["A1", "甲园"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    rows, notices = _read(path, header_row=2)
    assert [(r.excel_row, r.data) for r in rows] == [(3, {"id": "A1", "name": "甲园"})]
    assert notices == [f"{path}：第 2 行作为表头（编号、名称）；跳过 第 1 行（表头上方）"]


def test_header_row_on_the_two_row_workbook_takes_both_rows() -> None:
    rows, notices = _read(TWO_ROW_XLSX, header_row=4)
    assert len(rows) == 6 and notices[0].startswith(f"{TWO_ROW_XLSX}：第 4–5 行作为表头")


@pytest.mark.parametrize(
    ("header_row", "zh", "en"),
    [
        (99, "没有第 99 行（最后一行是第 14 行）", "there is no row 99 (the last is row 14)"),
        (2, "第 2 行是空行，不能作为表头", "row 2 holds nothing and cannot be the header"),
        (0, "没有第 0 行（行号从 1 起）", "there is no row 0 (rows count from 1)"),
    ],
)
def test_a_header_row_past_the_end_or_blank_is_a_located_error(header_row: int, zh: str, en: str) -> None:
    with pytest.raises(RecordError) as caught:
        list(read_rows(TWO_ROW_XLSX, header_row=header_row))
    (problem,) = caught.value.problems
    assert problem.code == "record.bad-header-row"
    assert (problem.location.file, problem.location.line) == (str(TWO_ROW_XLSX), header_row)
    assert problem.message == f"--header-row {header_row}：{TWO_ROW_XLSX} {zh}"
    assert problem.message_en == f"--header-row {header_row}: {TWO_ROW_XLSX}: {en}"


def test_check_with_a_bad_header_row_exits_2_with_its_location_and_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("机构编号,托位数\n\nA1,30\n", encoding="utf-8")
    code, reports, err = _check(["--header-row", "2", str(path)], capsys)
    assert (code, reports) == (2, [])
    assert err == f"tuoyu-rules: {path}:2: --header-row 2：{path} 第 2 行是空行，不能作为表头\n"
    code, reports, err = _check(["--header-row", "3", str(path)], capsys)
    assert code == 0 and [r["id"] for r in reports] == [] and "第 3 行作为表头" in err  # A1,30 as a header: no rows


def test_a_header_row_on_a_row_that_cannot_be_read_says_so(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('台账\n"机构编号"x,托位数\n机构编号,托位数\nA1,30\n', encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        list(read_rows(path, header_row=2))
    assert [p.message for p in caught.value.problems] == [f"--header-row 2：{path} 第 2 行无法读取，不能作为表头"]
    rows, notices = _read(path, header_row=3)
    assert [r.data for r in rows] == [{"id": "A1", "total_slots": "30"}]
    assert notices == [f"{path}：第 3 行作为表头（机构编号、托位数）；跳过 第 1 行（标题）、第 2 行（无法解析）"]


def test_a_header_row_one_sheet_lacks_fails_before_any_row_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = openpyxl.Workbook()
    book.active.title = "城东"
    for row in (["台账"], ["机构编号", "托位数"], ["A1", 30], ["A2", 20]):
        book.active.append(row)
    west = book.create_sheet("城西")
    west.append(["机构编号", "托位数"])
    book.create_sheet("填表说明").append(["只有一行"])  # a notes sheet is skipped, not checked for the row
    path = tmp_path / "t.xlsx"
    book.save(path)
    code, reports, err = _check(["--header-row", "2", str(path)], capsys)
    assert (code, reports) == (2, [])
    assert err == f"tuoyu-rules: {path}#城西:2: --header-row 2：{path}#城西 没有第 2 行（最后一行是第 1 行）\n"
    code, reports, err = _check(["--header-row", "2", "--sheet", "城东", str(path)], capsys)
    assert [r["id"] for r in reports] == ["A1", "A2"] and "跳过 第 1 行（标题）" in err
    # a notes sheet named by --sheet with a --header-row is read as the user says, its unknown headers named
    rows, notices = _read(path, sheet="填表说明", header_row=1)
    assert (rows, notices) == ([], [f"{path}：未识别的表头（原样保留为额外字段，规则不读取）：只有一行"])
    assert _read(path, sheet="填表说明")[1] == [f"{path}：跳过此工作表（是说明表，1 行未作为记录读取）"]


def test_header_row_is_never_ignored_by_the_columnar_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the columnar engine reads with the row reader itself: --header-row gives the same bytes and notices
    pytest.importorskip("polars", reason="the columnar engine needs polars: pip install 'tuoyu-rules[columnar]'")
    said = {}
    for engine in ("row", "columnar"):
        out = tmp_path / f"{engine}.csv"
        args = ["check", "--policy", "luzhou_longmatan", "--as-of", "2025-06-30", "--format", "csv", "-o", str(out)]
        code = main([*args, "--engine", engine, "--header-row", "35", str(_far_header(tmp_path))])
        err = [line for line in capsys.readouterr().err.splitlines() if "列式引擎" not in line]
        said[engine] = (code, out.read_bytes(), err)
    assert said["row"] == said["columnar"] and b"A2" in said["row"][1]


def test_a_header_row_for_a_ledger_without_header_rows_is_an_error_not_ignored(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "A1"}\n', encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        list(read_rows(path, header_row=1))
    assert [(p.code, p.message) for p in caught.value.problems] == [
        ("record.bad-header-row", "--header-row 只用于表格（CSV、Excel），不用于 jsonl")
    ]
    assert [r.data for r in read_rows(path)] == [{"id": "A1"}]


# ---- properties --------------------------------------------------------------------------------------------------

_TABLE = [["机构编号", "托位数", "乳儿班人数", "乳儿班保育人员数"], ["A1", "30", "8", "3"], ["A2", "20", "", ""]]
_TITLE = st.one_of(
    st.sampled_from(["2025 年某区托育机构台账", "填报单位：某区卫健委", "注：按备案数填写", "单位：个"]),
    st.text(alphabet="台账年月日区县某机构（）：", min_size=1, max_size=12),
)


def _records(rows: list[Any]) -> list[tuple[int, dict[str, Any] | None]]:
    return [(r.row, r.data) for r in rows]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(st.lists(_TITLE, min_size=1, max_size=3), max_size=8))
def test_any_title_rows_above_a_table_give_the_same_records(titles: list[list[str]], tmp_path: Path) -> None:
    def written(rows: list[list[str]]) -> Path:
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        path = tmp_path / "t.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        return path

    plain, _ = _read(written(_TABLE))
    titled, notices = _read(written([*titles, *_TABLE]))
    assert _records(titled) == _records(plain)
    named, _ = _read(tmp_path / "t.csv", header_row=len(titles) + 1)  # --header-row on the header: the same
    assert _records(named) == _records(plain)
    if titles:
        assert [r.excel_row for r in titled] == [len(titles) + 2, len(titles) + 3]
        assert notices[-1].startswith(f"{tmp_path / 't.csv'}：第 {len(titles) + 1} 行作为表头")


_CLASSES = ["乳儿班", "托小班", "托大班"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.lists(st.tuples(*[st.one_of(st.none(), st.integers(0, 40)) for _ in range(6)]), min_size=1, max_size=5),
    merged=st.booleans(),
)
def test_a_two_row_class_header_reads_as_the_flat_one(
    counts: list[tuple[int | None, ...]], merged: bool, tmp_path: Path
) -> None:
    flat = ["机构编号", *[f"{c}{s}" for c in _CLASSES for s in ("人数", "保育人员数")]]
    top = ["机构编号", *[x for c in _CLASSES for x in (c, None)]]
    sub = [None, *["人数", "保育人员数"] * 3]
    data = [[f"A{i}", *row] for i, row in enumerate(counts, 1)]
    one, two = openpyxl.Workbook(), openpyxl.Workbook()
    for row in (flat, *data):
        one.active.append(row)
    for row in (top, sub, *data):
        two.active.append(row)
    if merged:
        two.active.merge_cells("A1:A2")
        for i in range(3):
            two.active.merge_cells(start_row=1, end_row=1, start_column=2 + 2 * i, end_column=3 + 2 * i)
    one.save(tmp_path / "flat.xlsx")
    two.save(tmp_path / "two.xlsx")
    rows, notices = _read(tmp_path / "two.xlsx")
    assert _records(rows) == _records(_read(tmp_path / "flat.xlsx")[0])
    assert notices == [
        f"{tmp_path / 'two.xlsx'}：第 1–2 行作为表头（机构编号、乳儿班人数、乳儿班保育人员数、托小班人数、托小班保育人员数、托大班人数 等 7 列）"
    ]


_ANY_ROW = st.one_of(
    st.sampled_from(
        [
            ["合计", "", "90"],
            ["注：按备案数填写"],
            ["本表由街道汇总"],
            ["（个）", "（个）", "（㎡）"],
            ["栏次", "1", "2", "3"],
            ["1", "2", "3"],
            ["填报单位：某区"],
            ["", "", ""],
            ["A9", "", ""],
        ]
    ),
    st.lists(st.sampled_from(["A1", "B2", "30", "是", "x", "", "（个）", "1"]), min_size=1, max_size=4),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    above=st.lists(_ANY_ROW, max_size=4),
    two_rows=st.booleans(),
    below=st.lists(_ANY_ROW, max_size=10),
)
def test_every_non_blank_row_is_either_an_output_or_listed_as_skipped(
    above: list[list[str]], two_rows: bool, below: list[list[str]], tmp_path: Path
) -> None:
    header = (
        [["机构编号", "乳儿班", "", "托位数"], ["", "人数", "保育人员数", ""]]
        if two_rows
        else [["机构编号", "乳儿班人数", "乳儿班保育人员数", "托位数"]]
    )
    rows = [["某区托育机构台账"], *above, *header, *below]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "t.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    read, notices = _read(path)
    first = len(above) + 2  # the header's line
    said = next((n for n in notices if "作为表头" in n), "")
    taken = f"第 {first}–{first + 1} 行作为表头" if two_rows else f"第 {first} 行作为表头"
    assert taken in said
    listed = set()
    for a, b in re.findall(r"第 (\d+)(?:–(\d+))? 行（", said.partition("；跳过 ")[2]):
        listed.update(range(int(a), int(b or a) + 1))
    filled = {i for i, row in enumerate(rows, 1) if any(c.strip() for c in row)}
    header_lines = set(range(first, first + len(header)))
    outputs = [r.excel_row for r in read]
    assert len(outputs) == len(set(outputs))  # one output per row
    assert set(outputs) | listed | header_lines == filled and not set(outputs) & (listed | header_lines)
