"""JSON (one array, indented) and JSONL (one report object per line), both written one report at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from ._format import _json_default
from .base import WriteOptions

__all__ = ["write_json", "write_jsonl"]


def write_jsonl(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """One report object per line; Chinese unescaped."""
    # one encoder for the whole stream (json.dumps builds a new one per call); reports hold no cycles, so the
    # encoder need not keep a set of the containers it is inside. The text is the same as json.dumps gives.
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False).encode
    write = out.write
    for item in stream:
        write(encode(item) + "\n")


def write_json(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """A JSON array of report objects, indented by two; Chinese unescaped, key order as in the report."""
    out.write("[")
    for i, item in enumerate(stream):
        out.write(("," if i else "") + "\n" + json.dumps(item, ensure_ascii=False, indent=2, default=_json_default))
    out.write("\n]\n")
