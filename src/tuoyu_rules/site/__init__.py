"""``tuoyu-rules site``: a static, self-contained website of compiled policies (works offline, from file://).

An index of the policies, a page per policy (parameters with their dated values, unit, layer, superseded values and
citation; rules in words with their parameters, severity and examples; subsidies and benefits; the clause index), a
comparison page across the policies, and a search over parameters, rules and clauses. Chinese first, with an English
switch. The pages are Jinja2 templates (autoescaped) under ``site/templates``; ``site/static`` holds the stylesheet
and the script. Nothing is fetched from a network, by the build or by the pages.
"""

from __future__ import annotations

from .build import SiteResult, build_site

__all__ = ["SiteResult", "build_site"]
