"""From column headers to record fields, shared by the CSV and XLSX readers: :func:`header_key` reads one header
(English or Chinese, units in brackets ignored) and :class:`RowMapper` turns a flat row into a record (dotted
headers nest, flattened class columns such as ``乳儿班人数`` become the ``classes`` list)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ...errors import Location, Problem
from ...vocabulary import ALL_FIELDS, CLASS_COLUMNS, CLASS_HEADER, HEADERS


def header_key(header: str) -> str:
    """The field a column header names: English field names, Chinese names, units in brackets ignored."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    text = re.sub(r"[(\[][^)\]]*[)\]]$", "", text).strip().replace(" ", "")
    if text in ALL_FIELDS or "." in text:
        return text
    return HEADERS.get(text, text)


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
        columns: dict[object, tuple[str, list[int]]] = {}
        for i, header in enumerate(headers):
            if header is None or str(header).strip() == "":
                continue
            key = header_key(str(header))
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


def _filled(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:100] or None
