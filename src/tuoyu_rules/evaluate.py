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
from .expressions import EVAL_ERRORS, Unknown
from .findings import BenefitLine, Finding, SubsidyLine, missing_fields, unknown_reason, value_or_none
from .report import Report

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
            _by_year(plan.targets, record, p, year, targets)
    subsidies: list[SubsidyLine] = []
    benefits: list[BenefitLine] = []
    if kind == "institution" and (policy.subsidies or policy.benefits):
        outcomes = _outcomes(policy, raw, targets) if policy.needs_outcomes else {}
        subsidies = [_subsidy(s, record, params, year, outcomes) for s in policy.subsidies]
        benefits = [_benefit(b, record, params, year, outcomes) for b in policy.benefits]
    warnings = [dict(w) for w in params.warnings] if params.warnings else []
    return Report(policy, record, kind, as_of, raw, targets, subsidies, benefits, warnings, year)


def _by_year(
    rules: tuple[CompiledRule, ...], record: Mapping[str, Any], p: Mapping[str, Any], year: int, targets: list[Finding]
) -> None:
    """The by-year rules of a record kind, through the generic path: several findings each (one per target year)."""
    outcomes: dict[str, str] = {}
    for rule in rules:
        if rule.subject != "subregion":
            _apply(rule, record, p, None, year, outcomes, targets, None, None)
            continue
        items = record.get("subregions")
        if items is None:
            _without_subregions(rule, record, p, year, outcomes, targets)
            continue
        for k, item in enumerate(items):
            _apply(rule, item, p, record, year, outcomes, targets, f"subregions[{k}]", item.get("id"))


def _without_subregions(
    rule: CompiledRule,
    record: Mapping[str, Any],
    p: Mapping[str, Any],
    year: int,
    outcomes: dict[str, str],
    targets: list[Finding],
) -> None:
    """A subregion rule of a record without subregions: unknown once a target is due, else not due yet."""
    if any(y <= year for y, _ in rule.by_year):
        _unknown(
            rule,
            r=record,
            p=p,
            parent=None,
            year=year,
            outcomes=outcomes,
            findings=targets,
            subject=None,
            subject_id=None,
            missing=("subregions",),
            exc=None,
        )
        return
    # nothing is due yet: say so, and what is missing
    targets.append(
        Finding(
            rule=rule,
            outcome="not_due",
            observed=None,
            required=None,
            subject=None,
            subject_id=None,
            year=rule.by_year[0][0],
            progress=None,
            missing=("subregions",),
            reason=None,
            args=(record, p, None, year, outcomes, None, None, None),
        )
    )


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
        _unknown(
            rule,
            r=r,
            p=p,
            parent=parent,
            year=year,
            outcomes=outcomes,
            findings=findings,
            subject=subject,
            subject_id=subject_id,
            missing=None,
            exc=exc,
        )
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
            observed = value_or_none(rule.observed, args)
            required = value_or_none(rule.required, args) if rule.required else target
        else:
            observed = rule.observed(*args)  # type: ignore[misc]
            required = rule.required(*args) if rule.required is not None else target
            ok = rule.op(observed, required)  # type: ignore[misc]
    except EVAL_ERRORS as exc:
        _unknown(
            rule,
            r=r,
            p=p,
            parent=parent,
            year=year,
            outcomes=outcomes,
            findings=findings,
            subject=subject,
            subject_id=subject_id,
            missing=None,
            exc=exc,
            target_year=target_year,
        )
        return
    outcome = "pass" if ok else "fail"
    _note(outcomes, rule.id, outcome)
    findings.append(
        Finding(
            rule=rule,
            outcome=outcome,
            observed=observed,
            required=required,
            subject=subject,
            subject_id=subject_id,
            year=target_year,
            progress=None,
            missing=(),
            reason=None,
            args=(*args, observed, required),
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
                rule,
                r=r,
                p=p,
                parent=parent,
                year=year,
                outcomes=outcomes,
                findings=findings,
                subject=subject,
                subject_id=subject_id,
                missing=(f"parameter {value}",),
                exc=None,
                target_year=y,
            )
        else:
            _judge(rule, r, p, parent, year, outcomes, findings, subject, subject_id, target, y)
    for y, value in rule.by_year:
        if y <= year:
            continue
        target = p.get(value) if isinstance(value, str) else value
        args = (r, p, parent, year, outcomes, target)
        observed = value_or_none(rule.observed, args)
        progress = None
        missing: tuple[str, ...] = ()
        if observed is None and rule.observed is not None:
            missing = missing_fields(rule.reads, r, parent, p)
        elif target:
            try:
                progress = (Decimal(observed) / Decimal(target)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            except (TypeError, ValueError, ArithmeticError):
                progress = None
        _note(outcomes, rule.id, "not_due")
        findings.append(
            Finding(
                rule=rule,
                outcome="not_due",
                observed=observed,
                required=target,
                subject=subject,
                subject_id=subject_id,
                year=y,
                progress=progress,
                missing=missing,
                reason=None,
                args=(*args, observed, target),
            )
        )


def _unknown(
    rule: CompiledRule,
    *,
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
        missing = missing_fields(rule.reads, r, parent, p)
    reason = None
    if not missing and exc is not None:
        reason = unknown_reason(exc)
        if isinstance(exc, KeyError):
            missing = (str(exc.args[0]),)
    _note(outcomes, rule.id, "unknown")
    findings.append(
        Finding(
            rule=rule,
            outcome="unknown",
            observed=None,
            required=None,
            subject=subject,
            subject_id=subject_id,
            year=target_year,
            progress=None,
            missing=missing,
            reason=reason,
            args=(r, p, parent, year, outcomes, None, None, None),
        )
    )


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
        eligible, missing = None, missing_fields(s.reads, r, None, p) or _why(exc)
    if eligible is not False:
        for ex in s.exclusions:
            try:
                if ex.when(*args):
                    eligible, excluded_by, missing = False, ex, ()
                    break
            except EVAL_ERRORS as exc:
                eligible = None
                missing = (*missing, *(missing_fields(ex.reads, r, None, p) or _why(exc)))
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
    return (unknown_reason(exc),)


def _benefit(
    bf: CompiledBenefit, r: Mapping[str, Any], params: ParamSet, year: int, outcomes: dict[str, str]
) -> BenefitLine:
    args = (r, params.point, None, year, outcomes, None)
    missing: tuple[str, ...] = ()
    try:
        eligible: bool | None = bool(bf.eligible(*args))
    except EVAL_ERRORS as exc:
        eligible, missing = None, missing_fields(bf.reads, r, None, params.point) or _why(exc)
    value = value_or_none(bf.value, args) if bf.value is not None else None
    return BenefitLine(bf, eligible, value, missing)
