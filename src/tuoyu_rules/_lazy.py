"""A function named in a table (``WRITERS``, ``READERS``) whose module is imported only when it is first called.

The tables are read by the CLI's argument parser, the help and the docs; the writer of HTML pulls in Jinja2, the
workbook reader python-calamine, the JUnit writer the XML tools. A :class:`Later` stands in for such a function, so
that ``tuoyu-rules --version``, ``validate`` or a ``check`` that writes CSV loads none of them.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Later", "submodule"]


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


def submodule(package: str, name: str) -> Any:
    """The submodule ``name`` of ``package``, imported now: what a package whose names are imported on first use
    answers for ``package.name`` (its eager imports of earlier versions made every submodule an attribute, and
    ``import tuoyu_rules.writers; tuoyu_rules.writers.csv`` must not depend on what some other code imported first).
    AttributeError when there is no such submodule, or it needs an optional extra that is absent."""
    problem = None
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{package}.{name}")
        except ImportError as exc:  # no such module, or one whose optional extra is absent (tuoyu_rules.dask)
            problem = exc
    raise AttributeError(f"module {package!r} has no attribute {name!r}") from problem
