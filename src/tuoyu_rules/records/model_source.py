"""The source of ``typed_models.py``: the record models as classes a type checker reads, generated from vocabulary.py.

The runtime models are built from the field tables when the package loads (``models.py``), so a field added to
``vocabulary.py`` works at once; mypy and editors need classes written out, which this module generates. Regenerate
after changing a field table (``tests/test_typed_models.py`` fails while the committed file is stale)::

    python -m tuoyu_rules.records.model_source > src/tuoyu_rules/records/typed_models.py
"""

from __future__ import annotations

from typing import Any

from ..vocabulary import ENUM_VALUES, KINDS, SUBJECTS, enum_codes
from .models import MODELS

__all__ = ["typed_models_source"]

_HEADER = '''\
"""The record models as a type checker sees them: every field with its type. GENERATED from vocabulary.py — do not edit;
regenerate with ``python -m tuoyu_rules.records.model_source > src/tuoyu_rules/records/typed_models.py``.

Imported only by type checkers (``models.py`` builds the runtime classes from the same tables). Attributes have the
checked types (``total_slots: int``, ``form: Literal["center", …]``, nested objects as TypedDicts); the constructors
take what a ledger cell may hold (``"30个"``, ``"是"``, ``"自有"``), checked when the model is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from typing_extensions import TypedDict

from .base import RecordModel
'''

_INPUT = {"int": "int | str", "num": "int | float | Decimal | str", "bool": "bool | str", "str": "str"}
_OUTPUT = {"int": "int", "num": "int | Decimal", "bool": "bool", "str": "str"}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _nested_name(key: str, table: dict[str, Any], kind: str) -> str:
    """A nested table's TypedDict name: its subject's name when it is one (class → ClassRecord), else the key's."""
    for subject, (fields, parent, _) in SUBJECTS.items():
        if fields is table and parent == kind:
            return f"{_camel(subject)}Record"
    return f"{_camel(key)}Record"


def _literal(key: str) -> str:
    return "Literal[" + ", ".join(f'"{code}"' for code in enum_codes(key)) + "]"


class _Source:
    """Collects the TypedDicts of nested tables (each once, in the order first met) while the classes are written."""

    def __init__(self) -> None:
        self.nested: dict[str, list[str]] = {}

    def output_type(self, key: str, spec: Any, kind: str) -> str:
        if isinstance(spec, tuple):
            container, inner = spec
            if inner == "str":
                item = _literal(key) if key in ENUM_VALUES else "str"
            else:
                item = self.typed_dict(key, inner, kind)
            return item if container == "obj" else f"list[{item}]"
        if spec == "str" and key in ENUM_VALUES:
            return _literal(key)
        return _OUTPUT[spec]

    def typed_dict(self, key: str, table: dict[str, Any], kind: str) -> str:
        name = _nested_name(key, table, kind)
        if name not in self.nested:
            self.nested[name] = []  # reserved first: a table may contain itself (subregions)
            lines = [
                f"class {name}(TypedDict, total=False):",
                f'    """``{key}`` in {kind} records, as checked."""',
                "",
            ]
            lines += [f"    {field}: {self.output_type(field, spec, kind)}" for field, spec in table.items()]
            self.nested[name] = lines
        return name

    def model(self, class_name: str, kind: str, doc: str) -> list[str]:
        table = KINDS[kind]
        fields = [(key, spec) for key, spec in table.items() if key not in ("kind", "district")]
        lines = [f"class {class_name}(RecordModel):", f'    """{doc}"""', ""]
        for key, spec in fields:
            annotation = self.output_type(key, spec, kind)
            lines.append(f"    {key}: {annotation}" if key == "id" else f"    {key}: {annotation} | None = None")
        lines += ["    district: str | None = None", f'    kind: Literal["{kind}"] = "{kind}"', ""]
        params = ["self", "*"]
        for key, spec in fields:
            params.append(f"{key}: str | int" if key == "id" else f"{key}: {_input_type(spec)} | None = None")
        params += ["district: str | None = None", "kind: str | None = None"]
        lines += [
            "    if TYPE_CHECKING:  # the constructor as checkers see it; at run time pydantic's, which checks",
            "",
        ]
        lines.append("        def __init__(")
        lines += [f"            {p}," for p in params]
        lines += ["        ) -> None: ..."]
        return lines


def _input_type(spec: Any) -> str:
    if isinstance(spec, tuple):
        container, inner = spec
        if inner == "str":
            return "Sequence[str] | str"
        return "Mapping[str, Any]" if container == "obj" else "Sequence[Mapping[str, Any]]"
    return _INPUT[spec]


def typed_models_source() -> str:
    """The text of ``typed_models.py``: the nested TypedDicts, then one class per record model, with ``__all__``."""
    source = _Source()
    models = [source.model(name, kind, doc) for name, kind, doc in MODELS]
    names = [*source.nested, *(name for name, _, _ in MODELS)]
    blocks = ["\n".join(lines) for lines in [*source.nested.values(), *models]]
    exported = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in sorted(names)) + "]"
    return _HEADER + "\n" + exported + "\n\n\n" + "\n\n\n".join(blocks) + "\n"


if __name__ == "__main__":
    print(typed_models_source(), end="")
