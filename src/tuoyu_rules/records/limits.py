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
MAX_VALUES = 100_000
_MAX_INT_BITS = 6000  # about 1800 digits: larger ints in unknown fields are refused (they cannot even be printed)
