"""Policy expressions: parse, check against an allowlist, and compile once into Python callables.

An expression is a small subset of Python syntax. It is parsed with :mod:`ast` when the policy loads, every node is
checked against an explicit allowlist (node types, names, functions, attribute paths that the record schema knows),
and the checked tree is turned into Python source that :func:`compile` turns into a function once. Evaluating a
record never parses anything. ``simpleeval`` serves as the reference interpreter in the tests (the compiled function
must agree with it) and as the naive baseline in the benchmarks.

Generated functions take ``(r, p, R, Y, F, T)``: the subject record, the parameters in force, the parent record
(institution of a class/staff entry, region of a subregion), the record's year, the rule outcomes so far (for
``passes``), and the year's target (``by_year``). A missing record field raises ``KeyError``; the evaluator turns
that into the outcome ``unknown``.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

MAX_EXPRESSION_LENGTH = 2000
MAX_STRING_LITERAL = 200
MAX_NODES = 400

# The record fields expressions may read, per subject (CONTRACT.md §3). A field is "num", "int", "str", "bool",
# ("obj", {...}) for a nested object, or ("list", ITEM) for a list whose items are ITEM ("str" or a field table).
CLASS_FIELDS: dict[str, Any] = {"type": "str", "enrolled": "int", "caregivers": "int"}
STAFF_FIELDS: dict[str, Any] = {
    "role": "str",
    "education": "str",
    "related_major": "bool",
    "management_years": "num",
    "trained": "bool",
    "certificates": ("list", "str"),
    "banned": "bool",
}
INSTITUTION_FIELDS: dict[str, Any] = {
    "id": "str",
    "name": "str",
    "form": "str",
    "ownership": "str",
    "comprehensive_center": "bool",
    "inclusive": "bool",
    "nonprofit": "bool",
    "filed": "bool",
    "star_rating": "int",
    "total_slots": "int",
    "indoor_area_m2": "num",
    "outdoor_area_m2": "num",
    "building_area_m2": "num",
    "tenure": "str",
    "lease_years": "num",
    "monthly_fee": "num",
    "guide_price": "num",
    "local_hukou_enrolled": "int",
    "classes": ("list", CLASS_FIELDS),
    "staff": ("list", STAFF_FIELDS),
    "surveillance": ("obj", {"installed": "bool", "always_on": "bool", "retention_days": "int"}),
    "construction": (
        "obj",
        {"kind": "str", "new_slots": "int", "provincial_slot_subsidy": "bool", "central_funding": "bool"},
    ),
}
REGION_FIELDS: dict[str, Any] = {
    "id": "str",
    "name": "str",
    "level": "str",
    "year": "int",
    **{
        name: "int"
        for name in (
            "population",
            "total_slots",
            "inclusive_slots",
            "new_slots",
            "institutions",
            "public_institutions",
            "employer_institutions",
            "comprehensive_centers",
            "four_star_institutions",
            "institutions_registered",
            "institutions_filed",
            "staff_total",
            "staff_trained",
            "staff_certified",
            "urban_communities",
            "urban_communities_with_childcare",
            "townships",
            "townships_with_inclusive_center",
            "kindergartens",
            "kindergartens_with_childcare",
            "newborn_families",
            "newborn_families_reached",
        )
    },
}
REGION_FIELDS["subregions"] = ("list", REGION_FIELDS)
RESIDENTIAL_FIELDS: dict[str, Any] = {"id": "str", "status": "str", "population": "int", "planned_slots": "int"}

SUBJECTS: dict[str, tuple[dict[str, Any], str | None, dict[str, Any] | None]] = {
    # subject: (its fields, the parent's name, the parent's fields)
    "institution": (INSTITUTION_FIELDS, None, None),
    "class": (CLASS_FIELDS, "institution", INSTITUTION_FIELDS),
    "staff": (STAFF_FIELDS, "institution", INSTITUTION_FIELDS),
    "region": (REGION_FIELDS, None, None),
    "subregion": (REGION_FIELDS, "region", REGION_FIELDS),
    "residential_area": (RESIDENTIAL_FIELDS, None, None),
}
RECORD_KIND = {
    "institution": "institution",
    "class": "institution",
    "staff": "institution",
    "region": "region",
    "subregion": "region",
    "residential_area": "residential_area",
}

FUNCTIONS = {
    "min",
    "max",
    "abs",
    "ceil",
    "floor",
    "round",
    "sum",
    "count",
    "any",
    "all",
    "len",
    "percent",
    "per_1000",
    "passes",
    "has",
}
AGGREGATES = {"min", "max", "sum", "count", "any", "all", "len"}
SPECIAL_NAMES = {"year": "Y", "target": "T"}
TEMPLATE_NAMES = {"observed": "O", "required": "Q"}


class Undefined(Exception):
    """An expression has no value for this record (division by zero, an empty min()): the finding is unknown."""


class Unknown(Exception):
    """``passes()`` met a rule whose outcome is unknown."""


EVAL_ERRORS = (KeyError, Undefined, Unknown, TypeError, ValueError, ArithmeticError, IndexError, AttributeError)
"""What evaluating an expression on a record may raise; each makes the finding ``unknown``, never a crash."""

# ---- runtime helpers: the only callables generated code can reach ----------------------------------------------
_CTX = Context(prec=28, rounding=ROUND_HALF_UP)


def _dec(x: Any) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"not a number: {x!r}")
    return Decimal(x)


def _div(a: Any, b: Any) -> Decimal | int:
    """Exact division: an int when two ints divide evenly, else a 28-digit decimal (never a float)."""
    if b == 0:
        raise Undefined("division by zero")
    if type(a) is int and type(b) is int:
        quotient, remainder = divmod(a, b)
        if not remainder:
            return quotient
    return _CTX.divide(_dec(a), _dec(b))


def _ceil_div(a: Any, b: Any) -> int:
    """``ceil(a / b)``: integer arithmetic when both are ints (a caregiver count from a ratio), else exact decimals."""
    if type(a) is int and type(b) is int and b:
        return -(-a // b)
    return math.ceil(_div(a, b))


def _floor_div(a: Any, b: Any) -> int:
    """``floor(a / b)``, like :func:`_ceil_div`."""
    if type(a) is int and type(b) is int and b:
        return a // b
    return math.floor(_div(a, b))


def _fdiv(a: Any, b: Any) -> Any:
    if b == 0:
        raise Undefined("division by zero")
    return a // b


def _mod(a: Any, b: Any) -> Any:
    if b == 0:
        raise Undefined("division by zero")
    return a % b


def _round(x: Any, n: int = 0) -> Decimal:
    return _dec(x).quantize(Decimal(1).scaleb(-int(n)), rounding=ROUND_HALF_UP)


def _count(items: Iterable[Any]) -> int:
    return sum(1 for item in items if item)


def _agg(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if len(args) == 1:
            values = list(args[0])
            if not values:
                raise Undefined(f"{fn.__name__}() of nothing")
            return fn(values)
        return fn(args)

    return call


def _passes(outcomes: Mapping[str, str], rule_ids: tuple[str, ...]) -> bool:
    unknown = False
    for rule_id in rule_ids:
        outcome = outcomes.get(rule_id)
        if outcome == "fail":
            return False
        if outcome == "unknown":
            unknown = True
    if unknown:
        raise Unknown("passes")
    return True


RUNTIME: dict[str, Any] = {
    "__builtins__": {},
    "_div": _div,
    "_fdiv": _fdiv,
    "_mod": _mod,
    "_round": _round,
    "_count": _count,
    "_passes": _passes,
    "_min": _agg(min),
    "_max": _agg(max),
    "_sum": sum,
    "_any": any,
    "_all": all,
    "_len": len,
    "_abs": abs,
    "_ceil": math.ceil,
    "_ceil_div": _ceil_div,
    "_floor_div": _floor_div,
    "_floor": math.floor,
    "_percent": lambda a, b: _div(a * 100, b),
    "_per_1000": lambda a, b: _div(a * 1000, b),
}


@dataclass
class ExprProblem:
    """A problem in one expression: ``offset`` is the 0-based column within the expression text."""

    code: str
    message: str
    message_en: str
    offset: int = 0


@dataclass
class Compiled:
    """One checked expression: the generated Python source and what it reads."""

    text: str
    source: str
    reads: tuple[str, ...]  # record paths, e.g. "surveillance.retention_days", "classes[].enrolled", "institution.form"
    params: tuple[str, ...]
    passes: tuple[str, ...] = ()
    kind: str = "any"


@dataclass
class Scope:
    """What names an expression may use."""

    subject: str
    params: Mapping[str, str]  # name -> parameter type
    rule_ids: tuple[str, ...] = ()
    allow_passes: bool = False
    template: bool = False
    by_year: bool = False


@dataclass
class _State:
    text: str
    scope: Scope
    problems: list[ExprProblem] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)
    passes: set[str] = field(default_factory=set)
    loop_vars: dict[str, tuple[Any, str]] = field(default_factory=dict)  # name -> (item fields, path prefix)


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
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (RecursionError, MemoryError, ValueError):
        return [
            ExprProblem(
                "policy.expression-syntax",
                "表达式无法解析（嵌套过深或含有空字符）",
                "the expression cannot be parsed (nested too deeply, or a NUL character)",
            )
        ]
    except SyntaxError as exc:
        return [
            ExprProblem(
                "policy.expression-syntax",
                f"表达式语法错误：{exc.msg}",
                f"expression syntax error: {exc.msg}",
                max((exc.offset or 1) - 1, 0),
            )
        ]
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        return [
            ExprProblem(
                "policy.expression-too-complex",
                f"表达式超过 {MAX_NODES} 个语法节点",
                f"expression has more than {MAX_NODES} syntax nodes",
            )
        ]
    state = _State(text.strip(), scope)
    source, kind = _gen(tree.body, state)
    if state.problems:
        return state.problems
    return Compiled(
        text, source, tuple(sorted(state.reads)), tuple(sorted(state.params)), tuple(sorted(state.passes)), kind
    )


def build_function(source: str) -> Callable[..., Any]:
    """Turn generated source into a function of ``(r, p, R, Y, F, T, O, Q)`` — once, at load time."""
    code = compile(f"lambda r, p, R, Y, F, T, O=None, Q=None: ({source})", "<policy expression>", "eval")
    function: Callable[..., Any] = eval(code, RUNTIME)  # generated from an allowlisted tree, never from policy text
    return function


def _problem(state: _State, node: ast.AST, code: str, zh: str, en: str) -> tuple[str, str]:
    state.problems.append(ExprProblem(code, zh, en, getattr(node, "col_offset", 0)))
    return "None", "any"


def _suggest(name: str, candidates: Iterable[str]) -> tuple[str, str]:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
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


def _gen(node: ast.AST, st: _State) -> tuple[str, str]:
    """Return (python source, kind) where kind is num/str/bool/list/any."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return repr(value), "bool"
        if isinstance(value, int):
            if abs(value) > 10**15:
                return _problem(st, node, "policy.number-too-large", "数字过大", "number too large")
            return repr(value), "num"
        if isinstance(value, float):
            segment = ast.get_source_segment(st.text, node) or repr(value)
            try:
                dec = Decimal(segment.replace("_", ""))
            except InvalidOperation:
                return _problem(
                    st, node, "policy.bad-number", f"无法读取的数字 {segment}", f"unreadable number {segment}"
                )
            if not dec.is_finite() or abs(dec) > 10**15:
                return _problem(
                    st, node, "policy.number-too-large", "数字过大或不是有限数", "number too large or not finite"
                )
            return f"_D({str(dec)!r})", "num"
        if isinstance(value, str):
            if len(value) > MAX_STRING_LITERAL:
                return _problem(
                    st,
                    node,
                    "policy.string-too-long",
                    f"字符串超过 {MAX_STRING_LITERAL} 个字符",
                    f"string literal longer than {MAX_STRING_LITERAL} characters",
                )
            return repr(value), "str"
        return _problem(
            st, node, "policy.forbidden-literal", f"不允许的常量 {value!r}", f"literal {value!r} is not allowed"
        )
    if isinstance(node, ast.Name):
        return _name(node, st)
    if isinstance(node, ast.Attribute):
        return _attribute(node, st)
    if isinstance(node, ast.BoolOp):
        op = " and " if isinstance(node.op, ast.And) else " or "
        return "(" + op.join(_gen(v, st)[0] for v in node.values) + ")", "bool"
    if isinstance(node, ast.UnaryOp):
        operand, kind = _gen(node.operand, st)
        if isinstance(node.op, ast.Not):
            return f"(not {operand})", "bool"
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            if kind == "str":
                return _problem(st, node, "policy.type-error", "不能对文本取负", "cannot negate text")
            return f"({'-' if isinstance(node.op, ast.USub) else '+'}{operand})", "num"
        return _problem(st, node, "policy.forbidden-operator", "不允许的运算符", "operator not allowed")
    if isinstance(node, ast.BinOp):
        left, lk = _gen(node.left, st)
        right, rk = _gen(node.right, st)
        if "str" in (lk, rk) or "list" in (lk, rk):
            return _problem(st, node, "policy.type-error", "算术运算只能用于数字", "arithmetic is for numbers only")
        if type(node.op) in _BINOPS:
            return f"({left} {_BINOPS[type(node.op)]} {right})", "num"
        helper = {ast.Div: "_div", ast.FloorDiv: "_fdiv", ast.Mod: "_mod"}.get(type(node.op))
        if helper:
            return f"{helper}({left}, {right})", "num"
        return _problem(
            st,
            node,
            "policy.forbidden-operator",
            "不允许的运算符（允许 + - * / // %；不允许 ** 和位运算）",
            "operator not allowed (+ - * / // % are; ** and bit operators are not)",
        )
    if isinstance(node, ast.Compare):
        parts = [_gen(node.left, st)[0]]
        for cmp, comparator in zip(node.ops, node.comparators, strict=True):
            if type(cmp) not in _CMPOPS:
                return _problem(
                    st,
                    node,
                    "policy.forbidden-operator",
                    "不允许 is / is not，请用 == 或 has()",
                    "`is` is not allowed: use == or has()",
                )
            parts.append(_CMPOPS[type(cmp)])
            parts.append(_gen(comparator, st)[0])
        return "(" + " ".join(parts) + ")", "bool"
    if isinstance(node, ast.IfExp):
        return f"({_gen(node.body, st)[0]} if {_gen(node.test, st)[0]} else {_gen(node.orelse, st)[0]})", "any"
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_gen(e, st)[0] for e in node.elts]
        if len(items) > 100:
            return _problem(st, node, "policy.too-many-items", "列表项过多", "too many items")
        return "(" + "".join(f"{i}, " for i in items) + ")", "list"
    if isinstance(node, ast.Call):
        return _call(node, st)
    if isinstance(node, ast.GeneratorExp):
        return _problem(
            st,
            node,
            "policy.bare-generator",
            "生成式只能作为 sum/count/any/all/min/max 的唯一参数",
            "a generator may only be the single argument of sum/count/any/all/min/max",
        )
    kind = type(node).__name__
    return _problem(
        st, node, "policy.forbidden-syntax", f"表达式中不允许 {kind}", f"{kind} is not allowed in expressions"
    )


def _name(node: ast.Name, st: _State) -> tuple[str, str]:
    name = node.id
    if name in ("true", "True"):
        return "True", "bool"
    if name in ("false", "False"):
        return "False", "bool"
    if name.startswith("_"):
        return _problem(
            st,
            node,
            "policy.forbidden-name",
            f"不允许以下划线开头的名称 '{name}'",
            f"names starting with an underscore are not allowed: '{name}'",
        )
    if name in st.loop_vars:
        item, _prefix = st.loop_vars[name]
        return f"_v_{name}", ("str" if item == "str" else "any")
    fields, parent_name, _parent_fields = SUBJECTS[st.scope.subject]
    if name == "year":  # the year being checked: the record's year, or the as_of year (also inside subregions)
        return "Y", "num"
    if name in fields:
        st.reads.add(name)
        return f"r[{name!r}]", _kind(fields[name])
    if name in st.scope.params:
        st.params.add(name)
        return f"p[{name!r}]", ("str" if st.scope.params[name] == "text" else "num")
    if name in SPECIAL_NAMES and (name != "target" or st.scope.by_year or st.scope.template):
        return SPECIAL_NAMES[name], "num"
    if st.scope.template and name in TEMPLATE_NAMES:
        return TEMPLATE_NAMES[name], "any"
    if name == parent_name:
        return _problem(
            st,
            node,
            "policy.bare-parent",
            f"'{name}' 需要写出字段，例如 {name}.form",
            f"'{name}' needs a field, e.g. {name}.form",
        )
    candidates = [*fields, *st.scope.params, *st.loop_vars, *SPECIAL_NAMES]
    if parent_name:
        candidates.append(parent_name)
    zh, en = _suggest(name, candidates)
    return _problem(
        st,
        node,
        "policy.unknown-name",
        f"未知名称 '{name}'：既不是{st.scope.subject}记录的字段，也不是参数{zh}",
        f"unknown name '{name}': neither a field of a {st.scope.subject} record nor a parameter{en}",
    )


def _kind(spec: Any) -> str:
    if spec in ("num", "int"):
        return "num"
    if spec in ("str", "bool"):
        return str(spec)
    if isinstance(spec, tuple):
        return str(spec[0])
    return "any"


def _path(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _resolve(node: ast.AST, st: _State) -> tuple[str, Any, str] | None:
    """Resolve a dotted path: (python source, field spec, read path) or None after recording a problem."""
    parts = _path(node)
    if parts is None:
        _problem(
            st, node, "policy.forbidden-attribute", "只能读取记录字段的属性", "attributes are only for record fields"
        )
        return None
    if any(part.startswith("_") for part in parts):
        _problem(
            st,
            node,
            "policy.forbidden-name",
            "不允许以下划线开头的名称",
            "names starting with an underscore are not allowed",
        )
        return None
    fields, parent_name, parent_fields = SUBJECTS[st.scope.subject]
    head, rest = parts[0], parts[1:]
    if head in st.loop_vars:
        spec, prefix = st.loop_vars[head]
        source, read = f"_v_{head}", prefix
    elif head == parent_name and parent_fields is not None:
        spec, source, read = ("obj", parent_fields), "R", parent_name
    elif head in fields:
        spec, source, read = fields[head], f"r[{head!r}]", head
        rest_spec = spec
        if not rest:
            return source, rest_spec, read
    else:
        _name(ast.Name(id=head, col_offset=getattr(node, "col_offset", 0)), st)
        return None
    for attr in rest:
        table = spec[1] if isinstance(spec, tuple) and spec[0] == "obj" else spec if isinstance(spec, dict) else None
        if table is None or attr not in table:
            zh, en = _suggest(attr, table or [])
            _problem(
                st,
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


def _attribute(node: ast.Attribute, st: _State) -> tuple[str, str]:
    resolved = _resolve(node, st)
    if resolved is None:
        return "None", "any"
    source, spec, read = resolved
    st.reads.add(read)
    return source, _kind(spec)


def _call(node: ast.Call, st: _State) -> tuple[str, str]:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        zh, en = _suggest(name, FUNCTIONS)
        return _problem(
            st,
            node,
            "policy.unknown-function",
            f"不允许调用 '{name}'{zh}；可用函数：{', '.join(sorted(FUNCTIONS))}",
            f"'{name}' is not an allowed function{en}; allowed: {', '.join(sorted(FUNCTIONS))}",
        )
    fn = node.func.id
    if node.keywords:
        return _problem(
            st, node, "policy.keyword-argument", "函数不接受关键字参数", "functions take no keyword arguments"
        )
    if fn == "passes":
        if not st.scope.allow_passes:
            return _problem(
                st,
                node,
                "policy.passes-outside-subsidy",
                "passes() 只能用于补贴和待遇的资格条件",
                "passes() is only for subsidy and benefit eligibility",
            )
        ids: set[str] = set()
        for arg in node.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                return _problem(
                    st,
                    node,
                    "policy.passes-args",
                    "passes() 的参数必须是规则编号或通配符字符串",
                    "passes() takes rule ids or glob strings",
                )
            import fnmatch

            matched = [rid for rid in st.scope.rule_ids if fnmatch.fnmatchcase(rid, arg.value)]
            if not matched:
                return _problem(
                    st,
                    arg,
                    "policy.passes-no-rule",
                    f"passes('{arg.value}') 没有匹配任何规则",
                    f"passes('{arg.value}') matches no rule",
                )
            ids.update(matched)
        st.passes.update(ids)
        return f"_passes(F, {tuple(sorted(ids))!r})", "bool"
    if fn == "has":
        if len(node.args) != 1:
            return _problem(st, node, "policy.arity", "has() 需要一个字段", "has() takes one field")
        arg = node.args[0]
        if isinstance(arg, ast.Name) and arg.id in SUBJECTS[st.scope.subject][0]:
            return f"({arg.id!r} in r)", "bool"
        if isinstance(arg, ast.Attribute):
            resolved = _resolve(arg.value, st) if isinstance(arg.value, (ast.Name, ast.Attribute)) else None
            if resolved is not None:
                return f"({arg.attr!r} in {resolved[0]})", "bool"
        return _problem(st, node, "policy.has-args", "has() 的参数必须是记录字段", "has() takes a record field")
    if len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp):
        if fn not in AGGREGATES:
            return _problem(
                st, node, "policy.bare-generator", f"{fn}() 不接受生成式", f"{fn}() does not take a generator"
            )
        return f"_{fn}({_generator(node.args[0], st)})", ("bool" if fn in ("any", "all") else "num")
    if fn in ("ceil", "floor") and len(node.args) == 1:
        arg = node.args[0]
        if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Div):
            # ceil(a / b): one call, integer arithmetic for counts, the same result as the exact division
            code = _gen(arg, st)[0]
            return (f"_{fn}{code}" if code.startswith("_div(") else f"_{fn}({code})"), "num"
    args = [_gen(a, st)[0] for a in node.args]
    arity = {
        "abs": (1, 1),
        "ceil": (1, 1),
        "floor": (1, 1),
        "round": (1, 2),
        "percent": (2, 2),
        "per_1000": (2, 2),
        "len": (1, 1),
        "sum": (1, 1),
        "count": (1, 1),
        "any": (1, 1),
        "all": (1, 1),
        "min": (1, 20),
        "max": (1, 20),
    }
    low, high = arity[fn]
    if not low <= len(args) <= high:
        return _problem(st, node, "policy.arity", f"{fn}() 的参数个数不对", f"{fn}() takes {low}–{high} arguments")
    return f"_{fn}({', '.join(args)})", "num"


def _generator(node: ast.GeneratorExp, st: _State) -> str:
    if len(node.generators) != 1:
        _problem(st, node, "policy.nested-generator", "生成式只能有一个 for", "a generator may have only one `for`")
        return "()"
    comp = node.generators[0]
    if not isinstance(comp.target, ast.Name) or comp.is_async:
        _problem(st, node, "policy.generator-target", "for 之后必须是一个名称", "`for` needs a single name")
        return "()"
    var = comp.target.id
    if var.startswith("_") or var in st.loop_vars or var in SUBJECTS[st.scope.subject][0] or var in st.scope.params:
        _problem(
            st,
            comp.target,
            "policy.generator-name",
            f"循环变量 '{var}' 与已有名称冲突",
            f"loop variable '{var}' shadows another name",
        )
        return "()"
    resolved = _resolve(comp.iter, st)
    if resolved is None:
        return "()"
    source, spec, read = resolved
    if not (isinstance(spec, tuple) and spec[0] == "list"):
        _problem(
            st, comp.iter, "policy.not-a-list", f"'{read}' 不是记录中的列表", f"'{read}' is not a list of the record"
        )
        return "()"
    st.reads.add(read)
    st.loop_vars[var] = (spec[1], f"{read}[]")
    try:
        elt = _gen(node.elt, st)[0]
        conds = "".join(f" if {_gen(c, st)[0]}" for c in comp.ifs)
    finally:
        del st.loop_vars[var]
    return f"({elt} for _v_{var} in {source}{conds})"


RUNTIME["_D"] = Decimal


# ---- templates ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Template:
    """Text with ``{expression}`` placeholders, compiled once.

    ``parts`` are literal text or the index of a placeholder; ``values`` is one generated function that computes
    every placeholder of the template (each on its own, so a missing field dashes only its own placeholder).
    """

    parts: tuple[str | int, ...]
    values: Callable[..., tuple[Any, ...]] | None = None
    reads: tuple[str, ...] = ()

    def render(self, args: tuple[Any, ...], lang: str = "zh") -> str:
        values = self.values(*args) if self.values is not None else ()
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = values[part]
                out.append("—" if value is _NO_VALUE else format_value(value, lang))
        return "".join(out)


_NO_VALUE = object()


def _each(compute: Callable[[], Any]) -> Any:
    """One placeholder of a template: its value, or a marker when the record lacks what it needs."""
    try:
        return compute()
    except Exception:  # a placeholder without a value shows a dash, never breaks a report
        return _NO_VALUE


def build_template(
    sources: list[str], build: Callable[[str], Callable[..., Any]] | None = None
) -> Callable[..., tuple[Any, ...]] | None:
    """Compile all placeholders of one template into a single function (one ``compile`` per template).

    ``build`` turns generated source into a function (default :func:`build_function`; the compiler passes a cached one).
    """
    if not sources:
        return None
    return (build or build_function)("(" + "".join(f"_each(lambda: {source}), " for source in sources) + ")")


RUNTIME["_each"] = _each


def split_template(text: str) -> list[tuple[str, bool, int]] | ExprProblem:
    """Split a template into (text, is_expression, offset) pieces; ``{{``/``}}`` are literal braces."""
    pieces: list[tuple[str, bool, int]] = []
    i, buf = 0, []
    while i < len(text):
        ch = text[i]
        if ch == "{" and text.startswith("{{", i):
            buf.append("{")
            i += 2
        elif ch == "}" and text.startswith("}}", i):
            buf.append("}")
            i += 2
        elif ch == "{":
            end = text.find("}", i)
            if end < 0:
                return ExprProblem("policy.template-brace", "模板中的 { 没有配对的 }", "unclosed { in template", i)
            if buf:
                pieces.append(("".join(buf), False, i))
                buf = []
            pieces.append((text[i + 1 : end], True, i + 1))
            i = end + 1
        elif ch == "}":
            return ExprProblem(
                "policy.template-brace",
                "模板中有多余的 }（字面量请写 }}）",
                "stray } in template (write }} for a brace)",
                i,
            )
        else:
            buf.append(ch)
            i += 1
    if buf:
        pieces.append(("".join(buf), False, len(text)))
    return pieces


def format_value(value: Any, lang: str = "zh") -> str:
    """How a value appears in a message: integers plainly, decimals to at most four places, booleans in words."""
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        text = str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
        return text.rstrip("0").rstrip(".") if "." in text else text
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(format_value(v, lang) for v in value) if value else "—"
    if lang == "zh" and isinstance(value, str):
        return VALUE_LABELS_ZH.get(value, value)
    return str(value)


# How contract enum values read in Chinese messages (CONTRACT.md §3).
VALUE_LABELS_ZH = {
    "center": "托育中心",
    "kindergarten_class": "幼儿园托班",
    "employer": "用人单位办托",
    "community": "社区托育点",
    "family": "家庭托育点",
    "public": "公办",
    "private": "民办",
    "mixed": "混合",
    "owned": "自有",
    "leased": "租赁",
    "infant": "乳儿班",
    "toddler": "托小班",
    "older": "托大班",
    "manager": "负责人",
    "caregiver": "保育人员",
    "health": "保健人员",
    "security": "保安人员",
    "other": "其他人员",
    "none": "无",
    "junior_high": "初中",
    "secondary": "中专",
    "associate": "大专",
    "bachelor": "本科",
    "postgraduate": "研究生",
    "childcare": "保育育婴资质",
    "teacher": "幼师资格",
    "health_title": "卫生专业职称",
    "security_guard": "保安员证",
    "new": "新建",
    "existing": "已建成",
    "province": "省",
    "city": "市",
    "county": "县（区）",
    "township": "乡镇（街道）",
}
