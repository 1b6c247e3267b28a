"""What calamine does not read of an ``.xls`` (Excel 97-2003) workbook: the hidden columns (``COLINFO`` records) and
the error cells (``BOOLERR`` records and formulas whose cached result is an error, which calamine reads as empty) of
each sheet's BIFF8 substream, found through the compound file's allocation table.

Anything unexpected (another BIFF version, a damaged or hostile container) gives nothing, never an error: columns
are then read as ordinary ones and error cells as empty, as calamine reads them. Every chain and loop is bounded by
the file's size.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

_BOUNDSHEET, _BOF, _EOF, _COLINFO, _BOOLERR, _FORMULA = 0x0085, 0x0809, 0x000A, 0x007D, 0x0205, 0x0006
# the records of cells (row, column first): NUMBER, LABELSST, RK, LABEL, RSTRING, BLANK, BOOLERR, FORMULA, and the
# runs MULRK and MULBLANK, whose last column ends the record
_CELLS = frozenset([0x0203, 0x00FD, 0x027E, 0x0204, 0x00D6, 0x0201, _BOOLERR, _FORMULA])
_RUNS = frozenset([0x00BD, 0x00BE])
_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}

Errors = dict[int, dict[int, str]]  # sheet row (1-based) -> 0-based column -> the error shown (#DIV/0!)


class XlsSheet(NamedTuple):
    hidden: set[int]  # 0-based columns
    errors: Errors
    grid: int  # last row x last column of its cells: the grid calamine builds


def xls_layout(data: bytes) -> dict[str, XlsSheet]:
    """Sheet name -> what calamine does not read of it; empty when the file cannot be read this way."""
    try:
        stream = _workbook_stream(data)
        return _sheets(stream) if stream else {}
    except (struct.error, IndexError, ValueError, UnicodeDecodeError, KeyError):
        return {}


def hidden_columns(data: bytes) -> dict[str, set[int]]:
    """Sheet name -> its hidden columns (0-based)."""
    return {name: sheet.hidden for name, sheet in xls_layout(data).items()}


def _workbook_stream(data: bytes) -> bytes | None:
    shift = struct.unpack_from("<H", data, 30)[0]
    if shift not in (9, 12):
        return None
    size = 1 << shift
    sectors = (len(data) - 512) // size + 1
    fat: list[int] = []
    for i in range(109):  # the first 109 FAT sectors are listed in the header (enough for a 7 MB file)
        sector = struct.unpack_from("<I", data, 76 + 4 * i)[0]
        if sector >= sectors:
            break
        fat.extend(struct.unpack_from(f"<{size // 4}I", data, 512 + sector * size))

    def chain(start: int, length: int) -> bytes:
        out, sector = bytearray(), start
        for _ in range(sectors):
            if sector >= len(fat) or len(out) >= length:
                break
            out += data[512 + sector * size : 512 + (sector + 1) * size]
            sector = fat[sector]
        return bytes(out[:length])

    directory = chain(struct.unpack_from("<I", data, 48)[0], sectors * size)
    entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
    for entry in entries:
        name = entry[: max(struct.unpack_from("<H", entry, 64)[0] - 2, 0)].decode("utf-16-le")
        if name in ("Workbook", "Book") and entry[66] == 2:
            start, length = struct.unpack_from("<II", entry, 116)
            if length >= 4096:
                return chain(start, length)
            # a small stream lives in the mini stream (64-byte sectors, held by the root entry)
            root_start, root_length = struct.unpack_from("<II", entries[0], 116)
            mini = chain(root_start, root_length)
            table = chain(struct.unpack_from("<I", data, 60)[0], sectors * size)
            minifat = list(struct.unpack_from(f"<{len(table) // 4}I", table))
            out, sector = bytearray(), start
            for _ in range(len(mini) // 64 + 1):
                if sector >= len(minifat) or len(out) >= length:
                    break
                out += mini[sector * 64 : (sector + 1) * 64]
                sector = minifat[sector]
            return bytes(out[:length])
    return None


def _records(stream: bytes, start: int) -> list[tuple[int, int, int]]:
    """(type, offset of its data, length) of the records from ``start`` to the substream's EOF."""
    out, pos = [], start
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        out.append((kind, pos + 4, length))
        pos += 4 + length
        if kind == _EOF:
            break
    return out


def _sheets(stream: bytes) -> dict[str, XlsSheet]:
    out: dict[str, XlsSheet] = {}
    for kind, at, _ in _records(stream, 0):
        if kind != _BOUNDSHEET:
            continue
        offset, _visibility, sheet_type, count, wide = struct.unpack_from("<IBBBB", stream, at)
        raw = stream[at + 8 : at + 8 + count * (2 if wide & 1 else 1)]
        name = raw.decode("utf-16-le" if wide & 1 else "latin-1")
        if sheet_type != 0 or not offset < len(stream):
            continue
        out[name] = _sheet(stream, offset)
    return out


def _sheet(stream: bytes, offset: int) -> XlsSheet:
    hidden: set[int] = set()
    errors: Errors = {}
    rows = cols = 0
    for record, at, length in _records(stream, offset)[1:]:
        if record in _CELLS or record in _RUNS:
            row, col = struct.unpack_from("<HH", stream, at)
            if record in _RUNS:
                col = struct.unpack_from("<H", stream, at + length - 2)[0]
            rows, cols = max(rows, row + 1), max(cols, col + 1)
        if record == _COLINFO:
            first, last, _width, _xf, flags = struct.unpack_from("<HHHHH", stream, at)
            if flags & 1:
                hidden.update(range(first, min(last, 999) + 1))
        elif record == _BOOLERR and stream[at + 7] == 1:  # row, column, format, value, fError
            row, col = struct.unpack_from("<HH", stream, at)
            errors.setdefault(row + 1, {})[col] = _ERRORS.get(stream[at + 6], "#ERROR")
        elif record == _FORMULA and stream[at + 6] == 2 and stream[at + 12 : at + 14] == b"\xff\xff":
            row, col = struct.unpack_from("<HH", stream, at)  # a cached result that is an error
            errors.setdefault(row + 1, {})[col] = _ERRORS.get(stream[at + 8], "#ERROR")
        elif record == _BOF:
            break
    return XlsSheet(hidden, errors, rows * cols)
