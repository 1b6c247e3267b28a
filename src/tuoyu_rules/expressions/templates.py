"""Templates: text with ``{expression}`` placeholders (messages, fixes, bases), compiled once per template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..text import format_value
from .codegen import ExprProblem, field_read
from .functions import build_function
from .runtime import NO_VALUE


@dataclass(frozen=True)
class Placeholders:
    """The one generated function that computes every placeholder of a template, and the field each one shows.

    ``fields[i]`` is the record field placeholder ``i`` reads when it is nothing but that field (``{type}``), so that
    its value reads with the label of that field (a class of type 'mixed' is a 混合班); else None.
    """

    compute: Callable[..., tuple[Any, ...]]
    fields: tuple[str | None, ...]

    def __call__(self, *args: Any) -> tuple[Any, ...]:
        return self.compute(*args)


@dataclass(frozen=True)
class Template:
    """Text with ``{expression}`` placeholders, compiled once.

    ``parts`` are literal text or the index of a placeholder; ``values`` computes every placeholder of the template
    (each on its own, so a missing field dashes only its own placeholder).
    """

    parts: tuple[str | int, ...]
    values: Placeholders | None = None
    reads: tuple[str, ...] = ()

    def render(self, args: tuple[Any, ...], lang: str = "zh") -> str:
        values = self.values(*args) if self.values is not None else ()
        fields = self.values.fields if self.values is not None else ()
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = values[part]
                out.append("—" if value is NO_VALUE else format_value(value, lang, fields[part]))
        return "".join(out)


def build_template(sources: list[str], build: Callable[[str], Callable[..., Any]] | None = None) -> Placeholders | None:
    """Compile all placeholders of one template into a single function (one ``compile`` per template).

    ``build`` turns generated source into a function (default :func:`build_function`; the compiler passes a cached one).
    """
    if not sources:
        return None
    compute = (build or build_function)("(" + "".join(f"_each(lambda: {source}), " for source in sources) + ")")
    return Placeholders(compute, tuple(field_read(source) for source in sources))


def split_template(text: str) -> list[tuple[str, bool, int]] | ExprProblem:
    """Split a template into (text, is_expression, offset) pieces; ``{{``/``}}`` are literal braces."""
    pieces: list[tuple[str, bool, int]] = []
    i, buf = 0, []
    while i < len(text):
        ch = text[i]
        if ch == "{" and text.startswith("{{", i):
            buf.append("{")
            i += 2
        elif ch == "}" and text.startswith("}}", i):
            buf.append("}")
            i += 2
        elif ch == "{":
            end = text.find("}", i)
            if end < 0:
                return ExprProblem("policy.template-brace", "模板中的 { 没有配对的 }", "unclosed { in template", i)
            if buf:
                pieces.append(("".join(buf), False, i))
                buf = []
            pieces.append((text[i + 1 : end], True, i + 1))
            i = end + 1
        elif ch == "}":
            return ExprProblem(
                "policy.template-brace",
                "模板中有多余的 }（字面量请写 }}）",
                "stray } in template (write }} for a brace)",
                i,
            )
        else:
            buf.append(ch)
            i += 1
    if buf:
        pieces.append(("".join(buf), False, len(text)))
    return pieces
