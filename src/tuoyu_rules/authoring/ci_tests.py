"""``test --format junit|tap``: the embedded examples of policies as CI test results, one test case per example.

A failing example is a failure whose message is its first mismatch (the report's outcome against the example's
``expect``) and whose text lists them all; a policy that does not compile is one errored case carrying its problems.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..compiler import CompiledPolicy
from ..errors import PolicyError, Problem
from ..examples import run_examples
from ..writers.junit import JUnitCase, junit_document

__all__ = ["junit_tests", "tap_tests", "test_cases"]


def _text(p: Problem, lang: str) -> str:
    return p.message_en if lang == "en" and p.message_en else p.message


def _example_cases(policy: CompiledPolicy, lang: str) -> list[JUnitCase]:
    cases = []
    for result in run_examples(policy):
        origin = policy.example_origins[result.index] if result.index < len(policy.example_origins) else None
        lines = [_text(p, lang) for p in result.problems]
        cases.append(
            JUnitCase(
                classname=policy.id,
                name=result.name,
                outcome="failure" if lines else "pass",
                message=lines[0] if lines else "",
                text="\n".join(lines),
                type=result.problems[0].code if result.problems else "",
                file=origin.file if origin else policy.file,
                line=origin.line if origin else None,
            )
        )
    return cases


def _load_error_case(exc: PolicyError, lang: str) -> tuple[str, JUnitCase]:
    errors = [p for p in exc.problems if p.severity == "error"] or list(exc.problems)
    file = next((p.location.file for p in errors if p.location.file), None) or "policy"
    lines = [f"{p.location}: {_text(p, lang)}" if p.location.file else _text(p, lang) for p in errors]
    case = JUnitCase(
        classname=file,
        name="load" if lang == "en" else "加载策略 load",
        outcome="error",
        message=lines[0] if lines else "",
        text="\n".join(lines),
        type=errors[0].code if errors else "error",
        file=file,
        line=errors[0].location.line if errors else None,
    )
    return file, case


def test_cases(policies: Iterable[CompiledPolicy | PolicyError], lang: str = "zh") -> list[tuple[str, list[JUnitCase]]]:
    """(suite name, cases) per policy: a case per embedded example, or one errored case for a broken policy."""
    suites = []
    for policy in policies:
        if isinstance(policy, PolicyError):
            name, case = _load_error_case(policy, lang)
            suites.append((name, [case]))
        else:
            suites.append((policy.id, _example_cases(policy, lang)))
    return suites


def junit_tests(suites: list[tuple[str, list[JUnitCase]]]) -> str:
    """A JUnit XML document: a test suite per policy, a test case per embedded example."""
    return junit_document(suites, name="tuoyu-rules test")


def tap_tests(suites: list[tuple[str, list[JUnitCase]]]) -> str:
    """TAP version 14: a test point per example, with a YAML block (message, at, mismatches) when it fails."""
    cases = [(suite, case) for suite, cases in suites for case in cases]
    lines = ["TAP version 14", f"1..{len(cases)}"]
    for n, (suite, case) in enumerate(cases, start=1):
        ok = case.outcome == "pass"
        lines.append(f"{'ok' if ok else 'not ok'} {n} - {suite}: {_one_line(case.name)}")
        if ok:
            continue
        block: dict[str, Any] = {"message": case.message, "severity": case.outcome, "code": case.type}
        if case.file:
            block["at"] = {"file": case.file, "line": case.line}
        block["mismatches"] = case.text.split("\n")
        lines.append("  ---")
        lines.extend(f"  {key}: {json.dumps(value, ensure_ascii=False)}" for key, value in block.items())
        lines.append("  ...")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    """A TAP description holds no newline and no ``#`` (which would start a directive)."""
    return " ".join(text.split()).replace("#", "\\#")
