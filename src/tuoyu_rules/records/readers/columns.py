"""From column headers to record fields, shared by the CSV and XLSX readers: :func:`header_key` reads one header
(English or Chinese, units in brackets ignored) and :class:`RowMapper` turns a flat row into a record (dotted
headers nest, flattened class columns such as ``乳儿班人数`` become the ``classes`` list)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from typing import Any

from ...errors import Location, Problem
from ...vocabulary import (
    ALL_FIELDS,
    CLASS_COLUMNS,
    CLASS_HEADER,
    HEADER_SPELLINGS,
    HEADER_SUFFIXES,
    HEADERS,
    KNOWN_COLUMNS,
)

# a bracketed unit or note at the end of a header, in brackets of either width: (㎡) （个） [元/月] 【元】 〔人〕
_TRAILING_BRACKET = re.compile(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]$")


def _plain(header: str) -> str:
    """A header as it is looked up: NFKC (full-width brackets become ASCII), no whitespace or line breaks inside,
    the spellings of :data:`HEADER_SPELLINGS` replaced and the trailing bracketed units removed."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header)))
    for spelling, plain in HEADER_SPELLINGS.items():
        text = text.replace(spelling, plain)
    while _TRAILING_BRACKET.search(text):
        text = _TRAILING_BRACKET.sub("", text)
    return text


@lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """The field a column header names: English field names, Chinese names, forgiving the ways real headers vary
    (units in brackets of either width, line breaks and spaces inside, the suffixes 性/情况, 乡镇（街道）); a header
    it cannot read is returned as written (without its units), an extra field no rule reads."""
    text = _plain(header)
    if text in ALL_FIELDS or "." in text:
        return text
    if text in HEADERS:
        return HEADERS[text]
    for suffix in HEADER_SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in HEADERS:
            return HEADERS[text[: -len(suffix)]]
    return text


def is_known(key: str) -> bool:
    """Whether a key from :func:`header_key` is a field the records have (so that some rule may read it)."""
    return key in KNOWN_COLUMNS or CLASS_HEADER.match(key) is not None


def suggestion(header: str) -> str | None:
    """The known header closest to an unknown one, as ``是否普惠 (inclusive)``, or None when none is close."""
    text = _plain(header)
    close = difflib.get_close_matches(text, list(HEADERS), n=1, cutoff=0.6)
    if close:
        return f"{close[0]} ({HEADERS[close[0]]})"
    english = difflib.get_close_matches(text, sorted(KNOWN_COLUMNS), n=1, cutoff=0.75)
    return english[0] if english else None


def ignored_notice(ignored: list[str], where: str) -> tuple[str, str] | None:
    """The (zh, en) notice naming the headers no field matched, each with its did-you-mean, or None if there are none."""
    if not ignored:
        return None
    items = [(h, suggestion(h)) for h in ignored]
    zh = "、".join(f"{_shown(h)} → {s}？" if s else _shown(h) for h, s in items)
    en = ", ".join(f"{_shown(h)} → {s}?" if s else _shown(h) for h, s in items)
    return (
        f"{where}：未识别的表头（原样保留为额外字段，规则不读取）：{zh}",
        f"{where}: headers not recognised (kept as extra fields no rule reads): {en}",
    )


def _shown(header: str) -> str:
    return " ".join(str(header).split())


class RowMapper:
    """Maps a flat row (header -> cell) to a record: nested dotted fields and flattened class columns."""

    def __init__(self, headers: list[str]):
        # per column: (index, key, (class type, field) of a flattened class column, (head, tail) of a dotted key),
        # everything a row needs worked out once here rather than per row
        self._steps: list[tuple[int, str, tuple[str, str] | None, tuple[str, str] | None]] = []
        # pairs of columns naming the same field ("托位数" and "total_slots", or one header twice): a row that fills
        # both with different values is an error naming both, never "the last one wins"
        self.duplicates: list[tuple[str, list[int]]] = []  # (field, its columns) for each field named twice or more
        self.headers = [str(h) if h is not None else "" for h in headers]
        self.ignored: list[str] = []  # the headers no field matched (kept as extra fields), as written
        self.unnamed: list[int] = []  # the columns without a header (their cells cannot be read)
        self.dropped: set[int] = set()  # the columns without a header in which some row had a value
        columns: dict[object, tuple[str, list[int]]] = {}
        for i, header in enumerate(headers):
            if header is None or str(header).strip() == "":
                self.unnamed.append(i)
                continue
            key = header_key(str(header))
            if not is_known(key) and str(header) not in self.ignored:
                self.ignored.append(str(header))
            match = CLASS_HEADER.match(key)
            class_field = None
            if match:
                field = "enrolled" if match.group(2) in ("人数", "在托人数", "enrolled") else "caregivers"
                class_field = (CLASS_COLUMNS[match.group(1)], field)
            target = class_field or key
            columns.setdefault(target, (".".join(class_field) if class_field else key, []))[1].append(i)
            head, dot, tail = key.partition(".")
            self._steps.append((i, key, class_field, (head, tail) if dot else None))
        self.duplicates = [entry for entry in columns.values() if len(entry[1]) > 1]

    def conflicts(self, cells: list[Any], row: int, source: str) -> list[Problem]:
        """The problems of a row whose duplicate columns hold different values (one problem per such field)."""
        problems = []
        for field, group in self.duplicates:
            filled = [(i, _filled(cells[i])) for i in group if i < len(cells) and _filled(cells[i]) is not None]
            differing = [(i, v) for i, v in filled if v != filled[0][1]]
            if differing:
                (a, one), (b, two) = filled[0], differing[0]
                ha, hb = self.headers[a], self.headers[b]
                problems.append(
                    Problem(
                        "record.duplicate-key",
                        f"{field}：第 {a + 1} 列（{ha}）和第 {b + 1} 列（{hb}）都填了值（{one} / {two}），不知以哪个为准",
                        f"{field}: column {a + 1} ({ha}) and column {b + 1} ({hb}) both hold a value ({one} / {two})",
                        Location(row=row, field=field, file=source),
                        value=f"{one} / {two}",
                    )
                )
        return problems

    def map(self, cells: list[Any]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        classes: dict[str, dict[str, Any]] = {}
        n = len(cells)
        if n > len(self.headers) or self.unnamed:
            self._note_dropped(cells)
        for i, key, class_field, dotted in self._steps:
            if i >= n:  # a short row: the missing cells are empty
                continue
            value = cells[i]
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if class_field is not None:
                classes.setdefault(class_field[0], {"type": class_field[0]})[class_field[1]] = value
            elif dotted is not None:
                head, tail = dotted
                nested = record.setdefault(head, {})
                if isinstance(nested, dict):
                    nested[tail] = value
            else:
                record[key] = value
        if classes:
            record["classes"] = list(classes.values())
        return record

    def _note_dropped(self, cells: list[Any]) -> None:
        for i in [*self.unnamed, *range(len(self.headers), len(cells))]:
            if i < len(cells) and _filled(cells[i]) is not None:
                self.dropped.add(i)

    def dropped_notice(self, where: str) -> tuple[str, str] | None:
        """The (zh, en) notice naming the columns without a header that held values (those values were not read)."""
        if not self.dropped:
            return None
        letters = "、".join(column_letter(i) for i in sorted(self.dropped))
        return (
            f"{where}：第 {letters} 列没有表头，其中的值未读取",
            f"{where}: column {letters.replace('、', ', ')} has no header; its values were not read",
        )


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column (0 → A, 26 → AA)."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _filled(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:100] or None
