"""What writers accept: report dicts and error rows, or objects that turn into them (``Report``, ``ErrorReport``).

Writers read dicts only; an object is turned into its dict once, at the entry. Duck-typed on ``to_dict`` so that
the writers import nothing of the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class HasToDict(Protocol):
    def to_dict(self) -> Mapping[str, Any]: ...


Item = Mapping[str, Any] | HasToDict
"""A report or error row: its JSON object, or an object with a ``to_dict()``."""


def as_dict(item: Item) -> dict[str, Any]:
    """The dict of a report or error row (the same object when it already is a dict)."""
    if isinstance(item, dict):
        return item
    to_dict = getattr(item, "to_dict", None)
    if to_dict is not None and not isinstance(item, Mapping):
        return dict(to_dict())
    if isinstance(item, Mapping):
        return dict(item)
    raise TypeError(f"a report is a dict or has a to_dict() method, not {type(item).__name__}")
