"""Findings -> :class:`Report` and its JSON object (CONTRACT.md §4).

Messages are rendered when a report is turned into a dict (by the objects of :mod:`.findings`), never in the
evaluator's hot path.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import os
import pickle
import sys
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import localcontext
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol, cast

from .compiler.pickling import lookup, reference
from .errors import Location, Problem
from .findings import (
    BenefitLine,
    Finding,
    JsonParts,
    SubsidyLine,
    benefit_dict,
    benefit_json,
    benefit_text,
    copy_finding,
    finding_json,
    json_parts,
    json_text,
    kept_dict,
    kept_json,
    passed_dict,
    passed_text,
    passed_values,
    raw_to_finding,
    subsidy_dict,
    subsidy_json,
    subsidy_line,
    subsidy_text,
    text_key,
    unknown_marker,
)
from .report_types import ErrorJSON, ErrorRowJSON, FindingJSON, ReportJSON
from .text import DECIMAL_CONTEXT
from .trace import trace as trace_of

REPORT_SCHEMA_VERSION = "1.0"
"""``schema_version`` of every report and error row (``tuoyu-rules schema --reports``): MAJOR.MINOR, a new minor
version only adds keys or values."""

if TYPE_CHECKING:
    from .compiler import CompiledPolicy


class Report:
    """The outcome of evaluating one record against one policy.

    A report keeps only its verdict state, in plain values the cyclic garbage collector does not walk: bitmasks of
    the rules that failed and that were unknown, a tuple of raw results ``(rule index, True | False | unknown
    marker, observed, required, subject label)``, the subsidy and benefit lines as tuples of values, and the record it
    was given (read again when findings are built: do not change a record after evaluating it). A report that
    :meth:`~tuoyu_rules.Policy.evaluate_many` made and the caller kept holds that record packed
    (:func:`pack_record`) once nothing else holds it; :attr:`record` unpacks it, the same dict as before, on first
    use. :attr:`findings`,
    :attr:`subsidies`, :attr:`benefits`, messages and :meth:`to_dict` are built from that state when asked (findings
    and lines once, then kept), so a caller that only needs ``status`` or ``failed_rules()`` pays for nothing else and
    a kept list of reports stays cheap. A report pickles without its policy (:meth:`__reduce__`).
    """

    __slots__ = (
        "_benefits",
        "_failed",
        "_findings",
        "_lines",
        "_outcomes",
        "_raw",
        "_record",
        "_status",
        "_subsidies",
        "_targets",
        "_unknown",
        "_warnings",
        "as_of",
        "kind",
        "policy",
        "year",
    )

    def __init__(
        self,
        policy: CompiledPolicy,
        record: Mapping[str, Any],
        kind: str,
        as_of: datetime.date,
        year: int,
        raw: list[tuple[Any, ...]],
        targets: list[Finding],
        subsidies: tuple[tuple[Any, ...], ...] = (),
        benefits: tuple[tuple[Any, ...], ...] = (),
        outcomes: Mapping[str, str] | None = None,
        warnings: tuple[dict[str, str], ...] = (),
    ):
        self.policy, self.kind, self.as_of, self.year = policy, kind, as_of, year
        self._record: Mapping[str, Any] | Packed = record
        failed = unknown = 0
        for k, entry in enumerate(raw):  # one pass: the masks, and plain text in place of each exception
            ok = entry[1]
            if ok is True:
                continue
            if ok is False:
                failed |= 1 << entry[0]
            else:
                unknown |= 1 << entry[0]
                raw[k] = (entry[0], shared_texts(unknown_marker(ok)), None, None, entry[4])
        for f in targets:
            if f.outcome == "fail":
                failed |= 1 << f.compiled_rule.index
            elif f.outcome == "unknown":
                unknown |= 1 << f.compiled_rule.index
        self._raw, self._targets = tuple(raw), tuple(targets)
        self._failed, self._unknown = failed, unknown
        self._subsidies, self._benefits, self._warnings = subsidies, benefits, warnings
        self._outcomes = tuple(outcomes.items()) if outcomes else ()
        self._findings: list[Finding] | None = None
        self._lines: tuple[list[SubsidyLine], list[BenefitLine]] | None = None
        errors, aims = _severity_masks(policy)
        if failed & errors:
            self._status = "fail"
        elif unknown & ~aims:  # an aim that cannot be judged leaves the record complete: it is not a requirement
            self._status = "incomplete"
        else:
            self._status = "pass"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the verdict state and a reference to the policy (its source, the SHA-256 of its files and its
        what-if values), never the compiled policy: see :func:`restore_policy`."""
        targets = tuple(_pack(f) for f in self._targets)
        state: tuple[Any, ...] = (self._fields(), self.kind, self.as_of, self.year, self._raw, targets)
        state += (self._subsidies, self._benefits, self._outcomes, self._warnings)
        state += (self._failed, self._unknown, self._status)
        return _restore, (policy_reference(self.policy), state)

    @property
    def record(self) -> Mapping[str, Any]:
        """The evaluation record (normalized: :func:`tuoyu_rules.records.normalize_record`); a packed one is
        unpacked on first use and kept, so that this is the same dict on every call."""
        record = self._record
        if type(record) is tuple:
            record = self._record = unpack_record(record)
        return cast("Mapping[str, Any]", record)

    @record.setter
    def record(self, value: Mapping[str, Any]) -> None:
        self._record = value

    def _fields(self) -> Mapping[str, Any]:
        """The record, unpacked for this use only when it is packed (the report stays lean)."""
        record = self._record
        return unpack_record(record) if type(record) is tuple else cast("Mapping[str, Any]", record)

    @property
    def id(self) -> Any:
        record = self._record
        if type(record) is tuple:
            return packed_get(record, "id")
        return cast("Mapping[str, Any]", record).get("id")

    @property
    def findings(self) -> list[Finding]:
        """Every finding, in rule order (then subject order)."""
        if self._findings is None:
            self._findings = self._build(self._raw, self.record)
        return self._findings

    def _build(
        self, raw: tuple[tuple[Any, ...], ...] | list[tuple[Any, ...]], record: Mapping[str, Any]
    ) -> list[Finding]:
        """Findings from these raw entries, with every target finding, in rule order (then subject order)."""
        policy, year = self.policy, self.year
        p = policy.params_at(self.as_of).point
        made = [raw_to_finding(policy, entry, year, p, record) for entry in raw]
        made.extend(self._targets)
        made.sort(key=lambda f: f.compiled_rule.index)
        return made

    @property
    def subsidies(self) -> list[SubsidyLine]:
        """The subsidy lines, in the policy's order (built on first use)."""
        return self._built_lines()[0]

    @property
    def benefits(self) -> list[BenefitLine]:
        """The benefit lines, in the policy's order (built on first use)."""
        return self._built_lines()[1]

    def _built_lines(self) -> tuple[list[SubsidyLine], list[BenefitLine]]:
        if self._lines is None:
            self._lines = self._make_lines(self.record)
        return self._lines

    def _make_lines(self, record: Mapping[str, Any]) -> tuple[list[SubsidyLine], list[BenefitLine]]:
        """The subsidy and benefit lines, built anew (to_dict and to_json do not keep them: a kept report that was
        written stays as small as before)."""
        if self._lines is not None:
            return self._lines
        policy = self.policy
        args = (record, policy.params_at(self.as_of).point, None, self.year, dict(self._outcomes), None)
        subsidies = [subsidy_line(s, st, args) for s, st in zip(policy.subsidies, self._subsidies, strict=False)]
        benefits = [
            BenefitLine(b, st[0], st[1], st[2], policy) for b, st in zip(policy.benefits, self._benefits, strict=False)
        ]
        return subsidies, benefits

    def _chosen(self, passes: bool, record: Mapping[str, Any]) -> list[Finding]:
        """The findings a dict or JSON text shows, without keeping them on the report (unless already kept)."""
        if self._findings is not None:
            return self._findings if passes else self.problem_findings()
        return self._build(self._raw, record) if passes else self._problems(record)

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """What the report warns of (the policy not in force on ``as_of`` …): fresh dicts on every call."""
        return [dict(w) for w in self._warnings]

    @property
    def passed(self) -> bool:
        """False when any finding of severity ``error`` failed (see ``status`` for unknowns)."""
        return self._status != "fail"

    @property
    def status(self) -> str:
        """``fail`` (an error-severity finding failed), ``incomplete`` (some finding unknown) or ``pass``."""
        return self._status

    def aims(self) -> dict[str, int] | None:
        """How the record stands against the policy's aims (力争, 鼓励 …), counted apart from its requirements;
        None when no aim gave a finding."""
        return self._aims()

    def failed_rules(self) -> frozenset[str]:
        """The ids of the rules that failed, without building any finding (the fast path for services)."""
        return _ids(self.policy, self._failed)

    def unknown_rules(self) -> frozenset[str]:
        """The ids of the rules that gave an unknown finding (and none that failed for the same rule is implied:
        a rule unknown for one class may fail for another), without building any finding."""
        return _ids(self.policy, self._unknown)

    def tally(self) -> tuple[list[Any], list[Any], list[tuple[Any, tuple[Any, ...]]]]:
        """What a summary counts, read from the verdict state without building any finding or line: the compiled
        rule of each failed finding and of each unknown one (one per finding, not in rule order), and (compiled
        subsidy, its state as :func:`~tuoyu_rules.findings.subsidy_line` reads it) per subsidy line."""
        rules = self.policy.rules
        failed, unknown = [], []
        for entry in self._raw if self._failed | self._unknown else ():  # both masks 0: every raw entry passed
            ok = entry[1]
            if ok is False:
                failed.append(rules[entry[0]])
            elif ok is not True:
                unknown.append(rules[entry[0]])
        for f in self._targets:
            if f.outcome == "fail":
                failed.append(f.compiled_rule)
            elif f.outcome == "unknown":
                unknown.append(f.compiled_rule)
        return failed, unknown, list(zip(self.policy.subsidies, self._subsidies, strict=False))

    def field(self, key: str) -> Any:
        """One field of the record (None when absent), without unpacking a packed record."""
        record = self._record
        if type(record) is tuple:
            return packed_get(record, key)
        return cast("Mapping[str, Any]", record).get(key)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == "fail"]

    def outcome(self, rule_id: str) -> str:
        """The worst outcome of a rule over its findings, or ``absent``."""
        rank = {"fail": 3, "unknown": 2, "pass": 1, "not_due": 0}
        found = [f.outcome for f in self.findings if f.rule == rule_id]
        return max(found, key=rank.__getitem__) if found else "absent"

    def __repr__(self) -> str:
        return f"<Report {self.kind} {short(self.id)} {self.status}>"

    def problem_findings(self) -> list[Finding]:
        """The findings that did not pass (fail, unknown, not yet due), plus every by-year target finding, in rule
        order; passing findings of plain rules are never built."""
        if self._findings is not None:
            return [f for f in self._findings if f.outcome != "pass" or f.year is not None]
        return self._problems(self._fields())

    def _problems(self, record: Mapping[str, Any]) -> list[Finding]:
        built = self._build([entry for entry in self._raw if entry[1] is not True], record)
        return [f for f in built if f.outcome != "pass" or f.year is not None]

    def to_dict(self, passes: bool = True, trace: bool = False) -> ReportJSON:
        with localcontext(DECIMAL_CONTEXT):  # the caller's decimal context never changes the output
            out = self._to_dict(passes)
            if trace:  # check --trace: how each finding was reached (tuoyu_rules.trace)
                chosen = self.findings if passes else self.problem_findings()
                for d, f in zip(out["findings"], chosen, strict=True):
                    d["trace"] = trace_of(f, self.policy, self.as_of)  # type: ignore[typeddict-unknown-key]
            return out

    def _to_dict(self, passes: bool = True) -> ReportJSON:
        """The JSON object of CONTRACT.md §4 (plus ``benefits``, ``warnings`` and ``record`` when present).

        ``passes=False`` leaves out the passing findings of plain rules (by-year targets stay, passed or not) and
        counts them in ``passes_omitted``: a much smaller report with the same status, violations and subsidies.
        """
        record = self._fields()
        findings = self._finding_dicts(passes, record)
        out: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "policy": self.policy.id,
            "as_of": self.as_of.isoformat(),
            "status": self._status,
            "findings": findings,
            "violations": [d for d in findings if d["outcome"] == "fail"],
            "subsidies": self._subsidy_dicts(record),
        }
        if self._benefits:
            out["benefits"] = self._benefit_dicts()
        aims = self._aims() if self.policy.has_aims else None
        if aims is not None:
            out["aims"] = aims
        if self._warnings:
            out["warnings"] = self.warnings
        extra = {k: record[k] for k in ("name", "form", "district") if k in record}
        if extra:
            out["record"] = extra
        if not passes:
            out["passes_omitted"] = self._passes()
        if self.policy.provenance is not None:
            out["provenance"] = self.policy.provenance.to_dict(out["as_of"])
        out["schema_version"] = REPORT_SCHEMA_VERSION
        return cast("ReportJSON", out)  # built as a plain dict to keep the keys in the order of the contract

    def to_json(self, passes: bool = True, trace: bool = False) -> str:
        """``json.dumps(self.to_dict(passes, trace), ensure_ascii=False)``, byte for byte, built without the dicts:
        the parts that depend only on the policy (citations, titles, provenance) are encoded once per policy."""
        if trace:
            return json_text(self.to_dict(passes, trace=True))
        with localcontext(DECIMAL_CONTEXT):
            return self._to_json(passes)

    def _to_json(self, passes: bool) -> str:
        parts = json_parts(self.policy)
        record = self._fields()
        findings, failed = self._finding_texts(parts, passes, record)
        subsidies, benefits = self._line_texts(parts, record)
        out = ['{"kind": ', json_text(self.kind), ', "id": ', json_text(self.id), ', "policy": ']
        out += [json_text(self.policy.id), ', "as_of": "', self.as_of.isoformat(), '", "status": "', self._status]
        out.append('", "findings": [')
        out += _separated(findings)  # the texts themselves: the one join at the end copies them once
        out.append('], "violations": [')
        out += _separated(failed)
        out.append('], "subsidies": [')
        out += _separated(subsidies)
        out.append("]")
        if self._benefits:
            out.append(', "benefits": [')
            out += _separated(benefits)
            out.append("]")
        aims = self._aims() if self.policy.has_aims else None
        if aims is not None:
            out += [', "aims": ', json_text(aims)]
        if self._warnings:
            out += [', "warnings": ', json_text(self.warnings)]
        extra = [f"{_KEYS[k]}{json_text(record[k])}" for k in ("name", "form", "district") if k in record]
        if extra:
            out += [', "record": {', ", ".join(extra), "}"]
        if not passes:
            out += [', "passes_omitted": ', json_text(self._passes())]
        if self.policy.provenance is not None:
            out += [', "provenance": ', _provenance_json(self.policy, self.as_of)]
        out.append(', "schema_version": ' + json_text(REPORT_SCHEMA_VERSION) + "}")
        return "".join(out)

    def _line_texts(self, parts: JsonParts, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """The JSON texts of the subsidy and benefit lines: of the kept lines when there are, else from the lines'
        states through the texts kept per policy (no line object built unless a text is new)."""
        if self._lines is not None:
            return [subsidy_json(s, parts) for s in self._lines[0]], [benefit_json(b, parts) for b in self._lines[1]]
        policy = self.policy
        made: list[tuple[Any, ...]] = []

        def args() -> tuple[Any, ...]:  # the arguments of an eligible line's basis, made once
            if not made:
                made.append((record, policy.params_at(self.as_of).point, None, self.year, dict(self._outcomes), None))
            return made[0]

        subsidies = [subsidy_text(s, st, parts, args) for s, st in zip(policy.subsidies, self._subsidies, strict=False)]
        benefits = [benefit_text(policy, b, st, parts) for b, st in zip(policy.benefits, self._benefits, strict=False)]
        return subsidies, benefits

    def _finding_texts(self, parts: JsonParts, passes: bool, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """(the JSON text of every finding ``to_dict(passes)`` shows, of those that failed), in rule order; the
        findings that passed are written straight from their raw entries."""
        if self._findings is not None:
            chosen = self._chosen(passes, record)
            texts = [finding_json(f, parts) for f in chosen]
            return texts, [t for f, t in zip(chosen, texts, strict=True) if f.outcome == "fail"]
        policy, year = self.policy, self.year
        p = policy.params_at(self.as_of).point
        items: list[tuple[int, str, bool]] = []  # (rule index, text, failed), sorted by rule index (stable)
        kept = parts.texts
        for entry in self._raw:
            if entry[1] is True:
                if passes:  # passed_json, inline: most findings pass
                    values = passed_values(policy, entry, year, p, record)
                    text = kept.get(values[3]) if values[3] is not None else None
                    items.append((entry[0], text or passed_text(policy, parts, entry, values), False))
            else:
                items.append((entry[0], _unpassed_json(policy, parts, entry, year, p, record), entry[1] is False))
        for f in self._targets:
            if passes or f.outcome != "pass" or f.year is not None:
                items.append((f.compiled_rule.index, kept_json(f, parts), f.outcome == "fail"))
        items.sort(key=_first)
        return [t for _, t, _ in items], [t for _, t, bad in items if bad]

    def _subsidy_dicts(self, record: Mapping[str, Any]) -> list[Any]:
        if self._lines is not None:
            return [s.to_dict() for s in self._lines[0]]
        policy = self.policy
        parts = json_parts(policy)
        made: list[tuple[Any, ...]] = []

        def args() -> tuple[Any, ...]:  # the arguments of an eligible line's basis, made once
            if not made:
                made.append((record, policy.params_at(self.as_of).point, None, self.year, dict(self._outcomes), None))
            return made[0]

        return [subsidy_dict(s, st, parts, args) for s, st in zip(policy.subsidies, self._subsidies, strict=False)]

    def _benefit_dicts(self) -> list[Any]:
        policy = self.policy
        if self._lines is not None:
            return [b.to_dict(policy) for b in self._lines[1]]
        parts = json_parts(policy)
        return [benefit_dict(policy, b, st, parts) for b, st in zip(policy.benefits, self._benefits, strict=False)]

    def _finding_dicts(self, passes: bool, record: Mapping[str, Any]) -> list[FindingJSON]:
        """The dict of every finding ``to_dict(passes)`` shows, in rule order; those that passed or are unknown are
        copies of the dicts of earlier findings with the same rule, subject and values (kept per policy)."""
        if self._findings is not None:
            return [f.to_dict() for f in self._chosen(passes, record)]
        policy, year = self.policy, self.year
        p = policy.params_at(self.as_of).point
        parts = json_parts(policy)
        items: list[tuple[int, FindingJSON]] = []  # (rule index, dict), sorted by rule index (stable)
        for entry in self._raw:
            if entry[1] is True:
                if passes:
                    items.append((entry[0], passed_dict(policy, parts, entry, year, p, record)))
            else:
                items.append((entry[0], _unpassed_dict(policy, parts, entry, year, p, record)))
        for f in self._targets:
            if passes or f.outcome != "pass" or f.year is not None:
                items.append((f.compiled_rule.index, kept_dict(f, parts)))
        items.sort(key=_first)
        return [d for _, d in items]

    def _aims(self) -> dict[str, int] | None:
        """``aims()``, counted from the raw entries and targets without building findings."""
        rules = self.policy.rules
        outcomes = [
            "pass" if e[1] is True else "fail" if e[1] is False else "unknown"
            for e in self._raw
            if rules[e[0]].severity == "aim"
        ]
        outcomes += [f.outcome for f in self._targets if f.severity == "aim"]
        if not outcomes:
            return None
        names = {"pass": "met", "fail": "not_met", "unknown": "unknown", "not_due": "not_due"}
        counts = {"met": 0, "not_met": 0, "unknown": 0, "not_due": 0}
        for outcome in outcomes:
            counts[names[outcome]] += 1
        return counts

    def _passes(self) -> int:
        """The passing findings ``passes=False`` leaves out: those of plain rules (by-year targets stay)."""
        plain = sum(1 for entry in self._raw if entry[1] is True)
        return plain + sum(1 for f in self._targets if f.outcome == "pass" and f.year is None)


def _unpassed_json(
    policy: CompiledPolicy,
    parts: JsonParts,
    entry: tuple[Any, ...],
    year: int,
    p: Mapping[str, Any],
    record: Mapping[str, Any],
) -> str:
    """The JSON text of a raw entry that failed or is unknown; an unknown one's text depends only on its rule,
    subject, missing fields and reason, and is kept (parts.texts) for the next record that gives the same; a failed
    one's on what :func:`~.findings.finding_key` names (kept in parts.failed)."""
    f = raw_to_finding(policy, entry, year, p, record)
    if f.outcome != "unknown":
        return kept_json(f, parts)
    key = _unknown_key(entry, f)
    found = parts.texts.get(key) if key is not None else None
    return found if found is not None else parts.remember(key, finding_json(f, parts))


def _unpassed_dict(
    policy: CompiledPolicy,
    parts: JsonParts,
    entry: tuple[Any, ...],
    year: int,
    p: Mapping[str, Any],
    record: Mapping[str, Any],
) -> FindingJSON:
    """The dict of a raw entry that failed or is unknown; an unknown or failed one's is kept as its text is
    (parts.dicts, parts.failed_dicts) and handed out as a copy."""
    f = raw_to_finding(policy, entry, year, p, record)
    if f.outcome != "unknown":
        return kept_dict(f, parts)
    key = _unknown_key(entry, f)
    found = parts.dicts.get(key) if key is not None else None
    return copy_finding(found) if found is not None else parts.remember_dict(key, f.to_dict())


def _unknown_key(entry: tuple[Any, ...], f: Finding) -> tuple[Any, ...] | None:
    """What an unknown finding's text and dict depend on: its rule, subject, missing fields and reason (None when
    its subject's id has no exact key)."""
    ks = text_key(f.subject_id)
    return None if ks is None else ("unknown", entry[0], entry[4], ks, f.missing, f.reason)


_first = itemgetter(0)  # the sort key of (rule index, …) items, in C
_KEYS = {k: json_text(k) + ": " for k in ("name", "form", "district")}


def _separated(texts: list[str]) -> list[str]:
    """``texts`` with ``", "`` between them, as one list (``"".join`` of it is ``", ".join(texts)``)."""
    if len(texts) < 2:
        return texts
    out = [", "] * (2 * len(texts) - 1)
    out[::2] = texts
    return out


def _severity_masks(policy: CompiledPolicy) -> tuple[int, int]:
    """The bitmasks of a policy's rules of severity ``error`` and ``aim`` (bit ``i``: ``policy.rules[i]``)."""

    def compute() -> tuple[int, int]:
        errors = aims = 0
        for rule in policy.rules:
            if rule.severity == "error":
                errors |= 1 << rule.index
            elif rule.severity == "aim":
                aims |= 1 << rule.index
        return errors, aims

    masks: tuple[int, int] = policy.memo("report.severity-masks", compute)
    return masks


def _provenance_json(policy: CompiledPolicy, as_of: datetime.date) -> str:
    """The encoded ``provenance`` of a policy's reports of one date (kept for the last 64 dates)."""
    cache: dict[datetime.date, str] = policy.memo("report.provenance-json", dict)
    found = cache.get(as_of)
    if found is None:
        if len(cache) >= 64:
            cache.clear()
        assert policy.provenance is not None
        found = cache[as_of] = json_text(policy.provenance.to_dict(as_of.isoformat()))
    return found


_NONE: frozenset[str] = frozenset()


def _ids(policy: CompiledPolicy, mask: int) -> frozenset[str]:
    """The ids of the rules whose bits are set in ``mask``."""
    if not mask:
        return _NONE
    rules = policy.rules
    ids = []
    while mask:
        low = mask & -mask
        ids.append(rules[low.bit_length() - 1].id)
        mask ^= low
    return frozenset(ids)


# ---- packed records: a kept report's record as plain values the cyclic collector lets go of -------------------------
Shape = tuple[tuple[str, ...], tuple[int, ...]]
"""A packed record's keys and the positions of its lists and dicts: made once per key order, shared."""
Packed = tuple[Shape, tuple[Any, ...], bytes]
"""A record packed by :func:`pack_record`: its shape, its values with None at the positions of its lists and dicts,
and those lists and dicts pickled together."""

_SHAPES: dict[tuple[str, ...], Shape] = {}  # at most 256 key orders
_tracked = gc.is_tracked


def _shape(keys: tuple[str, ...], values: list[Any]) -> Shape:
    shape = (keys, tuple(i for i, v in enumerate(values) if type(v) is list or type(v) is dict))
    if len(_SHAPES) < 256:
        _SHAPES[keys] = shape
    return shape


def pack_record(record: Mapping[str, Any]) -> Packed | None:
    """``record`` as a tuple of plain values, which the cyclic garbage collector stops walking at its next pass
    (a kept normalized record is some 15 lists and dicts it walks on every full collection, which made a kept list of
    reports three times as slow as streaming them); None when there is nothing to pack.

    :func:`unpack_record` gives back an equal dict: the same keys in the same order, values of the same types (the
    lists and dicts go through :mod:`pickle`, as fast as :mod:`marshal` here and exact for Decimal too). The positions
    of the lists and dicts are those of the first record with the same keys in the same order: a list where that one
    had a plain value stays in the values as it is (the packed record is then walked, and still exact). A value that
    does not pickle leaves the record unpacked (None)."""
    if type(record) is not dict or not _tracked(record):
        return None
    keys = tuple(record)
    values = list(record.values())
    shape = _SHAPES.get(keys) or _shape(keys, values)
    try:
        blob = pickle.dumps(tuple([values[i] for i in shape[1]]), pickle.HIGHEST_PROTOCOL)
    except Exception:  # a value pickle cannot write: the record stays as it is
        return None
    for i in shape[1]:
        values[i] = None
    return shape, tuple(values), blob


def unpack_record(packed: Packed) -> dict[str, Any]:
    """The record :func:`pack_record` packed: a new dict equal to it, key for key and type for type."""
    (keys, positions), values, blob = packed
    items = list(values)
    for i, value in zip(positions, pickle.loads(blob), strict=True):  # bytes this process wrote
        items[i] = value
    return dict(zip(keys, items, strict=True))


def packed_get(packed: Packed, key: str) -> Any:
    """``unpack_record(packed).get(key)``, unpacking only when that value is a list or dict."""
    keys, positions = packed[0]
    if key not in keys:
        return None
    i = keys.index(key)
    return unpack_record(packed)[key] if i in positions else packed[1][i]


def _probe() -> Report:
    probe = Report.__new__(Report)
    probe._record = {}
    return probe


def _base_counts() -> tuple[int, int]:
    """How many references a report held only by a local variable shows to ``sys.getrefcount``, and its record held
    only by the report (the same expressions as in :func:`keep` and its caller, so any interpreter counts alike)."""
    oldest = _probe()
    return sys.getrefcount(oldest), sys.getrefcount(oldest._record)


HELD_BY_NONE, RECORD_ALONE = _base_counts()


def keep(report: Report) -> None:
    """Pack the record of a report the caller kept, when nothing else holds that record (no findings or lines built,
    no reference taken to ``report.record``).

    :meth:`Policy.evaluate_many <tuoyu_rules.Policy.evaluate_many>` calls it for each report two reports later (a
    loop's variable holds the last one by then) when ``sys.getrefcount`` shows that something beside its own local
    variable still holds the report (``HELD_BY_NONE``): a stream that drops its reports pays only for that count.
    What the report shows never changes: :attr:`Report.record` unpacks the record."""
    if type(report._record) is dict and sys.getrefcount(report._record) <= RECORD_ALONE:
        packed = pack_record(cast("dict[str, Any]", report._record))
        if packed is not None:
            report._record = packed


_TEXTS: dict[tuple[str, ...], tuple[str, ...]] = {}


def shared_texts(value: tuple[str, ...]) -> tuple[str, ...]:
    """An equal tuple of texts made before (missing fields, an unknown's marker), when there is one: a kept report
    then holds tuples of plain values only one level deep, which the collector lets go of at its next pass (at most
    4,096 are kept; only for tuples of ``str``, which compare equal only when they are the same text)."""
    if not value:
        return ()
    found = _TEXTS.get(value)
    if found is None:
        if len(_TEXTS) >= 4096:
            _TEXTS.clear()
        found = _TEXTS[value] = value
    return found


# ---- pickling: a report names its policy (compiler.pickling's PolicyRef), never carries it --------------------------
POLICIES: weakref.WeakValueDictionary[Any, CompiledPolicy] = weakref.WeakValueDictionary()
"""The compiled policies of this process by their :class:`~tuoyu_rules.compiler.pickling.PolicyRef`: filled when a
report is pickled and by :func:`register_policy`, so that a report unpickled in the process that pickled it gets the
very policy it had; elsewhere :func:`tuoyu_rules.compiler.pickling.lookup` compiles it once per process."""


def register_policy(policy: CompiledPolicy) -> None:
    """Make ``policy`` the one that reports naming it are unpickled with, in this process (held weakly)."""
    if policy.provenance is not None:
        POLICIES[reference(policy)] = policy


def policy_reference(policy: CompiledPolicy) -> tuple[Any, ...]:
    """How a pickled report names its policy: ``("ref", PolicyRef)`` (its source, the SHA-256 of every file of its
    chain, the engine version and its what-if values), or for a policy without provenance the policy itself (which
    then does not pickle: :class:`pickle.PicklingError`)."""
    if policy.provenance is None:
        return ("policy", policy)
    ref = _reference(policy)
    if POLICIES.get(ref) is None:
        POLICIES[ref] = policy
    return ("ref", ref)


_REFERENCES: dict[int, tuple[weakref.ref[CompiledPolicy], str, Any]] = {}  # id → (the policy, cwd, its reference)


def _reference(policy: CompiledPolicy) -> Any:
    """``reference(policy)``, made once per policy and working directory: it resolves paths (a few file-system calls),
    which cost more than the rest of a report's pickle; the one object also lets a list of reports pickle it once."""
    cwd = os.getcwd()
    known = _REFERENCES.get(id(policy))
    if known is not None and known[0]() is policy and known[1] == cwd:
        return known[2]
    ref = reference(policy)
    if len(_REFERENCES) >= 64:
        _REFERENCES.clear()
    _REFERENCES[id(policy)] = (weakref.ref(policy), cwd, ref)
    return ref


def restore_policy(ref: tuple[Any, ...]) -> CompiledPolicy:
    """The policy a pickled report names: the one registered in this process, else the one
    :func:`~tuoyu_rules.compiler.pickling.lookup` compiles (once per process), which refuses files that changed
    (``policy.source-changed``): a report is never judged again by other rules."""
    if ref[0] == "policy":
        return cast("CompiledPolicy", ref[1])
    found = POLICIES.get(ref[1])
    if found is None:
        found = POLICIES[ref[1]] = lookup(ref[1])
    return found


def _pack(f: Finding) -> tuple[Any, ...]:
    """A target finding as plain values: its rule by index, its arguments without the parameters."""
    args = (*f.args[:1], None, *f.args[2:])
    return (
        f.compiled_rule.index,
        f.outcome,
        f.observed,
        f.required,
        f.subject,
        f.subject_id,
        f.year,
        f.progress,
        f.missing,
        f.reason,
        args,
    )


def _unpack(policy: CompiledPolicy, t: tuple[Any, ...], p: Mapping[str, Any]) -> Finding:
    index, outcome, observed, required, subject, subject_id, year, progress, missing, reason, args = t
    args = (*args[:1], p, *args[2:])
    return Finding(
        policy.rules[index], outcome, observed, required, subject, subject_id, args, year, progress, missing, reason
    )


def _restore(ref: tuple[Any, ...], state: tuple[Any, ...]) -> Report:
    """Unpickle a report (:meth:`Report.__reduce__`)."""
    report = Report.__new__(Report)
    report.policy = restore_policy(ref)
    report._record, report.kind, report.as_of, report.year, report._raw, targets = state[:6]
    if targets:
        p = report.policy.params_at(report.as_of).point
        report._targets = tuple(_unpack(report.policy, t, p) for t in targets)
    else:
        report._targets = ()
    report._subsidies, report._benefits, report._outcomes, report._warnings = state[6:10]
    report._failed, report._unknown, report._status = state[10:]
    report._findings = report._lines = None
    return report


@dataclass
class ErrorReport:
    """A batch row that could not be read as a record: it still gets one output object (CONTRACT.md §4)."""

    row: int | None
    problems: list[Problem]
    id: Any = None
    source: str | None = None
    status: str = "error"
    passed: bool = False

    @classmethod
    def of(
        cls, row: int | None, problems: list[Problem], data: Any, source: str | None, at: Locator | None = None
    ) -> ErrorReport:
        """The error row of a batch row whose record could not be read: its id, when the row shows a plain one;
        ``at`` (the row's column table and Excel row) places the problems that do not yet say where they are."""
        value = data.get("id") if isinstance(data, Mapping) else None
        rid = value if isinstance(value, (str, int)) and len(str(value)) <= 200 else None
        if at is not None:
            problems = [_placed(p, at, data) for p in problems]
        return cls(row, problems, rid, source)

    @classmethod
    def duplicate(cls, row: int | None, rid: Any, source: str | None, at: Locator | None = None) -> ErrorReport:
        """The error row of a record whose (kind, id) repeats an earlier one of the same batch (``at`` places it)."""
        problem = Problem(
            "record.duplicate-id",
            f"编号 '{rid}' 与前面的记录重复",
            f"id '{rid}' repeats an earlier record",
            Location(row=row, field="id", file=source),
            value=rid,
        )
        return cls(row, [_placed(problem, at, None) if at is not None else problem], rid, source)

    def __repr__(self) -> str:
        codes = ", ".join(dict.fromkeys(p.code for p in self.problems[:3]))
        more = " …" if len(self.problems) > 3 else ""
        return f"<ErrorReport row {self.row} {short(self.id)} {codes}{more}>"

    def to_dict(self, passes: bool = True, trace: bool = False) -> ErrorRowJSON:  # the signature of Report.to_dict
        errors: list[ErrorJSON] = []
        for p in self.problems:
            error: ErrorJSON = {
                "field": p.location.field,
                "code": p.code,
                "message": p.message,
                "message_en": p.message_en,
            }
            if p.value is not None:
                error["value"] = _plain(p.value)
            place = _place(p.location)
            errors.append(cast("ErrorJSON", {**error, **place}) if place else error)
        out: dict[str, Any] = {"row": self.row}  # the keys in the order of the contract
        if self.id is not None:
            out["id"] = self.id
        out["status"] = "error"
        out["errors"] = errors
        if self.source:
            out["source"] = self.source
        out["schema_version"] = REPORT_SCHEMA_VERSION
        return cast("ErrorRowJSON", out)


class _Columns(Protocol):
    def location(
        self, path: str, row: int | None, source: str | None, excel_row: int | None, record: Any = None
    ) -> Location: ...


Locator = tuple[_Columns, "int | None"]
"""Where a ledger row is: its sheet's column table (``records.readers.columns.ColumnTable``) and its Excel row."""


def _placed(problem: Problem, at: Locator, data: Any) -> Problem:
    """``problem`` with the sheet, cell and header of its field, unless it already says where it is."""
    here = problem.location
    if here.cell or here.sheet or here.line is not None or here.field is None:
        return problem
    columns, excel_row = at
    found = columns.location(here.field, here.row, here.file, excel_row, data)
    return dataclasses.replace(problem, location=found)


def _place(location: Location) -> dict[str, Any]:
    """Where the analyst looks in the ledger: ``sheet``, ``cell`` (``C7``), ``header`` as written, ``line`` (CSV)."""
    place: dict[str, Any] = {"sheet": location.sheet, "cell": location.cell, "header": location.header}
    if location.row is not None and location.line is not None:
        place["line"] = location.line
    return {k: v for k, v in place.items() if v is not None}


def unread_warning(problem: Problem) -> dict[str, Any]:
    """The report warning of a refused value in a field no rule of the policy reads (the record was checked)."""
    out: dict[str, Any] = {
        "code": problem.code,
        "message": f"{problem.message}（本策略不读取此字段：此值未采用，记录照常核查）",
        "message_en": f"{problem.message_en} (this policy reads no such field: the value was not used and the record "
        "was checked)",
        "field": problem.location.field,
    }
    if problem.value is not None:
        out["value"] = _plain(problem.value)
    out.update(_place(problem.location))
    return out


def short(value: Any, width: int = 40) -> str:
    """``repr(value)``, cut to ``width`` characters (for the reprs of reports)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
