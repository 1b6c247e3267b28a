"""GitHub Actions workflow commands for ledger checks: one ``::error`` per failed record or error row, one
``::warning`` per incomplete record, each naming the ledger file, its line when exact, the record and its row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from ._ci import file_line, problem_lines, record_title
from .base import WriteOptions

__all__ = ["write_github"]

_LEVEL = {"fail": "error", "error": "error", "incomplete": "warning"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(item: dict[str, Any], lang: str) -> str | None:
    """The workflow command of one report or error row, or None when it passed."""
    level = _LEVEL.get(str(item.get("status")))
    if level is None:
        return None
    where = []
    if item.get("source") and item.get("source") != "-":
        where.append(f"file={_property(str(item['source']))}")
        line = file_line(item)
        if line is not None:
            where.append(f"line={line}")
    where.append(f"title={_property('tuoyu-rules ' + record_title(item, lang))}")
    return f"::{level} {','.join(where)}::{_data(chr(10).join(problem_lines(item, lang)) or record_title(item, lang))}"


def write_github(stream: Iterator[dict[str, Any]], out: IO[str], options: WriteOptions) -> None:
    """A workflow command per record that did not pass, written as the records stream past; nothing for a pass."""
    for item in stream:
        line = github_line(item, options.lang)
        if line is not None:
            out.write(line + "\n")
