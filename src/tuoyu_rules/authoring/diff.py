"""Policy diff: every parameter, rule, target, subsidy, benefit and switched-off rule that differs between two
compiled policies, and the changes as lines of text."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..compiler import CompiledPolicy, CompiledRule
from ..text import format_value
from .common import param_value_at, parameters_used, unit_of, value_text


@dataclass
class Change:
    """One parameter, rule, target, subsidy or benefit that was added, removed or changed between two policies."""

    kind: str  # parameter | rule | target | subsidy | benefit | disabled
    id: str
    change: str  # added | removed | changed
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "change": self.change, "old": self.old, "new": self.new}


def _param_summary(policy: CompiledPolicy, name: str, as_of: datetime.date) -> dict[str, Any] | None:
    param = policy.parameters.get(name)
    if param is None:
        return None
    entry = param.value_at(as_of)
    unit = unit_of(param)
    return {
        "in_force": value_text(entry, unit) if entry is not None else None,
        "values": [f"{v.since}: {value_text(v, unit)}" for v in param.spec.values],
        "layer": param.origin.policy,
        **({"verified": False} if not param.spec.verified else {}),
        **({"superseded_by": param.spec.superseded_by} if param.spec.superseded_by else {}),
    }


def _rule_summary(rules: list[CompiledRule], policy: CompiledPolicy) -> list[dict[str, Any]]:
    def target(year: int, value: Any) -> str:  # a parameter name shows with its value in that year
        if isinstance(value, str) and value in policy.parameters:
            in_year = param_value_at(policy, value, datetime.date(year, 12, 31))
            return f"{value} = {format_value(in_year) if in_year is not None else '—'}"
        return format_value(value)

    out = []
    for r in rules:
        s = r.spec
        summary = {
            k: v
            for k, v in {
                "subject": s.subject,
                "when": s.when,
                "check": s.check,
                "observed": s.observed,
                "op": s.op,
                "required": s.required,
                "by_year": {str(y): target(y, getattr(v, "value", v)) for y, v in (s.by_year or {}).items()} or None,
                "severity": s.severity,
            }.items()
            if v is not None
        }
        out.append(summary)
    return out


def _values_in_force(policy: CompiledPolicy, names: Iterable[str], as_of: datetime.date) -> dict[str, str]:
    """``{parameter: value in force}``, for showing what a rule's names stand for beside its text."""
    out = {}
    for name in names:
        param = policy.parameters.get(name)
        if param is not None:
            entry = param.value_at(as_of)
            out[name] = value_text(entry, None) if entry is not None else "—"
    return out


def _change_word(a: Any, b: Any) -> str:
    return "added" if a is None else "removed" if b is None else "changed"


def _parameter_changes(old: CompiledPolicy, new: CompiledPolicy, as_of: datetime.date) -> list[Change]:
    changes = []
    for name in sorted(set(old.parameters) | set(new.parameters)):
        a, b = _param_summary(old, name, as_of), _param_summary(new, name, as_of)
        if a is None:
            changes.append(Change("parameter", name, "added", None, b))
        elif b is None:
            changes.append(Change("parameter", name, "removed", a, None))
        elif {k: v for k, v in a.items() if k != "layer"} != {k: v for k, v in b.items() if k != "layer"}:
            changes.append(Change("parameter", name, "changed", a, b))
    return changes


def _rules_by_id(policy: CompiledPolicy) -> dict[str, list[CompiledRule]]:
    table: dict[str, list[CompiledRule]] = {}
    for r in policy.rules:
        table.setdefault(r.id, []).append(r)
    return table


def _rule_side(policy: CompiledPolicy, rules: list[CompiledRule] | None, as_of: datetime.date) -> Any:
    """One side of a changed rule: its summary, each entry with the values in force of the parameters it reads."""
    if rules is None:
        return None
    summary = _rule_summary(rules, policy)
    names = [n for r in rules for n in parameters_used(policy, r)]
    if names:
        summary = [{**x, "parameters": _values_in_force(policy, names, as_of)} for x in summary]
    return summary


def _rule_changes(old: CompiledPolicy, new: CompiledPolicy, as_of: datetime.date) -> list[Change]:
    changes = []
    old_rules, new_rules = _rules_by_id(old), _rules_by_id(new)
    for rule_id in sorted(set(old_rules) | set(new_rules)):
        either = old_rules.get(rule_id) or new_rules[rule_id]
        kind = "target" if any(r.by_year for r in either) else "rule"
        a = _rule_summary(old_rules[rule_id], old) if rule_id in old_rules else None
        b = _rule_summary(new_rules[rule_id], new) if rule_id in new_rules else None
        if a != b:
            a = _rule_side(old, old_rules.get(rule_id), as_of)
            b = _rule_side(new, new_rules.get(rule_id), as_of)
            changes.append(Change(kind, rule_id, _change_word(a, b), a, b))
    return changes


_NOT_COMPARED = {"citation", "title", "title_en", "basis", "reason", "id"}


def _line_spec(item: Any) -> dict[str, Any] | None:
    """What is compared of a subsidy or benefit: its spec without citation, titles and reasons."""
    if item is None:
        return None
    spec: dict[str, Any] = item.spec.model_dump(exclude=_NOT_COMPARED, mode="json")
    return spec


def _add_parameters(policy: CompiledPolicy, item: Any, side: dict[str, Any] | None, as_of: datetime.date) -> None:
    """Show beside a changed subsidy or benefit the values in force of the parameters it reads."""
    if side is not None and parameters_used(policy, item):
        side["parameters"] = _values_in_force(policy, parameters_used(policy, item), as_of)


def _line_changes(old: CompiledPolicy, new: CompiledPolicy, as_of: datetime.date) -> list[Change]:
    changes = []
    for kind, attr in (("subsidy", "subsidies"), ("benefit", "benefits")):
        olds = {i.id: i for i in getattr(old, attr)}
        news = {i.id: i for i in getattr(new, attr)}
        for item_id in sorted(set(olds) | set(news)):
            a, b = _line_spec(olds.get(item_id)), _line_spec(news.get(item_id))
            if a != b:
                _add_parameters(old, olds.get(item_id), a, as_of)
                _add_parameters(new, news.get(item_id), b, as_of)
                changes.append(Change(kind, item_id, _change_word(a, b), a, b))
    return changes


def _disabled_changes(old: CompiledPolicy, new: CompiledPolicy) -> list[Change]:
    changes = []
    for rule_id in sorted(set(old.disabled) | set(new.disabled)):
        x, y = old.disabled.get(rule_id), new.disabled.get(rule_id)
        if (x or {}).get("reason") != (y or {}).get("reason"):
            a = {"reason": x["reason"], "layer": x["policy"]} if x else None
            b = {"reason": y["reason"], "layer": y["policy"]} if y else None
            changes.append(Change("disabled", rule_id, _change_word(a, b), a, b))
    return changes


def diff_policies(old: CompiledPolicy, new: CompiledPolicy, as_of: datetime.date) -> list[Change]:
    """Every parameter, rule, target, subsidy, benefit and switched-off rule added, removed or changed.

    Parameters compare their dated values and the value in force on ``as_of``; rules compare subject, when, check,
    observed, op, required, by_year and severity (a rule whose text is unchanged but whose parameter changed shows
    up under the parameter). Changed rules, subsidies and benefits carry ``parameters``: the values in force of the
    parameters they read, on each side.
    """
    return [
        *_parameter_changes(old, new, as_of),
        *_rule_changes(old, new, as_of),
        *_line_changes(old, new, as_of),
        *_disabled_changes(old, new),
    ]


def _field_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_field_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_field_text(v) for v in value) + "]"
    return str(value)


def _parameter_change_lines(old: CompiledPolicy, new: CompiledPolicy, c: Change, width: int, zh: bool) -> list[str]:
    """Each side of a parameter change on one line: the value in force, the dated values when they matter, the layer."""
    out = []
    for policy, side in ((old, c.old), (new, c.new)):
        if side is None:
            continue
        now = side["in_force"] if side["in_force"] is not None else ("尚无取值" if zh else "no value yet")
        flags = "  verified: false" if side.get("verified") is False else ""
        if side.get("superseded_by"):
            flags += f"  superseded_by: {side['superseded_by']}"
        dated = f"   [{'; '.join(side['values'])}]" if len(side["values"]) > 1 or side["in_force"] is None else ""
        out.append(
            f"    {policy.id + ':':<{width}} {now}{dated}  ({'设定层级' if zh else 'set by'} {side['layer']}){flags}"
        )
    return out


def _item_change_lines(old: CompiledPolicy, new: CompiledPolicy, c: Change, width: int) -> list[str]:
    """A changed item field by field (old value above new); an added or removed one whole, entry by entry."""
    out = []
    a_side, b_side = c.old, c.new
    if isinstance(a_side, list) and isinstance(b_side, list) and len(a_side) == len(b_side) == 1:
        a_side, b_side = a_side[0], b_side[0]
    if isinstance(a_side, dict) and isinstance(b_side, dict):
        for key in dict.fromkeys([*a_side, *b_side]):
            x, y = a_side.get(key), b_side.get(key)
            if x == y:
                continue
            out.append(f"    {key}:")
            out.append(f"      {old.id + ':':<{width}} {_field_text(x)}")
            out.append(f"      {new.id + ':':<{width}} {_field_text(y)}")
        return out
    for policy, side in ((old, a_side), (new, b_side)):
        if side is None:
            continue
        for entry in side if isinstance(side, list) else [side]:
            out.append(
                f"    {policy.id + ':':<{width}} " + "; ".join(f"{k}: {_field_text(v)}" for k, v in entry.items())
            )
    return out


def _count_line(changes: list[Change], zh: bool) -> str:
    counts: dict[str, int] = {}
    for c in changes:
        counts[c.change] = counts.get(c.change, 0) + 1
    words = {
        "added": "新增" if zh else "added",
        "removed": "删除" if zh else "removed",
        "changed": "修改" if zh else "changed",
    }
    return ("共 " if zh else "") + ", ".join(f"{words[k]} {n}" for k, n in sorted(counts.items()))


def diff_text(
    old: CompiledPolicy, new: CompiledPolicy, changes: list[Change], as_of: datetime.date, lang: str = "zh"
) -> list[str]:
    """The changes as lines: a changed item shows each differing field, old policy's value beside the new one's."""
    zh = lang != "en"
    kinds = {
        "parameter": "参数" if zh else "parameter",
        "rule": "规则" if zh else "rule",
        "target": "目标" if zh else "target",
        "subsidy": "补贴" if zh else "subsidy",
        "benefit": "待遇" if zh else "benefit",
        "disabled": "停用" if zh else "disabled",
    }
    width = max(len(old.id), len(new.id)) + 1
    out = [
        f"--- {old.id} ({Path(old.file).name})",
        f"+++ {new.id} ({Path(new.file).name})   {'参数取值日期' if zh else 'values in force on'} {as_of}",
    ]
    if not changes:
        out.append("没有差异" if zh else "no differences")
        return out
    out.append(_count_line(changes, zh))
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for c in changes:
        out.append(f"{marks[c.change]} {kinds.get(c.kind, c.kind)} {c.id}")
        if c.kind == "parameter":
            out.extend(_parameter_change_lines(old, new, c, width, zh))
        else:
            out.extend(_item_change_lines(old, new, c, width))
    return out
