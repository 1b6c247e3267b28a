"""JSON and JSONL (json.py)."""

from __future__ import annotations

import json
from decimal import Decimal

from ._reports import items, text_of


def test_jsonl_is_one_object_per_line_in_input_order() -> None:
    lines = text_of("jsonl", items()).splitlines()
    assert [json.loads(line) for line in lines] == items()
    assert "泸州" in lines[0], "ensure_ascii=False keeps Chinese readable"


def test_json_is_an_array_that_keeps_key_order() -> None:
    parsed = json.loads(text_of("json", iter(items())))
    assert parsed == items()
    assert list(parsed[0]) == list(items()[0]), "keys stay in the order the report gave them"
    assert json.loads(text_of("json", [])) == []


def test_json_writes_decimals_and_dates_that_slip_in_as_strings() -> None:
    import datetime

    item = {"id": "X", "status": "pass", "amount": Decimal("1.50"), "as_of": datetime.date(2024, 6, 30)}
    assert json.loads(text_of("jsonl", [item])) == {
        "id": "X",
        "status": "pass",
        "amount": "1.50",
        "as_of": "2024-06-30",
    }
