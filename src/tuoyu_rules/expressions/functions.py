"""The functions policy expressions may call: one :data:`FUNCTIONS` table read by the code generator and the runtime.

Each entry gives the callable that generated code reaches as ``_<name>``, how many arguments it takes, the kind of
its result, and a one-line description in Chinese and English (``docs/policy-language.md`` lists the table, and a
test fails when the list and the table differ). Adding a function is one entry here; see docs/extending.md.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import CodeType
from typing import Any

from .runtime import OPERATORS, Undecided, Undefined, Unknown, _ceil_div, _dec, _div, _floor_div


@dataclass(frozen=True)
class Function:
    """One expression function: its runtime callable, arity, result kind and documentation."""

    runtime: Callable[..., Any] | None  # what generated code calls as _<name>; None when the call is generated inline
    arity: tuple[int, int | None]  # fewest and most arguments (None: any number)
    result: str  # the kind of the result the checker reasons with: "num" or "bool"
    signature: str  # how the docs write a call
    zh: str
    en: str
    generator: bool = False  # may take one generator over a record list: sum(c.enrolled for c in classes)
    of_division: Callable[..., Any] | None = None  # f(a / b) as one call, exact for ints (ceil, floor)


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


def _unknown(fact: Any) -> bool:
    """The record cannot show ``fact``: the finding or line is unknown, with ``fact`` named as missing."""
    raise Undecided(str(fact))


def _percent(a: Any, b: Any) -> Decimal | int:
    return _div(a * 100, b)


def _per_1000(a: Any, b: Any) -> Decimal | int:
    return _div(a * 1000, b)


FUNCTIONS: dict[str, Function] = {
    "min": Function(
        _agg(min),
        (1, 20),
        "num",
        "min(a, b, …)",
        "最小值；空列表使结论为未知",
        "the smallest value; of nothing: unknown",
        generator=True,
    ),
    "max": Function(
        _agg(max),
        (1, 20),
        "num",
        "max(a, b, …)",
        "最大值；空列表使结论为未知",
        "the largest value; of nothing: unknown",
        generator=True,
    ),
    "abs": Function(abs, (1, 1), "num", "abs(x)", "绝对值", "the absolute value"),
    "ceil": Function(
        math.ceil,
        (1, 1),
        "num",
        "ceil(x)",
        "向上取整（ceil(a / b) 精确计算）",
        "rounds up (ceil(a / b) exactly)",
        of_division=_ceil_div,
    ),
    "floor": Function(
        math.floor,
        (1, 1),
        "num",
        "floor(x)",
        "向下取整（floor(a / b) 精确计算）",
        "rounds down (floor(a / b) exactly)",
        of_division=_floor_div,
    ),
    "round": Function(
        _round, (1, 2), "num", "round(x, n)", "四舍五入到 n 位小数（默认 0）", "rounds half up to n places (default 0)"
    ),
    "sum": Function(sum, (1, 1), "num", "sum(xs)", "求和", "the sum of a list or generator", generator=True),
    "count": Function(_count, (1, 1), "num", "count(xs)", "为真的项数", "how many items are true", generator=True),
    "any": Function(any, (1, 1), "bool", "any(xs)", "至少一项为真", "true when some item is true", generator=True),
    "all": Function(all, (1, 1), "bool", "all(xs)", "每一项都为真", "true when every item is true", generator=True),
    "len": Function(len, (1, 1), "num", "len(xs)", "列表的项数", "the number of items of a list", generator=True),
    "percent": Function(
        _percent, (2, 2), "num", "percent(part, whole)", "part / whole × 100（精确）", "part / whole × 100, exactly"
    ),
    "per_1000": Function(
        _per_1000,
        (2, 2),
        "num",
        "per_1000(count, population)",
        "每千人数：count / population × 1000",
        "count / population × 1000, exactly",
    ),
    "passes": Function(
        _passes,
        (0, None),
        "bool",
        "passes(glob, …)",
        "所匹配的规则都通过（仅用于补贴和待遇的资格条件）",
        "true when every rule the globs match passes (subsidy and benefit eligibility only)",
    ),
    "unknown": Function(
        _unknown,
        (1, 1),
        "bool",
        "unknown('fact')",
        "记录无法显示该事实：结论为未知，并列出所缺事实",
        "the record cannot show the fact: the outcome is unknown, naming the fact as missing",
    ),
    "has": Function(
        None,
        (1, 1),
        "bool",
        "has(field)",
        "记录有该字段（让字段有意可缺）",
        "true when the record has the field (makes a field optional on purpose)",
    ),
}
"""Every function an expression may call, by name. Generated code calls ``FUNCTIONS[name].runtime`` as ``_<name>``."""


def namespace() -> dict[str, Any]:
    """The globals of generated code, read from OPERATORS and FUNCTIONS: the only names it can reach (no builtins)."""
    names: dict[str, Any] = {"__builtins__": {}, **OPERATORS}
    for name, function in FUNCTIONS.items():
        if function.runtime is not None:
            names[f"_{name}"] = function.runtime
        if function.of_division is not None:
            names[f"_{name}_div"] = function.of_division
    return names


def build_function(source: str, names: dict[str, Any] | None = None) -> Callable[..., Any]:
    """Turn generated source into a function of ``(r, p, R, Y, F, T, O, Q)`` — once, at load time.

    ``names`` is the namespace it runs in (default: a fresh :func:`namespace`); the compiler builds one per load and
    shares it among the functions of that load (generated code never assigns a global)."""
    # generated from an allowlisted tree, never policy text
    function: Callable[..., Any] = eval(_code(source), namespace() if names is None else names)
    return function


@functools.lru_cache(maxsize=4096)
def _code(source: str) -> CodeType:
    """The code object of one generated function, compiled once per process: a city's policy and every other that
    extends ``national`` share national's expressions (``validate policies/`` compiles each once, not per chain).
    Code objects are immutable; each load still makes its own function, in its own namespace."""
    return compile(f"lambda r, p, R, Y, F, T, O=None, Q=None: ({source})", "<policy expression>", "eval")


def functions_markdown() -> str:
    """The table of expression functions as docs/policy-language.md shows it."""
    lines = ["| function | result | generator | 说明 | meaning |", "|---|---|---|---|---|"]
    for function in FUNCTIONS.values():
        result = "true/false" if function.result == "bool" else "number"
        generator = "✓" if function.generator else ""
        lines.append(f"| `{function.signature}` | {result} | {generator} | {function.zh} | {function.en} |")
    return "\n".join(lines)
