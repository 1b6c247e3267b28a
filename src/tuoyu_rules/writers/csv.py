"""CSV for Excel users: UTF-8 with a BOM, one row per record, one column per subsidy."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from ._format import _amount_open, _amount_unknown, _error_text, _money, _name, _unknown_findings
from .base import WriteOptions

__all__ = ["CSV_LOOKAHEAD", "write_csv"]

CSV_LOOKAHEAD = 1000
"""Records read ahead by the CSV writer to learn the subsidy columns before it writes the header."""

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
    if _amount_unknown(s):
        return "unknown" if lang == "en" else "未知"
    return ""


def write_csv(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """One row per record: id, name, kind, status, violations, rules, one column per subsidy, errors."""
    lang = options.lang
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
