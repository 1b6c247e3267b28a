"""How values read as text: numbers, booleans and the Chinese labels of enum values, keyed by (field, value)."""

from __future__ import annotations

from decimal import Decimal

from tuoyu_rules.text import format_value


def test_format_value() -> None:
    assert format_value(Decimal("4.995")) == "4.995"
    assert format_value(Decimal("5.000")) == "5"
    assert format_value(True) == "是" and format_value(True, "en") == "yes"


def test_format_value_labels_by_field_and_value() -> None:
    assert format_value("mixed", field="type") == "混合班"
    assert format_value("mixed", field="ownership") == "混合"
    assert format_value("mixed") == "混合"  # the field unknown (a report's observed value): as before
    assert format_value(["childcare", "teacher"], field="certificates") == "保育育婴资质、幼师资格"
    assert format_value("mixed", "en", field="type") == "mixed"
