"""Report writers: table (for people), JSON, JSONL, CSV, XLSX and a self-contained HTML page.

All writers stream: they take an iterable of report dicts (CONTRACT.md §4) and error rows, write as they go, and
keep only a :class:`Summary` whose size depends on the number of rules and districts, never on the number of records.
"""

from __future__ import annotations

import csv
import html
import json
import os
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

FORMATS = ("table", "json", "jsonl", "csv", "xlsx", "html")
STATUS_ZH = {"pass": "通过", "fail": "不通过", "incomplete": "信息不全", "error": "错误"}
STATUS_MARK = {"pass": "✓", "fail": "✗", "incomplete": "?", "error": "!"}
HTML_ROW_LIMIT = 2000


class Summary:
    """Counts and totals accumulated while reports stream past."""

    def __init__(self) -> None:
        self.rows = self.reports = self.passed = self.failed = self.incomplete = self.errors = 0
        self.violations_by_rule: dict[str, int] = {}
        self.rule_titles: dict[str, str] = {}
        self.subsidy_totals: dict[str, Decimal] = {}
        self.subsidy_min: dict[str, Decimal] = {}
        self.subsidy_max: dict[str, Decimal] = {}
        self.subsidy_eligible: dict[str, int] = {}
        self.subsidy_titles: dict[str, str] = {}
        self.subsidy_by_district: dict[str, Decimal] = {}
        self.targets: list[dict[str, Any]] = []  # region target findings, bounded

    def add(self, item: dict[str, Any]) -> None:
        self.rows += 1
        status = item.get("status")
        if status == "error":
            self.errors += 1
            return
        self.reports += 1
        if status == "pass":
            self.passed += 1
        elif status == "fail":
            self.failed += 1
        else:
            self.incomplete += 1
        for v in item.get("violations", ()):
            self.violations_by_rule[v["rule"]] = self.violations_by_rule.get(v["rule"], 0) + 1
            if v.get("title"):
                self.rule_titles[v["rule"]] = v["title"]
        district = (item.get("record") or {}).get("district")
        for s in item.get("subsidies", ()):
            sid = s["id"]
            if s.get("title"):
                self.subsidy_titles[sid] = s["title"]
            if s.get("eligible"):
                self.subsidy_eligible[sid] = self.subsidy_eligible.get(sid, 0) + 1
            for table, key in (
                (self.subsidy_totals, "amount"),
                (self.subsidy_min, "amount_min"),
                (self.subsidy_max, "amount_max"),
            ):
                if s.get(key) is not None:
                    table[sid] = table.get(sid, Decimal(0)) + Decimal(s[key])
            if s.get("amount") is not None:
                key = district or s.get("title") or sid
                self.subsidy_by_district[key] = self.subsidy_by_district.get(key, Decimal(0)) + Decimal(s["amount"])
        if item.get("kind") == "region" and len(self.targets) < 200:
            for f in item.get("findings", ()):
                if f.get("year") is not None and f.get("subject") is None:
                    self.targets.append(
                        {
                            "id": item.get("id"),
                            "rule": f["rule"],
                            "title": f.get("title"),
                            "year": f["year"],
                            "observed": f.get("observed"),
                            "required": f.get("required"),
                            "outcome": f["outcome"],
                        }
                    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "reports": self.reports,
            "passed": self.passed,
            "failed": self.failed,
            "incomplete": self.incomplete,
            "errors": self.errors,
            "violations_by_rule": dict(sorted(self.violations_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "subsidy_totals": {k: f"{v:.2f}" for k, v in sorted(self.subsidy_totals.items())},
            "subsidy_min": {k: f"{v:.2f}" for k, v in sorted(self.subsidy_min.items())},
            "subsidy_max": {k: f"{v:.2f}" for k, v in sorted(self.subsidy_max.items())},
            "subsidy_eligible": dict(sorted(self.subsidy_eligible.items())),
        }

    def line(self, lang: str = "zh") -> str:
        money = "；".join(
            f"{self.subsidy_titles.get(k, k)}合计 {_yuan(v)} 元" for k, v in sorted(self.subsidy_totals.items())
        )
        if lang == "en":
            money_en = "; ".join(f"{k} total {_yuan(v)} CNY" for k, v in sorted(self.subsidy_totals.items()))
            return (
                f"{self.rows} rows: {self.passed} passed, {self.failed} failed, {self.incomplete} incomplete, "
                f"{self.errors} errors" + (f"; {money_en}" if money_en else "")
            )
        return (
            f"共 {self.rows} 条：通过 {self.passed}，不通过 {self.failed}，信息不全 {self.incomplete}，"
            f"错误 {self.errors}" + (f"；{money}" if money else "")
        )


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _counted(items: Iterable[dict[str, Any]], summary: Summary) -> Iterator[dict[str, Any]]:
    for item in items:
        summary.add(item)
        yield item


def write_reports(
    items: Iterable[dict[str, Any]], fmt: str, out: Any, *, lang: str = "zh", title: str | None = None
) -> Summary:
    """Write report dicts and error rows in ``fmt``; return the summary. ``out`` is a text stream (or a path)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    summary = Summary()
    stream = _counted(items, summary)
    if fmt == "xlsx":
        _write_xlsx(stream, out, lang)
        return summary
    if isinstance(out, (str, os.PathLike)):
        with open(out, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as fh:
            return _write_text(stream, fmt, fh, lang, title, summary)
    return _write_text(stream, fmt, out, lang, title, summary)


def _write_text(
    stream: Iterator[dict[str, Any]], fmt: str, out: IO[str], lang: str, title: str | None, summary: Summary
) -> Summary:
    if fmt == "jsonl":
        for item in stream:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    elif fmt == "json":
        out.write("[")
        for i, item in enumerate(stream):
            out.write(("," if i else "") + "\n" + json.dumps(item, ensure_ascii=False, indent=2))
        out.write("\n]\n")
    elif fmt == "table":
        _write_table(stream, out, lang)
        out.write(summary.line(lang) + "\n")
    elif fmt == "csv":
        _write_csv(stream, out, lang)
    elif fmt == "html":
        _write_html(stream, out, lang, title, summary)
    return summary


def _subsidy_total(item: dict[str, Any]) -> str:
    amounts = [Decimal(s["amount"]) for s in item.get("subsidies", ()) if s.get("amount") is not None]
    ranged = [s for s in item.get("subsidies", ()) if s.get("amount") is None and s.get("amount_min") is not None]
    text = _yuan(sum(amounts, Decimal(0))) if amounts else "—"
    if ranged:
        low = sum((Decimal(s["amount_min"]) for s in ranged), Decimal(0))
        high = sum((Decimal(s["amount_max"]) for s in ranged), Decimal(0))
        text += f" (+{_yuan(low)}–{_yuan(high)})"
    return text


def _write_table(stream: Iterator[dict[str, Any]], out: IO[str], lang: str) -> None:
    zh = lang != "en"
    for item in stream:
        status = item.get("status", "")
        mark = STATUS_MARK.get(status, " ")
        if status == "error":
            where = f"第 {item.get('row')} 行" if zh else f"row {item.get('row')}"
            out.write(f"{mark} {_pad(str(item.get('id') or '—'), 14)} {where} {'无法读取' if zh else 'unreadable'}\n")
            for e in item.get("errors", ()):
                out.write(
                    f"    {e.get('field') or ''} [{e['code']}] {e['message'] if zh else e.get('message_en') or e['message']}\n"
                )
            continue
        name = (item.get("record") or {}).get("name") or ""
        label = STATUS_ZH.get(status, status) if zh else status
        n = len(item.get("violations", ()))
        money = _subsidy_total(item)
        out.write(
            f"{mark} {_pad(str(item.get('id')), 14)} {_pad(name[:16], 34)} {_pad(label, 8)} "
            f"{('违规 ' if zh else 'violations ') + str(n):<8} {('补贴 ' if zh else 'subsidy ') + money}\n"
        )
        for v in item.get("violations", ()):
            msg = v["message"] if zh else v.get("message_en") or v["message"]
            fix = v.get("fix") if zh else v.get("fix_en") or v.get("fix")
            out.write(f"    ✗ {v['rule']}: {msg}" + (f" → {fix}" if fix else "") + "\n")
        for f in item.get("findings", ()):
            if f["outcome"] == "unknown":
                missing = "、".join(f.get("missing", ())) or f.get("reason", "")
                out.write(f"    ? {f['rule']}: " + (f"缺少 {missing}" if zh else f"missing {missing}") + "\n")
        for w in item.get("warnings", ()):
            out.write(f"    ! {w['message'] if zh else w['message_en']}\n")


CSV_HEADERS = {
    "zh": ["编号", "名称", "类型", "结果", "违规数", "违规规则", "信息不全规则", "补贴合计(元)", "错误"],
    "en": ["id", "name", "kind", "status", "violations", "violated_rules", "unknown_rules", "subsidy_total", "errors"],
}


def _write_csv(stream: Iterator[dict[str, Any]], out: IO[str], lang: str) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS["en" if lang == "en" else "zh"])
    for item in stream:
        if item.get("status") == "error":
            errors = "; ".join(f"row {item.get('row')} {e.get('field') or ''}: {e['message']}" for e in item["errors"])
            writer.writerow([item.get("id") or "", "", "", "error", "", "", "", "", errors])
            continue
        amounts = [Decimal(s["amount"]) for s in item.get("subsidies", ()) if s.get("amount") is not None]
        writer.writerow(
            [
                item.get("id"),
                (item.get("record") or {}).get("name", ""),
                item.get("kind"),
                item.get("status"),
                len(item.get("violations", ())),
                ";".join(dict.fromkeys(v["rule"] for v in item.get("violations", ()))),
                ";".join(dict.fromkeys(f["rule"] for f in item.get("findings", ()) if f["outcome"] == "unknown")),
                f"{sum(amounts, Decimal(0)):.2f}" if amounts else "",
                "",
            ]
        )


def _write_xlsx(stream: Iterator[dict[str, Any]], out: Any, lang: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    zh = lang != "en"
    book = Workbook(write_only=True)
    heads = {
        "reports": (
            ["编号", "名称", "类型", "结果", "违规数", "补贴合计(元)"]
            if zh
            else ["id", "name", "kind", "status", "violations", "subsidy_total"]
        ),
        "violations": (
            ["编号", "名称", "规则", "说明", "实际", "要求", "整改", "条款", "文件"]
            if zh
            else ["id", "name", "rule", "message", "observed", "required", "fix", "clause", "document"]
        ),
        "subsidies": (
            ["编号", "名称", "补贴", "是否符合", "金额", "最低", "最高", "周期", "依据"]
            if zh
            else ["id", "name", "subsidy", "eligible", "amount", "amount_min", "amount_max", "period", "basis"]
        ),
        "errors": (["行", "编号", "字段", "代码", "说明"] if zh else ["row", "id", "field", "code", "message"]),
    }
    names = {
        "reports": "报告" if zh else "reports",
        "violations": "违规" if zh else "violations",
        "subsidies": "补贴" if zh else "subsidies",
        "errors": "错误" if zh else "errors",
    }
    sheets = {}
    for key, header in heads.items():
        ws = book.create_sheet(names[key])
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{chr(64 + len(header))}1048576"
        cells = []
        for text in header:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = Font(bold=True)
            cells.append(cell)
        ws.append(cells)
        sheets[key] = ws

    def money(ws: Any, value: str | None) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(ws, value=Decimal(value))  # type: ignore[arg-type]  # openpyxl writes Decimal exactly
        cell.number_format = "#,##0.00"
        return cell

    for item in stream:
        if item.get("status") == "error":
            for e in item.get("errors", ()):
                sheets["errors"].append([item.get("row"), item.get("id"), e.get("field"), e["code"], e["message"]])
            continue
        name = (item.get("record") or {}).get("name", "")
        amounts = [Decimal(s["amount"]) for s in item.get("subsidies", ()) if s.get("amount") is not None]
        total = f"{sum(amounts, Decimal(0)):.2f}" if amounts else None
        ws = sheets["reports"]
        ws.append(
            [
                item.get("id"),
                name,
                item.get("kind"),
                STATUS_ZH.get(item["status"]) if zh else item["status"],
                len(item.get("violations", ())),
                money(ws, total),
            ]
        )
        for v in item.get("violations", ()):
            c = v.get("citation") or {}
            sheets["violations"].append(
                [
                    item.get("id"),
                    name,
                    v["rule"],
                    v["message"] if zh else v.get("message_en"),
                    _plain(v.get("observed")),
                    _plain(v.get("required")),
                    v.get("fix") if zh else v.get("fix_en"),
                    c.get("clause"),
                    c.get("document"),
                ]
            )
        ws = sheets["subsidies"]
        for s in item.get("subsidies", ()):
            ws.append(
                [
                    item.get("id"),
                    name,
                    s["id"],
                    s.get("eligible"),
                    money(ws, s.get("amount")),
                    money(ws, s.get("amount_min")),
                    money(ws, s.get("amount_max")),
                    s.get("period"),
                    s.get("basis"),
                ]
            )
    book.save(out)


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str)) or value is None else str(value)


def _write_html(stream: Iterator[dict[str, Any]], out: IO[str], lang: str, title: str | None, summary: Summary) -> None:
    zh = lang != "en"
    rows: list[str] = []
    left_out = 0
    for item in stream:
        if len(rows) >= HTML_ROW_LIMIT:
            left_out += 1
            continue
        status = item.get("status", "")
        if status == "error":
            detail = "; ".join(f"{e.get('field') or ''}: {e['message']}" for e in item.get("errors", ()))
        else:
            detail = "<br>".join(html.escape(f"{v['rule']}: {v['message']}") for v in item.get("violations", ()))
            detail = detail or "—"
        if status == "error":
            detail = html.escape(detail)
        name = html.escape(str((item.get("record") or {}).get("name", "")))
        rows.append(
            f'<tr data-status="{html.escape(status)}"><td>{html.escape(str(item.get("id") or ""))}</td>'
            f'<td>{name}</td><td class="s-{html.escape(status)}">{html.escape(STATUS_ZH.get(status, status) if zh else status)}</td>'
            f"<td>{len(item.get('violations', ()))}</td><td>{html.escape(_subsidy_total(item)) if status != 'error' else ''}</td>"
            f"<td>{detail}</td></tr>"
        )
    page_title = html.escape(title or ("托育政策核查报告" if zh else "Childcare policy check report"))
    s = summary
    cards = [
        ("记录" if zh else "records", s.rows),
        ("通过" if zh else "passed", s.passed),
        ("不通过" if zh else "failed", s.failed),
        ("信息不全" if zh else "incomplete", s.incomplete),
        ("错误" if zh else "errors", s.errors),
    ]
    charts = [
        _bar_chart(
            "按规则统计的违规" if zh else "Violations by rule",
            [(s.rule_titles.get(k) or k, v) for k, v in sorted(s.violations_by_rule.items(), key=lambda kv: -kv[1])][
                :20
            ],
            "#c0392b",
            money=False,
        ),
        _bar_chart(
            "补贴合计（元）" if zh else "Subsidy totals (CNY)",
            sorted(s.subsidy_by_district.items(), key=lambda kv: -kv[1])[:20],
            "#2471a3",
            money=True,
        ),
    ]
    if s.targets:
        charts.append(
            _target_chart("区域目标：实际与要求" if zh else "Region targets: observed vs required", s.targets)
        )
    more = (
        (
            f"<p>另有 {left_out} 条记录未列出（表格最多 {HTML_ROW_LIMIT} 行）。</p>"
            if zh
            else f"<p>{left_out} more records not listed (table limit {HTML_ROW_LIMIT}).</p>"
        )
        if left_out
        else ""
    )
    head = (
        ["编号", "名称", "结果", "违规数", "补贴(元)", "说明"]
        if zh
        else ["id", "name", "status", "violations", "subsidy (CNY)", "details"]
    )
    options = "".join(f'<option value="{k}">{STATUS_ZH[k] if zh else k}</option>' for k in STATUS_ZH)
    out.write(f"""<!doctype html>
<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8"><title>{page_title}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}}
.cards{{display:flex;gap:12px}} .card{{border:1px solid #ccc;border-radius:6px;padding:8px 16px;min-width:80px}}
.card b{{display:block;font-size:28px}} .charts{{display:flex;flex-wrap:wrap;gap:24px;margin:16px 0}}
table{{border-collapse:collapse;width:100%}} td,th{{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}}
th{{background:#f4f4f4}} .s-fail{{color:#c0392b}} .s-pass{{color:#1e8449}} .s-incomplete{{color:#b9770e}} .s-error{{color:#7d3c98}}
</style></head><body>
<h1>{page_title}</h1>
<div class="cards" id="summary">{"".join(f'<div class="card">{html.escape(k)}<b>{v}</b></div>' for k, v in cards)}</div>
<div class="charts">{"".join(charts)}</div>
<p><input id="filter" placeholder="{"筛选编号、名称或规则" if zh else "filter by id, name or rule"}">
<select id="status"><option value="">{"全部" if zh else "all"}</option>{options}</select></p>
<table id="records"><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table>{more}
<script>
const f=document.getElementById('filter'),st=document.getElementById('status');
function apply(){{const q=f.value.toLowerCase(),s=st.value;for(const tr of document.querySelectorAll('#records tbody tr')){{
tr.style.display=(tr.textContent.toLowerCase().includes(q)&&(!s||tr.dataset.status===s))?'':'none';}}}}
f.addEventListener('input',apply);st.addEventListener('change',apply);
</script></body></html>
""")


def _bar_chart(title: str, data: list[tuple[str, Any]], color: str, money: bool) -> str:
    if not data:
        return f"<figure><figcaption>{html.escape(title)}</figcaption><p>—</p></figure>"
    width, bar_h, label_w = 560, 22, 220
    top = max(float(v) for _, v in data) or 1.0
    height = bar_h * len(data) + 10
    parts = [f'<svg class="chart" width="{width}" height="{height}" role="img" aria-label="{html.escape(title)}">']
    for i, (label, value) in enumerate(data):
        w = max(1, int((width - label_w - 90) * float(value) / top))
        y = i * bar_h + 4
        text = _yuan(Decimal(value)) if money else str(value)
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12">{html.escape(str(label)[:28])}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w}" height="{bar_h - 6}" fill="{color}"></rect>'
            f'<text x="{label_w + w + 4}" y="{y + 15}" font-size="12">{text}</text>'
        )
    parts.append("</svg>")
    return f"<figure><figcaption>{html.escape(title)}</figcaption>{''.join(parts)}</figure>"


def _target_chart(title: str, targets: list[dict[str, Any]]) -> str:
    data = []
    for t in targets[:20]:
        try:
            observed, required = float(t["observed"]), float(t["required"])
        except (TypeError, ValueError):
            continue
        data.append((f"{t['id']} {t.get('title') or t['rule']} {t['year']}", observed, required, t["outcome"]))
    if not data:
        return ""
    width, bar_h, label_w = 560, 30, 260
    top = max(max(o, r) for _, o, r, _ in data) or 1.0
    parts = [f'<svg class="chart" width="{width}" height="{bar_h * len(data) + 10}" role="img">']
    for i, (label, observed, required, outcome) in enumerate(data):
        y = i * bar_h + 4
        w_obs = max(1, int((width - label_w - 20) * observed / top))
        x_req = label_w + int((width - label_w - 20) * required / top)
        color = "#1e8449" if outcome == "pass" else "#c0392b" if outcome == "fail" else "#7f8c8d"
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="11">{html.escape(label[:36])}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w_obs}" height="14" fill="{color}"></rect>'
            f'<line x1="{x_req}" x2="{x_req}" y1="{y - 2}" y2="{y + 18}" stroke="#000" stroke-width="2"></line>'
        )
    parts.append("</svg>")
    return f"<figure><figcaption>{html.escape(title)}</figcaption>{''.join(parts)}</figure>"
