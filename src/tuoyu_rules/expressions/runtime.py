"""What generated code calls besides the functions of the table: exact arithmetic, and the guard of a placeholder.

Also the two exceptions an expression raises when it has no value for a record, and :data:`EVAL_ERRORS`, everything
evaluating an expression may raise (each makes a finding ``unknown``, never a crash).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any


class Undefined(Exception):
    """An expression has no value for this record (division by zero, an empty min()): the finding is unknown."""


class Unknown(Exception):
    """``passes()`` met a rule whose outcome is unknown."""


class Undecided(KeyError):
    """``unknown('fact')``: the record cannot show a fact the document makes decisive; ``args[0]`` names it."""


EVAL_ERRORS = (KeyError, Undefined, Unknown, TypeError, ValueError, ArithmeticError, IndexError, AttributeError)
"""What evaluating an expression on a record may raise; each makes the finding ``unknown``, never a crash."""

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


NO_VALUE = object()
"""What a template placeholder computes when the record lacks what it needs (it shows a dash)."""


def _each(compute: Callable[[], Any]) -> Any:
    """One placeholder of a template: its value, or :data:`NO_VALUE` when the record lacks what it needs."""
    try:
        return compute()
    except Exception:  # a placeholder without a value shows a dash, never breaks a report
        return NO_VALUE


OPERATORS: dict[str, Any] = {
    "_div": _div,
    "_fdiv": _fdiv,
    "_mod": _mod,
    "_D": Decimal,
    "_each": _each,
}
"""The names generated code uses for operators, decimal literals and placeholders (functions are in FUNCTIONS)."""
