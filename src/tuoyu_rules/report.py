"""Findings -> :class:`Report` and its JSON object (CONTRACT.md §4).

Messages are rendered when a report is turned into a dict (by the objects of :mod:`.findings`), never in the
evaluator's hot path.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import localcontext
from typing import TYPE_CHECKING, Any, cast

from .errors import Location, Problem
from .findings import BenefitLine, Finding, SubsidyLine, raw_to_finding
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
        for line in benefits:  # a benefit's JSON value and superseded figures depend on the policy
            line.policy = policy

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
        p = self.policy.params_at(self.as_of).point
        made = [raw_to_finding(self.policy, entry, self.year, p) for entry in raw]
        made.extend(self._targets)
        made.sort(key=lambda f: f.compiled_rule.index)
        return made

    @property
    def passed(self) -> bool:
        """False when any finding of severity ``error`` failed (see ``status`` for unknowns)."""
        rules = self.policy.rules
        for entry in self._raw:
            if entry[1] is False and rules[entry[0]].severity == "error":
                return False
        return not any(f.outcome == "fail" and f.severity == "error" for f in self._targets)

    @property
    def status(self) -> str:
        """``fail`` (an error-severity finding failed), ``incomplete`` (some finding unknown) or ``pass``."""
        if not self.passed:
            return "fail"
        rules = self.policy.rules
        for entry in self._raw:  # an aim that cannot be judged leaves the record complete: it is not a requirement
            if entry[1] is not True and entry[1] is not False and rules[entry[0]].severity != "aim":
                return "incomplete"
        if any(f.outcome == "unknown" and f.severity != "aim" for f in self._targets):
            return "incomplete"
        return "pass"

    def aims(self) -> dict[str, int] | None:
        """How the record stands against the policy's aims (力争, 鼓励 …), counted apart from its requirements;
        None when no aim gave a finding."""
        counts = {"met": 0, "not_met": 0, "unknown": 0, "not_due": 0}
        names = {"pass": "met", "fail": "not_met", "unknown": "unknown", "not_due": "not_due"}
        seen = False
        for f in self.findings:
            if f.severity == "aim":
                seen = True
                counts[names[f.outcome]] += 1
        return counts if seen else None

    def failed_rules(self) -> frozenset[str]:
        """The ids of the rules that failed, without building any finding (the fast path for services)."""
        rules = self.policy.rules
        failed = {rules[entry[0]].id for entry in self._raw if entry[1] is False}
        if self._targets:
            failed.update(f.rule for f in self._targets if f.outcome == "fail")
        return frozenset(failed)

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
        built = self._build([entry for entry in self._raw if entry[1] is not True])
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
        chosen = self.findings if passes else self.problem_findings()
        findings: list[FindingJSON] = [f.to_dict() for f in chosen]
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
        aims = self.aims() if self.policy.has_aims else None
        if aims is not None:
            out["aims"] = aims
        if self.warnings:
            out["warnings"] = self.warnings
        extra = {k: self.record[k] for k in ("name", "form", "district") if k in self.record}
        if extra:
            out["record"] = extra
        if not passes:
            out["passes_omitted"] = sum(1 for entry in self._raw if entry[1] is True) + sum(
                1 for f in self._targets if f.outcome == "pass" and f.year is None
            )
        if self.policy.provenance is not None:
            out["provenance"] = self.policy.provenance.to_dict(out["as_of"])
        out["schema_version"] = REPORT_SCHEMA_VERSION
        return cast("ReportJSON", out)  # built as a plain dict to keep the keys in the order of the contract


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
    def of(cls, row: int | None, problems: list[Problem], data: Any, source: str | None) -> ErrorReport:
        """The error row of a batch row whose record could not be read: its id, when the row shows a plain one."""
        value = data.get("id") if isinstance(data, Mapping) else None
        rid = value if isinstance(value, (str, int)) and len(str(value)) <= 200 else None
        return cls(row, problems, rid, source)

    @classmethod
    def duplicate(cls, row: int | None, rid: Any, source: str | None) -> ErrorReport:
        """The error row of a record whose (kind, id) repeats an earlier one of the same batch."""
        problem = Problem(
            "record.duplicate-id",
            f"编号 '{rid}' 与前面的记录重复",
            f"id '{rid}' repeats an earlier record",
            Location(row=row, field="id", file=source),
            value=rid,
        )
        return cls(row, [problem], rid, source)

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
            errors.append(error)
        out: dict[str, Any] = {"row": self.row}  # the keys in the order of the contract
        if self.id is not None:
            out["id"] = self.id
        out["status"] = "error"
        out["errors"] = errors
        if self.source:
            out["source"] = self.source
        out["schema_version"] = REPORT_SCHEMA_VERSION
        return cast("ErrorRowJSON", out)


def short(value: Any, width: int = 40) -> str:
    """``repr(value)``, cut to ``width`` characters (for the reprs of reports)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
