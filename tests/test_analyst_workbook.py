"""The acceptance test of issue 16 ("Done when"): the analyst's workbook described at the top of the issue checks
correctly with no hand edits, and its notices name every ignored header and every skipped row.

The workbook (tests/data/ledgers/台账_分析员.xlsx, written by make_messy.analyst_workbook and committed) holds six
institutions of examples/luzhou_longmatan/institutions.jsonl as a district clerk keeps them: a merged title row and a
填报单位 row above the header; 是否普惠性, 托位数（个）, 月收费标准（元/月）, 所属乡镇（街道）, a wrapped header
(室内使用⏎面积（㎡）); two unknown headers (星级评定, 联系人电话); a vertically merged 街镇 cell; a blank row; one bad row
(托位数 约40, 机构类型 托儿所); a 合计 row and a note; 班级 and 人员 sheets with Chinese headers and values, an id with a
trailing space and an orphan 班级 row; a 填表说明 sheet. Next to it: the 机构 sheet as CSV (UTF-8 and GB18030) and a
region CSV without a 记录类型 column.

The verdicts are asserted twice: as literals, and against the clean example records they were made from (the same
facts must give the same findings, whatever the layout).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tuoyu_rules.cli import main
from tuoyu_rules.records import LedgerNotice, read_rows

LEDGERS = Path(__file__).parent / "data" / "ledgers"
ROOT = Path(__file__).resolve().parent.parent
XLSX = LEDGERS / "台账_分析员.xlsx"
CSVS = [LEDGERS / "台账_分析员.csv", LEDGERS / "台账_分析员_gb18030.csv"]
REGIONS = LEDGERS / "区域_无记录类型.csv"
EXAMPLE = ROOT / "examples" / "luzhou_longmatan"
POLICY = ["--policy", "luzhou_longmatan", "--as-of", "2025-06-30"]

# (id, status, violated rules) per institution, in the order of the 机构 sheet; then the two error rows
VERDICTS = [
    ("LMT-001", "fail", ["area.building_per_slot", "staff.manager.qualification"]),
    ("LMT-002", "fail", ["staff.caregiver.qualification", "surveillance.retention_days"]),
    ("LMT-003", "fail", ["filing.required", "premises.lease_years", "surveillance.retention_days"]),
    ("LMT-008", "pass", []),
    ("LMT-012", "pass", []),
    ("LMT-024", "pass", []),
    ("LMT-031", "error", []),  # 托位数 约40, 机构类型 托儿所: an error row, never dropped
    (None, "error", []),  # the orphan 班级 row LMT-099
]


def _check(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["check", *POLICY, "--format", "jsonl", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


def _verdicts(reports: list[dict[str, Any]]) -> list[tuple[str | None, str, list[str]]]:
    return [(r.get("id"), r["status"], sorted(v["rule"] for v in r.get("violations", []))) for r in reports]


def _findings(report: dict[str, Any]) -> dict[str, Any]:
    """What a report decides: each finding's outcome and values, each subsidy's eligibility and amount."""
    return {
        "status": report["status"],
        "findings": sorted(
            (f["rule"], f["outcome"], json.dumps(f.get("observed")), json.dumps(f.get("required")), f["message"])
            for f in report["findings"]
        ),
        "subsidies": [(s["id"], s["eligible"], s["amount"]) for s in report.get("subsidies", [])],
    }


def _notices(path: Path) -> list[str]:
    notices: list[LedgerNotice] = []
    list(read_rows(path, on_notice=notices.append))
    return [n.zh for n in notices] + [n.en for n in notices]


def test_the_committed_files_are_what_make_messy_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(LEDGERS))
    try:
        import make_messy
    finally:
        sys.path.remove(str(LEDGERS))
    monkeypatch.setattr(make_messy, "HERE", tmp_path)
    make_messy.analyst_workbook()
    for name in ["台账_分析员.csv", "台账_分析员_gb18030.csv", "区域_无记录类型.csv"]:
        assert (tmp_path / name).read_bytes() == (LEDGERS / name).read_bytes(), name
    fresh, committed = openpyxl.load_workbook(tmp_path / XLSX.name), openpyxl.load_workbook(XLSX)
    assert fresh.sheetnames == committed.sheetnames == ["机构", "班级", "人员", "填表说明"]
    for name in committed.sheetnames:
        assert list(fresh[name].values) == list(committed[name].values), name
        assert sorted(map(str, fresh[name].merged_cells.ranges)) == sorted(
            map(str, committed[name].merged_cells.ranges)
        )


def test_the_workbook_gives_the_exact_verdict_of_each_institution(capsys: pytest.CaptureFixture[str]) -> None:
    code, reports, _ = _check([str(XLSX)], capsys)
    assert _verdicts(reports) == VERDICTS
    assert code == 1  # violations and error rows: exit code as for any ledger
    assert not any(r.get("id") == "合计" or r.get("record", {}).get("id") == "合计" for r in reports)


def test_the_workbook_gives_the_findings_of_the_clean_records_it_was_made_from(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = [v[0] for v in VERDICTS[:6]]
    clean = tmp_path / "clean.jsonl"
    lines = (EXAMPLE / "institutions.jsonl").read_text(encoding="utf-8").splitlines()
    clean.write_text("\n".join(line for line in lines if json.loads(line)["id"] in ids) + "\n", encoding="utf-8")
    _, expected, _ = _check([str(clean)], capsys)
    _, reports, _ = _check([str(XLSX)], capsys)
    assert [r["id"] for r in expected] == ids
    for want, got in zip(expected, reports[:6], strict=True):
        assert _findings(got) == _findings(want), want["id"]


def test_classes_staff_districts_and_the_trailing_space_are_read_as_the_clerk_meant() -> None:
    rows = {r.data["id"]: r for r in read_rows(XLSX, on_notice=lambda n: None) if r.data and "id" in r.data}
    assert rows["LMT-003"].data["district"] == rows["LMT-002"].data["district"] == "高坝街道"  # merged C5:C6
    assert (rows["LMT-003"].excel_row, rows["LMT-008"].excel_row) == (6, 8)  # the blank row 7 between them
    # 'LMT-008 ' in the 班级 sheet: its two classes joined after trimming
    assert [(c["type"], c["enrolled"]) for c in rows["LMT-008"].data["classes"]] == [("乳儿班", 9), ("托大班", 14)]
    assert len(rows["LMT-024"].data["staff"]) == 14 and rows["LMT-001"].data["staff"][0]["role"] == "负责人"


def test_the_orphan_class_row_is_an_error_row_naming_its_sheet_excel_row_and_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, reports, _ = _check([str(XLSX)], capsys)
    orphan = reports[-1]
    assert orphan["source"] == f"{XLSX}#班级"
    assert [(e["code"], e["value"], e["message"]) for e in orphan["errors"]] == [
        ("record.orphan-item", "LMT-099", "工作表 班级 第 14 行的机构编号 'LMT-099' 不对应任何机构，未并入任何机构")
    ]


NOTICES_ZH = [
    f"{XLSX}#机构：未识别的表头（原样保留为额外字段，规则不读取）：星级评定 → 星级 (star_rating)？、联系人电话",
    f"{XLSX}#机构：第 3 行作为表头（机构编号、机构名称、所属乡镇（街道）、机构类型、性质、是否综合服务中心 等 26 列）"
    "；跳过 第 1 行（标题）、第 2 行（填报单位）、第 12 行（合计）、第 13 行（注释）",
    f"{XLSX}#填表说明：跳过此工作表（是说明表，3 行未作为记录读取）",
]


def test_the_notices_name_every_ignored_header_and_every_skipped_row(capsys: pytest.CaptureFixture[str]) -> None:
    notices = _notices(XLSX)
    assert notices[:3] == NOTICES_ZH
    assert "星级评定 → 星级 (star_rating)?" in notices[3] and "联系人电话" in notices[3]
    assert "skipped row 1 (title), row 2 (reporting unit), row 12 (total), row 13 (note)" in notices[4]
    _, _, err = _check([str(XLSX)], capsys)
    assert err.splitlines()[:-1] == NOTICES_ZH  # check says each once, on stderr (then its summary line)


def test_budget_on_the_workbook_gives_the_right_totals(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["budget", *POLICY, "--format", "json", str(XLSX)])
    budget = json.loads(capsys.readouterr().out)["budget"]
    assert code == 0
    assert (budget["records"], budget["errors"]) == (6, 2)
    # operating: (9×500 + 14×300) + 5×500 + (10×500 + 27×300) = 8,700 + 2,500 + 13,100 a month, ×12 = 291,600;
    # construction: LMT-008's 40 new slots × 5,000 = 200,000 (a provincial slot subsidy, inclusive)
    assert budget["by_subsidy"] == {
        "subsidy.construction": "200000.00",
        "subsidy.operating": "291600.00",
        "subsidy.staff_certification": "0.00",  # no amount in the document: 4 undetermined, never counted
    }
    assert (budget["total"], budget["budget"], budget["remaining"]) == ("491600.00", "3000000.00", "2508400.00")
    assert budget["subsidies"]["subsidy.staff_certification"]["undetermined"] == 4
    assert budget["by_district"]["红星街道"]["total"] == "304400.00"


def _without_staff(tmp_path: Path) -> Path:
    """The workbook as its 机构 sheet and 班级 sheet say it: what a CSV of the 机构 sheet can carry."""
    book = openpyxl.load_workbook(XLSX)
    del book["人员"]
    path = tmp_path / "无人员表.xlsx"
    book.save(path)
    return path


def test_the_csv_versions_give_identical_verdicts_utf8_gb18030_and_the_workbook(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (_, utf8, err), (_, gb, _) = (_check([str(p)], capsys) for p in CSVS)
    strip = [{k: v for k, v in r.items() if k not in ("source", "provenance")} for r in utf8]
    assert strip == [{k: v for k, v in r.items() if k not in ("source", "provenance")} for r in gb]
    # a CSV holds one table: no 人员 sheet, so every staff rule is unknown (never pass) and no one passes outright
    assert [(r.get("id"), r["status"]) for r in utf8] == [
        ("LMT-001", "fail"),
        ("LMT-002", "fail"),
        ("LMT-003", "fail"),
        ("LMT-008", "incomplete"),
        ("LMT-012", "incomplete"),
        ("LMT-024", "incomplete"),
        ("LMT-031", "error"),
    ]
    _, workbook, _ = _check([str(_without_staff(tmp_path))], capsys)
    for want, got in zip(workbook[:6], utf8[:6], strict=True):
        assert _findings(got) == _findings(want), want["id"]
    assert "；跳过 第 1 行（标题）、第 2 行（填报单位）、第 13 行（合计）、第 14 行（注释）" in err


def test_a_region_csv_without_a_kind_column_is_read_as_regions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    notices = _notices(REGIONS)
    assert notices[0] == f"{REGIONS}：没有记录类型列，按表头（区域编号、区域名称）读作区域记录；不对时用 --kind 指定"
    clean = tmp_path / "regions.jsonl"
    lines = (EXAMPLE / "regions.jsonl").read_text(encoding="utf-8").splitlines()
    records = [{k: v for k, v in json.loads(line).items() if k != "subregions"} for line in lines]
    clean.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    _, expected, _ = _check([str(clean)], capsys)
    _, reports, _ = _check([str(REGIONS)], capsys)
    assert [(r["kind"], r["id"], r["status"]) for r in reports] == [
        ("region", "LMT-2023", "fail"),
        ("region", "LMT-2024", "fail"),
        ("region", "LMT-2025", "pass"),
    ]
    for want, got in zip(expected, reports, strict=True):
        assert _findings(got) == _findings(want), want["id"]


def test_the_bad_row_names_the_sheet_the_excel_cell_the_header_and_the_chinese_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, reports, _ = _check([str(XLSX)], capsys)
    bad = {e["field"]: e for e in reports[6]["errors"]}
    slots, form = bad["total_slots"], bad["form"]
    assert (slots["sheet"], slots["cell"], slots["header"]) == ("机构", "J11", "托位数（个）")  # Excel row 11
    assert (form["sheet"], form["cell"], form["header"]) == ("机构", "D11", "机构类型")
    assert "托育中心、幼儿园托班、用人单位办托、社区托育点、家庭托育点" in form["message"]


def test_the_bad_row_of_the_csv_names_its_line_and_cell(capsys: pytest.CaptureFixture[str]) -> None:
    for path in CSVS:
        _, reports, _ = _check([str(path)], capsys)
        slots = {e["field"]: e for e in reports[6]["errors"]}["total_slots"]
        # the header's quoted line break takes lines 3–4; the blank line 8; LMT-031 on line 12
        assert (slots["line"], slots["cell"], slots["header"]) == (12, "J12", "托位数（个）")


def test_a_bad_value_in_a_field_no_rule_reads_is_a_warning_and_the_spellings_are_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, reports, _ = _check([str(XLSX)], capsys)
    by_id = {r.get("id"): r for r in reports}
    # 性质 营利性 (LMT-024): no luzhou rule reads ownership, so a warning on the row and the record checked
    assert by_id["LMT-024"]["status"] == "pass"
    [warning] = by_id["LMT-024"]["warnings"]
    assert (warning["code"], warning["sheet"], warning["cell"], warning["header"]) == (
        "record.unknown-value",
        "机构",
        "E10",
        "性质",
    )
    # 已备案 (LMT-002) and 未备案 (LMT-003) read as 是 and 否, √ (LMT-001) as 是
    filing = {
        i: [f["outcome"] for f in by_id[i]["findings"] if f["rule"] == "filing.required"]
        for i in ("LMT-001", "LMT-002", "LMT-003")
    }
    assert filing == {"LMT-001": ["pass"], "LMT-002": ["pass"], "LMT-003": ["fail"]}
    assert [f["outcome"] for f in by_id["LMT-001"]["findings"] if f["rule"] == "surveillance.always_on"] == ["pass"]


def test_the_table_labels_an_error_row_by_the_excel_row_the_analyst_looks_at(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["check", *POLICY, str(XLSX)])
    out = capsys.readouterr().out
    labels = [line for line in out.splitlines() if line.startswith("! ")]
    assert "第 11 行" in labels[0] and "第 14 行" in labels[1]
