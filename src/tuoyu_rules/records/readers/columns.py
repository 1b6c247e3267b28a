"""From column headers to record fields, shared by the CSV and XLSX readers: :func:`header_key` reads one header
(English or Chinese, units in brackets ignored) and :class:`RowMapper` turns a flat row into a record (dotted
headers nest, flattened class columns such as ``乳儿班人数`` become the ``classes`` list)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

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
        for i, header in enumerate(headers):
            if header is None or str(header).strip() == "":
                continue
            key = header_key(str(header))
            match = CLASS_HEADER.match(key)
            class_field = None
            if match:
                field = "enrolled" if match.group(2) in ("人数", "在托人数", "enrolled") else "caregivers"
                class_field = (CLASS_COLUMNS[match.group(1)], field)
            head, dot, tail = key.partition(".")
            self._steps.append((i, key, class_field, (head, tail) if dot else None))

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
