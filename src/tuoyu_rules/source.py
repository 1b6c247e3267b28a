"""YAML loading that keeps ``path:line:column`` for every node.

Safe loading only. Duplicate keys, over-deep nesting, too many nodes (alias bombs) and floats that are not exact
decimals are problems, collected and raised together as one :class:`PolicyError`.
"""

from __future__ import annotations

import datetime
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .errors import PolicyError, Problem, policy_problem

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 40
MAX_NODES = 50_000
MAX_NUMBER_CHARS = 40  # a policy number longer than this (digits, sign, point, exponent) is refused before conversion
MAX_MAGNITUDE = 15  # and one over 10**15 or with more than 15 places after the point


def number_too_large(text: str) -> bool:
    """Whether a number's text is too long or its value too large or too fine to be a policy figure. Checked on the
    text and the decimal's exponent, before anything builds the integer (``1e100000000`` is 10⁸ digits)."""
    if len(text) > MAX_NUMBER_CHARS:
        return True
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return False
    return value.is_finite() and bool(value) and (value.adjusted() > MAX_MAGNITUDE or value.adjusted() < -MAX_MAGNITUDE)


Path_ = tuple[str | int, ...]


@dataclass
class SourceDoc:
    """A parsed YAML document: plain Python data plus the position of every value and key."""

    file: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # duplicate keys, bad scalars: reported with later stages

    def where(self, path: Path_, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the value at ``path``, or of its nearest ancestor."""
        table = self.key_positions if key else self.positions
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            if not key and p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def problem(
        self,
        path: Path_,
        code: str,
        message: str,
        message_en: str,
        *,
        key: bool = False,
        severity: str = "error",
        column_offset: int = 0,
    ) -> Problem:
        line, column = self.where(path, key=key)
        if column is not None:
            column += column_offset
        return policy_problem(code, message, message_en, self.file, line, column, severity)  # type: ignore[arg-type]


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.key_positions: dict[Path_, tuple[int, int]] = {}
        self.count = 0
        self._scalar = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, code: str, zh: str, en: str) -> None:
        self.problems.append(
            policy_problem(code, zh, en, self.file, node.start_mark.line + 1, node.start_mark.column + 1)
        )

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node)
        if depth > MAX_DEPTH:
            self.fail(node, "policy.too-deep", f"嵌套超过 {MAX_DEPTH} 层", f"nesting deeper than {MAX_DEPTH} levels")
            return None
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in _SAFE_TAGS:
            self.fail(
                node, "policy.unsafe-tag", f"不允许的 YAML 标签 {node.tag}", f"YAML tag {node.tag} is not allowed"
            )
            return None
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.fail(key_node, "policy.bad-key", "键必须是简单文本", "keys must be plain scalars")
                    continue
                key = self.scalar(key_node)
                if isinstance(key, (datetime.date, Decimal, bool)) or key is None:
                    key = key_node.value
                if key == "<<":
                    self.fail(
                        key_node, "policy.merge-key", "不支持 YAML 合并键 <<", "YAML merge keys (<<) are not supported"
                    )
                    continue
                if key in out:
                    self.fail(key_node, "policy.duplicate-key", f"重复的键 '{key}'", f"duplicate key '{key}'")
                    continue
                self.key_positions[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.build(value_node, (*path, key), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR_TAG:  # most scalars of a policy: text needs no construction
            return node.value
        if node.tag in _NUMBER_TAGS and ":" in str(node.value):
            return str(node.value)  # base 60 (1:30) is YAML 1.1 only, and quadratic to convert: text, as in YAML 1.2
        if node.tag in _NUMBER_TAGS and number_too_large(str(node.value).replace("_", "")):
            self.fail(
                node,
                "policy.number-too-large",
                f"数值 '{str(node.value)[:40]}…' 过大或位数过多（上限 {MAX_NUMBER_CHARS} 个字符、10^{MAX_MAGNITUDE}）",
                f"'{str(node.value)[:40]}…' is too large or has too many digits "
                f"(limit {MAX_NUMBER_CHARS} characters, 10^{MAX_MAGNITUDE})",
            )
            return None
        if node.tag == "tag:yaml.org,2002:float":
            text = str(node.value).replace("_", "")
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                self.fail(
                    node,
                    "policy.not-finite",
                    f"数值 '{node.value}' 不是有限小数",
                    f"'{node.value}' is not a finite number",
                )
                return None
            return value
        try:
            return self._scalar.construct_object(node, deep=True)
        except ValueError:
            self.fail(
                node,
                "policy.bad-date",
                f"'{node.value}' 不是有效日期（YYYY-MM-DD）",
                f"'{node.value}' is not a valid date (YYYY-MM-DD)",
            )
            return str(node.value)
        except yaml.YAMLError as exc:
            self.fail(
                node,
                "policy.bad-scalar",
                f"无法读取的值 '{node.value}': {exc}",
                f"unreadable value '{node.value}': {exc}",
            )
            return None


# libyaml's safe loader when PyYAML was built with it (the nodes keep the same marks), else the pure-Python one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_SAFE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where the text nests deeper than the limit (flow brackets or indentation), found without recursion.

    PyYAML's composer recurses once per level, so a deeply nested file would exhaust the stack slowly; this cheap
    scan rejects it first. Quotes are not parsed: a bracket inside a string only makes the count conservative.
    """
    deep_indent = _DEEP_INDENT.search(text)
    if deep_indent is not None:
        line = text.count("\n", 0, deep_indent.start()) + 1
        return line, len(deep_indent.group(0))
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group(0) in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                start = text.rfind("\n", 0, match.start()) + 1
                return text.count("\n", 0, match.start()) + 1, match.start() - start + 1
        else:
            depth = max(depth - 1, 0)
    return None


_BRACKETS = re.compile(r"[\[\]{}]")
_DEEP_INDENT = re.compile(rf"^[ -]{{{2 * MAX_DEPTH + 2},}}", re.MULTILINE)


class _TooBig(Exception):
    def __init__(self, node: yaml.Node):
        self.node = node


def _fail(code: str, zh: str, en: str, file: str, line: int | None = 1, column: int | None = 1) -> PolicyError:
    return PolicyError([policy_problem(code, zh, en, file, line, column)])


def _check_text(text: str, file: str) -> None:
    """What is refused before parsing: NUL characters and nesting deeper than the limit."""
    if "\x00" in text:
        raise _fail(
            "policy.nul-character", "策略文件中不能有空字符（NUL）", "a policy file cannot contain NUL characters", file
        )
    deep = _too_deep(text)
    if deep is not None:
        zh, en = f"YAML 嵌套超过 {MAX_DEPTH} 层", f"the YAML is nested deeper than {MAX_DEPTH} levels"
        raise _fail("policy.too-deep", zh, en, file, *deep)


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> PolicyError:
    """A YAML syntax error at its line and column; a tab in the indentation is named as such."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    detail = f"{exc.problem or ''} {exc.context or ''}".strip()
    bad_line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if "\t" in bad_line[: (mark.column if mark else 0) + 1] or "tab" in detail.lower():
        zh = "YAML 缩进不能使用制表符（Tab），请改用空格"
    else:
        zh = f"YAML 语法错误：{detail}"
    return _fail("policy.yaml-syntax", zh, f"YAML syntax error: {detail}", file, line, column)


_KEPT_TEXTS = 8
"""The node trees of this many texts are kept per process (the last ones that loaded)."""
_kept: dict[str, yaml.Node] = {}  # text -> its node tree, the least recently loaded first
_kept_lock = threading.Lock()


def _composed(text: str) -> yaml.Node | None:
    """The node tree of a text, kept for the last few texts that loaded (:func:`_keep`): a process that reads one
    file again (``validate`` reads national.yaml under each city and each file again for its dates) composes it
    once. Keyed by the whole text, so a changed file is composed anew; the nodes are only read (every load builds its
    own data from them), and a text that fails to compose raises every time."""
    with _kept_lock:
        node = _kept.get(text)
    return node if node is not None else yaml.compose(text, Loader=_Loader)


def _keep(text: str, node: yaml.Node) -> None:
    """Keep the node tree of a text that loaded (never one refused: a text of too many nodes holds some 80 MB of them
    per 2 MB), dropping the least recently loaded beyond :data:`_KEPT_TEXTS`."""
    with _kept_lock:
        _kept.pop(text, None)
        _kept[text] = node
        while len(_kept) > _KEPT_TEXTS:
            del _kept[next(iter(_kept))]


def _compose(text: str, file: str) -> yaml.Node:
    try:
        node = _composed(text)
    except RecursionError:
        zh, en = f"YAML 嵌套过深（上限 {MAX_DEPTH} 层）", f"the YAML is nested too deeply (limit {MAX_DEPTH} levels)"
        raise _fail("policy.too-deep", zh, en, file) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise _fail("policy.yaml-syntax", f"YAML 语法错误：{exc}", f"YAML syntax error: {exc}", file) from None
    if node is None:
        raise _fail("policy.empty", "策略文件为空", "the policy file is empty", file)
    return node


def load_yaml_text(text: str, file: str) -> SourceDoc:
    """Parse one YAML document; raise :class:`PolicyError` with every problem found."""
    _check_text(text, file)
    node = _compose(text, file)
    builder = _Builder(file)
    try:
        data = builder.build(node, (), 0)
    except _TooBig as big:
        mark = big.node.start_mark
        zh = f"文件展开后超过 {MAX_NODES} 个节点（可能是别名炸弹）"
        en = f"the document expands to more than {MAX_NODES} nodes (an alias bomb?)"
        raise _fail("policy.too-many-nodes", zh, en, file, mark.line + 1, mark.column + 1) from None
    _keep(text, node)
    return SourceDoc(file, data, builder.positions, builder.key_positions, builder.problems)


def load_yaml_file(path: str | Path) -> SourceDoc:
    """Read and parse a YAML file (UTF-8, with or without BOM), within the size limit."""
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PolicyError(
                [
                    policy_problem(
                        "policy.too-large",
                        f"文件大小 {size} 字节，超过上限 {MAX_FILE_BYTES}",
                        f"file is {size} bytes, over the limit of {MAX_FILE_BYTES}",
                        name,
                    )
                ]
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise PolicyError(
            [
                policy_problem(
                    "policy.unreadable", f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}", name
                )
            ]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            [
                policy_problem(
                    "policy.not-utf8",
                    "策略文件必须是 UTF-8 编码",
                    f"policy files must be UTF-8 (byte {exc.start} is not)",
                    name,
                    1,
                    1,
                )
            ]
        ) from None
    return load_yaml_text(text, name)
