"""tuoyu-rules: policy-as-code for childcare services for children under three (托育).

>>> import tuoyu_rules, datetime
>>> policy = tuoyu_rules.load_policy("national")
>>> report = policy.evaluate({"id": "LMT-001", "total_slots": 60}, as_of=datetime.date(2024, 6, 30))
>>> report.status
'incomplete'

Every public name is imported on first use (``tuoyu_rules.load_policy``, ``from tuoyu_rules import Report``):
``import tuoyu_rules`` alone, and ``tuoyu-rules --version``, load nothing of the engine, pydantic or the writers.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import Policy, load_policy, validate_files
    from .errors import Location, PolicyError, Problem, RecordError
    from .findings import Finding
    from .records import Institution, Region, ResidentialArea, read_rows
    from .report import ErrorReport, Report
    from .writers import write_reports

# each public name -> the module that defines it (imported when the name is first read)
_HOMES = {
    "ErrorReport": "report",
    "Finding": "findings",
    "Institution": "records",
    "Location": "errors",
    "Policy": "api",
    "PolicyError": "errors",
    "Problem": "errors",
    "RecordError": "errors",
    "Region": "records",
    "Report": "report",
    "ResidentialArea": "records",
    "load_policy": "api",
    "read_rows": "records",
    "validate_files": "api",
    "write_reports": "writers",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use and kept here (the next read is a plain lookup); a
    submodule's name (``tuoyu_rules.compiler``) imports it, as the eager imports of earlier versions made it an
    attribute."""
    import importlib

    home = _HOMES.get(name)
    if home is not None:
        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
        globals()[name] = value
        return value
    from ._lazy import submodule

    return submodule(__name__, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


__all__ = [
    "ErrorReport",
    "Finding",
    "Institution",
    "Location",
    "Policy",
    "PolicyError",
    "Problem",
    "RecordError",
    "Region",
    "Report",
    "ResidentialArea",
    "__version__",
    "load_policy",
    "read_rows",
    "validate_files",
    "write_reports",
]
