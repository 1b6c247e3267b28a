"""Report writers: table, JSON, JSONL, CSV, XLSX, HTML; the summary; streaming in bounded memory."""

from __future__ import annotations

import csv
import io
import json
import re
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tuoyu_rules.writers import HTML_ROW_LIMIT, Summary, write_reports
from tuoyu_rules.writers._format import _width

CITE = {"document": "泸州市龙马潭区普惠托育试点工作方案", "clause": "四(一)", "source": "001_060ea64bc85e63b4.txt"}


def subsidies(amount: str | None) -> list[dict[str, Any]]:
    return [
        {
            "id": "subsidy.operating",
            "title": "运营补助",
            "eligible": amount is not None,
            "amount": amount,
            "amount_min": amount,
            "amount_max": amount,
            "period": "month",
            "currency": "CNY",
            "basis": "每月每名在托婴幼儿 100 元",
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
    ]


def report(
    id_: str,
    status: str,
    violations: list[dict[str, Any]] | None = None,
    amount: str | None = "4600.00",
    unknown: list[dict[str, Any]] | None = None,
    district: str = "红星街道",
    name: str | None = None,
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
        "subsidies": subsidies(amount),
        "benefits": [],
        "warnings": [],
        "record": {"name": name or f"{id_}托育园", "district": district, "form": "center"},
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
    "message_en": "needs 4 caregivers, has 3",
    "observed": 3,
    "required": 4,
    "subject": "classes[0]",
}
UNKNOWN = {
    "rule": "area.outdoor_per_slot",
    "outcome": "unknown",
    "severity": "error",
    "message": "缺少室外面积",
    "missing": ["outdoor_area_m2", "total_slots"],
    "citation": CITE,
}
ERROR = {
    "row": 4,
    "id": "LZ-003",
    "status": "error",
    "source": "ledger.csv",
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


def region() -> dict[str, Any]:
    def target(rule: str, title: str, year: int, observed: float, required: float, outcome: str) -> dict[str, Any]:
        return {
            "rule": rule,
            "outcome": outcome,
            "severity": "error",
            "title": title,
            "message": f"{title} {observed}，要求 {required}",
            "observed": observed,
            "required": required,
            "year": year,
            "citation": CITE,
        }

    findings = [
        target("target.total_slots", "托位总数", 2023, 1482, 1525, "fail"),
        target("target.total_slots", "托位总数", 2025, 1482, 2320, "not_due"),
        target("target.slots_per_1000", "每千人口托位数", 2023, 2.9985, 3.1, "fail"),
        target("target.inclusive_share", "普惠托位占比", 2023, 35.2, 35, "pass"),
        {**target("target.township_slots", "镇街托位", 2025, 3.2, 4.7, "not_due"), "subject": "subregions[0]"},
    ]
    return {
        "kind": "region",
        "id": "LMT-2023",
        "policy": "luzhou_longmatan",
        "as_of": "2024-06-30",
        "status": "fail",
        "findings": findings,
        "violations": [f for f in findings if f["outcome"] == "fail"],
        "subsidies": [],
        "name": "龙马潭区",
    }


def text_of(fmt: str, data: Any, **kwargs: Any) -> str:
    out = io.StringIO()
    write_reports(data, fmt, out, **kwargs)
    return out.getvalue()


# ---------------------------------------------------------------- summary


def test_summary_counts_statuses_and_rules() -> None:
    summary = Summary()
    for item in items():
        summary.add(item)
    assert (summary.rows, summary.reports, summary.passed, summary.failed, summary.incomplete, summary.errors) == (
        4,
        3,
        1,
        1,
        1,
        1,
    )
    assert summary.violations_by_rule == {"area.indoor_per_slot": 1, "class.ratio.infant": 1}
    assert summary.unknown_by_rule == {"area.outdoor_per_slot": 1}


def test_summary_totals_are_exact_decimals_and_ranges_are_summed_apart() -> None:
    summary = Summary()
    for item in items():
        summary.add(item)
    assert summary.subsidy_totals == {"subsidy.operating": Decimal("9200.00")}
    assert all(isinstance(v, Decimal) for v in summary.subsidy_totals.values())
    assert summary.subsidy_min["subsidy.construction"] == Decimal("12000.00")
    assert summary.subsidy_max["subsidy.construction"] == Decimal("18000.00")
    assert summary.subsidy_by_district == {"subsidy.operating": {"红星街道": Decimal("9200.00")}}
    d = summary.to_dict()
    assert d["subsidy_totals"] == {"subsidy.operating": "9200.00"}
    assert d["subsidy_min"]["subsidy.construction"] == "12000.00"
    assert d["subsidy_by_district"] == {"subsidy.operating": {"红星街道": "9200.00"}}
    assert json.loads(json.dumps(d)) == d


def test_summary_adds_cents_without_float_drift() -> None:
    summary = Summary()
    for i in range(1000):
        summary.add(report(f"X-{i}", "pass", amount="0.10"))
    assert summary.subsidy_totals["subsidy.operating"] == Decimal("100.00")


def test_summary_keeps_a_bounded_number_of_region_targets() -> None:
    summary = Summary()
    for i in range(500):
        summary.add({**region(), "id": f"R-{i}"})
    assert len(summary.targets) <= 240 and summary.targets_left_out > 0
    assert {t["rule"] for t in summary.targets} == {
        "target.total_slots",
        "target.slots_per_1000",
        "target.inclusive_share",
    }, "findings about a subregion are not the region's own targets"


def test_an_amount_the_document_leaves_open_is_named_not_counted_as_zero() -> None:
    item = report("HZ-1", "pass")
    item["subsidies"].append(
        {"id": "subsidy.enrollment", "title": "入托补助", "eligible": True, "amount": None, "amount_min": None}
    )
    summary = Summary()
    summary.add(item)
    assert summary.subsidy_open == {"subsidy.enrollment": 1} and "subsidy.enrollment" not in summary.subsidy_totals
    assert "入托补助：1 条符合条件，金额未定" in summary.line()
    assert "subsidy.enrollment: 1 eligible, amount open" in summary.line("en"), "English falls back to the id"
    assert "（另有金额未定）" in text_of("table", [item])
    rows = read_csv(text_of("csv", [item]))
    assert rows[1][rows[0].index("入托补助(元)")] == "金额未定"


# ---------------------------------------------------------------- JSON and JSONL


def test_jsonl_is_one_object_per_line_in_input_order() -> None:
    lines = text_of("jsonl", items()).splitlines()
    assert [json.loads(line) for line in lines] == items()
    assert "泸州" in lines[0], "ensure_ascii=False keeps Chinese readable"


def test_json_is_an_array_that_keeps_key_order() -> None:
    parsed = json.loads(text_of("json", iter(items())))
    assert parsed == items()
    assert list(parsed[0]) == list(items()[0]), "keys stay in the order the report gave them"
    assert json.loads(text_of("json", [])) == []


def test_json_writes_decimals_and_dates_that_slip_in_as_strings() -> None:
    import datetime

    item = {"id": "X", "status": "pass", "amount": Decimal("1.50"), "as_of": datetime.date(2024, 6, 30)}
    assert json.loads(text_of("jsonl", [item])) == {
        "id": "X",
        "status": "pass",
        "amount": "1.50",
        "as_of": "2024-06-30",
    }


def test_text_formats_accept_a_binary_stream() -> None:
    out = io.BytesIO()
    write_reports(items(), "jsonl", out)
    assert len(out.getvalue().decode("utf-8").splitlines()) == 4 and not out.closed


# ---------------------------------------------------------------- table


def test_table_lists_violations_unknowns_errors_and_ends_with_a_summary() -> None:
    text = text_of("table", items())
    lines = text.splitlines()
    assert lines[-1] == (
        "共 4 条：通过 1，不通过 1，信息不全 1，错误 1；建设补助合计 12,000.00–18,000.00 元；运营补助合计 9,200.00 元"
    )
    assert "    ✗ area.indoor_per_slot: 每托位室内使用面积 4.9 ㎡，低于 5 ㎡ → 增加室内面积 10 ㎡" in lines
    assert "    ? area.outdoor_per_slot: 缺少 outdoor_area_m2、total_slots" in lines
    assert any(line.startswith("! LZ-003") and "第 4 行" in line and "ledger.csv" in line for line in lines)
    assert "    ! total_slots = 'abc' [record.not-a-number] total_slots：'abc' 不是数字" in lines
    assert "补贴 4,600.00 (+4,000.00–6,000.00)" in text


def record_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1] in "✓✗?!" and not line.startswith("    ")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_table_columns_line_up_with_chinese_text(lang: str) -> None:
    data = [
        report("A-1", "pass", name="ABC托育"),
        report("A-22", "fail", [VIOLATION], name="Sunny Kids 阳光宝贝婴幼儿照护服务中心（龙马潭区红星街道分园）"),
        report("A-333", "incomplete", unknown=[UNKNOWN], name="小太阳"),
    ]
    word = "违规" if lang == "zh" else "violations"
    heads = record_lines(text_of("table", data, lang=lang))
    assert len(heads) == 3
    columns = {_width(line[: line.index(word)]) for line in heads}
    assert len(columns) == 1, f"the violations column must line up: {heads}"
    subsidy = "补贴" if lang == "zh" else "subsidy"
    assert len({_width(line[: line.index(subsidy)]) for line in heads}) == 1
    assert "…" in heads[1], "a name too long for its column is cut, not allowed to push the columns"


def test_wide_characters_count_two_columns() -> None:
    assert _width("托育ab") == 6 and _width("（）") == 4 and _width("m²") == 2


def test_table_in_english_uses_english_messages() -> None:
    text = text_of("table", items(), lang="en")
    assert text.splitlines()[-1].startswith("4 rows: 1 passed, 1 failed, 1 incomplete, 1 errors; ")
    assert "    ✗ area.indoor_per_slot: 4.9 m² per slot, below 5 → Add 10 m²" in text
    assert "missing outdoor_area_m2, total_slots" in text and "row 4" in text


# ---------------------------------------------------------------- CSV


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a BOM, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_chinese_headers_one_row_per_record_and_a_column_per_subsidy() -> None:
    rows = read_csv(text_of("csv", items()))
    assert rows[0] == [
        "编号",
        "名称",
        "类型",
        "结果",
        "违规数",
        "违规规则",
        "信息不全规则",
        "运营补助(元)",
        "建设补助(元)",
        "其他补贴",
        "错误",
    ]
    assert len(rows) == 5 and all(len(r) == len(rows[0]) for r in rows)
    passing, failing, incomplete, error = (dict(zip(rows[0], r, strict=True)) for r in rows[1:])
    assert passing["编号"] == "LMT-1" and passing["名称"] == "LMT-1托育园" and passing["运营补助(元)"] == "4600.00"
    assert passing["建设补助(元)"] == "4000.00–6000.00", "a range amount shows its bounds"
    assert failing["结果"] == "fail" and failing["违规数"] == "2"
    assert failing["违规规则"] == "area.indoor_per_slot;class.ratio.infant" and failing["运营补助(元)"] == ""
    assert incomplete["信息不全规则"] == "area.outdoor_per_slot"
    assert error["结果"] == "error" and error["编号"] == "LZ-003" and "第 4 行 total_slots" in error["错误"]


def test_csv_in_english_and_a_subsidy_first_seen_late_goes_to_other_subsidies() -> None:
    late = report("LATE", "pass")
    late["subsidies"].append({"id": "subsidy.enrollment", "eligible": True, "amount": "300.00"})
    data = [*items(), *[report(f"P-{i}", "pass") for i in range(1000)], late]
    rows = read_csv(text_of("csv", iter(data), lang="en"))
    assert rows[0][:4] == ["id", "name", "kind", "status"] and "subsidy.operating" in rows[0]
    assert rows[-1][0] == "LATE" and rows[-1][rows[0].index("other_subsidies")] == "subsidy.enrollment=300.00"
    assert len(rows) == len(data) + 1


def test_csv_file_starts_with_exactly_one_bom(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    write_reports(items(), "csv", path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf\xe7\xbc\x96\xe5\x8f\xb7")  # BOM, then 编号
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh))) == 5


# ---------------------------------------------------------------- XLSX


def test_xlsx_sheets_headers_frozen_rows_filters_and_money(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    write_reports(items(), "xlsx", path)
    book = load_workbook(path)
    assert book.sheetnames == ["报告", "违规", "补贴", "错误"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all(c.font.bold for c in ws[1])
    reports, violations, money, errors = (book[n] for n in book.sheetnames)
    assert [c.value for c in reports[1]][:6] == ["编号", "名称", "类型", "区县", "形式", "结果"]
    assert reports.max_row == 4 and reports["F3"].value == "不通过" and reports["G3"].value == 2
    assert [c.value for c in violations[1]][:9] == [
        "编号",
        "名称",
        "规则",
        "说明",
        "实际",
        "要求",
        "整改",
        "条款",
        "文件",
    ]
    assert violations.max_row == 3 and violations["E2"].value == 4.9 and violations["H2"].value == "四(一)"
    assert [c.value for c in money[1]][:9] == [
        "编号",
        "名称",
        "补贴",
        "是否符合",
        "金额",
        "最低",
        "最高",
        "周期",
        "依据",
    ]
    assert money.max_row == 7
    assert money["E2"].value == 4600 and money["E2"].number_format == "0.00"
    assert money["C3"].value == "subsidy.construction" and money["E3"].value is None
    assert (money["F3"].value, money["G3"].value) == (4000, 6000) and money["F3"].number_format == "0.00"
    assert [c.value for c in errors[2]][:5] == [
        4,
        "LZ-003",
        "total_slots",
        "record.not-a-number",
        "total_slots：'abc' 不是数字",
    ]


def test_xlsx_money_is_exact(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    write_reports([report("A", "pass", amount="1234567.89")], "xlsx", path)
    assert Decimal(str(load_workbook(path)["补贴"]["E2"].value)) == Decimal("1234567.89")


def test_xlsx_in_english_to_a_binary_stream() -> None:
    from openpyxl import load_workbook

    out = io.BytesIO()
    summary = write_reports(items(), "xlsx", out, lang="en")
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["reports", "violations", "subsidies", "errors"] and summary.rows == 4
    assert book["reports"]["F3"].value == "fail"


def test_xlsx_refuses_a_text_stream_without_a_buffer() -> None:
    with pytest.raises(ValueError, match="xlsx"):
        write_reports(items(), "xlsx", io.StringIO())


# ---------------------------------------------------------------- HTML


def test_html_is_self_contained_with_summary_charts_and_table() -> None:
    page = text_of("html", [*items(), region()])
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page) is None, "no external resources"
    assert "http" not in page and "<link" not in page and "@import" not in page and "url(" not in page
    assert "不通过<b>2</b>" in page and "记录<b>5</b>" in page and "错误<b>1</b>" in page
    assert page.count("<svg") >= 3 and page.count('class="bar"') >= 5
    assert "每托位室内使用面积" in page and "乳儿班保育比" in page, "chart labels are the rules' Chinese titles"
    assert "运营补助（元/月，按区县）" in page and "红星街道" in page
    assert "区域目标" in page and "龙马潭区 LMT-2023 · 托位总数" in page and "1,482 / 2,320" in page
    assert "2.9985 / 3.1" in page
    assert "镇街托位" not in page, "subregion findings are not drawn as the region's own targets"
    assert page.count("<tr data-status=") == 5 and 'id="filter"' in page and '<select id="status">' in page
    assert "缺少 outdoor_area_m2、total_slots" in page and "第 4 行 total_slots" in page


def test_html_subsidy_chart_by_subsidy_when_no_district() -> None:
    data = [{**r, "record": {"name": "x"}} for r in items()[:3]]
    page = text_of("html", data)
    assert "补贴合计（按补贴，元）" in page and "12,000.00–18,000.00" in page


def test_html_escapes_text() -> None:
    evil = report("<script>alert(1)</script>", "fail", [{**VIOLATION, "title": "<img src=x onerror=alert(2)>"}])
    page = text_of("html", [evil], title="<b>标题</b>")
    assert "<script>alert(1)" not in page and "<img" not in page and "<b>标题" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_keeps_at_most_the_row_limit_and_says_how_many_were_left_out() -> None:
    template = report("X", "fail", [VIOLATION])
    page = text_of("html", ({**template, "id": f"X-{i}"} for i in range(HTML_ROW_LIMIT + 7)))
    assert page.count("<tr data-status=") == HTML_ROW_LIMIT
    assert "另有 7 条记录未列出" in page and f"记录<b>{HTML_ROW_LIMIT + 7}</b>" in page


def test_html_in_english() -> None:
    page = text_of("html", items(), lang="en", title="Report")
    assert "<title>Report</title>" in page and "Operating" not in page
    assert '<html lang="en">' in page and "Violations by rule" in page and "fail<b>1</b>" in page


# ---------------------------------------------------------------- formats and streaming


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="pdf"):
        write_reports([], "pdf", io.StringIO())


class Sink(io.TextIOBase):
    """A text stream that forgets what it is given."""

    def write(self, text: str) -> int:
        return len(text)


def many(n: int) -> Iterator[dict[str, Any]]:
    """``n`` items, one in a thousand an error row; small reports, so that tracemalloc's overhead stays bearable."""
    template = report("X", "fail", [VIOLATION])
    template["subsidies"] = template["subsidies"][:1]
    del template["findings"], template["benefits"], template["warnings"]
    for i in range(n):
        if i % 1000 == 999:
            yield {**ERROR, "row": i + 1}
        else:
            yield {**template, "id": f"X-{i}", "record": {"name": f"机构{i}", "district": f"区{i % 7}"}}


@pytest.mark.parametrize(("fmt", "n"), [("jsonl", 30_000), ("table", 30_000), ("csv", 30_000), ("html", 30_000)])
def test_writers_stream_in_bounded_memory(fmt: str, n: int) -> None:
    tracemalloc.start()
    try:
        summary = write_reports(many(n), fmt, Sink())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.rows == n and summary.errors == n // 1000
    assert summary.subsidy_totals["subsidy.operating"] == Decimal("4600.00") * (n - n // 1000)
    assert len(summary.subsidy_by_district["subsidy.operating"]) == 7
    assert peak < 20 * 1024 * 1024, f"{fmt}: peak {peak / 1e6:.1f} MB"
