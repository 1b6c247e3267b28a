"""Shared fixtures. Hypothesis runs a fixed number of examples, deterministically, so CI time stays bounded."""

from __future__ import annotations

import os
from pathlib import Path

import browser
import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: needs headless Chromium and a CJK font (skipped without; TUOYU_NO_BROWSER=1 deselects)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TUOYU_NO_BROWSER") == "1":
        kept = [i for i in items if "browser" not in i.keywords]
        config.hook.pytest_deselected(items=[i for i in items if "browser" in i.keywords])
        items[:] = kept


@pytest.fixture(scope="session")
def mini_path() -> Path:
    return DATA / "policies" / "mini.yaml"


@pytest.fixture(autouse=True)
def _browser_or_skip(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("browser"):
        browser.require()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in getattr(r, "keywords", {})]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} browser test(s) skipped: {browser.missing()}. Enable them with: {browser.ENABLE}",
            yellow=True,
        )
