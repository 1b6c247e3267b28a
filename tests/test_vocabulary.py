"""The record contract as data: every field, header and enum value is documented and labelled."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tuoyu_rules import vocabulary as v

ROOT = Path(__file__).resolve().parent.parent
LEDGERS = (ROOT / "docs" / "ledgers.md").read_text(encoding="utf-8")


def field_paths(table: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for name, spec in table.items():
        if isinstance(spec, tuple) and spec[0] == "obj":  # an object is documented by its dotted fields
            out.extend(field_paths(spec[1], f"{prefix}{name}."))
        else:
            out.append(prefix + name)
    return out


def test_every_field_of_every_kind_is_in_the_field_table_of_docs_ledgers_md() -> None:
    documented = set(re.findall(r"^\| `([\w.]+)` \|", LEDGERS, re.M))
    fields = {p for kind in v.KINDS.values() for p in field_paths(kind)}
    fields |= set(field_paths(v.CLASS_FIELDS)) | set(field_paths(v.STAFF_FIELDS))
    assert sorted(fields - documented - {"classes", "staff", "subregions"}) == []


def test_every_chinese_header_is_documented() -> None:
    assert sorted(h for h in v.HEADERS if h not in LEDGERS) == []


def test_every_enum_value_has_a_chinese_label_and_reads_from_its_label_or_code() -> None:
    for field, values in v.ENUM_VALUES.items():
        for code, (label, _spellings) in values.items():
            assert label and re.search(r"[\u4e00-\u9fff]", label), (field, code)
            table = v.CERTIFICATES if field == v.CERTIFICATE_FIELD else v.ENUMS[field]
            assert table[code] == code


def test_labels_are_keyed_by_field() -> None:
    assert v.VALUE_LABELS_ZH[("type", "mixed")] == "混合班" and v.VALUE_LABELS_ZH[("ownership", "mixed")] == "混合"
