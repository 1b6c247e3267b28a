"""The base of the record models (:class:`RecordModel`): frozen, read like a ledger row, unknown fields refused.

The models themselves (``Institution`` …) are built from the field tables in :mod:`.models`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator
from typing_extensions import Self

from ..errors import Location, Problem, RecordError
from ..vocabulary import KINDS
from .normalize import normalize_record

__all__ = ["RecordModel", "unknown_fields"]


class RecordModel(BaseModel):
    """Base of the record models: frozen, values checked by the ledger checker, unknown fields refused.

    A ledger keeps columns it does not know; a model built in code refuses them, with the closest known field
    (``Institution(id="X", total_slot=30)`` names ``total_slots``), since there a name that is not a field is a typo.
    """

    # "allow": the JSON Schema of a ledger record (tuoyu-rules schema --records) comes from these models, and a ledger
    # keeps unknown columns; the models' own check (_check) refuses unknown keywords before pydantic sees them
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
        unknown = unknown_fields(data, {**KINDS[cls.record_kind], "kind": "str", "district": "str"})
        try:
            clean = normalize_record(data)
        except RecordError as exc:
            raise RecordError([*unknown, *exc.problems]) from None
        if unknown:
            raise RecordError(unknown)
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


def unknown_fields(data: Mapping[str, Any], table: Mapping[str, Any], prefix: str = "") -> list[Problem]:
    """A problem for each key of ``data`` (and of its nested objects and lists) that ``table`` lacks, with the
    closest known name; values of the wrong shape are left to the checker, which names them."""
    problems = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        spec = table.get(key) if isinstance(key, str) else None
        if spec is None:
            problems.append(_unknown(name, str(key), table))
        elif isinstance(spec, tuple) and isinstance(spec[1], dict):
            items = [(name, value)] if spec[0] == "obj" else _items(name, value)
            for where, item in items:
                if isinstance(item, Mapping):
                    problems += unknown_fields(item, spec[1], f"{where}.")
    return problems


def _items(name: str, value: Any) -> list[tuple[str, Any]]:
    return [(f"{name}[{i}]", item) for i, item in enumerate(value)] if isinstance(value, (list, tuple)) else []


def _unknown(name: str, key: str, table: Mapping[str, Any]) -> Problem:
    close = difflib.get_close_matches(key, [k for k in table if isinstance(k, str)], n=1, cutoff=0.6)
    hint_zh, hint_en = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
    return Problem(
        "record.unknown-field",
        f"{name}：不认识的字段{hint_zh}",
        f"{name}: unknown field{hint_en}",
        Location(field=name),
        value=key[:100],
    )
