"""HTML for leaders: one self-contained page (no network) with summary cards, SVG bar charts and a table."""

from __future__ import annotations

import html
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from ._format import (
    AIM_LABEL,
    PERIOD_UNIT,
    STATUS_LABEL,
    STATUSES,
    _aims_not_met,
    _clip,
    _error_text,
    _missing,
    _name,
    _num,
    _requirement_failures,
    _subsidy_total,
    _text,
    _unknown_findings,
    _yuan,
)
from .base import WriteOptions
from .summary import Summary

__all__ = ["HTML_ROW_LIMIT", "write_html"]

HTML_ROW_LIMIT = 2000
"""The HTML table lists at most this many records; the charts and the summary still count them all."""

HTML_HEAD = {
    "zh": ["编号", "名称", "结果", "违规数", "补贴（元）", "说明"],
    "en": ["id", "name", "status", "violations", "subsidy (CNY)", "details"],
}
HTML_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "托育政策核查报告",
        "records": "记录",
        "reports": "报告",
        "filter": "筛选编号、名称或规则",
        "all": "全部状态",
        "violations_chart": "违规数（按规则）",
        "subsidy_chart": "补贴合计（按补贴，元）",
        "subsidy_district": "{title}（{unit}，按区县）",
        "targets_chart": "区域目标：实际值与要求值（按年度）",
        "targets_legend": "柱：实际值；竖线：要求值。绿：达标，红：未达标，灰：未到期",
        "left_out": "另有 {n} 条记录未列出（表格最多 {limit} 行；统计和图表包含全部记录）。",
        "more_bars": "另有 {n} 项未画出。",
        "policy": "政策",
        "as_of": "核查日期",
        "none": "无",
    },
    "en": {
        "title": "Childcare policy check report",
        "records": "records",
        "reports": "reports",
        "filter": "filter by id, name or rule",
        "all": "all statuses",
        "violations_chart": "Violations by rule",
        "subsidy_chart": "Subsidy totals by subsidy (CNY)",
        "subsidy_district": "{title} ({unit}) by district",
        "targets_chart": "Region targets: observed against required, by year",
        "targets_legend": "bar: observed; line: required. green: met, red: missed, grey: not yet due",
        "left_out": "{n} more records are not listed (the table keeps {limit}; the summary and charts count all).",
        "more_bars": "{n} more not drawn.",
        "policy": "policy",
        "as_of": "as of",
        "none": "none",
    },
}
OUTCOME_COLOR = {"pass": "#1e8449", "fail": "#c0392b"}
CHART_BARS = 20

_STYLE = """\
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{font-size:24px;margin:0 0 4px} .meta,.note{color:#555;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid #ccc;border-radius:6px;padding:8px 16px;min-width:84px}
.card b{display:block;font-size:28px} .card.fail b{color:#c0392b} .card.pass b{color:#1e8449}
.card.incomplete b{color:#b9770e} .card.error b{color:#7d3c98}
.charts{display:flex;flex-wrap:wrap;gap:24px;margin:16px 0} figure{margin:0}
figcaption{font-weight:bold;margin-bottom:4px} svg.chart{max-width:100%;height:auto} svg text{font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top} td.n{text-align:right;white-space:nowrap} td.st{white-space:nowrap}
th{background:#f4f4f4;position:sticky;top:0} .s-fail{color:#c0392b} .s-pass{color:#1e8449}
.s-incomplete{color:#b9770e} .s-error{color:#7d3c98} #filter{width:320px;padding:4px}
"""

_SCRIPT = """\
(function(){
const q=document.getElementById('filter'),st=document.getElementById('status'),shown=document.getElementById('shown');
const trs=Array.from(document.querySelectorAll('#records tbody tr'));
function apply(){const text=q.value.trim().toLowerCase(),s=st.value;let n=0;
for(const tr of trs){const ok=(!s||tr.dataset.status===s)&&(!text||tr.textContent.toLowerCase().includes(text));
tr.style.display=ok?'':'none';if(ok)n++;}shown.textContent=n+' / '+trs.length;}
// a link can carry a filter: report.html#status=fail&q=LMT
const h=new URLSearchParams(location.hash.slice(1));if(h.has('q'))q.value=h.get('q');
if(h.has('status'))st.value=h.get('status');
q.addEventListener('input',apply);st.addEventListener('change',apply);apply();
})();
"""


def _html_row(item: dict[str, Any], lang: str) -> str:
    e = html.escape
    status = str(item.get("status", ""))
    if status == "error":
        details = [_error_text(item, err, lang) for err in item.get("errors") or ()]
        count, money = "", ""
    else:
        details = [f"✗ {v['rule']}: {_text(v, 'message', lang)}" for v in _requirement_failures(item)]
        details += [f"◇ {v['rule']}: {AIM_LABEL[lang]}: {_text(v, 'message', lang)}" for v in _aims_not_met(item)]
        details += [f"? {f['rule']}: {_missing(f, lang)}" for f in _unknown_findings(item)]
        count, money = str(len(_requirement_failures(item))), _subsidy_total(item, lang)
    label = STATUS_LABEL[lang].get(status, status)
    return (
        f'<tr data-status="{e(status)}"><td>{e(str(item.get("id") or ""))}</td><td>{e(_name(item))}</td>'
        f'<td class="st s-{e(status)}">{e(label)}</td><td class="n">{count}</td><td class="n">{e(money)}</td>'
        f"<td>{'<br>'.join(e(d) for d in details) or '—'}</td></tr>"
    )


def write_html(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """One self-contained page: summary cards, SVG charts and a filterable table of at most HTML_ROW_LIMIT rows."""
    lang = options.lang
    rows: list[str] = []
    left_out = 0
    for item in stream:
        if len(rows) < HTML_ROW_LIMIT:
            rows.append(_html_row(item, lang))
        else:
            left_out += 1
    # the head holds the summary and the charts, so it is written once the stream is exhausted
    out.write(_page_head(options.summary, lang, options.title))
    for row in rows:
        out.write(row + "\n")
    out.write(_page_tail(left_out, lang))


def _cards(s: Summary, lang: str) -> str:
    t, labels, e = HTML_TEXT[lang], STATUS_LABEL[lang], html.escape
    cards = [
        (t["records"], s.rows, "all"),
        (labels["pass"], s.passed, "pass"),
        (labels["fail"], s.failed, "fail"),
        (labels["incomplete"], s.incomplete, "incomplete"),
        (labels["error"], s.errors, "error"),
    ]
    return "".join(f'<div class="card {k}">{e(label)}<b>{n}</b></div>' for label, n, k in cards)


def _meta(s: Summary, lang: str) -> str:
    t = HTML_TEXT[lang]
    meta = []
    if s.policies:
        meta.append(f"{t['policy']}: {', '.join(sorted(s.policies))}")
    if s.as_of:
        meta.append(f"{t['as_of']}: {', '.join(sorted(s.as_of))}")
    return " · ".join(meta)


def _page_head(s: Summary, lang: str, title: str | None) -> str:
    t, labels, e = HTML_TEXT[lang], STATUS_LABEL[lang], html.escape
    page_title = e(title or t["title"])
    charts = [_violations_chart(s, lang), *_subsidy_charts(s, lang)]
    if s.targets:
        charts.append(_target_chart(s, lang))
    options = "".join(f'<option value="{k}">{e(labels[k])}</option>' for k in STATUSES)
    return f"""<!doctype html>
<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
<style>
{_STYLE}</style></head><body>
<h1>{page_title}</h1>
{_notices(s, lang)}<p class="meta">{e(_meta(s, lang))}</p>
<div class="cards" id="summary">{_cards(s, lang)}</div>
<p id="money">{e(s.money_line(lang))}</p>
<div class="charts">{"".join(charts)}</div>
<p><input id="filter" type="search" placeholder="{e(t["filter"])}">
<select id="status"><option value="">{e(t["all"])}</option>{options}</select> <span id="shown"></span></p>
<table id="records"><thead><tr>{"".join(f"<th>{e(h)}</th>" for h in HTML_HEAD[lang])}</tr></thead><tbody>
"""


def _notices(s: Summary, lang: str) -> str:
    """The reports' warnings (a plan that has ended, a date outside a policy's period), at the top of the page."""
    texts = [en if lang == "en" else zh for zh, en in s.notices.values()]
    return "".join(f'<p class="note warn">⚠ {html.escape(t)}</p>\n' for t in texts)


def _page_tail(left_out: int, lang: str) -> str:
    t = HTML_TEXT[lang]
    more = (
        f'<p class="note">{html.escape(t["left_out"].format(n=left_out, limit=HTML_ROW_LIMIT))}</p>' if left_out else ""
    )
    return f"""</tbody></table>{more}
<script>
{_SCRIPT}</script>
</body></html>
"""


def _figure(caption: str, svg: str, note: str = "") -> str:
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return f"<figure><figcaption>{html.escape(caption)}</figcaption>{svg}{note_html}</figure>"


def _bar_svg(caption: str, data: list[tuple[str, Decimal, str, str]], color: str) -> str:
    """Horizontal bars: (label, value, value text, tooltip)."""
    width, bar_h, label_w, value_w = 540, 24, 200, 100
    top = max((value for _, value, _, _ in data), default=Decimal(0)) or Decimal(1)
    height = bar_h * len(data) + 8
    e = html.escape
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(caption)}">'
    ]
    for i, (label, value, text, tip) in enumerate(data):
        w = max(1, int((width - label_w - value_w) * value / top)) if value > 0 else 0
        y = i * bar_h + 4
        parts.append(
            f"<g><title>{e(tip)}</title>"
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{e(_clip(label, 30))}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w}" height="{bar_h - 8}" fill="{color}"></rect>'
            f'<text x="{label_w + w + 4}" y="{y + 13}">{e(text)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _violations_chart(s: Summary, lang: str) -> str:
    t = HTML_TEXT[lang]
    ranked = sorted(s.violations_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked:
        return _figure(t["violations_chart"], f"<p>{html.escape(t['none'])}</p>")
    data = [(s.rule_title(rule, lang), Decimal(n), str(n), rule) for rule, n in ranked[:CHART_BARS]]
    rest = len(ranked) - CHART_BARS
    return _figure(
        t["violations_chart"],
        _bar_svg(t["violations_chart"], data, "#c0392b"),
        t["more_bars"].format(n=rest) if rest > 0 else "",
    )


def _subsidy_charts(s: Summary, lang: str) -> list[str]:
    t = HTML_TEXT[lang]
    if s.subsidy_by_district:
        charts = []
        for sid, by in sorted(s.subsidy_by_district.items()):
            if not any(by.values()):
                continue  # a subsidy nobody received draws no chart; the summary line still names it
            unit = PERIOD_UNIT[lang].get(s.subsidy_periods.get(sid, ""), "元" if lang == "zh" else "CNY")
            caption = t["subsidy_district"].format(title=s.subsidy_title(sid, lang), unit=unit)
            ranked = sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))
            data = [(d, v, _yuan(v), f"{sid} {d}") for d, v in ranked[:CHART_BARS]]
            rest = len(ranked) - CHART_BARS
            charts.append(
                _figure(caption, _bar_svg(caption, data, "#2471a3"), t["more_bars"].format(n=rest) if rest > 0 else "")
            )
        return charts
    data = []
    for sid in sorted(set(s.subsidy_totals) | set(s.subsidy_max)):
        total, low, high = s.subsidy_totals.get(sid), s.subsidy_min.get(sid), s.subsidy_max.get(sid)
        if low is not None and high is not None and low != high:
            data.append((s.subsidy_title(sid, lang), high, f"{_yuan(low)}–{_yuan(high)}", sid))
        elif total is not None:
            data.append((s.subsidy_title(sid, lang), total, _yuan(total), sid))
    if not data:
        return []
    return [_figure(t["subsidy_chart"], _bar_svg(t["subsidy_chart"], data, "#2471a3"))]


def _target_chart(s: Summary, lang: str) -> str:
    """One group per region and target; within it a bar per year, each group on its own scale (units differ)."""
    t = HTML_TEXT[lang]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for target in s.targets:
        groups.setdefault((str(target["id"]), target["rule"]), []).append(target)
    width, row_h, label_w, value_w = 540, 20, 120, 130
    e = html.escape
    parts: list[str] = []
    y, drawn, left_out = 4, 0, s.targets_left_out
    for (_, rule), targets in groups.items():
        if drawn >= 60:
            left_out += len(targets)
            continue
        first = targets[0]
        name = (first.get("title_en") if lang == "en" else None) or first.get("title") or rule
        heading = _clip(f"{first['region']} · {name}", 80)
        parts.append(f'<text x="0" y="{y + 13}" font-weight="bold">{e(heading)}</text>')
        y += row_h
        top = max(max(Decimal(str(x["observed"])), Decimal(str(x["required"]))) for x in targets) or Decimal(1)
        span = width - label_w - value_w
        for x in sorted(targets, key=lambda x: (x["year"] is None, x["year"] or 0)):
            observed, required = Decimal(str(x["observed"])), Decimal(str(x["required"]))
            w = max(1, int(span * observed / top)) if observed > 0 else 0
            x_req = label_w + int(span * required / top)
            color = OUTCOME_COLOR.get(str(x["outcome"]), "#95a5a6")
            year = str(x["year"]) if x["year"] is not None else "—"
            tip = f"{rule} {year}: {x['outcome']}"
            parts.append(
                f"<g><title>{e(tip)}</title>"
                f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{e(year)}</text>'
                f'<rect class="bar" x="{label_w}" y="{y + 2}" width="{w}" height="12" fill="{color}"></rect>'
                f'<line x1="{x_req}" x2="{x_req}" y1="{y}" y2="{y + 16}" stroke="#000" stroke-width="2"></line>'
                f'<text x="{width - value_w + 8}" y="{y + 12}">{e(_num(observed))} / {e(_num(required))}</text></g>'
            )
            y += row_h
            drawn += 1
        y += 6
    svg = (
        f'<svg class="chart targets" width="{width}" height="{y}" '
        f'viewBox="0 0 {width} {y}" role="img" aria-label="{e(t["targets_chart"])}">{"".join(parts)}</svg>'
    )
    note = t["targets_legend"] + (" " + t["more_bars"].format(n=left_out) if left_out else "")
    return _figure(t["targets_chart"], svg, note)
