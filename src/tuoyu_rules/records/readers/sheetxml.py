"""A streamed reader of an XLSX/XLSM sheet's XML (the standard library's expat over the zip member's stream), giving
the very values python-calamine gives for a sheet it reads (:mod:`.book`): numbers as floats (a whole one an int),
a number whose cell style is a date format as a date, datetime, time or timedelta (calamine's rules: the style's
``numFmtId`` a built-in date id or a custom format that reads as a date; the 1900 or 1904 date system of
``workbookPr``), shared and inline strings (rich text runs joined, phonetic runs left out), booleans, formulas by
their cached value. Memory stays bounded whatever the sheet's size: the XML is parsed in chunks and rows are given
as they end; the shared strings are kept as one UTF-8 buffer with offsets (:class:`SharedStrings`, about the
strings' own bytes plus 8 a string, never a Python object each).

Only the sheets :func:`.book._xlsx_scan` lets calamine read come here (cells with references, no namespace
prefix, plain numbers, no error cells); the others go on to openpyxl's streamed parser as before.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.parsers import expat

CHUNK = 1 << 18  # bytes of decompressed XML parsed at a time
_EPOCH_1900 = datetime.datetime(1899, 12, 30)
_EPOCH_1904 = datetime.datetime(1904, 1, 1)
_OTHER, _DATETIME, _TIMEDELTA = 0, 1, 2
_BUILTIN_DATES = {**dict.fromkeys((*range(14, 23), 45, 47), _DATETIME), 46: _TIMEDELTA}


def format_kind(code: str) -> int:
    """Whether a number format shows a date/time (1), a duration (2, ``[h]:mm``) or neither (0), as calamine reads
    a custom format: its first section only, quoted text and escaped characters skipped, a date letter outside
    brackets, ``[h]``/``[m]``/``[s]`` a duration, ``A/P`` a time."""
    escaped = quoted = ampm = hms = False
    brackets, prev = 0, " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return _OTHER
        elif ch == "[":
            brackets += 1
        elif ch == "]" and brackets == 1 and hms:
            return _TIMEDELTA
        elif ch == "]":
            brackets = max(brackets - 1, 0)
        elif ch in "aA" and not ampm and brackets == 0:
            ampm = True
        elif ch in "pmPM/" and ampm and brackets == 0:
            return _DATETIME
        elif ch in "dmhysDMHYS" and not ampm and brackets == 0:
            return _DATETIME
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return _OTHER


class SharedStrings:
    """The shared-strings table as one UTF-8 buffer and the offset of each string's end: a million unique strings of
    ten Chinese characters take about 38 MB (30 MB of text, 4 MB of offsets), not the ~100 MB of a Python str each."""

    def __init__(self) -> None:
        self._text = bytearray()
        self._ends = array("I" if array("I").itemsize >= 4 else "L")  # offsets below 4 GB: the part is bounded

    def append(self, text: str) -> None:
        self._text += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._text))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self._ends):
            raise IndexError(f"shared string {index} does not exist (the workbook has {len(self._ends)})")
        start = self._ends[index - 1] if index else 0
        return self._text[start : self._ends[index]].decode("utf-8", "surrogatepass")

    def buffer(self) -> tuple[bytearray, array[int]]:
        """The UTF-8 buffer and the end offsets, for a reader that slices them itself."""
        return self._text, self._ends

    @property
    def nbytes(self) -> int:
        return len(self._text) + self._ends.itemsize * len(self._ends)


class _Text:
    """Collects the text of ``<si>``/``<is>`` elements as calamine reads it: ``<t>`` in the element or in its runs,
    not in ``<rPh>`` (phonetic), each ``<t>`` trimmed of XML whitespace unless ``xml:space="preserve"``, and
    ``_xHHHH_`` escapes decoded."""

    def __init__(self, done: Callable[[str], None], item: str = "si"):
        self.done, self.item = done, item
        self.parts: list[str] = []
        self.run: list[str] = []
        self.inside = self.phonetic = self.collect = self.preserve = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == self.item:
            self.inside, self.parts = True, []
        elif tag == "t" and self.inside and not self.phonetic:
            self.collect, self.run = True, []
            self.preserve = attrs.get("xml:space") == "preserve"
        elif tag == "rPh":
            self.phonetic = True

    def end(self, tag: str) -> None:
        if tag == "t" and self.collect:
            self.collect = False
            text = "".join(self.run)
            self.parts.append(text if self.preserve else text.strip(XML_SPACE))
        elif tag == "rPh":
            self.phonetic = False
        elif tag == self.item and self.inside:
            self.inside = False
            self.done(unescape_x("".join(self.parts)))

    def chars(self, data: str) -> None:
        if self.collect:
            self.run.append(data)


XML_SPACE = " \t\r\n"
_X_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_x(text: str) -> str:
    """OOXML's escape of a character XML cannot hold (``_x000D_`` is a carriage return), decoded as calamine does."""
    return _X_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def read_shared_strings(src: IO[bytes]) -> SharedStrings:
    """The shared strings of ``xl/sharedStrings.xml``, in order."""
    out = SharedStrings()
    text = _Text(out.append)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = text.start
    parser.EndElementHandler = text.end
    parser.CharacterDataHandler = text.chars
    parser.ParseFile(src)
    return out


def read_styles(src: IO[bytes]) -> list[int]:
    """Per cell style (``cellXfs`` index) whether its number format is a date (1), a duration (2) or neither (0)."""
    formats: dict[str, int] = {}
    styles: list[int] = []
    depth = {"cellXfs": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "numFmt":
            formats[attrs.get("numFmtId", "")] = format_kind(attrs.get("formatCode", ""))
        elif tag == "cellXfs":
            depth["cellXfs"] = True
        elif tag == "xf" and depth["cellXfs"]:
            fmt = attrs.get("numFmtId", "0")
            kind = formats.get(fmt)
            styles.append(kind if kind is not None else _BUILTIN_DATES.get(int(fmt) if fmt.isdigit() else -1, 0))

    def end(tag: str) -> None:
        if tag == "cellXfs":
            depth["cellXfs"] = False

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.ParseFile(src)
    return styles


def _round(value: float) -> int:
    """Rust's ``f64::round`` (half away from zero), as calamine rounds a date's milliseconds."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def excel_date(value: float, kind: int, is_1904: bool) -> Any:
    """A number in a date-formatted cell as calamine gives it: a timedelta for a duration; below 1 the time of day
    (of its milliseconds, rounded); else a datetime, or the float itself when the date is past the year 9999."""
    if kind == _TIMEDELTA:
        return datetime.timedelta(milliseconds=_round(value * 86_400_000))
    shifted = value if is_1904 or value >= 60 else value + 1  # 1900's system counts a 29 February that never was
    ms = _round(shifted * 86_400_000)
    if value < 1:
        ms %= 86_400_000
        return datetime.time(ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000 * 1000)
    try:
        return (_EPOCH_1904 if is_1904 else _EPOCH_1900) + datetime.timedelta(milliseconds=ms)
    except OverflowError:
        return value


_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    _COLUMNS[letters] = n
    return n


_BYTE_COLUMNS: dict[bytes, int] = {}


def _byte_column(letters: bytes) -> int:
    n = _BYTE_COLUMNS[letters] = _column(letters.decode())
    return n


class SheetParser:
    """The cells of one sheet's XML, fed in chunks; :attr:`rows` collects (sheet row, [(column, value)], bad) as
    each row ends. ``value`` is None for an empty cell; a cell that cannot be read is ``(column, reason)`` in bad."""

    def __init__(self, strings: SharedStrings, styles: list[int], is_1904: bool):
        self.strings, self.styles, self.is_1904 = strings, styles, is_1904
        self.rows: list[tuple[int, list[tuple[int, Any]], list[tuple[int, str]]]] = []
        self._row, self._cells, self._bad = 0, [], []  # type: tuple[int, list[tuple[int, Any]], list[tuple[int, str]]]
        self._col, self._type, self._style = 0, "n", 0
        self._value: list[str] | None = None
        self._inline = _Text(self._inline_done, "is")
        self._got: Any = None
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        self._parser = parser

    def feed(self, data: bytes, final: bool = False) -> None:
        self._parser.Parse(data, final)
        if final:
            self._flush()

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "c":
            ref = attrs["r"]
            letters = ref.rstrip("0123456789")
            row = int(ref[len(letters) :])
            if row != self._row:
                self._flush()
                self._row = row
            self._col = _COLUMNS.get(letters) or _column(letters)
            self._type = attrs.get("t", "n")
            style = attrs.get("s")
            self._style = int(style) if style else 0
            self._got = None
        elif tag == "v":
            self._value = []
        elif self._type == "inlineStr":
            self._inline.start(tag, attrs)

    def _chars(self, data: str) -> None:
        if self._value is not None:
            self._value.append(data)
        elif self._inline.inside:
            self._inline.chars(data)

    def _end(self, tag: str) -> None:
        if tag == "v":
            if self._value is not None:
                self._got = "".join(self._value)
            self._value = None
        elif tag == "c":
            self._cell()
        elif self._type == "inlineStr":
            self._inline.end(tag)

    def _inline_done(self, text: str) -> None:
        self._got = text

    def _cell(self) -> None:
        text, kind = self._got, self._type
        if not text:  # no value, or an empty one (<v/>): an empty cell
            return
        try:
            value = self._convert(text, kind)
        except (ValueError, IndexError, OverflowError) as exc:
            self._bad.append((self._col, f"{type(exc).__name__}: {str(exc)[:100]}"))
            return
        if value is not None and value != "":
            self._cells.append((self._col, normal(value)))

    def _convert(self, text: str, kind: str) -> Any:
        if kind == "n":
            number = float(text)
            style = self.styles[self._style] if self._style < len(self.styles) else 0
            return excel_date(number, style, self.is_1904) if style else number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))  # as openpyxl reads it (calamine refuses a value but 0 or 1: the sheet went there)
        return text  # inlineStr, str (a formula's text)

    def _flush(self) -> None:
        if self._cells or self._bad:
            self.rows.append((self._row, self._cells, self._bad))
            self._cells, self._bad = [], []


def sheet_cells(
    archive: zipfile.ZipFile, part: str, strings: SharedStrings, styles: list[int], is_1904: bool
) -> Iterator[tuple[int, list[tuple[int, Any]], list[tuple[int, str]]]]:
    """The rows of one sheet part as they end in its XML (see :class:`SheetParser`); a malformed part ends with a
    row of one bad cell saying why, after the rows read before it."""
    parser = SheetParser(strings, styles, is_1904)
    with archive.open(part) as src:
        try:
            while True:
                chunk = src.read(CHUNK)
                parser.feed(chunk, final=not chunk)
                yield from parser.rows
                parser.rows.clear()
                if not chunk:
                    return
        except (expat.ExpatError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            yield from parser.rows
            yield parser._row + 1, [], [(1, f"{type(exc).__name__}: {str(exc)[:100]}")]


def workbook_cells(archive: zipfile.ZipFile) -> tuple[SharedStrings, list[int], bool]:
    """What every sheet's cells need from the workbook: its shared strings, its cell styles' date kinds
    (:func:`read_styles`), and whether it counts dates from 1904 (``<workbookPr date1904="1"/>``)."""
    targets, is_1904 = _workbook_parts(archive)
    names = {name.lower(): name for name in archive.namelist()}  # a part's name matched whatever its case
    strings, styles = SharedStrings(), []
    if targets["sharedStrings"].lower() in names:
        with archive.open(names[targets["sharedStrings"].lower()]) as src:
            strings = read_shared_strings(src)
    if targets["styles"].lower() in names:
        with archive.open(names[targets["styles"].lower()]) as src:
            styles = read_styles(src)
    return strings, styles, is_1904


def _workbook_parts(archive: zipfile.ZipFile) -> tuple[dict[str, str], bool]:
    """The parts the workbook's relationships name by type (``sharedStrings``, ``styles``), and its date system."""
    found: dict[str, str] = {}
    flags = {"1904": False}

    def relation(tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship":
            target = attrs.get("Target", "")
            kind = attrs.get("Type", "").rsplit("/", 1)[-1]
            found.setdefault(kind, target.lstrip("/") if target.startswith("/") else f"xl/{target}")

    def book(tag: str, attrs: dict[str, str]) -> None:
        if tag == "workbookPr":
            flags["1904"] = attrs.get("date1904", "").lower() in ("1", "true")

    for part, handler in (("xl/_rels/workbook.xml.rels", relation), ("xl/workbook.xml", book)):
        parser = expat.ParserCreate()
        parser.StartElementHandler = handler
        try:
            with archive.open(part) as src:
                parser.ParseFile(src)
        except (KeyError, expat.ExpatError):
            continue
    found.setdefault("sharedStrings", "xl/sharedStrings.xml")
    found.setdefault("styles", "xl/styles.xml")
    return found, flags["1904"]


# The plain shape of a cell as Excel, WPS, LibreOffice and openpyxl write it: its reference first, then its other
# attributes, then nothing, a value, a formula and its value, or an inline string. Only a sheet whose XML holds no
# CDATA section, comment, DOCTYPE or processing instruction and is UTF-8 (:func:`.book._xlsx_scan` says) is read
# this way; a cell of another shape inside it is parsed by expat on its own (:func:`_odd_cell`).
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_ATTR = re.compile(rb'\s([st])="([^"]*)"')
_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));$")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_INLINE, _PRESERVED = b"<is><t>", b'<is><t xml:space="preserve">'
_NUMBER, _SHARED, _INLINE_TYPE = b"n", b"s", b"inlineStr"
_TYPES = {b"n": _NUMBER, b"s": _SHARED, b"inlineStr": _INLINE_TYPE}  # one object each, compared by identity


_REFERENCES: dict[str, str] = {f"{name};": char for name, char in _NAMED.items()}


def _references(text: str) -> str:
    """The entity and character references of a text resolved (``&#24180;`` is 年): split at each ``&``, each
    reference looked up (or decoded once and kept); a ``&`` that starts no reference is left as written."""
    parts = text.split("&")
    out = [parts[0]]
    for part in parts[1:]:
        semi = part.find(";") + 1
        ref = part[:semi]
        char = _REFERENCES.get(ref) if semi else None
        if char is None and semi:
            m = _ENTITY.match("&" + ref)
            if m is not None:
                char = chr(int(m.group(1)) if m.group(1) else int(m.group(2), 16)) if not m.group(3) else ""
                if len(_REFERENCES) < 100_000:
                    _REFERENCES[ref] = char
        out.append(part if char is None else char + part[semi:])
    return "".join(out)


def normal(value: Any) -> Any:
    """A cell's value as :func:`.book._value` makes calamine's: a whole float an int, a datetime at midnight a date."""
    if type(value) is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if type(value) is datetime.datetime and value.time() == _MIDNIGHT:
        return value.date()
    return value


_MIDNIGHT = datetime.time(0)
_EXACT = 2**53


def xml_text(raw: bytes, preserve: bool = True) -> str:
    """The text of an element as an XML parser gives it (line ends made \\n, references resolved), trimmed of XML
    whitespace first unless ``preserve`` (as calamine trims a ``<t>``)."""
    if not preserve:
        raw = raw.strip(b" \t\r\n")
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _references(text) if "&" in text else text


class FastCells:
    """The rows of a plain sheet (see :data:`_CELL`) read by one regular expression over its XML bytes: each cell's
    reference, type, style and value without a parser callback per element (about 3x faster than expat)."""

    def __init__(self, strings: SharedStrings, styles: list[int], is_1904: bool):
        self.strings, self.styles, self.is_1904 = strings, styles, is_1904
        self._attrs: dict[bytes, tuple[bytes, int, bytes]] = {}
        self.row, self.cells, self.bad = 0, [], []  # type: tuple[int, list[tuple[int, Any]], list[tuple[int, str]]]
        self.digits = b""

    def rows(self, text: bytes, end: int) -> Iterator[tuple[int, list[tuple[int, Any]], list[tuple[int, str]]]]:
        """The rows that end before ``end`` in ``text`` (the last row is kept until a later cell or :meth:`last`).
        The common cells (a number, a shared string, a one-run inline string) are read here; the rest by
        :meth:`_convert`."""
        columns, attrs_of, strings, is_1904 = _BYTE_COLUMNS, self._attrs, self.strings, self.is_1904
        shared, ends = strings.buffer()
        cells = self.cells
        for letters, digits, attrs, inner in _CELL.findall(text, 0, end):
            if digits != self.digits:
                if cells or self.bad:
                    yield self.row, cells, self.bad
                    cells = self.cells = []
                    self.bad = []
                self.digits, self.row = digits, int(digits)
            if not inner:
                continue
            kind = attrs_of.get(attrs) or self._kind(attrs)
            col = columns.get(letters) or _byte_column(letters)
            cell_type = kind[0]
            try:
                if inner[:3] == b"<v>" and inner.count(b"<") == 2 and cell_type is not _INLINE_TYPE:
                    raw = inner[3:-4]
                    if not raw:
                        continue
                    if cell_type is _NUMBER:
                        if kind[1]:
                            value = normal(excel_date(float(raw), kind[1], is_1904))
                        elif raw.isdigit() and len(raw) < 16:
                            value = int(raw)  # as int(float(raw)): below 2**53
                        else:
                            number = float(raw)
                            value = int(number) if number.is_integer() and -_EXACT < number < _EXACT else number
                    elif cell_type is _SHARED:
                        index = int(raw)
                        if index >= len(ends):
                            value = strings[index]  # raises, naming the index
                        value = shared[ends[index - 1] if index else 0 : ends[index]].decode("utf-8", "surrogatepass")
                        if not value:
                            continue
                    else:
                        value = self._convert(inner, kind)
                elif cell_type is _INLINE_TYPE and inner[:7] == _INLINE and inner.count(b"<") == 4:
                    value = unescape_x(xml_text(inner[7:-9], False))
                else:
                    value = self._convert(inner, kind)
            except _Bad as exc:
                self.bad.append((col, str(exc)))
                continue
            except (ValueError, IndexError, OverflowError, UnicodeDecodeError) as exc:
                self.bad.append((col, f"{type(exc).__name__}: {str(exc)[:100]}"))
                continue
            if value is not None and value != "":
                cells.append((col, value if type(value) is str or type(value) is int else normal(value)))

    def last(self) -> Iterator[tuple[int, list[tuple[int, Any]], list[tuple[int, str]]]]:
        if self.cells or self.bad:
            yield self.row, self.cells, self.bad

    def _kind(self, attrs: bytes) -> tuple[bytes, int, bytes]:
        found: dict[bytes, bytes] = dict(_ATTR.findall(attrs))
        style = found.get(b"s", b"0")
        index = int(style) if style.isdigit() else 0
        written = found.get(b"t", b"n")
        cell_type = _TYPES.get(written, written)
        kind = (cell_type, self.styles[index] if index < len(self.styles) else _OTHER, attrs)
        self._attrs[attrs] = kind
        return kind

    def _convert(self, inner: bytes, kind: tuple[bytes, int, bytes]) -> Any:
        cell_type, date, attrs = kind
        if cell_type == b"inlineStr":
            return self._inline(inner, attrs)
        if not inner.endswith(b"</v>"):
            return self._odd(inner, attrs)
        start = inner.rfind(b"<v>")
        raw = inner[start + 3 : -4]
        if start < 0 or b"<" in raw:
            return self._odd(inner, attrs)
        if not raw:
            return None
        if cell_type == b"n":
            number = float(raw)
            return excel_date(number, date, self.is_1904) if date else number
        if cell_type == b"s":
            return self.strings[int(raw)]
        if cell_type == b"b":
            return bool(int(raw))
        return xml_text(raw)

    def _inline(self, inner: bytes, attrs: bytes) -> Any:
        for head, preserve in ((_INLINE, False), (_PRESERVED, True)):
            if inner.startswith(head) and inner.endswith(b"</t></is>") and inner.count(b"<") == 4:
                return unescape_x(xml_text(inner[len(head) : -9], preserve))
        return self._odd(inner, attrs)

    def _odd(self, inner: bytes, attrs: bytes) -> Any:
        """A cell of another shape (rich inline text, a value with attributes …), parsed by expat on its own."""
        parser = SheetParser(self.strings, self.styles, self.is_1904)
        parser.feed(b'<c r="A1"' + attrs + b">" + inner + b"</c>", final=True)
        if parser.rows and parser.rows[0][2]:
            raise _Bad(parser.rows[0][2][0][1])
        return parser.rows[0][1][0][1] if parser.rows and parser.rows[0][1] else None


class _Bad(Exception):
    """A cell :class:`SheetParser` could not read, with its reason as it says it."""


def fast_sheet_cells(
    archive: zipfile.ZipFile, part: str, strings: SharedStrings, styles: list[int], is_1904: bool
) -> Iterator[tuple[int, list[tuple[int, Any]], list[tuple[int, str]]]]:
    """The rows of a plain sheet part (:class:`FastCells`), read in chunks cut before their last cell."""
    fast = FastCells(strings, styles, is_1904)
    with archive.open(part) as src:
        tail = b""
        while True:
            chunk = src.read(CHUNK)
            text = tail + chunk
            done = text.find(b"</sheetData>")
            cut = done if done >= 0 else text.rfind(b'<c r="') if chunk else len(text)
            if cut <= 0 and chunk:  # no cell starts in this chunk (a long text): read on
                tail = text
                continue
            yield from fast.rows(text, cut)
            tail = text[cut:]
            if not chunk or done >= 0:
                break
    yield from fast.last()
