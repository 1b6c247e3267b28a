"""Small helpers shared by the authoring modules: how a parameter value and money read, which parameters an item
reads, the value in force on a day, and the JSON the commands print."""

from __future__ import annotations

import ast
import datetime
import json
from decimal import Decimal
from typing import Any

from ..compiler import CompiledBenefit, CompiledPolicy, CompiledRule, CompiledSubsidy
from ..model import ParamValue
from ..text import format_value


def value_text(v: ParamValue, unit: str | None) -> str:
    """A dated value as it reads: ``3 children/caregiver``, a range ``400–600 yuan``, or 未规定 with its note."""
    if v.unspecified:
        return f"未规定（{v.note or ''}）"
    if v.min is not None:
        return f"{format_value(v.min)}–{format_value(v.max)} {unit or ''}".strip()
    return f"{format_value(v.value)} {unit or ''}".strip()


def _names_in(*texts: str | None) -> set[str]:
    """The bare names an expression reads (parameters among them); unparsable text reads nothing."""
    names: set[str] = set()
    for text in texts:
        if not text:
            continue
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError:
            continue
        names.update(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))
    return names


def parameters_used(policy: CompiledPolicy, item: Any) -> list[str]:
    """The parameters a compiled rule, subsidy or benefit reads, in the policy's order."""
    spec = item.spec
    texts: list[str | None] = []
    if isinstance(item, CompiledRule):
        texts = [spec.when, spec.check, spec.observed, spec.required]
        texts += [str(v) for v in (spec.by_year or {}).values() if isinstance(v, str)]
    elif isinstance(item, CompiledSubsidy):
        texts = [spec.eligible, spec.amount, *(ex.when for ex in spec.exclusions)]
    elif isinstance(item, CompiledBenefit):
        texts = [spec.eligible, spec.value]
    names = _names_in(*texts)
    return [name for name in policy.parameters if name in names]


def unit_of(param: Any) -> str | None:
    """A parameter's unit, or the unit of the parent's parameter it overrides when it does not repeat it."""
    return param.spec.unit or next((below.unit for _, below in param.overridden if below.unit), None)


def param_value_at(policy: CompiledPolicy, name: str, day: datetime.date) -> Any:
    """The single value of parameter ``name`` on ``day`` (None when it has none then, or no such parameter)."""
    param = policy.parameters.get(name)
    return param.point_at(day) if param is not None else None


def money_range(low: Decimal, high: Decimal) -> str:
    """``1,500.00``, or ``400.00–600.00`` for a range."""
    return f"{low:,.2f}" if low == high else f"{low:,.2f}–{high:,.2f}"


def dumps(data: Any) -> str:
    """JSON as the commands print it: Chinese kept as is, indented, decimals and dates as strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
