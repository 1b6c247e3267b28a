"""The process pool of ``check --jobs``: spawned workers, tasks in flight two per worker, results in input order."""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import gc
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["cores", "dumps", "in_order", "paused_collector", "setup", "started"]


def cores() -> int:
    """The processors this process may run on (``--jobs 0``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def started(jobs: int, state: tuple[Any, ...]) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of ``jobs`` workers, each starting now while this process goes on; a worker runs ``_start(*state)``
    once. On Linux, when this process runs no other thread and has not loaded polars (whose threads a fork would
    not copy), the workers are forked: they have the package and the compiled policy at once. Otherwise they are
    spawned: each imports the package and compiles the policy (about 0.4 s of CPU; the state is pickled to it, a
    policy by reference)."""
    method = "fork" if _can_fork() else "spawn"
    if method == "fork":  # what is buffered now would be written again by each worker as it ends
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                stream.flush()
    pool = concurrent.futures.ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context(method), initializer=_start, initargs=state
    )
    for _ in range(jobs):  # a spawned worker is started per task submitted while none is idle
        pool.submit(_idle)
    return pool


def _can_fork() -> bool:
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and "polars" not in sys.modules
    )


def in_order(
    task: Callable[..., bytes],
    state: tuple[Any, ...],
    chunks: Iterator[tuple[Any, tuple[Any, ...]]],
    jobs: int,
    pool: concurrent.futures.ProcessPoolExecutor | None = None,
) -> Iterator[tuple[Any, Any]]:
    """``(tag, task(*args))`` for each ``(tag, args)`` of ``chunks``, in their order, from ``jobs`` spawned workers
    (those of ``pool``, from :func:`started`, else a pool of ``state`` started here, shut down at the end either way).

    ``task`` returns its result pickled, which is unpickled here. The tag stays in this process. At most two tasks
    per worker are in flight, so memory stays bounded while the workers are kept busy.
    """
    pool = pool or started(jobs, state)
    pending: collections.deque[tuple[Any, concurrent.futures.Future[bytes]]] = collections.deque()
    try:
        for tag, args in chunks:
            pending.append((tag, pool.submit(task, *args)))
            if len(pending) >= 2 * jobs:
                done, future = pending.popleft()
                yield done, _loads(future.result())
        while pending:
            done, future = pending.popleft()
            yield done, _loads(future.result())
    finally:  # also when the reader of the output stopped early: no chunk is evaluated for nobody
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """The cyclic garbage collector paused while a chunk's results are unpickled: thousands of fresh objects, kept
    until they are written, which the collections their allocation triggers would only walk, finding nothing.
    Reference counting still frees what is dropped; a cycle made meanwhile waits for the next collection. (Workers
    leave it running: paused around a whole chunk or part, a worker spent 15–20 % more CPU on rows, twice as much on
    byte ranges, its garbage piling up instead of being reused while in the cache.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _loads(data: bytes) -> Any:
    with paused_collector():
        return pickle.loads(data)


def dumps(result: Any) -> bytes:
    """A task's result as the bytes :func:`in_order` unpickles."""
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


# ---- in each worker -----------------------------------------------------------------------------------------------
_STATE: tuple[Any, ...] = ()


def _start(*state: Any) -> None:
    global _STATE
    _STATE = state


def _idle() -> None:
    """A task that does nothing: it makes a worker start."""


def setup() -> tuple[Any, ...]:
    """In a worker: the state its pool was started with."""
    return _STATE
