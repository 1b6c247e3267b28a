"""Shared fixtures. Hypothesis runs a fixed number of examples, deterministically, so CI time stays bounded."""

from __future__ import annotations

import os
from pathlib import Path

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
    config.addinivalue_line("markers", "browser: needs headless Chromium (set TUOYU_NO_BROWSER=1 to deselect)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TUOYU_NO_BROWSER") == "1":
        kept = [i for i in items if "browser" not in i.keywords]
        config.hook.pytest_deselected(items=[i for i in items if "browser" in i.keywords])
        items[:] = kept


@pytest.fixture(scope="session")
def mini_path() -> Path:
    return DATA / "policies" / "mini.yaml"
