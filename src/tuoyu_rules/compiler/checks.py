"""The cross-reference checks a compile runs: citations, parameter values and dates, by-year targets, the budget,
the clause index and the number of examples. Each appends its problems to the list it is given."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from ..errors import Problem
from ..model import Citation, Document, Rule, TargetValue
from .layers import Layer
from .parameters import CompiledParameter, check_param_value

Path_ = tuple[Any, ...]
ParamEntry = tuple[CompiledParameter, Layer, Path_]  # a parameter, the layer that set it and where


def _hint(name: str, known: Collection[str]) -> tuple[str, str]:
    close = difflib.get_close_matches(name, list(known), n=1)
    return (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")


def cite(
    documents: Mapping[str, Document], c: Citation | None, layer: Layer, path: Path_, problems: list[Problem]
) -> dict[str, Any] | None:
    """A citation as reports show it, or None (and a problem) when it names an undefined document."""
    if c is None:
        return None
    doc = documents.get(c.document)
    if doc is None:
        hint = _hint(c.document, documents)
        problems.append(
            layer.doc.problem(
                (*path, "document"),
                "policy.unknown-document",
                f"引用了未定义的文件 '{c.document}'{hint[0]}",
                f"citation names an undefined document '{c.document}'{hint[1]}",
            )
        )
        return None
    out: dict[str, Any] = {"document": doc.title, "clause": c.clause}
    if doc.number:
        out["number"] = doc.number
    if doc.source:
        out["source"] = doc.source
    out["quote"] = c.quote
    return out


def check_parameters(
    params: Mapping[str, ParamEntry], documents: Mapping[str, Document], problems: list[Problem]
) -> None:
    """Date order, citations, value types and ``superseded_by`` of every parameter."""
    for name, (cp, layer, path) in params.items():
        _check_dates(name, cp, layer, path, problems)
        cite(documents, cp.spec.citation, layer, (*path, "citation"), problems)
        for i, dated in enumerate(cp.spec.values):
            cite(documents, dated.citation, layer, (*path, "values", i, "citation"), problems)
            bad = check_param_value(layer, (*path, "values", i), cp.spec, dated)
            if bad is not None:
                problems.append(bad)
        if cp.spec.superseded_by and cp.spec.superseded_by not in params:
            problems.append(
                layer.doc.problem(
                    (*path, "superseded_by"),
                    "policy.unknown-parameter",
                    f"superseded_by 指向未知参数 '{cp.spec.superseded_by}'",
                    "superseded_by names an unknown parameter",
                )
            )


def _check_dates(name: str, cp: CompiledParameter, layer: Layer, path: Path_, problems: list[Problem]) -> None:
    dates = [v.since for v in cp.spec.values]
    if len(set(dates)) != len(dates):
        problems.append(
            layer.doc.problem(
                (*path, "values"),
                "policy.values-same-date",
                f"参数 '{name}' 有两个取值的日期相同",
                f"two values of '{name}' start on the same date",
            )
        )
    elif dates != sorted(dates):
        problems.append(
            layer.doc.problem(
                (*path, "values"),
                "policy.values-out-of-order",
                f"参数 '{name}' 的取值未按日期先后排列（按日期解读）",
                f"the values of '{name}' are not in date order (they are read by date)",
                severity="warning",
            )
        )


def by_year_targets(
    rule: Rule, layer: Layer, path: Path_, params: Collection[str], problems: list[Problem]
) -> tuple[tuple[int, Any], ...]:
    """A rule's targets by year, in year order; a target naming an unknown parameter is a problem."""
    by_year: list[tuple[int, Any]] = []
    for year, entry in sorted((rule.by_year or {}).items()):
        target = entry.value if isinstance(entry, TargetValue) else entry
        if isinstance(target, str) and target not in params:
            problems.append(
                layer.doc.problem(
                    (*path, "by_year", year),
                    "policy.unknown-parameter",
                    f"by_year 中的未知参数 '{target}'",
                    f"unknown parameter '{target}' in by_year",
                )
            )
        by_year.append((year, target))
    return tuple(by_year)


def target_meta(rule: Rule) -> dict[int, tuple[Any, Any]]:
    """Each target year's own due date and citation model (``{value, due, citation}`` entries of ``by_year``)."""
    return {
        year: (entry.due, entry.citation)
        for year, entry in (rule.by_year or {}).items()
        if isinstance(entry, TargetValue) and (entry.due is not None or entry.citation is not None)
    }


def check_references(own: Layer, params: Collection[str], known: Collection[str], problems: list[Problem]) -> None:
    """The policy's own cross references: the budget parameter, the clause index, and at least 3 examples."""
    m = own.model
    if m.budget and m.budget.parameter not in params:
        problems.append(
            own.doc.problem(
                ("budget", "parameter"),
                "policy.unknown-parameter",
                f"budget 指向未知参数 '{m.budget.parameter}'",
                f"budget names an unknown parameter '{m.budget.parameter}'",
            )
        )
    for i, clause in enumerate(m.clauses):
        for j, ref in enumerate(clause.encoded_by):
            if ref not in known:
                hint = _hint(ref, known)
                problems.append(
                    own.doc.problem(
                        ("clauses", i, "encoded_by", j),
                        "policy.unknown-reference",
                        f"条款索引引用了未知的规则、补贴或参数 '{ref}'{hint[0]}",
                        f"clause index names unknown '{ref}'{hint[1]}",
                    )
                )
    if len(m.examples) < 3:
        problems.append(
            own.doc.problem(
                ("examples",) if "examples" in own.doc.data else (),
                "policy.too-few-examples",
                f"策略至少需要 3 个示例，现有 {len(m.examples)} 个",
                f"a policy needs at least 3 examples, has {len(m.examples)}",
            )
        )
