"""The record models: :class:`Institution`, :class:`Region` and :class:`ResidentialArea` (CONTRACT.md §3).

For Python services that build records in code. A model is read the way a ledger row is read (the same lenient
spellings: ``"30个"``, ``"是"``, ``"公办"``; the same limits), so a bad value raises :class:`RecordError` naming the
field, exactly as ``Policy.evaluate`` would. A model is frozen and keeps the checked evaluation record it was built
from, so evaluating one model against several policies checks it only once::

    record = tuoyu_rules.Institution(id="A-001", total_slots=60, indoor_area_m2=300)
    for policy in (national_policy, city_policy):
        policy.evaluate(record, as_of=day)

Fields are generated from the same field tables as the checker (one source of truth); unknown fields are kept, as
in ledgers, and ignored by rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, PrivateAttr, create_model, model_validator
from typing_extensions import Self

from ..errors import Location, Problem, RecordError
from ..vocabulary import CERTIFICATES, ENUMS, KINDS
from .normalize import normalize_record


class RecordModel(BaseModel):
    """Base of the record models: frozen, unknown fields kept, values checked by the ledger checker."""

    model_config = ConfigDict(extra="allow", frozen=True)
    record_kind: ClassVar[str] = "institution"
    _record: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        if isinstance(data, RecordModel):
            data = data.model_dump(exclude_none=True)
        if not isinstance(data, Mapping):
            raise RecordError(
                [
                    Problem(
                        "record.not-an-object",
                        "记录必须是对象（键: 值）",
                        "a record must be an object",
                        Location(),
                        value=type(data).__name__,
                    )
                ]
            )
        data = {key: value for key, value in data.items() if value is not None}
        data.setdefault("kind", cls.record_kind)
        clean = normalize_record(data)
        if clean["kind"] != cls.record_kind:
            raise RecordError(
                [
                    Problem(
                        "record.unknown-kind",
                        f"{cls.__name__} 的记录类型必须是 {cls.record_kind}",
                        f"the kind of a {cls.__name__} must be {cls.record_kind}",
                        Location(field="kind"),
                        value=data.get("kind"),
                    )
                ]
            )
        return clean

    @model_validator(mode="after")
    def _keep(self) -> RecordModel:
        self._record = self.model_dump(exclude_none=True)
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, a new record checked like any other (pydantic's own copy would not check the new
        values, and would keep the old checked record)."""
        if not update:
            return super().model_copy(deep=deep)
        return self.model_validate({**self.model_dump(exclude_none=True), **update})

    def evaluation_record(self) -> dict[str, Any]:
        """The checked record that rules read (do not change it: the model and its reports share it)."""
        # read the private value directly: pydantic's attribute fallback for private names costs about 2 µs
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        return private["_record"]  # type: ignore[no-any-return]


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
        return Literal[tuple(sorted(set(ENUMS[key].values())))]
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


Institution = _model("Institution", "institution", "托育机构 — an institution record (CONTRACT.md §3).")
Region = _model("Region", "region", "区域 — a region record: a city, county or township (CONTRACT.md §3).")
ResidentialArea = _model("ResidentialArea", "residential_area", "居住区 — a residential area record (CONTRACT.md §3).")
