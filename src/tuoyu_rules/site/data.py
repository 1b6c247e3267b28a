"""A compiled policy as the data of its web page: plain dicts of text, read by the templates (nothing computed there).

Every number shown comes from a parameter of the policy with its citation; nothing is derived that the policy does
not hold. Expressions are shown as written and, beside them, "in words": each field and parameter name replaced by
its Chinese (or English) label.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from ..authoring.clauses import clause_index
from ..authoring.common import parameters_used, unit_of, value_text
from ..compiler import CompiledParameter, CompiledPolicy, CompiledRule, Origin, load_compiled
from ..text import format_value
from ..vocabulary import HEADERS, VALUE_LABELS_ZH_ANY_FIELD

__all__ = ["anchor", "policy_page", "policy_summary"]

_FIELD_ZH: dict[str, str] = {}
for _header, _field in HEADERS.items():  # the first Chinese header of each field is its label
    if re.search(r"[\u4e00-\u9fff]", _header):
        _FIELD_ZH.setdefault(_field, _header)
_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|\b[a-z_][a-z0-9_]*\b")  # a quoted string, or a name
_KEYWORDS = {"and", "or", "not", "in", "if", "else", "true", "false", "none"}


def anchor(kind: str, name: str) -> str:
    """The fragment id of a parameter, rule, subsidy, benefit or clause on its policy page."""
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}"


def in_words(policy: CompiledPolicy, expr: str | None, lang: str) -> str:
    """An expression with each parameter and field name replaced by its label (``caregivers`` → 保育人员数)."""
    if not expr:
        return ""

    def label(m: re.Match[str]) -> str:
        name = m.group(0)
        if name[0] in "'\"":  # a quoted value: its Chinese label ('infant' → 乳儿班)
            return name if lang == "en" else VALUE_LABELS_ZH_ANY_FIELD.get(name[1:-1], name)
        if name in _KEYWORDS:
            return name
        param = policy.parameters.get(name)
        if param is not None:
            desc = param.spec.description_en if lang == "en" else param.spec.description
            return f"[{desc or name}]"
        return name if lang == "en" else _FIELD_ZH.get(name, name)

    return _TOKEN.sub(label, expr)


def _document(policy: CompiledPolicy, key: str) -> dict[str, Any]:
    doc = policy.documents.get(key)
    if doc is None:
        return {"key": key, "title": key}
    return {"key": key, "title": doc.title, "number": doc.number, "issuer": doc.issuer, "source": doc.source}


def _citation(policy: CompiledPolicy, c: Any) -> dict[str, Any] | None:
    if c is None:
        return None
    if isinstance(c, Mapping):
        return {k: c.get(k) for k in ("document", "clause", "quote", "number", "source")}
    doc = _document(policy, c.document)
    return {"document": doc["title"], "number": doc.get("number"), "clause": c.clause, "quote": c.quote}


def _layer(policy: CompiledPolicy, origin: Origin) -> dict[str, str]:
    """Which layer set a thing: the policy id and the level of its jurisdiction (national, province, city …)."""
    if origin.policy == policy.id:
        level = policy.model.jurisdiction.level
    else:  # a parent of the chain: compiled already, so this is a cache hit
        level = load_compiled(origin.file).model.jurisdiction.level
    return {"id": origin.policy, "level": level}


def _parameter(policy: CompiledPolicy, p: CompiledParameter, as_of: datetime.date) -> dict[str, Any]:
    spec, unit = p.spec, unit_of(p)
    now = p.value_at(as_of)
    return {
        "name": p.name,
        "anchor": anchor("param", p.name),
        "description": spec.description or "",
        "description_en": spec.description_en or spec.description or "",
        "type": spec.type,
        "unit": unit or "",
        "now": value_text(now, unit) if now is not None else "",
        "values": [
            {"since": v.since.isoformat(), "text": value_text(v, unit), "citation": _citation(policy, v.citation)}
            for v in sorted(spec.values, key=lambda v: v.since)
        ],
        "layer": _layer(policy, p.origin),
        "overridden": [
            {"layer": layer, "values": "; ".join(f"{v.since}: {value_text(v, below.unit)}" for v in below.values)}
            for layer, below in p.overridden
        ],
        "superseded_by": spec.superseded_by or "",
        "reason": spec.reason or "",
        "verified": spec.verified,
        "citation": _citation(policy, spec.citation),
        "used_by": [],
    }


def _examples_for(policy: CompiledPolicy, item_id: str) -> list[dict[str, str]]:
    out = []
    for ex in policy.model.examples:
        e = ex.expect
        if item_id in e.findings:
            out.append({"name": ex.name, "as_of": ex.as_of.isoformat(), "expect": e.findings[item_id]})
        elif item_id in e.subsidies or item_id in e.benefits:
            line = e.subsidies.get(item_id) or e.benefits.get(item_id)
            shown = {k: getattr(line, k) for k in sorted(line.model_fields_set)} if line else {}
            text = ", ".join(f"{k}={format_value(v)}" for k, v in shown.items())
            out.append({"name": ex.name, "as_of": ex.as_of.isoformat(), "expect": text})
    return out


def _params_of(policy: CompiledPolicy, item: Any, as_of: datetime.date) -> list[dict[str, str]]:
    out = []
    for name in parameters_used(policy, item):
        p = policy.parameters[name]
        now = p.value_at(as_of)
        out.append({"name": name, "anchor": anchor("param", name), "now": value_text(now, unit_of(p)) if now else "—"})
    return out


def _rule(policy: CompiledPolicy, r: CompiledRule, as_of: datetime.date, first: bool) -> dict[str, Any]:
    s = r.spec
    requirement = s.check or f"{s.observed} {s.op} {s.required if s.required is not None else 'by_year'}"
    by_year = [{"year": y, "value": format_value(v)} for y, v in sorted((s.by_year or {}).items())]
    return {
        "id": r.id,
        "anchor": anchor("rule", r.id) if first else anchor("rule", f"{r.id}-{r.index}"),
        "title": s.title or r.id,
        "title_en": s.title_en or s.title or r.id,
        "subject": r.subject,
        "severity": r.severity,
        "when": s.when or "",
        "when_zh": in_words(policy, s.when, "zh"),
        "when_en": in_words(policy, s.when, "en"),
        "requirement": requirement,
        "requirement_zh": in_words(policy, requirement, "zh"),
        "requirement_en": in_words(policy, requirement, "en"),
        "by_year": by_year,
        "message": s.message.zh,
        "message_en": s.message.en,
        "fix": s.fix.zh if s.fix else "",
        "fix_en": s.fix.en if s.fix else "",
        "parameters": _params_of(policy, r, as_of),
        "layer": _layer(policy, r.origin),
        "citation": _citation(policy, r.citation),
        "examples": _examples_for(policy, r.id),
    }


def _line(policy: CompiledPolicy, item: Any, kind: str, as_of: datetime.date) -> dict[str, Any]:
    s = item.spec
    exclusions = [{"zh": ex.reason.zh, "en": ex.reason.en or ex.reason.zh} for ex in getattr(s, "exclusions", ())]
    amount = getattr(s, "amount", None) if kind == "subsidy" else getattr(s, "value", None)
    return {
        "id": item.id,
        "anchor": anchor(kind, item.id),
        "title": s.title or item.id,
        "title_en": s.title_en or s.title or item.id,
        "period": getattr(s, "period", "") or "",
        "unit": getattr(s, "unit", "") or "",
        "eligible": s.eligible,
        "eligible_zh": in_words(policy, s.eligible, "zh"),
        "eligible_en": in_words(policy, s.eligible, "en"),
        "exclusions": exclusions,
        "amount": amount or "",
        "amount_open": amount is None,
        "parameters": _params_of(policy, item, as_of),
        "layer": _layer(policy, item.origin),
        "citation": _citation(policy, item.citation),
        "examples": _examples_for(policy, item.id),
    }


def policy_summary(policy: CompiledPolicy, today: datetime.date) -> dict[str, Any]:
    """What the index shows of a policy: its documents, period in force and whether that period has ended."""
    m = policy.model
    until = m.in_force.until
    own_docs = [_document(policy, key) for key in m.documents]
    return {
        "id": policy.id,
        "page": f"policy-{policy.id}.html",
        "name": m.name,
        "name_en": m.name_en or m.name,
        "jurisdiction": m.jurisdiction.name,
        "level": m.jurisdiction.level,
        "extends": m.extends or "",
        "from": m.in_force.from_.isoformat(),
        "until": until.isoformat() if until else "",
        "expired": bool(until and until < today),
        "documents": own_docs,
        "counts": {"parameters": len(policy.parameters), "rules": len(policy.rules)},
    }


def _clauses(policy: CompiledPolicy, targets: Mapping[str, str]) -> list[dict[str, Any]]:
    rows, _ = clause_index(policy)
    return [
        {
            **row,
            "anchor": anchor("clause", str(i)),
            "links": [{"name": ref, "anchor": targets.get(ref, "")} for ref in row["encoded_by"]],
        }
        for i, row in enumerate(rows, start=1)
    ]


def _disabled(policy: CompiledPolicy, rule: str, entry: Any) -> dict[str, Any]:
    """A parent's rule this policy turns off, with its reason and citation."""
    entry = entry if isinstance(entry, Mapping) else {}
    c = entry.get("citation") or {}
    doc = _document(policy, str(c.get("document", "")))
    cited = {"document": doc["title"], "number": doc.get("number"), "clause": c.get("clause"), "quote": c.get("quote")}
    return {"rule": rule, "reason": entry.get("reason", ""), "citation": cited if c else None}


def policy_page(policy: CompiledPolicy, as_of: datetime.date, today: datetime.date) -> dict[str, Any]:
    """Everything the page of one policy shows, as of ``as_of`` for the values in force."""
    params = {name: _parameter(policy, p, as_of) for name, p in policy.parameters.items()}
    seen: set[str] = set()
    rules = []
    for r in policy.rules:
        rules.append(_rule(policy, r, as_of, r.id not in seen))
        seen.add(r.id)
        for used in rules[-1]["parameters"]:
            params[used["name"]]["used_by"].append({"id": r.id, "anchor": rules[-1]["anchor"]})
    subsidies = [_line(policy, s, "subsidy", as_of) for s in policy.subsidies]
    benefits = [_line(policy, b, "benefit", as_of) for b in policy.benefits]
    targets = {p["name"]: p["anchor"] for p in params.values()}
    for item in (*subsidies, *benefits, *reversed(rules)):
        targets[item["id"]] = item["anchor"]
    disabled = [
        {
            "rule": k,
            "reason": v.get("reason", "") if isinstance(v, Mapping) else "",
            "citation": _citation(policy, None),
        }
        for k, v in policy.disabled.items()
    ]
    return {
        **policy_summary(policy, today),
        "parameters": list(params.values()),
        "rules": rules,
        "subsidies": subsidies,
        "benefits": benefits,
        "disabled": disabled,
        "clauses": _clauses(policy, targets),
        "chain": list(policy.chain),
    }
