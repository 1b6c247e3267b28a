"""The bounds of a record read from a ledger (docs/ledgers.md, docs/security.md); the record tables themselves
(kinds, fields, spellings, headers) are in :mod:`tuoyu_rules.vocabulary`."""

from __future__ import annotations

from decimal import Decimal

# Bounds (documented in docs/ledgers.md). Counts go up to 10^10 so that a province's 常住人口 (Guangdong: 1.27 x 10^8)
# fits; measures (m², yuan, years) up to 10^9; a record may nest 8 levels, hold lists of 1000 items and, counting
# every value in its lists and unknown fields, 100,000 values (a YAML alias bomb stops there).
MAX_COUNT = 10**10
MAX_MEASURE = Decimal(10**9)
MAX_LIST = 1000
MAX_DEPTH = 8
MAX_TEXT = 2000
MAX_ROW_CHARS = 131_072  # a CSV row, all its lines together (the csv module's own field limit)
# An XLSX workbook (a zip of XML parts), checked from its zip directory before openpyxl reads a byte: at most
# 10,000 parts, 1 GB uncompressed in all, 100 MB for any part but a worksheet (worksheets are streamed; shared
# strings and styles are not), and no part over 1 MB compressed more than 200 times (XML compresses 5-50 times; a
# zip bomb about 1,000). Rows and columns are counted as read, never from the sheet's declared dimension.
MAX_XLSX_PARTS = 10_000
MAX_XLSX_TOTAL = 1_000_000_000
MAX_XLSX_PART = 100_000_000
MAX_XLSX_RATIO = 200
MAX_XLSX_ROWS = 1_048_576  # Excel's own last row
MAX_XLSX_COLUMNS = 1_000
# calamine holds a sheet as a grid from its first to its last cell (about 85 bytes a cell with the Python rows it
# gives): an ODS or XLS sheet whose grid would pass MAX_WORKBOOK_GRID cells refuses the file (an .xls file, not
# compressed, is refused past MAX_XLS_BYTES); an XLSX sheet whose grid passes MAX_CALAMINE_GRID cells (about 85 MB
# in calamine) is streamed by records/readers/sheetxml.py instead, which gives the same values in bounded memory.
MAX_WORKBOOK_GRID = 10_000_000
MAX_CALAMINE_GRID = 1_000_000
MAX_XLS_BYTES = 100_000_000
MAX_YAML_DEPTH = 40  # nesting of a YAML ledger, refused before composing (as for policy YAML)
MAX_VALUES = 100_000  # values a YAML ledger may expand to through aliases (a "billion laughs" stops there)
# A number is bounded before it is converted: its text may hold at most 100 characters, an int at most 100 digits,
# and its magnitude at most 10^100 in unknown fields (known fields have the tighter bounds above). Python refuses
# ints of more than 4,300 digits only after building them, and "1e100000000" would become a 10^8-digit int.
MAX_NUMBER_TEXT = 100
MAX_INT_BITS = 333  # 10^100 < 2^333
MAX_EXPONENT = 100


class LongNumber:
    """A number of more than :data:`MAX_NUMBER_TEXT` characters, as the JSON and YAML readers leave it (never
    converted); the field converters report it as ``record.number-too-long``."""

    __slots__ = ("length",)

    def __init__(self, text: str):
        self.length = len(text)

    def __str__(self) -> str:
        return f"<{self.length} 位数字>"

    __repr__ = __str__


# What is stripped from both ends of every text value (ids, names …), on the fast and the general path alike:
# whitespace, control and format characters (Unicode categories Cc and Cf, and White_Space). The ranges are
# written out rather than computed so that they do not move with the Unicode version of the Python running.
EDGE_RANGES = (
    r"\x00-\x20\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u1680\u180e\u2000-\u200f"
    r"\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)


def _edge_chars() -> str:
    import re

    spans = re.findall(r"(\\[xuU][0-9a-f]+)(?:-(\\[xuU][0-9a-f]+))?", EDGE_RANGES)
    out: list[str] = []
    for low, high in spans:
        first = int(low[2:], 16)
        out.extend(chr(c) for c in range(first, int((high or low)[2:], 16) + 1))
    return "".join(out)


EDGE_CHARS = _edge_chars()


def clean_text(value: str) -> str:
    """A text value as a record keeps it: :data:`EDGE_CHARS` stripped from both ends, nothing else changed."""
    return value.strip(EDGE_CHARS)
