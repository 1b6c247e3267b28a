"""``template``: the workbook an analyst fills in for one policy — the fields it reads, in Chinese, with drop-downs.

:func:`template_sheets` works out, from what the compiled policy's rules, subsidies and benefits read, one sheet per
record kind it judges (机构, 区域, 居住区) plus 班级/人员 when it judges classes or staff, each column a field with its
Chinese header (and unit), its type and its allowed values; :func:`write_template` writes them with openpyxl:
drop-down lists for enumerations and 是/否, whole or decimal numbers ≥ 0, a frozen header row and a 填表说明 sheet.
Every header and value written is one the ledger readers read back (a test fills a template and checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..expressions import Scope, compile_expression
from ..vocabulary import (
    CERTIFICATE_FIELD,
    CERTIFICATES,
    CLASS_FIELDS,
    ENUM_VALUES,
    ENUMS,
    HEADERS,
    KIND_ALIASES,
    KINDS,
    RECORD_KIND,
    STAFF_FIELDS,
    SUBSHEETS,
    unit_kind,
)

if TYPE_CHECKING:
    from ..compiler import CompiledPolicy

NOTES_SHEET = "填表说明"
YES_NO = ("是", "否")
LIST_NOTE = "可填多个，用、分隔；一个也没有时填“无”（空单元格是“缺失”）"
UNITS = {"area": "㎡", "money": "元/月", "years": "年", "days": "天"}  # the unit a header names (counts: none)
TYPE_TEXT = {"int": "整数（≥0）", "num": "数值（≥0，可有小数）", "bool": "是/否", "str": "文本", "list": "文本列表"}
# the fields a sheet always has, whether or not a rule reads them: who the row is, and for a region its year and its
# level (which targets bind it: a target `applies_to` one level; no expression needs to read the field for that); an
# institution's district, which no rule reads but `budget` breaks its totals down by
IDENTITY = {
    "institution": ("id", "name", "district"),
    "region": ("id", "name", "level", "year"),
    "residential_area": ("id",),
}
ITEM_KINDS = {"classes": ("class", CLASS_FIELDS, "type"), "staff": ("staff", STAFF_FIELDS, "role")}
OWNER_HEADER = "机构编号"  # the column of a 班级/人员 row that names its institution (read as its id)


@dataclass(frozen=True)
class Column:
    """One column of a template sheet: the field (a dotted path inside the sheet's record), how it reads and why."""

    field: str
    header: str
    type: str  # int, num, bool, str or list
    values: tuple[str, ...]  # the allowed values as the drop-down offers them (Chinese); empty when free
    unit: str | None
    read_by: tuple[str, ...]  # ids of the rules, subsidies and benefits that read it


@dataclass(frozen=True)
class Sheet:
    """One sheet of the template: its name, what its rows are (a record kind, or ``classes``/``staff``), columns."""

    name: str
    holds: str
    columns: tuple[Column, ...]


def template_sheets(policy: CompiledPolicy) -> list[Sheet]:
    """The sheets of the template of ``policy``: a record kind's sheet when some rule judges that kind (机构 also when
    the policy has subsidies or benefits), 班级/人员 when some rule reads classes or staff."""
    reads = _reads_by_holder(policy)
    sheets = []
    for kind in KINDS:
        if kind in reads:
            fields = [*IDENTITY[kind], *(f for f in _field_paths(KINDS[kind]) if f in reads[kind])]
            sheets.append(Sheet(_kind_sheet_name(kind), kind, _columns(kind, fields, reads[kind])))
    for target, (_subject, table, key) in ITEM_KINDS.items():
        if target in reads:
            fields = [key, *(f for f in _field_paths(table) if f in reads[target] and f != key)]
            owner = Column("id", OWNER_HEADER, "str", (), None, ())
            name = next(n for n, t in SUBSHEETS.items() if t == target and not n.isascii())
            sheets.append(Sheet(name, target, (owner, *_columns(target, fields, reads[target]))))
    return sheets


def _reads_by_holder(policy: CompiledPolicy) -> dict[str, dict[str, list[str]]]:
    """holder (a record kind, ``classes`` or ``staff``) → field path → the ids of the items that read it."""
    out: dict[str, dict[str, list[str]]] = {}
    for subject, item_id, paths in _all_reads(policy):
        holder = "classes" if subject == "class" else "staff" if subject == "staff" else RECORD_KIND[subject]
        if subject == "subregion":  # a subregion's fields cannot be written in a flat sheet (see the notes)
            holder = "subregions"
        out.setdefault(holder, {})
        for path in paths:
            where, field = _place(holder, path)
            out.setdefault(where, {}).setdefault(field, [])
            if item_id not in out[where][field]:
                out[where][field].append(item_id)
    out.pop("subregions", None)
    return out


def _place(holder: str, path: str) -> tuple[str, str]:
    """Where a read path lives: (holder, field) — ``classes[].enrolled`` of an institution is a class's field,
    ``institution.form`` of a class is its institution's."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        return (head[:-2], rest) if head[:-2] in ITEM_KINDS else ("subregions", rest)
    if holder in ITEM_KINDS and head == "institution" and rest:
        return "institution", rest
    if holder == "subregions" and head == "region" and rest:
        return "region", rest
    if head in ITEM_KINDS and not rest:  # the list itself: its sheet, identified by its key column
        return head, ITEM_KINDS[head][2]
    if head == "subregions":
        return "subregions", "id"
    return holder, path


def _all_reads(policy: CompiledPolicy) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(subject, item id, the record paths it reads) of every rule, subsidy (eligibility, exclusions, amount) and
    benefit (eligibility, value) of the policy."""
    for rule in policy.rules:
        yield rule.subject, rule.id, rule.reads
        if rule.subject == "subregion" and rule.spec.applies_to:  # a record of that level is judged itself
            yield "region", rule.id, tuple(p for p in rule.reads if not p.startswith("region."))
    for sub in policy.subsidies:
        yield "institution", sub.id, (*sub.reads, *(r for ex in sub.exclusions for r in ex.reads))
        yield "institution", sub.id, _expression_reads(policy, sub.spec.amount)
    for ben in policy.benefits:
        yield "institution", ben.id, (*ben.reads, *_expression_reads(policy, ben.spec.value))


def _expression_reads(policy: CompiledPolicy, text: str | None) -> tuple[str, ...]:
    """The record paths an institution expression reads (the compiled items keep those of eligibility only)."""
    if not text:
        return ()
    types = {name: param.spec.type for name, param in policy.parameters.items()}
    compiled = compile_expression(text, Scope("institution", types))
    return () if isinstance(compiled, list) else compiled.reads


def _field_paths(table: dict[str, Any], prefix: str = "") -> list[str]:
    """The leaf fields of a field table, objects flattened to dotted paths, in the table's order."""
    out = []
    for name, spec in table.items():
        if isinstance(spec, tuple) and spec[0] == "obj":
            out.extend(_field_paths(spec[1], f"{prefix}{name}."))
        else:
            out.append(prefix + name)
    return out


def _columns(holder: str, fields: Iterable[str], reads: dict[str, list[str]]) -> tuple[Column, ...]:
    table = {**KINDS[holder], "district": "str"} if holder in KINDS else ITEM_KINDS[holder][1]
    columns = []
    for field in dict.fromkeys(fields):
        spec = _spec(table, field)
        if isinstance(spec, tuple):  # a list of dicts (classes, staff, subregions): its own sheet
            continue
        leaf = field.rsplit(".", 1)[-1]
        kind = "list" if leaf == CERTIFICATE_FIELD else spec
        unit = UNITS.get(unit_kind(leaf)) if spec == "num" or leaf.endswith(("_days", "_years")) else None
        header = _header(holder, field) + (f"({unit})" if unit else "")
        columns.append(Column(field, header, kind, _allowed(leaf, spec), unit, tuple(reads.get(field, ()))))
    return tuple(columns)


def _spec(table: dict[str, Any], field: str) -> Any:
    spec: Any = ("obj", table)
    for part in field.split("."):
        spec = spec[1][part]
    return "str" if isinstance(spec, tuple) and spec[0] == "list" and spec[1] == "str" else spec


def _header(holder: str, field: str) -> str:
    """The Chinese header of a field in a sheet: the first of the vocabulary's headers for it, preferring one that
    names the sheet's kind (区域编号 on the 区域 sheet); the field's own name if the vocabulary has none."""
    names = [h for h, f in HEADERS.items() if f == field]
    if holder in ITEM_KINDS and field == "id":
        return OWNER_HEADER
    word = _kind_sheet_name(holder) if holder in KINDS else ""
    return next((h for h in names if word and h.startswith(word)), names[0] if names else field)


def _kind_sheet_name(kind: str) -> str:
    return next(word for word, k in KIND_ALIASES.items() if k == kind)


def _allowed(leaf: str, spec: Any) -> tuple[str, ...]:
    """The values a drop-down offers: each value's Chinese label when the readers read it, else the first spelling
    that they do (the labels 县（区） and 保育育婴资质 are not spellings)."""
    if spec == "bool":
        return YES_NO
    if leaf not in ENUM_VALUES:
        return ()
    table = CERTIFICATES if leaf == CERTIFICATE_FIELD else ENUMS[leaf]
    out = []
    for code, (label, spellings) in ENUM_VALUES[leaf].items():
        out.append(next(s for s in (label, *spellings) if s and table.get(s) == code))
    return tuple(out)


def write_template(policy: CompiledPolicy, path: str | Path) -> list[Sheet]:
    """Write the template workbook of ``policy`` to ``path`` (xlsx) and return its sheets."""
    from openpyxl import Workbook

    sheets = template_sheets(policy)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet in sheets:
        _write_sheet(book.create_sheet(sheet.name), sheet)
    _write_notes(book.create_sheet(NOTES_SHEET), policy, sheets)
    book.save(path)
    return sheets


def _write_sheet(ws: Any, sheet: Sheet) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append([c.header for c in sheet.columns])
    for i, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[letter].width = max(12, 2 * len(column.header) + 2)
        validation = _validation(column)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}1048576")
    ws.freeze_panes = "A2"


def _validation(column: Column) -> Any:
    """The data validation of a column: a drop-down of its values, or whole / decimal numbers ≥ 0."""
    from openpyxl.worksheet.datavalidation import DataValidation

    header = column.header
    if column.type == "list":  # several values in one cell: no drop-down, a prompt listing them
        return DataValidation(
            showInputMessage=True,
            promptTitle=header[:32],
            prompt=(LIST_NOTE + "：" + "、".join(column.values))[:255],
        )
    if column.values:
        return DataValidation(
            type="list",
            formula1='"' + ",".join(column.values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=header[:32],
            error=("请从下拉列表中选择：" + "、".join(column.values))[:255],
        )
    if column.type in ("int", "num"):
        whole = column.type == "int"
        return DataValidation(
            type="whole" if whole else "decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=header[:32],
            error="请填写不小于 0 的整数" if whole else "请填写不小于 0 的数（可有小数）",
        )
    return None


def notes_rows(policy: CompiledPolicy, sheets: list[Sheet]) -> list[list[str]]:
    """The rows of the 填表说明 sheet: a few general lines, then one row per column of every sheet."""
    rows = [
        [f"{policy.id}：{policy.model.name} 台账模板"],
        ["空单元格表示“缺失”：读取该字段的规则结果为“信息不全”（unknown），绝不当作 0 或“否”。"],
        ["每行一条记录；班级、人员表每行一个班级或一名人员，用“机构编号”关联到机构表。"],
    ]
    if any(path.startswith("subregions") for _, _, paths in _all_reads(policy) for path in paths):
        rows.append(["本策略的部分目标按下级区域（subregions）判断，表格无法填写下级区域：请用 JSON 或 YAML 台账。"])
    rows += [
        [],
        ["工作表", "表头", "字段", "类型", "允许的值", "单位", "用途：读取它的规则、补贴、待遇"],
    ]
    items: list[Any] = [*policy.rules, *policy.subsidies, *policy.benefits]
    titles = {item.id: item.spec.title for item in items}
    for sheet in sheets:
        for c in sheet.columns:
            uses = [f"{titles[i]}（{i}）" if titles.get(i) else i for i in c.read_by]
            owner = sheet.holds in ITEM_KINDS and c.field == "id"
            read_by = "；".join(uses) or ("关联到机构表中编号相同的机构" if owner else "标识记录")
            allowed = "、".join(c.values) + (f"（{LIST_NOTE}）" if c.type == "list" else "")
            kind = "从下拉列表中选择" if c.type == "str" and c.values else TYPE_TEXT[c.type]
            rows.append([sheet.name, c.header, c.field, kind, allowed, c.unit or "", read_by])
    return rows


def _write_notes(ws: Any, policy: CompiledPolicy, sheets: list[Sheet]) -> None:
    from openpyxl.styles import Font

    for row in notes_rows(policy, sheets):
        ws.append(row)
    for cell in next(r for r in ws.iter_rows() if r[0].value == "工作表"):
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (10, 28, 30, 20, 48, 8, 60), strict=True):
        ws.column_dimensions[letter].width = width
