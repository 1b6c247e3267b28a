"""The provenance (来源) of the reports a writer saw, as lines for headers and footers.

Reports of one run share one provenance per policy and as-of date, so :class:`~.summary.Summary` keeps the distinct
ones (bounded by the number of policies and dates, never by the number of records) and the CSV comment line, the
XLSX ``来源``/``provenance`` sheet and the HTML footer print them.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["PROVENANCE_LIMIT", "PROVENANCE_SHEET", "provenance_key", "provenance_line", "provenance_rows"]

PROVENANCE_SHEET = {"zh": "来源", "en": "provenance"}
_LABEL = {
    "zh": ("来源", "策略", "引擎", "截至", "覆盖参数"),
    "en": ("provenance", "policy", "engine", "as of", "overrides"),
}


PROVENANCE_LIMIT = 20
"""Distinct provenances a summary keeps (a run has one per policy and as-of date)."""


def provenance_key(p: dict[str, Any]) -> tuple[Any, ...]:
    """One key per distinct provenance object: cheap enough to build for every report that streams past."""
    files = tuple(f.get("sha256") for f in p.get("files") or ())
    return (p.get("policy"), p.get("engine_version"), p.get("as_of"), files, json.dumps(p.get("overrides")))


def provenance_line(p: dict[str, Any], lang: str) -> str:
    """``来源: 策略 <id> · 引擎 tuoyu-rules <version> · 截至 <as-of> · policies/<id>.yaml sha256:…``."""
    title, policy, engine, as_of, overrides = _LABEL[lang]
    parts = [
        f"{policy} {p.get('policy')}",
        f"{engine} tuoyu-rules {p.get('engine_version')}",
        f"{as_of} {p.get('as_of')}",
    ]
    parts += [f"{f.get('path')} sha256:{f.get('sha256')}" for f in p.get("files") or ()]
    if p.get("overrides"):
        parts.append(f"{overrides} " + ", ".join(f"{k}={v}" for k, v in p["overrides"].items()))
    return f"{title}: " + " · ".join(parts)


def provenance_rows(p: dict[str, Any]) -> list[list[str]]:
    """Rows of the XLSX provenance sheet for one provenance: policy, engine version, as-of, path, sha256."""
    base = [str(p.get("policy")), str(p.get("engine_version")), str(p.get("as_of"))]
    rows = [[*base, str(f.get("path")), str(f.get("sha256"))] for f in p.get("files") or ()]
    for name, value in (p.get("overrides") or {}).items():
        rows.append([*base, f"--set {name}={value}", ""])
    return rows
