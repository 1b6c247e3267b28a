"""``explain``: a rule, target, subsidy, benefit or parameter of a compiled policy in words, and the catalogue of
everything a policy has."""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..compiler import CompiledBenefit, CompiledPolicy, CompiledRule, CompiledSubsidy
from ..text import format_value
from .common import param_value_at, parameters_used, unit_of, value_text


def _cite(c: Mapping[str, Any] | None) -> str:
    if not c:
        return "—"
    number = f"（{c['number']}）" if c.get("number") else ""
    source = f" [{c['source']}]" if c.get("source") else ""
    return f"《{c['document']}》{number} {c['clause']}：“{c['quote']}”{source}"


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


def _now_text(policy: CompiledPolicy, name: str, as_of: datetime.date, en: bool) -> str:
    param = policy.parameters[name]
    entry = param.value_at(as_of)
    if entry is None:
        return f"— ({'no value before' if en else '尚无取值，最早自'} {min(v.since for v in param.spec.values)})"
    return value_text(entry, unit_of(param))


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
            out.append(f"      {'since' if en else '自'} {v.since}: {value_text(v, unit_of(param))}{cite}")
        for layer, below in param.overridden:
            values = "; ".join(f"{v.since}: {value_text(v, below.unit)}" for v in below.values)
            out.append(f"      {'overrides' if en else '覆盖了'} {layer}: {values}")
        if spec.reason:
            out.append(f"      {'reason' if en else '理由'}: {spec.reason}")
        out.append(
            f"      {'source' if en else '依据'}: 《{_doc_title(policy, spec.citation.document)}》"
            f"{spec.citation.clause}：“{spec.citation.quote}”"
        )
        for other in policy.parameters.values():
            if other.spec.superseded_by == name:
                stated = other.value_at(as_of) or other.spec.values[-1]
                out.append(
                    f"      {'a document states' if en else '文件所述'} {other.name} = "
                    f"{value_text(stated, other.spec.unit)} ({other.origin.policy}, "
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
    entry = target.value_at(as_of)
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


def _by_year_lines(policy: CompiledPolicy, rule: CompiledRule, as_of: datetime.date, en: bool) -> list[str]:
    """Each target year with its value, marking the year an as_of-dated record without ``year`` is checked against."""
    out = []

    def is_due(year: int) -> bool:
        stated = rule.due_on(year)
        return as_of >= stated if stated is not None else year <= as_of.year

    due = max((y for y, _ in rule.by_year if is_due(y)), default=None)
    for year, target in rule.by_year:
        if isinstance(target, str):
            value = param_value_at(policy, target, datetime.date(year, 12, 31))
            shown = f"{target} = {format_value(value) if value is not None else '—'}"
        else:
            shown = format_value(target)
        stated = rule.due_on(year)
        if stated is not None:
            shown += f"  ({'due' if en else '到期'} {stated})"
        mark = ""
        if year == due:
            mark = f"  ← {'checked for' if en else '适用于'} {as_of.year}"
        elif not is_due(year):
            mark = f"  ({'not yet due on' if en else '尚未到期，'} {as_of})"
        out.append(f"      {year}: {shown}{mark}")
        if rule.citation_of(year) is not rule.citation:
            out.append(f"            {'cites' if en else '依据'}: {_cite(rule.citation_of(year))}")
    return out


def _used_by(policy: CompiledPolicy, name: str) -> list[str]:
    items: list[Any] = [*policy.rules, *policy.subsidies, *policy.benefits]
    return list(dict.fromkeys(i.id for i in items if name in parameters_used(policy, i)))


def _layer_line(item: Any, en: bool) -> str:
    return f"  {'policy layer' if en else '所在策略'}: {item.origin.policy} ({Path(item.origin.file).name}:{item.origin.line})"


def _cites_and_parameters(policy: CompiledPolicy, item: Any, as_of: datetime.date, en: bool) -> list[str]:
    """The closing lines of a rule, subsidy or benefit: reason for overriding, citation, parameters it reads."""
    spec = item.spec
    lines = []
    if spec.reason:
        lines.append(f"  {'reason for overriding' if en else '覆盖理由'}: {spec.reason}")
    lines.append(f"  {'cites' if en else '依据'}: {_cite(item.citation)}")
    names = parameters_used(policy, item)
    if names:
        lines.append(f"  {'parameters' if en else '参数'} ({'in force on' if en else '取值日期'} {as_of}):")
        lines.extend(_param_lines(policy, names, as_of, en))
    return lines


def _rule_lines(policy: CompiledPolicy, rule: CompiledRule, as_of: datetime.date, en: bool) -> list[str]:
    spec: Any = rule.spec
    title = (spec.title_en if en else spec.title) or spec.title or rule.id
    lines = [f"{rule.id} — {title}", _layer_line(rule, en)]
    lines.append(
        f"  {'applies to' if en else '对象'}: {spec.subject}"
        + (f"  {'when' if en else '条件'}: {spec.when}" if spec.when else "")
    )
    if spec.check:
        lines.append(f"  {'check' if en else '检查'}: {spec.check}")
    if spec.observed:
        req = spec.required or ("target of the year" if en else "当年目标")
        lines.append(f"  {'requires' if en else '要求'}: {spec.observed} {spec.op or ''} {req}".rstrip())
    if rule.applies_to:
        lines.append(
            f"  {'binds the level' if en else '约束层级'}: {rule.applies_to}"
            + (
                " (a record of this level is judged itself; a wider one through its units of this level)"
                if en
                else "（该层级的记录直接核对；更高层级的记录按其该层级的下级单位核对）"
            )
        )
    if rule.due is not None:
        lines.append(f"  {'due' if en else '到期日'}: {rule.due}")
    if rule.by_year:
        lines.append(f"  {'targets by year' if en else '按年目标'}:")
        lines.extend(_by_year_lines(policy, rule, as_of, en))
    severity = spec.severity
    if severity == "aim":
        severity += " (an aim: reported apart, never a failure)" if en else "（目标/倡导：单列报告，不判为违规）"
    lines.append(f"  {'severity' if en else '严重程度'}: {severity}")
    lines.extend(f"  {'also stated in' if en else '另见'}: {_cite(c)}" for c in rule.also_cited)
    return lines + _cites_and_parameters(policy, rule, as_of, en)


def _line_item_lines(policy: CompiledPolicy, item: Any, as_of: datetime.date, en: bool) -> list[str]:
    """A subsidy (with its exclusions, amount and period) or a benefit (with its value)."""
    spec = item.spec
    title = (spec.title_en if en else spec.title) or spec.title or item.id
    lines = [f"{item.id} — {title}", _layer_line(item, en)]
    lines.append(f"  {'applies to' if en else '对象'}: institution")
    lines.append(f"  {'eligible when' if en else '资格条件'}: {spec.eligible}")
    if isinstance(item, CompiledSubsidy) and item.requires:
        lines.append(
            f"  {'requirement set (all must pass)' if en else '须达到的要求（全部通过）'}: {', '.join(spec.requires)}"
        )
        lines.append(f"      = {', '.join(item.requires)}")
    if isinstance(item, CompiledSubsidy):
        for ex in spec.exclusions:
            lines.append(
                f"  {'excluded when' if en else '排除条件'}: {ex.when} — {ex.reason.en if en else ex.reason.zh}"
            )
        lines.append(
            f"  {'amount' if en else '金额'}: {spec.amount or '—'}  ({'period' if en else '周期'}: {spec.period})"
        )
    else:
        lines.append(f"  {'value' if en else '数值'}: {spec.value or '—'} {spec.unit or ''}".rstrip())
    return lines + _cites_and_parameters(policy, item, as_of, en)


def _parameter_lines(policy: CompiledPolicy, name: str, as_of: datetime.date, en: bool) -> list[str]:
    lines = [f"{name} ({'parameter' if en else '参数'}, {'in force on' if en else '取值日期'} {as_of})"]
    lines.extend(_param_lines(policy, [name], as_of, en))
    users = _used_by(policy, name)
    lines.append(f"  {'used by' if en else '用于'}: {', '.join(users) if users else '—'}")
    return lines


def _item_lines(policy: CompiledPolicy, item_id: str, as_of: datetime.date, en: bool) -> list[str] | None:
    """The description of whatever ``item_id`` names (the rules of that id, a subsidy, benefit, parameter or a
    switched-off rule), or None."""
    rules = [r for r in policy.rules if r.id == item_id]
    if rules:
        return [line for rule in rules for line in _rule_lines(policy, rule, as_of, en)]
    line_items: list[CompiledSubsidy | CompiledBenefit] = [*policy.subsidies, *policy.benefits]
    item = next((i for i in line_items if i.id == item_id), None)
    if item is not None:
        return _line_item_lines(policy, item, as_of, en)
    if item_id in policy.parameters:
        return _parameter_lines(policy, item_id, as_of, en)
    if item_id in policy.disabled:
        off = policy.disabled[item_id]
        return [
            f"{item_id} — {'switched off by' if en else '已被停用，停用策略'} {off['policy']}",
            f"  {'reason' if en else '理由'}: {off['reason']}",
        ]
    return None


def explain(policy: CompiledPolicy, item_id: str, as_of: datetime.date, lang: str = "zh") -> list[str] | None:
    """A rule, target, subsidy, benefit or parameter in words (Chinese, or English with ``lang="en"``).

    Returns None when the policy has no such id (see :func:`suggest`).
    """
    en = lang == "en"
    lines = _item_lines(policy, item_id, as_of, en)
    if lines is None:
        return None
    until = policy.model.in_force.until
    if until is not None and as_of > until:
        lines.insert(
            0,
            f"⚠ the plan behind this policy ended on {until}: what follows is its text, not a requirement in force"
            if en
            else f"⚠ 本策略所依据的文件已于 {until} 到期：以下为其规定，并非现行要求",
        )
    examples = _examples_for(policy, item_id)
    if examples:
        lines.append(f"  {'examples' if en else '示例'}:")
        lines.extend(examples)
    return lines
