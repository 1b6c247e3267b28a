"""The extends chain: a policy file and its parents, each read with positions and validated against the models.

Schema errors of pydantic are translated here into located problems with our codes (``policy.unknown-key`` with a
"did you mean", ``policy.missing-key``, ``policy.bad-date``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import model as m
from ..errors import PolicyError, Problem, schema_message, schema_path
from ..model import PolicyModel
from ..source import SourceDoc, load_yaml_file


def bundled_dir() -> Path:
    """The folder of the policies that ship with the package (the package's own folder, as
    ``importlib.resources.files`` names it for an installed package, without importing importlib.resources)."""
    return Path(__file__).parent.parent / "policies"


def bundled_ids() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def resolve_ref(ref: str | Path, relative_to: Path | None = None) -> Path:
    """A bundled policy id (``national``) or a path to a YAML file."""
    text = str(ref)
    if not text.endswith((".yaml", ".yml")) and "/" not in text and "\\" not in text:
        return bundled_dir() / f"{text}.yaml"
    path = Path(text)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    return path


@dataclass(frozen=True)
class Origin:
    """Which policy file (layer) defined a thing, and where."""

    policy: str
    file: str
    line: int | None
    column: int | None


@dataclass
class Layer:
    """One policy file of the chain, parsed and validated."""

    doc: SourceDoc
    model: PolicyModel

    def origin(self, path: tuple[Any, ...]) -> Origin:
        line, column = self.doc.where(path)
        return Origin(self.model.id, self.doc.file, line, column)


def load_chain(path: Path, seen: tuple[str, ...] = ()) -> list[Layer]:
    """This file and its ancestors, nearest first."""
    doc = load_yaml_file(path)
    model = _validate_model(doc)
    if path.suffix in (".yaml", ".yml") and path.stem != model.id:
        # built and then dropped, as before the split: nothing collects this warning (left for a behaviour change)
        doc.problem(
            ("id",),
            "policy.id-mismatch",
            f"id '{model.id}' 与文件名 '{path.stem}' 不一致",
            f"id '{model.id}' differs from the file name '{path.stem}'",
            severity="warning",
        )
    layer = Layer(doc, model)
    if model.extends is None:
        return [layer]
    key = str(path.resolve())
    if key in seen:
        raise PolicyError(
            [
                doc.problem(
                    ("extends",),
                    "policy.extends-cycle",
                    f"继承形成循环：{model.extends}",
                    f"inheritance cycle through '{model.extends}'",
                )
            ]
        )
    parent_path = resolve_ref(model.extends, path.parent)
    if not parent_path.exists():
        raise PolicyError([_unknown_parent(doc, model.extends)])
    refused = _refused_parent(model.extends, parent_path, path)
    if refused is not None:
        raise PolicyError([doc.problem(("extends",), "policy.extends-outside", *refused)])
    return [layer, *load_chain(parent_path, (*seen, key))]


def _refused_parent(extends: str, parent: Path, child: Path) -> tuple[str, str] | None:
    """Why ``extends`` may not be read, or None: it must be a bundled id, or a regular file inside the directory
    tree of the policy that names it (no absolute path, no ``..`` out of it, no device, FIFO or directory)."""
    if parent.parent == bundled_dir() and not Path(extends).is_absolute() and "/" not in extends:
        return None
    home = child.resolve().parent
    target = parent.resolve()
    if Path(extends).is_absolute() or not target.is_relative_to(home):
        return (
            f"extends '{extends}' 不在本策略所在目录之内：只能写内置策略编号或本目录下的文件",
            f"extends '{extends}' is outside this policy's directory: name a bundled id or a file under it",
        )
    if not target.is_file():
        return (
            f"extends '{extends}' 不是普通文件（设备、管道或目录）",
            f"extends '{extends}' is not a regular file (a device, pipe or directory)",
        )
    return None


def _unknown_parent(doc: SourceDoc, extends: str) -> Problem:
    known = bundled_ids()
    close = difflib.get_close_matches(extends, known, n=1)
    hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
    return doc.problem(
        ("extends",),
        "policy.unknown-parent",
        f"找不到上级策略 '{extends}'{hint[0]}（内置：{', '.join(known)}）",
        f"unknown parent policy '{extends}'{hint[1]} (bundled: {', '.join(known)})",
    )


def _validate_model(doc: SourceDoc) -> PolicyModel:
    if not isinstance(doc.data, dict):
        raise PolicyError(
            [
                doc.problem(
                    (),
                    "policy.not-a-mapping",
                    "策略文件的顶层必须是映射（键: 值）",
                    "the top level of a policy must be a mapping",
                )
            ]
        )
    try:
        model = PolicyModel.model_validate(doc.data)
    except ValidationError as exc:
        raise PolicyError(_unique([*doc.problems, *_translate(doc, exc)])) from None
    if doc.problems:
        raise PolicyError(doc.problems)
    return model


def _translate(doc: SourceDoc, exc: ValidationError) -> list[Problem]:
    """pydantic's errors as located problems with our codes and messages (errors.SCHEMA_CODES), one per location
    and code."""
    problems: list[Problem] = []
    for err in exc.errors():
        path = schema_path(err["loc"])
        kind = err["type"]
        suggestion = None
        if kind == "extra_forbidden":
            key = str(path[-1]) if path else ""
            close = difflib.get_close_matches(key, _sibling_fields(path[:-1]), n=1, cutoff=0.6)
            suggestion = close[0] if close else None
        code, zh, en = schema_message(err, suggestion)
        where = path[:-1] if kind == "missing" else path
        problems.append(doc.problem(where, code, zh, en, key=kind == "extra_forbidden"))
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    """One problem per location and code (pydantic reports each branch of a union, YAML and pydantic both see dates)."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        where = (str(problem.location), problem.code)
        if where not in seen:
            seen.add(where)
            unique.append(problem)
    return unique


_TOP_MODELS: dict[str, Any] = {
    "parameters": m.Parameter,
    "rules": m.Rule,
    "subsidies": m.Subsidy,
    "benefits": m.Benefit,
    "disable": m.Disable,
    "clauses": m.Clause,
    "examples": m.Example,
    "documents": m.Document,
}
_NESTED_MODELS: dict[str, Any] = {
    "citation": m.Citation,
    "values": m.ParamValue,
    "message": m.Text,
    "fix": m.Text,
    "basis": m.Text,
    "exclusions": m.Exclusion,
    "expect": m.Expect,
    "jurisdiction": m.Jurisdiction,
    "in_force": m.InForce,
    "reason": m.Text,
}


def _sibling_fields(path: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at ``path`` — for "did you mean"."""
    cls: Any = m.PolicyModel
    if path:
        cls = _TOP_MODELS.get(str(path[0]), m.PolicyModel)
        for part in path[2:]:
            if isinstance(part, str) and part in _NESTED_MODELS:
                cls = _NESTED_MODELS[part]
    return [info.alias or name for name, info in cls.model_fields.items()]
