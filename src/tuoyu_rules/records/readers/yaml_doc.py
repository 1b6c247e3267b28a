"""The YAML reader: a document of one record or a list of records, each built on its own (one bad value is one error
row, never the whole file), with the limits of policy YAML.

Safe composition only; values are built here rather than by PyYAML's constructor, so that: a repeated key is an
error naming both lines (never "the last one wins"); only the standard tags are accepted; base-60 numbers
(``1:0:0``, YAML 1.1) stay text, as in YAML 1.2, instead of taking quadratic time; numbers of more than 100
characters are never converted; dates such as ``2023-02-30`` are an error of their record; nesting beyond 40 levels
is refused before composing; and aliases expand to at most :data:`MAX_VALUES` values in the whole document (a
"billion laughs" file stops there, in milliseconds).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from ...errors import Location, Problem
from ..limits import MAX_NUMBER_TEXT, MAX_VALUES, MAX_YAML_DEPTH, LongNumber
from .base import LedgerInput, RawRow, problem_row
from .text import UNDECODABLE, guarded, open_text

_TAG = "tag:yaml.org,2002:"
_SAFE_TAGS = {_TAG + t for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_Bad = Callable[..., None]  # bad(node, code, zh, en, field=None): records a problem of the record being built


class _Bomb(Exception):
    """Aliases expanded past :data:`MAX_VALUES` values."""


def read_yaml(ledger: LedgerInput) -> Iterator[RawRow]:
    """A YAML document: one record, or a list of records, each its own row."""
    source = ledger.source
    with open_text(ledger) as text:
        content = "".join(guarded(iter(text.stream), source))
    refused = _refused(content, source, text.dirty)
    if refused is not None:
        return iter([refused])
    try:
        node = yaml.compose(content, Loader=_Loader)
    except (yaml.YAMLError, RecursionError) as exc:
        return iter([_bad_document(source, str(exc))])
    if node is None:
        return iter([])
    items = node.value if isinstance(node, yaml.SequenceNode) and node.tag == _TAG + "seq" else [node]
    builder = _Builder()
    return (builder.record(item, row, source) for row, item in enumerate(items, start=1))


def _refused(content: str, source: str, dirty: bool) -> RawRow | None:
    """The document's one error row when it cannot be composed safely: undecodable bytes, or nesting too deep."""
    bad = UNDECODABLE.search(content) if dirty else None
    if bad is not None:
        line = content.count("\n", 0, bad.start()) + 1
        return _bad_document(source, f"line {line} holds bytes that cannot be decoded", "record.undecodable")
    deep = _DEEP_INDENT.search(content)
    depth = 0
    for match in () if deep else _BRACKETS.finditer(content):
        depth = depth + 1 if match.group(0) in "[{" else max(depth - 1, 0)
        if depth > MAX_YAML_DEPTH:
            deep = match
            break
    if deep is not None:
        line = content.count("\n", 0, deep.start()) + 1
        return _bad_document(source, f"nested deeper than {MAX_YAML_DEPTH} levels at line {line}", "record.too-deep")
    return None


_BRACKETS = re.compile(r"[\[\]{}]")
_DEEP_INDENT = re.compile(rf"^[ -]{{{2 * MAX_YAML_DEPTH + 2},}}", re.MULTILINE)


def _bad_document(source: str, detail: str, code: str = "record.bad-document") -> RawRow:
    return problem_row(1, source, code, f"{source} 无法解析：{detail}", f"{source} cannot be parsed: {detail}")


class _Builder:
    """Builds each record of a document from its nodes, collecting the record's problems."""

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._expanded = 0  # nodes visited again through an alias, in the whole document

    def record(self, node: yaml.Node, row: int, source: str) -> RawRow:
        problems: list[Problem] = []

        def bad(at: yaml.Node, code: str, zh: str, en: str, field: str | None = None) -> None:
            line = at.start_mark.line + 1
            problems.append(
                Problem(code, f"第 {line} 行：{zh}", f"line {line}: {en}", Location(row=row, field=field, file=source))
            )

        try:
            data = self._build(node, bad, "", 0)
        except _Bomb:
            bad(
                node,
                "record.too-many-values",
                f"别名展开后超过 {MAX_VALUES:,} 个值（可能是别名炸弹）",
                f"aliases expand to more than {MAX_VALUES:,} values (an alias bomb?)",
            )
        return RawRow(row, source, None if problems else data, tuple(problems))

    def _build(self, node: yaml.Node, bad: _Bad, path: str, depth: int) -> Any:
        if id(node) in self._seen:
            self._expanded += 1
            if self._expanded > MAX_VALUES:
                raise _Bomb
        else:
            self._seen.add(id(node))
        if node.tag not in _SAFE_TAGS:
            bad(
                node, "record.unsafe-tag", f"不允许的 YAML 标签 {node.tag}", f"YAML tag {node.tag} is not allowed", path
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, bad, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, bad, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)]
        return _scalar(node, bad, path)

    def _mapping(self, node: yaml.MappingNode, bad: _Bad, path: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                bad(key_node, "record.bad-type", "键必须是简单文本", "keys must be plain scalars", path or None)
                continue
            key = key_node.value
            name = f"{path}.{key}" if path else key
            if key == "<<" and key_node.tag == _TAG + "merge":
                bad(key_node, "record.unsafe-tag", "不支持 YAML 合并键 <<", "YAML merge keys (<<) are not supported")
                continue
            line = key_node.start_mark.line + 1
            if key in lines:
                bad(
                    key_node,
                    "record.duplicate-key",
                    f"键 '{key}' 重复（第 {lines[key]} 行和第 {line} 行），不知以哪个为准",
                    f"key '{key}' repeats (lines {lines[key]} and {line}); which value is meant is unknown",
                    name,
                )
                continue
            lines[key] = line
            out[key] = self._build(value_node, bad, name, depth + 1)
        return out


def _scalar(node: yaml.Node, bad: _Bad, path: str) -> Any:
    """One scalar: text as it is; numbers bounded before conversion, base-60 left as text; bad dates an error."""
    text = str(node.value)
    tag = node.tag.removeprefix(_TAG)
    if tag == "str":
        return text
    if tag in ("int", "float") and ":" in text:  # YAML 1.1 base-60: text, as YAML 1.2 reads it
        return text
    if tag in ("int", "float") and len(text) > MAX_NUMBER_TEXT:
        return LongNumber(text)
    if tag == "float" and text.lower().lstrip("+-") not in (".inf", ".nan"):
        try:
            value = Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text
        return value
    try:
        value = _CONSTRUCTOR.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        bad(node, "record.bad-value", f"无法读取的值 '{text[:100]}'", f"unreadable value '{text[:100]}': {exc}", path)
        return None
    return value


_CONSTRUCTOR = yaml.SafeLoader("")
