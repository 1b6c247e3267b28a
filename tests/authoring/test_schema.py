"""The JSON Schema of the policy file."""

from __future__ import annotations

from tuoyu_rules.authoring.schema import schema as policy_schema


def test_schema_is_draft_2020_12_with_the_policy_sections() -> None:
    schema = policy_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] and schema["$id"].endswith("policy.schema.json")
    assert {"id", "rules", "parameters", "subsidies", "examples"} <= set(schema["properties"])
