"""A function named in a table (``WRITERS``, ``READERS``) whose module is imported only when it is first called.

The tables are read by the CLI's argument parser, the help and the docs; the writer of HTML pulls in Jinja2, the
workbook reader python-calamine, the JUnit writer the XML tools. A :class:`Later` stands in for such a function, so
that ``tuoyu-rules --version``, ``validate`` or a ``check`` that writes CSV loads none of them.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Later"]


class Later:
    """``module.name``, imported on the first call and then called directly (``module`` is absolute).

    It pickles as its two names (a worker process imports the module when it calls it) and compares equal to
    another stand-in for the same function."""

    __slots__ = ("_function", "module", "name")

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name
        self._function: Any = None

    def resolve(self) -> Any:
        """The function itself (importing its module the first time)."""
        if self._function is None:
            self._function = getattr(importlib.import_module(self.module), self.name)
        return self._function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __reduce__(self) -> tuple[type[Later], tuple[str, str]]:
        return Later, (self.module, self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Later) and (other.module, other.name) == (self.module, self.name)

    def __hash__(self) -> int:
        return hash((self.module, self.name))

    def __repr__(self) -> str:
        return f"<{self.module}.{self.name} (imported on first call)>"

    @property
    def __name__(self) -> str:  # what a traceback or a log names
        return self.name
