"""Report writers: table (for people), JSON, JSONL, CSV, XLSX and a self-contained HTML page.

All writers stream: they take an iterable of report dicts (CONTRACT.md §4) and error rows, write as they go, and keep
only a :class:`Summary` whose size depends on the number of rules, subsidies and districts, never on the number of
records. The one exception is the HTML table, which keeps at most :data:`HTML_ROW_LIMIT` rows.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import itertools
import json
import os
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

__all__ = ["FORMATS", "HTML_ROW_LIMIT", "Summary", "write_reports"]

FORMATS = ("table", "json", "jsonl", "csv", "xlsx", "html")
STATUSES = ("pass", "fail", "incomplete", "error")
STATUS_LABEL = {
    "zh": {"pass": "通过", "fail": "不通过", "incomplete": "信息不全", "error": "错误"},
    "en": {"pass": "pass", "fail": "fail", "incomplete": "incomplete", "error": "error"},
}
STATUS_MARK = {"pass": "✓", "fail": "✗", "incomplete": "?", "error": "!"}
PERIOD_UNIT = {
    "zh": {"month": "元/月", "year": "元/年", "once": "元，一次性"},
    "en": {"month": "CNY/month", "year": "CNY/year", "once": "CNY, one-off"},
}
HTML_ROW_LIMIT = 2000
"""The HTML table lists at most this many records; the charts and the summary still count them all."""
TARGET_LIMIT = 240
"""Region target findings kept for the HTML chart (the summary stays bounded however many regions stream past)."""
CSV_LOOKAHEAD = 1000
"""Records read ahead by the CSV writer to learn the subsidy columns before it writes the header."""
MONEY_FORMAT = "0.00"


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


class Summary:
    """Counts and totals accumulated while reports stream past (汇总).

    Its size grows with the number of rules, subsidies, districts and policies, never with the number of records.
    """

    def __init__(self) -> None:
        self.rows = 0
        self.reports = 0
        self.passed = 0
        self.failed = 0
        self.incomplete = 0
        self.errors = 0
        self.violations_by_rule: dict[str, int] = {}
        self.unknown_by_rule: dict[str, int] = {}
        self.rule_titles: dict[str, tuple[str | None, str | None]] = {}
        self.subsidy_totals: dict[str, Decimal] = {}
        self.subsidy_min: dict[str, Decimal] = {}
        self.subsidy_max: dict[str, Decimal] = {}
        self.subsidy_eligible: dict[str, int] = {}
        self.subsidy_open: dict[str, int] = {}
        self.subsidy_titles: dict[str, tuple[str | None, str | None]] = {}
        self.subsidy_periods: dict[str, str] = {}
        self.subsidy_by_district: dict[str, dict[str, Decimal]] = {}
        self.policies: dict[str, int] = {}
        self.as_of: set[str] = set()
        self.targets: list[dict[str, Any]] = []
        self.targets_left_out = 0

    def add(self, item: dict[str, Any]) -> None:
        """Count one report or error row."""
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
        if item.get("policy"):
            self.policies[item["policy"]] = self.policies.get(item["policy"], 0) + 1
        if item.get("as_of") and len(self.as_of) < 10:
            self.as_of.add(str(item["as_of"]))
        for v in item.get("violations") or ():
            rule = v["rule"]
            self.violations_by_rule[rule] = self.violations_by_rule.get(rule, 0) + 1
            if rule not in self.rule_titles and (v.get("title") or v.get("title_en")):
                self.rule_titles[rule] = (v.get("title"), v.get("title_en"))
        record = item.get("record") or {}
        district = record.get("district")
        for s in item.get("subsidies") or ():
            self._add_subsidy(s, district)
        findings = item.get("findings") or ()
        for f in findings:
            if f.get("outcome") == "unknown":
                self.unknown_by_rule[f["rule"]] = self.unknown_by_rule.get(f["rule"], 0) + 1
        if item.get("kind") == "region":
            self._add_targets(item, findings, record)

    def _add_subsidy(self, s: dict[str, Any], district: Any) -> None:
        sid = s["id"]
        if sid not in self.subsidy_titles:
            self.subsidy_titles[sid] = (s.get("title"), s.get("title_en"))
            if s.get("period"):
                self.subsidy_periods[sid] = s["period"]
        if s.get("eligible"):
            self.subsidy_eligible[sid] = self.subsidy_eligible.get(sid, 0) + 1
            if _amount_open(s):
                self.subsidy_open[sid] = self.subsidy_open.get(sid, 0) + 1
        for table, key in (
            (self.subsidy_totals, "amount"),
            (self.subsidy_min, "amount_min"),
            (self.subsidy_max, "amount_max"),
        ):
            if s.get(key) is not None:
                table[sid] = table.get(sid, Decimal(0)) + Decimal(s[key])
        if s.get("amount") is not None and district:
            by = self.subsidy_by_district.setdefault(sid, {})
            by[str(district)] = by.get(str(district), Decimal(0)) + Decimal(s["amount"])

    def _add_targets(self, item: dict[str, Any], findings: Iterable[dict[str, Any]], record: dict[str, Any]) -> None:
        name, ident = item.get("name") or record.get("name"), item.get("id")
        region = f"{name} {ident}" if name and ident and name != ident else str(name or ident or "")
        for f in findings:
            if f.get("subject") is not None or not _is_number(f.get("observed")) or not _is_number(f.get("required")):
                continue
            if len(self.targets) >= TARGET_LIMIT:
                self.targets_left_out += 1
                continue
            self.targets.append(
                {
                    "id": item.get("id"),
                    "region": region,
                    "rule": f["rule"],
                    "title": f.get("title"),
                    "title_en": f.get("title_en"),
                    "year": f.get("year"),
                    "observed": f["observed"],
                    "required": f["required"],
                    "outcome": f.get("outcome"),
                }
            )

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data; money as decimal strings."""
        return {
            "rows": self.rows,
            "reports": self.reports,
            "passed": self.passed,
            "failed": self.failed,
            "incomplete": self.incomplete,
            "errors": self.errors,
            "violations_by_rule": dict(sorted(self.violations_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "unknown_by_rule": dict(sorted(self.unknown_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "subsidy_totals": {k: _money(v) for k, v in sorted(self.subsidy_totals.items())},
            "subsidy_min": {k: _money(v) for k, v in sorted(self.subsidy_min.items())},
            "subsidy_max": {k: _money(v) for k, v in sorted(self.subsidy_max.items())},
            "subsidy_eligible": dict(sorted(self.subsidy_eligible.items())),
            "subsidy_open": dict(sorted(self.subsidy_open.items())),
            "subsidy_by_district": {
                sid: {d: _money(v) for d, v in sorted(by.items())}
                for sid, by in sorted(self.subsidy_by_district.items())
            },
        }

    def rule_title(self, rule: str, lang: str = "zh") -> str:
        zh, en = self.rule_titles.get(rule, (None, None))
        return (en or zh or rule) if lang == "en" else (zh or rule)

    def subsidy_title(self, sid: str, lang: str = "zh") -> str:
        zh, en = self.subsidy_titles.get(sid, (None, None))
        return (en or sid) if lang == "en" else (zh or sid)

    def money_line(self, lang: str = "zh") -> str:
        """Subsidy totals in words: a fixed total, the range when some amounts are ranges, and open amounts."""
        en = lang == "en"
        parts = []
        for sid in sorted(set(self.subsidy_totals) | set(self.subsidy_min) | set(self.subsidy_open)):
            total, low, high = self.subsidy_totals.get(sid), self.subsidy_min.get(sid), self.subsidy_max.get(sid)
            opened = self.subsidy_open.get(sid, 0)
            if low is not None and high is not None and (low != high or total is None or total != low):
                amount: str | None = f"{_yuan(low)}–{_yuan(high)}"
            elif total is not None and (total or not opened):
                amount = _yuan(total)
            else:
                amount = None
            name = self.subsidy_title(sid, lang)
            text = (f"{name} total {amount} CNY" if en else f"{name}合计 {amount} 元") if amount else name
            if opened:
                if amount:
                    text += (
                        f" (and {opened} eligible, amount open)" if en else f"（另有 {opened} 条符合条件、金额未定）"
                    )
                else:
                    text += f": {opened} eligible, amount open" if en else f"：{opened} 条符合条件，金额未定"
            parts.append(text)
        return ("; " if en else "；").join(parts)

    def line(self, lang: str = "zh") -> str:
        """One line for the end of a table: counts, then subsidy totals."""
        money = self.money_line(lang)
        if lang == "en":
            return (
                f"{self.rows} rows: {self.passed} passed, {self.failed} failed, {self.incomplete} incomplete, "
                f"{self.errors} errors" + (f"; {money}" if money else "")
            )
        return (
            f"共 {self.rows} 条：通过 {self.passed}，不通过 {self.failed}，信息不全 {self.incomplete}，"
            f"错误 {self.errors}" + (f"；{money}" if money else "")
        )


def write_reports(
    items: Iterable[dict[str, Any]],
    fmt: str,
    out: IO[str] | IO[bytes] | str | os.PathLike[str],
    *,
    lang: str = "zh",
    title: str | None = None,
) -> Summary:
    """Write reports and error rows in ``fmt`` to ``out`` (a text stream, a binary stream or a path); return the summary.

    ``fmt`` is one of :data:`FORMATS`; ``lang`` is ``"zh"`` (default) or ``"en"``; ``title`` names the HTML page.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    lang = _lang(lang)
    summary = Summary()
    stream = _counted(items, summary)
    if fmt == "xlsx":
        _write_xlsx(stream, _binary_target(out), lang)
        return summary
    if isinstance(out, (str, os.PathLike)):
        with open(out, "w", encoding="utf-8", newline="") as fh:
            _write_text(stream, fmt, fh, lang, title, summary)
        return summary
    if isinstance(out, (io.RawIOBase, io.BufferedIOBase)):
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        try:
            _write_text(stream, fmt, text, lang, title, summary)
        finally:
            text.flush()
            text.detach()
        return summary
    _write_text(stream, fmt, out, lang, title, summary)  # type: ignore[arg-type]
    return summary


def _counted(items: Iterable[dict[str, Any]], summary: Summary) -> Iterator[dict[str, Any]]:
    for item in items:
        summary.add(item)
        yield item


def _write_text(
    stream: Iterator[dict[str, Any]], fmt: str, out: IO[str], lang: str, title: str | None, summary: Summary
) -> None:
    if fmt == "jsonl":
        # one encoder for the whole stream (json.dumps builds a new one per call); reports hold no cycles, so the
        # encoder need not keep a set of the containers it is inside. The text is the same as json.dumps gives.
        encode = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False).encode
        write = out.write
        for item in stream:
            write(encode(item) + "\n")
    elif fmt == "json":
        out.write("[")
        for i, item in enumerate(stream):
            out.write(("," if i else "") + "\n" + json.dumps(item, ensure_ascii=False, indent=2, default=_json_default))
        out.write("\n]\n")
    elif fmt == "table":
        _write_table(stream, out, lang)
        out.write(summary.line(lang) + "\n")
    elif fmt == "csv":
        _write_csv(stream, out, lang)
    else:
        _write_html(stream, out, lang, title, summary)


# ---------------------------------------------------------------- shared helpers


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    if isinstance(value, str):
        try:
            Decimal(value)
        except ArithmeticError:
            return False
        return True
    return False


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _num(value: Any) -> str:
    """A number for people: thousands separated, at most four decimals, no trailing zeros."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return f"{d:,.0f}"
    return f"{d:,.4f}".rstrip("0").rstrip(".")


def _width(text: str) -> int:
    """Terminal columns: East-Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _clip(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` columns, marking the cut with an ellipsis."""
    if _width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _name(item: dict[str, Any]) -> str:
    return str(item.get("name") or (item.get("record") or {}).get("name") or "")


def _text(obj: dict[str, Any], key: str, lang: str) -> str:
    """``obj[key]`` in the language asked for, falling back to Chinese."""
    value = obj.get(f"{key}_en") if lang == "en" else None
    return str(value or obj.get(key) or "")


def _unknown_findings(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (f for f in item.get("findings") or () if f.get("outcome") == "unknown")


def _missing(f: dict[str, Any], lang: str) -> str:
    fields = ("、" if lang == "zh" else ", ").join(str(m) for m in f.get("missing") or ())
    if fields:
        return f"缺少 {fields}" if lang == "zh" else f"missing {fields}"
    return str(f.get("reason") or _text(f, "message", lang) or ("信息不全" if lang == "zh" else "unknown"))


def _amount_open(s: dict[str, Any]) -> bool:
    """An eligible subsidy line whose amount the document leaves open (no amount, no range)."""
    return bool(s.get("eligible")) and s.get("amount") is None and s.get("amount_min") is None


def _subsidy_total(item: dict[str, Any], lang: str) -> str:
    """Fixed amounts summed, then the ranged ones: ``4,600.00 (+4,000.00–6,000.00)``, and whether some are open."""
    subsidies = item.get("subsidies") or ()
    amounts = [Decimal(s["amount"]) for s in subsidies if s.get("amount") is not None]
    ranged = [
        (Decimal(s["amount_min"]), Decimal(s.get("amount_max") or s["amount_min"]))
        for s in subsidies
        if s.get("amount") is None and s.get("amount_min") is not None
    ]
    text = _yuan(sum(amounts, Decimal(0))) if amounts else "—"
    low = sum((lo for lo, _ in ranged), Decimal(0))
    high = sum((hi for _, hi in ranged), Decimal(0))
    if high > 0:
        text += f" (+{_yuan(low)})" if low == high else f" (+{_yuan(low)}–{_yuan(high)})"
    if any(_amount_open(s) for s in subsidies):
        text += " (+amount open)" if lang == "en" else "（另有金额未定）"
    return text


def _error_text(item: dict[str, Any], e: dict[str, Any], lang: str) -> str:
    where = f"第 {item.get('row')} 行" if lang == "zh" else f"row {item.get('row')}"
    field = f" {e['field']}" if e.get("field") else ""
    return f"{where}{field}: {_text(e, 'message', lang)}"


# ---------------------------------------------------------------- table

ID_WIDTH, NAME_WIDTH = 16, 32


def _write_table(stream: Iterator[dict[str, Any]], out: IO[str], lang: str) -> None:
    zh = lang == "zh"
    labels = STATUS_LABEL[lang]
    status_width = max(_width(v) for v in labels.values())
    for item in stream:
        status = str(item.get("status", ""))
        mark = STATUS_MARK.get(status, " ")
        ident = _pad(str(item.get("id") or "—"), ID_WIDTH)
        if status == "error":
            where = f"第 {item.get('row')} 行" if zh else f"row {item.get('row')}"
            source = f" ({item['source']})" if item.get("source") else ""
            out.write(f"{mark} {ident} {_pad(where + source, NAME_WIDTH)} {labels['error']}\n")
            for e in item.get("errors") or ():
                value = f" = {e['value']!r}" if e.get("value") not in (None, "") else ""
                out.write(f"    ! {e.get('field') or '—'}{value} [{e.get('code', '')}] {_text(e, 'message', lang)}\n")
            continue
        n = len(item.get("violations") or ())
        counted = _pad(("违规 " if zh else "violations ") + str(n), 14 if not zh else 8)
        out.write(
            f"{mark} {ident} {_pad(_clip(_name(item), NAME_WIDTH), NAME_WIDTH)} "
            f"{_pad(labels.get(status, status), status_width)} {counted} "
            f"{('补贴 ' if zh else 'subsidy ') + _subsidy_total(item, lang)}\n"
        )
        for v in item.get("violations") or ():
            fix = _text(v, "fix", lang)
            out.write(f"    ✗ {v['rule']}: {_text(v, 'message', lang)}" + (f" → {fix}" if fix else "") + "\n")
        for f in _unknown_findings(item):
            out.write(f"    ? {f['rule']}: {_missing(f, lang)}\n")
        for s in item.get("subsidies") or ():
            if s.get("eligible") is None and s.get("missing"):
                out.write(f"    ? {s['id']}: {_missing(s, lang)}\n")
        for w in item.get("warnings") or ():
            out.write(f"    ! {_text(w, 'message', lang) or w.get('code', '')}\n")


# ---------------------------------------------------------------- CSV

CSV_HEADERS = {
    "zh": ["编号", "名称", "类型", "结果", "违规数", "违规规则", "信息不全规则"],
    "en": ["id", "name", "kind", "status", "violations", "violated_rules", "unknown_rules"],
}
CSV_TAIL = {"zh": ["其他补贴", "错误"], "en": ["other_subsidies", "errors"]}


def _subsidy_cell(s: dict[str, Any], lang: str) -> str:
    if s.get("amount") is not None:
        return _money(Decimal(s["amount"]))
    if s.get("amount_min") is not None:
        return f"{_money(Decimal(s['amount_min']))}–{_money(Decimal(s.get('amount_max') or s['amount_min']))}"
    if _amount_open(s):
        return "amount open" if lang == "en" else "金额未定"
    return ""


def _write_csv(stream: Iterator[dict[str, Any]], out: IO[str], lang: str) -> None:
    # Excel reads UTF-8 only with a BOM; written here so that a path and an open stream get the same bytes.
    out.write("\ufeff")
    ahead = list(itertools.islice(stream, CSV_LOOKAHEAD))
    columns: dict[str, str] = {}
    for item in ahead:
        for s in item.get("subsidies") or ():
            if s["id"] not in columns:
                title = s.get("title") if lang == "zh" else None
                columns[s["id"]] = f"{title}(元)" if title else s["id"]
    writer = csv.writer(out)
    writer.writerow([*CSV_HEADERS[lang], *columns.values(), *CSV_TAIL[lang]])
    for item in itertools.chain(ahead, stream):
        if item.get("status") == "error":
            errors = "; ".join(_error_text(item, e, lang) for e in item.get("errors") or ())
            blanks = [""] * (len(CSV_HEADERS[lang]) - 4 + len(columns) + 1)
            writer.writerow([item.get("id") or "", "", "", "error", *blanks, errors])
            continue
        cells = dict.fromkeys(columns, "")
        others = []
        for s in item.get("subsidies") or ():
            if s["id"] in cells:
                cells[s["id"]] = _subsidy_cell(s, lang)
            elif _subsidy_cell(s, lang):
                others.append(f"{s['id']}={_subsidy_cell(s, lang)}")
        writer.writerow(
            [
                item.get("id"),
                _name(item),
                item.get("kind"),
                item.get("status"),
                len(item.get("violations") or ()),
                ";".join(dict.fromkeys(v["rule"] for v in item.get("violations") or ())),
                ";".join(dict.fromkeys(f["rule"] for f in _unknown_findings(item))),
                *cells.values(),
                ";".join(others),
                "",
            ]
        )


# ---------------------------------------------------------------- XLSX

XLSX_SHEETS: dict[str, dict[str, tuple[str, list[tuple[str, int]]]]] = {
    "zh": {
        "reports": (
            "报告",
            [
                ("编号", 16),
                ("名称", 28),
                ("类型", 12),
                ("区县", 12),
                ("形式", 16),
                ("结果", 10),
                ("违规数", 8),
                ("违规规则", 36),
                ("信息不全规则", 28),
                ("补贴合计(元)", 14),
            ],
        ),
        "violations": (
            "违规",
            [
                ("编号", 16),
                ("名称", 28),
                ("规则", 28),
                ("说明", 48),
                ("实际", 10),
                ("要求", 10),
                ("整改", 40),
                ("条款", 14),
                ("文件", 36),
                ("对象", 14),
            ],
        ),
        "subsidies": (
            "补贴",
            [
                ("编号", 16),
                ("名称", 28),
                ("补贴", 22),
                ("是否符合", 10),
                ("金额", 14),
                ("最低", 14),
                ("最高", 14),
                ("周期", 8),
                ("依据", 40),
                ("说明", 36),
            ],
        ),
        "errors": (
            "错误",
            [("行", 6), ("编号", 16), ("字段", 18), ("代码", 24), ("说明", 48), ("值", 16), ("文件", 24)],
        ),
    },
    "en": {
        "reports": (
            "reports",
            [
                ("id", 16),
                ("name", 28),
                ("kind", 12),
                ("district", 12),
                ("form", 16),
                ("status", 10),
                ("violations", 10),
                ("violated_rules", 36),
                ("unknown_rules", 28),
                ("subsidy_total", 14),
            ],
        ),
        "violations": (
            "violations",
            [
                ("id", 16),
                ("name", 28),
                ("rule", 28),
                ("message", 48),
                ("observed", 10),
                ("required", 10),
                ("fix", 40),
                ("clause", 14),
                ("document", 36),
                ("subject", 14),
            ],
        ),
        "subsidies": (
            "subsidies",
            [
                ("id", 16),
                ("name", 28),
                ("subsidy", 22),
                ("eligible", 10),
                ("amount", 14),
                ("amount_min", 14),
                ("amount_max", 14),
                ("period", 8),
                ("basis", 40),
                ("note", 36),
            ],
        ),
        "errors": (
            "errors",
            [("row", 6), ("id", 16), ("field", 18), ("code", 24), ("message", 48), ("value", 16), ("source", 24)],
        ),
    },
}
ELIGIBLE = {"zh": {True: "是", False: "否", None: "未知"}, "en": {True: "yes", False: "no", None: "unknown"}}


def _binary_target(out: Any) -> Any:
    """A path or a binary stream for the XLSX zip; a text stream with an underlying buffer gives its buffer."""
    if isinstance(out, (str, os.PathLike)):
        return out
    if isinstance(out, io.TextIOBase):
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            raise ValueError("xlsx needs a path or a binary stream, not a text stream")
        out.flush()
        return buffer
    return out


def _write_xlsx(stream: Iterator[dict[str, Any]], out: Any, lang: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheets: dict[str, Any] = {}
    rows: dict[str, int] = {}
    widths: dict[str, int] = {}
    bold = Font(bold=True)
    for key, (sheet_name, header) in XLSX_SHEETS[lang].items():
        ws = book.create_sheet(sheet_name)
        ws.freeze_panes = "A2"  # written at the top of the sheet, so set before the first row
        for i, (_, width) in enumerate(header, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        cells = []
        for text, _ in header:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        sheets[key], rows[key], widths[key] = ws, 1, len(header)

    def money(ws: Any, value: Any) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(ws, value=Decimal(value))  # type: ignore[arg-type]  # openpyxl writes Decimal exactly
        cell.number_format = MONEY_FORMAT
        return cell

    def append(key: str, values: list[Any]) -> None:
        sheets[key].append(values)
        rows[key] += 1

    labels = STATUS_LABEL[lang]
    for item in stream:
        if item.get("status") == "error":
            for e in item.get("errors") or ():
                append(
                    "errors",
                    [
                        item.get("row"),
                        item.get("id"),
                        e.get("field"),
                        e.get("code"),
                        _text(e, "message", lang),
                        _plain(e.get("value")),
                        item.get("source"),
                    ],
                )
            continue
        name = _name(item)
        record = item.get("record") or {}
        violations = item.get("violations") or ()
        subsidies = item.get("subsidies") or ()
        amounts = [Decimal(s["amount"]) for s in subsidies if s.get("amount") is not None]
        append(
            "reports",
            [
                item.get("id"),
                name,
                item.get("kind"),
                record.get("district"),
                record.get("form"),
                labels.get(item.get("status", ""), item.get("status")),
                len(violations),
                ";".join(dict.fromkeys(v["rule"] for v in violations)),
                ";".join(dict.fromkeys(f["rule"] for f in _unknown_findings(item))),
                money(sheets["reports"], sum(amounts, Decimal(0)) if amounts else None),
            ],
        )
        for v in violations:
            citation = v.get("citation") or {}
            append(
                "violations",
                [
                    item.get("id"),
                    name,
                    v["rule"],
                    _text(v, "message", lang),
                    _plain(v.get("observed")),
                    _plain(v.get("required")),
                    _text(v, "fix", lang),
                    citation.get("clause"),
                    citation.get("document"),
                    v.get("subject_id") or v.get("subject"),
                ],
            )
        ws = sheets["subsidies"]
        for s in subsidies:
            note = _missing(s, lang) if s.get("missing") else _text(s, "note", lang)
            excluded = s.get("excluded_by") or {}
            append(
                "subsidies",
                [
                    item.get("id"),
                    name,
                    s["id"],
                    ELIGIBLE[lang].get(s.get("eligible"), str(s.get("eligible"))),
                    money(ws, s.get("amount")),
                    money(ws, s.get("amount_min")),
                    money(ws, s.get("amount_max")),
                    s.get("period"),
                    _text(s, "basis", lang) or None,
                    note or _text(excluded, "reason", lang) or None,
                ],
            )
    for key, ws in sheets.items():
        # the filter is written after the rows, so its range can be exact
        ws.auto_filter.ref = f"A1:{get_column_letter(widths[key])}{rows[key]}"
    book.save(out)


def _plain(value: Any) -> Any:
    """A value a spreadsheet cell can hold: numbers stay numbers, everything else becomes text."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=_json_default)


# ---------------------------------------------------------------- HTML

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


def _html_row(item: dict[str, Any], lang: str) -> str:
    e = html.escape
    status = str(item.get("status", ""))
    if status == "error":
        details = [_error_text(item, err, lang) for err in item.get("errors") or ()]
        count, money = "", ""
    else:
        details = [f"✗ {v['rule']}: {_text(v, 'message', lang)}" for v in item.get("violations") or ()]
        details += [f"? {f['rule']}: {_missing(f, lang)}" for f in _unknown_findings(item)]
        count, money = str(len(item.get("violations") or ())), _subsidy_total(item, lang)
    label = STATUS_LABEL[lang].get(status, status)
    return (
        f'<tr data-status="{e(status)}"><td>{e(str(item.get("id") or ""))}</td><td>{e(_name(item))}</td>'
        f'<td class="st s-{e(status)}">{e(label)}</td><td class="n">{count}</td><td class="n">{e(money)}</td>'
        f"<td>{'<br>'.join(e(d) for d in details) or '—'}</td></tr>"
    )


def _write_html(stream: Iterator[dict[str, Any]], out: IO[str], lang: str, title: str | None, summary: Summary) -> None:
    t = HTML_TEXT[lang]
    e = html.escape
    rows: list[str] = []
    left_out = 0
    for item in stream:
        if len(rows) < HTML_ROW_LIMIT:
            rows.append(_html_row(item, lang))
        else:
            left_out += 1
    s = summary
    labels = STATUS_LABEL[lang]
    cards = [
        (t["records"], s.rows, "all"),
        (labels["pass"], s.passed, "pass"),
        (labels["fail"], s.failed, "fail"),
        (labels["incomplete"], s.incomplete, "incomplete"),
        (labels["error"], s.errors, "error"),
    ]
    page_title = e(title or t["title"])
    meta = []
    if s.policies:
        meta.append(f"{t['policy']}: {', '.join(sorted(s.policies))}")
    if s.as_of:
        meta.append(f"{t['as_of']}: {', '.join(sorted(s.as_of))}")
    money = s.money_line(lang)
    charts = [_violations_chart(s, lang), *_subsidy_charts(s, lang)]
    if s.targets:
        charts.append(_target_chart(s, lang))
    options = "".join(f'<option value="{k}">{e(labels[k])}</option>' for k in STATUSES)
    more = f'<p class="note">{e(t["left_out"].format(n=left_out, limit=HTML_ROW_LIMIT))}</p>' if left_out else ""
    out.write(
        f"""<!doctype html>
<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}}
h1{{font-size:24px;margin:0 0 4px}} .meta,.note{{color:#555;font-size:13px}}
.cards{{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}}
.card{{border:1px solid #ccc;border-radius:6px;padding:8px 16px;min-width:84px}}
.card b{{display:block;font-size:28px}} .card.fail b{{color:#c0392b}} .card.pass b{{color:#1e8449}}
.card.incomplete b{{color:#b9770e}} .card.error b{{color:#7d3c98}}
.charts{{display:flex;flex-wrap:wrap;gap:24px;margin:16px 0}} figure{{margin:0}}
figcaption{{font-weight:bold;margin-bottom:4px}} svg.chart{{max-width:100%;height:auto}} svg text{{font-size:12px}}
table{{border-collapse:collapse;width:100%;font-size:13px}}
td,th{{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}} td.n{{text-align:right;white-space:nowrap}} td.st{{white-space:nowrap}}
th{{background:#f4f4f4;position:sticky;top:0}} .s-fail{{color:#c0392b}} .s-pass{{color:#1e8449}}
.s-incomplete{{color:#b9770e}} .s-error{{color:#7d3c98}} #filter{{width:320px;padding:4px}}
</style></head><body>
<h1>{page_title}</h1>
<p class="meta">{e(" · ".join(meta))}</p>
<div class="cards" id="summary">{
            "".join(f'<div class="card {k}">{e(label)}<b>{n}</b></div>' for label, n, k in cards)
        }</div>
<p id="money">{e(money)}</p>
<div class="charts">{"".join(charts)}</div>
<p><input id="filter" type="search" placeholder="{e(t["filter"])}">
<select id="status"><option value="">{e(t["all"])}</option>{options}</select> <span id="shown"></span></p>
<table id="records"><thead><tr>{"".join(f"<th>{e(h)}</th>" for h in HTML_HEAD[lang])}</tr></thead><tbody>
"""
    )
    for row in rows:
        out.write(row + "\n")
    out.write(
        f"""</tbody></table>{more}
<script>
(function(){{
const q=document.getElementById('filter'),st=document.getElementById('status'),shown=document.getElementById('shown');
const trs=Array.from(document.querySelectorAll('#records tbody tr'));
function apply(){{const text=q.value.trim().toLowerCase(),s=st.value;let n=0;
for(const tr of trs){{const ok=(!s||tr.dataset.status===s)&&(!text||tr.textContent.toLowerCase().includes(text));
tr.style.display=ok?'':'none';if(ok)n++;}}shown.textContent=n+' / '+trs.length;}}
// a link can carry a filter: report.html#status=fail&q=LMT
const h=new URLSearchParams(location.hash.slice(1));if(h.has('q'))q.value=h.get('q');
if(h.has('status'))st.value=h.get('status');
q.addEventListener('input',apply);st.addEventListener('change',apply);apply();
}})();
</script>
</body></html>
"""
    )


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
