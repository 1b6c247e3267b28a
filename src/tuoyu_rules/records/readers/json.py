"""The JSON family of readers: JSONL (one record per line, streamed) and whole JSON or YAML documents (one record,
or a list of them). Numbers with a point are read as exact ``Decimal``, never float."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

from .base import LedgerInput, RawRow, problem_row
from .text import guarded, open_text


def read_jsonl(ledger: LedgerInput) -> Iterator[RawRow]:
    """One RawRow per non-blank line; a line that is not JSON is a row with a ``record.bad-json`` problem."""
    source = ledger.source
    text = open_text(ledger)
    with text:
        row = 0
        for line in guarded(iter(text), source):
            if not line.strip():
                continue
            row += 1
            try:
                data = json.loads(line, parse_float=Decimal)
            except (json.JSONDecodeError, RecursionError) as exc:
                msg = getattr(exc, "msg", "nested too deeply")
                yield problem_row(
                    row,
                    source,
                    "record.bad-json",
                    f"第 {row} 行不是有效的 JSON：{msg}",
                    f"line {row} is not valid JSON: {msg}",
                )
                continue
            yield RawRow(row, source, data)


def read_json(ledger: LedgerInput) -> Iterator[RawRow]:
    """A JSON document: one record, or a list of records."""
    return _read_document(ledger, "json")


def read_yaml(ledger: LedgerInput) -> Iterator[RawRow]:
    """A YAML document: one record, or a list of records."""
    return _read_document(ledger, "yaml")


def _read_document(ledger: LedgerInput, kind: str) -> Iterator[RawRow]:
    source = ledger.source
    text = open_text(ledger)
    with text:
        content = "".join(guarded(iter(text), source))
    try:
        if kind == "json":
            data = json.loads(content, parse_float=Decimal)
        else:
            import yaml

            data = yaml.safe_load(content)
    except Exception as exc:
        return iter(
            [
                problem_row(
                    1, source, "record.bad-document", f"{source} 无法解析：{exc}", f"{source} cannot be parsed: {exc}"
                )
            ]
        )
    items = data if isinstance(data, list) else [data]
    return (RawRow(i, source, item) for i, item in enumerate(items, start=1))
