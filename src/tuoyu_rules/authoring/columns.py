"""``columns``: what each header of a ledger is read as, and why; and the column maps a user gives (a ``--columns``
file, the project file :data:`PROJECT_FILE`), read with positions so that a mistake is located ``file:line:column``.

Precedence, highest first: ``--columns`` > the project file > the policy's ``columns:`` > the built-in headers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from ..errors import Location, PolicyError, Problem
from ..records.readers import ColumnMap, Table
from ..records.readers.columns import (
    HOW,
    column_letter,
    map_target,
    normal_header,
    suggestion,
    target_problem,
)
from ..records.readers.kinds import KIND_NAMES
from ..source import load_yaml_file
from ..text import field_label
from ..vocabulary import CLASS_COLUMNS, CLASS_HEADER, VALUE_LABELS_ZH

PROJECT_FILE = "tuoyu-rules.yaml"  # looked up in the current directory: its `columns:` is the project's column map
_KEY = "columns"


def load_column_map(path: str | Path, key: str | None = None) -> ColumnMap:
    """A column map file: a mapping of header → field id (or, with ``key``, a mapping whose ``key`` holds one, as the
    project file has). Raises :class:`PolicyError` with every problem located ``file:line:column``."""
    doc = load_yaml_file(path)
    problems: list[Problem] = list(doc.problems)
    data, base = doc.data, cast("tuple[str, ...]", ())
    if key is not None:
        data, base = _section(doc, key, problems)
    mapping: dict[str, str] = {}
    if data is not None and not isinstance(data, dict):
        problems.append(doc.problem(base, "record.bad-column-map", *_shape_message(str(path))))
        data = {}
    seen: dict[str, str] = {}  # normalised header -> the first header of the map that reads so
    for header, target in (data or {}).items():
        where = (*base, header)
        if not isinstance(target, str):
            problems.append(doc.problem(where, "record.bad-column-map", *_shape_message(str(path))))
            continue
        bad = target_problem(str(header), target, Location())
        if bad is not None:
            problems.append(doc.problem(where, bad.code, bad.message, bad.message_en))
            continue
        earlier = seen.get(normal_header(str(header)))
        if earlier is not None and map_target(mapping[earlier]) != map_target(target):
            zh = f"表头 '{header}' 与 '{earlier}' 去掉单位和空格后相同，却映射到不同字段"
            en = f"the headers '{header}' and '{earlier}' are the same without units and spaces, but map differently"
            problems.append(doc.problem(where, "record.bad-column-map", zh, en, key=True))
        seen.setdefault(normal_header(str(header)), str(header))
        mapping[str(header)] = target
    if any(p.severity == "error" for p in problems):
        raise PolicyError(problems)
    return ColumnMap.of(mapping, str(path))


def _section(doc: Any, key: str, problems: list[Problem]) -> tuple[Any, tuple[str, ...]]:
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), "record.bad-column-map", *_shape_message(doc.file)))
        return None, ()
    for other in doc.data:
        if other != key:
            zh = f"项目文件只认 {key}: 一个键，不认 '{other}'"
            en = f"the project file has one key, {key}:, not '{other}'"
            problems.append(doc.problem((other,), "record.bad-column-map", zh, en, key=True))
    return doc.data.get(key), (key,)


def _shape_message(file: str) -> tuple[str, str]:
    return (
        f"{file}：列映射应写作“表头: 字段编号”的映射，如 是否纳入普惠: inclusive",
        f"{file}: a column map is a mapping of header: field id, such as 是否纳入普惠: inclusive",
    )


def user_column_map(columns_file: str | None, folder: Path | None = None) -> ColumnMap | None:
    """The column maps the user gave: ``--columns`` over the project file of ``folder`` (default: the current
    directory); None when there are neither."""
    project = Path(PROJECT_FILE) if folder is None else folder / PROJECT_FILE
    maps = [load_column_map(columns_file)] if columns_file else []
    if project.is_file():
        maps.append(load_column_map(project, _KEY))
    merged: ColumnMap | None = None
    for found in reversed(maps):
        merged = found.over(merged)
    return merged


def _label(key: str) -> tuple[str, str]:
    """(Chinese label, English id) of the field a column is read as."""
    match = CLASS_HEADER.match(key)
    if match:
        kind = CLASS_COLUMNS[match.group(1)]
        field = "enrolled" if match.group(2) in ("人数", "在托人数", "enrolled") else "caregivers"
        return f"{VALUE_LABELS_ZH[('type', kind)]} {field_label(f'classes.{field}')}", f"{kind}.{field}"
    return field_label(key), key


_KIND_HOW = {
    "forced": ("--kind 指定", "--kind"),
    "column": ("各行的记录类型列", "each row's kind column"),
    "sheet": ("工作表名", "the sheet's name"),
    "headers": ("表头", "the headers"),
    "default": ("默认", "the default"),
    "ambiguous": ("表头可读作几种记录，需用 --kind 指定", "the headers fit several kinds: say which with --kind"),
    "joined": ("按机构编号并入", "joined by institution id"),
}


def describe(table: Table) -> dict[str, Any]:
    """One table as plain data (the JSON of ``columns --format json``): each header, the field it is read as and
    why, the ignored ones with a did-you-mean, and the kind its rows are read as."""
    columns = []
    for i, (header, (key, how)) in enumerate(zip(table.mapper.headers, table.mapper.matches, strict=True)):
        if how == "unnamed":
            continue
        entry: dict[str, str | None] = {"column": column_letter(i), "header": " ".join(header.split()), "how": how}
        if how == "unknown":
            entry |= {"field": None, "suggestion": suggestion(header)}
        else:
            label, field = _label(key)
            entry |= {"field": field, "label": label}
            if how == "map":
                entry["origin"] = table.mapper.origins.get(header)
        columns.append(entry)
    kind = table.kind
    return {
        "source": table.source,
        "header_row": table.header_line,
        "header_rows": [table.header_line, table.last_line or table.header_line],
        "joins": table.joins,
        "kind": kind.kind if table.joins is None else None,
        "kind_how": kind.how,
        "kind_candidates": list(kind.candidates),
        "columns": columns,
    }


def describe_lines(described: list[dict[str, Any]], lang: str = "zh") -> list[str]:
    """The text of ``columns``: a heading per table, then a line per header."""
    zh = lang == "zh"
    lines: list[str] = []
    for table in described:
        how_zh, how_en = _KIND_HOW[table["kind_how"]]
        if table["joins"]:
            what = f"并入 {table['joins']}" if zh else f"joined into {table['joins']}"
        elif table["kind"] is None and table["kind_how"] == "ambiguous":
            names = "、".join(KIND_NAMES[k] for k in table["kind_candidates"])
            what = f"记录类型未定（{names}）：{how_zh}" if zh else f"kind undecided ({how_en})"
        else:
            kind = table["kind"] or "institution"
            what = f"读作{KIND_NAMES[kind]}记录（{how_zh}）" if zh else f"read as {kind} records ({how_en})"
        first, last = table["header_rows"]
        rows = f"{first}" if first == last else f"{first}–{last}"
        row = f"第 {rows} 行为表头" if zh else f"header row{'s' if first != last else ''} {rows}"
        lines.append(f"{table['source']}：{row}；{what}" if zh else f"{table['source']}: {row}; {what}")
        for c in table["columns"]:
            lines.append(_column_line(c, zh))
    return lines


def _column_line(c: dict[str, Any], zh: bool) -> str:
    why_zh, why_en = HOW[c["how"]]
    if c["field"] is None:
        hint = c.get("suggestion")
        if zh:
            return f"  {c['column']:>3}  {c['header']}  →  （未识别，原样保留）" + (
                f"  是否想写 {hint}？" if hint else ""
            )
        return f"  {c['column']:>3}  {c['header']}  →  (not recognised, kept as is)" + (
            f"  did you mean {hint}?" if hint else ""
        )
    origin = f"：{c['origin']}" if zh and c.get("origin") else f": {c['origin']}" if c.get("origin") else ""
    why = (why_zh if zh else why_en) + origin
    return (
        f"  {c['column']:>3}  {c['header']}  →  {c['label']} {c['field']}  （{why}）"
        if zh
        else (f"  {c['column']:>3}  {c['header']}  →  {c['label']} {c['field']}  ({why})")
    )
