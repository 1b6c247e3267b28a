"""The logic behind the policy-author commands: explain, diff, test coverage, clause coverage, schema, CI
annotations, date hygiene and budgets. Functions return data or text; :mod:`.cli` only prints."""

from __future__ import annotations

import datetime
import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .compiler import CompiledPolicy, CompiledRule, resolve_parameters
from .errors import Location, Problem
from .examples import run_examples
from .expressions import format_value
from .model import ParamValue, PolicyModel

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


def catalogue(policy: CompiledPolicy, lang: str = "zh") -> list[str]:
    """One line per rule, target, subsidy and benefit of a policy."""
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
        lines.append(f"  {kind:<6} {rule.id:<40} {rule.subject:<16} {title}  [{rule.origin.policy}]")
    for s in policy.subsidies:
        title = (s.spec.title_en if en else s.spec.title) or s.spec.title or ""
        lines.append(f"  {'subsidy' if en else '补贴':<6} {s.id:<40} {s.spec.period:<16} {title}  [{s.origin.policy}]")
    for b in policy.benefits:
        title = (b.spec.title_en if en else b.spec.title) or b.spec.title or ""
        lines.append(f"  {'benefit' if en else '待遇':<6} {b.id:<40} {'':<16} {title}  [{b.origin.policy}]")
    for rule_id, off in policy.disabled.items():
        lines.append(f"  {'off' if en else '停用':<6} {rule_id:<40} {'':<16} {off['reason']}  [{off['policy']}]")
    return lines


def known_ids(policy: CompiledPolicy) -> list[str]:
    return sorted(
        {r.id for r in policy.rules}
        | {s.id for s in policy.subsidies}
        | {b.id for b in policy.benefits}
        | set(policy.parameters)
    )


def suggest(policy: CompiledPolicy, name: str) -> str | None:
    close = difflib.get_close_matches(name, known_ids(policy), n=1, cutoff=0.5)
    return close[0] if close else None


def _param_lines(policy: CompiledPolicy, names: Iterable[str], as_of: datetime.date, en: bool) -> list[str]:
    out = []
    point = resolve_parameters(policy.parameters, as_of)
    for name in sorted(set(names)):
        param = policy.parameters.get(name)
        if param is None:
            continue
        spec = param.spec
        desc = (spec.description_en if en else spec.description) or spec.description or ""
        now = point.point.get(name)
        if now is None and name in point.ranged:
            now_text = f"{format_value(point.low[name])}–{format_value(point.high[name])}"
        elif now is None:
            now_text = "unspecified / not in force" if en else "未规定或尚未生效"
        else:
            now_text = format_value(now)
        flag = ("  ⚠ unverified" if en else "  ⚠ 未核实") if not spec.verified else ""
        out.append(f"  {name} = {now_text} {spec.unit or ''}  ({desc}){flag}")
        out.append(
            f"      {'set by' if en else '设定层级'}: {param.origin.policy} ({Path(param.origin.file).name}:{param.origin.line})"
        )
        for v in spec.values:
            cite = ""
            if v.citation:
                doc = policy.documents.get(v.citation.document)
                cite = f"  ← 《{doc.title if doc else v.citation.document}》{v.citation.clause}"
            out.append(f"      {'since' if en else '自'} {v.since}: {_value_text(v, spec.unit)}{cite}")
        for layer, below in param.overridden:
            values = "; ".join(f"{v.since}: {_value_text(v, below.unit)}" for v in below.values)
            out.append(f"      {'overrides' if en else '覆盖了'} {layer}: {values}")
        if spec.reason:
            out.append(f"      {'reason' if en else '理由'}: {spec.reason}")
        doc = policy.documents.get(spec.citation.document)
        out.append(
            f"      {'source' if en else '依据'}: 《{doc.title if doc else spec.citation.document}》"
            f"{spec.citation.clause}：“{spec.citation.quote}”"
        )
        for other in policy.parameters.values():
            if other.spec.superseded_by == name:
                stated = other.spec.values[-1]
                out.append(
                    f"      {'a document states' if en else '文件所述'} {other.name} = {_value_text(stated, other.spec.unit)}"
                    f" ({other.origin.policy}) — {'superseded; the value above is in force' if en else '已被取代，现行值见上'}"
                )
        if spec.superseded_by:
            now_by = point.point.get(spec.superseded_by)
            out.append(
                f"      {'superseded by' if en else '已被取代'}: {spec.superseded_by} = "
                f"{format_value(now_by) if now_by is not None else '—'} "
                f"({'in force on' if en else '现行，'} {as_of})"
            )
    return out


def _examples_for(policy: CompiledPolicy, item_id: str) -> list[str]:
    out = []
    for ex in policy.model.examples:
        e = ex.expect
        if item_id in e.findings:
            out.append(f"  - {ex.name}: {e.findings[item_id]}")
        elif item_id in e.subsidies or item_id in e.benefits:
            line = e.subsidies.get(item_id) or e.benefits.get(item_id)
            shown = {k: getattr(line, k) for k in sorted(line.model_fields_set)} if line else {}
            out.append(f"  - {ex.name}: {shown}")
    return out


def explain(policy: CompiledPolicy, item_id: str, as_of: datetime.date, lang: str = "zh") -> list[str] | None:
    """A rule, subsidy, benefit or parameter in words; None when the policy has no such id."""
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
                f"  {'policy layer' if en else '所在策略'}: {rule.origin.policy} ({Path(rule.origin.file).name}:{rule.origin.line})"
            )
            lines.append(
                f"  {'applies to' if en else '对象'}: {spec.subject}"
                + (f"  {'when' if en else '条件'}: {spec.when}" if spec.when else "")
            )
            if spec.check:
                lines.append(f"  {'check' if en else '检查'}: {spec.check}")
            if spec.observed:
                req = spec.required or (f"by_year {dict(spec.by_year or {})}")
                lines.append(f"  {'requires' if en else '要求'}: {spec.observed} {spec.op or ''} {req}".rstrip())
            lines.append(f"  {'severity' if en else '严重程度'}: {spec.severity}")
            if spec.reason:
                lines.append(f"  {'reason for overriding' if en else '覆盖理由'}: {spec.reason}")
            lines.append(f"  {'cites' if en else '依据'}: {_cite(rule.citation)}")
            names = [p for src in rule.sources.values() for p in policy.parameters if f"p[{p!r}]" in src]
            names += [v for _, v in rule.by_year if isinstance(v, str)]
            if names:
                lines.append(f"  {'parameters' if en else '参数'}:")
                lines.extend(_param_lines(policy, names, as_of, en))
    elif subsidy is not None or benefit is not None:
        item: Any = subsidy or benefit
        spec = item.spec
        title = (spec.title_en if en else spec.title) or spec.title or item_id
        lines.append(f"{item_id} — {title}")
        lines.append(f"  {'policy layer' if en else '所在策略'}: {item.origin.policy}")
        lines.append(f"  {'eligible when' if en else '资格条件'}: {spec.eligible}")
        if subsidy is not None:
            for ex in subsidy.spec.exclusions:
                lines.append(
                    f"  {'excluded when' if en else '排除条件'}: {ex.when} — {ex.reason.en if en else ex.reason.zh}"
                )
            lines.append(
                f"  {'amount' if en else '金额'}: {subsidy.spec.amount or '—'}  ({'period' if en else '周期'}: {subsidy.spec.period})"
            )
        else:
            lines.append(f"  {'value' if en else '数值'}: {spec.value or '—'} {spec.unit or ''}")
        lines.append(f"  {'cites' if en else '依据'}: {_cite(item.citation)}")
        text = f"{spec.eligible} {getattr(spec, 'amount', '') or ''} {getattr(spec, 'value', '') or ''}"
        names = [
            p for p in policy.parameters if p in text.replace("(", " ").replace(")", " ").replace("*", " ").split()
        ]
        if names:
            lines.append(f"  {'parameters' if en else '参数'}:")
            lines.extend(_param_lines(policy, names, as_of, en))
    elif item_id in policy.parameters:
        lines.append(item_id)
        lines.extend(_param_lines(policy, [item_id], as_of, en))
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
    kind: str  # parameter | rule | subsidy | benefit | disabled
    id: str
    change: str  # added | removed | changed
    old: Any = None
    new: Any = None


def _param_summary(policy: CompiledPolicy, name: str, as_of: datetime.date) -> dict[str, Any] | None:
    param = policy.parameters.get(name)
    if param is None:
        return None
    return {
        "in_force": _value_text(
            next((v for v in reversed(param.spec.values) if v.since <= as_of), param.spec.values[0]), param.spec.unit
        ),
        "values": [f"{v.since}: {_value_text(v, param.spec.unit)}" for v in param.spec.values],
        "layer": param.origin.policy,
    }


def _rule_summary(rules: list[CompiledRule], policy: CompiledPolicy, as_of: datetime.date) -> list[dict[str, Any]]:
    point = policy.params_at(as_of).point

    def target(value: Any) -> str:  # a parameter name shows with its value in force
        return f"{value} = {format_value(point[value])}" if isinstance(value, str) and value in point else str(value)

    out = []
    for r in rules:
        s = r.spec
        out.append(
            {
                k: v
                for k, v in {
                    "subject": s.subject,
                    "when": s.when,
                    "check": s.check,
                    "observed": s.observed,
                    "op": s.op,
                    "required": s.required,
                    "by_year": {str(y): target(v) for y, v in (s.by_year or {}).items()} or None,
                    "severity": s.severity,
                }.items()
                if v is not None
            }
        )
    return out


def diff_policies(old: CompiledPolicy, new: CompiledPolicy, as_of: datetime.date) -> list[Change]:
    """Every parameter, rule, target, subsidy and benefit added, removed or changed."""
    changes: list[Change] = []
    a: Any
    b: Any
    for name in sorted(set(old.parameters) | set(new.parameters)):
        a, b = _param_summary(old, name, as_of), _param_summary(new, name, as_of)
        if a is None:
            changes.append(Change("parameter", name, "added", None, b))
        elif b is None:
            changes.append(Change("parameter", name, "removed", a, None))
        elif (a["values"], a["in_force"]) != (b["values"], b["in_force"]):
            changes.append(Change("parameter", name, "changed", a, b))
    old_rules: dict[str, list[CompiledRule]] = {}
    new_rules: dict[str, list[CompiledRule]] = {}
    for table, policy in ((old_rules, old), (new_rules, new)):
        for r in policy.rules:
            table.setdefault(r.id, []).append(r)
    for rule_id in sorted(set(old_rules) | set(new_rules)):
        kind = "target" if any(r.by_year for r in old_rules.get(rule_id, new_rules.get(rule_id, []))) else "rule"
        a = _rule_summary(old_rules[rule_id], old, as_of) if rule_id in old_rules else None
        b = _rule_summary(new_rules[rule_id], new, as_of) if rule_id in new_rules else None
        if a != b:
            changes.append(Change(kind, rule_id, "added" if a is None else "removed" if b is None else "changed", a, b))
    groups: tuple[tuple[str, str], ...] = (("subsidy", "subsidies"), ("benefit", "benefits"))
    for kind, attr in groups:
        get: Any = lambda p, attr=attr: getattr(p, attr)  # noqa: E731
        a_items = {
            i.id: i.spec.model_dump(exclude={"citation", "title", "title_en", "basis", "reason"}) for i in get(old)
        }
        b_items = {
            i.id: i.spec.model_dump(exclude={"citation", "title", "title_en", "basis", "reason"}) for i in get(new)
        }
        for item_id in sorted(set(a_items) | set(b_items)):
            a, b = a_items.get(item_id), b_items.get(item_id)
            if a != b:
                changes.append(
                    Change(kind, item_id, "added" if a is None else "removed" if b is None else "changed", a, b)
                )
    return changes


@dataclass
class LedgerDiff:
    records: int = 0
    status_changed: int = 0
    transitions: dict[str, int] = field(default_factory=dict)  # "pass→fail": n
    rule_flips: dict[str, dict[str, int]] = field(default_factory=dict)  # rule: {"pass→fail": n}
    subsidy_old: Decimal = Decimal(0)
    subsidy_new: Decimal = Decimal(0)
    errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "status_changed": self.status_changed,
            "transitions": self.transitions,
            "rule_flips": self.rule_flips,
            "subsidy_old": f"{self.subsidy_old:.2f}",
            "subsidy_new": f"{self.subsidy_new:.2f}",
            "subsidy_change": f"{self.subsidy_new - self.subsidy_old:.2f}",
            "errors": self.errors,
        }


def _amount(report: Any) -> Decimal:
    return sum((line.amount for line in report.subsidies if line.amount is not None), Decimal(0))


def diff_ledger(old: Any, new: Any, rows: Iterable[Any], as_of: datetime.date) -> LedgerDiff:
    """Re-run a ledger under two policies (``Policy`` objects) and count what changes."""
    out = LedgerDiff()
    rows = list(rows)
    for a, b in zip(old.evaluate_many(rows, as_of=as_of), new.evaluate_many(rows, as_of=as_of), strict=True):
        if a.status == "error":
            out.errors += 1
            continue
        out.records += 1
        if a.status != b.status:
            out.status_changed += 1
            key = f"{a.status}→{b.status}"
            out.transitions[key] = out.transitions.get(key, 0) + 1
        before = {r: a.outcome(r) for r in {f.rule.id for f in a.findings}}
        after = {r: b.outcome(r) for r in {f.rule.id for f in b.findings}}
        for rule in sorted(set(before) | set(after)):
            x, y = before.get(rule, "absent"), after.get(rule, "absent")
            if x != y:
                flips = out.rule_flips.setdefault(rule, {})
                flips[f"{x}→{y}"] = flips.get(f"{x}→{y}", 0) + 1
        out.subsidy_old += _amount(a)
        out.subsidy_new += _amount(b)
    return out


# ---- test coverage -------------------------------------------------------------------------------------------------


@dataclass
class Coverage:
    policy: str
    examples: int
    failed_examples: list[str]
    items: dict[str, dict[str, bool]]  # id -> {"pass": bool, "fail": bool, "boundary": bool | None}

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

    def missing(self) -> list[str]:
        out = []
        for item_id, item in self.items.items():
            for key in ("pass", "fail", "boundary"):
                if item.get(key) is False:
                    out.append(
                        f"{item_id}: no {key} example" if key != "boundary" else f"{item_id}: boundary not exercised"
                    )
        return out


def test_coverage(policy: CompiledPolicy) -> Coverage:
    """Run the embedded examples; record which rules and lines they show passing and failing, and boundaries."""
    results = run_examples(policy)
    items: dict[str, dict[str, Any]] = {}
    own_rules = [r for r in policy.rules if r.origin.policy == policy.id]
    for r in own_rules:
        items[r.id] = {
            "pass": False,
            "fail": False,
            "boundary": False if (r.spec.op in (">=", "<=", ">", "<") and (r.required or r.by_year)) else None,
        }
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
                try:
                    if (
                        f.observed is not None
                        and f.required is not None
                        and (
                            Decimal(f.observed) == Decimal(f.required)
                            or abs(Decimal(f.observed) - Decimal(f.required)) <= 1
                        )
                    ):
                        entry["boundary"] = True
                except (TypeError, ValueError, ArithmeticError):
                    pass
        lines_: list[Any] = [*report.subsidies, *report.benefits]
        for line in lines_:
            entry = items.get(line.id)
            if entry is None:
                continue
            if line.eligible is True:
                entry["pass"] = True
            elif line.eligible is False and entry.get("fail") is not None:
                entry["fail"] = True
    # a rule with a pass exactly at the threshold also covers the boundary of its check-form
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


def github_annotations(results: list[tuple[str, list[Problem]]]) -> list[str]:
    lines = []
    for file, problems in results:
        for p in problems:
            level = "error" if p.severity == "error" else "warning"
            loc = p.location
            where = f"file={loc.file or file}"
            if loc.line:
                where += f",line={loc.line}"
            if loc.column:
                where += f",col={loc.column}"
            message = p.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            lines.append(f"::{level} {where},title={p.code}::{message}")
    return lines


def sarif(results: list[tuple[str, list[Problem]]]) -> dict[str, Any]:
    codes = sorted({p.code for _, problems in results for p in problems})
    out_results = []
    for file, problems in results:
        for p in problems:
            region = {}
            if p.location.line:
                region["startLine"] = p.location.line
            if p.location.column:
                region["startColumn"] = p.location.column
            physical: dict[str, Any] = {"artifactLocation": {"uri": p.location.file or file}}
            if region:
                physical["region"] = region
            out_results.append(
                {
                    "ruleId": p.code,
                    "level": "error" if p.severity == "error" else "warning",
                    "message": {"text": f"{p.message} / {p.message_en}"},
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
                        "rules": [{"id": c, "name": c} for c in codes],
                    }
                },
                "results": out_results,
            }
        ],
    }


# ---- date hygiene --------------------------------------------------------------------------------------------------


def date_hygiene(policy: CompiledPolicy, today: datetime.date, expiring_within: int | None) -> list[Problem]:
    """Warnings about dates: expiring policies, targets past the policy's end, values older than the policy."""
    from .source import load_yaml_file

    doc = load_yaml_file(policy.file)
    m: PolicyModel = policy.model

    def warn(path: tuple[Any, ...], code: str, zh: str, en: str) -> Problem:
        line, column = doc.where(path)
        return Problem(code, zh, en, Location(file=policy.file, line=line, column=column), "warning")

    out = []
    until = m.in_force.until
    if until is not None:
        if until < today:
            out.append(
                warn(
                    ("in_force", "until"), "policy.expired", f"策略已于 {until} 失效", f"the policy expired on {until}"
                )
            )
        elif expiring_within is not None and (until - today).days <= expiring_within:
            out.append(
                warn(
                    ("in_force", "until"),
                    "policy.expiring",
                    f"策略将于 {until} 失效（{(until - today).days} 天后）",
                    f"the policy expires on {until}, in {(until - today).days} days",
                )
            )
    for key, document in m.documents.items():
        if document.in_force and document.in_force.until and document.in_force.until < today:
            out.append(
                warn(
                    ("documents", key),
                    "policy.document-expired",
                    f"文件 {key} 已于 {document.in_force.until} 失效",
                    f"document {key} expired on {document.in_force.until}",
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
                        f"规则 {rule.id} 的 {year} 年目标晚于策略有效期（{until}）",
                        f"rule {rule.id} has a {year} target after the policy ends ({until})",
                    )
                )
    for name, param in m.parameters.items():
        for j, value in enumerate(param.values):
            if (
                value.since < m.in_force.from_
                and not m.extends
                and j == 0
                and value.since.year < m.in_force.from_.year - 5
            ):
                out.append(
                    warn(
                        ("parameters", name, "values", j, "since"),
                        "policy.value-before-period",
                        f"参数 {name} 的取值日期 {value.since} 远早于策略生效日期",
                        f"{name} dates from long before the policy",
                    )
                )
    return out


# ---- budget ----------------------------------------------------------------------------------------------------------


@dataclass
class Budget:
    months: int
    totals: dict[str, Decimal] = field(default_factory=dict)
    totals_min: dict[str, Decimal] = field(default_factory=dict)
    totals_max: dict[str, Decimal] = field(default_factory=dict)
    eligible: dict[str, int] = field(default_factory=dict)
    open_amount: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, Decimal] = field(default_factory=dict)
    by_form: dict[str, Decimal] = field(default_factory=dict)
    records: int = 0
    errors: int = 0
    stated: Decimal | None = None
    stated_period: str | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        def money(table: dict[str, Decimal]) -> dict[str, str]:
            return {k: f"{v:.2f}" for k, v in sorted(table.items())}

        out: dict[str, Any] = {
            "months": self.months,
            "records": self.records,
            "errors": self.errors,
            "total": f"{self.total:.2f}",
            "by_subsidy": money(self.totals),
            "by_subsidy_min": money(self.totals_min),
            "by_subsidy_max": money(self.totals_max),
            "eligible": dict(sorted(self.eligible.items())),
            "eligible_amount_open": dict(sorted(self.open_amount.items())),
            "by_district": money(self.by_district),
            "by_form": money(self.by_form),
        }
        if self.stated is not None:
            out["budget"] = f"{self.stated:.2f}"
            out["budget_period"] = self.stated_period
            out["remaining"] = (
                f"{self.stated * self.months / 12 - self.total:.2f}"
                if self.stated_period == "year"
                else f"{self.stated - self.total:.2f}"
            )
        return out


def budget(policy: Any, rows: Iterable[Any], as_of: datetime.date, months: int = 12) -> Budget:
    """Each subsidy totalled over a ledger for ``months`` months (monthly × months, yearly × months/12, once × 1)."""
    out = Budget(months)
    compiled: CompiledPolicy = policy.compiled
    if compiled.model.budget is not None:
        stated = compiled.params_at(as_of).point.get(compiled.model.budget.parameter)
        out.stated = Decimal(stated) if stated is not None else None
        out.stated_period = compiled.model.budget.period
    factor = {"month": Decimal(months), "year": Decimal(months) / 12, "once": Decimal(1)}
    for report in policy.evaluate_many(rows, as_of=as_of):
        if report.status == "error":
            out.errors += 1
            continue
        out.records += 1
        district = str(report.record.get("district", "—"))
        form = str(report.record.get("form", "—"))
        for line in report.subsidies:
            sid = line.id
            k = factor[line.subsidy.spec.period]
            if line.eligible:
                out.eligible[sid] = out.eligible.get(sid, 0) + 1
                if line.amount is None and line.amount_min is None:
                    out.open_amount[sid] = out.open_amount.get(sid, 0) + 1
            if line.amount is not None:
                value = (line.amount * k).quantize(Decimal("0.01"))
                out.totals[sid] = out.totals.get(sid, Decimal(0)) + value
                out.by_district[district] = out.by_district.get(district, Decimal(0)) + value
                out.by_form[form] = out.by_form.get(form, Decimal(0)) + value
            if line.amount_min is not None:
                out.totals_min[sid] = out.totals_min.get(sid, Decimal(0)) + (line.amount_min * k).quantize(
                    Decimal("0.01")
                )
                out.totals_max[sid] = out.totals_max.get(sid, Decimal(0)) + (line.amount_max * k).quantize(
                    Decimal("0.01")
                )
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


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
