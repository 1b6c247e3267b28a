"""SARIF 2.1.0 for ledger checks: one result per record that did not pass (error rows included), located at the
ledger file and row, written as the records stream past; the rules seen are listed after the results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from ._ci import artifact_uri, file_line, problem_lines, record_title
from .base import WriteOptions

__all__ = ["write_sarif"]

_LEVEL = {"fail": "error", "error": "error", "incomplete": "warning"}


def _rule_ids(item: dict[str, Any]) -> list[str]:
    if item.get("status") == "error":
        return list(dict.fromkeys(str(e.get("code")) for e in item.get("errors") or ())) or ["error"]
    ids = [v["rule"] for v in item.get("violations") or ()]
    ids += [f["rule"] for f in item.get("findings") or () if f.get("outcome") == "unknown"]
    return list(dict.fromkeys(ids)) or [str(item.get("status"))]


def sarif_result(item: dict[str, Any], rules: dict[str, int], lang: str) -> dict[str, Any] | None:
    """The result of one report or error row (None when it passed); ``rules`` gets the rule ids it names."""
    level = _LEVEL.get(str(item.get("status")))
    if level is None:
        return None
    ids = _rule_ids(item)
    for rule in ids:
        rules.setdefault(rule, len(rules))
    location: dict[str, Any] = {
        "logicalLocations": [{"name": str(item.get("id") or item.get("row")), "kind": "object"}]
    }
    if item.get("source") and item.get("source") != "-":
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(str(item["source"]))}}
        line = file_line(item)
        if line is not None:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    text = "\n".join([record_title(item, lang), *problem_lines(item, lang)])
    return {
        "ruleId": ids[0],
        "ruleIndex": rules[ids[0]],
        "level": level,
        "message": {"text": text},
        "locations": [location],
        "properties": {"id": item.get("id"), "row": item.get("row"), "status": item.get("status"), "rules": ids},
    }


def write_sarif(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """One SARIF log with one run: tool driver ``tuoyu-rules``, a result per record that did not pass."""
    rules: dict[str, int] = {}
    version = None  # the engine's version, as the reports' provenance names it (writers import nothing of it)
    out.write('{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{"results": [')
    first = True
    for item in stream:
        version = version or (item.get("provenance") or {}).get("engine_version")
        result = sarif_result(item, rules, options.lang)
        if result is None:
            continue
        out.write(("" if first else ",") + "\n" + json.dumps(result, ensure_ascii=False, default=str))
        first = False
    driver: dict[str, Any] = {"name": "tuoyu-rules", "informationUri": "https://pypi.org/project/tuoyu-rules/"}
    if version:
        driver["version"] = str(version)
    driver["rules"] = [{"id": r, "name": r, "shortDescription": {"text": r}} for r in rules]
    out.write("\n], " + '"tool": ' + json.dumps({"driver": driver}, ensure_ascii=False) + "}]}\n")
