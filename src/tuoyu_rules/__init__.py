"""tuoyu-rules: policy-as-code for childcare services for children under three (托育).

>>> import tuoyu_rules, datetime
>>> policy = tuoyu_rules.load_policy("national")
>>> report = policy.evaluate({"id": "LMT-001", "total_slots": 60}, as_of=datetime.date(2024, 6, 30))
>>> report.status
'incomplete'
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .api import Policy, load_policy, validate_files
from .errors import Location, PolicyError, Problem, RecordError
from .findings import Finding
from .records import Institution, Region, ResidentialArea, read_rows
from .report import ErrorReport, Report

if TYPE_CHECKING:
    from .writers import write_reports


def __getattr__(name: str) -> Any:
    """``write_reports`` is imported on first use: the writers (HTML, XLSX …) are not needed to evaluate."""
    if name == "write_reports":
        from .writers import write_reports

        return write_reports
    raise AttributeError(f"module 'tuoyu_rules' has no attribute {name!r}")


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
