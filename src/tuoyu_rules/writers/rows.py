"""The row view of a report: the verdicts the csv, xlsx and table writers and the summary read, never a full dict.

:func:`report_row` makes a :class:`ReportRow` from a ``Report`` (through its public API: ``status``,
``problem_findings()``, ``subsidies``, ``warnings`` …, so that passing findings are never built and no message is
rendered unless a writer shows it), from a report dict (``to_dict()``, the columnar engine's verdict rows, a JSONL
line read back) or from an error row. Findings and subsidy lines are read through the keys of their JSON objects
(``get``), computed only when asked: a writer written against the dicts reads either source the same way, byte for
byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, localcontext
from typing import Any, ClassVar

from ..text import DECIMAL_CONTEXT, json_number
from .items import as_dict

__all__ = ["ReportRow", "report_row"]

Keyed = Mapping[str, Any]
"""A finding, subsidy line or error as writers read it: its JSON object, or a view with the same ``get``."""


class _Keys(Mapping[str, Any]):
    """An object read through the keys of its JSON object: ``get(key)`` computes that key's value only (a key
    whose value is None counts as absent, as the JSON leaves such keys out or sets them null)."""

    __slots__ = ("_o",)
    KEYS: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    def __init__(self, obj: Any) -> None:
        self._o = obj

    def get(self, key: str, default: Any = None) -> Any:
        getter = self.KEYS.get(key)
        value = None if getter is None else getter(self)
        return default if value is None else value

    def __getitem__(self, key: str) -> Any:
        if key not in self.KEYS:
            raise KeyError(key)
        return self.KEYS[key](self)

    def __iter__(self) -> Iterator[str]:
        return (key for key, getter in self.KEYS.items() if getter(self) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _subject_id(f: Any) -> Any:
    return f.subject_id if f.subject is not None else None  # the JSON carries subject_id only beside a subject


class _Finding(_Keys):
    """A ``Finding`` read as its JSON object (``Finding.to_dict()``) without building it."""

    __slots__ = ()
    KEYS: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "rule": lambda v: v._o.rule,
        "outcome": lambda v: v._o.outcome,
        "severity": lambda v: v._o.severity,
        "message": lambda v: v._o.message,
        "message_en": lambda v: v._o.message_en,
        "fix": lambda v: v._o.fix,
        "fix_en": lambda v: v._o.fix_en,
        "observed": lambda v: json_number(v._o.observed),
        "required": lambda v: json_number(v._o.required),
        "citation": lambda v: v._o.citation,
        "title": lambda v: v._o.title,
        "title_en": lambda v: v._o.title_en,
        "subject": lambda v: v._o.subject,
        "subject_id": lambda v: _subject_id(v._o),
        "year": lambda v: v._o.year,
        "missing": lambda v: list(v._o.missing) or None,
        "reason": lambda v: v._o.reason or None,
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


class _Subsidy(_Keys):
    """A subsidy line read as its JSON object (``SubsidyLine.to_dict()``); its amounts as the JSON's text."""

    __slots__ = ("amounts",)
    KEYS: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "id": lambda v: v._o.id,
        "eligible": lambda v: v._o.eligible,
        "amount": lambda v: v.amounts[0],
        "amount_min": lambda v: v.amounts[1],
        "amount_max": lambda v: v.amounts[2],
        "period": lambda v: v._o.period,
        "currency": lambda v: "CNY",
        "basis": lambda v: v._o.basis,
        "basis_en": lambda v: v._o.basis_en,
        "citation": lambda v: v._o.citation,
        "title": lambda v: v._o.title,
        "title_en": lambda v: v._o.title_en,
        "status": lambda v: v._o.status,
        "missing": lambda v: list(v._o.missing) or None,
        "excluded_by": lambda v: v._o.excluded_by,
        "amount_open": lambda v: True if v._o.amount_open else None,
        "note": lambda v: v._o.note,
        "note_en": lambda v: v._o.note_en,
    }

    def __init__(self, line: Any) -> None:
        super().__init__(line)
        with localcontext(DECIMAL_CONTEXT):  # as to_dict() writes them, whatever the caller's context
            self.amounts = (_money(line.amount), _money(line.amount_min), _money(line.amount_max))


class ReportRow:
    """What the verdict writers read of one report or error row.

    ``violations`` are the failed findings (aims included, as in the JSON's ``violations``), ``unknown`` the
    findings whose outcome is unknown, ``subsidies`` the subsidy lines; each is read with ``get(key)`` as in the
    JSON. :meth:`findings` gives every finding (the long form, region targets). An error row keeps its JSON
    object as ``error`` (``row``, ``id``, ``errors``, ``source``); its other fields are empty.
    """

    __slots__ = (
        "_all",
        "_provenance",
        "as_of",
        "district",
        "error",
        "form",
        "id",
        "kind",
        "name",
        "policy",
        "status",
        "subsidies",
        "unknown",
        "violations",
        "warnings",
    )

    def __init__(
        self,
        kind: Any,
        ident: Any,
        status: Any,
        record: Mapping[str, Any],
        violations: list[Keyed],
        unknown: list[Keyed],
        subsidies: list[Keyed],
        every_finding: Callable[[], list[Keyed]],
    ) -> None:
        self.kind, self.id, self.status = kind, ident, status
        self.name = str(record.get("name") or "")
        self.district, self.form = record.get("district"), record.get("form")
        self.violations, self.unknown, self.subsidies = violations, unknown, subsidies
        self._all = every_finding
        self.policy: Any = None
        self.as_of: Any = None
        self.warnings: list[dict[str, Any]] = []
        self.error: dict[str, Any] | None = None
        self._provenance: Callable[[], dict[str, Any] | None] = _none

    def findings(self) -> list[Keyed]:
        """Every finding of the report, passing ones included, in rule order."""
        return self._all()

    @property
    def provenance(self) -> dict[str, Any] | None:
        """The report's ``provenance`` object (None when its policy has none)."""
        return self._provenance()


def _none() -> None:
    return None


def _of_report(report: Any) -> ReportRow:
    problems = report.problem_findings()
    row = ReportRow(
        report.kind,
        report.id,
        report.status,
        report.record,
        [_Finding(f) for f in problems if f.outcome == "fail"],
        [_Finding(f) for f in problems if f.outcome == "unknown"],
        [_Subsidy(s) for s in report.subsidies],
        lambda: [_Finding(f) for f in report.findings],
    )
    policy = report.policy
    row.policy, row.as_of = policy.id, report.as_of.isoformat()
    row.warnings = report.warnings or []
    if policy.provenance is not None:
        row._provenance = lambda: policy.provenance.to_dict(row.as_of)
    return row


def _of_dict(item: dict[str, Any]) -> ReportRow:
    findings = item.get("findings") or []
    record = item.get("record") or {}
    row = ReportRow(
        item.get("kind"),
        item.get("id"),
        item.get("status"),
        {**record, "name": item.get("name") or record.get("name")},
        list(item.get("violations") or ()),
        [f for f in findings if f.get("outcome") == "unknown"],
        list(item.get("subsidies") or ()),
        lambda: list(findings),
    )
    row.policy, row.as_of = item.get("policy"), item.get("as_of")
    row.warnings = item.get("warnings") or []
    provenance = item.get("provenance")
    if provenance:
        row._provenance = lambda: provenance
    if item.get("status") == "error":
        row.error = item
    return row


def report_row(item: Any) -> ReportRow:
    """The row view of a report or error row: a ``Report``, any object with a ``to_dict()``, or its dict."""
    if isinstance(item, ReportRow):
        return item
    if hasattr(item, "problem_findings") and hasattr(item, "subsidies") and not isinstance(item, Mapping):
        return _of_report(item)
    return _of_dict(as_dict(item))


def report_rows(items: Iterator[Any]) -> Iterator[ReportRow]:
    for item in items:
        yield report_row(item)
