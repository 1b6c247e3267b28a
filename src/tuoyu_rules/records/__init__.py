"""Records: checking them into evaluation dicts, the record models, and the ledger readers.

A record is a plain dict with the contract's field names (CONTRACT.md §3). :func:`normalize_record` checks it once
and returns the *evaluation dict*; :class:`Institution`, :class:`Region` and :class:`ResidentialArea` are the same
check as pydantic models. :func:`read_rows` streams the rows of a ledger (CSV, XLSX, JSON, JSONL, YAML, or standard
input) through the :data:`READERS` registry, mapping Chinese or English column headers to field names; a row that
cannot be read still yields one :class:`RawRow`, so nothing is lost.

``fields`` holds the tables (kinds, spellings, headers, bounds), ``convert`` the field converters, ``normalize``
the fast path and the general path, ``models`` the models, ``readers`` one module per family of formats.
"""

from __future__ import annotations

from .models import Institution, RecordModel, Region, ResidentialArea
from .normalize import normalize_record
from .readers import READERS, LedgerInput, LedgerNotice, RawRow, Reader, read_rows
from .readers.columns import header_key

__all__ = [
    "READERS",
    "Institution",
    "LedgerInput",
    "LedgerNotice",
    "RawRow",
    "Reader",
    "RecordModel",
    "Region",
    "ResidentialArea",
    "header_key",
    "normalize_record",
    "read_rows",
]
