"""JSON (one array, indented) and JSONL (one report object per line), both written one report at a time.

``--compact`` JSONL (:func:`write_jsonl` with ``options.compact``) moves what every report of a policy repeats — the
titles and citations of its rules, subsidies and benefits, and the provenance — into catalog lines written once
(docs/reports.md, "Compact JSONL"); the default output is the one the contract describes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from ._format import _json_default
from .base import WriteOptions

__all__ = ["CATALOG_KEYS", "expand_compact", "write_json", "write_jsonl"]

CATALOG_KEYS = ("title", "title_en", "citation")
"""The keys of a finding, subsidy or benefit that a compact line leaves to the catalog (a benefit's ``stated`` too)."""
_SECTIONS = {"findings": "rules", "subsidies": "subsidies", "benefits": "benefits"}


def write_jsonl(stream: Iterator[Any], out: IO[str], options: WriteOptions) -> None:
    """One report object per line; Chinese unescaped. A report object with ``to_json()`` (``Report``) writes its
    own text, byte for byte the encoding of its dict, without building the dict."""
    # one encoder for the whole stream (json.dumps builds a new one per call); reports hold no cycles, so the
    # encoder need not keep a set of the containers it is inside. The text is the same as json.dumps gives.
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False).encode
    write = out.write
    if options.compact:
        catalog = _Catalog()
        for item in stream:
            line, new = catalog.compact(item if isinstance(item, dict) else item.to_dict())
            if new is not None:
                write(encode(new) + "\n")
            write(encode(line) + "\n")
        return
    for item in stream:
        to_json = None if isinstance(item, dict) else getattr(item, "to_json", None)
        write(to_json() if to_json is not None else encode(item))
        write("\n")  # apart: a line is some 20 KB, which `+ "\n"` would copy


def write_json(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """A JSON array of report objects, indented by two; Chinese unescaped, key order as in the report."""
    out.write("[")
    for i, item in enumerate(stream):
        out.write(("," if i else "") + "\n" + json.dumps(item, ensure_ascii=False, indent=2, default=_json_default))
    out.write("\n]\n")


class _Catalog:
    """What a compact stream has written to its catalog so far, per policy: entries are written once, in a catalog
    line before the first report that needs them."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str, str], dict[str, Any]] = {}  # (policy, section, id) → entry
        self.provenance: dict[str, Any] = {}  # policy → the provenance last written

    def compact(self, report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """(the compact line of a report, the catalog line to write before it or None)."""
        if report.get("status") == "error" or "findings" not in report:
            return report, None
        policy = str(report.get("policy"))
        new: dict[str, Any] = {}
        line: dict[str, Any] = {}
        shrunk: dict[int, dict[str, Any]] = {}  # id(finding dict) → its compact form: violations repeat findings
        for key, value in report.items():
            if key in _SECTIONS:
                line[key] = [self._entry(policy, _SECTIONS[key], d, new, shrunk) for d in value]
            elif key == "violations":
                line[key] = [shrunk.get(id(d)) or self._entry(policy, "rules", d, new, shrunk) for d in value]
            elif key == "provenance":
                if self.provenance.get(policy) != value:
                    self.provenance[policy] = new["provenance"] = value
            else:
                line[key] = value
        line["compact"] = True
        if not new:
            return line, None
        return line, {"catalog": {"policy": policy, **new}, "schema_version": report.get("schema_version")}

    def _entry(
        self, policy: str, section: str, d: dict[str, Any], new: dict[str, Any], shrunk: dict[int, dict[str, Any]]
    ) -> dict[str, Any]:
        name = d.get("rule") if section == "rules" else d.get("id")
        parts = {k: d[k] for k in (*CATALOG_KEYS, "stated") if k in d}
        known = self.seen.get((policy, section, str(name)))
        if known is None:
            known = self.seen[(policy, section, str(name))] = parts
            new.setdefault(section, {})[str(name)] = parts
        # a part that differs from the catalog's (a target year with a citation of its own) stays in the line
        out = {k: v for k, v in d.items() if k not in parts or parts[k] != known.get(k)}
        shrunk[id(d)] = out
        return out


def expand_compact(lines: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The report objects of a compact JSONL stream, each with its catalog parts put back (new dicts; the keys of a
    finding or line are not in the contract's order: compare as JSON objects). Catalog lines are read, not yielded."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    provenance: dict[str, Any] = {}
    for line in lines:
        catalog = line.get("catalog")
        if isinstance(catalog, dict):
            policy = str(catalog.get("policy"))
            for section in _SECTIONS.values():
                for name, parts in (catalog.get(section) or {}).items():
                    seen[(policy, section, name)] = parts
            if "provenance" in catalog:
                provenance[policy] = catalog["provenance"]
            continue
        if not line.get("compact"):
            yield line
            continue
        policy = str(line.get("policy"))
        out = {k: v for k, v in line.items() if k != "compact"}
        for key, section in (*_SECTIONS.items(), ("violations", "rules")):
            if key in out:
                out[key] = [_expanded(d, seen.get((policy, section, _name(d, section)), {})) for d in out[key]]
        if policy in provenance and "schema_version" in out:
            del out["schema_version"]
            out["provenance"], out["schema_version"] = provenance[policy], line["schema_version"]
        yield out


def _name(d: dict[str, Any], section: str) -> str:
    return str(d.get("rule") if section == "rules" else d.get("id"))


def _expanded(d: dict[str, Any], parts: dict[str, Any]) -> dict[str, Any]:
    """A compact finding or line with its catalog parts put back (a new dict)."""
    return {**d, **{k: v for k, v in parts.items() if k not in d}}
