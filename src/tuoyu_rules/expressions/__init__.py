"""③ Policy expressions: parse, check against an allowlist, and compile once into Python callables.

An expression is a small subset of Python syntax. It is parsed with :mod:`ast` when the policy loads, every node is
checked against an explicit allowlist (node types, names, the functions of :data:`FUNCTIONS`, attribute paths that
the record schema of :mod:`..vocabulary` knows), and the checked tree is turned into Python source
(:mod:`.codegen`) that :func:`compile` turns into a function once. Evaluating a record never parses anything.
``simpleeval`` serves as the reference interpreter in the tests and as the naive baseline in the benchmarks.

Generated functions take ``(r, p, R, Y, F, T)``: the subject record, the parameters in force, the parent record
(institution of a class/staff entry, region of a subregion), the record's year, the rule outcomes so far (for
``passes``), and the year's target (``by_year``). A missing record field raises ``KeyError``; the evaluator turns
that into the outcome ``unknown``.

- :mod:`.functions`  the FUNCTIONS table (runtime callable, arity, result kind, docs) and the runtime namespace
- :mod:`.codegen`    the allowlist checker and code generator, an :class:`ast.NodeVisitor`; the size limits
- :mod:`.templates`  ``{placeholder}`` templates of messages, fixes and bases
- :mod:`.runtime`    exact arithmetic and the exceptions of an expression without a value
"""

from __future__ import annotations

from .codegen import (
    MAX_EXPRESSION_LENGTH,
    MAX_NODES,
    MAX_STRING_LITERAL,
    Compiled,
    ExprProblem,
    Scope,
    compile_expression,
)
from .functions import FUNCTIONS, Function, build_function, namespace
from .runtime import EVAL_ERRORS, Undecided, Undefined, Unknown
from .templates import Placeholders, Template, build_template, split_template

__all__ = [
    "EVAL_ERRORS",
    "FUNCTIONS",
    "MAX_EXPRESSION_LENGTH",
    "MAX_NODES",
    "MAX_STRING_LITERAL",
    "Compiled",
    "ExprProblem",
    "Function",
    "Placeholders",
    "Scope",
    "Template",
    "Undecided",
    "Undefined",
    "Unknown",
    "build_function",
    "build_template",
    "compile_expression",
    "namespace",
    "split_template",
]
