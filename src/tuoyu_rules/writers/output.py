"""Output files that are complete or absent: checked before a run, written beside the target and renamed at the end.

:func:`check_output` refuses, before anything is read, an output that is a directory, lies in a missing folder or is
one of the inputs (the same file, also through a symbolic or hard link: same device and inode). :func:`safe_output`
writes to a temporary file in the target's folder and renames it over the target only when everything was written;
a full disk, an error or an interrupt removes the temporary file and leaves the target as it was. A target that is
not a regular file (``/dev/null``, a named pipe, ``/dev/stdout``) is written directly: it cannot be renamed over.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["OutputError", "check_output", "safe_output"]


class OutputError(Exception):
    """An output that cannot or must not be written (输出错误), with a message in Chinese and in English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else f"{self.zh} ({self.en})"


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def check_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Raise :class:`OutputError` unless ``path`` can be written without destroying one of ``inputs``."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"输出路径是一个目录：{target}", f"the output path is a directory: {target}")
    folder = target.absolute().parent
    if not folder.is_dir():
        raise OutputError(f"输出目录不存在：{folder}", f"the output folder does not exist: {folder}")
    same = _identity(target)
    if same is None:
        return
    for name in inputs:
        if str(name) != "-" and _identity(name) == same:
            raise OutputError(
                f"输出文件就是输入文件 {name}，写入会毁掉它；请另选 -o",
                f"the output is the input file {name}; writing would destroy it: choose another -o",
            )


@contextlib.contextmanager
def safe_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> Iterator[Any]:
    """A binary stream for ``path``: renamed into place when the block ends normally, removed when it does not.

    Raises :class:`OutputError` before the block runs when :func:`check_output` refuses ``path`` or the temporary
    file cannot be created, and after it when writing, flushing or renaming fails (a full disk).
    """
    check_output(path, inputs)
    target = Path(path)
    if target.exists() and not target.is_file():  # a device or a pipe: nothing to rename over
        with _opened(target, lambda: open(target, "wb")) as direct:
            yield _Guarded(direct, target)
            _finish(direct, target, sync=False)
        return
    with _opened(
        target,
        lambda: tempfile.NamedTemporaryFile(
            dir=target.absolute().parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ),
    ) as temporary:
        try:
            yield _Guarded(temporary, target)
            _finish(temporary, target, sync=True)
            os.chmod(temporary.name, _mode(target))
            os.replace(temporary.name, target)
        except BaseException as exc:
            temporary.close()
            with contextlib.suppress(OSError):
                os.unlink(temporary.name)
            if isinstance(exc, OSError):
                raise _write_error(target, exc) from exc
            raise


@contextlib.contextmanager
def _opened(target: Path, opener: Any) -> Iterator[Any]:
    try:
        fh = opener()
    except OSError as exc:
        raise _write_error(target, exc) from exc
    with fh:
        yield fh


def _finish(fh: Any, target: Path, *, sync: bool) -> None:
    try:
        fh.flush()
        if sync:
            os.fsync(fh.fileno())  # a full disk shows here at the latest, before the rename
    except OSError as exc:
        raise _write_error(target, exc) from exc


def _mode(target: Path) -> int:
    """The permissions the target has, or those a new file gets (a temporary file is created private)."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_error(target: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(
        f"无法写入 {target}：{reason}；未留下不完整的文件", f"cannot write {target}: {reason}; no partial file is left"
    )


class _Guarded(io.BufferedIOBase):
    """The output stream handed to a writer: a failed write is an :class:`OutputError` naming the target."""

    def __init__(self, raw: Any, target: Path) -> None:
        super().__init__()
        self._raw, self._target = raw, target

    def _call(self, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except OSError as exc:
            raise _write_error(self._target, exc) from exc

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(self._raw.seekable())

    def write(self, data: Any) -> int:
        return int(self._call(self._raw.write, data))

    def flush(self) -> None:
        if not self._raw.closed:
            self._call(self._raw.flush)

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._call(self._raw.seek, offset, whence))

    def tell(self) -> int:
        return int(self._call(self._raw.tell))

    def close(self) -> None:  # the owner closes the file
        self.flush()
