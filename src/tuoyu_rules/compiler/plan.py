"""The fused per-kind functions: every plain rule of one record kind generated into one Python function at load."""

from __future__ import annotations

from typing import Any

from ..expressions import EVAL_ERRORS, namespace
from ..vocabulary import RECORD_KIND
from .policy import CompiledRule, Fn, KindPlan

_LIST_FIELD = {"class": "classes", "staff": "staff", "subregion": "subregions"}
_MAIN_SUBJECT = {"institution": "institution", "region": "region", "residential_area": "residential_area"}
# the subject labels of the first items of each list, made once: a kept raw finding then holds a label the collector
# already let go of, and is itself let go of at the collector's next pass (a label made per finding took two)
_SHARED = 64
_LABELS = {f: tuple((f, k) for k in range(_SHARED)) for f in _LIST_FIELD.values()}
_ENTRIES: dict[tuple[str, int], tuple[tuple[Any, ...], tuple[Any, ...]]] = {}


def _entries(list_field: str, index: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The raw findings of a check of the first items of a list, passed and failed, made once per rule index."""
    key = (list_field, index)
    if key not in _ENTRIES:
        labels = _LABELS[list_field]
        _ENTRIES[key] = (
            tuple((index, True, None, None, label) for label in labels),
            tuple((index, False, None, None, label) for label in labels),
        )
    return _ENTRIES[key]


def plan_kind(kind: str, rules: list[CompiledRule]) -> KindPlan:
    """The fused function of one record kind, and its by-year rules."""
    mine = [r for r in rules if RECORD_KIND[r.subject] == kind]
    targets = tuple(r for r in mine if r.generic)
    plain = [r for r in mine if not r.generic]
    groups = [(list_field, [r for r in plain if r.subject == subject]) for subject, list_field in _LIST_FIELD.items()]
    main = _fuse([r for r in plain if r.subject == _MAIN_SUBJECT[kind]], [(f, g) for f, g in groups if g])
    return KindPlan(main, targets)


def _rule_lines(rules: list[CompiledRule], indent: str, item: bool = False, shared: str | None = None) -> list[str]:
    """The lines of each rule; a check's raw finding is a constant tuple of the record (``item`` False) or, with
    ``shared`` (the list field, inside the loop's first items), one of a table made once: nothing made per record."""
    lines = []
    for rule in rules:
        src = rule.sources
        i = rule.index
        if "check" in src and not item:
            body = [f"append(({i}, True, None, None, None) if {src['check']} else ({i}, False, None, None, None))"]
        elif "check" in src and shared is not None:
            body = [f"append(_P_{shared}_{i}[k] if {src['check']} else _F_{shared}_{i}[k])"]
        elif "check" in src:
            body = [f"append(({rule.index}, bool({src['check']}), None, None, S))"]
        else:
            body = [
                f"o = {src['observed']}",
                f"q = {src['required']}",
                f"append(({rule.index}, o {rule.spec.op} q, o, q, S))",
            ]
        lines.append(f"{indent}try:  # {rule.id}")
        inner = indent + "    "
        if "when" in src:
            lines.append(f"{inner}if {src['when']}:")
            inner += "    "
        lines.extend(inner + line for line in body)
        lines.append(f"{indent}except _ERRS as e:")
        lines.append(f"{indent}    append(({rule.index}, e.with_traceback(None), None, None, S))")
    return lines


def _fuse(rules: list[CompiledRule], lists: list[tuple[str, list[CompiledRule]]]) -> Fn:
    """Generate one function that applies every plain rule of a record kind and appends a raw finding per rule.

    A raw finding is ``(rule index, ok, observed, required, subject label)``; ``ok`` is True, False, or the exception
    that made the finding unknown (a missing field raises KeyError); the label is None for the record itself, else
    ``(list field, position)``, so that a kept raw finding holds no reference to the record (the report finds the
    subject again when it builds findings, and the garbage collector need not track the tuple). A rule whose ``when``
    is false appends nothing. Rules of list subjects (classes, staff, subregions) run inside a loop over the list with ``r``
    bound to the item and ``R`` to the record. Generated from the checked expression trees (never from policy
    text), compiled once.
    """
    names = namespace()
    lines = ["def fused(r, p, Y, out):", "    append = out.append", "    R = S = None"]
    lines.extend(_rule_lines(rules, "    "))
    if lists:
        lines.append("    root = r")
    for list_field, group in lists:
        lines.append(f"    items = root.get({list_field!r})")
        lines.append("    if items is None:")
        lines.append(f"        missing = KeyError({list_field!r})")
        for rule in group:
            lines.append(f"        append(({rule.index}, missing, None, None, None))")
        lines.append("    else:")
        lines.append("        R = root")
        lines.append("        for k, r in enumerate(items):")
        lines.append(f"            if k < {_SHARED}:")
        lines.append(f"                S = _L_{list_field}[k]")
        lines.extend(_rule_lines(group, "                ", item=True, shared=list_field))
        lines.append("            else:")
        lines.append(f"                S = ({list_field!r}, k)")
        lines.extend(_rule_lines(group, "                ", item=True))
        lines.append("        R = S = None")
        for rule in group:
            if "check" in rule.sources:
                names[f"_P_{list_field}_{rule.index}"], names[f"_F_{list_field}_{rule.index}"] = _entries(
                    list_field, rule.index
                )
    lines.append("    return out")
    names["_ERRS"] = EVAL_ERRORS
    names.update(bool=bool, enumerate=enumerate, KeyError=KeyError)
    names.update({f"_L_{f}": labels for f, labels in _LABELS.items()})
    exec(compile("\n".join(lines), "<tuoyu-rules fused rules>", "exec"), names)
    return names["fused"]  # type: ignore[no-any-return]
