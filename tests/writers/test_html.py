"""HTML (html.py, html_page.py, templates/report.html.j2): the page an official reads."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tuoyu_rules.cli import main
from tuoyu_rules.writers import HTML_ROW_LIMIT
from tuoyu_rules.writers.html import bar_chart
from tuoyu_rules.writers.html_page import CARD_LIMIT

from ._reports import CITE, RATIO, UNKNOWN, VIOLATION, items, region, report, text_of

META: dict[str, Any] = {
    "policy": "luzhou_longmatan",
    "name": "泸州市龙马潭区普惠托育试点工作方案",
    "name_en": "Luzhou Longmatan District inclusive childcare pilot plan",
    "jurisdiction": "泸州市龙马潭区",
    "documents": [
        {
            "title": "泸州市龙马潭区普惠托育试点工作方案",
            "number": "泸龙府办发〔2023〕6号",
            "issuer": "泸州市龙马潭区人民政府办公室",
            "date": "2023-02-23",
        }
    ],
    "in_force": {"from": "2023-02-23", "until": None},
    "as_of": "2024-06-30",
    "budget": {"amount": "3000000.00", "period": "year", "title": "区财政每年安排的普惠托育专项补助资金"},
}


def section(page: str, name: str) -> str:
    start = page.index(f'<section id="{name}">')
    return page[start : page.index("</section>", start)]


def visible_text(fragment: str) -> str:
    return re.sub(r"<[^>]+>", " ", fragment)


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
    assert "第 4 行 托位数" in page
    assert "@media print{\n@page{size:A4;" in page, "print styles for A4"


def test_the_page_declares_a_cjk_font_stack_before_the_generic_family() -> None:
    page = text_of("html", items())
    fonts = re.search(r"body\{font-family:([^;]+);", page)
    assert fonts is not None
    stack = [f.strip().strip('"') for f in fonts.group(1).split(",")]
    assert stack[0] == "Noto Sans CJK SC" and stack[-1] == "sans-serif"
    assert {"Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei"} <= set(stack)


def test_the_title_block_names_the_document_its_number_issuer_and_the_as_of_date() -> None:
    page = text_of("html", items(), meta=META)
    block = page[page.index('<header id="title-block">') : page.index("</header>")]
    assert "<title>泸州市龙马潭区普惠托育试点工作方案</title>" in page
    assert "《泸州市龙马潭区普惠托育试点工作方案》" in block and "泸龙府办发〔2023〕6号" in block
    assert "泸州市龙马潭区人民政府办公室" in block and "核查日期：2024-06-30" in block
    assert "政策有效期：2023-02-23 至 未定终止日期" in block and 'class="banner"' not in block


def test_a_banner_says_when_the_as_of_date_is_outside_the_period_or_the_plan_has_ended() -> None:
    warned = {
        **report("LMT-1", "pass"),
        "warnings": [
            {
                "code": "policy.not-in-force",
                "message": "核查日期 2022-01-01 不在策略有效期（2023-02-23 至 —）内",
                "message_en": "as_of 2022-01-01 is outside the policy's period (2023-02-23 to —)",
            }
        ],
    }
    page = text_of("html", [warned, warned | {"id": "LMT-9"}], meta=META)
    assert (
        '<p class="banner" role="alert">注意：核查日期 2022-01-01 不在策略有效期（2023-02-23 至 —）内（2 条记录）。</p>'
        in page
    )
    ended = {**META, "in_force": {"from": "2021-01-01", "until": "2023-12-31"}}
    page = text_of("html", items(), meta=ended)
    assert "本方案已于 2023-12-31 到期" in page
    english = text_of("html", [warned], meta=ended, lang="en")
    assert "This plan ended on 2023-12-31" in english and "outside the policy&#39;s period" in english


def test_subsidy_totals_are_by_period_with_open_and_undecided_lines_counted_apart() -> None:
    open_line = {
        "id": "subsidy.staff_certification",
        "title": "人员考证一次性补助（金额未定）",
        "eligible": True,
        "amount": None,
        "amount_min": None,
        "amount_max": None,
        "amount_open": True,  # the document leaves the amount open
        "period": "once",
    }
    unknown_line = {**open_line, "eligible": None, "amount_open": False, "status": "unknown", "missing": ["staff"]}
    not_eligible = {**open_line, "eligible": False, "amount": "0.00", "amount_min": "0.00", "amount_max": "0.00"}
    first = report("A", "pass")
    first["subsidies"] = [*first["subsidies"], open_line]
    second = report("B", "pass")
    second["subsidies"] = [*second["subsidies"], unknown_line]
    third = report("C", "pass")
    third["subsidies"] = [*third["subsidies"], not_eligible]
    money = section(text_of("html", [first, second, third]), "summary")
    rows = re.findall(
        r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"n\">(.*?)</td>"
        r"<td class=\"n\">(\d+)</td><td class=\"n\">(\d+)</td><td class=\"n\">(\d+)</td></tr>",
        money,
    )
    assert ("运营补助", "元/月", "13,800.00", "3", "0", "0") in rows
    assert ("建设补助", "元，一次性", "12,000.00–18,000.00", "3", "0", "0") in rows
    assert ("人员考证一次性补助（金额未定）", "元，一次性", "—", "1", "1", "1") in rows, "never summed as 0"
    assert '每月合计</th><th class="n">13,800.00' in money
    assert '一次性合计</th><th class="n">12,000.00–18,000.00' in money, "the monthly amount is not added"


def test_budget_use_is_the_ledgers_subsidies_for_one_budget_period_against_the_stated_budget() -> None:
    page = text_of("html", items(), meta=META)
    budget = re.search(r'<p id="budget">(.*?)</p>', page)
    assert budget is not None
    # 2 × 4,600 a month × 12 + 3 one-off lines of 4,000–6,000 = 110,400 + 12,000–18,000
    assert "区财政每年安排的普惠托育专项补助资金 3,000,000.00 元/年" in budget.group(1)
    assert "122,400.00–128,400.00 元，占 4.1–4.3%" in budget.group(1)
    nothing = [report("A", "pass", amount=None)]
    nothing[0]["subsidies"] = [nothing[0]["subsidies"][0]]  # the one line is not eligible: no amount to count
    budget = re.search(r'<p id="budget">(.*?)</p>', text_of("html", nothing, meta=META))
    assert budget is not None and "需 — 元，占 —" in budget.group(1), "nothing counted is not 0.00"
    assert "budget" not in text_of("html", items()).split("<body>")[1].split("<script>")[0].replace("budget_", "")


def test_the_missing_data_panel_counts_records_per_field_with_the_rules_it_blocks() -> None:
    other = {**UNKNOWN, "rule": "class.ratio.infant", "title": "乳儿班保育比", "missing": ["classes[0].caregivers"]}
    titled = {**UNKNOWN, "title": "每托位室外活动场地面积"}
    data = [
        report("A", "incomplete", unknown=[titled, other]),
        report("B", "incomplete", unknown=[titled]),
        report("C", "incomplete", unknown=[{**other, "missing": ["classes[0].caregivers", "classes[1].caregivers"]}]),
    ]
    panel = section(text_of("html", data), "missing")
    rows = re.findall(r'<tr><td>(.*?)</td><td class="n">(\d+)</td><td>(.*?)</td></tr>', panel)
    assert rows == [
        ("保育人员数", "2", "乳儿班保育比"),
        ("室外活动场地面积", "2", "每托位室外活动场地面积"),
        ("托位数", "2", "每托位室外活动场地面积"),
    ]
    assert "caregivers" not in panel and "outdoor_area_m2" not in panel
    before = report("D", "incomplete", unknown=[{**titled, "missing": ["max_slots"]}])  # a date before the period
    panel = section(text_of("html", [before]), "missing")
    assert "策略参数 max_slots（核查日期无取值）" in panel, "not reported as a ledger field the record lacks"
    assert "没有因缺少数据而无法判断的规则" in section(text_of("html", [report("A", "pass")]), "missing")


def test_cards_are_plain_chinese_with_each_violation_its_fix_and_citation() -> None:
    cited = {
        **RATIO,
        "citation": {**CITE, "number": "泸龙府办发〔2023〕6号"},
        "message": "[classes[0]] 需保育人员 4 名",
    }
    cards = section(text_of("html", [report("LMT-2", "fail", [VIOLATION, cited], unknown=[UNKNOWN])]), "institutions")
    text = visible_text(cards)
    assert "LMT-2托育园" in text and "托育中心" in text and "不通过" in text and "红星街道" in text
    assert "乳儿班保育比 （第 1 个班级）：需保育人员 4 名" in text
    assert "整改：增加室内面积 10 ㎡" in text
    assert "依据：《泸州市龙马潭区普惠托育试点工作方案》 泸龙府办发〔2023〕6号 四(一)" in text
    assert "缺少 室外活动场地面积、托位数" in text
    assert "运营补助：每月 4,600.00 元" in text and "建设补助：一次性 4,000.00–6,000.00 元" in text
    for code in ("classes[0]", "center", "fail", "incomplete", "outdoor_area_m2", "total_slots"):
        assert code not in text, code


def test_the_table_gives_each_records_subsidies_per_period_never_adding_monthly_to_one_off() -> None:
    table = section(text_of("html", items()), "table")
    assert "<td>每月 4,600.00；一次性 4,000.00–6,000.00</td>" in table
    assert "10,600" not in table and "8,600" not in table
    assert 'data-numeric="1">违规数</th>' in table, "numeric columns sort as numbers"


def test_html_escapes_text() -> None:
    evil = report("<script>alert(1)</script>", "fail", [{**VIOLATION, "title": "<img src=x onerror=alert(2)>"}])
    page = text_of("html", [evil], title="<b>标题</b>", meta={**META, "documents": [{"title": "<i>x</i>"}]})
    assert "<script>alert(1)" not in page and "<img" not in page and "<b>标题" not in page and "<i>x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_keeps_at_most_the_row_and_card_limits_and_says_how_many_were_left_out() -> None:
    template = report("X", "fail", [VIOLATION])
    page = text_of("html", ({**template, "id": f"X-{i}"} for i in range(HTML_ROW_LIMIT + 7)))
    assert page.count("<tr data-status=") == HTML_ROW_LIMIT and page.count("<article ") == CARD_LIMIT
    assert "另有 7 条记录未列出" in page and f"记录<b>{HTML_ROW_LIMIT + 7}</b>" in page
    assert f"另有 {HTML_ROW_LIMIT + 7 - CARD_LIMIT} 家机构未列出卡片" in page


def test_html_in_english() -> None:
    page = text_of("html", items(), lang="en", title="Report", meta=META)
    assert "<title>Report</title>" in page and '<html lang="en">' in page
    assert "Violations by rule" in page and "fail<b>1</b>" in page and "Missing data" in page
    assert "as of: 2024-06-30" in page and "monthly 4,600.00; one-off 4,000.00–6,000.00" in page
    assert "outdoor area m2" in section(page, "missing")
    assert "汇总" not in page and "缺失数据" not in page and "整改" not in page


def test_bar_geometry_is_proportional_to_the_values_and_every_label_is_drawn() -> None:
    data = [
        ("保育人员资质", Decimal(19), "19", "a"),
        ("乳儿班保育比", Decimal(7), "7", "b"),
        ("备案", Decimal(1), "1", "c"),
    ]
    chart = bar_chart("c", "违规数", data, "#c0392b")
    widths = [bar["w"] for bar in chart["marks"]]
    assert widths[0] == 240  # the plot's width: 540 less the label and value columns
    for (_, value, _, _), width in zip(data, widths, strict=True):
        assert abs(width - Decimal(240) * value / 19) <= Decimal("0.05")
    assert [bar["label"] for bar in chart["marks"]] == ["保育人员资质", "乳儿班保育比", "备案"]
    assert len({bar["y"] for bar in chart["marks"]}) == 3 and chart["height"] == 3 * 24 + 8
    tiny = [("a", Decimal(0), "0", "a"), ("b", Decimal("0.001"), "0", "b"), ("c", Decimal(1000), "1000", "c")]
    zero = bar_chart("z", "x", tiny, "#000")
    assert [bar["w"] for bar in zero["marks"]] == [0, 1, 240], "nothing for zero, a visible pixel for a tiny value"


def test_the_rendered_svg_carries_the_same_geometry_and_labels() -> None:
    page = text_of("html", items())
    chart = page[page.index('id="chart-rules"') : page.index("</figure>", page.index('id="chart-rules"'))]
    bars = re.findall(r'<text class="label"[^>]*>([^<]+)</text><rect class="bar"[^>]* width="([\d.]+)"', chart)
    assert bars == [("每托位室内使用面积", "240.0"), ("乳儿班保育比", "240.0")]  # 1 each; ties by rule id
    districts = page[page.index('id="chart-districts"') : page.index("</figure>", page.index('id="chart-districts"'))]
    assert re.findall(r'<text class="label"[^>]*>([^<]+)</text>', districts) == ["小市街道"]


def test_check_format_html_puts_the_policys_document_in_the_title_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = Path(__file__).resolve().parents[2] / "examples" / "luzhou_longmatan" / "institutions.xlsx"
    out = tmp_path / "report.html"
    code = main(
        [
            "check",
            "--policy",
            "luzhou_longmatan",
            "--as-of",
            "2024-06-30",
            "--format",
            "html",
            "-o",
            str(out),
            str(ledger),
        ]
    )
    capsys.readouterr()
    page = out.read_text(encoding="utf-8")
    block = page[page.index('<header id="title-block">') : page.index("</header>")]
    assert code == 1 and "《泸州市龙马潭区普惠托育试点工作方案》" in block and "泸龙府办发〔2023〕6号" in block
    assert "核查日期：2024-06-30" in block and "预算使用" in page and "3,000,000.00 元/年" in page
