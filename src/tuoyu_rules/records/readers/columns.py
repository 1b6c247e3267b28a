"""From column headers to record fields, shared by the CSV and XLSX readers: :func:`header_key` reads one header
(English or Chinese, units in brackets ignored) and :class:`RowMapper` turns a flat row into a record (dotted
headers nest, flattened class columns such as ``乳儿班人数`` become the ``classes`` list)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any

from ...errors import Location, Problem, RecordError
from ...vocabulary import (
    ALL_FIELDS,
    CLASS_COLUMNS,
    CLASS_HEADER,
    HEADER_SPELLINGS,
    HEADER_SUFFIXES,
    HEADERS,
    KNOWN_COLUMNS,
)

CLASS_TYPES = tuple(dict.fromkeys(CLASS_COLUMNS.values()))  # infant, toddler, older, mixed

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


def normal_header(header: str) -> str:
    """A header as headers are compared (by the built-in rules and by column maps): units, brackets, spaces gone."""
    return _plain(header)


@lru_cache(maxsize=4096)
def _builtin(header: str) -> tuple[str, str]:
    """(key, how) of a header by the built-in rules of thumb; ``how`` is one of :data:`HOW`."""
    text = _plain(header)
    if text in ALL_FIELDS or text in KNOWN_COLUMNS:
        return text, "field"
    if "." in text:
        return text, "dotted"
    if text in HEADERS:
        return HEADERS[text], "header"
    for suffix in HEADER_SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in HEADERS:
            return HEADERS[text[: -len(suffix)]], "suffix"
    if CLASS_HEADER.match(text):
        return text, "class"
    return text, "unknown"


def header_key(header: str) -> str:
    """The field a column header names: English field names, Chinese names, forgiving the ways real headers vary
    (units in brackets of either width, line breaks and spaces inside, the suffixes 性/情况, 乡镇（街道）); a header
    it cannot read is returned as written (without its units), an extra field no rule reads. A column map is not
    consulted here (see :func:`header_match`)."""
    return _builtin(header)[0]


HOW: dict[str, tuple[str, str]] = {  # why a header names its field: (zh, en), as ``tuoyu-rules columns`` prints it
    "map": ("列映射", "column map"),
    "field": ("字段名", "field id"),
    "header": ("内置表头", "built-in header"),
    "suffix": ("去掉后缀 性/情况", "suffix rule (性/情况)"),
    "dotted": ("点号路径", "dotted path"),
    "class": ("班级列", "class column"),
    "unknown": ("未识别", "not recognised"),
}


def header_match(header: str, columns: ColumnMap | None = None) -> tuple[str, str]:
    """(key, how) of a header: the column map's field first (``how`` ``map``), then the built-in rules."""
    if columns is not None:
        entry = columns.lookup(header)
        if entry is not None:
            return entry.field, "map"
    return _builtin(header)


@dataclass(frozen=True)
class MapEntry:
    """One entry of a column map: a header as the map writes it, the field it names, and where the entry comes from
    (``origin``: the map file, the project file, or the policy); ``told`` says whether an entry that matches no
    header of a ledger is reported (those the user gave; a policy's own spellings are not)."""

    header: str
    field: str
    origin: str
    told: bool = True


@dataclass(frozen=True)
class ColumnMap:
    """Headers → fields, for the headers no rule of thumb can guess (``--columns``, a project file, a policy's
    ``columns:``); headers are compared after the normalisation of :func:`header_key` (units, brackets, spaces)."""

    entries: tuple[MapEntry, ...] = ()
    _by_header: dict[str, MapEntry] = dataclass_field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:  # the first entry of a header wins: maps are given highest precedence first
            self._by_header.setdefault(_plain(entry.header), entry)

    @classmethod
    def of(cls, mapping: Mapping[str, str], origin: str, told: bool = True) -> ColumnMap:
        """A map of checked targets (see :func:`column_map`), every entry from ``origin``."""
        return cls(tuple(MapEntry(str(h), map_target(str(t)) or str(t), origin, told) for h, t in mapping.items()))

    def lookup(self, header: str) -> MapEntry | None:
        return self._by_header.get(_plain(header))

    def entries_origin(self, header: str) -> str:
        entry = self.lookup(header)
        return entry.origin if entry is not None else ""

    def over(self, lower: ColumnMap | None) -> ColumnMap:
        """This map, with the entries of ``lower`` for the headers this one does not name."""
        if lower is None or not lower.entries:
            return self
        return ColumnMap((*self.entries, *(e for e in lower.entries if self.lookup(e.header) is None)))

    def __bool__(self) -> bool:
        return bool(self.entries)


_CLASS_TARGET = re.compile(rf"^({'|'.join(CLASS_TYPES)})[._](enrolled|caregivers)$")


def map_target(target: str) -> str | None:
    """The key a column map's target names, or None when it is no field: a record field (``inclusive``), a nested
    field that exists (``surveillance.installed``), the class and staff sheets' fields and owner, or a flattened
    class column (``infant.enrolled`` or ``infant_enrolled``)."""
    text = target.strip()
    if text in KNOWN_COLUMNS:
        return text
    match = _CLASS_TARGET.match(text)
    return f"{match.group(1)}_{match.group(2)}" if match else None


def target_hint(target: str) -> str | None:
    """The field id closest to a target that is none (a Chinese header gives its field: 是否普惠 → inclusive)."""
    text = _plain(target)
    if text in HEADERS:
        return HEADERS[text]
    targets = sorted({*KNOWN_COLUMNS, *(f"{t}.{f}" for t in CLASS_TYPES for f in ("enrolled", "caregivers"))})
    close = difflib.get_close_matches(text, targets, n=1, cutoff=0.6)
    return close[0] if close else None


def target_problem(header: str, target: Any, location: Location) -> Problem | None:
    """The problem of one map entry whose target is no field (None when it is one)."""
    if isinstance(target, str) and map_target(target) is not None:
        return None
    hint = target_hint(target) if isinstance(target, str) else None
    return Problem(
        "record.unknown-map-field",
        f"列映射把表头 '{header}' 映射到 '{target}'，但没有这个字段"
        + (f"；是否想写 '{hint}'？" if hint else "（字段见 docs/ledgers.md）"),
        f"the column map maps the header '{header}' to '{target}', which is no field"
        + (f"; did you mean '{hint}'?" if hint else " (the fields are listed in docs/ledgers.md)"),
        location,
        value=str(target),
    )


def column_map(mapping: Mapping[str, Any] | ColumnMap | None, origin: str = "columns") -> ColumnMap | None:
    """A column map from a mapping of header → field id (as :func:`tuoyu_rules.read_rows` takes it); raises
    :class:`RecordError` naming every target that is no field."""
    if mapping is None or isinstance(mapping, ColumnMap):
        return mapping
    problems = [
        problem
        for header, target in mapping.items()
        if (problem := target_problem(str(header), target, Location(file=origin, field=str(header)))) is not None
    ]
    if problems:
        raise RecordError(problems)
    return ColumnMap.of({str(h): str(t) for h, t in mapping.items()}, origin)


def unused_notice(columns: ColumnMap | None, used: set[str], where: str) -> tuple[str, str] | None:
    """The (zh, en) notice naming the map entries (those the user gave) that matched no header of a ledger."""
    unused = [e for e in (columns.entries if columns else ()) if e.told and _plain(e.header) not in used]
    if not unused:
        return None
    zh = "、".join(f"{e.header} → {e.field}（{e.origin}）" for e in unused)
    en = ", ".join(f"{e.header} → {e.field} ({e.origin})" for e in unused)
    return (
        f"{where}：列映射中这些表头在台账中没有出现，未使用：{zh}",
        f"{where}: these headers of the column map appear nowhere in the ledger and were not used: {en}",
    )


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
    """Maps a flat row (header -> cell) to a record: nested dotted fields and flattened class columns. A column map
    (``columns``) is consulted before the built-in headers; the headers it matched are in :attr:`used`."""

    def __init__(self, headers: list[str], columns: ColumnMap | None = None):
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
        self.matches: list[tuple[str, str]] = []  # per column: (key, how) — how it was read (:data:`HOW`)
        self.used: set[str] = set()  # the headers (normalised) the column map matched
        self.origins: dict[str, str] = {}  # header -> where the map entry that matched it comes from
        columns_of: dict[object, tuple[str, list[int]]] = {}
        for i, header in enumerate(self.headers):
            if header.strip() == "":
                self.unnamed.append(i)
                self.matches.append(("", "unnamed"))
                continue
            key, how = header_match(header, columns)
            self.matches.append((key, how))
            if how == "map" and columns is not None:
                self.used.add(_plain(header))
                self.origins[header] = columns.entries_origin(header)
            if not is_known(key) and header not in self.ignored:
                self.ignored.append(header)
            match = CLASS_HEADER.match(key)
            class_field = None
            if match:
                field = "enrolled" if match.group(2) in ("人数", "在托人数", "enrolled") else "caregivers"
                class_field = (CLASS_COLUMNS[match.group(1)], field)
            target = class_field or key
            columns_of.setdefault(target, (".".join(class_field) if class_field else key, []))[1].append(i)
            head, dot, tail = key.partition(".")
            self._steps.append((i, key, class_field, (head, tail) if dot else None))
        self.duplicates = [entry for entry in columns_of.values() if len(entry[1]) > 1]

    def key_of(self, column: int) -> str:
        """The key column ``column`` (0-based) is read as ("" for a column without a header or past the header)."""
        return self.matches[column][0] if column < len(self.matches) else ""

    @property
    def keys(self) -> set[str]:
        """The known keys the headers name (the fields this table can fill)."""
        return {key for key, _ in self.matches if key and is_known(key)}

    def conflicts(
        self, cells: list[Any], row: int, source: str, line: int | None = None, table: ColumnTable | None = None
    ) -> list[Problem]:
        """The problems of a row whose duplicate columns hold different values (one problem per such field), each
        naming both columns by letter and header; ``line`` (the row's Excel row or CSV line) and ``table`` (from
        :meth:`table`) locate it."""
        problems = []
        for field, group in self.duplicates:
            filled = [(i, str(cells[i]).strip()) for i in group if i < len(cells) and _filled(cells[i]) is not None]
            differing = [(i, v) for i, v in filled if v != filled[0][1]]
            if differing:
                (a, one), (b, two) = filled[0], differing[0]
                la, lb, ha, hb = column_letter(a), column_letter(b), _shown(self.headers[a]), _shown(self.headers[b])
                one, two = one[:100], two[:100]
                at = Location(row=row, field=field, file=source)
                if table is not None and line is not None:
                    at = table.at_columns(at, (a, b), line)
                problems.append(
                    Problem(
                        "record.duplicate-key",
                        f"{field}：{la} 列（{ha}）和 {lb} 列（{hb}）都填了值（{one} / {two}），不知以哪个为准",
                        f"{field}: columns {la} ({ha}) and {lb} ({hb}) both hold a value ({one} / {two})",
                        at,
                        value=f"{one} / {two}",
                    )
                )
        return problems

    def table(self, sheet: str | None = None, *, lines: bool = False, items: bool = True) -> ColumnTable:
        """Where each field of this sheet's rows is, built once per sheet and shared by its rows (see
        :class:`ColumnTable`): ``sheet`` its name (None for a CSV file), ``lines`` for a CSV file (a cell's row is its
        file line), ``items=False`` when class items of other sheets are joined onto these rows."""
        fields: dict[str, list[tuple[int, str]]] = {}
        for i, key, class_field, _dotted in self._steps:
            name = f"classes.{class_field[0]}.{class_field[1]}" if class_field else key
            fields.setdefault(name, []).append((i, _shown(self.headers[i])))
        return ColumnTable({k: tuple(v) for k, v in fields.items()}, sheet, lines, items)

    def duplicates_notice(self, where: str) -> tuple[str, str] | None:
        """The (zh, en) notice naming the fields two or more columns name (a row that fills them with different
        values is an error row; equal values are read once), or None."""
        if not self.duplicates:
            return None
        zh = "；".join(
            f"{field}：" + "、".join(f"{column_letter(i)} 列（{_shown(self.headers[i])}）" for i in group)
            for field, group in self.duplicates
        )
        en = "; ".join(
            f"{field}: " + ", ".join(f"column {column_letter(i)} ({_shown(self.headers[i])})" for i in group)
            for field, group in self.duplicates
        )
        return (
            f"{where}：几列表示同一字段（值相同时读一次，不同时该行为错误行）：{zh}",
            f"{where}: several columns name one field (equal values are read once; different values make the row an "
            f"error row): {en}",
        )

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


_ITEM = re.compile(r"classes\[([0-9]+)\]\.(\w+)")


@dataclass(frozen=True)
class ColumnTable:
    """Where the fields of one sheet's rows are, one object per sheet shared by all its rows (cheap to carry): each
    field's columns as (0-based index, header as written), flattened class columns keyed ``classes.<type>.<field>``.

    Record problems are located with it (:meth:`location`): the sheet, the cell as Excel shows it, the header."""

    fields: Mapping[str, tuple[tuple[int, str], ...]]
    sheet: str | None = None  # the sheet's name; None for a CSV file
    lines: bool = False  # a CSV file: a cell's row is the file line the row starts on (Location.line says it too)
    items: bool = True  # whether class items come from this sheet's flattened columns only

    def place(self, path: str, record: Any, excel_row: int | None) -> tuple[str, str] | None:
        """(cell, header) of a field path of one row (``("C7", "性质")``; ``"C7,F7"`` for a field two columns
        name), or None when no column of this sheet holds it."""
        columns = self.fields.get(path)
        if columns is None:
            columns = self._item_columns(path, record)
        if not columns or excel_row is None:
            return None
        cell = ",".join(f"{column_letter(i)}{excel_row}" for i, _ in columns)
        return cell, " / ".join(dict.fromkeys(h for _, h in columns))

    def _item_columns(self, path: str, record: Any) -> tuple[tuple[int, str], ...] | None:
        """The columns of ``classes[k].field`` when the item came from a flattened column (``乳儿班人数``)."""
        match = _ITEM.fullmatch(path)
        if match is None or not self.items or not isinstance(record, Mapping):
            return None
        items, k = record.get("classes"), int(match.group(1))
        if not isinstance(items, list) or k >= len(items) or not isinstance(items[k], Mapping):
            return None
        return self.fields.get(f"classes.{items[k].get('type')}.{match.group(2)}")

    def at_columns(self, at: Location, columns: tuple[int, ...], excel_row: int) -> Location:
        """``at`` with the sheet, the cells of ``columns`` in row ``excel_row`` and their headers."""
        headers = " / ".join(dict.fromkeys(h for i, h in self._headers() if i in columns))
        cell = ",".join(f"{column_letter(i)}{excel_row}" for i in columns)
        line = excel_row if self.lines else None
        return Location(at.file, line, None, at.row, at.field, self.sheet, cell, headers or None)

    def _headers(self) -> list[tuple[int, str]]:
        return sorted({c for columns in self.fields.values() for c in columns})

    def location(
        self, path: str, row: int | None, source: str | None, excel_row: int | None, record: Any = None
    ) -> Location:
        """The location of a problem of field ``path`` in a row: row, field, file, and the sheet, cell and header
        (and the file line of a CSV row) when a column holds the field."""
        place = self.place(path, record, excel_row)
        line = excel_row if self.lines else None
        if place is None:
            return Location(row=row, field=path, file=source, sheet=self.sheet, line=line)
        return Location(row=row, field=path, file=source, sheet=self.sheet, cell=place[0], header=place[1], line=line)


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
