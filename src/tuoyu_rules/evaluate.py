"""CompiledPolicy + record + as_of -> findings, subsidy and benefit lines. Pure: no I/O, no global state.

A missing field raises ``KeyError`` inside a compiled expression (records carry no key for missing data); it is
caught here and becomes the outcome ``unknown`` with the missing fields named. Messages are not rendered here:
findings keep what their templates need and :mod:`.report` renders them when asked.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from .compiler import CompiledBenefit, CompiledPolicy, CompiledRule, CompiledSubsidy, ParamSet
from .errors import RecordError
from .expressions import EVAL_ERRORS, Undecided, Unknown
from .findings import Finding, missing_fields, unknown_reason, value_or_none
from .report import Report, shared_texts, unread_warning
from .text import DECIMAL_CONTEXT

CENT = Decimal("0.01")
_RANK = {"fail": 3, "unknown": 2, "pass": 1, "not_due": 0}


def money(value: Any) -> Decimal:
    """Yuan to two places, ROUND_HALF_UP."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"not an amount: {value!r}")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def reference_date(record: Mapping[str, Any], kind: str, as_of: datetime.date) -> datetime.date:
    """The date a record speaks of: ``as_of``, or the end of a region record's statistics year when that is
    another year (the statistics of 2022 describe the end of 2022)."""
    year = record.get("year") if kind == "region" else None
    if isinstance(year, int) and not isinstance(year, bool) and year != as_of.year and 1 <= year <= 9999:
        return datetime.date(year, 12, 31)
    return as_of


def evaluate_record(policy: CompiledPolicy, record: Mapping[str, Any], as_of: datetime.date) -> Report:
    """Evaluate one normalized record (see :func:`tuoyu_rules.records.normalize_record`), in the engine's own
    decimal context whatever the caller's is."""
    with localcontext(DECIMAL_CONTEXT):
        return _evaluate(policy, record, as_of)


def _evaluate(policy: CompiledPolicy, record: Mapping[str, Any], as_of: datetime.date) -> Report:
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
            _generic(plan.targets, record, _Ctx(p, year, reference_date(record, kind, as_of), {}, targets))
    subsidies: tuple[tuple[Any, ...], ...] = ()
    benefits: tuple[tuple[Any, ...], ...] = ()
    outcomes: dict[str, str] = {}
    if kind == "institution" and (policy.subsidies or policy.benefits):
        outcomes = _outcomes(policy, raw, targets) if policy.needs_outcomes else outcomes
        subsidies = tuple([_subsidy(s, record, params, year, outcomes) for s in policy.subsidies])
        benefits = tuple([_benefit(b, record, params, year, outcomes) for b in policy.benefits])
    return Report(policy, record, kind, as_of, year, raw, targets, subsidies, benefits, outcomes, params.warnings)


# codes of a refused value (the checker dropped it); any other problem (no id, an unknown kind, two columns that
# disagree, an unreadable row) leaves no record to check
_VALUE_CODES = frozenset(
    {
        "record.not-a-number",
        "record.not-an-integer",
        "record.negative",
        "record.not-finite",
        "record.too-large",
        "record.not-a-boolean",
        "record.unknown-value",
        "record.bad-type",
        "record.bad-separator",
        "record.number-too-long",
        "record.too-deep",
    }
)


def evaluate_despite(policy: CompiledPolicy, error: RecordError, as_of: datetime.date) -> Report | None:
    """The report of a record whose only problems are refused values in fields no rule, subsidy or benefit of the
    policy reads: checked without those values (exactly as if their cells were empty, which nothing reads), each
    problem a warning on the report. None when some problem matters (the record stays an error row)."""
    record = error.record
    if record is None or not error.problems:
        return None
    kind = record.get("kind", "institution")
    for p in error.problems:
        field = p.location.field
        if p.code not in _VALUE_CODES or field is None or policy.reads_field(kind, field):
            return None
    report = evaluate_record(policy, record, as_of)
    report._warnings = (*report._warnings, *(unread_warning(p) for p in error.problems))
    return report


@dataclass(slots=True)
class _Ctx:
    """What the generic path shares while it judges one record: parameters, year, reference date, findings."""

    p: Mapping[str, Any]
    year: int
    on: datetime.date
    outcomes: dict[str, str]
    findings: list[Finding]


_LISTS = {"class": "classes", "staff": "staff"}
_LEVELS = ("national", "province", "city", "county", "township", "community")  # from the widest down


def _generic(rules: tuple[CompiledRule, ...], record: Mapping[str, Any], ctx: _Ctx) -> None:
    """The rules the fused function leaves out (dated, level-bound, about subregions), one by one."""
    for rule in rules:
        if rule.by_year and not _entries(rule, ctx):
            continue  # a target of a plan that has ended is not a requirement of a later year (the report warns)
        if rule.applies_to is not None:
            _bound(rule, record, ctx)
        elif rule.subject == "subregion":
            _units(rule, record, ctx, None)
        elif rule.subject in _LISTS:
            name = _LISTS[rule.subject]
            items = record.get(name)
            if items is None:
                _unknown(rule, record, None, ctx, None, None, missing=(name,))
                continue
            for k, item in enumerate(items):
                _apply(rule, item, record, ctx, f"{name}[{k}]", item.get("id"))
        else:
            _apply(rule, record, None, ctx, None, None)


def _bound(rule: CompiledRule, record: Mapping[str, Any], ctx: _Ctx) -> None:
    """A target bound to a level: a record of that level is judged directly, a wider one through its units of
    that level (a region rule judges only records of its level), a narrower one not at all."""
    level = record.get("level")
    if level not in _LEVELS:
        _unknown(rule, record, None, ctx, None, None, missing=("level",))
    elif level == rule.applies_to:
        _apply(rule, record, None, ctx, None, None)
    elif rule.subject == "subregion" and _LEVELS.index(level) < _LEVELS.index(rule.applies_to or level):
        _units(rule, record, ctx, rule.applies_to)


def _units(rule: CompiledRule, record: Mapping[str, Any], ctx: _Ctx, level: str | None) -> None:
    """Each subregion (of ``level`` when given); none at all is unknown, never a pass."""
    found = False
    for k, item in enumerate(record.get("subregions") or ()):
        subject = f"subregions[{k}]"
        if level is not None and item.get("level") != level:
            if "level" not in item:
                _unknown(rule, item, record, ctx, subject, item.get("id"), missing=(f"{subject}.level",))
                found = True
            continue
        found = True
        _apply(rule, item, record, ctx, subject, item.get("id"))
    if not found:
        _no_units(rule, record, ctx)


def _no_units(rule: CompiledRule, record: Mapping[str, Any], ctx: _Ctx) -> None:
    """A rule about subregions of a record that lists none: unknown once a target is due, else not due yet."""
    entries = _entries(rule, ctx)
    pending = [(y, v) for y, v in entries if not _is_due(rule, y, ctx)]
    if not entries or len(pending) < len(entries):
        _unknown(rule, record, None, ctx, None, None, missing=("subregions",))
        return
    y, value = pending[0]
    target = ctx.p.get(value) if isinstance(value, str) else value
    _note(ctx.outcomes, rule.id, "not_due")
    ctx.findings.append(
        Finding(
            compiled_rule=rule,
            outcome="not_due",
            observed=None,
            required=target,
            subject=None,
            subject_id=None,
            year=y,
            progress=None,
            missing=("subregions",),
            reason=None,
            args=(record, ctx.p, None, ctx.year, ctx.outcomes, target, None, target),
        )
    )


def _entries(rule: CompiledRule, ctx: _Ctx) -> tuple[tuple[int, Any], ...]:
    """The target years that bind a record: after the plan's end, only years the policy states beyond it."""
    until = rule.until
    if until is None or ctx.on <= until:
        return rule.by_year
    return tuple((y, v) for y, v in rule.by_year if y > until.year)


def _is_due(rule: CompiledRule, year: int, ctx: _Ctx) -> bool:
    """Whether the target of ``year`` is due: on its stated due date, else from that year on."""
    due = rule.due_on(year)
    return ctx.on >= due if due is not None else year <= ctx.year


def _outcomes(policy: CompiledPolicy, raw: list[tuple[Any, ...]], targets: list[Finding]) -> dict[str, str]:
    """The rules that failed or are unknown so far, for ``passes()`` (a rule not named here passed or did not apply).
    An aim is not a requirement: it never keeps a subsidy from an institution."""
    rules = policy.rules
    outcomes: dict[str, str] = {}
    for entry in raw:
        ok = entry[1]
        if ok is True:  # most findings pass: nothing to note
            continue
        rule = rules[entry[0]]
        if rule.severity == "aim":
            continue
        rule_id = rule.id
        if ok is False:
            outcomes[rule_id] = "fail"
        elif outcomes.get(rule_id) != "fail":
            outcomes[rule_id] = "unknown"
    for finding in targets:
        if finding.severity != "aim":
            _note(outcomes, finding.rule, finding.outcome)
    return outcomes


def _note(outcomes: dict[str, str], rule_id: str, outcome: str) -> None:
    if _RANK[outcome] > _RANK.get(outcomes.get(rule_id, "pass"), -1) or rule_id not in outcomes:
        outcomes[rule_id] = outcome


def _apply(
    rule: CompiledRule,
    r: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    ctx: _Ctx,
    subject: str | None,
    subject_id: Any,
) -> None:
    try:
        if rule.when is not None and not rule.when(r, ctx.p, parent, ctx.year, ctx.outcomes, None):
            return
    except EVAL_ERRORS as exc:
        _unknown(rule, r, parent, ctx, subject, subject_id, exc=exc)
        return
    if rule.by_year:
        _targets(rule, r, parent, ctx, subject, subject_id)
    elif rule.due is not None and ctx.on < rule.due:
        _not_due(rule, r, parent, ctx, subject, subject_id, rule.due.year, None)
    else:
        _judge(rule, r, parent, ctx, subject, subject_id, None, None)


def _judge(
    rule: CompiledRule,
    r: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    ctx: _Ctx,
    subject: str | None,
    subject_id: Any,
    target: Any,
    target_year: int | None,
) -> None:
    args = (r, ctx.p, parent, ctx.year, ctx.outcomes, target)
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
        _unknown(rule, r, parent, ctx, subject, subject_id, exc=exc, target_year=target_year)
        return
    outcome = "pass" if ok else "fail"
    _note(ctx.outcomes, rule.id, outcome)
    ctx.findings.append(
        Finding(
            compiled_rule=rule,
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
    parent: Mapping[str, Any] | None,
    ctx: _Ctx,
    subject: str | None,
    subject_id: Any,
) -> None:
    """The latest due target year is judged; each later year gives a ``not_due`` finding with its progress."""
    entries = _entries(rule, ctx)
    due = [(y, v) for y, v in entries if _is_due(rule, y, ctx)]
    if due:
        y, value = due[-1]
        target = ctx.p.get(value) if isinstance(value, str) else value
        if target is None:
            reason = f"参数 {value} 在 {y} 年无取值 · parameter {value} has no value for {y}"
            _unknown(rule, r, parent, ctx, subject, subject_id, missing=(), target_year=y, reason=reason)
        else:
            _judge(rule, r, parent, ctx, subject, subject_id, target, y)
    for y, value in entries:
        if (y, value) not in due:
            target = ctx.p.get(value) if isinstance(value, str) else value
            _not_due(rule, r, parent, ctx, subject, subject_id, y, target)


def _not_due(
    rule: CompiledRule,
    r: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    ctx: _Ctx,
    subject: str | None,
    subject_id: Any,
    year: int,
    target: Any,
) -> None:
    args = (r, ctx.p, parent, ctx.year, ctx.outcomes, target)
    observed = value_or_none(rule.observed, args)
    required = target if target is not None else value_or_none(rule.required, args)
    progress = None
    missing: tuple[str, ...] = ()
    if observed is None and rule.observed is not None:
        missing = missing_fields(rule.reads, r, parent, ctx.p)
    elif required and observed is not None:
        try:
            progress = (Decimal(observed) / Decimal(required)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        except (TypeError, ValueError, ArithmeticError):
            progress = None
    _note(ctx.outcomes, rule.id, "not_due")
    ctx.findings.append(
        Finding(
            compiled_rule=rule,
            outcome="not_due",
            observed=observed,
            required=required,
            subject=subject,
            subject_id=subject_id,
            year=year,
            progress=progress,
            missing=missing,
            reason=None,
            args=(*args, observed, required),
        )
    )


def _unknown(
    rule: CompiledRule,
    r: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    ctx: _Ctx,
    subject: str | None,
    subject_id: Any,
    *,
    missing: tuple[str, ...] | None = None,
    exc: BaseException | None = None,
    target_year: int | None = None,
    reason: str | None = None,
) -> None:
    if missing is None:
        missing = (str(exc.args[0]),) if isinstance(exc, Undecided) else missing_fields(rule.reads, r, parent, ctx.p)
    if not missing and exc is not None:
        reason = unknown_reason(exc)
        if isinstance(exc, KeyError):
            missing, reason = (str(exc.args[0]),), None
    _note(ctx.outcomes, rule.id, "unknown")
    ctx.findings.append(
        Finding(
            compiled_rule=rule,
            outcome="unknown",
            observed=None,
            required=None,
            subject=subject,
            subject_id=subject_id,
            year=target_year,
            progress=None,
            missing=missing,
            reason=reason,
            args=(r, ctx.p, parent, ctx.year, ctx.outcomes, None, None, None),
        )
    )


def _subsidy(
    s: CompiledSubsidy, r: Mapping[str, Any], params: ParamSet, year: int, outcomes: dict[str, str]
) -> tuple[Any, ...]:
    """What a report keeps of a subsidy line (:func:`tuoyu_rules.findings.subsidy_line` builds the line)."""
    p = params.point
    args = (r, p, None, year, outcomes, None)
    eligible: bool | None
    missing: tuple[str, ...] = ()
    excluded_by = None
    try:
        eligible = bool(s.eligible(*args))
    except EVAL_ERRORS as exc:
        eligible, missing = None, _missing(s.reads, r, p, exc)
    if eligible is not False:
        for k, ex in enumerate(s.exclusions):
            try:
                if ex.when(*args):
                    eligible, excluded_by, missing = False, k, ()
                    break
            except EVAL_ERRORS as exc:
                eligible = None
                missing = (*missing, *_missing(ex.reads, r, p, exc))
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
    unspecified = not params.unspecified.isdisjoint(s.amount_params)
    missing = shared_texts((*missing, *amount_missing)) if missing or amount_missing else ()
    return eligible, amount, amount_min, amount_max, missing, excluded_by, unspecified


def _missing(reads: tuple[str, ...], r: Mapping[str, Any], p: Mapping[str, Any], exc: BaseException) -> tuple[str, ...]:
    """What would decide an undecided line: the fact ``unknown()`` names, else the fields it reads that are absent."""
    if isinstance(exc, Undecided):
        return (str(exc.args[0]),)
    return missing_fields(reads, r, None, p) or _why(exc)


def _why(exc: BaseException) -> tuple[str, ...]:
    if isinstance(exc, KeyError):
        return (str(exc.args[0]),)
    if isinstance(exc, Unknown):
        return ("rules",)
    return (unknown_reason(exc),)


def _benefit(
    bf: CompiledBenefit, r: Mapping[str, Any], params: ParamSet, year: int, outcomes: dict[str, str]
) -> tuple[Any, ...]:
    """What a report keeps of a benefit line: ``(eligible, value as computed, missing)``."""
    args = (r, params.point, None, year, outcomes, None)
    missing: tuple[str, ...] = ()
    try:
        eligible: bool | None = bool(bf.eligible(*args))
    except EVAL_ERRORS as exc:
        eligible, missing = None, _missing(bf.reads, r, params.point, exc)
    value = value_or_none(bf.value, args) if bf.value is not None else None
    return eligible, value, shared_texts(missing) if missing else ()
