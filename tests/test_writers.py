"""Report writers: table, JSON, JSONL, CSV, XLSX, HTML; summaries; streaming."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tuoyu_rules.writers import Summary, write_reports

CITE = {"document": "泸州市龙马潭区普惠托育试点工作方案", "clause": "四(一)", "quote": "每个托位室内使用面积不少于5㎡"}


def report(
    id_: str,
    status: str,
    violations: list[dict[str, Any]] | None = None,
    amount: str | None = "4600.00",
    unknown: list[dict[str, Any]] | None = None,
    district: str = "红星街道",
) -> dict[str, Any]:
    violations = violations or []
    return {
        "kind": "institution",
        "id": id_,
        "policy": "luzhou_longmatan",
        "as_of": "2024-06-30",
        "status": status,
        "findings": [*violations, *(unknown or [])],
        "violations": violations,
        "subsidies": [
            {
                "id": "subsidy.operating",
                "title": "普惠托育机构运营补助",
                "eligible": amount is not None,
                "amount": amount,
                "amount_min": amount,
                "amount_max": amount,
                "period": "month",
                "currency": "CNY",
                "basis": "…",
                "citation": CITE,
            },
            {
                "id": "subsidy.construction",
                "title": "建设补助",
                "eligible": True,
                "amount": None,
                "amount_min": "4000.00",
                "amount_max": "6000.00",
                "period": "once",
                "currency": "CNY",
                "basis": None,
                "citation": CITE,
            },
        ],
        "record": {"name": f"{id_}托育园", "district": district},
    }


VIOLATION = {
    "rule": "area.indoor_per_slot",
    "outcome": "fail",
    "severity": "error",
    "title": "每托位室内使用面积",
    "message": "每托位室内使用面积 4.9 ㎡，低于 5 ㎡",
    "message_en": "4.9 m² per slot, below 5",
    "observed": 4.9,
    "required": 5,
    "fix": "增加室内面积 10 ㎡",
    "fix_en": "Add 10 m²",
    "citation": CITE,
}
RATIO = {
    **VIOLATION,
    "rule": "class.ratio.infant",
    "title": "乳儿班保育比",
    "message": "需保育人员 4 名，实有 3 名",
    "observed": 3,
    "required": 4,
}
UNKNOWN = {
    "rule": "area.outdoor_per_slot",
    "outcome": "unknown",
    "severity": "error",
    "message": "缺少",
    "missing": ["outdoor_area_m2"],
    "citation": CITE,
}
ERROR = {
    "row": 4,
    "id": "LZ-003",
    "status": "error",
    "errors": [
        {
            "field": "total_slots",
            "code": "record.not-a-number",
            "message": "total_slots：'abc' 不是数字",
            "value": "abc",
        }
    ],
}


def items() -> list[dict[str, Any]]:
    return [
        report("LMT-1", "pass"),
        report("LMT-2", "fail", [VIOLATION, RATIO], amount=None, district="小市街道"),
        report("LMT-3", "incomplete", unknown=[UNKNOWN]),
        ERROR,
    ]


def test_summary_counts_and_decimal_totals() -> None:
    summary = Summary()
    for item in items():
        summary.add(item)
    d = summary.to_dict()
    assert (d["rows"], d["passed"], d["failed"], d["incomplete"], d["errors"]) == (4, 1, 1, 1, 1)
    assert d["violations_by_rule"] == {"area.indoor_per_slot": 1, "class.ratio.infant": 1}
    assert d["subsidy_totals"] == {"subsidy.operating": "9200.00"}
    assert d["subsidy_min"]["subsidy.construction"] == "12000.00"


def test_jsonl_and_json_round_trip() -> None:
    out = io.StringIO()
    write_reports(items(), "jsonl", out)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == items()
    out = io.StringIO()
    write_reports(iter(items()), "json", out)
    assert json.loads(out.getvalue()) == items()


def test_table_is_aligned_with_chinese_text_and_ends_with_a_summary() -> None:
    out = io.StringIO()
    write_reports(items(), "table", out)
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[-1].startswith("共 4 条：通过 1，不通过 1，信息不全 1，错误 1")
    assert "9,200.00 元" in lines[-1]
    assert "✗ area.indoor_per_slot: 每托位室内使用面积 4.9 ㎡，低于 5 ㎡ → 增加室内面积 10 ㎡" in text
    assert "? area.outdoor_per_slot: 缺少 outdoor_area_m2" in text
    assert "第 4 行" in text
    from tuoyu_rules.writers import _width

    heads = [line for line in lines if line.startswith(("✓", "✗ LMT", "?"))]
    columns = {_width(line[: line.index("违规")]) for line in heads}
    assert len(columns) == 1, "the violation column must line up"


def test_table_in_english() -> None:
    out = io.StringIO()
    write_reports(items(), "table", out, lang="en")
    assert out.getvalue().splitlines()[-1].startswith("4 rows: 1 passed, 1 failed, 1 incomplete, 1 errors")


def test_csv_has_chinese_headers_and_one_row_per_record() -> None:
    out = io.StringIO()
    write_reports(items(), "csv", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:4] == ["编号", "名称", "类型", "结果"]
    assert len(rows) == 5
    assert rows[2][3] == "fail" and rows[2][5] == "area.indoor_per_slot;class.ratio.infant"
    assert rows[4][3] == "error" and "abc" in rows[4][8]


def test_csv_file_has_a_bom_for_excel(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    write_reports(items(), "csv", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_xlsx_sheets_headers_frozen_filters_and_money(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    write_reports(items(), "xlsx", path)
    book = load_workbook(path)
    assert book.sheetnames == ["报告", "违规", "补贴", "错误"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert [c.value for c in book["违规"][1]][:3] == ["编号", "名称", "规则"]
    assert book["违规"].max_row == 3
    money = book["补贴"]["E2"]
    assert money.value == 4600 and money.number_format == "#,##0.00"
    assert book["错误"]["C2"].value == "total_slots"


def test_html_is_self_contained_with_summary_charts_and_table() -> None:
    out = io.StringIO()
    write_reports(items(), "html", out)
    page = out.getvalue()
    assert "<svg" in page and 'class="bar"' in page
    assert "http://" not in page.replace("https://json", "") and 'src="http' not in page and "<link" not in page
    assert "LMT-2" in page and "每托位室内使用面积" in page and "<script>" in page
    assert "不通过<b>1</b>" in page


def test_html_escapes_text() -> None:
    evil = report("<script>alert(1)</script>", "pass")
    out = io.StringIO()
    write_reports([evil], "html", out)
    assert "<script>alert(1)" not in out.getvalue()


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        write_reports([], "pdf", io.StringIO())


@pytest.mark.parametrize("fmt", ["jsonl", "table", "csv"])
def test_writers_stream_in_bounded_memory(fmt: str) -> None:
    class Sink(io.TextIOBase):
        def write(self, text: str) -> int:
            return len(text)

    def many() -> Any:
        template = report("X", "fail", [VIOLATION])
        for i in range(30_000):
            yield {**template, "id": f"X-{i}"}

    tracemalloc.start()
    summary = write_reports(many(), fmt, Sink())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.rows == 30_000 and peak < 10 * 1024 * 1024
    assert summary.subsidy_totals["subsidy.operating"] == Decimal("138000000.00")
