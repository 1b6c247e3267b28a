"""Date hygiene: notices for ended plans, warnings for dates that disagree, located at the YAML key."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from tuoyu_rules.authoring.dates import date_hygiene
from tuoyu_rules.compiler import compile_file

ROOT = Path(__file__).resolve().parents[2]


def test_date_hygiene_warns_about_expiry_and_targets_without_values(tmp_path: Path) -> None:
    text = (ROOT / "tests/data/policies/mini.yaml").read_text(encoding="utf-8")
    text = text.replace("in_force: {from: 2023-01-01}", "in_force: {from: 2023-01-01, until: 2024-12-31}")
    text = text.replace(
        "by_year: {2023: 1525, 2024: 2000, 2025: 2320}", "by_year: {2023: 1525, 2024: 2000, 2025: fund}"
    )
    text = text.replace(
        "fund: {type: money, values: [{since: 2022-01-01, value: 3000000}]",
        "fund: {type: money, values: [{since: 2026-01-01, value: 3000000}]",
    )
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    policy = compile_file(path)
    codes = {p.code for p in date_hygiene(policy, datetime.date(2024, 12, 1), expiring_within=60)}
    assert {"policy.expiring", "policy.target-after-period", "policy.target-without-value"} <= codes
    later = date_hygiene(policy, datetime.date(2025, 6, 1), None)
    severities = {p.code: p.severity for p in later}
    assert severities.pop("policy.expired") == "notice"  # a plan that has ended is history, not a defect
    assert severities and set(severities.values()) == {"warning"} and all(p.location.line for p in later)


def test_an_ended_policy_gets_no_expiring_warnings_only_notices(child_of_mini: Callable[..., Path]) -> None:
    body = """\
    documents:
      c: {title: 子文件, date: 2023-01-01, in_force: {from: 2023-01-01, until: 2025-03-31}}
    parameters:
      late: {type: money, values: [{since: 2023-01-01, value: 1}], citation: {document: c, clause: x, quote: q}}
    """
    path = child_of_mini(body)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "in_force: {from: 2023-01-01}", "in_force: {from: 2023-01-01, until: 2024-12-31}"
        ),
        encoding="utf-8",
    )
    policy = compile_file(path)
    in_force = {p.code: p.severity for p in date_hygiene(policy, datetime.date(2024, 12, 1), expiring_within=180)}
    assert in_force == {
        "policy.expiring": "warning",
        "policy.document-expiring": "warning",
        "policy.value-expiring": "warning",
    }
    ended = {p.code: p.severity for p in date_hygiene(policy, datetime.date(2025, 1, 2), expiring_within=180)}
    assert ended == {"policy.expired": "notice"}  # the document still runs to March, but the plan is over
    gone = {p.code: p.severity for p in date_hygiene(policy, datetime.date(2025, 6, 1), expiring_within=180)}
    assert gone == {"policy.expired": "notice", "policy.document-expired": "notice"}


def test_values_dated_before_the_policy_need_their_own_citation(child_of_mini: Callable[..., Path]) -> None:
    body = """\
    documents:
      c: {title: 子文件, date: 2023-01-01, in_force: {from: 2023-01-01, until: 2024-12-31}}
    parameters:
      early: {type: money, values: [{since: 2021-01-01, value: 1}], citation: {document: c, clause: x, quote: q}}
      cited:
        type: money
        values: [{since: 2021-01-01, value: 1, citation: {document: c, clause: 从2021年起, quote: q}}]
        citation: {document: c, clause: x, quote: q}
      parents: {type: money, values: [{since: 2021-01-01, value: 1}], citation: {document: d, clause: x, quote: q}}
    """
    policy = compile_file(child_of_mini(body))
    problems = date_hygiene(policy, datetime.date(2024, 12, 1), expiring_within=60)
    before = [p for p in problems if p.code == "policy.value-before-period"]
    assert len(before) == 1 and "early" in before[0].message and before[0].location.line == 9
    codes = {p.code for p in problems}
    assert {"policy.document-expiring", "policy.value-expiring"} <= codes
    later = {p.code for p in date_hygiene(policy, datetime.date(2025, 1, 2), None)}
    assert "policy.document-expired" in later and "policy.document-expiring" not in later
    ended = [p for p in date_hygiene(policy, datetime.date(2025, 1, 2), 60) if p.code == "policy.value-expiring"]
    assert ended and all(p.severity == "notice" and "expired on 2024-12-31" in p.message_en for p in ended)
