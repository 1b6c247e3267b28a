"""The logic behind the policy-author commands: explain, diff, test coverage, clause coverage, schema, CI
annotations, date hygiene and budgets. Functions return data or lines of text; :mod:`.cli` only prints."""

from __future__ import annotations

import ast
import datetime
import difflib
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .compiler import CompiledBenefit, CompiledPolicy, CompiledRule, CompiledSubsidy, resolve_parameters
from .errors import Location, Problem
from .examples import run_examples
from .expressions import format_value
from .model import Parameter, ParamValue, PolicyModel

# ---- explain -----------------------------------------------------------------------------------------------------


def _value_text(v: ParamValue, unit: str | None) -> str:
    if v.unspecified:
        return f"未规定（{v.note or ''}）"
    if v.min is not None:
        return f"{format_value(v.min)}–{format_value(v.max)} {unit or ''}".strip()
    return f"{format_value(v.value)} {unit or ''}".strip()


def _cite(c: Mapping[str, Any] | None) -> str:
    if not c:
        return "—"
    number = f"（{c['number']}）" if c.get("number") else ""
    source = f" [{c['source']}]" if c.get("source") else ""
    return f"《{c['document']}》{number} {c['clause']}：“{c['quote']}”{source}"


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


def catalogue(policy: CompiledPolicy, lang: str = "zh") -> list[str]:
    """One line per rule, target, subsidy and benefit of a policy: id, subject (or period), title, layer."""
    en = lang == "en"
    lines = [
        f"{policy.id}: {policy.model.name_en if en and policy.model.name_en else policy.model.name}"
        f"  ({' → '.join(policy.chain)})"
    ]
    seen: set[str] = set()
    for rule in policy.rules:
        if rule.id in seen:
            continue
        seen.add(rule.id)
        kind = ("target" if en else "目标") if rule.by_year else ("rule" if en else "规则")
        title = (rule.spec.title_en if en else rule.spec.title) or rule.spec.title or ""
        lines.append(f"  {kind:<7} {rule.id:<40} {rule.subject:<16} {title}  [{rule.origin.policy}]")
    for s in policy.subsidies:
        title = (s.spec.title_en if en else s.spec.title) or s.spec.title or ""
        lines.append(f"  {'subsidy' if en else '补贴':<7} {s.id:<40} {s.spec.period:<16} {title}  [{s.origin.policy}]")
    for b in policy.benefits:
        title = (b.spec.title_en if en else b.spec.title) or b.spec.title or ""
        lines.append(f"  {'benefit' if en else '待遇':<7} {b.id:<40} {'institution':<16} {title}  [{b.origin.policy}]")
    for rule_id, off in policy.disabled.items():
        lines.append(f"  {'off' if en else '停用':<7} {rule_id:<40} {'':<16} {off['reason']}  [{off['policy']}]")
    lines.append(
        f"  ({len(policy.parameters)} {'parameters: explain NAME shows one' if en else '个参数：explain 参数名 可查看'})"
    )
    return lines


def known_ids(policy: CompiledPolicy) -> list[str]:
    return sorted(
        {r.id for r in policy.rules}
        | {s.id for s in policy.subsidies}
        | {b.id for b in policy.benefits}
        | set(policy.parameters)
        | set(policy.disabled)
    )


def suggest(policy: CompiledPolicy, name: str) -> str | None:
    """The known id closest to a misspelt one, for "did you mean"."""
    close = difflib.get_close_matches(name, known_ids(policy), n=1, cutoff=0.5)
    return close[0] if close else None


def _doc_title(policy: CompiledPolicy, key: str) -> str:
    doc = policy.documents.get(key)
    return str(doc.title) if doc is not None else key


def _unit(param: Any) -> str | None:
    """A parameter's unit, or the unit of the parent's parameter it overrides when it does not repeat it."""
    return param.spec.unit or next((below.unit for _, below in param.overridden if below.unit), None)


def _in_force_entry(spec: Parameter, as_of: datetime.date) -> ParamValue | None:
    """The dated value in force on ``as_of`` (the last one whose ``since`` is not later), or None before the first."""
    return next((v for v in sorted(spec.values, key=lambda v: v.since, reverse=True) if v.since <= as_of), None)


def _now_text(policy: CompiledPolicy, name: str, as_of: datetime.date, en: bool) -> str:
    param = policy.parameters[name]
    entry = _in_force_entry(param.spec, as_of)
    if entry is None:
        return f"— ({'no value before' if en else '尚无取值，最早自'} {min(v.since for v in param.spec.values)})"
    return _value_text(entry, _unit(param))


def _param_lines(policy: CompiledPolicy, names: Iterable[str], as_of: datetime.date, en: bool) -> list[str]:
    out = []
    for name in dict.fromkeys(names):
        param = policy.parameters.get(name)
        if param is None:
            continue
        spec = param.spec
        desc = (spec.description_en if en else spec.description) or spec.description or ""
        flag = (
            (
                "  ⚠ verified: false (medium-confidence source)"
                if en
                else "  ⚠ verified: false（来源可信度中等，待核实）"
            )
            if not spec.verified
            else ""
        )
        out.append(f"  {name} = {_now_text(policy, name, as_of, en)}" + (f"  ({desc})" if desc else "") + flag)
        out.append(
            f"      {'set by' if en else '设定层级'}: {param.origin.policy}"
            f" ({Path(param.origin.file).name}:{param.origin.line})"
        )
        for v in spec.values:
            cite = f"  ← 《{_doc_title(policy, v.citation.document)}》{v.citation.clause}" if v.citation else ""
            out.append(f"      {'since' if en else '自'} {v.since}: {_value_text(v, _unit(param))}{cite}")
        for layer, below in param.overridden:
            values = "; ".join(f"{v.since}: {_value_text(v, below.unit)}" for v in below.values)
            out.append(f"      {'overrides' if en else '覆盖了'} {layer}: {values}")
        if spec.reason:
            out.append(f"      {'reason' if en else '理由'}: {spec.reason}")
        out.append(
            f"      {'source' if en else '依据'}: 《{_doc_title(policy, spec.citation.document)}》"
            f"{spec.citation.clause}：“{spec.citation.quote}”"
        )
        for other in policy.parameters.values():
            if other.spec.superseded_by == name:
                stated = _in_force_entry(other.spec, as_of) or other.spec.values[-1]
                out.append(
                    f"      {'a document states' if en else '文件所述'} {other.name} = "
                    f"{_value_text(stated, other.spec.unit)} ({other.origin.policy}, "
                    f"《{_doc_title(policy, other.spec.citation.document)}》{other.spec.citation.clause}) — "
                    f"{'superseded: the value above is in force' if en else '已被取代，以上述现行值为准'}"
                )
        if spec.superseded_by:
            out.extend(_superseded_lines(policy, spec.superseded_by, as_of, en))
    return out


def _superseded_lines(policy: CompiledPolicy, name: str, as_of: datetime.date, en: bool) -> list[str]:
    """The value in force that replaces a number a document states, and where it comes from."""
    head = f"      {'superseded by' if en else '已被取代'}: {name}"
    target = policy.parameters.get(name)
    if target is None:
        return [f"{head} ({'not defined in this policy' if en else '本策略未定义'})"]
    entry = _in_force_entry(target.spec, as_of)
    where = target.spec.citation if entry is None or entry.citation is None else entry.citation
    return [
        f"{head} = {_now_text(policy, name, as_of, en)} " + (f"(in force on {as_of})" if en else f"（{as_of} 现行值）"),
        f"        {'from' if en else '来自'} {target.origin.policy} ({Path(target.origin.file).name}:"
        f"{target.origin.line}), 《{_doc_title(policy, where.document)}》{where.clause}：“{where.quote}”",
    ]


def _examples_for(policy: CompiledPolicy, item_id: str) -> list[str]:
    out = []
    for ex in policy.model.examples:
        e = ex.expect
        if item_id in e.findings:
            out.append(f"  - {ex.name}: {e.findings[item_id]}")
        elif item_id in e.subsidies or item_id in e.benefits:
            line = e.subsidies.get(item_id) or e.benefits.get(item_id)
            shown = {k: getattr(line, k) for k in sorted(line.model_fields_set)} if line else {}
            out.append(f"  - {ex.name}: " + ", ".join(f"{k}={format_value(v)}" for k, v in shown.items()))
    return out


def _param_value_at(policy: CompiledPolicy, name: str, day: datetime.date) -> Any:
    return resolve_parameters(policy.parameters, day).point.get(name)


def _by_year_lines(policy: CompiledPolicy, rule: CompiledRule, as_of: datetime.date, en: bool) -> list[str]:
    """Each target year with its value, marking the year an as_of-dated record without ``year`` is checked against."""
    out = []
    due = max((y for y, _ in rule.by_year if y <= as_of.year), default=None)
    for year, target in rule.by_year:
        if isinstance(target, str):
            value = _param_value_at(policy, target, datetime.date(year, 12, 31))
            shown = f"{target} = {format_value(value) if value is not None else '—'}"
        else:
            shown = format_value(target)
        mark = ""
        if year == due:
            mark = f"  ← {'checked for' if en else '适用于'} {as_of.year}"
        elif year > as_of.year:
            mark = f"  ({'not yet due in' if en else '尚未到期，'} {as_of.year})"
        out.append(f"      {year}: {shown}{mark}")
    return out


def _used_by(policy: CompiledPolicy, name: str) -> list[str]:
    items: list[Any] = [*policy.rules, *policy.subsidies, *policy.benefits]
    return list(dict.fromkeys(i.id for i in items if name in parameters_used(policy, i)))


def explain(policy: CompiledPolicy, item_id: str, as_of: datetime.date, lang: str = "zh") -> list[str] | None:
    """A rule, target, subsidy, benefit or parameter in words (Chinese, or English with ``lang="en"``).

    Returns None when the policy has no such id (see :func:`suggest`).
    """
    en = lang == "en"
    rules = [r for r in policy.rules if r.id == item_id]
    subsidy = next((s for s in policy.subsidies if s.id == item_id), None)
    benefit = next((b for b in policy.benefits if b.id == item_id), None)
    lines: list[str] = []
    if rules:
        for rule in rules:
            spec: Any = rule.spec
            title = (spec.title_en if en else spec.title) or spec.title or rule.id
            lines.append(f"{rule.id} — {title}")
            lines.append(
                f"  {'policy layer' if en else '所在策略'}: {rule.origin.policy}"
                f" ({Path(rule.origin.file).name}:{rule.origin.line})"
            )
            lines.append(
                f"  {'applies to' if en else '对象'}: {spec.subject}"
                + (f"  {'when' if en else '条件'}: {spec.when}" if spec.when else "")
            )
            if spec.check:
                lines.append(f"  {'check' if en else '检查'}: {spec.check}")
            if spec.observed:
                req = spec.required or ("target of the year" if en else "当年目标")
                lines.append(f"  {'requires' if en else '要求'}: {spec.observed} {spec.op or ''} {req}".rstrip())
            if rule.by_year:
                lines.append(f"  {'targets by year' if en else '按年目标'}:")
                lines.extend(_by_year_lines(policy, rule, as_of, en))
            lines.append(f"  {'severity' if en else '严重程度'}: {spec.severity}")
            if spec.reason:
                lines.append(f"  {'reason for overriding' if en else '覆盖理由'}: {spec.reason}")
            lines.append(f"  {'cites' if en else '依据'}: {_cite(rule.citation)}")
            names = parameters_used(policy, rule)
            if names:
                lines.append(f"  {'parameters' if en else '参数'} ({'in force on' if en else '取值日期'} {as_of}):")
                lines.extend(_param_lines(policy, names, as_of, en))
    elif subsidy is not None or benefit is not None:
        item: Any = subsidy or benefit
        spec = item.spec
        title = (spec.title_en if en else spec.title) or spec.title or item_id
        lines.append(f"{item_id} — {title}")
        lines.append(
            f"  {'policy layer' if en else '所在策略'}: {item.origin.policy}"
            f" ({Path(item.origin.file).name}:{item.origin.line})"
        )
        lines.append(f"  {'applies to' if en else '对象'}: institution")
        lines.append(f"  {'eligible when' if en else '资格条件'}: {spec.eligible}")
        if subsidy is not None:
            for ex in subsidy.spec.exclusions:
                lines.append(
                    f"  {'excluded when' if en else '排除条件'}: {ex.when} — {ex.reason.en if en else ex.reason.zh}"
                )
            lines.append(
                f"  {'amount' if en else '金额'}: {subsidy.spec.amount or '—'}"
                f"  ({'period' if en else '周期'}: {subsidy.spec.period})"
            )
        else:
            lines.append(f"  {'value' if en else '数值'}: {spec.value or '—'} {spec.unit or ''}".rstrip())
        if spec.reason:
            lines.append(f"  {'reason for overriding' if en else '覆盖理由'}: {spec.reason}")
        lines.append(f"  {'cites' if en else '依据'}: {_cite(item.citation)}")
        names = parameters_used(policy, item)
        if names:
            lines.append(f"  {'parameters' if en else '参数'} ({'in force on' if en else '取值日期'} {as_of}):")
            lines.extend(_param_lines(policy, names, as_of, en))
    elif item_id in policy.parameters:
        lines.append(f"{item_id} ({'parameter' if en else '参数'}, {'in force on' if en else '取值日期'} {as_of})")
        lines.extend(_param_lines(policy, [item_id], as_of, en))
        users = _used_by(policy, item_id)
        lines.append(f"  {'used by' if en else '用于'}: {', '.join(users) if users else '—'}")
    elif item_id in policy.disabled:
        off = policy.disabled[item_id]
        lines.append(f"{item_id} — {'switched off by' if en else '已被停用，停用策略'} {off['policy']}")
        lines.append(f"  {'reason' if en else '理由'}: {off['reason']}")
    else:
        return None
    examples = _examples_for(policy, item_id)
    if examples:
        lines.append(f"  {'examples' if en else '示例'}:")
        lines.extend(examples)
    return lines


# ---- diff --------------------------------------------------------------------------------------------------------


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
    entry = _in_force_entry(param.spec, as_of)
    unit = _unit(param)
    return {
        "in_force": _value_text(entry, unit) if entry is not None else None,
        "values": [f"{v.since}: {_value_text(v, unit)}" for v in param.spec.values],
        "layer": param.origin.policy,
        **({"verified": False} if not param.spec.verified else {}),
        **({"superseded_by": param.spec.superseded_by} if param.spec.superseded_by else {}),
    }


def _rule_summary(rules: list[CompiledRule], policy: CompiledPolicy) -> list[dict[str, Any]]:
    def target(year: int, value: Any) -> str:  # a parameter name shows with its value in that year
        if isinstance(value, str) and value in policy.parameters:
            in_year = _param_value_at(policy, value, datetime.date(year, 12, 31))
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
                "by_year": {str(y): target(y, v) for y, v in (s.by_year or {}).items()} or None,
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
            entry = _in_force_entry(param.spec, as_of)
            out[name] = _value_text(entry, None) if entry is not None else "—"
    return out


def diff_policies(old: CompiledPolicy, new: CompiledPolicy, as_of: datetime.date) -> list[Change]:
    """Every parameter, rule, target, subsidy, benefit and switched-off rule added, removed or changed.

    Parameters compare their dated values and the value in force on ``as_of``; rules compare subject, when, check,
    observed, op, required, by_year and severity (a rule whose text is unchanged but whose parameter changed shows
    up under the parameter). Changed rules, subsidies and benefits carry ``parameters``: the values in force of the
    parameters they read, on each side.
    """
    changes: list[Change] = []
    a: Any
    b: Any
    for name in sorted(set(old.parameters) | set(new.parameters)):
        a, b = _param_summary(old, name, as_of), _param_summary(new, name, as_of)
        if a is None:
            changes.append(Change("parameter", name, "added", None, b))
        elif b is None:
            changes.append(Change("parameter", name, "removed", a, None))
        elif {k: v for k, v in a.items() if k != "layer"} != {k: v for k, v in b.items() if k != "layer"}:
            changes.append(Change("parameter", name, "changed", a, b))
    old_rules: dict[str, list[CompiledRule]] = {}
    new_rules: dict[str, list[CompiledRule]] = {}
    for table, policy in ((old_rules, old), (new_rules, new)):
        for r in policy.rules:
            table.setdefault(r.id, []).append(r)
    for rule_id in sorted(set(old_rules) | set(new_rules)):
        either = old_rules.get(rule_id) or new_rules[rule_id]
        kind = "target" if any(r.by_year for r in either) else "rule"
        a = _rule_summary(old_rules[rule_id], old) if rule_id in old_rules else None
        b = _rule_summary(new_rules[rule_id], new) if rule_id in new_rules else None
        if a != b:
            if a is not None:
                names = [n for r in old_rules[rule_id] for n in parameters_used(old, r)]
                if names:
                    a = [{**x, "parameters": _values_in_force(old, names, as_of)} for x in a]
            if b is not None:
                names = [n for r in new_rules[rule_id] for n in parameters_used(new, r)]
                if names:
                    b = [{**x, "parameters": _values_in_force(new, names, as_of)} for x in b]
            changes.append(Change(kind, rule_id, "added" if a is None else "removed" if b is None else "changed", a, b))
    excluded = {"citation", "title", "title_en", "basis", "reason", "id"}
    for kind, attr in (("subsidy", "subsidies"), ("benefit", "benefits")):
        olds = {i.id: i for i in getattr(old, attr)}
        news = {i.id: i for i in getattr(new, attr)}
        for item_id in sorted(set(olds) | set(news)):
            a = olds[item_id].spec.model_dump(exclude=excluded, mode="json") if item_id in olds else None
            b = news[item_id].spec.model_dump(exclude=excluded, mode="json") if item_id in news else None
            if a != b:
                if a is not None and parameters_used(old, olds[item_id]):
                    a["parameters"] = _values_in_force(old, parameters_used(old, olds[item_id]), as_of)
                if b is not None and parameters_used(new, news[item_id]):
                    b["parameters"] = _values_in_force(new, parameters_used(new, news[item_id]), as_of)
                changes.append(
                    Change(kind, item_id, "added" if a is None else "removed" if b is None else "changed", a, b)
                )
    for rule_id in sorted(set(old.disabled) | set(new.disabled)):
        a, b = old.disabled.get(rule_id), new.disabled.get(rule_id)
        if (a or {}).get("reason") != (b or {}).get("reason"):
            a = {"reason": a["reason"], "layer": a["policy"]} if a else None
            b = {"reason": b["reason"], "layer": b["policy"]} if b else None
            changes.append(
                Change("disabled", rule_id, "added" if a is None else "removed" if b is None else "changed", a, b)
            )
    return changes


def _field_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_field_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_field_text(v) for v in value) + "]"
    return str(value)


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
    counts: dict[str, int] = {}
    for c in changes:
        counts[c.change] = counts.get(c.change, 0) + 1
    if not changes:
        out.append("没有差异" if zh else "no differences")
        return out
    words = {
        "added": "新增" if zh else "added",
        "removed": "删除" if zh else "removed",
        "changed": "修改" if zh else "changed",
    }
    out.append(("共 " if zh else "") + ", ".join(f"{words[k]} {n}" for k, n in sorted(counts.items())))
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for c in changes:
        out.append(f"{marks[c.change]} {kinds.get(c.kind, c.kind)} {c.id}")
        if c.kind == "parameter":
            for policy, side in ((old, c.old), (new, c.new)):
                if side is None:
                    continue
                now = side["in_force"] if side["in_force"] is not None else ("尚无取值" if zh else "no value yet")
                flags = "  verified: false" if side.get("verified") is False else ""
                if side.get("superseded_by"):
                    flags += f"  superseded_by: {side['superseded_by']}"
                dated = (
                    f"   [{'; '.join(side['values'])}]" if len(side["values"]) > 1 or side["in_force"] is None else ""
                )
                out.append(
                    f"    {policy.id + ':':<{width}} {now}{dated}  ({'设定层级' if zh else 'set by'} {side['layer']}){flags}"
                )
            continue
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
            continue
        for policy, side in ((old, a_side), (new, b_side)):
            if side is None:
                continue
            for entry in side if isinstance(side, list) else [side]:
                out.append(
                    f"    {policy.id + ':':<{width}} " + "; ".join(f"{k}: {_field_text(v)}" for k, v in entry.items())
                )
    return out


def _money_range(low: Decimal, high: Decimal) -> str:
    return f"{low:,.2f}" if low == high else f"{low:,.2f}–{high:,.2f}"


@dataclass
class LedgerDiff:
    """What changes when one ledger is checked under two policies (or a policy and its what-if)."""

    records: int = 0
    status_changed: int = 0
    transitions: dict[str, int] = field(default_factory=dict)  # "pass→fail": n
    rule_flips: dict[str, dict[str, int]] = field(default_factory=dict)  # rule: {"pass→fail": n}
    violations_old: dict[str, int] = field(default_factory=dict)  # rule: records failing it
    violations_new: dict[str, int] = field(default_factory=dict)
    subsidy_old: Decimal = Decimal(0)  # exact amounts only, one period each (a month, a year, once)
    subsidy_new: Decimal = Decimal(0)
    by_subsidy: dict[str, list[Decimal]] = field(default_factory=dict)  # id: [old min, old max, new min, new max]
    errors: int = 0
    changed_ids: list[Any] = field(default_factory=list)  # the first ids that change status, for the reader

    def add(self, a: Any, b: Any) -> None:
        """Count one record's report under the old policy (``a``) and the new one (``b``)."""
        if a.status == "error" or b.status == "error":
            self.errors += 1
            return
        self.records += 1
        if a.status != b.status:
            self.status_changed += 1
            key = f"{a.status}→{b.status}"
            self.transitions[key] = self.transitions.get(key, 0) + 1
            if len(self.changed_ids) < 20:
                self.changed_ids.append(b.id)
        before = {f.rule.id for f in a.findings}
        after = {f.rule.id for f in b.findings}
        for rule in sorted(before | after):
            x, y = a.outcome(rule), b.outcome(rule)
            if x == "fail":
                self.violations_old[rule] = self.violations_old.get(rule, 0) + 1
            if y == "fail":
                self.violations_new[rule] = self.violations_new.get(rule, 0) + 1
            if x != y:
                flips = self.rule_flips.setdefault(rule, {})
                flips[f"{x}→{y}"] = flips.get(f"{x}→{y}", 0) + 1
        for report, offset in ((a, 0), (b, 2)):
            for line in report.subsidies:
                if not line.eligible:
                    continue
                totals = self.by_subsidy.setdefault(line.id, [Decimal(0)] * 4)
                if line.amount is not None:
                    totals[offset] += line.amount
                    totals[offset + 1] += line.amount
                    if offset == 0:
                        self.subsidy_old += line.amount
                    else:
                        self.subsidy_new += line.amount
                elif line.amount_min is not None and line.amount_max is not None:
                    totals[offset] += line.amount_min
                    totals[offset + 1] += line.amount_max

    def to_dict(self) -> dict[str, Any]:
        rules = sorted(set(self.violations_old) | set(self.violations_new) | set(self.rule_flips))
        return {
            "records": self.records,
            "status_changed": self.status_changed,
            "transitions": self.transitions,
            "changed_ids": self.changed_ids,
            "rule_flips": self.rule_flips,
            "violations": {
                r: {"old": self.violations_old.get(r, 0), "new": self.violations_new.get(r, 0)}
                for r in rules
                if self.violations_old.get(r, 0) != self.violations_new.get(r, 0)
            },
            "subsidy_old": f"{self.subsidy_old:.2f}",
            "subsidy_new": f"{self.subsidy_new:.2f}",
            "subsidy_change": f"{self.subsidy_new - self.subsidy_old:.2f}",
            "by_subsidy": {
                sid: {
                    "old_min": f"{t[0]:.2f}",
                    "old_max": f"{t[1]:.2f}",
                    "new_min": f"{t[2]:.2f}",
                    "new_max": f"{t[3]:.2f}",
                }
                for sid, t in sorted(self.by_subsidy.items())
            },
            "errors": self.errors,
        }

    def lines(self, lang: str = "zh") -> list[str]:
        """The comparison in words (the CLI prints it)."""
        zh = lang != "en"
        out = [
            (
                f"记录 {self.records} 条，结果改变 {self.status_changed} 条"
                if zh
                else f"{self.records} records, {self.status_changed} change status"
            )
            + (
                ("：" if zh else ": ") + ", ".join(f"{k} ×{v}" for k, v in sorted(self.transitions.items()))
                if self.transitions
                else ""
            )
            + ((f"（错误行 {self.errors} 条）" if zh else f" ({self.errors} error rows)") if self.errors else "")
        ]
        if self.changed_ids:
            out.append(
                f"  {'结果改变的记录' if zh else 'records changing status'}: "
                + ", ".join(map(str, self.changed_ids))
                + (" …" if self.status_changed > len(self.changed_ids) else "")
            )
        for rule, flips in sorted(self.rule_flips.items()):
            old_n, new_n = self.violations_old.get(rule, 0), self.violations_new.get(rule, 0)
            count = f"  ({'不通过' if zh else 'failing'} {old_n} → {new_n})" if old_n != new_n else ""
            out.append(f"  {rule}: " + ", ".join(f"{k} ×{v}" for k, v in sorted(flips.items())) + count)
        for sid, (a_lo, a_hi, b_lo, b_hi) in sorted(self.by_subsidy.items()):
            if (a_lo, a_hi) != (b_lo, b_hi):
                out.append(
                    f"  {sid}: {_money_range(a_lo, a_hi)} → {_money_range(b_lo, b_hi)} {'元' if zh else 'CNY'}"
                    + (f"  (Δ {b_lo - a_lo:+,.2f})" if a_lo == a_hi and b_lo == b_hi else "")
                )
        change = self.subsidy_new - self.subsidy_old
        out.append(
            f"补贴合计（确定金额，每期）{self.subsidy_old:,.2f} → {self.subsidy_new:,.2f} 元（变化 {change:+,.2f}）"
            if zh
            else f"subsidy total (exact amounts, one period each) {self.subsidy_old:,.2f} → {self.subsidy_new:,.2f} CNY"
            f" (change {change:+,.2f})"
        )
        return out


def diff_ledger(old: Any, new: Any, rows: Iterable[Any], as_of: datetime.date) -> LedgerDiff:
    """Re-run a ledger under two policies (``Policy`` objects) in one pass over its rows, and count what changes."""
    out = LedgerDiff()
    first, second = itertools.tee(rows)
    for a, b in zip(old.evaluate_many(first, as_of=as_of), new.evaluate_many(second, as_of=as_of), strict=True):
        out.add(a, b)
    return out


# ---- test coverage -------------------------------------------------------------------------------------------------


@dataclass
class Coverage:
    """What a policy's embedded examples exercise: per own rule, subsidy and benefit, a passing and a failing (or
    ineligible) example, and for each threshold rule (``op`` with ``required`` or ``by_year``) an example whose
    observed value equals the required one."""

    policy: str
    examples: int
    failed_examples: list[str]
    items: dict[str, dict[str, bool | None]]  # id -> {"pass": bool, "fail": bool | None, "boundary": bool | None}

    @property
    def percent(self) -> Decimal:
        checks = 0
        met = 0
        for item in self.items.values():
            for key in ("pass", "fail", "boundary"):
                if item.get(key) is not None:
                    checks += 1
                    met += bool(item[key])
        return (Decimal(met * 100) / checks).quantize(Decimal("0.1")) if checks else Decimal(100)

    def missing(self, lang: str = "en") -> list[str]:
        """One line per thing no example shows."""
        zh = lang == "zh"
        words = {
            "pass": "没有通过（或符合条件）的示例" if zh else "no pass example",
            "fail": "没有不通过（或不符合条件）的示例" if zh else "no fail example",
            "boundary": "没有恰好等于阈值的示例（边界未覆盖）" if zh else "boundary not exercised",
        }
        return [
            f"{item_id}: {words[key]}"
            for item_id, item in self.items.items()
            for key in ("pass", "fail", "boundary")
            if item.get(key) is False
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "examples": self.examples,
            "failed_examples": self.failed_examples,
            "percent": str(self.percent),
            "items": self.items,
            "missing": self.missing(),
        }


def _at_boundary(observed: Any, required: Any) -> bool:
    if observed is None or required is None or isinstance(observed, bool) or isinstance(required, bool):
        return False
    try:
        return Decimal(str(observed)) == Decimal(str(required))
    except (TypeError, ValueError, ArithmeticError):
        return False


def test_coverage(policy: CompiledPolicy) -> Coverage:
    """Run the embedded examples and record which of the policy's own rules and lines they show passing, failing,
    and (for thresholds) exactly at the boundary. Inherited items are the parent's to cover."""
    results = run_examples(policy)
    items: dict[str, dict[str, bool | None]] = {}
    for r in policy.rules:
        if r.origin.policy != policy.id:
            continue
        threshold = r.spec.op in (">=", "<=", ">", "<") and bool(r.spec.required or r.by_year)
        items[r.id] = {"pass": False, "fail": False, "boundary": False if threshold else None}
    for s in policy.subsidies:
        if s.origin.policy == policy.id:
            items[s.id] = {"pass": False, "fail": False}
    for b in policy.benefits:
        if b.origin.policy == policy.id:  # an unconditional benefit cannot have an ineligible example
            unconditional = b.spec.eligible.strip() in ("true", "True")
            items[b.id] = {"pass": False, "fail": None if unconditional else False}
    for result in results:
        report = result.report
        if report is None:
            continue
        for f in report.findings:
            entry = items.get(f.rule.id)
            if entry is None:
                continue
            if f.outcome == "pass":
                entry["pass"] = True
            elif f.outcome == "fail":
                entry["fail"] = True
            if entry.get("boundary") is False and f.outcome in ("pass", "fail"):
                entry["boundary"] = _at_boundary(f.observed, f.required)
        lines_: list[Any] = [*report.subsidies, *report.benefits]
        for line in lines_:
            entry = items.get(line.id)
            if entry is None:
                continue
            if line.eligible is True:
                entry["pass"] = True
            elif line.eligible is False and entry.get("fail") is not None:
                entry["fail"] = True
    return Coverage(policy.id, len(results), [r.name for r in results if not r.passed], items)


# ---- clause coverage -----------------------------------------------------------------------------------------------


def clause_index(policy: CompiledPolicy) -> tuple[list[dict[str, Any]], list[str]]:
    """The clause index, and the policy's own rules, subsidies, benefits and parameters no clause mentions."""
    m = policy.model
    rows = [
        {
            "clause": c.clause,
            "summary": c.summary or "",
            "encoded_by": list(c.encoded_by),
            "not_checkable": c.not_checkable,
        }
        for c in m.clauses
    ]
    mentioned = {ref for c in m.clauses for ref in c.encoded_by}
    own = [r.id for r in m.rules] + [s.id for s in m.subsidies] + [b.id for b in m.benefits] + list(m.parameters)
    return rows, sorted(set(own) - mentioned)


def coverage_markdown(policies: Iterable[CompiledPolicy]) -> str:
    out = [
        "# Clause coverage",
        "",
        "Every clause of the five source documents (and the national base), with the rules, parameters, subsidies "
        "and benefits that encode it, or why it cannot be checked from the contract's records. Generated by "
        "`tuoyu-rules coverage --format markdown policies/*.yaml`.",
        "",
    ]
    for policy in policies:
        rows, unmentioned = clause_index(policy)
        doc = next(iter(policy.model.documents.values()), None)
        out.append(f"## {policy.id} — {policy.model.name}")
        if doc is not None:
            out.append("")
            out.append(f"Source: {doc.title}{'（' + doc.number + '）' if doc.number else ''}, `{doc.source or ''}`")
        out.append("")
        out.append("| clause | what it says | encoded by / why not |")
        out.append("|---|---|---|")
        for row in rows:
            how = (
                ", ".join(f"`{r}`" for r in row["encoded_by"])
                if row["encoded_by"]
                else f"not checkable: {row['not_checkable']}"
            )
            out.append(f"| {row['clause']} | {row['summary']} | {how} |")
        checkable = sum(1 for r in rows if r["encoded_by"])
        out.append("")
        out.append(
            f"{len(rows)} clauses: {checkable} encoded, {len(rows) - checkable} not machine-checkable."
            + (f" Not in the index: {', '.join(unmentioned)}." if unmentioned else "")
        )
        out.append("")
    return "\n".join(out)


# ---- annotations ---------------------------------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(results: list[tuple[str, list[Problem]]], lang: str = "zh") -> list[str]:
    """GitHub Actions workflow commands, one per problem: ``::error file=F,line=L,col=C,title=CODE::MESSAGE``
    (``::warning`` for warnings), escaped as the runner expects."""
    lines = []
    for file, problems in results:
        for p in problems:
            level = "error" if p.severity == "error" else "warning"
            loc = p.location
            where = f"file={_escape_property(loc.file or file)}"
            if loc.line:
                where += f",line={loc.line}"
            if loc.column:
                where += f",col={loc.column}"
            text = p.message_en if lang == "en" and p.message_en else p.message
            lines.append(f"::{level} {where},title={_escape_property(p.code)}::{_escape_data(text)}")
    return lines


def _artifact_uri(path: str) -> str:
    """A SARIF artifact location: relative to the working directory when it can be (code scanning needs that)."""
    target = Path(path)
    if not target.is_absolute():
        return target.as_posix()
    try:
        return target.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return target.as_uri()


def sarif(results: list[tuple[str, list[Problem]]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log: tool driver ``tuoyu-rules``, one reporting rule per problem code, one result per problem."""
    codes = sorted({p.code for _, problems in results for p in problems})
    out_results = []
    for file, problems in results:
        for p in problems:
            region = {}
            if p.location.line:
                region["startLine"] = p.location.line
            if p.location.column:
                region["startColumn"] = p.location.column
            physical: dict[str, Any] = {"artifactLocation": {"uri": _artifact_uri(p.location.file or file)}}
            if region:
                physical["region"] = region
            out_results.append(
                {
                    "ruleId": p.code,
                    "ruleIndex": codes.index(p.code),
                    "level": "error" if p.severity == "error" else "warning",
                    "message": {"text": f"{p.message} / {p.message_en}" if p.message_en else p.message},
                    "locations": [{"physicalLocation": physical}],
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tuoyu-rules",
                        "informationUri": "https://pypi.org/project/tuoyu-rules/",
                        "rules": [{"id": c, "name": c, "shortDescription": {"text": c}} for c in codes],
                    }
                },
                "results": out_results,
            }
        ],
    }


# ---- date hygiene --------------------------------------------------------------------------------------------------


def date_hygiene(policy: CompiledPolicy, today: datetime.date, expiring_within: int | None) -> list[Problem]:
    """Warnings about dates, located at the YAML key: a policy, document or parameter value that has expired or
    expires within ``expiring_within`` days, a target year after the policy ends or without a value, and a value
    dated before the policy starts that neither comes from a parent nor cites where its earlier date comes from.

    Only the policy's own file is looked at (a parent is checked on its own). ``validate --strict`` turns the
    warnings into errors.
    """
    from .source import load_yaml_file

    doc = load_yaml_file(policy.file)
    m: PolicyModel = policy.model

    def warn(path: tuple[Any, ...], code: str, zh: str, en: str) -> Problem:
        line, column = doc.where(path)
        return Problem(code, zh, en, Location(file=policy.file, line=line, column=column), "warning")

    def soon(day: datetime.date) -> bool:
        return expiring_within is not None and today <= day and (day - today).days <= expiring_within

    out = []
    until = m.in_force.until
    if until is not None:
        if until < today:
            out.append(
                warn(
                    ("in_force", "until"), "policy.expired", f"策略已于 {until} 失效", f"the policy expired on {until}"
                )
            )
        elif soon(until):
            days = (until - today).days
            out.append(
                warn(
                    ("in_force", "until"),
                    "policy.expiring",
                    f"策略将于 {until} 失效（{days} 天后）",
                    f"the policy expires on {until}, in {days} days",
                )
            )
    for key, document in m.documents.items():
        end = document.in_force.until if document.in_force else None
        if end is None:
            continue
        if end < today:
            out.append(
                warn(
                    ("documents", key, "in_force", "until"),
                    "policy.document-expired",
                    f"文件 {key}（{document.title}）已于 {end} 失效",
                    f"document {key} ({document.title}) expired on {end}",
                )
            )
        elif soon(end):
            out.append(
                warn(
                    ("documents", key, "in_force", "until"),
                    "policy.document-expiring",
                    f"文件 {key}（{document.title}）将于 {end} 失效（{(end - today).days} 天后）",
                    f"document {key} ({document.title}) expires on {end}, in {(end - today).days} days",
                )
            )
    for i, rule in enumerate(m.rules):
        for year, target in (rule.by_year or {}).items():
            if isinstance(target, str):
                in_force = resolve_parameters(policy.parameters, datetime.date(year, 12, 31))
                if target not in in_force.point:
                    out.append(
                        warn(
                            ("rules", i, "by_year", year),
                            "policy.target-without-value",
                            f"规则 {rule.id} 的 {year} 年目标引用的参数 {target} 在该年没有取值",
                            f"rule {rule.id}: parameter {target} has no value in {year}",
                        )
                    )
            if until is not None and year > until.year:
                out.append(
                    warn(
                        ("rules", i, "by_year", year),
                        "policy.target-after-period",
                        f"规则 {rule.id} 的 {year} 年目标晚于策略有效期（至 {until}）",
                        f"rule {rule.id} has a {year} target after the policy ends ({until})",
                    )
                )
    start = m.in_force.from_
    for name, param in m.parameters.items():
        values = sorted(enumerate(param.values), key=lambda iv: iv[1].since)
        for n, (j, value) in enumerate(values):
            cited = value.citation or param.citation
            # the value a document ends: the cited document's own end date, unless a later value replaces it first
            source_doc = policy.documents.get(cited.document)
            end = source_doc.in_force.until if source_doc is not None and source_doc.in_force else None
            replaced = n + 1 < len(values)
            if end is not None and not replaced and soon(end):
                out.append(
                    warn(
                        ("parameters", name, "values", j, "since"),
                        "policy.value-expiring",
                        f"参数 {name} 的现行取值所依据的文件 {cited.document} 将于 {end} 失效",
                        f"the value of {name} rests on document {cited.document}, which expires on {end}",
                    )
                )
            if value.since >= start or value.citation is not None or cited.document not in m.documents:
                continue  # in the policy's period, or cited on its own, or a parent's document and date
            out.append(
                warn(
                    ("parameters", name, "values", j, "since"),
                    "policy.value-before-period",
                    f"参数 {name} 的取值自 {value.since} 起，早于策略生效日期 {start}；"
                    f"若文件确有更早的起算日期，请在该取值上单独写 citation 说明出处",
                    f"{name} has a value from {value.since}, before the policy starts ({start}); if the document "
                    f"does date it earlier, give that value its own citation",
                )
            )
    return out


# ---- budget ----------------------------------------------------------------------------------------------------------

_CENT = Decimal("0.01")


@dataclass
class Span:
    """A money total that may be a range (a policy that gives 400–600 yuan a slot): ``low`` and ``high``."""

    low: Decimal = Decimal(0)
    high: Decimal = Decimal(0)

    def add(self, low: Decimal, high: Decimal) -> None:
        self.low += low
        self.high += high

    @property
    def exact(self) -> Decimal | None:
        return self.low if self.low == self.high else None

    def to_dict(self) -> dict[str, str | None]:
        exact = self.exact
        return {
            "total": f"{exact:.2f}" if exact is not None else None,
            "min": f"{self.low:.2f}",
            "max": f"{self.high:.2f}",
        }

    def text(self) -> str:
        return _money_range(self.low, self.high)


@dataclass
class SubsidyTotal:
    """One subsidy over a ledger: how many records are eligible and what they cost over the period."""

    id: str
    title: str
    period: str
    factor: Decimal
    eligible: int = 0
    amount_open: int = 0  # eligible, but the document leaves the amount open
    undetermined: int = 0  # eligibility unknown: a field it reads is missing
    money: Span = field(default_factory=Span)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "period": self.period,
            "factor": str(self.factor),
            "eligible": self.eligible,
            "eligible_amount_open": self.amount_open,
            "undetermined": self.undetermined,
            **self.money.to_dict(),
        }


@dataclass
class Budget:
    """Each subsidy totalled over a ledger for ``months`` months, by district and form, against the stated budget."""

    policy: str
    months: int
    subsidies: dict[str, SubsidyTotal] = field(default_factory=dict)
    by_district: dict[str, Span] = field(default_factory=dict)
    by_form: dict[str, Span] = field(default_factory=dict)
    records: int = 0
    errors: int = 0
    stated: Decimal | None = None  # the budget the policy states, per ``stated_period``
    stated_period: str | None = None
    budget_parameter: str | None = None

    @property
    def money(self) -> Span:
        out = Span()
        for s in self.subsidies.values():
            out.add(s.money.low, s.money.high)
        return out

    @property
    def total(self) -> Decimal:
        """The exact total (the low end when some amount is a range)."""
        return self.money.low

    @property
    def available(self) -> Decimal | None:
        """The stated budget for the same ``months``: a yearly budget × months/12, a monthly one × months."""
        if self.stated is None:
            return None
        factor = {"year": Decimal(self.months) / 12, "month": Decimal(self.months), "once": Decimal(1)}
        return (self.stated * factor[self.stated_period or "year"]).quantize(_CENT)

    def to_dict(self) -> dict[str, Any]:
        money = self.money
        out: dict[str, Any] = {
            "policy": self.policy,
            "months": self.months,
            "records": self.records,
            "errors": self.errors,
            "total": f"{money.exact:.2f}" if money.exact is not None else None,
            "total_min": f"{money.low:.2f}",
            "total_max": f"{money.high:.2f}",
            "subsidies": {sid: s.to_dict() for sid, s in sorted(self.subsidies.items())},
            "by_subsidy": {
                sid: f"{s.money.exact:.2f}" for sid, s in sorted(self.subsidies.items()) if s.money.exact is not None
            },
            "by_subsidy_min": {sid: f"{s.money.low:.2f}" for sid, s in sorted(self.subsidies.items())},
            "by_subsidy_max": {sid: f"{s.money.high:.2f}" for sid, s in sorted(self.subsidies.items())},
            "eligible": {sid: s.eligible for sid, s in sorted(self.subsidies.items())},
            "eligible_amount_open": {sid: s.amount_open for sid, s in sorted(self.subsidies.items()) if s.amount_open},
            "by_district": {k: v.to_dict() for k, v in sorted(self.by_district.items())},
            "by_form": {k: v.to_dict() for k, v in sorted(self.by_form.items())},
        }
        available = self.available
        if available is not None:
            out["budget"] = f"{self.stated:.2f}"
            out["budget_period"] = self.stated_period
            out["budget_parameter"] = self.budget_parameter
            out["budget_for_months"] = f"{available:.2f}"
            out["remaining"] = f"{available - money.low:.2f}" if money.exact is not None else None
            out["remaining_min"] = f"{available - money.high:.2f}"
            out["remaining_max"] = f"{available - money.low:.2f}"
            out["overspent"] = available < money.high if money.exact is None else available < money.low
        return out


def _new_budget(compiled: CompiledPolicy, as_of: datetime.date, months: int) -> Budget:
    out = Budget(compiled.id, months)
    if compiled.model.budget is not None:
        out.budget_parameter = compiled.model.budget.parameter
        stated = compiled.params_at(as_of).point.get(compiled.model.budget.parameter)
        out.stated = Decimal(stated) if stated is not None else None
        out.stated_period = compiled.model.budget.period
    factor = {"month": Decimal(months), "year": Decimal(months) / 12, "once": Decimal(1)}
    for s in compiled.subsidies:
        out.subsidies[s.id] = SubsidyTotal(s.id, s.spec.title or s.id, s.spec.period, factor[s.spec.period])
    return out


def _count(out: Budget, report: Any) -> None:
    if report.status == "error":
        out.errors += 1
        return
    out.records += 1
    district = str(report.record.get("district") or "—")
    form = str(report.record.get("form") or "—")
    for line in report.subsidies:
        total = out.subsidies[line.id]
        if line.eligible is None:
            total.undetermined += 1
        if not line.eligible:
            continue
        total.eligible += 1
        if line.amount is not None:
            low = high = (line.amount * total.factor).quantize(_CENT)
        elif line.amount_min is not None and line.amount_max is not None:
            low = (line.amount_min * total.factor).quantize(_CENT)
            high = (line.amount_max * total.factor).quantize(_CENT)
        else:
            total.amount_open += 1
            continue
        total.money.add(low, high)
        out.by_district.setdefault(district, Span()).add(low, high)
        out.by_form.setdefault(form, Span()).add(low, high)


def budget(policy: Any, rows: Iterable[Any], as_of: datetime.date, months: int = 12) -> Budget:
    """Each subsidy totalled over a ledger (a ``Policy`` and rows) for ``months`` months.

    A monthly subsidy counts ``months`` times, a yearly one ``months/12`` of a year, a one-off one once. Exact
    decimals throughout; each record's amount for the period is rounded to the fen before it is added. Records are
    broken down by their ``district`` and ``form`` fields ("—" when a record has none).
    """
    return budgets([policy], rows, as_of, months)[0]


def budgets(policies: list[Any], rows: Iterable[Any], as_of: datetime.date, months: int = 12) -> list[Budget]:
    """:func:`budget` for several policies (as written, what-if …) in one pass over the rows."""
    out = [_new_budget(p.compiled, as_of, months) for p in policies]
    streams = itertools.tee(rows, len(policies))
    reports = [p.evaluate_many(stream, as_of=as_of) for p, stream in zip(policies, streams, strict=True)]
    for row_reports in zip(*reports, strict=True):
        for total, report in zip(out, row_reports, strict=True):
            _count(total, report)
    return out


def budget_lines(written: Budget, what_if: Budget | None = None, lang: str = "zh") -> list[str]:
    """The budget as text: one line per subsidy, the total, the stated budget, and the breakdowns; with a what-if,
    both columns and the difference."""
    zh = lang != "en"
    yuan = "元" if zh else "CNY"
    out = [
        f"{written.policy}：{written.months} 个月（月度补贴 ×{written.months}，年度补贴 ×{written.months}/12，一次性补贴 ×1），"
        f"记录 {written.records} 条，错误行 {written.errors} 条"
        if zh
        else f"{written.policy}: {written.months} months (monthly × {written.months}, yearly × {written.months}/12, "
        f"one-off × 1), {written.records} records, {written.errors} error rows"
    ]

    def pair(a: Span, b: Span | None) -> str:
        if b is None:
            return f"{a.text()} {yuan}"
        delta = (
            f"{b.low - a.low:+,.2f}"
            if a.exact is not None and b.exact is not None
            else (f"{b.low - a.low:+,.2f} / {b.high - a.high:+,.2f}")
        )
        return f"{'原策略' if zh else 'as written'} {a.text()}  |  what-if {b.text()}  |  Δ {delta} {yuan}"

    for sid, s in written.subsidies.items():
        other = what_if.subsidies.get(sid) if what_if else None
        head = f"  {s.title} ({sid}, {s.period})：" if zh else f"  {s.title} ({sid}, {s.period}): "
        count = f"{s.eligible} 家符合条件" if zh else f"{s.eligible} eligible"
        if s.undetermined:
            count += f"，{s.undetermined} 家资格待定" if zh else f", {s.undetermined} undetermined"
        priced = s.eligible - s.amount_open
        other_priced = other.eligible - other.amount_open if other else 0
        if s.amount_open and not priced and not other_priced:
            money = "金额文件未定" if zh else "amount left open by the document"
        else:
            money = pair(s.money, other.money if other else None)
            if s.money.low != s.money.high:
                money += "（区间）" if zh else " (range)"
            if s.amount_open:
                money += (
                    f"；其中 {s.amount_open} 家金额文件未定"
                    if zh
                    else f"; {s.amount_open} of them with the amount left open"
                )
        out.append(f"{head}{count}，{money}" if zh else f"{head}{count}, {money}")
    out.append(("  合计：" if zh else "  total: ") + pair(written.money, what_if.money if what_if else None))
    available = written.available
    if available is not None:
        per = {"year": "年" if zh else "year", "month": "月" if zh else "month", "once": "一次" if zh else "once"}
        period = per.get(written.stated_period or "year", "")
        line = (
            f"  预算（{written.budget_parameter}）：{written.stated:,.2f} 元/{period}，{written.months} 个月为 {available:,.2f} 元"
            if zh
            else f"  budget ({written.budget_parameter}): {written.stated:,.2f} CNY/{period}, "
            f"{available:,.2f} CNY for {written.months} months"
        )
        out.append(line)
        for label, side in (("原策略" if zh else "as written", written), ("what-if", what_if)):
            if side is None:
                continue
            left = Span(available - side.money.high, available - side.money.low)
            word = ("超支" if zh else "overspent") if left.high < 0 else ("结余" if zh else "remaining")
            if left.low < 0 <= left.high:
                word = "结余或超支" if zh else "remaining or overspent"
            out.append(
                f"    {label}：{word} {left.text()} {yuan}" if zh else f"    {label}: {word} {left.text()} {yuan}"
            )
    for title, table, other_table in (
        ("按区县" if zh else "by district", written.by_district, what_if.by_district if what_if else None),
        ("按机构类型" if zh else "by form", written.by_form, what_if.by_form if what_if else None),
    ):
        if not table:
            continue
        out.append(f"  {title}：" if zh else f"  {title}:")
        for key in sorted(set(table) | set(other_table or {})):
            here = table.get(key, Span())
            there = other_table.get(key, Span()) if other_table is not None else None
            out.append(f"    {key}  {pair(here, there)}")
    return out


def schema() -> dict[str, Any]:
    """JSON Schema of the policy file, from the same pydantic models that validate it."""
    out = PolicyModel.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tuoyu-rules.readthedocs.io/schema/policy.schema.json",
        "title": "tuoyu-rules policy",
        **{k: v for k, v in out.items() if k != "title"},
    }


def record_schema() -> dict[str, Any]:
    """JSON Schema of a record (institution, region or residential area) in the contract's spellings.

    For systems that write JSON or JSONL ledgers; the checker also reads Chinese spellings and units, which the schema
    does not list. Generated from the record models, which come from the checker's own field tables.
    """
    from pydantic import TypeAdapter

    from .records import Institution, Region, ResidentialArea

    kinds: Any = Institution | Region | ResidentialArea
    out = TypeAdapter(kinds).json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tuoyu-rules.readthedocs.io/schema/record.schema.json",
        "title": "tuoyu-rules record",
        **out,
    }


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
