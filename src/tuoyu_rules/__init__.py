"""tuoyu-rules: policy-as-code for childcare services for children under three (托育).

>>> import tuoyu_rules, datetime
>>> policy = tuoyu_rules.load_policy("national")
>>> report = policy.evaluate({"id": "LMT-001", "total_slots": 60}, as_of=datetime.date(2024, 6, 30))
>>> report.status
'incomplete'
"""

from .api import Policy, load_policy
from .errors import Location, PolicyError, Problem, RecordError
from .records import Institution, Region, ResidentialArea
from .report import ErrorReport, Finding, Report

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
    "load_policy",
]
__version__ = "0.1.0"
