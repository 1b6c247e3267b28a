"""The JSON family of readers: JSONL (one record per line, streamed) and whole JSON documents (one record, or a list
of them, each its own row); YAML documents are in :mod:`.yaml_doc`. Numbers with a point are read as exact
``Decimal``, never float; a number of more than 100 characters is never converted (it stays a :class:`LongNumber`,
which the field converters report). A key that repeats inside one object makes
that record an error row naming both places."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ...errors import Location, Problem
from ..limits import MAX_NUMBER_TEXT, LongNumber
from .base import LedgerInput, RawRow, problem_row
from .text import UNDECODABLE, guarded, open_text, undecodable_problem


class _Decoder:
    """A JSON decoder whose numbers are bounded before conversion and whose objects note repeated keys."""

    def __init__(self) -> None:
        self.repeated: list[str] = []
        self.json = json.JSONDecoder(parse_float=_float, parse_int=_int, object_pairs_hook=self._object)

    def _object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) < len(pairs):
            seen: set[str] = set()
            self.repeated.extend(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        return out


def _int(text: str) -> int | LongNumber:
    return int(text) if len(text) <= MAX_NUMBER_TEXT else LongNumber(text)


def _float(text: str) -> Decimal | LongNumber:
    return Decimal(text) if len(text) <= MAX_NUMBER_TEXT else LongNumber(text)


def read_jsonl(ledger: LedgerInput) -> Iterator[RawRow]:
    """One RawRow per non-blank line; a line that is not JSON is a row with a ``record.bad-json`` problem."""
    source = ledger.source
    decoder = _Decoder()
    with open_text(ledger) as text:
        row = 0
        for line in guarded(iter(text.stream), source):
            if not line.strip():
                continue
            row += 1
            if text.dirty and UNDECODABLE.search(line):
                yield RawRow(row, source, None, (undecodable_problem(row, source, line),))
                continue
            try:
                data = decoder.json.decode(line)
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
            if decoder.repeated:
                yield RawRow(row, source, None, _repeated(decoder, line, row, source, row))
                continue
            yield RawRow(row, source, data)


def _repeated(decoder: _Decoder, text: str, row: int, source: str, line: int) -> tuple[Problem, ...]:
    """One problem per repeated key, naming the line and the columns of its first two places."""
    problems = []
    for key in dict.fromkeys(decoder.repeated):
        places = [m.start() for m in re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", text)]
        if len(places) < 2:  # written with escapes: the places are not found in the text
            places = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text)]
        where = [_line_col(text, p, line) for p in places[:2]]
        at_zh = "、".join(f"第 {ln} 行第 {col} 列" for ln, col in where) or f"第 {line} 行"
        at_en = " and ".join(f"line {ln} column {col}" for ln, col in where) or f"line {line}"
        problems.append(
            Problem(
                "record.duplicate-key",
                f"键 '{key}' 重复（{at_zh}），不知以哪个为准",
                f"key '{key}' repeats ({at_en}); which value is meant is unknown",
                Location(row=row, field=key, file=source),
                value=key,
            )
        )
    decoder.repeated.clear()
    return tuple(problems)


def _line_col(text: str, offset: int, first_line: int) -> tuple[int, int]:
    newline = text.rfind("\n", 0, offset)
    return first_line + text.count("\n", 0, offset), offset - newline


_SPACE = re.compile(r"[ \t\n\r]*")


def read_json(ledger: LedgerInput) -> Iterator[RawRow]:
    """A JSON document: one record, or a list of records, each read on its own (one bad record is one error row)."""
    source = ledger.source
    with open_text(ledger) as text:
        content = "".join(guarded(iter(text.stream), source))
    start = _SPACE.match(content).end()  # type: ignore[union-attr]
    if content.startswith("[", start):
        return _json_list(content, start + 1, source, text.dirty)
    return _json_list(content, start, source, text.dirty, single=True)


def _json_list(content: str, at: int, source: str, dirty: bool, single: bool = False) -> Iterator[RawRow]:
    decoder, row, line, counted = _Decoder(), 0, 1, 0
    while True:
        at = _SPACE.match(content, at).end()  # type: ignore[union-attr]
        if not single and content.startswith("]", at) and row == 0:
            at += 1
            break
        line, counted = line + content.count("\n", counted, at), at
        row += 1
        try:
            data, end = decoder.json.raw_decode(content, at)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield _bad_json(row, source, line, exc, single)
            return
        if dirty and UNDECODABLE.search(content, at, end):
            yield RawRow(row, source, None, (undecodable_problem(row, source, content[at:end]),))
        elif decoder.repeated:
            yield RawRow(row, source, None, _repeated(decoder, content[at:end], row, source, line))
        else:
            yield RawRow(row, source, data)
        at = _SPACE.match(content, end).end()  # type: ignore[union-attr]
        if single or content.startswith("]", at):
            at += 0 if single else 1
            break
        if not content.startswith(",", at):
            yield _bad_json(row + 1, source, line + content.count("\n", counted, at), "expected ',' or ']'", single)
            return
        at += 1
    if _SPACE.match(content, at).end() != len(content):  # type: ignore[union-attr]
        yield _bad_json(
            row + 1, source, line + content.count("\n", counted, at), "extra data after the document", single
        )


def _bad_json(row: int, source: str, line: int, exc: Exception | str, single: bool) -> RawRow:
    msg = getattr(exc, "msg", None) or ("nested too deeply" if isinstance(exc, RecursionError) else str(exc))
    where = getattr(exc, "lineno", None)
    if isinstance(exc, json.JSONDecodeError) and where is not None:
        line = where
    return problem_row(
        row,
        source,
        "record.bad-document",
        f"{source} 第 {line} 行起无法解析（第 {row} 条记录{'' if single else '及其后的记录'}）：{msg}",
        f"{source} cannot be parsed from line {line} (record {row}{'' if single else ' and those after it'}): {msg}",
    )
