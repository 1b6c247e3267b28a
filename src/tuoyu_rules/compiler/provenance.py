"""Where a compiled policy came from (来源): the policy id, the engine version and a SHA-256 of every file of its
extends chain, worked out once when the policy loads so that a report can say exactly what judged it.

A report adds its as-of date (docs/contract.md §7, ``provenance``). Paths are as the policy was loaded; a file of
the bundled policies is named ``policies/<id>.yaml`` on every machine, so the same bundled policy gives the same
provenance everywhere.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .._version import __version__

__all__ = ["Provenance", "file_name", "provenance_of"]


@dataclass(frozen=True)
class Provenance:
    """The policy id, the engine version, ``(path, sha256)`` per file of the chain (the policy's own first)."""

    policy: str
    engine_version: str
    files: tuple[tuple[str, str], ...]
    overrides: tuple[tuple[str, str], ...] = ()  # ``--set NAME=VALUE``: what-if values no file holds
    # (absolute path, mtime_ns, size) per file: tells a cached compile whether a file of its chain changed since
    stamps: tuple[tuple[str, int, int], ...] = field(default=(), compare=False, repr=False)

    def to_dict(self, as_of: str) -> dict[str, Any]:
        """The report's ``provenance`` object for one as-of date."""
        out: dict[str, Any] = {
            "policy": self.policy,
            "engine_version": self.engine_version,
            "files": [{"path": path, "sha256": digest} for path, digest in self.files],
            "as_of": as_of,
        }
        if self.overrides:
            out["overrides"] = dict(self.overrides)
        return out

    def is_current(self) -> bool:
        """True while every file of the chain keeps the modification time and size it had when hashed."""
        for path, mtime, size in self.stamps:
            try:
                st = os.stat(path)
            except OSError:
                return False
            if (st.st_mtime_ns, st.st_size) != (mtime, size):
                return False
        return True

    def with_overrides(self, values: Mapping[str, Any]) -> Provenance:
        """The same provenance, naming parameters set on the command line (their values are not in any file)."""
        merged = {**dict(self.overrides), **{name: str(value) for name, value in values.items()}}
        return replace(self, overrides=tuple(sorted(merged.items())))


def file_name(path: str | Path, bundled: Path) -> str:
    """The name a report gives a policy file: ``policies/<name>`` for a bundled one, else the path as given."""
    p = Path(path)
    try:
        if p.resolve().parent == bundled.resolve():
            return f"policies/{p.name}"
    except OSError:
        pass
    return str(path)


def provenance_of(policy: str, files: Iterable[str], bundled: Path) -> Provenance:
    """Hash the bytes of every file of the chain (each read once, here, at load time)."""
    hashed, stamps = [], []
    for path in files:
        st = os.stat(path)
        data = Path(path).read_bytes()
        hashed.append((file_name(path, bundled), hashlib.sha256(data).hexdigest()))
        stamps.append((str(Path(path).resolve()), st.st_mtime_ns, st.st_size))
    return Provenance(policy, __version__, tuple(hashed), stamps=tuple(stamps))
