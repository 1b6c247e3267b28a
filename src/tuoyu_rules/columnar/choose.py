"""Whether ``check`` can and should take the columnar engine; importable without polars (it only probes for it)."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

AUTO_ROWS = 20_000
"""``check --engine auto`` takes the columnar engine from this many ledger lines on (below, start-up costs more)."""

CSV_SUFFIXES = (".csv", ".tsv", ".txt")


def polars_installed() -> bool:
    return importlib.util.find_spec("polars") is not None


def why_not(inputs: Sequence[str], fmt: str, overrides: bool, input_format: str | None = None) -> str | None:
    """Why the columnar engine cannot check these inputs (None: it can)."""
    if input_format is not None:
        return "--input-format: row engine only"
    if not polars_installed():
        return "polars is not installed (pip install 'tuoyu-rules[columnar]')"
    if fmt != "csv":
        return "the columnar engine writes --format csv only"
    if overrides:
        return "--set compares two policies: row engine only"
    for text in inputs:
        if text == "-" or Path(text).suffix.lower() not in CSV_SUFFIXES or not Path(text).is_file():
            return f"{text}: the columnar engine reads CSV files only"
    return None


def big_enough(inputs: Sequence[str], rows: int = AUTO_ROWS) -> bool:
    """True once the inputs hold at least ``rows`` lines (counted in binary chunks, stopping there)."""
    seen = 0
    for text in inputs:
        with open(text, "rb") as f:
            while chunk := f.read(1 << 20):
                seen += chunk.count(b"\n")
                if seen >= rows:
                    return True
    return False
