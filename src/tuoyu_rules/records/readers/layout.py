"""Finding the table in a sheet as district offices lay it out, shared by the CSV and XLSX readers.

The header is the row, among the first :data:`HEADER_SCAN`, that names the most known fields (at least two; a first
row naming one is still taken, as a one-column ledger has), or two rows read together (a group header such as 乳儿班
over the sub-headers 人数, 保育人员数) when together they name more known fields than either alone
(:func:`choose_header`); ``--header-row`` names it instead. Rows above it (a title, 填报单位…, notes) are skipped;
between it and the data, a row of column numbers (栏次 1 2 3 …) or of units (（个）（元/月）); below it 合计/小计/总计
rows and notes (注：…, 备注, 填表人 …, and the one-cell lines that follow a note). What was taken as header and every
row skipped are said in one notice per sheet (:meth:`Layout.notice`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby, pairwise
from typing import Any, TypeVar

from ...errors import Location, Problem, RecordError
from ...vocabulary import CLASS_COLUMNS, NOTES_SHEETS
from .columns import ColumnMap, header_key, header_match, is_known

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
    "numbers": ("栏次", "column numbers"),
    "units": ("单位", "units"),
}
# a sub-header that means the group itself (托位数 over 总数 is 托位数)
_GROUP_TOTAL = {"总数", "合计", "小计", "总计", "总量", "数量", "计"}
_ORDINAL = re.compile(r"^([甲乙丙丁戊己庚辛壬癸]|[A-Za-z]|栏次|序号|行次|列次|栏号)$")
_NUMBER = re.compile(r"^[0-9]+(\.0)?$")
_UNIT_CELL = re.compile(
    r"^([(\[【〔（]?(个|人|名|元|万元|元/月|元/人/月|㎡|m2|平方米|年|月|天|日|家|所|户|%|是/否)[)\]】〕）]?"
    r"|(计量)?单位[:：].*)$"
)


def _texts(cells: list[Any]) -> list[str]:
    return ["".join(str(c).split()) for c in cells if c is not None and str(c).strip()]


def _first_texts(cells: list[Any], count: int) -> list[str]:
    """The first ``count`` of :func:`_texts` (the non-blank cells, white space removed), the other cells not read."""
    out: list[str] = []
    for c in cells:
        if c is not None:
            text = "".join(str(c).split())
            if text:
                out.append(text)
                if len(out) == count:
                    break
    return out


def header_score(cells: list[Any], columns: ColumnMap | None = None) -> int:
    """How many distinct known fields a row names, read as headers (a header the column map names counts)."""
    keys = {header_match(str(c), columns)[0] for c in cells if isinstance(c, str) and c.strip()}
    return sum(1 for key in keys if is_known(key))


def find_header(rows: list[list[Any]], columns: ColumnMap | None = None) -> int | None:
    """The index of the header among ``rows`` (the first rows of a sheet), or None when they hold no table."""
    scores = [header_score(cells, columns) for cells in rows]
    best = max(range(len(rows)), key=lambda i: (scores[i], -i), default=None)
    if best is not None and scores[best] >= 2:
        return best
    first = next((i for i, cells in enumerate(rows) if _texts(cells)), None)
    return first if first is not None and scores[first] >= 1 else None


@dataclass(frozen=True)
class Header:
    """The header found in the first rows of a sheet: the index of its first row among them, its height (1, or 2 for
    a group header over sub-headers) and the header of each column (a two-row header's read together)."""

    index: int
    height: int
    cells: list[str]


def choose_header(
    rows: list[list[Any]],
    lines: list[int],
    merges: list[tuple[int, int, int, int]] | None = None,
    at: int | None = None,
    columns: ColumnMap | None = None,
) -> Header | None:
    """The header among ``rows`` (the first rows of a sheet, from its lines ``lines``), or None when they hold no
    table: the best row by :func:`find_header`, or two adjacent rows read by :func:`combine` where together they name
    more known fields than either row alone. ``merges`` are a sheet's merged ranges (1-based first row, first column,
    last row, last column; None for CSV, where a group is a header followed by blank cells); ``at`` (the index of the
    ``--header-row``) fixes the first row; ``columns`` is the column map (its headers count as known)."""
    scores = [header_score(cells, columns) for cells in rows]
    single = find_header(rows, columns) if at is None else at
    starts = range(len(rows) - 1) if at is None else [at] if at + 1 < len(rows) else []
    best: Header | None = None if single is None else Header(single, 1, _strings(rows[single]))
    best_score = -1 if single is None else scores[single]
    for i in starts:
        if merges is not None and lines[i + 1] != lines[i] + 1:
            continue  # rows of a sheet with a gap between them are no two-row header
        cells = combine(rows[i], rows[i + 1], _spans(merges, lines[i]))
        score = header_score(cells, columns)
        if (
            score >= 2
            and score > max(scores[i], scores[i + 1])
            and (score > best_score or (score == best_score and best and i < best.index))
        ):
            best, best_score = Header(i, 2, cells), score
    return best


def _strings(cells: list[Any]) -> list[str]:
    return [str(c) if c is not None else "" for c in cells]


def _spans(merges: list[tuple[int, int, int, int]] | None, line: int) -> list[tuple[int, int]] | None:
    """The 0-based column spans of the groups merged across a sheet's row ``line``; None when no merged range starts
    in that row (its groups are then read as in CSV)."""
    if merges is None or not any(first_row == line for first_row, _, _, _ in merges):
        return None
    return [(c1 - 1, c2 - 1) for r1, c1, r2, c2 in merges if r1 == line == r2 and c2 > c1]


def combine(top: list[Any], sub: list[Any], spans: list[tuple[int, int]] | None = None) -> list[str]:
    """The headers of a group row over a sub-header row: each column's group (``spans``, or in CSV a group header
    and the blank cells after it that stand over sub-headers) joined with its sub-header as the vocabulary knows
    them (乳儿班 + 人数 is 乳儿班人数, 托位数 over 普惠 is 普惠托位数, 托位数 over 总数 is 托位数); a column with one of the two
    is that one (a header cell merged down over both rows)."""
    texts = [_strings(top), _strings(sub)]
    width = max(len(top), len(sub))
    above, below = ([row[i].strip() if i < len(row) else "" for i in range(width)] for row in texts)
    groups = list(above)
    if spans is None:
        current = ""
        for i in range(width):
            if above[i]:
                current = above[i] if below[i] else ""
            elif below[i]:
                groups[i] = current
            else:
                current = ""
    else:
        for first, last in spans:
            for i in range(first, min(last + 1, width)):
                groups[i] = above[first]
    return [_joined(g, s) for g, s in zip(groups, below, strict=True)]


def _joined(group: str, sub: str) -> str:
    """One column's group and sub-header as one header: the first of group+sub, sub+group (the group also without
    its bracketed note, 乳儿班（6-12个月）) that names a known field; the sub-header alone under a group that names no
    field (基本情况); the group under a sub-header that means it (总数, 合计); else both, as an unknown header."""
    if not group or not sub:
        return group or sub
    base = header_key(group)
    for g in dict.fromkeys([group, base if not is_known(base) else group]):
        for text in (g + sub, sub + g):
            if is_known(header_key(text)):
                return text
    if not is_known(base) and base not in CLASS_COLUMNS and is_known(header_key(sub)):
        return sub
    if header_key(sub) in _GROUP_TOTAL and is_known(base):
        return group
    return group + sub


def header_row_index(
    lines: list[int], rows: list[list[Any]], header_row: int, where: str, sheet: bool, bad: frozenset[int] = frozenset()
) -> int:
    """The index among the first rows (their lines ``lines``; ``bad``, the indices of rows that cannot be read) of
    the ``--header-row``: a sheet's row of that number, or in CSV the row that holds that line. A row past the end,
    one that holds nothing or one that cannot be read is a :class:`RecordError` (``record.bad-header-row``)."""
    last = lines[-1] if lines else 0
    index = next((i for i in range(len(lines) - 1, -1, -1) if lines[i] <= header_row), None)
    if header_row < 1:
        zh, en = f"没有第 {header_row} 行（行号从 1 起）", f"there is no row {header_row} (rows count from 1)"
    elif header_row > last:
        zh = (
            f"没有第 {header_row} 行（最后一行是第 {last} 行）"
            if lines
            else f"没有第 {header_row} 行（表中没有任何行）"
        )
        en = (
            f"there is no row {header_row} (the last is row {last})"
            if lines
            else f"there is no row {header_row} (it has none)"
        )
    elif index is not None and index in bad:
        zh, en = (
            f"第 {header_row} 行无法读取，不能作为表头",
            f"row {header_row} cannot be read, so it cannot be the header",
        )
    elif index is None or (sheet and lines[index] != header_row) or not _texts(rows[index]):
        zh, en = f"第 {header_row} 行是空行，不能作为表头", f"row {header_row} holds nothing and cannot be the header"
    else:
        return index
    raise RecordError(
        [
            Problem(
                "record.bad-header-row",
                f"--header-row {header_row}：{where} {zh}",
                f"--header-row {header_row}: {where}: {en}",
                Location(file=where, line=header_row),
            )
        ]
    )


def locate_header(
    rows: list[list[Any]],
    lines: list[int],
    where: str,
    header_row: int | None,
    merges: list[tuple[int, int, int, int]] | None = None,
    bad: frozenset[int] = frozenset(),
    columns: ColumnMap | None = None,
) -> Header | None:
    """The header of a sheet (``merges`` given, possibly empty) or a CSV file (None) from its first rows (``bad``:
    the indices of those that cannot be read), at the ``--header-row`` if given (:func:`header_row_index`), else
    found by :func:`choose_header`."""
    at = None if header_row is None else header_row_index(lines, rows, header_row, where, merges is not None, bad)
    return choose_header(rows, lines, merges, at, columns)


_Item = TypeVar("_Item")


def first_rows(items: Iterator[_Item], line: Any, header_row: int | None) -> list[_Item]:
    """The first rows of a sheet, where its header is looked for: :data:`HEADER_SCAN` of them, or with
    ``--header-row`` every row up to that one and the next (``line`` gives an item's line)."""
    if header_row is None:
        return [item for _, item in zip(range(HEADER_SCAN), items, strict=False)]
    head: list[_Item] = []
    for item in items:
        head.append(item)
        if line(item) > header_row:
            break
    return head


def is_notes_sheet(name: str) -> bool:
    return name.strip().lower() in NOTES_SHEETS


class Layout:
    """The rows of one sheet skipped as layout (line, reason), and whether a note has begun below the header."""

    def __init__(self, header_line: int, header: list[Any], first_line: int | None = None):
        self.header_line, self.header = header_line, header  # the header's (last) line and its cells
        self.first_line = header_line if first_line is None else first_line  # its first line (a two-row header)
        self.skipped: list[tuple[int, str]] = []
        self.merged: list[str] = []  # merged data cells that were read in their first row only
        self._in_note = False
        self._data = False  # whether a data row has been read (column numbers and units only come before)

    def above(self, line: int, cells: list[Any]) -> None:
        texts = _texts(cells)
        if texts:
            first = texts[0]
            reason = "unit" if _UNIT.match(first) else "note" if _NOTE.match(first) else "title"
            self.skipped.append((line, reason if len(texts) == 1 or reason != "title" else "above"))

    def merged_above(self, merges: list[tuple[int, int, int, int]]) -> None:
        """The blank rows of a range merged above the header (a title over rows 1–2) are listed with its first row."""
        listed = dict(self.skipped)
        for first_row, _, last_row, _ in merges:
            if first_row in listed and last_row < self.first_line:
                extra = [(n, listed[first_row]) for n in range(first_row + 1, last_row + 1) if n not in listed]
                listed.update(extra)
                self.skipped.extend(extra)
        self.skipped.sort()

    def unreadable(self, line: int) -> None:
        self.skipped.append((line, "unreadable"))

    def below(self, line: int, cells: list[Any]) -> bool:
        """Whether a non-blank row below the header is layout (it is then listed as skipped). Once a data row has been
        read only the first non-blank cell matters (and, inside a note, whether there is a second), so only those are
        stripped of white space (:func:`_first_texts`), not every cell of every row."""
        texts = _first_texts(cells, 2 if self._in_note else 1) if self._data else _texts(cells)
        reason = None
        if texts and _TOTAL.match(texts[0]):
            reason = "total"
        elif texts and (_NOTE.match(texts[0]) or (self._in_note and len(texts) == 1)):
            reason, self._in_note = "note", True
        elif not self._data and _is_numbers(texts):
            reason = "numbers"
        elif not self._data and texts and all(_UNIT_CELL.match(t) for t in texts):
            reason = "units"
        if reason:
            self.skipped.append((line, reason))
        self._data = self._data or reason is None
        return reason is not None

    def notice(self, where: str) -> tuple[str, str] | None:
        """One line: what was taken as header and which rows were skipped and why (None for a plain table)."""
        if not self.skipped and self.header_line == 1 and not self.merged:
            return None
        names = [" ".join(str(h).split()) for h in self.header if h is not None and str(h).strip()]
        shown = "、".join(names[:6]) + (f" 等 {len(names)} 列" if len(names) > 6 else "")
        shown_en = ", ".join(names[:6]) + (f" … {len(names)} columns" if len(names) > 6 else "")
        first, last = self.first_line, self.header_line
        zh = (
            f"{where}：第 {first}–{last} 行作为表头（{shown}）"
            if first != last
            else f"{where}：第 {last} 行作为表头（{shown}）"
        )
        en = f"{where}: rows {first}–{last}" if first != last else f"{where}: row {last}"
        en += f" taken as the header ({shown_en})"
        if self.skipped:
            runs = _runs(self.skipped)
            zh += "；跳过 " + "、".join(f"第 {_span(a, b, '–')} 行（{_REASONS[r][0]}）" for a, b, r in runs)
            en += "; skipped " + ", ".join(
                f"{'row' if a == b else 'rows'} {_span(a, b, '–')} ({_REASONS[r][1]})" for a, b, r in runs
            )
        if self.merged:
            zh += "；合并单元格只在首行读取：" + "、".join(self.merged)
            en += "; merged cells read in their first row only: " + ", ".join(self.merged)
        return zh, en


def _runs(skipped: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """Skipped rows as (first, last, reason): three or more adjacent rows skipped for one reason are one run."""
    out: list[tuple[int, int, str]] = []
    for (_, reason), group in groupby(enumerate(skipped), key=lambda item: (item[1][0] - item[0], item[1][1])):
        run = [line for _, (line, _) in group]
        out.extend([(run[0], run[-1], reason)] if len(run) >= 3 else [(n, n, reason) for n in run])
    return out


def _span(first: int, last: int, dash: str) -> str:
    return str(first) if first == last else f"{first}{dash}{last}"


def _is_numbers(texts: list[str]) -> bool:
    """Whether a row is the column numbers printed under a header (栏次 甲 乙 1 2 3 …): ordinals, then at least
    three numbers counting up by one."""
    numbers = [t for t in texts if _NUMBER.match(t)]
    if len(numbers) < 3 or any(not _NUMBER.match(t) and not _ORDINAL.match(t) for t in texts):
        return False
    values = [int(float(t)) for t in numbers]
    lead = len(texts) - len(numbers)
    return texts[lead:] == numbers and all(b == a + 1 for a, b in pairwise(values))


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
