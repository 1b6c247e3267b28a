"""What every writer is: one function ``write(stream, out, options)`` and a registry entry describing it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .summary import Summary

__all__ = ["WriteOptions", "Writer", "WriterFunction"]


@dataclass(frozen=True)
class WriteOptions:
    """What a writer may use besides the reports: the language, the HTML page's title and the running summary."""

    lang: str
    """``"zh"`` or ``"en"``."""
    title: str | None
    summary: Summary
    """Counts every item before the writer sees it, so a writer may print it once the stream is exhausted."""
    findings: bool = False
    """The long form (``--findings``): one row per finding instead of one per record (writers that have one)."""
    compact: bool = False
    """``--compact`` JSONL: a catalog of titles and citations written once, reports referring to it by id."""
    meta: Mapping[str, Any] | None = None
    """What the reports do not say about their policy, as plain data (``Policy.report_meta``): its name, documents
    (title, 文号, issuer, date), period in force, budget and the as-of date. The HTML title block reads it."""


WriterFunction = Callable[[Iterator[Any], Any, WriteOptions], None]
"""``write(stream, out, options)``: ``stream`` yields report dicts and error rows, or their row views for a
writer of verdicts; ``out`` is a text stream, or for a binary writer a path or a binary stream."""


@dataclass(frozen=True)
class Writer:
    """One output format (输出格式) of ``tuoyu-rules check --format``: one entry of :data:`tuoyu_rules.writers.WRITERS`."""

    name: str
    write: WriterFunction
    binary: bool
    """A binary format (a zip such as XLSX) cannot go to a terminal: the CLI asks for ``-o FILE``."""
    suffix: str
    """The usual file suffix, without the dot."""
    zh: str
    """One line in Chinese: what it is and for whom."""
    en: str
    """The same line in English."""
    requires: tuple[str, ...] = ()
    """Modules of an optional extra the writer needs (``pyarrow`` for Parquet); without them it refuses to run."""
    long_form: bool = False
    """Whether it writes the long form of ``--findings`` (one row per finding)."""
    verdicts: bool = False
    """Whether it reads row views (:class:`~.rows.ReportRow`: verdicts, rendered texts only where shown) rather
    than report dicts; ``write_reports`` then never builds a report's dict."""
    json_text: bool = False
    """Whether it writes a report object by its ``to_json()`` text (``Report``: byte for byte its dict's encoding);
    ``write_reports`` then hands such objects over as they are (their row views feed the summary)."""

    @property
    def available(self) -> bool:
        """Whether the modules it requires can be imported here."""
        import importlib.util

        return all(importlib.util.find_spec(module) is not None for module in self.requires)
