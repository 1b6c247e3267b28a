"""Records: checking them into evaluation dicts, the record models, and the ledger readers.

A record is a plain dict with the contract's field names (CONTRACT.md §3). :func:`normalize_record` checks it once
and returns the *evaluation dict*; :class:`Institution`, :class:`Region` and :class:`ResidentialArea` are the same
check as pydantic models. :func:`read_rows` streams the rows of a ledger (CSV, XLSX, JSON, JSONL, YAML, or standard
input) through the :data:`READERS` registry, mapping Chinese or English column headers to field names; a row that
cannot be read still yields one :class:`RawRow`, so nothing is lost.

``fields`` holds the tables (kinds, spellings, headers, bounds), ``convert`` the field converters, ``normalize``
the fast path and the general path, ``models`` the models, ``readers`` one module per family of formats.

Each name is imported from its module on first use: the column maps (which the compiler reads) do not load the
readers or pydantic's record models, and the readers' table does not load the models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._lazy import submodule

if TYPE_CHECKING:
    from .models import Institution, RecordModel, Region, ResidentialArea
    from .normalize import normalize_record
    from .readers import READERS, LedgerInput, LedgerNotice, RawRow, Reader, read_rows
    from .readers.columns import header_key

# each name -> the module (of this package) that defines it
_HOMES = {
    "READERS": "readers",
    "Institution": "models",
    "LedgerInput": "readers",
    "LedgerNotice": "readers",
    "RawRow": "readers",
    "Reader": "readers",
    "RecordModel": "base",
    "Region": "models",
    "ResidentialArea": "models",
    "header_key": "readers.columns",
    "normalize_record": "normalize",
    "read_rows": "readers",
}


def __getattr__(name: str) -> Any:
    """A name of :data:`__all__`, imported from its module on first use and kept here; a submodule's name
    (``readers``, ``normalize``) imports it, as the eager imports of earlier versions made it an attribute."""
    home = _HOMES.get(name)
    if home is None:
        return submodule(__name__, name)
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


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
