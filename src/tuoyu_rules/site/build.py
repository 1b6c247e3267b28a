"""Render the site: the page data of :mod:`.data` and :mod:`.compare` through the templates, written to a folder."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from .._version import __version__
from ..compiler import CompiledPolicy
from .compare import comparison
from .data import policy_page, policy_summary

__all__ = ["SiteResult", "build_site"]

STATIC = ("site.css", "site.js")
REASONS = {
    "units differ": ("各政策的单位不同", "the units differ"),
    "direction unknown": ("规则没有写明哪个方向更严", "the rule does not say which way is stricter"),
    "fewer than two numbers": ("可比较的数字少于两个", "fewer than two numbers to compare"),
    "all equal": ("取值相同", "all values are equal"),
}


@dataclass(frozen=True)
class SiteResult:
    """What a build wrote: the folder and every file in it, relative to the folder."""

    folder: Path
    files: tuple[str, ...]


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("tuoyu_rules", "site/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _search_entries(page: dict[str, Any]) -> list[dict[str, str]]:
    """What the search finds on a policy page: its parameters, rules, subsidies, benefits and clauses."""
    url, pid = page["page"], page["id"]
    out = []
    for x in page["parameters"]:
        text = f"{x['name']} {x['description']} {x['description_en']} {x['now']}"
        out.append(
            {"p": pid, "k": "参数 parameter", "l": f"{x['name']} = {x['now']}", "t": text, "u": f"{url}#{x['anchor']}"}
        )
    for x in page["rules"]:
        text = f"{x['id']} {x['title']} {x['title_en']} {x['message']} {x['message_en']}"
        out.append({"p": pid, "k": "规则 rule", "l": f"{x['id']} {x['title']}", "t": text, "u": f"{url}#{x['anchor']}"})
    for x in (*page["subsidies"], *page["benefits"]):
        text = f"{x['id']} {x['title']} {x['title_en']}"
        out.append(
            {"p": pid, "k": "补贴 subsidy", "l": f"{x['id']} {x['title']}", "t": text, "u": f"{url}#{x['anchor']}"}
        )
    for x in page["clauses"]:
        text = f"{x['clause']} {x['summary']} {' '.join(x['encoded_by'])} {x['not_checkable'] or ''}"
        out.append(
            {"p": pid, "k": "条款 clause", "l": f"{x['clause']} {x['summary']}", "t": text, "u": f"{url}#{x['anchor']}"}
        )
    return out


def build_site(
    policies: Sequence[CompiledPolicy], folder: str | Path, as_of: datetime.date | None = None
) -> SiteResult:
    """Write the site of ``policies`` to ``folder`` (created if needed); values in force on ``as_of`` (today)."""
    today = datetime.date.today()
    day = as_of or today
    out = Path(folder)
    (out / "assets").mkdir(parents=True, exist_ok=True)
    env = _environment()
    provenance = [p.provenance.to_dict(day.isoformat()) for p in policies if p.provenance is not None]
    common = {"version": __version__, "as_of": day.isoformat(), "provenance": provenance, "reasons": REASONS}
    pages = [policy_page(p, day, today) for p in policies]
    written: dict[str, str] = {
        "index.html": env.get_template("index.html").render(
            policies=[policy_summary(p, today) for p in policies], **common
        ),
        "compare.html": env.get_template("compare.html").render(cmp=comparison(policies, day), **common),
    }
    policy_template = env.get_template("policy_page.html")
    for page in pages:
        written[page["page"]] = policy_template.render(p=page, **common)
    entries = [e for page in pages for e in _search_entries(page)]
    written["assets/search-index.js"] = "window.TUOYU_SEARCH = " + json.dumps(entries, ensure_ascii=False) + ";\n"
    static = resources.files("tuoyu_rules") / "site" / "static"
    for name in STATIC:
        written[f"assets/{name}"] = (static / name).read_text(encoding="utf-8")
    for name, text in written.items():
        (out / name).write_text(text, encoding="utf-8")
    return SiteResult(out, tuple(sorted(written)))
