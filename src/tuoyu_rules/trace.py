"""``check --trace``: how each finding was reached — the parameters it read (value, the layer and clause that set
them) and its expressions with the parameters' values put in, with their results.

The shape is versioned (``trace.version``); it is built only when asked, from the finding and the policy, so the
evaluation itself is untouched::

    {"version": 1,
     "parameters": [{"name": "ratio_infant", "value": 3, "unit": "…", "set_by": "national",
                     "citation": {"document": "…", "clause": "人员", "quote": "…"}}],
     "fields": {"caregivers": 2, "enrolled": 10},   # the record's own values the expressions read
     "expressions": [{"part": "required", "text": "ceil(enrolled / ratio_infant)",
                      "with_values": "ceil(enrolled / 3)", "value": 4}]}
"""

from __future__ import annotations

import ast
import datetime
from typing import TYPE_CHECKING, Any

from .text import json_number

if TYPE_CHECKING:
    from .compiler import CompiledPolicy
    from .findings import Finding

TRACE_VERSION = 1
_PARTS = ("when", "check", "observed", "required")


def trace(finding: Finding, policy: CompiledPolicy, as_of: datetime.date) -> dict[str, Any]:
    """The trace of one finding (see the module's docstring)."""
    spec = finding.compiled_rule.spec
    texts = {part: text for part in _PARTS if isinstance(text := getattr(spec, part, None), str)}
    every = list(dict.fromkeys(n for text in texts.values() for n in _names(text)))
    names = [n for n in every if n in policy.parameters]
    values = {n: policy.parameters[n].point_at(as_of) for n in names}
    parameters = [_parameter(policy, n, values[n]) for n in names]
    subject = finding.args[0] if finding.args and isinstance(finding.args[0], dict) else {}
    fields = {n: _plain(subject[n]) for n in every if n not in values and n in subject and _scalar(subject[n])}
    results = {"observed": finding.observed, "required": finding.required}
    expressions = []
    for part, text in texts.items():
        entry: dict[str, Any] = {"part": part, "text": text, "with_values": _with_values(text, values)}
        if part in results:
            entry["value"] = _plain(results[part])
        expressions.append(entry)
    return {"version": TRACE_VERSION, "parameters": parameters, "fields": fields, "expressions": expressions}


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, str)) or type(value).__name__ == "Decimal"


def _names(text: str) -> list[str]:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:  # compiled at load, so this cannot happen; a trace says less rather than fail
        return []
    return [node.id for node in ast.walk(tree) if isinstance(node, ast.Name)]


def _parameter(policy: CompiledPolicy, name: str, value: Any) -> dict[str, Any]:
    param = policy.parameters[name]
    citation = param.spec.citation
    document = policy.documents.get(citation.document)
    return {
        "name": name,
        "value": _plain(value),
        "unit": param.spec.unit,
        "set_by": param.origin.policy,
        "citation": {
            "document": getattr(document, "title", None) or citation.document,
            "clause": citation.clause,
            "quote": citation.quote,
        },
    }


class _PutValues(ast.NodeTransformer):
    def __init__(self, values: dict[str, Any]):
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.values and self.values[node.id] is not None:
            return ast.copy_location(ast.Name(id=str(_plain(self.values[node.id]))), node)
        return node


def _with_values(text: str, values: dict[str, Any]) -> str:
    """The expression with each parameter's value in its place (record fields keep their names)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return text
    return ast.unparse(_PutValues(values).visit(tree))


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, str)) else json_number(value)
