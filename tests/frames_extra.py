"""What the DataFrame tests need: pandas or polars, imported on demand.

Without the library a test module is skipped, naming the extra that installs it; with ``TUOYU_REQUIRE_FRAMES=1`` (CI
sets it) it fails instead, so CI always runs them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest


def frames_library(name: str) -> Any:
    """The library, or a skip naming the extra that installs it (a failure under TUOYU_REQUIRE_FRAMES=1, as in CI)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        reason = f"{name} is not installed: pip install -e '.[{name}]' to run these tests"
        if os.environ.get("TUOYU_REQUIRE_FRAMES") == "1":
            pytest.fail(f"the DataFrame tests are required here (TUOYU_REQUIRE_FRAMES=1) but {reason}")
        pytest.skip(reason, allow_module_level=True)
