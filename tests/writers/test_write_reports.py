"""write_reports (__init__.py): streams and paths, unknown formats, streaming in bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tuoyu_rules.writers import write_reports

from ._reports import ERROR, VIOLATION, items, report


def test_text_formats_accept_a_binary_stream() -> None:
    out = io.BytesIO()
    write_reports(items(), "jsonl", out)
    assert len(out.getvalue().decode("utf-8").splitlines()) == 4 and not out.closed


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="pdf"):
        write_reports([], "pdf", io.StringIO())


class Sink(io.TextIOBase):
    """A text stream that forgets what it is given."""

    def write(self, text: str) -> int:
        return len(text)


def many(n: int) -> Iterator[dict[str, Any]]:
    """``n`` items, one in a thousand an error row; small reports, so that tracemalloc's overhead stays bearable."""
    template = report("X", "fail", [VIOLATION])
    template["subsidies"] = template["subsidies"][:1]
    del template["findings"], template["benefits"], template["warnings"]
    for i in range(n):
        if i % 1000 == 999:
            yield {**ERROR, "row": i + 1}
        else:
            yield {**template, "id": f"X-{i}", "record": {"name": f"机构{i}", "district": f"区{i % 7}"}}


@pytest.mark.parametrize(("fmt", "n"), [("jsonl", 30_000), ("table", 30_000), ("csv", 30_000), ("html", 30_000)])
def test_writers_stream_in_bounded_memory(fmt: str, n: int) -> None:
    tracemalloc.start()
    try:
        summary = write_reports(many(n), fmt, Sink())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.rows == n and summary.errors == n // 1000
    assert summary.subsidy_totals["subsidy.operating"] == Decimal("4600.00") * (n - n // 1000)
    assert len(summary.subsidy_by_district["subsidy.operating"]) == 7
    assert peak < 20 * 1024 * 1024, f"{fmt}: peak {peak / 1e6:.1f} MB"
