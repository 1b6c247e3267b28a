"""HTML for officials: one self-contained page (no network), rendered by Jinja2 with autoescaping.

A title block (the document's name, 文号, issuer, the as-of date, a banner when the date is outside the policy's
period or the plan has ended), a one-screen summary (counts, subsidy totals by period with open and undecided lines
apart, budget use), SVG bar charts, the missing-data panel, cards per institution in plain words, and a filterable,
sortable table; print styles for A4. The policy's documents come from ``WriteOptions.meta`` (the CLI builds it with
``Policy.report_meta``); nothing of the engine is imported.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import IO, Any

import jinja2

from ._format import PERIOD_UNIT, STATUS_LABEL, STATUSES, _clip, _num, _yuan
from .base import WriteOptions
from .html_page import CARD_LIMIT, HTML_ROW_LIMIT, PERIOD_WORD, PageData, money_span
from .html_text import HTML_TEXT
from .provenance import provenance_line
from .summary import Summary

__all__ = ["CARD_LIMIT", "HTML_ROW_LIMIT", "bar_chart", "write_html"]

OUTCOME_COLOR = {"pass": "#1e8449", "fail": "#c0392b"}
CHART_BARS = 20
BAR_WIDTH, BAR_HEIGHT, LABEL_WIDTH, VALUE_WIDTH = 540, 24, 200, 100
_BUDGET_FACTOR: dict[str, dict[str, Decimal]] = {  # a subsidy's period → how often it falls in one budget period
    "year": {"month": Decimal(12), "year": Decimal(1), "once": Decimal(1)},
    "month": {"month": Decimal(1), "year": Decimal(1) / 12, "once": Decimal(1)},
}


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tuoyu_rules.writers", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def write_html(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """The page: the stream is read to its end first (the summary heads the page), keeping capped rows and cards."""
    page = PageData(options.lang)
    for item in stream:
        page.add(item)
    for chunk in _template().generate(**_context(options, page)):
        out.write(chunk)


def _context(options: WriteOptions, page: PageData) -> dict[str, Any]:
    lang, s, meta = options.lang, options.summary, options.meta or {}
    t = HTML_TEXT[lang]
    labels = STATUS_LABEL[lang]
    return {
        "t": t,
        "sep": "、" if lang == "zh" else ", ",
        "html_lang": "en" if lang == "en" else "zh-CN",
        "title": options.title or _meta_text(meta, "name", lang) or t["title"],
        "documents": [
            {key: d.get(key) for key in ("title", "number", "issuer", "date")} for d in meta.get("documents") or ()
        ],
        "facts": _facts(s, meta, t, lang),
        "banners": _banners(meta, page, t, lang),
        "counts": [
            (t["records"], s.rows, "all"),
            *((labels[k], n, k) for k, n in zip(STATUSES, (s.passed, s.failed, s.incomplete, s.errors), strict=True)),
        ],
        "money": _money(s, page, lang),
        "period_totals": _period_totals(s, lang),
        "budget": _budget(s, page, meta, t, lang),
        "charts": _charts(s, page, lang),
        "missing": page.missing_panel(),
        "cards": page.cards,
        "cards_left_out": t["cards_left_out"].format(n=page.cards_left_out, limit=CARD_LIMIT)
        if page.cards_left_out
        else "",
        "statuses": [(k, labels[k]) for k in STATUSES],
        "head": t["head"],
        "rows": page.rows,
        "rows_left_out": t["left_out"].format(n=page.rows_left_out, limit=HTML_ROW_LIMIT) if page.rows_left_out else "",
        "provenance": [provenance_line(p, lang) for p in s.provenances.values()],
    }


def _meta_text(meta: Mapping[str, Any], key: str, lang: str) -> str:
    value = meta.get(f"{key}_en") if lang == "en" else None
    return str(value or meta.get(key) or "")


def _facts(s: Summary, meta: Mapping[str, Any], t: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    facts = []
    as_of = meta.get("as_of") or ", ".join(sorted(s.as_of))
    if as_of:
        facts.append((t["as_of"], str(as_of)))
    period = meta.get("in_force") or {}
    if period.get("from"):
        facts.append(
            (t["in_force"], t["period"].format(start=period["from"], end=period.get("until") or t["open_end"]))
        )
    if meta.get("jurisdiction"):
        facts.append((t["jurisdiction"], _meta_text(meta, "jurisdiction", lang)))
    policies = [str(meta["policy"])] if meta.get("policy") else sorted(s.policies)
    if policies:
        facts.append((t["policy"], ", ".join(policies)))
    return facts


def _banners(meta: Mapping[str, Any], page: PageData, t: dict[str, Any], lang: str) -> list[str]:
    """A plan that has ended (by today's date), and every report warning (an as-of date outside the period …)."""
    out = []
    until = (meta.get("in_force") or {}).get("until")
    if until and str(until) < datetime.date.today().isoformat():
        out.append(t["expired"].format(until=until))
    for code, w in sorted(page.warnings.items()):
        out.append(t["warning"].format(message=w["message"] or code, n=w["count"]))
    return out


def _span(s: Summary, sid: str) -> tuple[Decimal, Decimal] | None:
    """A subsidy's total (a range when amounts are ranges), or None when no eligible line has an amount: a subsidy
    whose every eligible line is open is not 0.00 (ineligible lines may carry 0.00)."""
    if s.subsidy_eligible.get(sid, 0) <= s.subsidy_open.get(sid, 0):
        return None
    low, high, total = s.subsidy_min.get(sid), s.subsidy_max.get(sid), s.subsidy_totals.get(sid)
    if low is not None:
        return low, high if high is not None else low
    return (total, total) if total is not None else None


def _money(s: Summary, page: PageData, lang: str) -> list[dict[str, Any]]:
    rows = []
    for sid in sorted(s.subsidy_titles):
        span = _span(s, sid)
        period = s.subsidy_periods.get(sid, "")
        rows.append(
            {
                "title": s.subsidy_title(sid, lang),
                "period": PERIOD_UNIT[lang].get(period, period),
                "amount": money_span(*span) if span else "—",
                "eligible": s.subsidy_eligible.get(sid, 0),
                "open": s.subsidy_open.get(sid, 0),
                "unknown": page.subsidy_unknown.get(sid, 0),
            }
        )
    return rows


def _period_totals(s: Summary, lang: str) -> list[dict[str, str]]:
    """One total per period: monthly amounts are added to monthly ones only, one-off to one-off."""
    sums: dict[str, list[Decimal]] = {}
    for sid in s.subsidy_titles:
        span = _span(s, sid)
        if span is not None:
            entry = sums.setdefault(s.subsidy_periods.get(sid, "once"), [Decimal(0), Decimal(0)])
            entry[0] += span[0]
            entry[1] += span[1]
    word = HTML_TEXT[lang]["period_total"]
    return [
        {"label": word.format(period=PERIOD_WORD[lang].get(p, p)), "amount": money_span(*sums[p])}
        for p in ("month", "year", "once")
        if p in sums
    ]


def _budget(s: Summary, page: PageData, meta: Mapping[str, Any], t: dict[str, Any], lang: str) -> dict[str, str] | None:
    """The stated budget against one budget period of this ledger's subsidies (as ``tuoyu-rules budget``)."""
    budget = meta.get("budget")
    if not budget or budget.get("amount") is None or budget.get("period") not in _BUDGET_FACTOR:
        return None
    factors = _BUDGET_FACTOR[budget["period"]]
    low = high = Decimal(0)
    counted = 0
    for sid in s.subsidy_titles:
        span = _span(s, sid)
        if span is not None:
            counted += 1
            factor = factors.get(s.subsidy_periods.get(sid, "once"), Decimal(1))
            low += (span[0] * factor).quantize(Decimal("0.01"))
            high += (span[1] * factor).quantize(Decimal("0.01"))
    stated = Decimal(str(budget["amount"]))
    share = money_share(low, high, stated) if counted else "—"
    left_out = sum(s.subsidy_open.values()) + sum(page.subsidy_unknown.values())
    return {
        "text": t["budget_text"].format(
            title=_meta_text(budget, "title", lang) or t["budget"],
            stated=_yuan(stated),
            unit=PERIOD_UNIT[lang].get(budget["period"], ""),
            used=money_span(low, high) if counted else "—",
            share=share,
        ),
        "note": t["budget_note"].format(n=left_out) + (t["budget_left_out"].format(n=left_out) if left_out else ""),
    }


def money_share(low: Decimal, high: Decimal, stated: Decimal) -> str:
    if stated <= 0:
        return "—"
    lo, hi = (low * 100 / stated).quantize(Decimal("0.1")), (high * 100 / stated).quantize(Decimal("0.1"))
    return f"{lo}%" if lo == hi else f"{lo}–{hi}%"


# ---- charts: geometry here, drawing in the template -------------------------------------------------------------
def bar_chart(chart_id: str, caption: str, data: list[tuple[str, Decimal, str, str]], color: str) -> dict[str, Any]:
    """Horizontal bars, one per (label, value, value text, tooltip): each bar's width is proportional to its value
    (the largest spans the plot), to a tenth of a pixel; a positive value gets at least one pixel."""
    span = BAR_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max((value for _, value, _, _ in data), default=Decimal(0)) or Decimal(1)
    items = []
    for i, (label, value, text, tip) in enumerate(data):
        width = max(Decimal(1), (span * value / top).quantize(Decimal("0.1"))) if value > 0 else Decimal(0)
        y = i * BAR_HEIGHT + 4
        items.append(
            {
                "type": "bar",
                "label": _clip(label, 30),
                "text": text,
                "tip": tip,
                "value": str(value),
                "x": LABEL_WIDTH,
                "y": y,
                "w": width,
                "h": BAR_HEIGHT - 8,
                "color": color,
                "label_x": LABEL_WIDTH - 6,
                "text_x": LABEL_WIDTH + width + 4,
                "text_y": y + 13,
                "mark_x": None,
            }
        )
    height = BAR_HEIGHT * len(data) + 8
    return {
        "id": chart_id,
        "kind": "bars",
        "caption": caption,
        "width": BAR_WIDTH,
        "height": height,
        "marks": items,
        "empty": not items,
        "note": "",
    }


def _ranked_chart(chart_id: str, caption: str, counts: Mapping[str, Any], color: str, lang: str, **kw: Any) -> Any:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    label = kw.get("label", lambda key: key)
    text = kw.get("text", str)
    data = [(label(k), Decimal(v), text(v), k) for k, v in ranked[:CHART_BARS]]
    chart = bar_chart(chart_id, caption, data, color)
    rest = len(ranked) - CHART_BARS
    chart["note"] = HTML_TEXT[lang]["more_bars"].format(n=rest) if rest > 0 else ""
    return chart


def _charts(s: Summary, page: PageData, lang: str) -> list[dict[str, Any]]:
    t = HTML_TEXT[lang]
    charts = [
        _ranked_chart(
            "chart-rules",
            t["violations_chart"],
            s.violations_by_rule,
            "#c0392b",
            lang,
            label=lambda rule: s.rule_title(rule, lang),
        ),
        _ranked_chart("chart-districts", t["district_chart"], page.by_district, "#c0392b", lang),
    ]
    for sid, by in sorted(s.subsidy_by_district.items()):
        if any(by.values()):  # a subsidy nobody received draws no chart; the summary table still names it
            unit = PERIOD_UNIT[lang].get(s.subsidy_periods.get(sid, ""), "元" if lang == "zh" else "CNY")
            caption = t["subsidy_district"].format(title=s.subsidy_title(sid, lang), unit=unit)
            charts.append(_ranked_chart(f"chart-{sid}", caption, by, "#2471a3", lang, text=_yuan))
    if s.targets:
        charts.append(_target_chart(s, lang))
    return charts


def _target_chart(s: Summary, lang: str) -> dict[str, Any]:
    """One group per region and target; within it a bar per year, each group on its own scale (units differ)."""
    t = HTML_TEXT[lang]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for target in s.targets:
        groups.setdefault((str(target["id"]), target["rule"]), []).append(target)
    width, row_h, label_w, value_w = 540, 20, 120, 130
    span = width - label_w - value_w
    items: list[dict[str, Any]] = []
    y, drawn, left_out = 4, 0, s.targets_left_out
    for (_, rule), targets in groups.items():
        if drawn >= 60:
            left_out += len(targets)
            continue
        first = targets[0]
        name = (first.get("title_en") if lang == "en" else None) or first.get("title") or rule
        items.append({"type": "heading", "x": 0, "y": y + 13, "text": _clip(f"{first['region']} · {name}", 80)})
        y += row_h
        top = max(max(Decimal(str(x["observed"])), Decimal(str(x["required"]))) for x in targets) or Decimal(1)
        for x in sorted(targets, key=lambda x: (x["year"] is None, x["year"] or 0)):
            observed, required = Decimal(str(x["observed"])), Decimal(str(x["required"]))
            w = max(Decimal(1), (span * observed / top).quantize(Decimal("0.1"))) if observed > 0 else Decimal(0)
            year = str(x["year"]) if x["year"] is not None else "—"
            items.append(
                {
                    "type": "bar",
                    "label": year,
                    "tip": f"{name} {year}: {x['outcome']}",
                    "value": str(observed),
                    "x": label_w,
                    "y": y + 2,
                    "w": w,
                    "h": 12,
                    "color": OUTCOME_COLOR.get(str(x["outcome"]), "#95a5a6"),
                    "label_x": label_w - 6,
                    "text_x": width - value_w + 8,
                    "text_y": y + 12,
                    "text": f"{_num(observed)} / {_num(required)}",
                    "mark_x": label_w + (span * required / top).quantize(Decimal("0.1")),
                }
            )
            y += row_h
            drawn += 1
        y += 6
    note = t["targets_legend"] + (" " + t["more_bars"].format(n=left_out) if left_out else "")
    return {
        "id": "chart-targets",
        "kind": "targets",
        "caption": t["targets_chart"],
        "width": width,
        "height": y,
        "marks": items,
        "empty": False,
        "note": note,
    }
