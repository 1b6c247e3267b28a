"""The columnar engine on workbooks (xlsx, xlsm, xls, ods): read by the row reader itself, each data row's cells as
the text that reads the same, so both engines give the same verdicts, CSV bytes and notices, row for row."""

from __future__ import annotations

import datetime
import random
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("polars", reason="the columnar engine needs polars: pip install 'tuoyu-rules[columnar]'")

import openpyxl
from test_column_map import POLICY
from test_columnar import CHINESE, DAYS, MESSY, POLICIES, assert_same, generate

from tuoyu_rules import cli
from tuoyu_rules.columnar.choose import big_enough, why_not, workbook_rows
from tuoyu_rules.columnar.frame import cell_text
from tuoyu_rules.errors import RecordError
from tuoyu_rules.records import normalize_record
from tuoyu_rules.records.readers.xlsx import cell_values

ROOT = Path(__file__).resolve().parent.parent
LEDGERS = ROOT / "tests" / "data" / "ledgers"
# values a workbook cell may hold, as calamine gives them: numbers (whole floats are ints), floats whose shortest
# decimal has many places or an exponent, booleans, dates and times, and the messy texts of the CSV tests
VALUES: list[Any] = [
    0,
    1,
    2,
    30,
    -3,
    10**11,
    139.1,
    2.5,
    0.25,
    12.34567,
    1e-7,
    1.5e16,
    -2.5,
    True,
    False,
    datetime.date(2023, 5, 12),
    datetime.datetime(2023, 5, 12, 8, 30),
    datetime.time(8, 30),
    *MESSY,
]


def cell(value: Any, rng: random.Random, booleans: float = 0.0) -> Any:
    """A ledger value as an office clerk types it into a cell: numbers as numbers (some as text), yes/no as 是/否
    (a share ``booleans`` of them as Excel booleans)."""
    if value == "" or value is None:
        return None
    if isinstance(value, bool):
        return value if rng.random() < booleans else "是" if value else "否"
    if isinstance(value, Decimal):
        return float(value) if rng.random() < 0.8 else str(value)
    if isinstance(value, int) and rng.random() < 0.2:
        return str(value)
    return value


def write_book(
    path: Path,
    rows: list[dict[str, Any]],
    keys: list[str],
    header: list[str],
    seed: int,
    office: bool = False,
    sheets: tuple[str, ...] = ("机构",),
    booleans: float = 0.0,
) -> None:
    """An .xlsx of ``rows`` on each of ``sheets``; ``office``: title and 填报单位 rows, a hidden helper column, a
    merged district cell, a column without a header holding a value, a blank row, a 合计 row and a note below."""
    rng = random.Random(seed)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in sheets:
        sheet = book.create_sheet(name)
        if office:
            sheet.append(["2025年托育机构情况统计表"])
            sheet.append(["填报单位：某区卫生健康局", None, None, "填报日期：2025-06-01"])
        sheet.append([*header, "辅助列"] if office else header)
        top = sheet.max_row
        for r in rows:
            own = {**r, "id": f"{name}-{r['id']}"} if len(sheets) > 1 else r  # ids of their own on each sheet
            sheet.append(
                [cell(own.get(k, ""), rng, booleans) for k in keys] + ([f"x{rng.randint(0, 9)}"] if office else [])
            )
        if office:
            sheet.column_dimensions[openpyxl.utils.get_column_letter(len(header) + 1)].hidden = True
            if len(rows) >= 2 and "district" in keys:  # the district of the first two rows, merged
                col = keys.index("district") + 1
                sheet.cell(top + 2, col).value = None
                sheet.merge_cells(start_row=top + 1, start_column=col, end_row=top + 2, end_column=col)
            sheet.cell(top + 1, len(header) + 3).value = "多出的值"
            sheet.append([])
            sheet.append(["合计", None, None, None, None, None, None, 123])
            sheet.append(["注：1. 托位数含临时托位"])
    book.save(path)


def edited(rows: list[dict[str, Any]], edits: list[tuple[int, str, Any]]) -> list[dict[str, Any]]:
    for i, key, value in edits:
        if i < len(rows):
            rows[i][key] = value
    return rows


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 30),
    seed=st.integers(0, 10**6),
    day=st.sampled_from(DAYS),
    office=st.booleans(),
    booleans=st.sampled_from([0.0, 0.3]),
)
def test_generated_workbooks_match_the_row_engine(
    tmp_path: Path, n: int, seed: int, day: datetime.date, office: bool, booleans: float
) -> None:
    path = tmp_path / "ledger.xlsx"
    write_book(
        path,
        [generate.flat(r) for r in generate.records(n, seed)],
        generate.CSV_COLUMNS,
        generate.CSV_COLUMNS,
        seed,
        office,
        booleans=booleans,
    )
    counts = assert_same(path, day)
    if day == DAYS[0] and booleans == 0:  # numbers, texts and 是/否 cells go column-wise (an Excel boolean: row-wise)
        assert all(counts[p] == {"columnar": n, "row": 0} for p in POLICIES), counts


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 20),
    seed=st.integers(0, 10**6),
    edits=st.lists(
        st.tuples(st.integers(0, 19), st.sampled_from(generate.CSV_COLUMNS), st.sampled_from(VALUES)), max_size=10
    ),
    duplicates=st.lists(st.tuples(st.integers(0, 19), st.integers(0, 19)), max_size=2),
)
def test_messy_cells_of_every_type_match_the_row_engine(
    tmp_path: Path, n: int, seed: int, edits: list[tuple[int, str, Any]], duplicates: list[tuple[int, int]]
) -> None:
    rows = edited([generate.flat(r) for r in generate.records(n, seed)], edits)
    for a, b in duplicates:  # a repeated id, column-wise or row-wise
        if a < n and b < n:
            rows[b]["id"] = rows[a]["id"]
    path = tmp_path / "ledger.xlsx"
    write_book(path, rows, generate.CSV_COLUMNS, generate.CSV_COLUMNS, seed, booleans=0.5)
    assert_same(path, DAYS[0], ["national", "luzhou_longmatan", "nanchang"])


def test_chinese_office_layout_goes_column_wise(tmp_path: Path) -> None:
    keys = list(CHINESE)
    rows = [generate.flat(r) for r in generate.records(12, 4)]
    path = tmp_path / "台账.xlsx"
    write_book(path, rows, keys, [CHINESE[k] for k in keys], 4, office=True)
    counts = assert_same(path, DAYS[0])
    assert counts["national"] == {"columnar": 12, "row": 0}


def test_sheets_of_one_header_go_column_wise_and_others_row_wise(tmp_path: Path) -> None:
    rows = [generate.flat(r) for r in generate.records(6, 8)]
    path = tmp_path / "two.xlsx"
    write_book(path, rows, generate.CSV_COLUMNS, generate.CSV_COLUMNS, 8, sheets=("东区", "西区"))
    assert assert_same(path, DAYS[0])["national"] == {"columnar": 12, "row": 0}
    book = openpyxl.load_workbook(path)
    book["西区"].delete_cols(3)  # another header: that sheet's rows go row-wise
    regions = book.create_sheet("区域")  # a sheet named for regions: its rows are regions, read row-wise
    regions.append(["编号", "层级", "年份", "常住人口", "托位数"])
    regions.append(["R1", "county", 2025, 300000, 900])
    notes = book.create_sheet("填表说明")
    notes.append(["本表由机构自报"])
    book.save(path)
    assert assert_same(path, DAYS[0])["national"] == {"columnar": 6, "row": 7}


def test_rows_that_take_class_or_staff_rows_go_row_wise_the_others_column_wise(tmp_path: Path) -> None:
    counts = assert_same(LEDGERS / "台账_分析员.xlsx", datetime.date(2025, 6, 30))
    assert counts["luzhou_longmatan"] == {"columnar": 0, "row": 8}  # every institution there has classes or staff
    rows = [generate.flat(r) for r in generate.records(10, 3)]
    path = tmp_path / "joined.xlsx"
    write_book(path, rows, generate.CSV_COLUMNS, generate.CSV_COLUMNS, 3)
    book = openpyxl.load_workbook(path)
    classes = book.create_sheet("班级")
    classes.append(["机构编号", "班级类型", "在托人数", "保育人员数"])
    classes.append([f" {rows[1]['id']}", "托小班", 12, 2])  # joined after trimming, beside its flat class columns
    classes.append(["NO-SUCH-ID", "托大班", 20, 3])  # an orphan: an error row of its own
    staff = book.create_sheet("人员")
    staff.append(["机构编号", "岗位", "学历", "是否受过培训"])
    staff.append([rows[4]["id"], "负责人", "本科", "是"])
    book.save(path)
    for day in DAYS:
        counts = assert_same(path, day)
        if day == DAYS[0]:
            assert counts["national"] == {"columnar": 8, "row": 3}, counts


@pytest.mark.parametrize(
    "name",
    [
        *(f"office/{stem}.{ext}" for stem in ("台账_办公", "同一机构", "错误值") for ext in ("xlsx", "xls", "ods")),
        "台账_两行表头.xlsx",
        "台账_标题行.xlsx",
    ],
)
def test_the_office_corpus_matches_the_row_engine(name: str) -> None:
    """Workbooks saved by LibreOffice (xls, xlsx, ods) and by openpyxl: title rows, two-row headers, merged cells,
    hidden columns, error cells, dates and float cells."""
    assert_same(LEDGERS / name, DAYS[0])


def run_both(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]) -> dict[str, tuple[Any, ...]]:
    """``check --format csv`` with each engine: (exit code, output bytes, stderr without the engine's line)."""
    out = {}
    for engine in ("row", "columnar"):
        target = tmp_path / f"{engine}.csv"
        code = cli.main(["check", "--format", "csv", "-o", str(target), "--engine", engine, *args])
        err = capsys.readouterr().err.splitlines()
        said = [line.startswith(("列式引擎", "columnar engine:")) for line in err]
        out[engine] = (code, target.read_bytes(), [line for line, own in zip(err, said, strict=True) if not own])
        out[engine + " line"] = tuple(line for line, own in zip(err, said, strict=True) if own)
    assert out["row"] == out["columnar"]
    return out


def test_the_analyst_workbook_through_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(LEDGERS / "台账_分析员.xlsx", tmp_path)
    ledger = str(tmp_path / "台账_分析员.xlsx")
    for extra in ([], ["--lang", "en"], ["--sheet", "机构"], ["--header-row", "3", "--sheet", "机构"]):
        out = run_both(capsys, tmp_path, ["--policy", "luzhou_longmatan", "--as-of", "2025-06-30", *extra, ledger])
        assert out["row"][0] == 1 and out["row"][1].count(b"\n") >= 7
        said = ("0 行按列计算，8 行逐行计算", "0 rows column-wise, 8 row-wise")  # classes and staff joined: row-wise
        assert any(text in out["columnar line"][0] for text in said)


def test_column_maps_apply_as_the_row_engine_applies_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = list(CHINESE)
    header = [CHINESE[k] for k in keys]
    header[keys.index("total_slots")] = "核定托位"
    header[keys.index("inclusive")] = "是否纳入普惠（是/否）"
    rows = [generate.flat(r) for r in generate.records(10, 6)]
    path = tmp_path / "台账.xlsx"
    write_book(path, rows, keys, header, 6, office=True)
    (tmp_path / "map.yaml").write_text("核定托位: total_slots\n是否纳入普惠: inclusive\n未出现的表头: filed\n")
    out = run_both(capsys, tmp_path, ["--policy", "national", "--columns", str(tmp_path / "map.yaml"), str(path)])
    assert "未出现的表头" in "".join(out["row"][2]) and "10 行" in out["columnar line"][0]
    monkeypatch.chdir(tmp_path)  # the project file, and the policy's columns: under it
    (tmp_path / "tuoyu-rules.yaml").write_text("columns:\n  核定托位: total_slots\n")
    policy = tmp_path / "luzhou_longmatan.yaml"
    text = POLICY.read_text(encoding="utf-8")
    policy.write_text(text + "\ncolumns:\n  是否纳入普惠: inclusive\n", encoding="utf-8")
    mapped = run_both(capsys, tmp_path, ["--policy", str(policy), str(path)])
    assert "10 行" in mapped["columnar line"][0]
    assert mapped["row"][1] != run_both(capsys, tmp_path, ["--policy", "luzhou_longmatan", str(path)])["row"][1]


def test_kinds_forced_or_read_from_headers_are_the_row_reader_s(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编号", "常住人口"])  # a region or a residential area: ambiguous, every row an error row
    sheet.append(["R1", 300000])
    regions = book.create_sheet("Sheet2")
    regions.append(["编号", "层级", "年份", "常住人口", "托位数"])  # region fields: read as regions
    regions.append(["R2", "county", 2025, 300000, 900])
    path = tmp_path / "regions.xlsx"
    book.save(path)
    assert_same(path, DAYS[0])
    run_both(capsys, tmp_path, ["--policy", "national", str(path)])
    run_both(capsys, tmp_path, ["--policy", "national", "--kind", "region", str(path)])


def test_auto_counts_a_workbook_s_rows_from_its_dimension(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    write_book(path, [generate.flat(r) for r in generate.records(50, 1)], generate.CSV_COLUMNS, generate.CSV_COLUMNS, 1)
    assert workbook_rows(str(path)) == 51
    assert big_enough([str(path)], 51) and not big_enough([str(path)], 52)
    assert why_not([str(path)], "csv", False) is None
    assert "workbooks" in str(why_not([str(tmp_path / "x.json")], "csv", False))
    ods = LEDGERS / "office" / "台账_办公.ods"
    assert workbook_rows(str(ods)) > 0 and workbook_rows(str(tmp_path / "missing.xlsx")) == 0


FIELDS = {  # one field of each kind of reading: count, measure, yes/no, enum, text, nested count, an extra field
    "total_slots": "int",
    "indoor_area_m2": "num",
    "inclusive": "bool",
    "form": "enum",
    "name": "text",
    "surveillance": "nested",
    "联系人电话": "extra",
}


def outcome(field: str, value: Any, text: bool) -> Any:
    data = {"id": "A1", **({"surveillance": {"retention_days": value}} if field == "surveillance" else {field: value})}
    try:
        return normalize_record(data, text=text)
    except RecordError as exc:
        return sorted((p.code, p.location.field) for p in exc.problems)


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.sampled_from(VALUES),
        st.integers(-(10**12), 10**12),
        st.floats(),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.text(max_size=6),
    ),
    field=st.sampled_from(list(FIELDS)),
)
def test_a_cell_s_text_reads_as_its_value_in_every_field(value: Any, field: str) -> None:
    """Where :func:`cell_text` gives a text, the record converters read that text exactly as the cell's value as the
    row reader hands it over (a float its shortest exact decimal): the same record, or the same problems; a value it
    gives no text for sends its row row-wise."""
    known = FIELDS[field] != "extra"
    text = cell_text(value, known)
    if text is None:
        assert known
        return
    if known:
        assert outcome(field, cell_values([value])[0], False) == outcome(field, text, True)


def test_auto_takes_columnar_for_a_big_workbook_and_an_xlsm_is_a_workbook(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.xlsm"  # an xlsm is read as the xlsx it is
    write_book(path, [generate.flat(r) for r in generate.records(30, 2)], generate.CSV_COLUMNS, generate.CSV_COLUMNS, 2)
    assert_same(path, DAYS[0], ["national"])
    args = ["check", "--policy", "national", "--format", "csv", "-o", str(tmp_path / "o.csv"), "--engine", "auto"]
    cli.main([*args, str(path)])
    assert "列式引擎" not in capsys.readouterr().err  # 31 rows: under the threshold
    monkeypatch.setattr("tuoyu_rules.columnar.choose.big_enough.__defaults__", (31,))
    cli.main([*args, str(path)])
    assert "列式引擎：30 行按列计算" in capsys.readouterr().err
