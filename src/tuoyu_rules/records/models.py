"""The record models: :class:`Institution`, :class:`Region` and :class:`ResidentialArea` (CONTRACT.md §3).

For Python services that build records in code. A model is read the way a ledger row is read (the same lenient
spellings: ``"30个"``, ``"是"``, ``"公办"``; the same limits), so a bad value raises :class:`RecordError` naming the
field, exactly as ``Policy.evaluate`` would. A model is frozen and keeps the checked evaluation record it was built
from, so evaluating one model against several policies checks it only once::

    record = tuoyu_rules.Institution(id="A-001", total_slots=60, indoor_area_m2=300)
    for policy in (national_policy, city_policy):
        policy.evaluate(record, as_of=day)

The runtime classes are built here from the field tables of vocabulary.py (one source of truth, so a new field works
at once); type checkers read the same classes written out in :mod:`.typed_models`, generated from the same tables
(:mod:`.model_source`). An unknown keyword is refused with the closest field name (:class:`RecordError`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Union

from pydantic import create_model

from ..vocabulary import CERTIFICATES, ENUMS, KINDS, enum_codes
from .base import RecordModel

__all__ = ["MODELS", "Institution", "RecordModel", "Region", "ResidentialArea"]

MODELS: tuple[tuple[str, str, str], ...] = (
    ("Institution", "institution", "托育机构 — an institution record (CONTRACT.md §3)."),
    ("Region", "region", "区域 — a region record: a city, county or township (CONTRACT.md §3)."),
    ("ResidentialArea", "residential_area", "居住区 — a residential area record (CONTRACT.md §3)."),
)
"""Each record model: its class name, its record kind and its docstring (models.py builds the runtime classes)."""


def _annotation(key: str, spec: Any) -> Any:
    if isinstance(spec, tuple):
        kind, inner = spec
        if kind == "obj":
            return dict[str, Any]
        if inner == "str":
            return list[Literal[tuple(sorted(set(CERTIFICATES.values())))]]  # type: ignore[misc]
        return list[dict[str, Any]]
    if spec == "int":
        return int
    if spec == "num":
        return Union[int, Decimal]  # noqa: UP007
    if spec == "bool":
        return bool
    if key in ENUMS and key != "kind":
        return Literal[enum_codes(key)]
    return str


def _model(name: str, kind: str, doc: str) -> type[RecordModel]:
    fields: dict[str, Any] = {}
    for key, spec in KINDS[kind].items():
        if key == "id":
            fields[key] = (str, ...)
        elif key != "kind":
            fields[key] = (_annotation(key, spec) | None, None)
    fields["district"] = (str | None, None)
    fields["kind"] = (Literal[kind], kind)
    model: type[RecordModel] = create_model(name, __base__=RecordModel, __doc__=doc, **fields)
    model.record_kind = kind
    return model


if TYPE_CHECKING:
    from .typed_models import Institution, Region, ResidentialArea
else:
    Institution, Region, ResidentialArea = (_model(name, kind, doc) for name, kind, doc in MODELS)
