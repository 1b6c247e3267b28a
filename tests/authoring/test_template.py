"""``template``: the workbook holds every field the policy reads, offers only values the readers read, and a filled
template gives the same verdicts as the records it was filled from."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import tuoyu_rules
from tuoyu_rules.authoring.template import NOTES_SHEET, Sheet, template_sheets, write_template
from tuoyu_rules.cli import main
from tuoyu_rules.records import read_rows
from tuoyu_rules.vocabulary import CERTIFICATES, ENUMS, HEADERS

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime.date(2025, 6, 30)
POLICIES = ["luzhou_longmatan", "nanchang", "huzhou", "fujian", "chaisang"]


def _validations(ws: Any) -> dict[str, Any]:
    """column letter → its data validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            out[cell_range.coord.split(":")[0].rstrip("0123456789")] = dv
    return out


def _drop_down(dv: Any) -> list[str]:
    return dv.formula1.strip('"').split(",")


def _fill_value(ws: Any, letter: str, field: str, value: Any) -> Any:
    """The cell an analyst would type: a code becomes the drop-down entry the readers read as that code."""
    leaf = field.rsplit(".", 1)[-1]
    dv = _validations(ws).get(letter)
    if isinstance(value, bool):
        assert dv is not None and _drop_down(dv) == ["是", "否"]
        return "是" if value else "否"
    if isinstance(value, list):  # certificates: several values in one cell, from the list the prompt gives; 无: none
        return (
            "无"
            if not value
            else "、".join(next(s for s in CERTIFICATES if CERTIFICATES[s] == v and not s.isascii()) for v in value)
        )
    if leaf in ENUMS and isinstance(value, str):
        assert dv is not None and dv.type == "list", (field, "has no drop-down")
        entry = [e for e in _drop_down(dv) if ENUMS[leaf].get(e) == value]
        assert len(entry) == 1, (field, value, _drop_down(dv))
        return entry[0]
    return value


def _records(pid: str) -> list[dict[str, Any]]:
    """The bundled example records of a policy, as a template can hold them: a region without its subregions (no
    flat sheet holds them), and no empty class or staff list (a sheet without rows says nothing, not 'none')."""
    out = []
    for name in ("institutions.jsonl", "regions.jsonl"):
        for line in (ROOT / "examples" / pid / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            record.pop("subregions", None)
            out.append({k: v for k, v in record.items() if v != []})
    return out


def _fill(path: Path, sheets: list[Sheet], records: list[dict[str, Any]]) -> None:
    book = openpyxl.load_workbook(path)
    by_holder = {s.holds: s for s in sheets}
    for record in records:
        kind = record.get("kind", "institution")
        sheet = by_holder[kind]
        _append(book[sheet.name], sheet, record)
        for target in ("classes", "staff"):
            for item in record.get(target, []):
                _append(book[by_holder[target].name], by_holder[target], {**item, "id": record["id"]})
    book.save(path)


def _append(ws: Any, sheet: Sheet, record: dict[str, Any]) -> None:
    row = ws.max_row + 1
    for i, column in enumerate(sheet.columns, start=1):
        value: Any = record
        for part in column.field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            letter = openpyxl.utils.get_column_letter(i)
            ws.cell(row=row, column=i, value=_fill_value(ws, letter, column.field, value))


def _verdict(report: Any) -> tuple[Any, ...]:
    d = report.to_dict()
    return (
        d.get("id"),
        d["status"],
        sorted({f["rule"] for f in d.get("findings", []) if f["outcome"] == "fail"}),
        sorted({f["rule"] for f in d.get("findings", []) if f["outcome"] == "unknown"}),
        [(s["id"], s["eligible"], s["amount"], s["amount_min"], s["amount_max"]) for s in d.get("subsidies", [])],
        d.get("warnings"),
    )


def _template_rows(path: Path, sheets: list[Sheet]) -> list[Any]:
    rows: list[Any] = []
    for sheet in sheets:
        if sheet.holds in ("institution", "region", "residential_area"):
            rows.extend(read_rows(path, sheet=sheet.name))
    return rows


@pytest.mark.parametrize("pid", POLICIES)
def test_a_filled_template_gives_the_verdicts_of_the_records_it_was_filled_from(pid: str, tmp_path: Path) -> None:
    policy = tuoyu_rules.load_policy(pid)
    path = tmp_path / "台账模板.xlsx"
    sheets = write_template(policy.compiled, path)
    records = _records(pid)
    _fill(path, sheets, records)
    from_template = list(policy.evaluate_many(_template_rows(path, sheets), as_of=AS_OF))
    direct = list(policy.evaluate_many(records, as_of=AS_OF))
    assert [r.status for r in from_template if r.status == "error"] == []
    by_id = {r.id: _verdict(r) for r in direct}
    assert sorted(_verdict(r) for r in from_template) == sorted(by_id.values())  # every field a rule reads is there
    assert len(from_template) == len(records) == 33


def test_the_luzhou_template_verdicts_are_these(tmp_path: Path) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    path = tmp_path / "t.xlsx"
    sheets = write_template(policy.compiled, path)
    _fill(path, sheets, _records("luzhou_longmatan"))
    reports = {r.id: r for r in policy.evaluate_many(_template_rows(path, sheets), as_of=AS_OF)}
    # LMT-2025 passes on 2025-06-30: its 2025 targets fall due at the end of 2025 (not_due until then)
    assert Counter(r.status for r in reports.values()) == {"fail": 22, "pass": 11}
    lmt_004 = reports["LMT-004"]
    assert sorted(lmt_004.failed_rules()) == [
        "area.indoor_per_slot",  # 212.1 ㎡ for 45 slots
        "class.size.infant",
        "staff.caregiver.qualification",  # two caregivers whose certificates cell says 无
        "surveillance.retention_days",
    ]
    assert {s.id: s.amount for s in lmt_004.subsidies}["subsidy.construction"] == Decimal("100000.00")


def test_the_sheets_are_the_kinds_the_policy_judges_and_every_header_reads_back() -> None:
    sheets = {s.name: s for s in template_sheets(tuoyu_rules.load_policy("luzhou_longmatan").compiled)}
    assert list(sheets) == ["机构", "区域", "居住区", "班级", "人员"]
    assert [c.header for c in sheets["班级"].columns] == ["机构编号", "班级类型", "在托人数", "保育人员数"]
    assert "室内使用面积(㎡)" in [c.header for c in sheets["机构"].columns]
    for sheet in sheets.values():
        for column in sheet.columns:
            assert tuoyu_rules.records.header_key(column.header) == column.field.rsplit(".")[0] or (
                HEADERS.get(column.header.split("(")[0]) == column.field
            ), column.header


def test_a_policy_without_region_rules_has_no_region_sheet() -> None:
    national = {s.name for s in template_sheets(tuoyu_rules.load_policy("national").compiled)}
    assert "居住区" not in national and {"机构", "班级", "人员"} <= national


def test_the_workbook_has_drop_downs_number_checks_a_frozen_header_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    sheets = write_template(tuoyu_rules.load_policy("nanchang").compiled, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*(s.name for s in sheets), NOTES_SHEET]
    ws = book["机构"]
    assert ws.freeze_panes == "A2"
    headers = [c.value for c in ws[1]]
    checks = _validations(ws)
    letter = {h: openpyxl.utils.get_column_letter(i) for i, h in enumerate(headers, start=1)}
    assert _drop_down(checks[letter["机构类型"]]) == [
        "托育中心",
        "幼儿园托班",
        "用人单位办托",
        "社区托育点",
        "家庭托育点",
    ]
    assert _drop_down(checks[letter["是否普惠"]]) == ["是", "否"]
    fee = checks[letter["月收费(元/月)"]]
    assert (fee.type, fee.operator, fee.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert checks[letter["监控保存天数(天)"]].type == "whole"
    region = book["区域"]
    region_letter = {c.value: c.column_letter for c in region[1]}
    levels = _drop_down(_validations(region)[region_letter["层级"]])
    assert levels[-5:] == ["省", "市", "县", "乡镇", "社区"]  # readable spellings (县, not the label 县（区）)
    notes = [[c.value for c in row] for row in book[NOTES_SHEET].iter_rows()]
    documented = {(row[0], row[1]) for row in notes if row and row[0] in {s.name for s in sheets}}
    assert documented == {(s.name, c.header) for s in sheets for c in s.columns}
    fee_row = next(row for row in notes if row[1] == "月收费(元/月)")
    assert fee_row[2:6] == ["monthly_fee", "数值（≥0，可有小数）", None, "元/月"] and "subsidy.operating" in fee_row[6]
    form_row = next(row for row in notes if row[:2] == ["机构", "机构类型"])
    assert form_row[3:5] == ["从下拉列表中选择", "托育中心、幼儿园托班、用人单位办托、社区托育点、家庭托育点"]
    assert "家庭托育点规模（family.max_children）" in form_row[6]  # the rule's title and id


def test_template_command_writes_the_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "台账模板.xlsx"
    assert main(["template", "--policy", "fujian", "-o", str(path)]) == 0
    assert openpyxl.load_workbook(path).sheetnames == ["机构", "区域", "班级", "人员", NOTES_SHEET]
    assert "机构: 机构编号、机构名称" in capsys.readouterr().err


def test_template_command_refuses_a_bad_policy_or_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "--policy", "no-such-policy", "-o", str(tmp_path / "t.xlsx")]) == 2
    assert main(["template", "--policy", "national", "-o", str(tmp_path / "t.csv")]) == 2
    assert "xlsx" in capsys.readouterr().err and not (tmp_path / "t.csv").exists()


def test_a_filled_template_checks_as_a_whole_workbook(tmp_path: Path) -> None:
    policy = tuoyu_rules.load_policy("fujian")
    path = tmp_path / "t.xlsx"
    sheets = write_template(policy.compiled, path)
    _fill(path, sheets, _records("fujian"))
    assert [r.status for r in policy.evaluate_many(read_rows(path), as_of=AS_OF) if r.status == "error"] == []


def test_a_filled_template_keeps_each_institutions_district_for_budget(tmp_path: Path) -> None:
    """No rule reads 区县, but `budget` breaks its totals down by it: the 机构 sheet has the column, and a filled
    template gives every institution the district of the record it was filled from."""
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    path = tmp_path / "t.xlsx"
    sheets = write_template(policy.compiled, path)
    assert "区县" in [c.header for c in sheets[0].columns]
    records = _records("luzhou_longmatan")
    _fill(path, sheets, records)
    read = {r.id: r.record.get("district") for r in policy.evaluate_many(_template_rows(path, sheets), as_of=AS_OF)}
    given = {r["id"]: r.get("district") for r in records if r.get("kind", "institution") == "institution"}
    assert given and all(given.values())
    assert {k: read[k] for k in given} == given
