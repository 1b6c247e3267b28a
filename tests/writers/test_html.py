"""HTML (html.py)."""

from __future__ import annotations

import re

from tuoyu_rules.writers import HTML_ROW_LIMIT

from ._reports import VIOLATION, items, region, report, text_of


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
