"""Problems for CI: GitHub Actions workflow commands and a SARIF 2.1.0 log (``validate --format github|sarif``)."""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from ..writers._ci import artifact_uri


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(results: list[tuple[str, list[Problem]]], lang: str = "zh") -> list[str]:
    """GitHub Actions workflow commands, one per problem: ``::error file=F,line=L,col=C,title=CODE::MESSAGE``
    (``::warning`` for warnings, ``::notice`` for notices), escaped as the runner expects."""
    lines = []
    for file, problems in results:
        for p in problems:
            level = p.severity  # error, warning and notice are the runner's own three levels
            loc = p.location
            where = f"file={_escape_property(loc.file or file)}"
            if loc.line:
                where += f",line={loc.line}"
            if loc.column:
                where += f",col={loc.column}"
            text = p.message_en if lang == "en" and p.message_en else p.message
            lines.append(f"::{level} {where},title={_escape_property(p.code)}::{_escape_data(text)}")
    return lines


_SARIF_LEVELS = {"error": "error", "warning": "warning", "notice": "note"}


def sarif(results: list[tuple[str, list[Problem]]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log: tool driver ``tuoyu-rules``, one reporting rule per problem code, one result per problem
    (level ``error``, ``warning``, or ``note`` for a notice)."""
    codes = sorted({p.code for _, problems in results for p in problems})
    out_results = []
    for file, problems in results:
        for p in problems:
            region = {}
            if p.location.line:
                region["startLine"] = p.location.line
            if p.location.column:
                region["startColumn"] = p.location.column
            physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(p.location.file or file)}}
            if region:
                physical["region"] = region
            out_results.append(
                {
                    "ruleId": p.code,
                    "ruleIndex": codes.index(p.code),
                    "level": _SARIF_LEVELS[p.severity],
                    "message": {"text": f"{p.message} / {p.message_en}" if p.message_en else p.message},
                    "locations": [{"physicalLocation": physical}],
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tuoyu-rules",
                        "informationUri": "https://pypi.org/project/tuoyu-rules/",
                        "rules": [{"id": c, "name": c, "shortDescription": {"text": c}} for c in codes],
                    }
                },
                "results": out_results,
            }
        ],
    }
