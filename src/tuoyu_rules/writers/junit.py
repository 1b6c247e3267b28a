"""JUnit XML, the test report every CI system reads: ``check --format junit`` (a test case per record, a test suite
per ledger file) and, through :func:`junit_document`, ``test --format junit`` (a case per embedded example).

A failed record is a ``<failure>`` naming its rules, an error row an ``<error>``, an incomplete record a
``<skipped>`` naming the missing fields (it was not decided, so it neither passed nor failed). The test suite's
counts come first in the file, so cases are held in a spooled temporary file (memory up to 4 MB, then disk) until
the stream ends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from ._ci import file_line, problem_lines, record_name, record_title, xml_text
from .base import WriteOptions

__all__ = ["JUnitCase", "junit_document", "junit_suite_close", "junit_suite_open", "write_junit"]

_SPOOL_BYTES = 4 * 1024 * 1024
_KIND = {"fail": "failure", "error": "error", "incomplete": "skipped"}


def _attr(value: Any) -> str:
    return quoteattr(xml_text(str(value)))


@dataclass(frozen=True)
class JUnitCase:
    """One ``<testcase>``: ``outcome`` is ``pass``, ``failure``, ``error`` or ``skipped``."""

    classname: str
    name: str
    outcome: str = "pass"
    message: str = ""
    text: str = ""
    type: str = ""
    file: str | None = None
    line: int | None = None

    def render(self) -> str:
        where = f" file={_attr(self.file)}" if self.file else ""
        where += f' line="{self.line}"' if self.line is not None else ""
        head = f'<testcase classname={_attr(self.classname)} name={_attr(self.name)} time="0"{where}'
        if self.outcome == "pass":
            return head + "/>"
        if self.outcome == "skipped":
            return f"{head}><skipped message={_attr(self.message)}/></testcase>"
        body = escape(xml_text(self.text))
        kind = f"<{self.outcome} message={_attr(self.message)} type={_attr(self.type or self.outcome)}>"
        return f"{head}>{kind}{body}</{self.outcome}></testcase>"


def junit_suite_open(name: str, tests: int, failures: int, errors: int, skipped: int) -> str:
    return (
        f'<testsuite name={_attr(name)} tests="{tests}" failures="{failures}" errors="{errors}" '
        f'skipped="{skipped}" time="0">'
    )


def junit_suite_close() -> str:
    return "</testsuite>"


def junit_document(suites: Iterable[tuple[str, list[JUnitCase]]], name: str = "tuoyu-rules") -> str:
    """A whole ``<testsuites>`` document from (suite name, cases) pairs."""
    parts, totals = [], {"tests": 0, "failure": 0, "error": 0, "skipped": 0}
    for suite, cases in suites:
        counts = {k: sum(1 for c in cases if c.outcome == k) for k in ("failure", "error", "skipped")}
        totals["tests"] += len(cases)
        for k, n in counts.items():
            totals[k] += n
        parts.append(junit_suite_open(suite, len(cases), counts["failure"], counts["error"], counts["skipped"]))
        parts.extend("  " + c.render() for c in cases)
        parts.append(junit_suite_close())
    return "\n".join([_document_open(name, totals), *parts, "</testsuites>", ""])


def _document_open(name: str, totals: dict[str, int]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name={_attr(name)} tests="{totals["tests"]}" failures="{totals["failure"]}" '
        f'errors="{totals["error"]}" skipped="{totals["skipped"]}" time="0">'
    )


def record_case(item: dict[str, Any], lang: str) -> JUnitCase:
    """The test case of one report or error row."""
    status = str(item.get("status"))
    outcome = _KIND.get(status, "pass")
    lines = problem_lines(item, lang) if outcome != "pass" else []
    kind = item.get("policy") or "tuoyu-rules"
    if status == "error":
        first = (item.get("errors") or [{}])[0]
        kind = str(first.get("code") or status)
    elif lines:
        kind = str((item.get("violations") or [{}])[0].get("rule") or kind)
    return JUnitCase(
        classname=str(item.get("policy") or "ledger"),
        name=record_name(item, lang),
        outcome=outcome,
        message=(lines[0] if lines else record_title(item, lang)),
        text="\n".join(lines),
        type=kind,
        file=str(item["source"]) if item.get("source") and item.get("source") != "-" else None,
        line=file_line(item),
    )


@dataclass
class _Suite:
    spool: IO[str]
    tests: int = 0
    failure: int = 0
    error: int = 0
    skipped: int = 0


def write_junit(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """A test suite per ledger file, a test case per record; counts first, so cases are spooled until the end."""
    suites: dict[str, _Suite] = {}
    try:
        for item in stream:
            source = str(item.get("source") or "-")
            suite = suites.get(source)
            if suite is None:
                spool = tempfile.SpooledTemporaryFile(_SPOOL_BYTES, mode="w+", encoding="utf-8")
                suite = suites[source] = _Suite(spool)
            case = record_case(item, options.lang)
            suite.tests += 1
            if case.outcome != "pass":
                setattr(suite, case.outcome, getattr(suite, case.outcome) + 1)
            suite.spool.write("  " + case.render() + "\n")
        totals = {k: sum(getattr(s, k) for s in suites.values()) for k in ("tests", "failure", "error", "skipped")}
        out.write(_document_open("tuoyu-rules check", totals) + "\n")
        for source, s in suites.items():
            out.write(junit_suite_open(f"tuoyu-rules check {source}", s.tests, s.failure, s.error, s.skipped) + "\n")
            s.spool.seek(0)
            shutil.copyfileobj(s.spool, out)
            out.write(junit_suite_close() + "\n")
        out.write("</testsuites>\n")
    finally:
        for s in suites.values():
            s.spool.close()
