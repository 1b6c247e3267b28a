"""``schema --reports``: the JSON Schema of a report and of an error row (docs/contract.md §4 and its additions),
and of the two kinds of line of ``check --format jsonl --compact`` (a catalog line, a compact report).

The keys the contract names are typed; any other key is allowed, so that additive report fields of later minor
versions still validate. ``schema_version`` is ``MAJOR.MINOR``: a new minor version only adds keys or values; a new
major version is a breaking change of the contract.
"""

from __future__ import annotations

from typing import Any

from ..report import REPORT_SCHEMA_VERSION

__all__ = ["report_schema"]

_MONEY = {"type": ["string", "null"], "pattern": r"^-?[0-9]+\.[0-9]{2}$", "description": "两位小数的金额字符串 · money"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_ID = {"type": ["string", "integer", "null"]}

_CITATION = {
    "type": "object",
    "properties": {k: {"type": "string"} for k in ("document", "clause", "source", "quote", "number")},
}
_FINDING = {
    "type": "object",
    "required": ["rule", "outcome", "severity", "message", "citation"],
    "properties": {
        "rule": {"type": "string"},
        "outcome": {"enum": ["pass", "fail", "unknown", "not_due"]},
        "severity": {"enum": ["error", "warning", "info", "aim"]},
        "message": {"type": "string"},
        "message_en": _TEXT_OR_NULL,
        "observed": {"description": "实际值：数、布尔、文字或列表 · the observed value (any JSON value)"},
        "required": {"description": "要求值 · the required value (any JSON value)"},
        "fix": _TEXT_OR_NULL,
        "fix_en": _TEXT_OR_NULL,
        "citation": _CITATION,
        "title": _TEXT_OR_NULL,
        "title_en": _TEXT_OR_NULL,
        "subject": {"type": "string"},
        "subject_id": {"type": ["string", "integer"]},
        "year": {"type": "integer"},
        "due": _DATE,
        "progress": {"type": ["number", "null"]},
        "missing": _STRINGS,
        "reason": {"type": "string"},
    },
}
_LINE_COMMON = {
    "id": {"type": "string"},
    "eligible": {"type": ["boolean", "null"], "description": "true、false 或 null（无法判断）"},
    "missing": _STRINGS,
    "citation": _CITATION,
    "title": _TEXT_OR_NULL,
    "title_en": _TEXT_OR_NULL,
}
_SUBSIDY = {
    "type": "object",
    "required": ["id", "eligible", "amount", "citation"],
    "properties": {
        **_LINE_COMMON,
        "id": {"type": "string", "pattern": "^subsidy\\."},
        "amount": _MONEY,
        "amount_min": _MONEY,
        "amount_max": _MONEY,
        "amount_open": {"type": "boolean"},
        "period": {"enum": ["month", "year", "once", "unspecified", None]},
        "currency": {"const": "CNY"},
        "basis": _TEXT_OR_NULL,
        "basis_en": _TEXT_OR_NULL,
        "status": {"enum": ["unknown"]},
        "note": {"type": "string"},
        "note_en": {"type": "string"},
        "excluded_by": {"type": "object", "properties": {"reason": {"type": "string"}, "citation": _CITATION}},
    },
}
_BENEFIT = {
    "type": "object",
    "required": ["id", "eligible"],
    "properties": {
        **_LINE_COMMON,
        "id": {"type": "string", "pattern": "^benefit\\."},
        "value": {"type": ["string", "number", "null"]},
        "unit": _TEXT_OR_NULL,
        "stated": {"type": "array", "items": {"type": "object"}},
    },
}
_PROVENANCE = {
    "type": "object",
    "required": ["policy", "engine_version", "files", "as_of"],
    "properties": {
        "policy": {"type": "string"},
        "engine_version": {"type": "string"},
        "files": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["path", "sha256"],
                "properties": {"path": {"type": "string"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
            },
        },
        "as_of": _DATE,
        "overrides": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
# where the analyst looks in a ledger (error rows and record warnings): additions of minor version 1.x
_PLACE = {
    "sheet": {"type": "string", "description": "工作表名称 · the sheet's name"},
    "cell": {
        "type": "string",
        "pattern": r"^[A-Z]{1,3}[0-9]+(,[A-Z]{1,3}[0-9]+)*$",
        "description": "Excel 中的单元格（C7；两列表示同一字段时 C7,F7）· the cell as Excel shows it",
    },
    "header": {"type": "string", "description": "用户所写的表头 · the column's header as the user wrote it"},
    "line": {"type": "integer", "minimum": 1, "description": "CSV 文件中该行起始的行号 · the CSV file line"},
}
_WARNING = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "message_en": _TEXT_OR_NULL,
        "field": _TEXT_OR_NULL,
        "value": {},
        **_PLACE,
    },
}
_VERSION = {"type": "string", "pattern": "^" + REPORT_SCHEMA_VERSION.split(".")[0] + r"\.[0-9]+$"}
_REPORT = {
    "type": "object",
    "required": ["kind", "id", "policy", "as_of", "status", "findings", "violations", "subsidies"],
    "properties": {
        "kind": {"enum": ["institution", "region", "residential_area"]},
        "id": _ID,
        "policy": {"type": "string"},
        "as_of": _DATE,
        "status": {"enum": ["pass", "fail", "incomplete"]},
        "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
        "violations": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
        "subsidies": {"type": "array", "items": {"$ref": "#/$defs/subsidy"}},
        "benefits": {"type": "array", "items": {"$ref": "#/$defs/benefit"}},
        "warnings": {"type": "array", "items": {"$ref": "#/$defs/warning"}},
        "record": {"type": "object"},
        "passes_omitted": {"type": "integer", "minimum": 0},
        "aims": {  # aims (力争, 鼓励 …) counted apart: they never make the status fail
            "type": "object",
            "properties": {k: {"type": "integer", "minimum": 0} for k in ("met", "not_met", "unknown", "not_due")},
        },
        "provenance": {"$ref": "#/$defs/provenance"},
        "schema_version": _VERSION,
    },
}
_REPORT["not"] = {"required": ["compact"]}
# --compact JSONL (docs/reports.md): catalog lines, and reports whose findings and lines leave titles and citations
# (a benefit's ``stated`` too) to the catalog; a part that differs from its catalog entry stays in the line
_COMPACT_FINDING = {**_FINDING, "required": ["rule", "outcome", "severity", "message"]}
_COMPACT_SUBSIDY = {**_SUBSIDY, "required": ["id", "eligible", "amount"]}
_COMPACT_REPORT = {
    **_REPORT,
    "required": [*_REPORT["required"], "compact"],
    "properties": {
        **_REPORT["properties"],  # type: ignore[dict-item]
        "findings": {"type": "array", "items": {"$ref": "#/$defs/compact_finding"}},
        "violations": {"type": "array", "items": {"$ref": "#/$defs/compact_finding"}},
        "subsidies": {"type": "array", "items": {"$ref": "#/$defs/compact_subsidy"}},
        "compact": {"const": True, "description": "目录行给出标题与出处 · titles and citations are in the catalog"},
    },
}
del _COMPACT_REPORT["not"]
_ENTRY = {
    "type": "object",
    "properties": {
        "title": _TEXT_OR_NULL,
        "title_en": _TEXT_OR_NULL,
        "citation": _CITATION,
        "stated": {"type": "array"},
    },
}
_CATALOG = {
    "type": "object",
    "required": ["catalog"],
    "description": "紧凑 JSONL 的目录行：此前未写过的条目 · a catalog line of compact JSONL: the entries not written before",
    "properties": {
        "catalog": {
            "type": "object",
            "required": ["policy"],
            "properties": {
                "policy": {"type": "string"},
                "rules": {"type": "object", "additionalProperties": _ENTRY},
                "subsidies": {"type": "object", "additionalProperties": _ENTRY},
                "benefits": {"type": "object", "additionalProperties": _ENTRY},
                "provenance": {"$ref": "#/$defs/provenance"},
            },
        },
        "schema_version": _VERSION,
    },
}
_ERROR_ROW = {
    "type": "object",
    "required": ["row", "status", "errors"],
    "properties": {
        "row": {"type": ["integer", "null"], "minimum": 1},
        "id": _ID,
        "status": {"const": "error"},
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "field": _TEXT_OR_NULL,
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "message_en": _TEXT_OR_NULL,
                    "value": {},
                    **_PLACE,
                },
            },
        },
        "source": {"type": "string"},
        "schema_version": _VERSION,
    },
}


def report_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one output object of ``check``: a report, or an error row."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://tuoyu-rules.readthedocs.io/schema/report-{REPORT_SCHEMA_VERSION}.schema.json",
        "title": "tuoyu-rules report",
        "description": "一条记录的核查报告，或一条无法读取的台账行 · one record's report, or a row that could not be read",
        "oneOf": [
            {"$ref": "#/$defs/report"},
            {"$ref": "#/$defs/error_row"},
            {"$ref": "#/$defs/catalog"},
            {"$ref": "#/$defs/compact_report"},
        ],
        "$defs": {
            "report": _REPORT,
            "error_row": _ERROR_ROW,
            "finding": _FINDING,
            "warning": _WARNING,
            "subsidy": _SUBSIDY,
            "benefit": _BENEFIT,
            "provenance": _PROVENANCE,
            "citation": _CITATION,
            "catalog": _CATALOG,
            "compact_report": _COMPACT_REPORT,
            "compact_finding": _COMPACT_FINDING,
            "compact_subsidy": _COMPACT_SUBSIDY,
        },
    }
