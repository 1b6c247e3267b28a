"""A columnar engine for big flat CSV ledgers (polars, an optional extra: ``pip install 'tuoyu-rules[columnar]'``).

Each institution rule and subsidy of a compiled policy is translated from its generated Python into exact polars
expressions (:mod:`.translate`); a CSV ledger is read in batches exactly as the row-wise reader reads it
(:mod:`.frame`); rows whose every read cell is plain are evaluated column-wise, every other row by the row-wise engine
(:mod:`.engine`). The verdict rows are identical, row for row, to the row-wise engine's; docs/columnar.md says what
runs column-wise and what falls back. Nothing here is imported by the core: importing this package imports polars
(:mod:`.choose`, which the CLI asks first, does not).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Checker", "check_rows", "plan"]


def __getattr__(name: str) -> Any:
    """The engine (and polars) load on first use, so that :mod:`.choose` can probe for polars without it."""
    if name in __all__:
        from . import engine, native

        return getattr(native if name == "check_rows" else engine, name)
    raise AttributeError(name)
