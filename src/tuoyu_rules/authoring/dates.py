"""Date hygiene (``validate``): expired and expiring policies, documents and values; targets after the period or
without a value; values dated before the policy starts."""

from __future__ import annotations

import datetime
from typing import Any

from ..compiler import CompiledPolicy, resolve_parameters
from ..errors import Location, Problem
from ..model import PolicyModel
from ..source import load_yaml_file


def date_hygiene(policy: CompiledPolicy, today: datetime.date, expiring_within: int | None) -> list[Problem]:
    """Warnings about dates, located at the YAML key: a policy, document or parameter value that has expired or
    expires within ``expiring_within`` days, a target year after the policy ends or without a value, and a value
    dated before the policy starts that neither comes from a parent nor cites where its earlier date comes from.

    Only the policy's own file is looked at (a parent is checked on its own). ``validate --strict`` turns the
    warnings into errors.
    """
    doc = load_yaml_file(policy.file)
    m: PolicyModel = policy.model

    def warn(path: tuple[Any, ...], code: str, zh: str, en: str) -> Problem:
        line, column = doc.where(path)
        return Problem(code, zh, en, Location(file=policy.file, line=line, column=column), "warning")

    def soon(day: datetime.date) -> bool:
        return expiring_within is not None and today <= day and (day - today).days <= expiring_within

    out = []
    until = m.in_force.until
    if until is not None:
        if until < today:
            out.append(
                warn(
                    ("in_force", "until"), "policy.expired", f"策略已于 {until} 失效", f"the policy expired on {until}"
                )
            )
        elif soon(until):
            days = (until - today).days
            out.append(
                warn(
                    ("in_force", "until"),
                    "policy.expiring",
                    f"策略将于 {until} 失效（{days} 天后）",
                    f"the policy expires on {until}, in {days} days",
                )
            )
    for key, document in m.documents.items():
        end = document.in_force.until if document.in_force else None
        if end is None:
            continue
        if end < today:
            out.append(
                warn(
                    ("documents", key, "in_force", "until"),
                    "policy.document-expired",
                    f"文件 {key}（{document.title}）已于 {end} 失效",
                    f"document {key} ({document.title}) expired on {end}",
                )
            )
        elif soon(end):
            out.append(
                warn(
                    ("documents", key, "in_force", "until"),
                    "policy.document-expiring",
                    f"文件 {key}（{document.title}）将于 {end} 失效（{(end - today).days} 天后）",
                    f"document {key} ({document.title}) expires on {end}, in {(end - today).days} days",
                )
            )
    for i, rule in enumerate(m.rules):
        for year, target in (rule.by_year or {}).items():
            if isinstance(target, str):
                in_force = resolve_parameters(policy.parameters, datetime.date(year, 12, 31))
                if target not in in_force.point:
                    out.append(
                        warn(
                            ("rules", i, "by_year", year),
                            "policy.target-without-value",
                            f"规则 {rule.id} 的 {year} 年目标引用的参数 {target} 在该年没有取值",
                            f"rule {rule.id}: parameter {target} has no value in {year}",
                        )
                    )
            if until is not None and year > until.year:
                out.append(
                    warn(
                        ("rules", i, "by_year", year),
                        "policy.target-after-period",
                        f"规则 {rule.id} 的 {year} 年目标晚于策略有效期（至 {until}）",
                        f"rule {rule.id} has a {year} target after the policy ends ({until})",
                    )
                )
    start = m.in_force.from_
    for name, param in m.parameters.items():
        values = sorted(enumerate(param.values), key=lambda iv: iv[1].since)
        for n, (j, value) in enumerate(values):
            cited = value.citation or param.citation
            # the value a document ends: the cited document's own end date, unless a later value replaces it first
            source_doc = policy.documents.get(cited.document)
            end = source_doc.in_force.until if source_doc is not None and source_doc.in_force else None
            replaced = n + 1 < len(values)
            if end is not None and not replaced and soon(end):
                out.append(
                    warn(
                        ("parameters", name, "values", j, "since"),
                        "policy.value-expiring",
                        f"参数 {name} 的现行取值所依据的文件 {cited.document} 将于 {end} 失效",
                        f"the value of {name} rests on document {cited.document}, which expires on {end}",
                    )
                )
            if value.since >= start or value.citation is not None or cited.document not in m.documents:
                continue  # in the policy's period, or cited on its own, or a parent's document and date
            out.append(
                warn(
                    ("parameters", name, "values", j, "since"),
                    "policy.value-before-period",
                    f"参数 {name} 的取值自 {value.since} 起，早于策略生效日期 {start}；"
                    f"若文件确有更早的起算日期，请在该取值上单独写 citation 说明出处",
                    f"{name} has a value from {value.since}, before the policy starts ({start}); if the document "
                    f"does date it earlier, give that value its own citation",
                )
            )
    return out
