"""Finding the table in a sheet as district offices lay it out, shared by the CSV and XLSX readers.

The header is the row, among the first :data:`HEADER_SCAN`, that names the most known fields (at least two; a first
row naming one is still taken, as a one-column ledger has); rows above it (a title, 填报单位…, notes) are skipped,
and below it 合计/小计/总计 rows and notes (注：…, 备注, 填表人 …, and the one-cell lines that follow a note). What was
taken as header and every row skipped are said in one notice per sheet (:meth:`Layout.notice`).
"""

from __future__ import annotations

import re
from typing import Any

from ...vocabulary import NOTES_SHEETS
from .columns import header_key, is_known

HEADER_SCAN = 30  # the header is looked for among this many first rows
_TOTAL = re.compile(r"^(合计|小计|总计|共计|总合计)($|[:：(（])")
_NOTE = re.compile(
    r"^(注|备注|说明|填表说明|填表人|制表人|审核人|填报人|联系人|联系电话|填报日期|填表日期|数据来源)"
    r"($|[:：0-9一二三四五六七八九十、.．(（])"
)
_UNIT = re.compile(r"^(填报单位|填表单位|报送单位|单位名称|单位)[:：]")
_REASONS = {
    "title": ("标题", "title"),
    "unit": ("填报单位", "reporting unit"),
    "note": ("注释", "note"),
    "above": ("表头上方", "above the header"),
    "total": ("合计", "total"),
    "unreadable": ("无法解析", "unreadable"),
}


def _texts(cells: list[Any]) -> list[str]:
    return ["".join(str(c).split()) for c in cells if c is not None and str(c).strip()]


def header_score(cells: list[Any]) -> int:
    """How many distinct known fields a row names, read as headers."""
    keys = {header_key(str(c)) for c in cells if isinstance(c, str) and c.strip()}
    return sum(1 for key in keys if is_known(key))


def find_header(rows: list[list[Any]]) -> int | None:
    """The index of the header among ``rows`` (the first rows of a sheet), or None when they hold no table."""
    scores = [header_score(cells) for cells in rows]
    best = max(range(len(rows)), key=lambda i: (scores[i], -i), default=None)
    if best is not None and scores[best] >= 2:
        return best
    first = next((i for i, cells in enumerate(rows) if _texts(cells)), None)
    return first if first is not None and scores[first] >= 1 else None


def is_notes_sheet(name: str) -> bool:
    return name.strip().lower() in NOTES_SHEETS


class Layout:
    """The rows of one sheet skipped as layout (line, reason), and whether a note has begun below the header."""

    def __init__(self, header_line: int, header: list[Any]):
        self.header_line, self.header = header_line, header
        self.skipped: list[tuple[int, str]] = []
        self.merged: list[str] = []  # merged data cells that were read in their first row only
        self._in_note = False

    def above(self, line: int, cells: list[Any]) -> None:
        texts = _texts(cells)
        if texts:
            first = texts[0]
            reason = "unit" if _UNIT.match(first) else "note" if _NOTE.match(first) else "title"
            self.skipped.append((line, reason if len(texts) == 1 or reason != "title" else "above"))

    def unreadable(self, line: int) -> None:
        self.skipped.append((line, "unreadable"))

    def below(self, line: int, cells: list[Any]) -> bool:
        """Whether a non-blank row below the header is layout (it is then listed as skipped)."""
        texts = _texts(cells)
        reason = None
        if texts and _TOTAL.match(texts[0]):
            reason = "total"
        elif texts and (_NOTE.match(texts[0]) or (self._in_note and len(texts) == 1)):
            reason, self._in_note = "note", True
        if reason:
            self.skipped.append((line, reason))
        return reason is not None

    def notice(self, where: str) -> tuple[str, str] | None:
        """One line: what was taken as header and which rows were skipped and why (None for a plain table)."""
        if not self.skipped and self.header_line == 1 and not self.merged:
            return None
        names = [" ".join(str(h).split()) for h in self.header if h is not None and str(h).strip()]
        shown = "、".join(names[:6]) + (f" 等 {len(names)} 列" if len(names) > 6 else "")
        shown_en = ", ".join(names[:6]) + (f" … {len(names)} columns" if len(names) > 6 else "")
        zh = f"{where}：第 {self.header_line} 行作为表头（{shown}）"
        en = f"{where}: row {self.header_line} taken as the header ({shown_en})"
        if self.skipped:
            zh += "；跳过 " + "、".join(f"第 {n} 行（{_REASONS[r][0]}）" for n, r in self.skipped)
            en += "; skipped " + ", ".join(f"row {n} ({_REASONS[r][1]})" for n, r in self.skipped)
        if self.merged:
            zh += "；合并单元格只在首行读取：" + "、".join(self.merged)
            en += "; merged cells read in their first row only: " + ", ".join(self.merged)
        return zh, en


def no_table_notice(where: str, rows: int, notes: bool) -> tuple[str, str]:
    why = (
        ("是说明表", "it is a notes sheet")
        if notes
        else ("前 30 行中没有可识别的表头", "no known header in its first 30 rows")
    )
    return (
        f"{where}：跳过此工作表（{why[0]}，{rows} 行未作为记录读取）",
        f"{where}: sheet skipped ({why[1]}; {rows} rows not read as records)",
    )
