"""Findings: one rule applied to one subject, and the subsidy and benefit lines of a record.

The fused functions of :mod:`.compiler.plan` append raw tuples; :func:`raw_to_finding` turns one into a
:class:`Finding` when a report is read. :mod:`.report` gathers these objects and :mod:`.evaluate` builds them, so
the report needs nothing of the evaluator.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from .expressions import EVAL_ERRORS, Undecided, Undefined, Unknown
from .expressions.runtime import NO_VALUE
from .report_types import BenefitJSON, Citation, ExclusionJSON, FindingJSON, SubsidyJSON
from .text import format_value, json_default, json_number

if TYPE_CHECKING:
    from .compiler import CompiledBenefit, CompiledExclusion, CompiledPolicy, CompiledRule, CompiledSubsidy


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


@dataclass(slots=True, repr=False)
class Finding:
    """One rule applied to one subject: the record, or one class, staff member or subregion of it.

    Its attributes are the keys of its JSON object (:meth:`to_dict`), one for one: ``rule`` is the rule id,
    ``message`` and ``fix`` are text in Chinese, ``message_en`` and ``fix_en`` in English. The compiled rule is
    :attr:`compiled_rule`.
    """

    compiled_rule: CompiledRule
    outcome: str
    observed: Any
    required: Any
    subject: str | None
    subject_id: Any
    args: tuple[Any, ...] = field(repr=False, compare=False)  # what the templates are rendered with
    year: int | None = None  # the target year of a by-year finding
    progress: Decimal | None = None  # observed / required of a target not yet due
    missing: tuple[str, ...] = ()  # the fields an unknown finding lacks
    reason: str | None = None  # why an unknown finding is unknown, when no field is missing

    def __repr__(self) -> str:
        where = f" {self.subject}" if self.subject else ""
        year = f" {self.year}" if self.year is not None else ""
        return f"<Finding {self.compiled_rule.id} {self.outcome}{where}{year}>"

    @property
    def rule(self) -> str:
        """The rule id, as ``to_dict()["rule"]``."""
        return self.compiled_rule.id

    @property
    def rule_id(self) -> str:
        return self.compiled_rule.id

    @property
    def severity(self) -> str:
        return self.compiled_rule.severity

    @property
    def title(self) -> str | None:
        return self.compiled_rule.spec.title

    @property
    def title_en(self) -> str | None:
        return self.compiled_rule.spec.title_en

    @property
    def citation(self) -> Citation:
        return self.compiled_rule.citation_of(self.year)

    @property
    def message(self) -> str:
        """The message in Chinese (``message_en``: in English; ``messages``: both)."""
        return self.messages[0]

    @property
    def message_en(self) -> str:
        return self.messages[1]

    @property
    def fix(self) -> str | None:
        """How to fix a failed finding, in Chinese; None when it did not fail or its rule gives no fix."""
        return self._fix(0)

    @property
    def fix_en(self) -> str | None:
        return self._fix(1)

    def _fix(self, i: int) -> str | None:
        rule = self.compiled_rule
        if self.outcome != "fail" or rule.fix is None:
            return None
        return rule.fix[i].render(self.args, "zh" if i == 0 else "en")

    @property
    def messages(self) -> tuple[str, str]:
        """The message in Chinese and in English, with the work they share done once (the title, the subject
        prefix, and a value that reads the same in both languages)."""
        rule = self.compiled_rule
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
            if self.missing:
                return (
                    f"{where}{title}：缺少 {'、'.join(self.missing)}，无法判断",
                    f"{where}{title_en}: cannot decide, missing {', '.join(self.missing)}",
                )
            why, why_en = reason_text(self.reason)
            return f"{where}{title}：无法判断（{why}）", f"{where}{title_en}: cannot decide ({why_en})"
        o, o_en = _both(self.observed)
        q, q_en = _both(self.required)
        if self.outcome == "not_due" and rule.due is not None and not rule.by_year:
            due = rule.due.isoformat()
            return (
                f"{where}{title}：{due} 到期，尚未到期（当前 {o}，要求 {q}）",
                f"{where}{title_en}: due {due}, not yet due (now {o_en}, required {q_en})",
            )
        if self.outcome == "not_due":
            pct, pct_en = _both(self.progress * 100) if self.progress is not None else ("—", "—")
            if self.progress is not None:
                pct, pct_en = f"{pct}%", f"{pct_en}%"
            return (
                f"{where}{title}：{self.year} 年目标 {q}，当前 {o}（完成 {pct}），尚未到期",
                f"{where}{title_en}: target {q_en} for {self.year}, now {o_en} ({pct_en}); not yet due",
            )
        return _met(where, title, title_en, o, o_en, q, q_en)

    def to_dict(self) -> FindingJSON:
        rule = self.compiled_rule
        spec = rule.spec
        outcome = self.outcome
        message, message_en = self.messages
        fix = fix_en = None
        if outcome == "fail" and rule.fix is not None:
            fix = rule.fix[0].render(self.args, "zh")
            fix_en = rule.fix[1].render(self.args, "en")
        observed, required = self.observed, self.required
        out: FindingJSON = {
            "rule": rule.id,
            "outcome": outcome,
            "severity": rule.severity,
            "message": message,
            "observed": observed if observed is None or type(observed) is int else json_number(observed),
            "required": required if required is None or type(required) is int else json_number(required),
            "fix": fix,
            "citation": rule.citation_of(self.year),
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


@dataclass(slots=True, repr=False)
class SubsidyLine:
    """What one subsidy gives one institution.

    Its attributes are the keys of its JSON object (:meth:`to_dict`), one for one; money is ``Decimal`` here and text
    with two places in the JSON. The compiled subsidy is :attr:`subsidy`, the compiled exclusion :attr:`exclusion`.
    """

    subsidy: CompiledSubsidy
    eligible: bool | None
    amount: Decimal | None
    amount_min: Decimal | None
    amount_max: Decimal | None
    missing: tuple[str, ...]
    exclusion: CompiledExclusion | None  # the exclusion that made the line ineligible (``excluded_by`` in the JSON)
    args: tuple[Any, ...] = field(repr=False, compare=False)
    unspecified: bool = False

    def __repr__(self) -> str:
        shown = "unknown" if self.eligible is None else money_text(self.amount) or "open" if self.eligible else "no"
        return f"<SubsidyLine {self.subsidy.id} {shown} {self.period}>"

    @property
    def id(self) -> str:
        return self.subsidy.id

    @property
    def period(self) -> str:
        return self.subsidy.spec.period

    currency = "CNY"

    @property
    def basis(self) -> str | None:
        """How the amount was worked out, in Chinese (``basis_en``: in English); None unless eligible."""
        b = self.subsidy.basis
        return b[0].render(self.args, "zh") if b is not None and self.eligible else None

    @property
    def basis_en(self) -> str | None:
        b = self.subsidy.basis
        return b[1].render(self.args, "en") if b is not None and self.eligible else None

    @property
    def citation(self) -> Citation:
        return self.subsidy.citation

    @property
    def title(self) -> str | None:
        return self.subsidy.spec.title

    @property
    def title_en(self) -> str | None:
        return self.subsidy.spec.title_en

    @property
    def status(self) -> str | None:
        """``unknown`` when eligibility cannot be decided from the record, else None (the key is absent)."""
        return "unknown" if self.eligible is None else None

    @property
    def excluded_by(self) -> ExclusionJSON | None:
        ex = self.exclusion
        if ex is None:
            return None
        return {"reason": ex.reason.zh, "reason_en": ex.reason.en, "citation": ex.citation}

    @property
    def amount_open(self) -> bool:
        """True when the record is eligible and the document leaves the amount open (then ``amount`` is None)."""
        return bool(self.unspecified and self.eligible)

    @property
    def note(self) -> str | None:
        return _OPEN_NOTE[0] if self.amount_open else None

    @property
    def note_en(self) -> str | None:
        return _OPEN_NOTE[1] if self.amount_open else None

    def to_dict(self) -> SubsidyJSON:
        s = self.subsidy
        out: SubsidyJSON = {
            "id": s.id,
            "eligible": self.eligible,
            "amount": money_text(self.amount),
            "amount_min": money_text(self.amount_min),
            "amount_max": money_text(self.amount_max),
            "period": s.spec.period,
            "currency": "CNY",
            "basis": self.basis,
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
        excluded = self.excluded_by
        if excluded is not None:
            out["excluded_by"] = excluded
        if self.unspecified and self.eligible:
            out["amount_open"] = True
            out["note"], out["note_en"] = _OPEN_NOTE
        return out


def subsidy_line(s: CompiledSubsidy, state: tuple[Any, ...], args: tuple[Any, ...]) -> SubsidyLine:
    """A :class:`SubsidyLine` from what a report keeps of it: ``(eligible, amount, amount_min, amount_max, missing,
    index of the exclusion that applied or None, amount left open)``, plain values only."""
    eligible, amount, low, high, missing, excluded, unspecified = state
    exclusion = s.exclusions[excluded] if excluded is not None else None
    return SubsidyLine(s, eligible, amount, low, high, missing, exclusion, args, unspecified)


_OPEN_NOTE = ("文件未规定具体金额，仅报告是否符合条件", "the document leaves the amount open; eligibility only")


@dataclass(slots=True, repr=False)
class BenefitLine:
    """A non-cash benefit (prices, tax) and whether the record qualifies.

    Its attributes are the keys of its JSON object, one for one (``value`` is a ``Decimal`` with two places when it
    is money, text in the JSON). ``computed`` is the value as the expression gave it; ``policy`` is set by the report
    that holds the line.
    """

    benefit: CompiledBenefit
    eligible: bool | None
    computed: Any
    missing: tuple[str, ...]
    policy: CompiledPolicy | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        shown = "unknown" if self.eligible is None else "yes" if self.eligible else "no"
        return f"<BenefitLine {self.benefit.id} {shown}>"

    @property
    def id(self) -> str:
        return self.benefit.id

    @property
    def unit(self) -> str | None:
        return self.benefit.spec.unit

    @property
    def value(self) -> Any:
        """The benefit's value: a ``Decimal`` with two places when it is money (known from the policy)."""
        if self.computed is not None and self.policy is not None and _benefit_facts(self.policy, self.benefit)[0]:
            return Decimal(self.computed).quantize(Decimal("0.01"))
        return self.computed

    @property
    def citation(self) -> Citation:
        return self.benefit.citation

    @property
    def title(self) -> str | None:
        return self.benefit.spec.title

    @property
    def title_en(self) -> str | None:
        return self.benefit.spec.title_en

    @property
    def stated(self) -> list[dict[str, Any]]:
        """Figures the document states that a later national figure superseded (empty without a policy)."""
        if self.policy is None:
            return []
        return [{**d, "citation": dict(d["citation"])} for d in _benefit_facts(self.policy, self.benefit)[1]]

    def to_dict(self, policy: CompiledPolicy | None = None) -> BenefitJSON:
        b = self.benefit
        policy = policy or self.policy
        value: Any = None
        money, stated = _benefit_facts(policy, b) if policy is not None else (False, ())
        if self.computed is not None:
            computed = self.computed
            value = money_text(Decimal(computed).quantize(Decimal("0.01"))) if money else json_number(computed)
        out: BenefitJSON = {
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


def unknown_marker(exc: BaseException) -> tuple[str, str]:
    """What a report keeps of the exception that made a raw finding unknown: plain text, so that a kept report holds
    no exception (and no traceback or record) for the garbage collector to walk. ``("fact", …)``: ``unknown('…')``
    named the fact; ``("field", …)``: a missing field; ``("reason", …)``: why the expression has no value."""
    if isinstance(exc, Undecided):
        return "fact", str(exc.args[0]) if exc.args else ""
    if isinstance(exc, KeyError):
        return "field", str(exc.args[0]) if exc.args else ""
    return "reason", unknown_reason(exc)


def raw_subject(record: Mapping[str, Any], label: tuple[str, int] | None) -> tuple[Any, Mapping[str, Any] | None]:
    """The subject of a raw finding and its parent: the record itself, or item ``k`` of its list ``label``."""
    if label is None:
        return record, None
    return record[label[0]][label[1]], record


def raw_to_finding(
    policy: CompiledPolicy, entry: tuple[Any, ...], year: int, p: Mapping[str, Any], record: Mapping[str, Any]
) -> Finding:
    """Turn a kept raw finding ``(rule index, True | False | unknown marker, observed, required, label)`` of
    ``record`` into a :class:`Finding` (only when a report is read)."""
    index, ok, observed, required, label = entry
    rule = policy.rules[index]
    subject, parent = raw_subject(record, label)
    subject_name = subject_id = None
    if label is not None:
        subject_name = f"{label[0]}[{label[1]}]"
        subject_id = subject.get("id") if type(subject) is dict or isinstance(subject, Mapping) else None
    args: tuple[Any, ...] = (subject, p, parent, year, {}, None)
    if ok is True or ok is False:
        if rule.check is not None:
            observed = value_or_none(rule.observed, args)
            required = value_or_none(rule.required, args)
        # the hot path of reports: positional, the seven fields in declaration order (keywords cost 0.25 µs a finding)
        return Finding(
            rule, "pass" if ok else "fail", observed, required, subject_name, subject_id, (*args, observed, required)
        )
    what, text = ok
    missing = (text,) if what == "fact" else missing_fields(rule.reads, subject, parent, p)
    reason = None
    if not missing:
        if what == "field":
            missing = (text,)
        else:
            reason = text
    return Finding(
        compiled_rule=rule,
        outcome="unknown",
        observed=None,
        required=None,
        subject=subject_name,
        subject_id=subject_id,
        missing=missing,
        reason=reason,
        args=(*args, None, None),
    )


def value_or_none(fn: Any, args: tuple[Any, ...]) -> Any:
    """``fn(*args)``, or None when there is no function or it cannot be evaluated (a missing field)."""
    if fn is None:
        return None
    try:
        return fn(*args)
    except EVAL_ERRORS:
        return None


_REASONS_ZH = {
    "division by zero": "除数为零",
    "min() of nothing": "列表为空，没有最小值",
    "max() of nothing": "列表为空，没有最大值",
    "depends on a rule whose outcome is unknown": "所依据的规则结论未知",
}


def reason_text(reason: str | None) -> tuple[str, str]:
    """Why a finding is unknown, in Chinese and in English (``zh · en`` reasons carry both)."""
    text = reason or "record cannot show it"
    if " · " in text:
        zh, en = text.split(" · ", 1)
        return zh, en
    return _REASONS_ZH.get(text, "表达式无法求值"), text


def unknown_reason(exc: BaseException) -> str:
    """Why an expression could not be evaluated, as a finding's ``reason``."""
    if isinstance(exc, Undefined):
        return str(exc)
    if isinstance(exc, Unknown):
        return "depends on a rule whose outcome is unknown"
    return f"{type(exc).__name__}: {exc}"


_PLAIN_PATHS: set[str] = set()  # reads that name one field of the subject (no ".", no "[]", not institution/region)


def missing_fields(
    reads: tuple[str, ...], r: Mapping[str, Any], parent: Mapping[str, Any] | None, p: Mapping[str, Any]
) -> tuple[str, ...]:
    """Which of the fields a rule reads are absent from the record (slow path: only for unknown findings)."""
    out: list[str] = []
    for path in reads:
        if path in _PLAIN_PATHS:  # a field of the subject itself, as most reads are: the walk in one test
            if (type(r) is not dict and not isinstance(r, Mapping)) or path not in r:
                out.append(path)
            continue
        if "." not in path and path[-2:] != "[]" and path not in ("institution", "region"):
            if len(_PLAIN_PATHS) < 4096:
                _PLAIN_PATHS.add(path)
            if (type(r) is not dict and not isinstance(r, Mapping)) or path not in r:
                out.append(path)
            continue
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
    if (type(node) is not dict and not isinstance(node, Mapping)) or name not in node:
        out.append(".".join([*done, name]))
        return
    value = node[name]
    if is_list:
        for i, item in enumerate(value if isinstance(value, list) else []):
            _walk(item, parts[1:], [*done, f"{name}[{i}]"], out)
    else:
        _walk(value, parts[1:], [*done, name], out)


# ---- JSON text without the dicts: byte for byte what json.dumps(to_dict(), ensure_ascii=False) gives ------------
# The parts of a finding or line that depend only on the policy (rule id, severity, citation, titles …) are encoded
# once per compiled policy (:class:`JsonParts`); a report's JSON then encodes only what varies: the outcome, the
# messages, the values. Tests compare the text with json.dumps of to_dict() on every bundled example and on
# 10,000 generated records.

_str = json.encoder.encode_basestring  # what json.dumps uses for text with ensure_ascii=False
_NOTE = ', "amount_open": true, "note": ' + _str(_OPEN_NOTE[0]) + ', "note_en": ' + _str(_OPEN_NOTE[1])


_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False, default=json_default).encode


def json_text(value: Any) -> str:
    """One JSON value as json.dumps writes it (plain values without a call into the encoder)."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _str(value)
    if kind is int:
        return int.__repr__(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _encode(value)


def _texts(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join([json_text(v) for v in values]) + "]"


class JsonParts:
    """The encoded policy-only parts of a policy's findings and lines: built once per compiled policy."""

    def __init__(self, policy: CompiledPolicy):
        self.policy = policy
        self.rules: dict[tuple[int, int | None], tuple[str, str, str]] = {}
        # the texts of findings that passed or are unknown: a pure function of their rule, subject and values (and of
        # nothing else of the record), and the same ones recur from record to record; at most TEXTS are kept
        self.texts: dict[tuple[Any, ...], str] = {}
        # the dicts of such findings, by the same keys: to_dict() hands out a copy of one (never the kept one)
        self.dicts: dict[tuple[Any, ...], FindingJSON] = {}
        # the dicts of subsidy lines that are not eligible and of benefit lines, by what they depend on
        self.lines: dict[tuple[Any, ...], dict[str, Any]] = {}
        # the texts and dicts of failed and by-year findings, by their rule, subject, values and the values of their
        # templates (finding_key): kept apart, as more of them differ from record to record
        self.failed: dict[tuple[Any, ...], str] = {}
        self.failed_dicts: dict[tuple[Any, ...], FindingJSON] = {}
        # the texts of subsidy and benefit lines, by what they depend on (line_key)
        self.line_texts: dict[tuple[Any, ...], str] = {}
        self.subsidies = {s.id: _subsidy_parts(s) for s in policy.subsidies}
        self.benefits = {b.id: _benefit_parts(policy, b) for b in policy.benefits}

    TEXTS = 4096

    def remember(self, key: tuple[Any, ...] | None, text: str) -> str:
        if key is not None:
            if len(self.texts) >= self.TEXTS:
                self.texts.clear()
            self.texts[key] = text
        return text

    def remember_failed(self, key: tuple[Any, ...], text: str) -> str:
        if len(self.failed) >= self.TEXTS:
            self.failed.clear()
        self.failed[key] = text
        return text

    def remember_failed_dict(self, key: tuple[Any, ...], made: FindingJSON) -> FindingJSON:
        if len(self.failed_dicts) >= self.TEXTS:
            self.failed_dicts.clear()
        self.failed_dicts[key] = made
        return copy_finding(made)

    def remember_line_text(self, key: tuple[Any, ...], text: str) -> str:
        if len(self.line_texts) >= self.TEXTS:
            self.line_texts.clear()
        self.line_texts[key] = text
        return text

    def remember_line(self, key: tuple[Any, ...], made: dict[str, Any]) -> dict[str, Any]:
        if len(self.lines) >= self.TEXTS:
            self.lines.clear()
        self.lines[key] = made
        return made

    def remember_dict(self, key: tuple[Any, ...] | None, made: FindingJSON) -> FindingJSON:
        """Keep ``made`` for ``key`` and give a copy of it (a new dict; its citation is the rule's, as always)."""
        if key is not None:
            if len(self.dicts) >= self.TEXTS:
                self.dicts.clear()
            self.dicts[key] = made
        return copy_finding(made)

    def rule(self, rule: CompiledRule, year: int | None) -> tuple[str, str, str]:
        key = (rule.index, year if year in rule.year_meta else None)
        found = self.rules.get(key)
        if found is None:
            spec = rule.spec
            found = self.rules[key] = (
                '{"rule": ' + json_text(rule.id) + ', "outcome": "',
                '", "severity": ' + json_text(rule.severity) + ', "message": ',
                ', "citation": '
                + json_text(rule.citation_of(year))
                + ', "title": '
                + json_text(spec.title)
                + ', "title_en": '
                + json_text(spec.title_en)
                + ', "message_en": ',
            )
        return found


def text_key(value: Any) -> tuple[Any, Any] | None:
    """A key that tells apart values that print differently (``1``, ``True``, ``1.0``, ``Decimal("1.00")`` are
    equal in Python): its type and its value (a decimal's text); None for a value that is not kept as a key."""
    kind = type(value)
    if kind is Decimal:
        return kind, str(value)
    if kind is int or kind is str or kind is bool or value is None:
        return kind, value
    return None


_DASH = ("dash",)  # the key of a placeholder without a value (NO_VALUE: it shows a dash)


def value_key(value: Any) -> Any:
    """:func:`text_key` for the values of template placeholders too: a dash (no value), and lists and tuples of
    values it keys; None for a value that is not kept as a key."""
    kind = type(value)
    if kind is list or kind is tuple:
        keys = tuple([value_key(v) for v in value])
        return None if None in keys else (kind, keys)
    if value is NO_VALUE:
        return _DASH
    return text_key(value)


def _values_key(values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    keys = tuple([value_key(v) for v in values])
    return None if None in keys else keys


def finding_key(f: Finding) -> tuple[Any, ...] | None:
    """What the text and dict of a finding depend on: its rule, outcome, target year, subject and subject id,
    observed and required values, progress, missing fields and reason, and for a failed one the values of the
    placeholders of its message and fix templates in both languages (a template's text is a pure function of them;
    the other messages are made of the title and these values); None when a value is not one a key tells apart."""
    rule = f.compiled_rule
    ko, kq, ks, kp = text_key(f.observed), text_key(f.required), text_key(f.subject_id), text_key(f.progress)
    if ko is None or kq is None or ks is None or kp is None:
        return None
    key: list[Any] = ["finding", rule.index, f.outcome, f.year, f.subject, ks, ko, kq, kp, f.missing, f.reason]
    if f.outcome == "fail":
        for template in rule.message if rule.fix is None else (*rule.message, *rule.fix):
            if template.values is not None:
                k = _values_key(template.values(*f.args))
                if k is None:
                    return None
                key.append(k)
    return tuple(key)


def kept_json(f: Finding, parts: JsonParts) -> str:
    """``finding_json(f, parts)``, kept under :func:`finding_key` (parts.failed: failed and by-year findings)."""
    key = finding_key(f)
    if key is None:
        return finding_json(f, parts)
    text = parts.failed.get(key)
    return text if text is not None else parts.remember_failed(key, finding_json(f, parts))


def kept_dict(f: Finding, parts: JsonParts) -> FindingJSON:
    """``f.to_dict()``: a copy of the dict kept under :func:`finding_key` (parts.failed_dicts)."""
    key = finding_key(f)
    if key is None:
        return f.to_dict()
    made = parts.failed_dicts.get(key)
    return copy_finding(made) if made is not None else parts.remember_failed_dict(key, f.to_dict())


def json_parts(policy: CompiledPolicy) -> JsonParts:
    parts: JsonParts = policy.memo("report.json-parts", lambda: JsonParts(policy))
    return parts


def finding_json(f: Finding, parts: JsonParts) -> str:
    """The JSON text of ``f.to_dict()``."""
    rule = f.compiled_rule
    head, middle, cited = parts.rule(rule, f.year)
    message, message_en = f.messages
    fix = fix_en = "null"
    if f.outcome == "fail" and rule.fix is not None:
        fix, fix_en = json_text(rule.fix[0].render(f.args, "zh")), json_text(rule.fix[1].render(f.args, "en"))
    o, q = f.observed, f.required
    o = "null" if o is None else int.__repr__(o) if type(o) is int else json_text(json_number(o))
    q = "null" if q is None else int.__repr__(q) if type(q) is int else json_text(json_number(q))
    text = (
        f'{head}{f.outcome}{middle}{_str(message)}, "observed": {o}, "required": {q}, "fix": {fix}'
        f'{cited}{_str(message_en)}, "fix_en": {fix_en}'
    )
    if f.subject is not None:
        text += ', "subject": ' + json_text(f.subject)
        if f.subject_id is not None:
            text += ', "subject_id": ' + json_text(f.subject_id)
    if f.year is not None:
        text += ', "year": ' + json_text(f.year)
    if f.outcome == "not_due":
        text += ', "progress": ' + json_text(json_number(f.progress))
    if f.missing:
        text += ', "missing": ' + _texts(f.missing)
    if f.reason:
        text += ', "reason": ' + json_text(f.reason)
    return text + "}"


def _subsidy_parts(s: CompiledSubsidy) -> tuple[str, str, str]:
    spec = s.spec
    return (
        '{"id": ' + json_text(s.id) + ', "eligible": ',
        ', "period": ' + json_text(spec.period) + ', "currency": "CNY", "basis": ',
        ', "citation": '
        + json_text(s.citation)
        + ', "title": '
        + json_text(spec.title)
        + ', "title_en": '
        + json_text(spec.title_en),
    )


def _money_json(value: Decimal | None) -> str:
    return "null" if value is None else f'"{value:.2f}"'


def subsidy_json(line: SubsidyLine, parts: JsonParts) -> str:
    """The JSON text of ``line.to_dict()``."""
    s = line.subsidy
    head, middle, cited = parts.subsidies[s.id]
    eligible = line.eligible
    out = [head, json_text(eligible), ', "amount": ', _money_json(line.amount), ', "amount_min": ']
    out += [_money_json(line.amount_min), ', "amount_max": ', _money_json(line.amount_max), middle]
    out += [json_text(line.basis), cited]
    if s.basis is not None and eligible:
        out += [', "basis_en": ', json_text(s.basis[1].render(line.args, "en"))]
    if eligible is None:
        out.append(', "status": "unknown"')
    if line.missing:
        out += [', "missing": ', _texts(line.missing)]
    excluded = line.excluded_by
    if excluded is not None:
        out += [', "excluded_by": ', json_text(excluded)]
    if line.unspecified and eligible:
        out.append(_NOTE)
    out.append("}")
    return "".join(out)


def _benefit_parts(policy: CompiledPolicy, b: CompiledBenefit) -> tuple[bool, str, str, str]:
    money, stated = _benefit_facts(policy, b)
    spec = b.spec
    cited = ', "unit": ' + json_text(spec.unit) + ', "citation": ' + json_text(b.citation)
    cited += ', "title": ' + json_text(spec.title) + ', "title_en": ' + json_text(spec.title_en)
    tail = (', "stated": ' + json_text(list(stated)) if stated else "") + "}"
    return money, '{"id": ' + json_text(b.id) + ', "eligible": ', cited, tail


def _line_key(s: CompiledSubsidy, state: tuple[Any, ...], args: Any) -> tuple[Any, ...] | None:
    """What a subsidy line's dict and text depend on: the subsidy, the line's state (amounts by their text) and,
    for an eligible line with a basis, the values of the placeholders of its basis in both languages; None when a
    value is not one a key tells apart. ``args()`` gives the arguments of the basis (made once per report)."""
    eligible, amount, low, high, missing, excluded, unspecified = state
    key: list[Any] = ["subsidy", s.id, eligible, missing, excluded, unspecified]
    for value in (amount, low, high):
        k = text_key(value)
        if k is None:
            return None
        key.append(k)
    if s.basis is not None and eligible:
        made = args()
        for template in s.basis:
            if template.values is not None:
                k = _values_key(template.values(*made))
                if k is None:
                    return None
                key.append(k)
    return tuple(key)


def subsidy_text(s: CompiledSubsidy, state: tuple[Any, ...], parts: JsonParts, args: Any) -> str:
    """``subsidy_json(subsidy_line(s, state, args()), parts)``, kept under :func:`_line_key`."""
    key = _line_key(s, state, args)
    if key is None:
        return subsidy_json(subsidy_line(s, state, args()), parts)
    found = parts.line_texts.get(key)
    if found is None:
        found = parts.remember_line_text(key, subsidy_json(subsidy_line(s, state, args()), parts))
    return found


def benefit_text(policy: CompiledPolicy, b: CompiledBenefit, state: tuple[Any, ...], parts: JsonParts) -> str:
    """``benefit_json(BenefitLine(b, *state, policy), parts)``, kept under the benefit, its eligibility, value (by
    its type and text) and missing fields."""
    eligible, computed, missing = state
    kv = text_key(computed)
    if kv is None:
        return benefit_json(BenefitLine(b, eligible, computed, missing, policy), parts)
    key = ("benefit", b.id, eligible, kv, missing)
    found = parts.line_texts.get(key)
    if found is None:
        found = parts.remember_line_text(key, benefit_json(BenefitLine(b, eligible, computed, missing, policy), parts))
    return found


def benefit_json(line: BenefitLine, parts: JsonParts) -> str:
    """The JSON text of ``line.to_dict()`` (the line's policy is the one of ``parts``)."""
    money, head, cited, tail = parts.benefits[line.benefit.id]
    value = "null"
    if line.computed is not None:
        computed = line.computed
        if money:
            value = _money_json(Decimal(computed).quantize(Decimal("0.01")))
        else:
            value = json_text(json_number(computed))
    missing = ', "missing": ' + _texts(line.missing) if line.missing else ""
    return head + json_text(line.eligible) + ', "value": ' + value + cited + missing + tail


def _met(where: str, title: str, title_en: str, o: str, o_en: str, q: str, q_en: str) -> tuple[str, str]:
    """The messages of a finding that passed."""
    return (
        f"{where}{title}：符合要求（实际 {o}，要求 {q}）",
        f"{where}{title_en}: meets the requirement (observed {o_en}, required {q_en})",
    )


def subsidy_dict(s: CompiledSubsidy, state: tuple[Any, ...], parts: JsonParts, args: Any) -> SubsidyJSON:
    """``subsidy_line(s, state, args()).to_dict()``: a copy of the dict of the last line with the same key
    (:func:`_line_key`: the subsidy, its state and the values its basis shows), its lists and dicts its own."""
    key = _line_key(s, state, args)
    if key is None:
        return subsidy_line(s, state, args()).to_dict()
    found = parts.lines.get(key)
    if found is None:
        found = parts.remember_line(key, dict(subsidy_line(s, state, args()).to_dict()))
    out = found.copy()
    if "missing" in found:
        out["missing"] = list(found["missing"])
    if "excluded_by" in found:
        out["excluded_by"] = dict(found["excluded_by"])
    return cast("SubsidyJSON", out)


def benefit_dict(policy: CompiledPolicy, b: CompiledBenefit, state: tuple[Any, ...], parts: JsonParts) -> BenefitJSON:
    """``BenefitLine(b, *state, policy).to_dict()``: a copy of the dict of the last line of the same benefit with the
    same eligibility, value and missing fields (its superseded figures fresh, as always)."""
    eligible, computed, missing = state
    kv = text_key(computed)
    key = None if kv is None else ("benefit", b.id, eligible, kv, missing)
    found = parts.lines.get(key) if key is not None else None
    if found is None:
        made = dict(BenefitLine(b, eligible, computed, missing, policy).to_dict())
        if key is None:
            return cast("BenefitJSON", made)
        found = parts.remember_line(key, made)
    out = found.copy()
    if "missing" in found:
        out["missing"] = list(found["missing"])
    if "stated" in found:
        out["stated"] = [{**d, "citation": dict(d["citation"])} for d in found["stated"]]
    return cast("BenefitJSON", out)


def copy_finding(d: FindingJSON) -> FindingJSON:
    """A new finding dict equal to ``d``: its own ``missing`` list; the citation is shared as in every finding of
    its rule (do not change a report dict's citations)."""
    out = d.copy()
    if "missing" in d:
        out["missing"] = list(d["missing"])
    return out


_NO_ID = (type(None), None)  # text_key(None)


_NO_OUTCOMES: dict[str, Any] = {}  # the outcomes a passing finding's values are computed with (read, never written)
_PLAIN_TYPES = (int, str, bool, type(None))


def passed_values(
    policy: CompiledPolicy, entry: tuple[Any, ...], year: int, p: Mapping[str, Any], record: Mapping[str, Any]
) -> tuple[Any, Any, Any, tuple[Any, ...] | None]:
    """(observed, required, subject id, cache key) of a raw entry that passed; the key is None when a value is
    not one a key tells apart (see :func:`text_key`). One call per finding (most findings of a report pass): the
    values computed and keyed inline, the key one flat tuple ``(rule index, label, subject id key, type of
    observed, observed, type of required, required)`` with a decimal as its text."""
    index, _, o, q, label = entry
    rule = policy.rules[index]
    if label is None:
        subject: Any = record
        parent = subject_id = None
        ks: Any = _NO_ID
    else:
        subject, parent = record[label[0]][label[1]], record
        subject_id = subject.get("id") if type(subject) is dict or isinstance(subject, Mapping) else None
        ks = _NO_ID if subject_id is None else (str, subject_id) if type(subject_id) is str else text_key(subject_id)
    if rule.check is not None:
        args = (subject, p, parent, year, _NO_OUTCOMES, None)
        fn = rule.observed
        try:
            o = None if fn is None else fn(*args)
        except EVAL_ERRORS:
            o = None
        fn = rule.required
        try:
            q = None if fn is None else fn(*args)
        except EVAL_ERRORS:
            q = None
    to, tq = type(o), type(q)
    if ks is None:
        return o, q, subject_id, None
    if to is Decimal:
        ko: Any = str(o)
    elif to in _PLAIN_TYPES:
        ko = o
    else:
        return o, q, subject_id, None
    if tq is Decimal:
        kq: Any = str(q)
    elif tq in _PLAIN_TYPES:
        kq = q
    else:
        return o, q, subject_id, None
    return o, q, subject_id, (index, label, ks, to, ko, tq, kq)


def passed_dict(
    policy: CompiledPolicy,
    parts: JsonParts,
    entry: tuple[Any, ...],
    year: int,
    p: Mapping[str, Any],
    record: Mapping[str, Any],
) -> FindingJSON:
    """``raw_to_finding(…).to_dict()`` of a raw entry that passed: a copy of the dict of the last entry with the same
    rule, subject and values when there is one (the same bytes: a passing finding's dict depends on nothing else)."""
    key = passed_values(policy, entry, year, p, record)[3]
    found = parts.dicts.get(key) if key is not None else None
    if found is not None:
        return copy_finding(found)
    return parts.remember_dict(key, raw_to_finding(policy, entry, year, p, record).to_dict())


def passed_json(
    policy: CompiledPolicy,
    parts: JsonParts,
    entry: tuple[Any, ...],
    year: int,
    p: Mapping[str, Any],
    record: Mapping[str, Any],
) -> str:
    """The JSON text of the finding of a raw entry that passed, without building the :class:`Finding` (the text
    of ``finding_json(raw_to_finding(…))``; most findings of a report pass)."""
    o, q, subject_id, key = passed_values(policy, entry, year, p, record)
    found = parts.texts.get(key) if key is not None else None
    return found if found is not None else passed_text(policy, parts, entry, (o, q, subject_id, key))


def passed_text(
    policy: CompiledPolicy, parts: JsonParts, entry: tuple[Any, ...], values: tuple[Any, Any, Any, Any]
) -> str:
    """The JSON text of a passing raw entry from its :func:`passed_values` (kept under their key)."""
    o, q, subject_id, key = values
    label = entry[4]
    rule = policy.rules[entry[0]]
    head, middle, cited = parts.rule(rule, None)
    name = None if label is None else f"{label[0]}[{label[1]}]"
    title = rule.spec.title or rule.id
    message, message_en = _met(f"[{name}] " if name else "", title, rule.spec.title_en or title, *_both(o), *_both(q))
    o = "null" if o is None else int.__repr__(o) if type(o) is int else json_text(json_number(o))
    q = "null" if q is None else int.__repr__(q) if type(q) is int else json_text(json_number(q))
    text = (
        f'{head}pass{middle}{_str(message)}, "observed": {o}, "required": {q}, "fix": null'
        f'{cited}{_str(message_en)}, "fix_en": null'
    )
    if name is not None:
        text += ', "subject": ' + _str(name)
        if subject_id is not None:
            text += ', "subject_id": ' + json_text(subject_id)
    return parts.remember(key, text + "}")
