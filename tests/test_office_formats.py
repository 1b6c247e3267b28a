"""Every office format (issue 16, item 5): ``.xlsx``, ``.xls`` and ``.ods`` saved by a real office suite (LibreOffice,
tests/data/ledgers/make_office.py) read through the one calamine-based reader: the same records, verdicts, notices
and error locations from each; numbers stored as text or as numbers give the same exact decimals; dates are dates;
hidden helper columns are skipped and said; hostile workbooks are refused or streamed, never a crash."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuoyu_rules.cli import main
from tuoyu_rules.errors import RecordError
from tuoyu_rules.records import LedgerNotice, normalize_record, read_rows
from tuoyu_rules.records.readers import book as book_module
from tuoyu_rules.records.readers.biff import hidden_columns, xls_layout

OFFICE = Path(__file__).parent / "data" / "ledgers" / "office"
MESSY = ["台账_办公.xlsx", "台账_办公.xls", "台账_办公.ods"]
SAME = ["同一机构.csv", "同一机构_gb18030.csv", "同一机构.xlsx", "同一机构.xls", "同一机构.ods"]


def _read(path: Path) -> tuple[list, list[str]]:
    notices: list[LedgerNotice] = []
    rows = list(read_rows(path, on_notice=notices.append))
    return rows, [n.zh for n in notices]


@pytest.mark.parametrize("name", MESSY)
def test_the_messy_ledger_reads_the_same_records_from_each_office_format(name: str) -> None:
    rows, _ = _read(OFFICE / name)
    assert [(r.row, r.excel_row, r.data["id"], r.data["district"]) for r in rows] == [
        (1, 4, "OF-001", "城东街道"),
        (2, 5, "OF-002", "城东街道"),  # the merged 街镇 cell C4:C5, filled down in every format
        (3, 6, "OF-003", "城西街道"),
        (4, 7, "OF-004", "城西街道"),
    ]
    first, second = normalize_record(rows[0].data), normalize_record(rows[1].data)
    # 139.1 stored as a number and "139.1" stored as text: the same exact decimal, never 139.09999…
    assert first["building_area_m2"] == second["building_area_m2"] == Decimal("139.1")
    assert (first["total_slots"], second["total_slots"]) == (40, 30)  # whole numbers stay ints
    assert type(first["total_slots"]) is int and second["monthly_fee"] == Decimal("2500.50")
    assert rows[0].data["备案日期"] == datetime.date(2023, 5, 12)  # a date cell is a date, not a serial
    assert [r.data["备案日期"] for r in rows[1:3]] == ["2023/5/12", "2023年5月12日"]
    assert [c["type"] for c in first["classes"]] == ["toddler", "older"]  # the 班级 sheet, joined by 机构编号
    assert first["staff"][0]["role"] == "caregiver" and first["indoor_area_m2"] == 200  # a hidden known column


def _notices(name: str) -> list[str]:
    where = f"{OFFICE / name}#机构"
    header = "机构编号、机构名称、所属街镇、托位数（个）、是否普惠、月收费标准（元/月）"
    skipped = "；跳过 第 1 行（标题）、第 2 行（填报单位）、第 8 行（合计）、第 9 行（注释）"
    return [
        f"{where}：跳过隐藏的辅助列 I（辅助列）（第 3 行的表头不对应任何字段）",
        f"{where}：未识别的表头（原样保留为额外字段，规则不读取）：备案日期 → 备案 (filed)？",
        f"{where}：第 3 行作为表头（{header} 等 9 列）{skipped}",
        f"{OFFICE / name}#填表说明：跳过此工作表（是说明表，2 行未作为记录读取）",
    ]


@pytest.mark.parametrize("name", MESSY)
def test_each_format_says_its_header_its_skipped_rows_and_its_hidden_helper_column(name: str) -> None:
    rows, notices = _read(OFFICE / name)
    assert notices == _notices(name)
    assert all("辅助列" not in r.data for r in rows)  # the hidden helper column is not read


def _check(path: Path, policy: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict], str]:
    code = main(["check", "--policy", policy, "--as-of", "2025-06-30", "--format", "jsonl", str(path)])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


@pytest.mark.parametrize("name", MESSY)
def test_check_gives_the_same_verdicts_and_the_same_located_error_from_each_format(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, reports, _ = _check(OFFICE / name, "luzhou_longmatan", capsys)
    assert code == 1
    assert [(r["id"], r["status"], sorted(v["rule"] for v in r.get("violations", []))) for r in reports] == [
        ("OF-001", "fail", ["class.ratio.older"]),  # 托大班 20 children, 2 caregivers (the 班级 sheet)
        ("OF-002", "incomplete", []),  # no classes: the class rules are unknown, never pass
        ("OF-003", "fail", ["area.indoor_per_slot"]),  # 180.5 ㎡ (a hidden column, read) for 50 slots
        ("OF-004", "error", []),
    ]
    error = reports[3]
    assert (error["row"], error["source"]) == (4, f"{OFFICE / name}#机构")
    assert [(e["code"], e["field"], e["value"]) for e in error["errors"]] == [
        ("record.not-a-number", "total_slots", "约50")
    ]


def _verdicts(report: dict) -> tuple:
    return (
        report.get("id"),
        report["status"],
        sorted(v["rule"] for v in report.get("violations", [])),
        sorted(f["rule"] for f in report.get("findings", []) if f["outcome"] == "unknown"),
        [(s["id"], s["amount"], s["amount_min"], s["amount_max"]) for s in report.get("subsidies", [])],
    )


def test_the_same_institutions_give_identical_verdicts_from_csv_gb18030_xlsx_xls_and_ods(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = {name: _check(OFFICE / name, "nanchang", capsys)[1] for name in SAME}
    first = [_verdicts(r) for r in results[SAME[0]]]
    assert len(first) == 8 and {v[1] for v in first} >= {"fail", "incomplete"}
    assert any(amount not in (None, "0.00") for v in first for _, amount, _, _ in v[4])  # real amounts compared
    for name in SAME[1:]:
        assert [_verdicts(r) for r in results[name]] == first, name
        assert results[name] == results[SAME[0]], name  # and the whole reports, record by record


def test_a_float_cell_is_its_shortest_decimal_and_text_numbers_give_the_same(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["机构编号", "建筑面积", "室内使用面积", "托位数"])
    book.active.append(["A", 139.1, 1234.57, 30.0])
    book.active.append(["B", "139.1", "1234.57", "30"])
    path = tmp_path / "n.xlsx"
    book.save(path)
    a, b = (normalize_record(r.data) for r in read_rows(path))
    assert a["building_area_m2"] == b["building_area_m2"] == Decimal("139.1")
    assert a["indoor_area_m2"] == b["indoor_area_m2"] == Decimal("1234.57")
    assert a["total_slots"] == b["total_slots"] == 30 and type(a["total_slots"]) is int


def test_an_xls_that_is_really_an_xlsx_is_read_by_its_content(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xls"
    path.write_bytes((OFFICE / "同一机构.xlsx").read_bytes())
    assert len(list(read_rows(path))) == 8


def _ods(table_xml: str) -> bytes:
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:spreadsheet>'
        f'<table:table table:name="S">{table_xml}</table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
        'xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
        'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _cell(text: str, extra: str = "") -> str:
    return f'<table:table-cell office:value-type="string" {extra}><text:p>{text}</text:p></table:table-cell>'


HEADER_ROW = f"<table:table-row>{_cell('id')}{_cell('total_slots')}</table:table-row>"


def test_an_ods_cell_repeated_past_the_grid_bound_refuses_the_file_before_calamine_reads_it(tmp_path: Path) -> None:
    bomb = (
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" '
        'office:value="1" table:number-columns-repeated="16384"><text:p>1</text:p></table:table-cell>'
        "</table:table-row>"
    )
    path = tmp_path / "bomb.ods"
    path.write_bytes(_ods(HEADER_ROW + bomb))
    with pytest.raises(RecordError) as info:
        list(read_rows(path))
    assert info.value.problems[0].code == "record.workbook-too-large"
    assert info.value.problems[0].location.file == str(path)


def test_an_ods_error_cell_is_the_error_it_shows_never_an_empty_cell(tmp_path: Path) -> None:
    error = _cell("#DIV/0!", 'calcext:value-type="error" office:string-value=""')
    rows = f"<table:table-row>{_cell('E1')}{error}</table:table-row>"
    path = tmp_path / "e.ods"
    path.write_bytes(_ods(HEADER_ROW + rows))
    (row,) = read_rows(path)
    assert row.data == {"id": "E1", "total_slots": "#DIV/0!"}  # refused by the number field, not read as missing


def test_an_xls_error_cell_is_the_error_it_shows_as_in_xlsx_and_ods() -> None:
    # 同一机构.xls has none; a LibreOffice-saved sheet with =1/0 and =NA() in B2 and C2 does
    data = (OFFICE / "错误值.xls").read_bytes()
    assert xls_layout(data) == {"S": (set(), {2: {1: "#DIV/0!", 2: "#N/A"}}, 3 * 3)}
    for name in ("错误值.xls", "错误值.ods"):
        assert [r.data for r in read_rows(OFFICE / name)] == [
            {"id": "E1", "total_slots": "#DIV/0!", "monthly_fee": "#N/A"},
            {"id": "E2", "total_slots": 3, "monthly_fee": 6},
        ], name


def test_an_xlsx_error_cell_is_the_error_it_shows(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "total_slots"])
    book.active.append(["E1", 1])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<c r="B2" t="n"><v>1</v></c>', b'<c r="B2" t="e"><v>#N/A</v></c>')
    assert b't="e"' in parts[sheet]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    (row,) = read_rows(path)
    assert row.data == {"id": "E1", "total_slots": "#N/A"}


def test_an_xls_over_the_size_limit_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(book_module, "MAX_XLS_BYTES", 1000)
    path = tmp_path / "big.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    with pytest.raises(RecordError) as info:
        list(read_rows(path))
    assert info.value.problems[0].code == "record.workbook-too-large"


def test_a_damaged_xls_is_a_located_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 600)
    with pytest.raises(RecordError) as info:
        list(read_rows(path))
    assert info.value.problems[0].code == "record.unreadable" and info.value.problems[0].location.file == str(path)


def test_an_xlsx_sheet_too_wide_for_the_grid_is_streamed_and_its_rows_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "total_slots"])
    for i in range(3):
        book.active.append([f"W{i}", i])
    book.active.cell(row=20_000, column=900, value="far")  # a grid of 18,000,000 cells
    path = tmp_path / "w.xlsx"
    book.save(path)
    with open(path, "rb") as data:
        parts = book_module._xlsx_parts(data)
        layout = book_module._xlsx_scan(data, parts["Sheet"])
    assert layout.grid == 18_000_000 and not layout.stream and layout.plain  # parsed by sheetxml's regex

    def no_calamine(self: object, name: str) -> None:
        raise AssertionError("calamine read a sheet past MAX_CALAMINE_GRID")

    monkeypatch.setattr(book_module.Book, "_sheet", no_calamine)
    rows = list(read_rows(path))
    assert [r.data for r in rows[:3]] == [{"id": f"W{i}", "total_slots": i} for i in range(3)]
    assert len(rows) == 4 and rows[3].excel_row == 20_000  # the far cell's row is a row, as before


@pytest.mark.parametrize(
    "content", [None, b"<not xml", b'<t:table xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0"/>']
)
def test_a_damaged_ods_is_a_located_error_not_a_traceback(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "bad.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        if content is not None:
            archive.writestr("content.xml", content)
    with pytest.raises(RecordError) as info:
        list(read_rows(path))
    assert info.value.problems[0].code == "record.unreadable" and info.value.problems[0].location.file == str(path)


def test_a_workbook_on_standard_input_is_read_by_its_content() -> None:
    data = io.BytesIO((OFFICE / "同一机构.ods").read_bytes())
    rows = list(read_rows("-", stdin=data, fmt="ods"))
    assert [r.data["id"] for r in rows] == [f"NC-00{i}" for i in range(1, 9)]


_cells = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: abs(f) < 1e15),
    # openpyxl writes a text that is an error literal ("#DIV/0!") as an error cell, which calamine is never given
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8).filter(
        lambda t: t not in openpyxl.cell.cell.ERROR_CODES
    ),
    st.dates(datetime.date(1901, 1, 1), datetime.date(2099, 12, 31)),
    st.booleans(),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(_cells, min_size=1, max_size=5), min_size=1, max_size=6))
def test_calamine_gives_the_rows_the_streamed_openpyxl_parser_gives(
    tmp_path_factory: pytest.TempPathFactory, table: list[list[object]]
) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "name", "total_slots", "monthly_fee", "备注"])
    for row in table:
        book.active.append(row)
    path = tmp_path_factory.mktemp("p") / "t.xlsx"
    book.save(path)
    read = list(read_rows(path))
    original = book_module._xlsx_scan
    with open(path, "rb") as data:
        assert not original(data, "xl/worksheets/sheet1.xml").stream  # the first read was calamine's

    def streamed(data: io.BufferedReader, part: str | None) -> book_module._SheetLayout:
        layout = original(data, part)
        layout.stream = True
        return layout

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(book_module, "_xlsx_scan", streamed)
        assert list(read_rows(path)) == read


def test_the_hidden_columns_of_an_xls_are_read_from_its_column_records_and_damage_gives_none() -> None:
    data = (OFFICE / "台账_办公.xls").read_bytes()
    assert hidden_columns(data) == {"机构": {8, 9}, "班级": set(), "人员": set(), "填表说明": set()}
    assert hidden_columns((OFFICE / "同一机构.xls").read_bytes()) == {"机构": set()}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9727), st.integers(0, 255)), min_size=1, max_size=40))
def test_a_damaged_xls_container_gives_no_hidden_columns_never_an_error(edits: list[tuple[int, int]]) -> None:
    data = bytearray((OFFICE / "台账_办公.xls").read_bytes())
    for at, byte in edits:
        data[at % len(data)] = byte
    found = hidden_columns(bytes(data))
    assert all(isinstance(k, str) and all(0 <= c < 1000 for c in v) for k, v in found.items())


def test_an_xls_sheet_whose_cells_span_too_large_a_grid_refuses_the_file_before_calamine_builds_it(
    tmp_path: Path,
) -> None:
    data = bytearray((OFFICE / "同一机构.xls").read_bytes())
    sheet = xls_layout(bytes(data))["机构"]
    assert sheet.grid == 9 * 31  # 8 institutions and the header, 31 columns
    # a cell record moved to the last row and column an .xls has (65,536 x 256): a 16,777,216-cell grid
    at = data.find(bytes.fromhex("fd000a00") + (8).to_bytes(2, "little"))  # a LABELSST of row 9
    assert at > 0
    data[at + 4 : at + 8] = bytes.fromhex("ffffff00")
    assert xls_layout(bytes(data))["机构"].grid == 65_536 * 256
    path = tmp_path / "wide.xls"
    path.write_bytes(bytes(data))
    with pytest.raises(RecordError) as info:
        list(read_rows(path))
    assert info.value.problems[0].code == "record.workbook-too-large"


@pytest.mark.parametrize("engine", ["row", "columnar"])
def test_a_duration_cell_calamine_cannot_convert_is_an_error_row_and_the_other_rows_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    # calamine turns a cell of 10^20 days formatted [h]:mm:ss into a timedelta and raises OverflowError mid-sheet
    if engine == "columnar":
        pytest.importorskip("polars", reason="the columnar engine needs the [columnar] extra (polars)")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name", "total_slots", "备注"])
    sheet.append(["A0", "w", 12, "ok"])
    sheet.append(["A1", "x", 10, 1e20])
    sheet["D3"].number_format = "[h]:mm:ss"
    sheet.append(["A2", "y", 11, "z"])
    path = tmp_path / "huge.xlsx"
    book.save(path)
    argv = ["check", "--policy", "luzhou_longmatan", "--format", "csv", "--engine", engine, "--as-of", "2024-06-30"]
    code = main([*argv, str(path)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1 and "Traceback" not in "".join(out)
    assert [line.split(",")[0] for line in out[2:]] == ["A0", "", "A2"]
    assert out[3].split(",")[3] == "error" and "D3" in out[3]
