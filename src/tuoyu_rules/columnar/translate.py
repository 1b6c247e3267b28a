"""Generated Python of a compiled expression -> an exact polars expression, or :class:`Untranslatable`.

Every value is a :class:`V`: its polars value (never null: a placeholder where Python would raise), ``err`` (True
where the generated Python raises, which makes the finding ``unknown``), its kind (``num``, ``bool``, ``str``, or
``truth`` for an ``and``/``or`` that only a truth test may read) and, for numbers, a fixed decimal scale: a number is
an Int64 holding ``value * 10**scale``, so sums, products and comparisons are exact integer arithmetic. A static bound
on every magnitude keeps Int64 from overflowing; an expression that might overflow, divide inexactly or rely on a
Python behaviour not modelled here is refused, and its policy stays with the row-wise engine.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import polars as pl

LIMIT = 2**62  # the largest magnitude a translated value may reach (Int64 holds 2**63 - 1)


class Untranslatable(Exception):
    """The expression uses something the columnar engine cannot evaluate exactly."""


@dataclass(frozen=True)
class V:
    kind: str  # num, bool, str, truth, ratio (an exact quotient), never (unknown('fact'): always raises)
    value: pl.Expr
    err: pl.Expr
    scale: int = 0
    bound: int = 0  # the largest magnitude of the scaled value
    is_int: bool = False  # a Python int at run time (not a Decimal): what _ceil_div's integer path needs
    signed: bool = False  # may be negative
    den: pl.Expr | None = None  # kind ``ratio``: the value is value / (den * 10**scale), den a positive integer
    den_bound: int = 0


NO_ERR = pl.lit(False)
_COMPARE: dict[type, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    ast.Eq: lambda x, y: x == y,
    ast.NotEq: lambda x, y: x != y,
    ast.Lt: lambda x, y: x < y,
    ast.LtE: lambda x, y: x <= y,
    ast.Gt: lambda x, y: x > y,
    ast.GtE: lambda x, y: x >= y,
}


def const(value: Any) -> V:
    if isinstance(value, bool):
        return V("bool", pl.lit(value), NO_ERR)
    if isinstance(value, int):
        return V("num", pl.lit(value, pl.Int64), NO_ERR, 0, abs(value), True, value < 0)
    if isinstance(value, Decimal) and value.is_finite():
        scale = max(0, -int(value.as_tuple().exponent))
        scaled = int(value.scaleb(scale))
        return V("num", pl.lit(scaled, pl.Int64), NO_ERR, scale, abs(scaled), False, scaled < 0)
    if isinstance(value, str):
        return V("str", pl.lit(value, pl.Utf8), NO_ERR)
    raise Untranslatable(f"constant {value!r}")


def truthy(v: V) -> pl.Expr:
    if v.kind in ("bool", "truth", "never"):
        return v.value
    if v.kind in ("num", "ratio"):
        return v.value != 0
    return v.value.str.len_chars() > 0


def _checked(v: V) -> V:
    if v.bound > LIMIT:
        raise Untranslatable("a value could overflow 64 bits")
    return v


def rescale(v: V, scale: int) -> V:
    if v.kind != "num" or scale < v.scale:
        raise Untranslatable("rescale")
    factor = 10 ** (scale - v.scale)
    return _checked(replace(v, value=v.value * factor, scale=scale, bound=v.bound * factor))


def aligned(a: V, b: V) -> tuple[V, V]:
    if a.kind != "num" or b.kind != "num":
        raise Untranslatable("arithmetic on something that is not a number")
    scale = max(a.scale, b.scale)
    return rescale(a, scale), rescale(b, scale)


def compare(op: Callable[[pl.Expr, pl.Expr], pl.Expr], a: V, b: V) -> pl.Expr:
    """``a op b`` of two numbers, one of them maybe a ratio (an exact quotient: ``percent``, ``per_1000``), compared
    by cross-multiplication. The row engine compares the 28-digit quotient; the two agree while
    numerator bound * denominator bound * 10**(the other's scale) < 2 * 10**27 (the quotient's rounding error then
    stays below its distance to any other value of that scale), else refused."""
    if a.kind == "num" and b.kind == "num":
        a, b = aligned(a, b)
        return op(a.value, b.value)
    if a.kind == "ratio" and b.kind == "num":
        return _cross(op, a, b, False)
    if a.kind == "num" and b.kind == "ratio":
        return _cross(op, b, a, True)
    raise Untranslatable("comparison of different kinds")


def _cross(op: Callable[[pl.Expr, pl.Expr], pl.Expr], q: V, t: V, flipped: bool) -> pl.Expr:
    assert q.den is not None
    if q.bound * q.den_bound * 10**t.scale >= 2 * 10**27:
        raise Untranslatable("a quotient beyond 28 exact digits")
    left = _checked(replace(q, value=q.value * 10**t.scale, bound=q.bound * 10**t.scale, kind="num"))
    right = _checked(replace(t, value=t.value * q.den * 10**q.scale, bound=t.bound * q.den_bound * 10**q.scale))
    return op(right.value, left.value) if flipped else op(left.value, right.value)


@dataclass
class Env:
    """What the names of generated code stand for: ``r`` and ``R`` as field readers, loop variables, parameters."""

    r: Callable[[list[str]], V] | None
    parent: Callable[[list[str]], V] | None
    params: Mapping[str, Any]
    year: int | None  # None: Y is ``year_value`` (a region record's statistics year)
    lists: Callable[[str], list[Callable[[list[str]], V]] | None]  # a list field's items (None: not a flat list)
    passes: Callable[[tuple[str, ...]], V] | None = None
    loops: dict[str, Callable[[list[str]], V]] | None = None
    year_value: V | None = None


def _subscripts(node: ast.AST) -> tuple[str, list[str]]:
    keys: list[str] = []
    while isinstance(node, ast.Subscript):
        if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
            raise Untranslatable("subscript")
        keys.append(node.slice.value)
        node = node.value
    if not isinstance(node, ast.Name):
        raise Untranslatable("subscript of an expression")
    return node.id, keys[::-1]


class Translator:
    def __init__(self, env: Env):
        self.env = env

    def gen(self, node: ast.AST) -> V:
        method = getattr(self, f"n_{type(node).__name__}", None)
        if method is None:
            raise Untranslatable(type(node).__name__)
        result: V = method(node)
        return result

    def n_Expression(self, node: ast.Expression) -> V:
        return self.gen(node.body)

    def n_Constant(self, node: ast.Constant) -> V:
        return const(node.value)

    def n_Name(self, node: ast.Name) -> V:
        if node.id == "Y" and self.env.year is not None:
            return const(self.env.year)
        if node.id == "Y" and self.env.year_value is not None:
            return self.env.year_value
        raise Untranslatable(f"name {node.id}")

    def n_Subscript(self, node: ast.Subscript) -> V:
        name, keys = _subscripts(node)
        loops = self.env.loops or {}
        if name == "p" and len(keys) == 1:
            if keys[0] not in self.env.params:  # not in force on this date: p[...] raises KeyError
                return V("num", pl.lit(0, pl.Int64), pl.lit(True), 0, 0, True)
            if self.env.params[keys[0]] is None:
                raise Untranslatable(f"parameter {keys[0]} without a value")
            return const(self.env.params[keys[0]])
        reader = {"r": self.env.r, "R": self.env.parent}.get(name) or loops.get(name)
        if reader is None:
            raise Untranslatable(f"subscript of {name}")
        return reader(keys)

    def n_UnaryOp(self, node: ast.UnaryOp) -> V:
        v = self.gen(node.operand)
        if isinstance(node.op, ast.Not):
            return V("bool", ~truthy(v), v.err)
        if v.kind != "num":
            raise Untranslatable("sign of something that is not a number")
        if isinstance(node.op, ast.USub):
            return replace(v, value=-v.value, signed=True)
        if isinstance(node.op, ast.UAdd):
            return v
        raise Untranslatable("unary operator")

    def n_BinOp(self, node: ast.BinOp) -> V:
        a, b = self.gen(node.left), self.gen(node.right)
        if a.kind != "num" or b.kind != "num":
            raise Untranslatable("arithmetic on something that is not a number")
        err = a.err | b.err
        is_int = a.is_int and b.is_int
        if isinstance(node.op, ast.Mult):
            return _checked(
                V("num", a.value * b.value, err, a.scale + b.scale, a.bound * b.bound, is_int, a.signed or b.signed)
            )
        a, b = aligned(a, b)
        if isinstance(node.op, ast.Add):
            return _checked(V("num", a.value + b.value, err, a.scale, a.bound + b.bound, is_int, a.signed or b.signed))
        if isinstance(node.op, ast.Sub):
            return _checked(V("num", a.value - b.value, err, a.scale, a.bound + b.bound, is_int, True))
        raise Untranslatable("operator")

    def n_BoolOp(self, node: ast.BoolOp) -> V:
        values = [self.gen(v) for v in node.values]
        err: pl.Expr = NO_ERR
        is_and = isinstance(node.op, ast.And)
        state = pl.lit(is_and)  # and: all truthy so far; or: some truthy so far
        for v in values:
            live = state if is_and else ~state
            err = err | (live & v.err)
            state = (state & truthy(v)) if is_and else (state | truthy(v))
        kind = "bool" if all(v.kind == "bool" for v in values) else "truth"
        return V(kind, state, err)

    def n_Compare(self, node: ast.Compare) -> V:
        if len(node.ops) != 1:
            raise Untranslatable("chained comparison")
        op, right = node.ops[0], node.comparators[0]
        if isinstance(op, (ast.In, ast.NotIn)):
            return self._membership(node.left, right, isinstance(op, ast.NotIn))
        a, b = self.gen(node.left), self.gen(right)
        err = a.err | b.err
        how = _COMPARE.get(type(op))
        if how is None:
            raise Untranslatable("comparison operator")
        if "num" in (a.kind, b.kind):
            return V("bool", compare(how, a, b), err)
        if not (a.kind == b.kind and a.kind in ("str", "bool") and isinstance(op, (ast.Eq, ast.NotEq))):
            raise Untranslatable("comparison of different kinds")
        return V("bool", how(a.value, b.value), err)

    def _membership(self, left: ast.AST, right: ast.AST, negate: bool) -> V:
        if isinstance(right, ast.Name) and right.id in ("r", "R") and isinstance(left, ast.Constant):  # has(field)
            reader = self.env.r if right.id == "r" else self.env.parent  # R: the parent (a class's institution)
            if reader is None:
                raise Untranslatable("has() here")
            v = reader(["?has", str(left.value)])
        elif isinstance(right, ast.Tuple) and all(
            isinstance(e, ast.Constant) and type(e.value) is str for e in right.elts
        ):
            a = self.gen(left)
            if a.kind != "str":
                raise Untranslatable("membership of something that is not text")
            values = [e.value for e in right.elts if isinstance(e, ast.Constant)]
            v = V("bool", a.value.is_in(pl.lit(pl.Series(values, dtype=pl.Utf8)).implode()), a.err)
        else:
            raise Untranslatable("membership")
        return V("bool", ~v.value, v.err) if negate else v

    def n_IfExp(self, node: ast.IfExp) -> V:
        test, body, other = self.gen(node.test), self.gen(node.body), self.gen(node.orelse)
        if body.kind == "never" and other.kind != "never":  # a branch that always raises takes the other's kind
            body = replace(other, err=pl.lit(True))
        elif other.kind == "never" and body.kind != "never":
            other = replace(body, err=pl.lit(True))
        t = truthy(test)
        if body.kind == "num" and other.kind == "num":
            body, other = aligned(body, other)
        elif body.kind != other.kind or body.kind == "truth":
            raise Untranslatable("branches of different kinds")
        value = pl.when(t).then(body.value).otherwise(other.value)
        err = test.err | pl.when(t).then(body.err).otherwise(other.err)
        return V(
            body.kind,
            value,
            err,
            body.scale,
            max(body.bound, other.bound),
            body.is_int and other.is_int,
            body.signed or other.signed,
        )

    def n_Call(self, node: ast.Call) -> V:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise Untranslatable("call")
        fn, args = node.func.id, node.args
        if fn == "_D" and len(args) == 1 and isinstance(args[0], ast.Constant):
            return const(Decimal(str(args[0].value)))
        if fn == "_unknown" and len(args) == 1 and isinstance(args[0], ast.Constant):
            return V(
                "never", pl.lit(False), pl.lit(True)
            )  # unknown('fact') raises on every row: the outcome is unknown
        if fn in ("_percent", "_per_1000") and len(args) == 2:
            return self._ratio(self.gen(args[0]), self.gen(args[1]), 100 if fn == "_percent" else 1000)
        if fn == "_ceil_div" and len(args) == 2:
            return self._ceil_div(self.gen(args[0]), self.gen(args[1]))
        if fn == "_passes" and len(args) == 2 and isinstance(args[1], ast.Tuple) and self.env.passes:
            ids = [e.value for e in args[1].elts if isinstance(e, ast.Constant) and type(e.value) is str]
            if len(ids) != len(args[1].elts):
                raise Untranslatable("passes() of something that is not a rule id")
            return self.env.passes(tuple(ids))
        if fn in ("_sum", "_count", "_any", "_all") and len(args) == 1 and isinstance(args[0], ast.GeneratorExp):
            return self._aggregate(fn, args[0])
        raise Untranslatable(f"function {fn}")

    def _ratio(self, a: V, b: V, times: int) -> V:
        """``a * times / b`` as an exact ratio (``b`` a whole number, never negative; 0 raises, as in ``_div``)."""
        if a.kind != "num" or b.kind != "num" or b.scale != 0 or b.signed:
            raise Untranslatable("a quotient of something that is not a count")
        num = _checked(replace(a, value=a.value * times, bound=a.bound * times))
        err = a.err | b.err | (b.value == 0)
        den = pl.when(b.value == 0).then(1).otherwise(b.value)
        return V("ratio", num.value, err, num.scale, num.bound, False, num.signed, den, max(b.bound, 1))

    def _ceil_div(self, a: V, b: V) -> V:
        """``_ceil_div``: ``-(-a // b)`` on ints; on decimals ``math.ceil`` of a 28-digit quotient, which is the exact
        ceiling of the aligned integers while |numerator| * |denominator| < 2 * 10**27 (the rounding error of the
        quotient then stays below its distance to the next integer, 1/|denominator|); beyond that refused."""
        if a.kind != "num" or b.kind != "num":
            raise Untranslatable("ceil of a division of something that is not a number")
        if not (a.is_int and b.is_int):
            a, b = aligned(a, b)
            if a.bound * b.bound >= 2 * 10**27:
                raise Untranslatable("ceil of a division of decimals beyond 28 exact digits")
        safe = pl.when(b.value == 0).then(1).otherwise(b.value)
        value = -((-a.value) // safe)
        return V("num", value, a.err | b.err | (b.value == 0), 0, a.bound + 1, True, a.signed or b.signed)

    def _aggregate(self, fn: str, gen: ast.GeneratorExp) -> V:
        if len(gen.generators) != 1 or not isinstance(gen.generators[0].target, ast.Name):
            raise Untranslatable("generator")
        comp = gen.generators[0]
        var = comp.target.id  # type: ignore[attr-defined]
        name, keys = _subscripts(comp.iter)
        if name != "r" or len(keys) != 1 or self.env.r is None:
            raise Untranslatable("generator over something that is not a list of the record")
        items = self.env.lists(keys[0])
        if items is None:
            raise Untranslatable(f"generator over {keys[0]}")
        if not items:  # the list never exists in this ledger: r[...] raises KeyError
            if fn in ("_any", "_all"):
                return V("bool", pl.lit(False), pl.lit(True))
            return V("num", pl.lit(0, pl.Int64), pl.lit(True), 0, 0, True)
        present = self.env.r(["?present", keys[0]])
        parts = [self._item(var, item, gen.elt, comp.ifs) for item in items]
        return self._fold(fn, parts, present)

    def _item(self, var: str, item: Callable[[list[str]], V], elt: ast.AST, ifs: list[ast.expr]) -> tuple[V, V, V]:
        """(item present, filter, element) of one flat list item, with the loop variable bound to it."""
        saved = self.env.loops
        self.env.loops = {**(saved or {}), var: item}
        try:
            keep: V = V("bool", pl.lit(True), NO_ERR)
            for cond in ifs:  # the conditions run in order; the first false one skips the element
                c = self.gen(cond)
                keep = V("bool", keep.value & truthy(c), keep.err | (keep.value & c.err))
            return item(["?present"]), keep, self.gen(elt)
        finally:
            self.env.loops = saved

    def _fold(self, fn: str, parts: list[tuple[V, V, V]], present: V) -> V:
        err: pl.Expr = ~present.value  # no item at all: the record has no such list (KeyError)
        if fn in ("_sum", "_count"):
            total: pl.Expr = pl.lit(0, pl.Int64)
            scale = max((e.scale for _, _, e in parts if e.kind == "num"), default=0)
            bound, is_int, signed = 0, True, False
            for here, keep, elt in parts:
                if fn == "_sum":
                    elt = rescale(elt, scale)
                    term = elt.value
                    bound, is_int, signed = bound + elt.bound, is_int and elt.is_int, signed or elt.signed
                else:
                    term, bound = truthy(elt).cast(pl.Int64), bound + 1
                live = here.value & ~keep.err & keep.value
                err = err | (here.value & keep.err) | (live & elt.err)
                total = total + pl.when(live).then(term).otherwise(0)
            return _checked(V("num", total, err, scale if fn == "_sum" else 0, bound, is_int, signed))
        seeking = pl.lit(True)  # any: no truthy element yet; all: no falsy element yet
        for here, keep, elt in parts:
            live = here.value & seeking
            err = err | (live & keep.err) | (live & ~keep.err & keep.value & elt.err)
            t = truthy(elt)
            hit = live & keep.value & (t if fn == "_any" else ~t)
            seeking = seeking & ~hit
        return V("bool", ~seeking if fn == "_any" else seeking, err)


def translate(source: str, env: Env) -> V:
    """The polars form of one generated expression (raises :class:`Untranslatable`)."""
    return Translator(env).gen(ast.parse(source, mode="eval"))
