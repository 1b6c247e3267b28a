"""The comparison page: each concept (a stable rule, target or subsidy id) across every policy in one row.

A cell shows the values of the parameters the policy's rule reads, links to where they are cited, and names the
layer that set them. A row highlights the strictest requirement (or the most generous subsidy) only when it can be
told from the policy itself: every compared cell has one number in the same unit, and which way is stricter follows
from the rule's comparison (``>=`` with the parameter on the right: a larger value is stricter; a parameter divided
by — ``ceil(enrolled / ratio_infant)`` — turns it round). Otherwise nothing is highlighted, and the row says why.
"""

from __future__ import annotations

import ast
import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..authoring.common import parameters_used, unit_of, value_text
from ..compiler import CompiledBenefit, CompiledPolicy, CompiledRule, CompiledSubsidy
from ..text import format_value
from .data import anchor

__all__ = ["comparison"]

_INCREASING = {ast.Add, ast.Mult}
_MONOTONE_CALLS = {"ceil", "floor", "round", "int", "min", "max", "abs_"}
_STRICTER_WHEN_LARGER = {">=": 1, ">": 1, "<=": -1, "<": -1}


def _sign(node: ast.AST, name: str) -> int | None:
    """+1 when ``node`` grows with ``name``, -1 when it shrinks, 0 when it does not read it, None when unknown."""
    if isinstance(node, ast.Name):
        return 1 if node.id == name else 0
    if isinstance(node, ast.Constant):
        return 0
    if isinstance(node, ast.BinOp):
        left, right = _sign(node.left, name), _sign(node.right, name)
        if left is None or right is None or (left and right):
            return None
        if type(node.op) in _INCREASING:
            return left or right
        if isinstance(node.op, (ast.Sub, ast.Div, ast.FloorDiv)):
            return left or -right
        return None if (left or right) else 0
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _MONOTONE_CALLS:
        signs = [_sign(a, name) for a in node.args]
        found = [s for s in signs if s]
        return None if None in signs or len(found) > 1 else (found[0] if found else 0)
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return None if name in names else 0


_OPS = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<"}


def _comparison(rule: CompiledRule, param: str) -> tuple[ast.AST, str, ast.AST] | None:
    """(left, op, right) of the one comparison of the requirement that reads ``param``.

    ``and`` and ``or`` keep the direction (``tenure == 'owned' or lease_years >= lease_years_min``: a longer minimum
    is stricter), ``not`` would turn it round, so a check with ``not`` is not compared."""
    s = rule.spec
    try:
        if s.observed and s.op and s.required and not s.check:
            return ast.parse(s.observed, mode="eval").body, s.op, ast.parse(s.required, mode="eval").body
        tree = ast.parse(s.check or "", mode="eval")
    except SyntaxError:
        return None
    if any(isinstance(n, ast.Not) for n in ast.walk(tree)):
        return None
    reading = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Compare) and any(isinstance(x, ast.Name) and x.id == param for x in ast.walk(n))
    ]
    if len(reading) != 1 or len(reading[0].ops) != 1 or type(reading[0].ops[0]) not in _OPS:
        return None
    found = reading[0]
    return found.left, _OPS[type(found.ops[0])], found.comparators[0]


def stricter_when_larger(rule: CompiledRule, param: str) -> int | None:
    """+1 when a larger value of ``param`` makes the rule stricter, -1 when a smaller one does, None when unknown."""
    found = _comparison(rule, param)
    if found is None:
        return None
    left, op, right = found
    direction = _STRICTER_WHEN_LARGER.get(op)
    on_right, on_left = _sign(right, param), _sign(left, param)
    if direction is None or on_right is None or on_left is None or bool(on_right) == bool(on_left):
        return None
    return direction * on_right if on_right else -direction * on_left


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _param_cell(policy: CompiledPolicy, names: Sequence[str], as_of: datetime.date, fallback: str) -> dict[str, Any]:
    """The text of the parameters' values, a link to the (only) parameter, and its number and unit to compare."""
    parts, key, unit = [], None, None
    for name in names:
        p = policy.parameters[name]
        v = p.value_at(as_of)
        parts.append(value_text(v, unit_of(p)) if v else "—")
        if len(names) == 1 and v is not None and not v.unspecified:
            key, unit = _number(v.max if v.min is not None else v.value), unit_of(p)
    link = anchor("param", names[0]) if len(names) == 1 else fallback
    layer = policy.parameters[names[0]].origin.policy if names else ""
    text = parts[0] if len(parts) == 1 else "; ".join(f"{n} = {t}" for n, t in zip(names, parts, strict=True))
    return {"text": text, "detail": ", ".join(names), "link": link, "key": key, "unit": unit, "layer": layer}


def _rule_cell(policy: CompiledPolicy, rules: list[CompiledRule], as_of: datetime.date) -> dict[str, Any]:
    rule = rules[0]
    reads = [n for n in parameters_used(policy, rule) if n not in _names(rule.spec.when)]
    cell = _param_cell(policy, reads, as_of, anchor("rule", rule.id))
    if not reads:  # a rule with no number: what it checks, as written
        cell["text"] = rule.spec.check or f"{rule.spec.observed} {rule.spec.op} {rule.spec.required}"
        cell["detail"] = ""
    cell["direction"] = stricter_when_larger(rule, reads[0]) if len(reads) == 1 else None
    cell["layer"] = cell["layer"] or rule.origin.policy
    return cell


def _disabled_cell(policy: CompiledPolicy, rule_id: str) -> dict[str, Any] | None:
    """A parent's rule this policy turns off (``disable``), with its reason; None when the policy never had it."""
    found = policy.disabled.get(rule_id)
    if found is None:
        return None
    reason = found.get("reason", "") if isinstance(found, Mapping) else ""
    return {
        "text": f"停用 disabled: {reason}",
        "detail": "",
        "link": "rules",
        "key": None,
        "unit": None,
        "layer": policy.id,
        "direction": None,
    }


def _names(expr: str | None) -> set[str]:
    if not expr:
        return set()
    try:
        return {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def _year_cell(policy: CompiledPolicy, rule: CompiledRule, year: int, as_of: datetime.date) -> dict[str, Any]:
    value = dict(rule.spec.by_year or {}).get(year)
    link = anchor("rule", rule.id)
    if value is None:
        return {
            "text": "—",
            "detail": "",
            "link": link,
            "key": None,
            "unit": None,
            "layer": rule.origin.policy,
            "direction": None,
        }
    if isinstance(value, str) and value in policy.parameters:
        cell = _param_cell(policy, [value], as_of, link)
    else:
        # a number written in the rule itself: its unit is the rule's (the same stable id means the same measure)
        cell = {
            "text": format_value(value),
            "detail": "",
            "link": link,
            "key": _number(value),
            "unit": None,
            "layer": "",
        }
    cell["layer"] = cell["layer"] or rule.origin.policy
    cell["direction"] = _STRICTER_WHEN_LARGER.get(rule.spec.op or "")
    return cell


def _mark(cells: list[dict[str, Any] | None], word: str) -> str:
    """Mark the extreme cells of a row with ``word``; the reason when nothing can be marked (empty: marked)."""
    present = [c for c in cells if c is not None and c.get("key") is not None]
    directions = {c.get("direction") for c in present}
    units = {c.get("unit") for c in present if c.get("unit") is not None}
    if len(present) < 2:
        return "fewer than two numbers"
    if len(units) > 1:
        return "units differ"
    if len(directions) != 1 or None in directions:
        return "direction unknown"
    direction = directions.pop()
    best = max(c["key"] * direction for c in present)
    if all(c["key"] * direction == best for c in present):
        return "all equal"
    for c in present:
        if c["key"] * direction == best:
            c["mark"] = word
    return ""


def _row(label: str, label_en: str, row_id: str, cells: list[dict[str, Any] | None], word: str) -> dict[str, Any]:
    why = _mark(cells, word)
    for c in cells:
        if c is not None:
            c["key"] = str(c["key"]) if c.get("key") is not None else None
            c.setdefault("mark", "")
            c.setdefault("open", False)
    return {"label": label, "label_en": label_en, "id": row_id, "cells": cells, "unmarked": why}


def _rules_by_id(policy: CompiledPolicy) -> dict[str, list[CompiledRule]]:
    out: dict[str, list[CompiledRule]] = {}
    for r in policy.rules:
        out.setdefault(r.id, []).append(r)
    return out


def comparison(policies: Sequence[CompiledPolicy], as_of: datetime.date) -> dict[str, Any]:
    """Rows of rules, of by-year targets and of subsidies and benefits, a cell per policy (None: not set).

    The policies that extend none (the base layers, such as the national standards) come first, so that each local
    value stands beside the value it builds on."""
    policies = sorted(policies, key=lambda p: p.model.extends is not None)
    by_id = [_rules_by_id(p) for p in policies]
    ids = list(dict.fromkeys(rid for rules in by_id for rid in rules))
    rules, targets = [], []
    for rid in ids:
        first = next(rules[rid][0] for rules in by_id if rid in rules)
        title, title_en = first.spec.title or rid, first.spec.title_en or first.spec.title or rid
        if first.spec.by_year:
            years = sorted({y for rules in by_id if rid in rules for y in (rules[rid][0].spec.by_year or {})})
            for year in years:
                cells = [
                    _year_cell(p, r[rid][0], year, as_of) if rid in r else None
                    for p, r in zip(policies, by_id, strict=True)
                ]
                targets.append(_row(f"{title}（{year}）", f"{title_en} ({year})", rid, cells, "strictest"))
            continue
        cells = [
            _rule_cell(p, r[rid], as_of) if rid in r else _disabled_cell(p, rid)
            for p, r in zip(policies, by_id, strict=True)
        ]
        rules.append(_row(title, title_en, rid, cells, "strictest"))
    return {
        "policies": [p.id for p in policies],
        "rules": rules,
        "targets": targets,
        "lines": _line_rows(policies, as_of),
        "as_of": as_of.isoformat(),
    }


def _line_rows(policies: Sequence[CompiledPolicy], as_of: datetime.date) -> list[dict[str, Any]]:
    """A row per subsidy and benefit id: the amount's parameters, or 金额未定 when the document leaves it open."""
    tables: list[dict[str, CompiledSubsidy | CompiledBenefit]] = [
        {**{s.id: s for s in p.subsidies}, **{b.id: b for b in p.benefits}} for p in policies
    ]
    ids = list(dict.fromkeys(i for t in tables for i in t))
    rows = []
    for line_id in ids:
        first = next(t[line_id] for t in tables if line_id in t)
        cells: list[dict[str, Any] | None] = []
        for p, table in zip(policies, tables, strict=True):
            item = table.get(line_id)
            if item is None:
                cells.append(None)
                continue
            kind = "subsidy" if line_id in {s.id for s in p.subsidies} else "benefit"
            names = parameters_used(p, item)
            cell = _param_cell(p, names, as_of, anchor(kind, line_id))
            open_amount = getattr(item, "amount", getattr(item, "value", None)) is None
            cell.update(direction=1, open=open_amount, layer=cell["layer"] or item.origin.policy)
            if open_amount:
                cell["text"] = "金额未定 amount open"
            cells.append(cell)
        title = first.spec.title or line_id
        rows.append(_row(title, first.spec.title_en or title, line_id, cells, "generous"))
    return rows
