"""``schema``: JSON Schemas of the policy file and of a record, generated from the models that validate them."""

from __future__ import annotations

from typing import Any

from ..model import PolicyModel


def schema() -> dict[str, Any]:
    """JSON Schema of the policy file, from the same pydantic models that validate it."""
    out = PolicyModel.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tuoyu-rules.readthedocs.io/schema/policy.schema.json",
        "title": "tuoyu-rules policy",
        **{k: v for k, v in out.items() if k != "title"},
    }


def record_schema() -> dict[str, Any]:
    """JSON Schema of a record (institution, region or residential area) in the contract's spellings.

    For systems that write JSON or JSONL ledgers; the checker also reads Chinese spellings and units, which the schema
    does not list. Generated from the record models, which come from the checker's own field tables.
    """
    from pydantic import TypeAdapter

    from ..records import Institution, Region, ResidentialArea

    kinds: Any = Institution | Region | ResidentialArea
    out = TypeAdapter(kinds).json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tuoyu-rules.readthedocs.io/schema/record.schema.json",
        "title": "tuoyu-rules record",
        **out,
    }
