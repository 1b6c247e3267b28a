"""The JSON objects of the report contract (docs/contract.md §4, §7) as TypedDicts, for type checkers.

``Report.to_dict()``, ``ErrorReport.to_dict()``, ``Finding.to_dict()``, ``SubsidyLine.to_dict()`` and
``BenefitLine.to_dict()`` return these. A key that only some objects carry is in the ``total=False`` class of its
object. This module imports nothing of the package, so every layer may use it.
"""

from __future__ import annotations

from typing import Any, TypedDict

Citation = dict[str, Any]
"""``{document, clause, quote, …}``: where a number or a rule comes from."""


class _FindingBase(TypedDict):
    rule: str
    outcome: str
    severity: str
    message: str
    observed: Any
    required: Any
    fix: str | None
    citation: Citation
    title: str | None
    title_en: str | None
    message_en: str
    fix_en: str | None


class FindingJSON(_FindingBase, total=False):
    """One finding (``findings`` and ``violations`` of a report)."""

    subject: str
    subject_id: Any
    year: int
    progress: Any
    missing: list[str]
    reason: str


class ExclusionJSON(TypedDict):
    """Why a subsidy line is not eligible although its conditions hold (``excluded_by``)."""

    reason: str
    reason_en: str
    citation: Citation | None


class _SubsidyBase(TypedDict):
    id: str
    eligible: bool | None
    amount: str | None
    amount_min: str | None
    amount_max: str | None
    period: str
    currency: str
    basis: str | None
    citation: Citation
    title: str | None
    title_en: str | None


class SubsidyJSON(_SubsidyBase, total=False):
    """One subsidy line (``subsidies`` of a report); money is text with two places."""

    basis_en: str
    status: str
    missing: list[str]
    excluded_by: ExclusionJSON
    amount_open: bool
    note: str
    note_en: str


class _BenefitBase(TypedDict):
    id: str
    eligible: bool | None
    value: Any
    unit: str | None
    citation: Citation
    title: str | None
    title_en: str | None


class BenefitJSON(_BenefitBase, total=False):
    """One non-cash benefit line (``benefits`` of a report)."""

    missing: list[str]
    stated: list[dict[str, Any]]


class _ReportBase(TypedDict):
    kind: str
    id: Any
    policy: str
    as_of: str
    status: str
    findings: list[FindingJSON]
    violations: list[FindingJSON]
    subsidies: list[SubsidyJSON]
    schema_version: str


class ReportJSON(_ReportBase, total=False):
    """The report of one record."""

    benefits: list[BenefitJSON]
    aims: dict[str, int]
    warnings: list[dict[str, Any]]
    record: dict[str, Any]
    passes_omitted: int
    provenance: dict[str, Any]


class _ErrorBase(TypedDict):
    field: str | None
    code: str
    message: str
    message_en: str


class ErrorJSON(_ErrorBase, total=False):
    """One problem of an error row; ``sheet``, ``cell`` (``C7``), ``header`` (as written) and ``line`` (of a CSV
    file) say where the analyst looks in the ledger."""

    value: Any
    sheet: str
    cell: str
    header: str
    line: int


class _ErrorRowBase(TypedDict):
    row: int | None
    status: str
    errors: list[ErrorJSON]
    schema_version: str


class ErrorRowJSON(_ErrorRowBase, total=False):
    """The output object of a row that could not be read as a record."""

    id: Any
    source: str
