"""Check an expression's syntax tree against the allowlist and generate its Python source: one method per node kind.

Generated source reads ``r`` (the subject record), ``p`` (parameters in force), ``R`` (the parent record), ``Y``
(the record's year), ``F`` (rule outcomes so far, for ``passes``), ``T`` (the year's target), and in templates
``O``/``Q`` (observed, required). It calls only the names of :func:`.functions.namespace`.
"""

from __future__ import annotations

import ast
import difflib
import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..vocabulary import SUBJECTS
from .functions import FUNCTIONS

MAX_EXPRESSION_LENGTH = 2000
MAX_STRING_LITERAL = 200
MAX_NODES = 400

SPECIAL_NAMES = {"year": "Y", "target": "T"}
TEMPLATE_NAMES = {"observed": "O", "required": "Q"}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_DIVISIONS = {ast.Div: "_div", ast.FloorDiv: "_fdiv", ast.Mod: "_mod"}
_CMPOPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}

Generated = tuple[str, str]  # (python source, kind) where kind is num/str/bool/list/any


@dataclass
class ExprProblem:
    """A problem in one expression: ``offset`` is the 0-based column within the expression text."""

    code: str
    message: str
    message_en: str
    offset: int = 0


@dataclass
class Scope:
    """What names an expression may use."""

    subject: str
    params: Mapping[str, str]  # name -> parameter type
    rule_ids: tuple[str, ...] = ()  # the rules passes() may name: those of the subject's record kind
    allow_passes: bool = False
    other_rule_ids: tuple[str, ...] = ()  # rules of other record kinds: passes() naming only these is an error
    template: bool = False
    by_year: bool = False
    observed_kind: str = "any"  # in a rule's templates, the kinds of `observed` and `required`
    required_kind: str = "any"


@dataclass
class Compiled:
    """One checked expression: the generated Python source and what it reads."""

    text: str
    source: str
    reads: tuple[str, ...]  # record paths, e.g. "surveillance.retention_days", "classes[].enrolled", "institution.form"
    params: tuple[str, ...]
    passes: tuple[str, ...] = ()
    kind: str = "any"


def compile_expression(text: str, scope: Scope) -> Compiled | list[ExprProblem]:
    """Parse ``text``, check it against the allowlist, and return its generated source (or the problems)."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        return [
            ExprProblem(
                "policy.expression-too-long",
                f"表达式超过 {MAX_EXPRESSION_LENGTH} 个字符",
                f"expression longer than {MAX_EXPRESSION_LENGTH} characters",
            )
        ]
    tree = _parse(text)
    if isinstance(tree, ExprProblem):
        return [tree]
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        return [
            ExprProblem(
                "policy.expression-too-complex",
                f"表达式超过 {MAX_NODES} 个语法节点",
                f"expression has more than {MAX_NODES} syntax nodes",
            )
        ]
    generator = CodeGenerator(text.strip(), scope)
    source, kind = generator.gen(tree.body)
    if generator.problems:
        return generator.problems
    return Compiled(
        text,
        source,
        tuple(sorted(generator.reads)),
        tuple(sorted(generator.params)),
        tuple(sorted(generator.passes)),
        kind,
    )


def _parse(text: str) -> ast.Expression | ExprProblem:
    try:
        return ast.parse(text.strip(), mode="eval")
    except (RecursionError, MemoryError, ValueError):
        return ExprProblem(
            "policy.expression-syntax",
            "表达式无法解析（嵌套过深或含有空字符）",
            "the expression cannot be parsed (nested too deeply, or a NUL character)",
        )
    except SyntaxError as exc:
        return ExprProblem(
            "policy.expression-syntax",
            f"表达式语法错误：{exc.msg}",
            f"expression syntax error: {exc.msg}",
            max((exc.offset or 1) - 1, 0),
        )


def _suggest(name: str, candidates: Iterable[str]) -> tuple[str, str]:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")


def _kind(spec: Any) -> str:
    if spec in ("num", "int"):
        return "num"
    if spec in ("str", "bool"):
        return str(spec)
    if isinstance(spec, tuple):
        return str(spec[0])
    return "any"


def join(*kinds: str) -> str:
    """The kind of a value that may be any of ``kinds``: text wins (so that no text reaches arithmetic through
    ``max``, ``x if c else 'a'`` or ``a or 'b'``), then lists; numbers and booleans are numbers."""
    unique = set(kinds)
    if len(unique) == 1:
        return kinds[0]
    for kind in ("str", "list", "obj", "any"):
        if kind in unique:
            return kind
    return "num"


_NOT_NUMBERS = ("str", "list", "obj")


def _path(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


_FIELD_READ = re.compile(r"(?:r|R|_v_\w+)(?:\['\w+'\])*\['(\w+)'\]")


def field_read(source: str) -> str | None:
    """The record field that generated ``source`` reads when it is nothing but that field (``r['type']``: type)."""
    match = _FIELD_READ.fullmatch(source)
    return match.group(1) if match else None


class CodeGenerator(ast.NodeVisitor):
    """Generates the source of one expression, collecting its problems and what it reads."""

    def __init__(self, text: str, scope: Scope) -> None:
        self.text = text
        self.scope = scope
        self.problems: list[ExprProblem] = []
        self.reads: set[str] = set()
        self.params: set[str] = set()
        self.passes: set[str] = set()
        self.loop_vars: dict[str, tuple[Any, str]] = {}  # name -> (item fields, path prefix)
        self.fields, self.parent_name, self.parent_fields = SUBJECTS[scope.subject]

    def gen(self, node: ast.AST) -> Generated:
        """Return (python source, kind) of ``node``."""
        generated: Generated = self.visit(node)
        return generated

    def problem(self, node: ast.AST, code: str, zh: str, en: str) -> Generated:
        self.problems.append(ExprProblem(code, zh, en, getattr(node, "col_offset", 0)))
        return "None", "any"

    def generic_visit(self, node: ast.AST) -> Generated:
        kind = type(node).__name__
        return self.problem(
            node, "policy.forbidden-syntax", f"表达式中不允许 {kind}", f"{kind} is not allowed in expressions"
        )

    # ---- literals and operators --------------------------------------------------------------------------------
    def visit_Constant(self, node: ast.Constant) -> Generated:
        value = node.value
        if isinstance(value, bool):
            return repr(value), "bool"
        if isinstance(value, int):
            if abs(value) > 10**15:
                return self.problem(node, "policy.number-too-large", "数字过大", "number too large")
            return repr(value), "num"
        if isinstance(value, float):
            return self._decimal(node, value)
        if isinstance(value, str):
            if len(value) > MAX_STRING_LITERAL:
                return self.problem(
                    node,
                    "policy.string-too-long",
                    f"字符串超过 {MAX_STRING_LITERAL} 个字符",
                    f"string literal longer than {MAX_STRING_LITERAL} characters",
                )
            return repr(value), "str"
        return self.problem(
            node, "policy.forbidden-literal", f"不允许的常量 {value!r}", f"literal {value!r} is not allowed"
        )

    def _decimal(self, node: ast.Constant, value: float) -> Generated:
        """A decimal literal is read from its source text, exactly (``4.5`` is ``Decimal('4.5')``)."""
        segment = ast.get_source_segment(self.text, node) or repr(value)
        try:
            dec = Decimal(segment.replace("_", ""))
        except InvalidOperation:
            return self.problem(node, "policy.bad-number", f"无法读取的数字 {segment}", f"unreadable number {segment}")
        if not dec.is_finite() or abs(dec) > 10**15:
            return self.problem(
                node, "policy.number-too-large", "数字过大或不是有限数", "number too large or not finite"
            )
        return f"_D({str(dec)!r})", "num"

    def visit_BoolOp(self, node: ast.BoolOp) -> Generated:
        op = " and " if isinstance(node.op, ast.And) else " or "
        parts = [self.gen(v) for v in node.values]  # `a or b` is the value of a or of b, not a boolean
        return "(" + op.join(source for source, _ in parts) + ")", join(*(kind for _, kind in parts))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Generated:
        operand, kind = self.gen(node.operand)
        if isinstance(node.op, ast.Not):
            return f"(not {operand})", "bool"
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            if kind in _NOT_NUMBERS:
                return self.problem(node, "policy.type-error", "不能对文本取负", "cannot negate text")
            return f"({'-' if isinstance(node.op, ast.USub) else '+'}{operand})", "num"
        return self.problem(node, "policy.forbidden-operator", "不允许的运算符", "operator not allowed")

    def visit_BinOp(self, node: ast.BinOp) -> Generated:
        left, lk = self.gen(node.left)
        right, rk = self.gen(node.right)
        if lk in _NOT_NUMBERS or rk in _NOT_NUMBERS:
            return self.problem(node, "policy.type-error", "算术运算只能用于数字", "arithmetic is for numbers only")
        if type(node.op) in _BINOPS:
            return f"({left} {_BINOPS[type(node.op)]} {right})", "num"
        helper = _DIVISIONS.get(type(node.op))
        if helper:
            return f"{helper}({left}, {right})", "num"
        return self.problem(
            node,
            "policy.forbidden-operator",
            "不允许的运算符（允许 + - * / // %；不允许 ** 和位运算）",
            "operator not allowed (+ - * / // % are; ** and bit operators are not)",
        )

    def visit_Compare(self, node: ast.Compare) -> Generated:
        parts = [self.gen(node.left)[0]]
        for cmp, comparator in zip(node.ops, node.comparators, strict=True):
            if type(cmp) not in _CMPOPS:
                return self.problem(
                    node,
                    "policy.forbidden-operator",
                    "不允许 is / is not，请用 == 或 has()",
                    "`is` is not allowed: use == or has()",
                )
            parts.append(_CMPOPS[type(cmp)])
            parts.append(self.gen(comparator)[0])
        return "(" + " ".join(parts) + ")", "bool"

    def visit_IfExp(self, node: ast.IfExp) -> Generated:
        body, bk = self.gen(node.body)
        test = self.gen(node.test)[0]
        orelse, ok = self.gen(node.orelse)
        return f"({body} if {test} else {orelse})", join(bk, ok)

    def visit_Tuple(self, node: ast.Tuple | ast.List) -> Generated:
        items = [self.gen(e)[0] for e in node.elts]
        if len(items) > 100:
            return self.problem(node, "policy.too-many-items", "列表项过多", "too many items")
        return "(" + "".join(f"{i}, " for i in items) + ")", "list"

    visit_List = visit_Tuple

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> Generated:
        return self.problem(
            node,
            "policy.bare-generator",
            "生成式只能作为 sum/count/any/all/min/max 的唯一参数",
            "a generator may only be the single argument of sum/count/any/all/min/max",
        )

    # ---- names and record paths --------------------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> Generated:
        name = node.id
        if name in ("true", "True"):
            return "True", "bool"
        if name in ("false", "False"):
            return "False", "bool"
        if name.startswith("_"):
            return self.problem(
                node,
                "policy.forbidden-name",
                f"不允许以下划线开头的名称 '{name}'",
                f"names starting with an underscore are not allowed: '{name}'",
            )
        if name in self.loop_vars:
            item, _prefix = self.loop_vars[name]
            return f"_v_{name}", ("str" if item == "str" else "any")
        if name == "year":  # the year being checked: the record's year, or the as_of year (also inside subregions)
            return "Y", "num"
        if name in self.fields:
            self.reads.add(name)
            return f"r[{name!r}]", _kind(self.fields[name])
        if name in self.scope.params:
            self.params.add(name)
            return f"p[{name!r}]", ("str" if self.scope.params[name] == "text" else "num")
        if name in SPECIAL_NAMES and (name != "target" or self.scope.by_year or self.scope.template):
            return SPECIAL_NAMES[name], "num"
        if self.scope.template and name in TEMPLATE_NAMES:
            return TEMPLATE_NAMES[name], (self.scope.observed_kind if name == "observed" else self.scope.required_kind)
        return self._unknown_name(node)

    def _unknown_name(self, node: ast.Name) -> Generated:
        name = node.id
        if name == self.parent_name:
            return self.problem(
                node,
                "policy.bare-parent",
                f"'{name}' 需要写出字段，例如 {name}.form",
                f"'{name}' needs a field, e.g. {name}.form",
            )
        candidates = [*self.fields, *self.scope.params, *self.loop_vars, *SPECIAL_NAMES]
        if self.parent_name:
            candidates.append(self.parent_name)
        zh, en = _suggest(name, candidates)
        return self.problem(
            node,
            "policy.unknown-name",
            f"未知名称 '{name}'：既不是{self.scope.subject}记录的字段，也不是参数{zh}",
            f"unknown name '{name}': neither a field of a {self.scope.subject} record nor a parameter{en}",
        )

    def visit_Attribute(self, node: ast.Attribute) -> Generated:
        resolved = self.resolve(node)
        if resolved is None:
            return "None", "any"
        source, spec, read = resolved
        self.reads.add(read)
        return source, _kind(spec)

    def resolve(self, node: ast.AST) -> tuple[str, Any, str] | None:
        """Resolve a dotted path: (python source, field spec, read path) or None after recording a problem."""
        parts = _path(node)
        if parts is None:
            self.problem(
                node, "policy.forbidden-attribute", "只能读取记录字段的属性", "attributes are only for record fields"
            )
            return None
        if any(part.startswith("_") for part in parts):
            self.problem(
                node,
                "policy.forbidden-name",
                "不允许以下划线开头的名称",
                "names starting with an underscore are not allowed",
            )
            return None
        head, rest = parts[0], parts[1:]
        if head in self.loop_vars:
            spec, prefix = self.loop_vars[head]
            source, read = f"_v_{head}", prefix
        elif head == self.parent_name and self.parent_fields is not None:
            spec, source, read = ("obj", self.parent_fields), "R", self.parent_name
        elif head in self.fields:
            spec, source, read = self.fields[head], f"r[{head!r}]", head
            if not rest:
                return source, spec, read
        else:
            before = len(self.problems)
            self.visit_Name(ast.Name(id=head, col_offset=getattr(node, "col_offset", 0)))
            if len(self.problems) == before:  # a parameter, `year`, `target`: a value, not an object of the record
                what = f"没有字段 '{rest[0]}'" if rest else "不是记录中的字段或列表"
                what_en = f"has no field '{rest[0]}'" if rest else "is not a field or list of the record"
                self.problem(
                    node,
                    "policy.unknown-field",
                    f"'{head}' 是参数或特殊名称，{what}",
                    f"'{head}' is a parameter or special name: it {what_en}",
                )
            return None
        return self._walk(node, rest, source, spec, read)

    def _walk(self, node: ast.AST, rest: list[str], source: str, spec: Any, read: str) -> tuple[str, Any, str] | None:
        """Follow the attributes after a path's head through the nested field tables."""
        for attr in rest:
            table = (
                spec[1] if isinstance(spec, tuple) and spec[0] == "obj" else spec if isinstance(spec, dict) else None
            )
            if table is None or attr not in table:
                zh, en = _suggest(attr, table or [])
                self.problem(
                    node,
                    "policy.unknown-field",
                    f"'{read}' 没有字段 '{attr}'{zh}",
                    f"'{read}' has no field '{attr}'{en}",
                )
                return None
            spec = table[attr]
            source = f"{source}[{attr!r}]"
            read = f"{read}.{attr}" if read else attr
        return source, spec, read

    # ---- calls -----------------------------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> Generated:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            zh, en = _suggest(name, FUNCTIONS)
            return self.problem(
                node,
                "policy.unknown-function",
                f"不允许调用 '{name}'{zh}；可用函数：{', '.join(sorted(FUNCTIONS))}",
                f"'{name}' is not an allowed function{en}; allowed: {', '.join(sorted(FUNCTIONS))}",
            )
        fn = node.func.id
        if node.keywords:
            return self.problem(
                node, "policy.keyword-argument", "函数不接受关键字参数", "functions take no keyword arguments"
            )
        if fn == "passes":
            return self._call_passes(node)
        if fn == "has":
            return self._call_has(node)
        return self._call_table(node, fn)

    def _call_table(self, node: ast.Call, fn: str) -> Generated:
        """A call of a function that generated code reaches as ``_<fn>``, checked against its FUNCTIONS entry."""
        function = FUNCTIONS[fn]
        if len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp):
            if not function.generator:
                return self.problem(
                    node, "policy.bare-generator", f"{fn}() 不接受生成式", f"{fn}() does not take a generator"
                )
            source, kind = self.generator(node.args[0])
            return f"_{fn}({source})", self._result(node, fn, (kind,))
        if function.of_division is not None and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Div):
                # ceil(a / b): one call, integer arithmetic for counts, the same result as the exact division
                code = self.gen(arg)[0]
                return (f"_{fn}{code}" if code.startswith("_div(") else f"_{fn}({code})"), function.result
        generated = [self.gen(a) for a in node.args]
        low, high = function.arity
        if not (low <= len(generated) and (high is None or len(generated) <= high)):
            return self.problem(node, "policy.arity", f"{fn}() 的参数个数不对", f"{fn}() takes {low}–{high} arguments")
        source = f"_{fn}({', '.join(code for code, _ in generated)})"
        return source, self._result(node, fn, tuple(kind for _, kind in generated))

    def _result(self, node: ast.Call, fn: str, kinds: tuple[str, ...]) -> str:
        """The exact kind of a call's result: ``min``/``max`` of text is text; the other numeric functions refuse
        text and lists (``len``, ``count``, ``any``, ``all`` and ``unknown`` take anything)."""
        function = FUNCTIONS[fn]
        if fn in ("min", "max"):
            return join(*kinds) if kinds else "num"
        if fn in ("len", "count", "any", "all", "unknown"):
            return function.result
        bad = next((kind for kind in kinds if kind in _NOT_NUMBERS), None)
        if bad is not None and not (fn == "sum" and bad == "list" and len(kinds) == 1):
            self.problem(node, "policy.type-error", f"{fn}() 只能用于数字", f"{fn}() takes numbers only")
        return function.result

    def _call_passes(self, node: ast.Call) -> Generated:
        """``passes(glob, …)``: the globs are resolved to rule ids at load time."""
        if not self.scope.allow_passes:
            return self.problem(
                node,
                "policy.passes-outside-subsidy",
                "passes() 只能用于补贴和待遇的资格条件",
                "passes() is only for subsidy and benefit eligibility",
            )
        ids: set[str] = set()
        for arg in node.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                return self.problem(
                    node,
                    "policy.passes-args",
                    "passes() 的参数必须是规则编号或通配符字符串",
                    "passes() takes rule ids or glob strings",
                )
            matched = [rid for rid in self.scope.rule_ids if fnmatch.fnmatchcase(rid, arg.value)]
            if not matched and any(fnmatch.fnmatchcase(rid, arg.value) for rid in self.scope.other_rule_ids):
                return self.problem(
                    arg,
                    "policy.passes-other-kind",
                    f"passes('{arg.value}') 只匹配其他记录类型的规则（例如区域规则），对{self.scope.subject}记录永远无结论",
                    f"passes('{arg.value}') matches only rules of another record kind (such as region rules), "
                    f"which a {self.scope.subject} record never has",
                )
            if not matched:
                return self.problem(
                    arg,
                    "policy.passes-no-rule",
                    f"passes('{arg.value}') 没有匹配任何规则",
                    f"passes('{arg.value}') matches no rule",
                )
            ids.update(matched)
        self.passes.update(ids)
        return f"_passes(F, {tuple(sorted(ids))!r})", "bool"

    def _call_has(self, node: ast.Call) -> Generated:
        """``has(field)`` is generated inline as a membership test."""
        if len(node.args) != 1:
            return self.problem(node, "policy.arity", "has() 需要一个字段", "has() takes one field")
        arg = node.args[0]
        if isinstance(arg, ast.Name) and arg.id in self.fields:
            return f"({arg.id!r} in r)", "bool"
        if isinstance(arg, ast.Attribute):
            resolved = self.resolve(arg.value) if isinstance(arg.value, (ast.Name, ast.Attribute)) else None
            if resolved is None:
                return "None", "any"
            source, spec, read = resolved
            table = (
                spec[1] if isinstance(spec, tuple) and spec[0] == "obj" else spec if isinstance(spec, dict) else None
            )
            if table is None or arg.attr.startswith("_") or arg.attr not in table:
                zh, en = _suggest(arg.attr, table or [])
                return self.problem(
                    arg,
                    "policy.unknown-field",
                    f"'{read}' 没有字段 '{arg.attr}'{zh}",
                    f"'{read}' has no field '{arg.attr}'{en}",
                )
            return f"({arg.attr!r} in {source})", "bool"
        return self.problem(node, "policy.has-args", "has() 的参数必须是记录字段", "has() takes a record field")

    def generator(self, node: ast.GeneratorExp) -> tuple[str, str]:
        """The source of a generator over a record list (the single argument of an aggregate)."""
        if self.loop_vars:
            self.problem(
                node,
                "policy.nested-generator",
                "生成式不能嵌套在另一个生成式中",
                "a generator may not be nested inside another generator",
            )
            return "()", "any"
        if len(node.generators) != 1:
            self.problem(node, "policy.nested-generator", "生成式只能有一个 for", "a generator may have only one `for`")
            return "()", "any"
        comp = node.generators[0]
        if not isinstance(comp.target, ast.Name) or comp.is_async:
            self.problem(node, "policy.generator-target", "for 之后必须是一个名称", "`for` needs a single name")
            return "()", "any"
        var = comp.target.id
        if var.startswith("_") or var in self.loop_vars or var in self.fields or var in self.scope.params:
            self.problem(
                comp.target,
                "policy.generator-name",
                f"循环变量 '{var}' 与已有名称冲突",
                f"loop variable '{var}' shadows another name",
            )
            return "()", "any"
        resolved = self.resolve(comp.iter)
        if resolved is None:
            return "()", "any"
        source, spec, read = resolved
        if not (isinstance(spec, tuple) and spec[0] == "list"):
            self.problem(
                comp.iter, "policy.not-a-list", f"'{read}' 不是记录中的列表", f"'{read}' is not a list of the record"
            )
            return "()", "any"
        self.reads.add(read)
        self.loop_vars[var] = (spec[1], f"{read}[]")
        try:
            elt, kind = self.gen(node.elt)
            conds = "".join(f" if {self.gen(c)[0]}" for c in comp.ifs)
        finally:
            del self.loop_vars[var]
        return f"({elt} for _v_{var} in {source}{conds})", kind
