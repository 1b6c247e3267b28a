"""Date hygiene (``validate``): expired and expiring policies, documents and values; targets after the period or
without a value; values dated before the policy starts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..compiler import CompiledPolicy
from ..errors import Location, Problem, Severity
from ..model import PolicyModel
from ..source import SourceDoc, load_yaml_file


@dataclass(frozen=True)
class _Check:
    """One policy's date check: where its keys are, the day it is checked on, and the expiry window."""

    policy: CompiledPolicy
    doc: SourceDoc
    today: datetime.date
    expiring_within: int | None

    def warn(self, path: tuple[Any, ...], code: str, zh: str, en: str, severity: Severity = "warning") -> Problem:
        line, column = self.doc.where(path)
        return Problem(code, zh, en, Location(file=self.policy.file, line=line, column=column), severity)

    def note(self, path: tuple[Any, ...], code: str, zh: str, en: str) -> Problem:
        """A notice: a fact about history (a plan or document that has ended), never an error, not even strict."""
        return self.warn(path, code, zh, en, "notice")

    @property
    def ended(self) -> bool:
        """The policy's period is over: it is history, and nothing of it is still about to expire."""
        until = self.policy.model.in_force.until
        return until is not None and until < self.today

    def soon(self, day: datetime.date) -> bool:
        """``day`` is today or later and within the expiry window (when one is asked for), in a policy still in
        force."""
        within = self.expiring_within
        return within is not None and not self.ended and self.today <= day and (day - self.today).days <= within


def _period(check: _Check, m: PolicyModel) -> list[Problem]:
    """The policy's own period: expired, or expiring soon."""
    until = m.in_force.until
    if until is None:
        return []
    if until < check.today:
        return [
            check.note(
                ("in_force", "until"), "policy.expired", f"策略已于 {until} 失效", f"the policy expired on {until}"
            )
        ]
    if check.soon(until):
        days = (until - check.today).days
        return [
            check.warn(
                ("in_force", "until"),
                "policy.expiring",
                f"策略将于 {until} 失效（{days} 天后）",
                f"the policy expires on {until}, in {days} days",
            )
        ]
    return []


def _documents(check: _Check, m: PolicyModel) -> list[Problem]:
    """Each document's period: expired, or expiring soon."""
    out = []
    for key, document in m.documents.items():
        end = document.in_force.until if document.in_force else None
        if end is None:
            continue
        if end < check.today:
            out.append(
                check.note(
                    ("documents", key, "in_force", "until"),
                    "policy.document-expired",
                    f"文件 {key}（{document.title}）已于 {end} 失效",
                    f"document {key} ({document.title}) expired on {end}",
                )
            )
        elif check.soon(end):
            days = (end - check.today).days
            out.append(
                check.warn(
                    ("documents", key, "in_force", "until"),
                    "policy.document-expiring",
                    f"文件 {key}（{document.title}）将于 {end} 失效（{days} 天后）",
                    f"document {key} ({document.title}) expires on {end}, in {days} days",
                )
            )
    return out


def _targets(check: _Check, m: PolicyModel) -> list[Problem]:
    """Target years whose parameter has no value that year, and target years after the policy ends."""
    out = []
    until = m.in_force.until
    for i, rule in enumerate(m.rules):
        for year, target in (rule.by_year or {}).items():
            if isinstance(target, str):
                param = check.policy.parameters.get(target)
                if param is None or param.point_at(datetime.date(year, 12, 31)) is None:
                    out.append(
                        check.warn(
                            ("rules", i, "by_year", year),
                            "policy.target-without-value",
                            f"规则 {rule.id} 的 {year} 年目标引用的参数 {target} 在该年没有取值",
                            f"rule {rule.id}: parameter {target} has no value in {year}",
                        )
                    )
            if until is not None and year > until.year:
                out.append(
                    check.warn(
                        ("rules", i, "by_year", year),
                        "policy.target-after-period",
                        f"规则 {rule.id} 的 {year} 年目标晚于策略有效期（至 {until}）",
                        f"rule {rule.id} has a {year} target after the policy ends ({until})",
                    )
                )
    return out


def _value_expiring(
    check: _Check, path: tuple[Any, ...], name: str, document: str, end: datetime.date
) -> list[Problem]:
    """A value in force whose document ends within the window (a warning), or has ended already (a notice); asked
    for with ``expiring_within``, and only of a policy still in force."""
    if check.soon(end):
        return [
            check.warn(
                path,
                "policy.value-expiring",
                f"参数 {name} 的现行取值所依据的文件 {document} 将于 {end} 失效",
                f"the value of {name} rests on document {document}, which expires on {end}",
            )
        ]
    if check.expiring_within is not None and not check.ended and end < check.today:
        return [
            check.note(
                path,
                "policy.value-expiring",
                f"参数 {name} 的现行取值所依据的文件 {document} 已于 {end} 失效",
                f"the value of {name} rests on document {document}, which expired on {end}",
            )
        ]
    return []


def _values(check: _Check, m: PolicyModel) -> list[Problem]:
    """Values in force that rest on a document ending soon, and values dated before the policy without a citation."""
    out = []
    start = m.in_force.from_
    for name, param in m.parameters.items():
        values = sorted(enumerate(param.values), key=lambda iv: iv[1].since)
        for n, (j, value) in enumerate(values):
            cited = value.citation or param.citation
            # the value a document ends: the cited document's own end date, unless a later value replaces it first
            source_doc = check.policy.documents.get(cited.document)
            end = source_doc.in_force.until if source_doc is not None and source_doc.in_force else None
            replaced = n + 1 < len(values)
            if end is not None and not replaced:
                out.extend(
                    _value_expiring(check, ("parameters", name, "values", j, "since"), name, cited.document, end)
                )
            if value.since >= start or value.citation is not None or cited.document not in m.documents:
                continue  # in the policy's period, or cited on its own, or a parent's document and date
            out.append(
                check.warn(
                    ("parameters", name, "values", j, "since"),
                    "policy.value-before-period",
                    f"参数 {name} 的取值自 {value.since} 起，早于策略生效日期 {start}；"
                    f"若文件确有更早的起算日期，请在该取值上单独写 citation 说明出处",
                    f"{name} has a value from {value.since}, before the policy starts ({start}); if the document "
                    f"does date it earlier, give that value its own citation",
                )
            )
    return out


def date_hygiene(policy: CompiledPolicy, today: datetime.date, expiring_within: int | None) -> list[Problem]:
    """Problems with dates, located at the YAML key.

    Notices (history, never errors): the policy or a document has ended; with ``expiring_within``, the document a
    value in force rests on has ended. Warnings (``validate --strict`` turns them into errors): with
    ``expiring_within``, the policy, a document or the document of a value in force expires within that many days
    (asked only of a policy still in force); a target year after the policy ends or without a value; a value dated
    before the policy starts that neither comes from a parent nor cites where its earlier date comes from.

    Only the policy's own file is looked at (a parent is checked on its own).
    """
    check = _Check(policy, load_yaml_file(policy.file), today, expiring_within)
    m: PolicyModel = policy.model
    return [*_period(check, m), *_documents(check, m), *_targets(check, m), *_values(check, m)]
