"""How a compiled policy crosses a process boundary (``pickle``, a Spark broadcast, a Dask or multiprocessing
worker): by reference to its source, never as its generated functions.

A :class:`CompiledPolicy` pickles as a :class:`PolicyRef` of a few hundred bytes: the bundled id or the file's path,
the SHA-256 of every file of its ``extends`` chain, the engine version, and the what-if values set on it
(``with_parameters``, ``--set``). Unpickling calls :func:`lookup`, which compiles the policy again once per process
and keeps it (one compiled policy per reference), and refuses (``policy.source-changed``) a file that no longer has
the bytes it had, or another engine version: a worker never judges by other rules than the process that sent it.

The registration is :mod:`copyreg`'s (the standard library's table of pickle reducers), so the frozen dataclass keeps
no pickling code and this module needs nothing but the compiler below it.
"""

from __future__ import annotations

import copyreg
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._version import __version__
from ..errors import PolicyError, Problem
from .compile import load_compiled
from .layers import bundled_dir
from .policy import CompiledPolicy, override_parameters

__all__ = ["PolicyRef", "lookup", "reference"]

WhatIf = tuple[tuple[tuple[str, str], ...], str]


@dataclass(frozen=True)
class PolicyRef:
    """What a pickled policy is: where its source is, the hashes that source must still have, and what was set on it.

    ``source`` is a bundled id (``bundled`` is True) or the path the policy was loaded from; ``directory`` is the
    working directory of the process that pickled it (a relative path is read from there when this process's
    differs). ``files`` are the ``(name, sha256)`` of every file of the chain as the policy's provenance names them.
    """

    source: str
    bundled: bool
    directory: str
    files: tuple[tuple[str, str], ...]
    engine_version: str
    what_if: tuple[WhatIf, ...] = ()


def reference(policy: CompiledPolicy) -> PolicyRef:
    """The reference a compiled policy pickles as (its provenance and what-if steps; no generated function)."""
    if policy.provenance is None:
        raise pickle.PicklingError(
            f"策略 {policy.id} 不是从文件载入的，无法按引用序列化 "
            f"the policy {policy.id} was not loaded from a file: it cannot be pickled by reference"
        )
    path = Path(policy.file)
    bundled = path.resolve().parent == bundled_dir().resolve()
    return PolicyRef(
        source=path.stem if bundled else policy.file,
        bundled=bundled,
        directory=os.getcwd(),
        files=policy.provenance.files,
        engine_version=policy.provenance.engine_version,
        what_if=policy.what_if,
    )


_POLICIES: dict[PolicyRef, CompiledPolicy] = {}
_KEEP = 64  # distinct references kept per process (a what-if sweep makes many); past it the table starts again


def lookup(ref: PolicyRef) -> CompiledPolicy:
    """The compiled policy a reference names, compiled at most once per process; raises :class:`PolicyError`
    (``policy.source-changed``) when a file of its chain, or the engine version, is not what it was."""
    found = _POLICIES.get(ref)
    if found is None:
        found = _compile(ref)
        if len(_POLICIES) >= _KEEP:
            _POLICIES.clear()
        _POLICIES[ref] = found
    return found


def _compile(ref: PolicyRef) -> CompiledPolicy:
    source = ref.source
    if not ref.bundled and not os.path.isabs(source) and os.getcwd() != ref.directory:
        source = os.path.join(ref.directory, source)
    compiled = load_compiled(source)
    changed = _changed(ref, compiled.provenance.files if compiled.provenance is not None else ())
    if changed is not None:
        raise PolicyError([Problem("policy.source-changed", *changed)])
    for values, reason in ref.what_if:
        compiled = override_parameters(compiled, dict(values), reason)
    return compiled


def _changed(ref: PolicyRef, now: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    """(zh, en) of what differs between a reference and the files of the policy compiled for it, or None."""
    if __version__ != ref.engine_version:
        return (
            f"策略 {ref.source} 由 tuoyu-rules {ref.engine_version} 序列化，本进程是 {__version__}",
            f"the policy {ref.source} was pickled by tuoyu-rules {ref.engine_version}; this process runs {__version__}",
        )
    if len(now) != len(ref.files):
        return (
            f"策略 {ref.source} 的继承链已改变（{len(ref.files)} 个文件，现为 {len(now)} 个）",
            f"the extends chain of {ref.source} changed ({len(ref.files)} files then, {len(now)} now)",
        )
    for (name, digest), (_, digest_now) in zip(ref.files, now, strict=True):
        if digest != digest_now:
            return (
                f"策略文件 {name} 自序列化以来已改变（SHA-256 {digest[:12]}…，现为 {digest_now[:12]}…）",
                f"the policy file {name} changed since it was pickled (SHA-256 {digest[:12]}…, now {digest_now[:12]}…)",
            )
    return None


def _reduce(policy: CompiledPolicy) -> tuple[Callable[[PolicyRef], CompiledPolicy], tuple[PolicyRef]]:
    return lookup, (reference(policy),)


copyreg.pickle(CompiledPolicy, _reduce)
