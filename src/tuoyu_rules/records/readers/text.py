"""Opening a text ledger (a file or standard input): the encoding decided on evidence from the whole file.

A file is scanned once, whole, before it is read. UTF-16 with a byte-order mark (Excel's "Unicode text") is UTF-16;
a file that is valid UTF-8 throughout (with or without a BOM) is UTF-8. Otherwise the scan counts the bytes that are
not UTF-8 and the UTF-8 characters of three bytes or more (GB18030 text read as UTF-8 gives about one such character
for every fifty bad bytes). With at least one for every four bad bytes the file is UTF-8 with a few bad cells, when
there are 50 or more of them or the file is not GB18030 either; every row holding a bad byte is then an error row
showing it. A file that is valid GB18030 throughout with fewer than one such character for every ten bad bytes is GB18030. Anything else (bytes
that neither encoding reads, or a short file that reads as either) is refused with the byte offset and line of the
first byte that is not UTF-8, asking for ``--encoding``. Standard input up to 1 MiB is decided the same way; a longer
stream is decided as it is read: while every byte so far is ASCII, the first one that is not UTF-8 switches to
GB18030 (nothing read so far changes meaning); after that, bad bytes make error rows. Nothing is guessed from a
sample, and no text is decoded into something else without an error saying so.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from ...errors import Location, Problem, RecordError
from .base import LedgerInput

_CHUNK = 1 << 20
_LOOKAHEAD = 1 << 20  # standard input up to this size is decided as a whole, as a file is
_MARK = "tuoyu-undecodable"
# an undecodable byte b is read as the lone surrogate U+DC00 + b, which no decoded text can otherwise hold
UNDECODABLE = re.compile("[\udc00-\udcff]")
_WIDE = re.compile("[\u0800-\ud7ff\ue000-\U0010ffff]")  # UTF-8 characters of three bytes or more: real evidence


def _mark(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(_MARK, _mark)


@dataclass
class LedgerText:
    """An opened text ledger: the decoded stream, its encoding, and whether some bytes could not be decoded (then
    the readers turn each row that holds one, :data:`UNDECODABLE`, into an error row)."""

    stream: io.TextIOWrapper
    encoding: str
    dirty: bool

    def __enter__(self) -> LedgerText:
        return self

    def __iter__(self) -> Iterator[str]:
        """The lines, as from a text file (a line holding undecodable bytes shows them as :data:`UNDECODABLE`)."""
        return iter(self.stream)

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


@dataclass
class _Scan:
    bad: int = 0  # undecodable bytes
    wide: int = 0  # decoded characters of U+0800 and up
    offset: int | None = None  # byte offset of the first undecodable byte
    line: int | None = None  # its line (1-based)


def open_text(ledger: LedgerInput) -> LedgerText:
    """The ledger as text, in ``--encoding`` or the encoding the whole file shows (see the module's docstring)."""
    binary = _open_binary(ledger)
    if not _can_seek(binary):  # standard input: held whole when it is short, else decided as it streams
        head = binary.read(_LOOKAHEAD)
        rest = binary.read(1)
        if not rest:
            binary = io.BytesIO(head)
        else:
            return _streamed(io.BufferedReader(_Prefixed(head + rest, binary)), ledger.encoding)
    if ledger.encoding is not None:
        encoding, scan = ledger.encoding, _scan(binary, ledger.encoding, ledger.source)
    else:
        encoding, scan = _decide(binary, ledger.source)
    binary.seek(0)
    stream = io.TextIOWrapper(binary, encoding=encoding, newline="", errors=_MARK if scan.bad else "strict")
    return LedgerText(stream, encoding, scan.bad > 0)


def _streamed(binary: IO[bytes], encoding: str | None) -> LedgerText:
    stream = io.TextIOWrapper(
        io.BufferedReader(_Recoding(binary, encoding)), encoding="utf-8", newline="", errors="surrogatepass"
    )
    return LedgerText(stream, encoding or "utf-8", True)


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._head:
            chunk = self._rest.read(len(buffer))
        else:
            chunk, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        buffer[: len(chunk)] = chunk
        return len(chunk)


class _Recoding(io.RawIOBase):
    """Standard input, decoded as it streams and handed on as UTF-8: UTF-16 after its byte-order mark, else UTF-8;
    while every byte so far is ASCII, the first byte that is not UTF-8 switches to GB18030 (nothing read so far
    changes meaning). After that, or once real UTF-8 was seen, undecodable bytes are marked (:data:`UNDECODABLE`)
    and their rows become error rows."""

    def __init__(self, source: IO[bytes], encoding: str | None):
        self._source = source
        self._encoding = encoding
        self._decoder: codecs.IncrementalDecoder | None = None
        self._ascii = encoding is None  # whether a switch to GB18030 is still lossless
        self._out = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._out:
            chunk = self._source.read(_CHUNK)
            self._out = self._decode(chunk).encode("utf-8", "surrogatepass")
            if not chunk:
                break
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _decode(self, chunk: bytes) -> str:
        if self._decoder is None:
            bom = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            encoding = self._encoding or ("utf-16" if bom else "utf-8-sig")
            self._decoder = codecs.getincrementaldecoder(encoding)("strict" if self._ascii else _MARK)
        if not self._ascii:
            return self._decoder.decode(chunk, final=not chunk)
        pending = self._decoder.getstate()[0]
        try:
            text = self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            everything = pending + chunk
            lossless = everything[: max(exc.start, 0)].isascii()
            self._decoder = codecs.getincrementaldecoder("gb18030" if lossless else "utf-8")(_MARK)
            self._ascii = False
            return self._decoder.decode(everything, final=not chunk)
        self._ascii = text.isascii()
        return text


def _can_seek(stream: IO[bytes]) -> bool:
    try:
        return stream.seekable()
    except (OSError, ValueError):
        return False


def _decide(binary: IO[bytes], source: str) -> tuple[str, _Scan]:
    head = binary.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", _scan(binary, "utf-16", source)
    utf8 = _scan(binary, "utf-8-sig", source)
    if utf8.bad == 0:
        return "utf-8-sig", utf8
    plausible = utf8.wide * 4 >= utf8.bad  # GB18030 text read as UTF-8 gives about one such character in fifty
    if plausible and utf8.wide >= _PLENTY:
        return "utf-8-sig", utf8
    gb_clean = _scan(binary, "gb18030", source).bad == 0
    if gb_clean and utf8.wide * _GB_MARGIN < utf8.bad:  # clearly GB18030: UTF-8 characters only by accident
        return "gb18030", _Scan()
    if plausible and not gb_clean:
        return "utf-8-sig", utf8
    raise _undecodable(source, utf8, ambiguous=gb_clean)


_PLENTY = 50  # UTF-8 characters of three bytes or more that leave no doubt the file is UTF-8
# GB18030 read as UTF-8 shows about one such character in fifty bad bytes; between one in ten and one in four the
# file could be either (a UTF-8 ledger with a GB18030 cell, or GB18030 text): it is refused, never guessed
_GB_MARGIN = 10


def _undecodable(source: str, utf8: _Scan, ambiguous: bool) -> RecordError:
    if ambiguous:  # a few bytes that read as either, and nothing to tell which
        zh = f"{source} 的编码无法确定（UTF-8 还是 GB18030？第 {utf8.line} 行，字节 {utf8.offset}）；请用 --encoding 指定"
        en = (
            f"{source}: cannot tell whether it is UTF-8 or GB18030 (line {utf8.line}, byte {utf8.offset}); "
            "name the encoding with --encoding"
        )
    else:
        zh = (
            f"{source} 既不是 UTF-8 也不是 GB18030 编码：第 {utf8.line} 行（字节 {utf8.offset}）无法解码；"
            "请另存为 UTF-8 或用 --encoding 指定"
        )
        en = (
            f"{source} is neither UTF-8 nor GB18030: byte {utf8.offset} (line {utf8.line}) cannot be decoded; "
            "save it as UTF-8 or name the encoding with --encoding"
        )
    return RecordError([Problem("record.undecodable", zh, en, Location(file=source, line=utf8.line))])


def _scan(binary: IO[bytes], encoding: str, source: str) -> _Scan:
    """Decode the whole file once, counting the bytes that do not decode (and where the first one is)."""
    binary.seek(0)
    try:
        strict = codecs.getincrementaldecoder(encoding)("strict")
    except LookupError:
        raise RecordError(
            [
                Problem(
                    "record.unreadable",
                    f"不认识的编码 '{encoding}'",
                    f"unknown encoding '{encoding}'",
                    Location(file=source),
                )
            ]
        ) from None
    scan, marking, offset, lines = _Scan(), None, 0, 0
    for chunk in iter(lambda: binary.read(_CHUNK), b""):
        if marking is None:
            try:
                strict.decode(chunk)
            except UnicodeDecodeError as exc:
                at = max(exc.start, 0)
                scan.offset, scan.line = offset + at, lines + chunk[:at].count(b"\n") + 1
                marking = codecs.getincrementaldecoder(encoding)(_MARK)
            else:
                offset, lines = offset + len(chunk), lines + chunk.count(b"\n")
                continue
        text = marking.decode(chunk)
        scan.bad += len(UNDECODABLE.findall(text))
        scan.wide += len(_WIDE.findall(text))
    try:
        (marking or strict).decode(b"", final=True)
    except UnicodeDecodeError:  # the file ends inside a character
        scan.bad += 1
        if scan.offset is None:
            scan.offset, scan.line = offset, lines + 1
    scan.bad += len(UNDECODABLE.findall(marking.decode(b"", final=True))) if marking is not None else 0
    return scan


def _open_binary(ledger: LedgerInput) -> IO[bytes]:
    try:
        return ledger.stdin if ledger.stdin is not None else open(ledger.path, "rb")  # type: ignore[arg-type]
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


def guarded(lines: Iterator[Any], source: str) -> Iterator[Any]:
    """The lines, with a decoding error met on the way (only with ``--encoding``) raised as a
    :class:`RecordError` naming the file."""
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


def undecodable_problem(row: int, source: str, text: str, field: str | None = None) -> Problem:
    """The problem of a row that holds bytes the file's encoding cannot decode (shown as \\xNN)."""
    found = UNDECODABLE.search(text)
    start = found.start() if found else 0
    shown = "".join(
        f"\\x{ord(c) - 0xDC00:02x}" if UNDECODABLE.match(c) else c for c in text[max(start - 10, 0) : start + 10]
    )
    return Problem(
        "record.undecodable",
        f"第 {row} 行有无法解码的字节（文件其余部分的编码无法解读这些字节）：{shown}",
        f"row {row} holds bytes that the file's encoding cannot decode: {shown}",
        Location(row=row, field=field, file=source),
        value=shown,
    )
