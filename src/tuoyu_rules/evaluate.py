"""CompiledPolicy + record + as_of -> findings, subsidy and benefit lines. Pure: no I/O, no global state.

A missing field raises ``KeyError`` inside a compiled expression (records carry no key for missing data); it is
caught here and becomes the outcome ``unknown`` with the missing fields named. Messages are not rendered here:
findings keep what their templates need and :mod:`.report` renders them when asked.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .compiler import CompiledBenefit, CompiledPolicy, CompiledRule, CompiledSubsidy, ParamSet
from .expressions import EVAL_ERRORS, Undefined, Unknown
from .report import BenefitLine, Finding, Report, SubsidyLine

CENT = Decimal("0.01")
_RANK = {"fail": 3, "unknown": 2, "pass": 1, "not_due": 0}


def money(value: Any) -> Decimal:
    """Yuan to two places, ROUND_HALF_UP."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"not an amount: {value!r}")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def evaluate_record(policy: CompiledPolicy, record: Mapping[str, Any], as_of: datetime.date) -> Report:
    """Evaluate one normalized record (see :func:`tuoyu_rules.records.normalize_record`)."""
    kind = record.get("kind", "institution")
    params = policy.params_at(as_of)
    p = params.point
    year = record.get("year", as_of.year) if kind == "region" else as_of.year
    raw: list[tuple[Any, ...]] = []
    targets: list[Finding] = []
    plan = policy.plans.get(kind)
    if plan is not None:
        plan.main(record, p, year, raw)
        if plan.targets:
            outcomes: dict[str, str] = {}
            for rule in plan.targets:
                if rule.subject == "subregion":
                    items = record.get("subregions")
                    if items is None:
                        if any(y <= year for y, _ in rule.by_year):
                            _unknown(rule, record, p, None, year, outcomes, targets, None, None, ("subregions",), None)
                        else:  # nothing is due yet: say so, and what is missing
                            first = rule.by_year[0]
                            targets.append(
                                Finding(
                                    rule,
                                    "not_due",
                                    None,
                                    None,
                                    None,
                                    None,
                                    first[0],
                                    None,
                                    ("subregions",),
                                    None,
                                    (record, p, None, year, outcomes, None, None, None),
                                )
                            )
                        continue
                    for k, item in enumerate(items):
                        _apply(rule, item, p, record, year, outcomes, targets, f"subregions[{k}]", item.get("id"))
                else:
                    _apply(rule, record, p, None, year, outcomes, targets, None, None)
    subsidies: list[SubsidyLine] = []
    benefits: list[BenefitLine] = []
    if kind == "institution" and (policy.subsidies or policy.benefits):
        outcomes = _outcomes(policy, raw, targets) if policy.needs_outcomes else {}
        subsidies = [_subsidy(s, record, params, year, outcomes) for s in policy.subsidies]
        benefits = [_benefit(b, record, params, year, outcomes) for b in policy.benefits]
    warnings = [dict(w) for w in params.warnings] if params.warnings else []
    return Report(policy, record, kind, as_of, raw, targets, subsidies, benefits, warnings, year)


def _outcomes(policy: CompiledPolicy, raw: list[tuple[Any, ...]], targets: list[Finding]) -> dict[str, str]:
    """The rules that failed or are unknown so far, for ``passes()`` (a rule not named here passed or did not apply)."""
    rules = policy.rules
    outcomes: dict[str, str] = {}
    for entry in raw:
        ok = entry[1]
        if ok is True:  # most findings pass: nothing to note
            continue
        rule_id = rules[entry[0]].id
        if ok is False:
            outcomes[rule_id] = "fail"
        elif outcomes.get(rule_id) != "fail":
            outcomes[rule_id] = "unknown"
    for finding in targets:
        _note(outcomes, finding.rule.id, finding.outcome)
    return outcomes


def raw_to_finding(policy: CompiledPolicy, entry: tuple[Any, ...], year: int, p: Mapping[str, Any]) -> Finding:
    """Turn a raw finding of the fused functions into a :class:`Finding` (only when a report is read)."""
    index, ok, observed, required, label, subject, parent = entry
    rule = policy.rules[index]
    subject_name = subject_id = None
    if label is not None:
        subject_name = f"{label[0]}[{label[1]}]"
        subject_id = subject.get("id") if isinstance(subject, Mapping) else None
    args: tuple[Any, ...] = (subject, p, parent, year, {}, None)
    if ok is True or ok is False:
        if rule.check is not None:
            observed = _safe(rule.observed, args)
            required = _safe(rule.required, args)
        return Finding(
            rule,
            "pass" if ok else "fail",
            observed,
            required,
            subject_name,
            subject_id,
            None,
            None,
            (),
            None,
            (*args, observed, required),
        )
    missing = _missing(rule.reads, subject, parent, p)
    reason = None
    if not missing:
        if isinstance(ok, KeyError):
            missing = (str(ok.args[0]),)
        else:
            reason = _reason(ok)
    return Finding(
        rule, "unknown", None, None, subject_name, subject_id, None, None, missing, reason, (*args, None, None)
    )


def _note(outcomes: dict[str, str], rule_id: str, outcome: str) -> None:
    if _RANK[outcome] > _RANK.get(outcomes.get(rule_id, "pass"), -1) or rule_id not in outcomes:
        outcomes[rule_id] = outcome


def _apply(
    rule: CompiledRule,
    r: Mapping[str, Any],
    p: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    year: int,
    outcomes: dict[str, str],
    findings: list[Finding],
    subject: str | None,
    subject_id: Any,
) -> None:
    try:
        if rule.when is not None and not rule.when(r, p, parent, year, outcomes, None):
            return
    except EVAL_ERRORS as exc:
        _unknown(rule, r, p, parent, year, outcomes, findings, subject, subject_id, None, exc)
        return
    if rule.by_year:
        _targets(rule, r, p, parent, year, outcomes, findings, subject, subject_id)
        return
    _judge(rule, r, p, parent, year, outcomes, findings, subject, subject_id, None, None)


def _judge(
    rule: CompiledRule,
    r: Mapping[str, Any],
    p: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    year: int,
    outcomes: dict[str, str],
    findings: list[Finding],
    subject: str | None,
    subject_id: Any,
    target: Any,
    target_year: int | None,
) -> None:
    args = (r, p, parent, year, outcomes, target)
    try:
        if rule.check is not None:
            ok = bool(rule.check(*args))
            observed = _safe(rule.observed, args)
            required = _safe(rule.required, args) if rule.required else target
        else:
            observed = rule.observed(*args)  # type: ignore[misc]
            required = rule.required(*args) if rule.required is not None else target
            ok = rule.op(observed, required)  # type: ignore[misc]
    except EVAL_ERRORS as exc:
        _unknown(rule, r, p, parent, year, outcomes, findings, subject, subject_id, None, exc, target_year)
        return
    outcome = "pass" if ok else "fail"
    _note(outcomes, rule.id, outcome)
    findings.append(
        Finding(
            rule,
            outcome,
            observed,
            required,
            subject,
            subject_id,
            target_year,
            None,
            (),
            None,
            (*args, observed, required),
        )
    )


def _targets(
    rule: CompiledRule,
    r: Mapping[str, Any],
    p: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    year: int,
    outcomes: dict[str, str],
    findings: list[Finding],
    subject: str | None,
    subject_id: Any,
) -> None:
    due = [(y, v) for y, v in rule.by_year if y <= year]
    if due:
        y, value = due[-1]
        target = p.get(value) if isinstance(value, str) else value
        if target is None:
            _unknown(
                rule, r, p, parent, year, outcomes, findings, subject, subject_id, (f"parameter {value}",), None, y
            )
        else:
            _judge(rule, r, p, parent, year, outcomes, findings, subject, subject_id, target, y)
    for y, value in rule.by_year:
        if y <= year:
            continue
        target = p.get(value) if isinstance(value, str) else value
        args = (r, p, parent, year, outcomes, target)
        observed = _safe(rule.observed, args)
        progress = None
        missing: tuple[str, ...] = ()
        if observed is None and rule.observed is not None:
            missing = _missing(rule.reads, r, parent, p)
        elif target:
            try:
                progress = (Decimal(observed) / Decimal(target)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            except (TypeError, ValueError, ArithmeticError):
                progress = None
        _note(outcomes, rule.id, "not_due")
        findings.append(
            Finding(
                rule,
                "not_due",
                observed,
                target,
                subject,
                subject_id,
                y,
                progress,
                missing,
                None,
                (*args, observed, target),
            )
        )


def _safe(fn: Any, args: tuple[Any, ...]) -> Any:
    if fn is None:
        return None
    try:
        return fn(*args)
    except EVAL_ERRORS:
        return None


def _unknown(
    rule: CompiledRule,
    r: Mapping[str, Any],
    p: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    year: int,
    outcomes: dict[str, str],
    findings: list[Finding],
    subject: str | None,
    subject_id: Any,
    missing: tuple[str, ...] | None,
    exc: BaseException | None,
    target_year: int | None = None,
) -> None:
    if missing is None:
        missing = _missing(rule.reads, r, parent, p)
    reason = None
    if not missing and exc is not None:
        reason = _reason(exc)
        if isinstance(exc, KeyError):
            missing = (str(exc.args[0]),)
    _note(outcomes, rule.id, "unknown")
    findings.append(
        Finding(
            rule,
            "unknown",
            None,
            None,
            subject,
            subject_id,
            target_year,
            None,
            missing,
            reason,
            (r, p, parent, year, outcomes, None, None, None),
        )
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, Undefined):
        return str(exc)
    if isinstance(exc, Unknown):
        return "depends on a rule whose outcome is unknown"
    return f"{type(exc).__name__}: {exc}"


def _missing(
    reads: tuple[str, ...], r: Mapping[str, Any], parent: Mapping[str, Any] | None, p: Mapping[str, Any]
) -> tuple[str, ...]:
    """Which of the fields a rule reads are absent from the record (slow path: only for unknown findings)."""
    out: list[str] = []
    for path in reads:
        base: Any = r
        parts = path.split(".")
        if parent is not None and parts[0] in ("institution", "region"):
            base, parts = parent, parts[1:]
        _walk(base, parts, [], out)
    return tuple(dict.fromkeys(out))


def _walk(node: Any, parts: list[str], done: list[str], out: list[str]) -> None:
    if not parts:
        return
    head = parts[0]
    is_list = head.endswith("[]")
    name = head[:-2] if is_list else head
    if not isinstance(node, Mapping) or name not in node:
        out.append(".".join([*done, name]))
        return
    value = node[name]
    if is_list:
        for i, item in enumerate(value if isinstance(value, list) else []):
            _walk(item, parts[1:], [*done, f"{name}[{i}]"], out)
    else:
        _walk(value, parts[1:], [*done, name], out)


def _subsidy(
    s: CompiledSubsidy, r: Mapping[str, Any], params: ParamSet, year: int, outcomes: dict[str, str]
) -> SubsidyLine:
    p = params.point
    args = (r, p, None, year, outcomes, None)
    eligible: bool | None
    missing: tuple[str, ...] = ()
    excluded_by = None
    try:
        eligible = bool(s.eligible(*args))
    except EVAL_ERRORS as exc:
        eligible, missing = None, _missing(s.reads, r, None, p) or _why(exc)
    if eligible is not False:
        for ex in s.exclusions:
            try:
                if ex.when(*args):
                    eligible, excluded_by, missing = False, ex, ()
                    break
            except EVAL_ERRORS as exc:
                eligible = None
                missing = (*missing, *(_missing(ex.reads, r, None, p) or _why(exc)))
    amount = amount_min = amount_max = None
    amount_missing: tuple[str, ...] = ()
    if eligible is False:
        amount = amount_min = amount_max = Decimal("0.00")
    elif eligible and s.amount is not None:
        if params.unspecified.isdisjoint(s.amount_params):
            try:
                if not params.ranged.isdisjoint(s.amount_params):
                    amount_min = money(s.amount(r, params.low, None, year, outcomes, None))
                    amount_max = money(s.amount(r, params.high, None, year, outcomes, None))
                else:
                    amount = amount_min = amount_max = money(s.amount(*args))
            except EVAL_ERRORS as exc:
                amount_missing = _why(exc)
    return SubsidyLine(
        s,
        eligible,
        amount,
        amount_min,
        amount_max,
        (*missing, *amount_missing),
        excluded_by,
        args,
        not params.unspecified.isdisjoint(s.amount_params),
    )


def _why(exc: BaseException) -> tuple[str, ...]:
    if isinstance(exc, KeyError):
        return (str(exc.args[0]),)
    if isinstance(exc, Unknown):
        return ("rules",)
    return (_reason(exc),)


def _benefit(
    bf: CompiledBenefit, r: Mapping[str, Any], params: ParamSet, year: int, outcomes: dict[str, str]
) -> BenefitLine:
    args = (r, params.point, None, year, outcomes, None)
    missing: tuple[str, ...] = ()
    try:
        eligible: bool | None = bool(bf.eligible(*args))
    except EVAL_ERRORS as exc:
        eligible, missing = None, _missing(bf.reads, r, None, params.point) or _why(exc)
    value = _safe(bf.value, args) if bf.value is not None else None
    return BenefitLine(bf, eligible, value, missing)
