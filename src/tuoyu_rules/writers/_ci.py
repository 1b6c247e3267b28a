"""What the CI formats (github, sarif, junit) share: where a record came from, and why it did not pass.

A report does not know its ledger row; ``check`` adds ``row`` and ``source`` to the report dicts it hands these
writers (the formats of :data:`LOCATED_FORMATS`), from the row each report was made of. Only records that did not
pass are annotated: ``fail`` and error rows as errors, ``incomplete`` as a warning naming the missing fields.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ._format import STATUS_LABEL, _missing, _name, _text, _unknown_findings, error_place

__all__ = ["LOCATED_FORMATS", "file_line", "problem_lines", "record_name", "record_title", "xml_text"]

LOCATED_FORMATS = frozenset({"github", "sarif", "junit"})
"""Formats whose reports ``check`` tags with the ``row`` and ``source`` they were read from."""

_LINE_OFFSET = {".jsonl": 0, ".ndjson": 0, ".csv": 1, ".tsv": 1}  # text formats: the line a data row starts on
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def file_line(item: dict[str, Any]) -> int | None:
    """The line of the source file a row starts on, when the format makes it exact enough to point at (an error row
    of a CSV file says it; else JSONL: the row; CSV: the row plus the header line, exact unless rows above the
    header were skipped or an earlier cell spans lines); None for XLSX, JSON, stdin."""
    said = next((e["line"] for e in item.get("errors") or () if isinstance(e.get("line"), int)), None)
    if said is not None:
        return int(said)
    source, row = str(item.get("source") or ""), item.get("row")
    if not isinstance(row, int) or source in ("", "-"):
        return None
    suffix = source[source.rfind(".") :].lower() if "." in source else ""
    offset = _LINE_OFFSET.get(suffix)
    return None if offset is None else row + offset


def record_name(item: dict[str, Any], lang: str) -> str:
    """``LMT-003 某某托育园 第 4 行`` — which record, and which row of its ledger."""
    who = " ".join(str(x) for x in (item.get("id") or "", _name(item)) if x) or "?"
    row = item.get("row")
    return who + ("" if row is None else (f" 第 {row} 行" if lang == "zh" else f" row {row}"))


def record_title(item: dict[str, Any], lang: str) -> str:
    """``LMT-003 某某托育园 第 4 行：不通过`` — which record, which row, what status."""
    status = str(item.get("status"))
    label = STATUS_LABEL[lang].get(status, status)
    return f"{record_name(item, lang)}{'：' if lang == 'zh' else ': '}{label}"


def problem_lines(item: dict[str, Any], lang: str) -> list[str]:
    """One line per reason: each violation (rule: message → fix), each unknown finding, or each error of a row."""
    if item.get("status") == "error":
        return [
            f"{e.get('field') or '-'}{_at(e)} [{e.get('code')}]: {_text(e, 'message', lang)}"
            for e in item.get("errors") or ()
        ]
    lines = []
    for v in item.get("violations") or ():
        severity = "" if v.get("severity") == "error" else f" ({v.get('severity')})"
        fix = _text(v, "fix", lang)
        lines.append(f"{v.get('rule')}{severity}: {_text(v, 'message', lang)}" + (f" → {fix}" if fix else ""))
    lines += [f"{f.get('rule')}: {_missing(f, lang)}" for f in _unknown_findings(item)]
    return lines


def _at(e: dict[str, Any]) -> str:
    place = error_place(e)
    return f" @ {place}" if place else ""


def xml_text(text: str) -> str:
    """Text an XML 1.0 document may hold: control characters a ledger cell might carry are dropped."""
    return _XML_BAD.sub("", text)


def artifact_uri(source: str) -> str:
    """Relative to the working directory when it can be (code scanning needs that), else a file URI."""
    target = Path(source)
    if not target.is_absolute():
        return target.as_posix()
    try:
        return target.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return target.as_uri()
