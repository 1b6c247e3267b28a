"""Opening a text ledger (a file or standard input): the encoding detected (UTF-8, UTF-8 with BOM, GB18030) unless
given, and decoding errors found while reading turned into one :class:`RecordError` naming the file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

from ...errors import Location, Problem, RecordError
from .base import LedgerInput


def open_text(ledger: LedgerInput) -> io.TextIOBase:
    """The ledger as text, decoded strictly with ``--encoding`` or the detected encoding."""
    buffered = _open_binary(ledger)
    encoding = ledger.encoding if ledger.encoding is not None else _detect_encoding(buffered, ledger.source)
    return io.TextIOWrapper(buffered, encoding=encoding, newline="", errors="strict")


def _open_binary(ledger: LedgerInput) -> io.BufferedReader:
    stream: IO[bytes]
    try:
        stream = ledger.stdin if ledger.stdin is not None else open(ledger.path, "rb")  # type: ignore[arg-type]
    except OSError as exc:
        raise RecordError(
            [
                Problem(
                    "record.unreadable",
                    f"无法打开 {ledger.source}：{exc.strerror}",
                    f"cannot open {ledger.source}: {exc.strerror}",
                    Location(file=ledger.source),
                )
            ]
        ) from None
    return io.BufferedReader(stream) if not hasattr(stream, "peek") else stream  # type: ignore[arg-type,return-value]


def _detect_encoding(buffered: io.BufferedReader, source: str) -> str:
    """UTF-8 (a BOM is dropped) unless the first 64 KiB are not UTF-8 but are GB18030."""
    head = buffered.peek(65536)[:65536]
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            try:
                head.decode("gb18030")
            except UnicodeDecodeError:
                raise RecordError(
                    [
                        Problem(
                            "record.undecodable",
                            f"{source} 既不是 UTF-8 也不是 GB18030 编码",
                            f"{source} is neither UTF-8 nor GB18030; use --encoding",
                            Location(file=source),
                        )
                    ]
                ) from None
            return "gb18030"
    return "utf-8-sig"


def guarded(lines: Iterator[Any], source: str) -> Iterator[Any]:
    """The lines, with a decoding error met on the way raised as a :class:`RecordError` naming the file."""
    try:
        yield from lines
    except UnicodeDecodeError as exc:
        raise RecordError(
            [
                Problem(
                    "record.undecodable",
                    f"{source} 中有无法解码的字节：{exc.reason}",
                    f"{source} has bytes that cannot be decoded: {exc.reason}",
                    Location(file=source),
                )
            ]
        ) from None
