"""Findings -> :class:`Report` and its JSON object (CONTRACT.md §4).

Messages are rendered here, when a report is turned into a dict, never in the evaluator's hot path.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from .text import format_value

if TYPE_CHECKING:
    from .compiler import CompiledBenefit, CompiledExclusion, CompiledPolicy, CompiledRule, CompiledSubsidy
    from .errors import Problem


def json_number(value: Any) -> Any:
    """A display value for JSON: integers stay integers, decimals become numbers rounded to four places."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [json_number(v) for v in value]
    return str(value)


def _both(value: Any) -> tuple[str, str]:
    """``format_value(value, "zh")`` and ``format_value(value, "en")``, formatted once when they cannot differ."""
    if type(value) is int:
        text = str(value)
        return text, text
    if value is None:
        return "—", "—"
    if type(value) is Decimal:
        text = format_value(value)
        return text, text
    return format_value(value, "zh"), format_value(value, "en")


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass(slots=True)
class Finding:
    """One rule applied to one subject: the record, or one class, staff member or subregion of it."""

    rule: CompiledRule
    outcome: str
    observed: Any
    required: Any
    subject: str | None
    subject_id: Any
    year: int | None
    progress: Decimal | None
    missing: tuple[str, ...]
    reason: str | None
    args: tuple[Any, ...] = field(repr=False, compare=False)

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @property
    def severity(self) -> str:
        return self.rule.severity

    def message(self, lang: str = "zh") -> str:
        if self.outcome == "fail":  # one template, rendered in the language asked for
            where = f"[{self.subject}] " if self.subject else ""
            return where + self.rule.message[0 if lang == "zh" else 1].render(self.args, lang)
        return self.messages()[0 if lang == "zh" else 1]

    def messages(self) -> tuple[str, str]:
        """The message in Chinese and in English, with the work they share done once (the title, the subject
        prefix, and a value that reads the same in both languages)."""
        rule = self.rule
        spec = rule.spec
        where = f"[{self.subject}] " if self.subject else ""
        if self.outcome == "fail":
            return (
                where + rule.message[0].render(self.args, "zh"),
                where + rule.message[1].render(self.args, "en"),
            )
        title = spec.title or rule.id
        title_en = spec.title_en or title
        if self.outcome == "unknown":
            what = "、".join(self.missing) if self.missing else (self.reason or "")
            return (
                f"{where}{title}：缺少 {what}，无法判断",
                f"{where}{title_en}: cannot decide, missing {', '.join(self.missing) or self.reason}",
            )
        o, o_en = _both(self.observed)
        q, q_en = _both(self.required)
        if self.outcome == "not_due":
            pct, pct_en = _both(self.progress * 100) if self.progress is not None else ("—", "—")
            if self.progress is not None:
                pct, pct_en = f"{pct}%", f"{pct_en}%"
            return (
                f"{where}{title}：{self.year} 年目标 {q}，当前 {o}（完成 {pct}），尚未到期",
                f"{where}{title_en}: target {q_en} for {self.year}, now {o_en} ({pct_en}); not yet due",
            )
        return (
            f"{where}{title}：符合要求（实际 {o}，要求 {q}）",
            f"{where}{title_en}: meets the requirement (observed {o_en}, required {q_en})",
        )

    def fix(self, lang: str = "zh") -> str | None:
        if self.outcome != "fail" or self.rule.fix is None:
            return None
        return self.rule.fix[0 if lang == "zh" else 1].render(self.args, lang)

    def to_dict(self) -> dict[str, Any]:
        rule = self.rule
        spec = rule.spec
        outcome = self.outcome
        message, message_en = self.messages()
        fix = fix_en = None
        if outcome == "fail" and rule.fix is not None:
            fix = rule.fix[0].render(self.args, "zh")
            fix_en = rule.fix[1].render(self.args, "en")
        observed, required = self.observed, self.required
        out: dict[str, Any] = {
            "rule": rule.id,
            "outcome": outcome,
            "severity": rule.severity,
            "message": message,
            "observed": observed if observed is None or type(observed) is int else json_number(observed),
            "required": required if required is None or type(required) is int else json_number(required),
            "fix": fix,
            "citation": rule.citation,
            "title": spec.title,
            "title_en": spec.title_en,
            "message_en": message_en,
            "fix_en": fix_en,
        }
        if self.subject is not None:
            out["subject"] = self.subject
            if self.subject_id is not None:
                out["subject_id"] = self.subject_id
        if self.year is not None:
            out["year"] = self.year
        if self.outcome == "not_due":
            out["progress"] = json_number(self.progress)
        if self.missing:
            out["missing"] = list(self.missing)
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(slots=True)
class SubsidyLine:
    """What one subsidy gives one institution."""

    subsidy: CompiledSubsidy
    eligible: bool | None
    amount: Decimal | None
    amount_min: Decimal | None
    amount_max: Decimal | None
    missing: tuple[str, ...]
    excluded_by: CompiledExclusion | None
    args: tuple[Any, ...] = field(repr=False, compare=False)
    unspecified: bool = False

    @property
    def id(self) -> str:
        return self.subsidy.id

    def to_dict(self) -> dict[str, Any]:
        s = self.subsidy
        basis = None
        if s.basis is not None and self.eligible:
            basis = s.basis[0].render(self.args, "zh")
        out: dict[str, Any] = {
            "id": s.id,
            "eligible": self.eligible,
            "amount": money_text(self.amount),
            "amount_min": money_text(self.amount_min),
            "amount_max": money_text(self.amount_max),
            "period": s.spec.period,
            "currency": "CNY",
            "basis": basis,
            "citation": s.citation,
            "title": s.spec.title,
            "title_en": s.spec.title_en,
        }
        if s.basis is not None and self.eligible:
            out["basis_en"] = s.basis[1].render(self.args, "en")
        if self.eligible is None:
            out["status"] = "unknown"
        if self.missing:
            out["missing"] = list(self.missing)
        if self.excluded_by is not None:
            out["excluded_by"] = {
                "reason": self.excluded_by.reason.zh,
                "reason_en": self.excluded_by.reason.en,
                "citation": self.excluded_by.citation,
            }
        if self.unspecified and self.eligible:
            out["note"] = "文件未规定具体金额，仅报告是否符合条件"
            out["note_en"] = "the document leaves the amount open; eligibility only"
        return out


@dataclass(slots=True)
class BenefitLine:
    """A non-cash benefit (prices, tax) and whether the record qualifies."""

    benefit: CompiledBenefit
    eligible: bool | None
    value: Any
    missing: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.benefit.id

    def to_dict(self, policy: CompiledPolicy | None = None) -> dict[str, Any]:
        b = self.benefit
        value: Any = None
        money, stated = _benefit_facts(policy, b) if policy is not None else (False, ())
        if self.value is not None:
            value = money_text(Decimal(self.value).quantize(Decimal("0.01"))) if money else json_number(self.value)
        out: dict[str, Any] = {
            "id": b.id,
            "eligible": self.eligible,
            "value": value,
            "unit": b.spec.unit,
            "citation": b.citation,
            "title": b.spec.title,
            "title_en": b.spec.title_en,
        }
        if self.missing:
            out["missing"] = list(self.missing)
        if stated:  # fresh dicts for every report, as before, copied from the cached ones
            out["stated"] = [{**d, "citation": dict(d["citation"])} for d in stated]
        return out


def _benefit_facts(policy: CompiledPolicy, b: CompiledBenefit) -> tuple[bool, tuple[dict[str, Any], ...]]:
    """Whether a benefit's value is money, and its superseded figures: the same for every report of a policy, so
    worked out once per (policy, benefit) rather than by a walk over all parameters per report."""

    def compute() -> tuple[bool, tuple[dict[str, Any], ...]]:
        money = any(policy.parameters[n].spec.type == "money" for n in b.value_params if n in policy.parameters)
        return money, tuple(_stated(policy, b.value_params))

    facts: tuple[bool, tuple[dict[str, Any], ...]] = policy.memo(("benefit", b.id), compute)
    return facts


def _stated(policy: CompiledPolicy, used: tuple[str, ...]) -> list[dict[str, Any]]:
    """Numbers a document states that a later national figure superseded (shown beside the value in force)."""
    out = []
    for name, param in policy.parameters.items():
        if param.spec.superseded_by in used:
            first = param.spec.values[-1]
            out.append(
                {
                    "parameter": name,
                    "value": str(first.value),
                    "unit": param.spec.unit,
                    "superseded_by": param.spec.superseded_by,
                    "note": "文件所述数额已被后来的国家标准取代；value 为现行标准",
                    "note_en": "the document's figure was superseded by a later national one; `value` is the one in force",
                    "citation": {
                        "document": policy.documents[param.spec.citation.document].title,
                        "clause": param.spec.citation.clause,
                        "quote": param.spec.citation.quote,
                    },
                }
            )
    return out


class Report:
    """The outcome of evaluating one record against one policy.

    The evaluator stores raw findings; :attr:`findings` turns them into :class:`Finding` objects on first use, so a
    caller that only needs ``status`` or ``passed`` pays for nothing else.
    """

    __slots__ = (
        "_findings",
        "_raw",
        "_targets",
        "as_of",
        "benefits",
        "kind",
        "policy",
        "record",
        "subsidies",
        "warnings",
        "year",
    )

    def __init__(
        self,
        policy: CompiledPolicy,
        record: Mapping[str, Any],
        kind: str,
        as_of: datetime.date,
        raw: list[tuple[Any, ...]],
        targets: list[Finding],
        subsidies: list[SubsidyLine],
        benefits: list[BenefitLine],
        warnings: list[dict[str, Any]],
        year: int,
    ):
        self.policy, self.record, self.kind, self.as_of = policy, record, kind, as_of
        self._raw, self._targets = raw, targets
        self._findings: list[Finding] | None = None
        self.subsidies, self.benefits, self.warnings, self.year = subsidies, benefits, warnings, year

    @property
    def id(self) -> Any:
        return self.record.get("id")

    @property
    def findings(self) -> list[Finding]:
        """Every finding, in rule order (then subject order)."""
        if self._findings is None:
            self._findings = self._build(self._raw)
        return self._findings

    def _build(self, raw: list[tuple[Any, ...]]) -> list[Finding]:
        """Findings from these raw entries, with every target finding, in rule order (then subject order)."""
        from .evaluate import raw_to_finding

        p = self.policy.params_at(self.as_of).point
        made = [raw_to_finding(self.policy, entry, self.year, p) for entry in raw]
        made.extend(self._targets)
        made.sort(key=lambda f: f.rule.index)
        return made

    @property
    def passed(self) -> bool:
        """False when any finding of severity ``error`` failed (see ``status`` for unknowns)."""
        rules = self.policy.rules
        for entry in self._raw:
            if entry[1] is False and rules[entry[0]].severity == "error":
                return False
        return not any(f.outcome == "fail" and f.rule.severity == "error" for f in self._targets)

    @property
    def status(self) -> str:
        """``fail`` (an error-severity finding failed), ``incomplete`` (some finding unknown) or ``pass``."""
        if not self.passed:
            return "fail"
        for entry in self._raw:
            if entry[1] is not True and entry[1] is not False:
                return "incomplete"
        if any(f.outcome == "unknown" for f in self._targets):
            return "incomplete"
        return "pass"

    def failed_rules(self) -> frozenset[str]:
        """The ids of the rules that failed, without building any finding (the fast path for services)."""
        rules = self.policy.rules
        failed = {rules[entry[0]].id for entry in self._raw if entry[1] is False}
        if self._targets:
            failed.update(f.rule.id for f in self._targets if f.outcome == "fail")
        return frozenset(failed)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == "fail"]

    def outcome(self, rule_id: str) -> str:
        """The worst outcome of a rule over its findings, or ``absent``."""
        rank = {"fail": 3, "unknown": 2, "pass": 1, "not_due": 0}
        found = [f.outcome for f in self.findings if f.rule.id == rule_id]
        return max(found, key=rank.__getitem__) if found else "absent"

    def __repr__(self) -> str:
        return f"<Report {self.kind} {self.id!r} {self.status}>"

    def problem_findings(self) -> list[Finding]:
        """The findings that did not pass (fail, unknown, not yet due), plus every by-year target finding, in rule
        order; passing findings of plain rules are never built."""
        if self._findings is not None:
            return [f for f in self._findings if f.outcome != "pass" or f.year is not None]
        return self._build([entry for entry in self._raw if entry[1] is not True])

    def to_dict(self, passes: bool = True) -> dict[str, Any]:
        """The JSON object of CONTRACT.md §4 (plus ``benefits``, ``warnings`` and ``record`` when present).

        ``passes=False`` leaves out the passing findings of plain rules (by-year targets stay, passed or not) and
        counts them in ``passes_omitted``: a much smaller report with the same status, violations and subsidies.
        """
        chosen = self.findings if passes else self.problem_findings()
        findings = [f.to_dict() for f in chosen]
        out: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "policy": self.policy.id,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "findings": findings,
            "violations": [d for d in findings if d["outcome"] == "fail"],
            "subsidies": [s.to_dict() for s in self.subsidies],
        }
        if self.benefits:
            out["benefits"] = [b.to_dict(self.policy) for b in self.benefits]
        if self.warnings:
            out["warnings"] = self.warnings
        extra = {k: self.record[k] for k in ("name", "form", "district") if k in self.record}
        if extra:
            out["record"] = extra
        if not passes:
            out["passes_omitted"] = sum(1 for entry in self._raw if entry[1] is True)
        return out


@dataclass
class ErrorReport:
    """A batch row that could not be read as a record: it still gets one output object (CONTRACT.md §4)."""

    row: int | None
    problems: list[Problem]
    id: Any = None
    source: str | None = None
    status: str = "error"
    passed: bool = False

    def to_dict(self, passes: bool = True) -> dict[str, Any]:  # the same signature as Report.to_dict
        out: dict[str, Any] = {"row": self.row}
        if self.id is not None:
            out["id"] = self.id
        out["status"] = "error"
        out["errors"] = [
            {
                "field": p.location.field,
                "code": p.code,
                "message": p.message,
                "message_en": p.message_en,
                **({"value": _plain(p.value)} if p.value is not None else {}),
            }
            for p in self.problems
        ]
        if self.source:
            out["source"] = self.source
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
