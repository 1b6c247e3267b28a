"""Problems as data: every error carries a location, a stable code and a bilingual message.

A stage collects all of its problems and raises once at the end, so a user sees every mistake in a file at once.
The CLI renders them; nothing in the engine formats text for a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "notice"]


@dataclass(frozen=True)
class Location:
    """Where a problem is: ``file:line:column`` for YAML (1-based), or ``row``/``field`` for records."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        if self.row is not None or (self.field is not None and self.line is None):
            parts = []
            if self.file:
                parts.append(self.file)
            if self.row is not None:
                parts.append(f"row {self.row}")
            if self.field:
                parts.append(self.field)
            return ": ".join(parts) if parts else "<record>"
        text = self.file or "<policy>"
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy or a record.

    ``code`` is stable (``policy.unknown-key``, ``record.not-a-number``) so tools can match on it; ``message`` is
    Chinese, ``message_en`` English.
    """

    code: str
    message: str
    message_en: str = ""
    location: Location = field(default_factory=Location)
    severity: Severity = "error"
    value: Any = None

    def render(self, lang: str = "zh") -> str:
        """``path:line:column: message`` as the contract prints policy errors."""
        text = self.message_en if lang == "en" and self.message_en else self.message
        return f"{self.location}: {self.severity}[{self.code}]: {text}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "message_en": self.message_en,
            **self.location.to_dict(),
        }
        if self.value is not None:
            out["value"] = self.value
        return out


class TuoyuError(Exception):
    """Base of the two exception types that escape for bad input; carries a list of problems."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.render() for p in self.problems) or self.__class__.__name__)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class PolicyError(TuoyuError):
    """A policy file cannot be loaded: each problem names file, line and column."""


class RecordError(TuoyuError):
    """A record cannot be read: each problem names the row (when known) and the field."""


def policy_problem(
    code: str,
    message: str,
    message_en: str,
    file: str | None,
    line: int | None = None,
    column: int | None = None,
    severity: Severity = "error",
) -> Problem:
    return Problem(code, message, message_en, Location(file=file, line=line, column=column), severity)
