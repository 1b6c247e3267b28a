"""Kinds by their columns: a CSV or sheet without a 记录类型 column is read as the kind its headers fit (regions,
residential areas), ambiguous headers ask for ``--kind`` through error rows that lose nothing, ``--kind`` forces;
and in XLSX the class and staff rows join by trimmed id, an orphan being an error row of its own."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules import read_rows
from tuoyu_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "luzhou_longmatan"
AS_OF = "2024-06-30"
REGION_HEADERS = {  # Chinese header -> field of examples/luzhou_longmatan/regions.jsonl
    "区域编号": "id",
    "区域名称": "name",
    "层级": "level",
    "年份": "year",
    "常住人口": "population",
    "托位数": "total_slots",
    "普惠托位数": "inclusive_slots",
    "新增托位数": "new_slots",
    "四星级以上机构数": "four_star_institutions",
    "乡镇数": "townships",
    "幼儿园数": "kindergartens",
    "开设托班的幼儿园数": "kindergartens_with_childcare",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _regions(path: Path, kind_column: bool) -> Path:
    records = [json.loads(line) for line in (EXAMPLES / "regions.jsonl").read_text(encoding="utf-8").splitlines()]
    header = [*REGION_HEADERS, *(["记录类型"] if kind_column else [])]
    rows = [[r.get(f, "") for f in REGION_HEADERS.values()] + (["区域"] if kind_column else []) for r in records]
    return _csv(path, [header, *rows])


def _reports(policy: Any, rows: Any) -> list[dict[str, Any]]:
    return [r.to_dict() for r in policy.evaluate_many(rows, as_of=AS_OF)]


def test_a_region_csv_without_a_kind_column_is_read_as_regions(tmp_path: Path) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    notices: list[str] = []
    plain = _reports(policy, read_rows(_regions(tmp_path / "r.csv", False), on_notice=lambda n: notices.append(n.zh)))
    assert plain == _reports(policy, read_rows(_regions(tmp_path / "k.csv", True)))
    assert [(r["id"], r["kind"]) for r in plain] == [
        ("LMT-2023", "region"),
        ("LMT-2024", "region"),
        ("LMT-2025", "region"),
    ]
    assert all(any(f["rule"].startswith("target.") for f in r["findings"]) for r in plain)  # judged as regions
    (notice,) = notices
    assert (
        notice
        == f"{tmp_path / 'r.csv'}：没有记录类型列，按表头（区域编号、区域名称）读作区域记录；不对时用 --kind 指定"
    )
    notices.clear()  # without the id and name headers that say "region", the fields only regions have say it
    path = _regions(tmp_path / "r2.csv", False)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    _csv(path, [["编号", "名称", *rows[0][2:]], *rows[1:]])
    assert _reports(policy, read_rows(path, on_notice=lambda n: notices.append(n.zh))) == plain
    assert notices == [
        f"{path}：没有记录类型列，按表头（层级、年份、常住人口、托位数、普惠托位数、新增托位数、四星级以上机构数、乡镇数、"
        "幼儿园数、开设托班的幼儿园数）读作区域记录；不对时用 --kind 指定"
    ]


def test_a_residential_area_csv_without_a_kind_column_is_read_as_residential_areas(tmp_path: Path) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    with (EXAMPLES / "residential_areas.csv").open(encoding="gb18030", newline="") as f:
        rows = list(csv.reader(f))
    column = rows[0].index("记录类型")
    path = _csv(tmp_path / "ra.csv", [[c for i, c in enumerate(row) if i != column] for row in rows])
    reports = _reports(policy, read_rows(path))
    assert reports == _reports(policy, read_rows(EXAMPLES / "residential_areas.csv"))
    assert len(reports) == 10 and {r["kind"] for r in reports} == {"residential_area"}


def test_headers_that_fit_several_kinds_make_error_rows_that_ask_for_kind(capsys, tmp_path: Path) -> None:
    path = _csv(tmp_path / "p.csv", [["编号", "常住人口"], ["X1", "12000"], ["X2", "8000"]])
    code, out, err = run(
        capsys, "check", "--policy", "luzhou_longmatan", "--as-of", AS_OF, "--format", "jsonl", str(path)
    )
    reports = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [r["status"] for r in reports] == ["error", "error"]
    assert [(r["row"], r["id"], e["code"], e["field"]) for r in reports for e in r["errors"]] == [
        (1, "X1", "record.kind-ambiguous", "kind"),
        (2, "X2", "record.kind-ambiguous", "kind"),
    ]
    assert (
        f"{path}：没有记录类型列，表头（常住人口）可读作区域、居住区：各行作为错误行输出，"
        "请用 --kind region 或 --kind residential_area 指定"
    ) in err.splitlines()
    code, out, _ = run(
        capsys,
        "check",
        "--policy",
        "luzhou_longmatan",
        "--as-of",
        AS_OF,
        "--format",
        "jsonl",
        "--kind",
        "region",
        str(path),
    )
    assert [(json.loads(line)["id"], json.loads(line)["kind"]) for line in out.splitlines()] == [
        ("X1", "region"),
        ("X2", "region"),
    ]


def test_kind_forces_over_the_headers_but_a_row_keeps_its_own(tmp_path: Path) -> None:
    path = _csv(tmp_path / "r.csv", [["编号", "年份", "常住人口"], ["R1", "2024", "1000"]])
    assert [r.data["kind"] for r in read_rows(path)] == ["region"]
    assert [r.data["kind"] for r in read_rows(path, kind="residential_area")] == ["residential_area"]
    assert [r.data["kind"] for r in read_rows(path, kind="居住区")] == ["residential_area"]
    mixed = _csv(tmp_path / "m.csv", [["编号", "记录类型", "常住人口"], ["R1", "区域", "1000"], ["R2", "", "900"]])
    assert [r.data.get("kind") for r in read_rows(mixed, kind="residential_area")] == ["区域", "residential_area"]
    with pytest.raises(tuoyu_rules.RecordError) as caught:
        read_rows(path, kind="school")
    assert caught.value.problems[0].code == "record.unknown-kind"


def test_an_institution_id_header_keeps_a_small_sheet_institutions_whatever_else_it_has(tmp_path: Path) -> None:
    path = _csv(tmp_path / "i.csv", [["机构编号", "托位数", "新增托位数"], ["A1", "40", "10"]])
    notices: list[str] = []
    (row,) = read_rows(path, on_notice=lambda n: notices.append(n.zh))
    assert row.data["kind"] == "institution"
    assert notices == [
        f"{path}：没有记录类型列，按表头（机构编号）读作机构记录；表头 新增托位数 不是机构的字段，原样保留为额外字段；"
        "不对时用 --kind 指定"
    ]
    bare = _csv(tmp_path / "b.csv", [["编号", "托位数", "新增托位数"], ["A1", "40", "10"]])
    assert [r.data["kind"] for r in read_rows(bare)] == ["region"]  # without it, only a region has both fields


def test_an_institution_sheet_with_a_stray_region_header_stays_institutions_and_says_so(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "i.csv",
        [["编号", "托位数", "室内使用面积", "月收费", "年份"], ["A1", "40", "250", "1800", "2024"]],
    )
    notices: list[str] = []
    (row,) = read_rows(path, on_notice=lambda n: notices.append(n.en))
    assert row.data["kind"] == "institution"
    assert notices == [
        f"{path}: no kind column; read as institution records by the headers (室内使用面积, 月收费); the headers 年份 "
        "are no institution fields (kept as extra fields); if that is wrong, say the kind with --kind"
    ]


def test_a_plain_institution_csv_is_read_as_before_without_a_notice(tmp_path: Path) -> None:
    notices: list[Any] = []
    rows = list(read_rows(EXAMPLES / "institutions.csv", on_notice=notices.append))
    assert len(rows) == 30 and all("kind" not in r.data for r in rows) and notices == []


def test_the_columnar_engine_leaves_a_region_csv_to_the_row_engine(capsys, tmp_path: Path) -> None:
    path = str(_regions(tmp_path / "r.csv", False))
    code, _, err = run(capsys, "check", "--policy", "luzhou_longmatan", "--engine", "columnar", "--format", "csv", path)
    assert code == 2 and "需要逐行引擎" in err
    if importlib.util.find_spec("polars") is None:
        return
    code, out, _ = run(
        capsys, "check", "--policy", "luzhou_longmatan", "--as-of", AS_OF, "--engine", "auto", "--format", "csv", path
    )
    code_row, out_row, _ = run(
        capsys, "check", "--policy", "luzhou_longmatan", "--as-of", AS_OF, "--format", "csv", path
    )
    assert (code, out) == (code_row, out_row)


# ---- XLSX: classes and staff joined by trimmed id, orphans as error rows ------------------------------------------
def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    main_sheet = book.active
    main_sheet.title = "机构"
    for row in (["机构编号", "机构名称", "托位数"], ["A1 ", "阳光", 40], ["A2", "星星", 30]):
        main_sheet.append(row)
    classes = book.create_sheet("班级")
    for row in (
        ["机构编号", "班级类型", "在托人数", "保育人员数"],
        ["A1", "乳儿班", 8, 3],  # joins onto "A1 " (both trimmed)
        [" A1", "托小班", 12, 2],
        ["ZZ", "托大班", 15, 2],  # matches no institution
        [None, "托大班", 10, 1],  # no id at all
        ["合计", None, 45, 8],  # a totals row: layout, not an orphan
    ):
        classes.append(row)
    staff = book.create_sheet("人员")
    for row in (["机构编号", "岗位"], ["A2", "负责人"], ["B9", "保育人员"]):
        staff.append(row)
    book.save(path)
    return path


def test_class_rows_join_by_trimmed_id_and_orphans_are_error_rows_after_the_main_rows(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    notices: list[str] = []
    rows = list(read_rows(path, on_notice=lambda n: notices.append(n.zh)))
    assert [(r.row, r.source, r.excel_row) for r in rows] == [
        (1, str(path), 2),
        (2, str(path), 3),
        (3, f"{path}#班级", 4),
        (4, f"{path}#班级", 5),
        (5, f"{path}#人员", 3),
    ]
    assert [c["type"] for c in rows[0].data["classes"]] == ["乳儿班", "托小班"]
    assert rows[1].data["staff"] == [{"role": "负责人"}]
    orphans = [(p.code, p.location.row, p.location.file, p.value, p.message) for r in rows[2:] for p in r.problems]
    assert orphans == [
        (
            "record.orphan-item",
            3,
            f"{path}#班级",
            "ZZ",
            "工作表 班级 第 4 行的机构编号 'ZZ' 不对应任何机构，未并入任何机构",
        ),
        ("record.orphan-item", 4, f"{path}#班级", None, "工作表 班级 第 5 行没有机构编号，未并入任何机构"),
        (
            "record.orphan-item",
            5,
            f"{path}#人员",
            "B9",
            "工作表 人员 第 3 行的机构编号 'B9' 不对应任何机构，未并入任何机构",
        ),
    ]
    assert f"{path}#班级：第 1 行作为表头（机构编号、班级类型、在托人数、保育人员数）；跳过 第 6 行（合计）" in notices


def test_check_counts_orphans_as_errors_and_exits_1(capsys, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    code, out, err = run(
        capsys, "check", "--policy", "luzhou_longmatan", "--as-of", AS_OF, "--format", "jsonl", str(path)
    )
    reports = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [r["status"] for r in reports][2:] == ["error", "error", "error"]
    assert "共 5 行" in err and "错误 3" in err


def test_only_region_sheets_read_leave_the_class_rows_unjoined_with_a_notice(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "区域"
    book.active.append(["区域编号", "年份", "常住人口"])
    book.active.append(["R1", 2024, 1000])
    classes = book.create_sheet("班级")
    classes.append(["机构编号", "班级类型", "在托人数"])
    classes.append(["A1", "乳儿班", 8])
    path = tmp_path / "r.xlsx"
    book.save(path)
    notices: list[str] = []
    rows = list(read_rows(path, on_notice=lambda n: notices.append(n.zh)))
    assert [(r.data["id"], r.data["kind"]) for r in rows] == [("R1", "region")]
    assert f"{path}：读取的工作表中没有机构记录，班级 的 1 行未并入（也未检查）" in notices


def test_columns_says_per_sheet_what_kind_and_why(capsys, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "区域"
    book.active.append(["编号", "常住人口"])  # ambiguous by its headers, decided by the sheet's name
    book.active.append(["R1", 1000])
    sheet = book.create_sheet("小区")
    sheet.append(["小区编号", "状态", "规划托位数"])
    sheet.append(["Q1", "新建", 40])
    book.create_sheet("班级").append(["机构编号", "班级类型"])
    path = tmp_path / "k.xlsx"
    book.save(path)
    code, out, _ = run(capsys, "columns", "--format", "json", str(path))
    tables = [(t["source"], t["kind"], t["kind_how"], t["joins"]) for t in json.loads(out)]
    assert code == 0 and tables == [
        (f"{path}#班级", None, "joined", "classes"),
        (f"{path}#区域", "region", "sheet", None),
        (f"{path}#小区", "residential_area", "headers", None),
    ]
    code, out, _ = run(capsys, "columns", "--format", "json", "--kind", "institution", "--sheet", "区域", str(path))
    assert [(t["kind"], t["kind_how"]) for t in json.loads(out) if not t["joins"]] == [("institution", "forced")]


# ---- the property: a kind is read from the headers only when they say it ------------------------------------------
def _kind_keys() -> list[str]:
    from tuoyu_rules.records.readers.kinds import _KEYS

    return sorted({key for keys in _KEYS.values() for key in keys} | {"kind", "district", "infant_enrolled"})


@settings(max_examples=300, deadline=None)
@given(st.sets(st.sampled_from(_kind_keys()), max_size=8))
def test_the_kind_of_a_table_follows_from_its_headers(keys: set[str]) -> None:
    from tuoyu_rules.records.readers.kinds import NEUTRAL, _fits, table_kind

    decided = table_kind(keys)
    telling = {k for k in keys if k not in NEUTRAL}
    fits = [kind for kind in ("institution", "region", "residential_area") if all(_fits(kind, k) for k in telling)]
    if "kind" in keys:
        assert (decided.kind, decided.how) == (None, "column")  # the rows say their own kind
    elif "institution" in fits:
        assert (decided.kind, decided.how) == ("institution", "default")  # as ledgers always were read
    elif len(fits) == 1:
        assert (decided.kind, decided.how, decided.strays) == (fits[0], "headers", ())
    elif decided.kind is None:
        assert decided.how == "ambiguous" and len(decided.candidates) >= 2
    else:  # headers of several kinds: the kind with the most fields of its own, the rest named as strays
        assert decided.how == "headers" and decided.strays
        assert set(decided.strays) == {k for k in telling if not _fits(decided.kind, k)}
    assert table_kind(keys, forced="region").kind == "region"
