"""What the browser tests need, looked up once: headless Chromium and a CJK font.

Without them a browser test is skipped, naming the command that enables it; with ``TUOYU_REQUIRE_BROWSER=1`` (CI sets
it) it fails instead, so CI always runs them. ``TUOYU_NO_BROWSER=1`` deselects them altogether (tests/conftest.py).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGES = "chromium fonts-noto-cjk fonts-dejavu-core"
ENABLE = f"sudo apt-get update && sudo apt-get install -y {PACKAGES}"
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
CJK_NAMES = ("notosanscjk", "notoserifcjk", "wqy", "sourcehansans", "droidsansfallback", "arplumi", "ukai", "uming")


@functools.cache
def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@functools.cache
def cjk_font() -> str | None:
    """A font file that covers Chinese: fontconfig's answer when it is installed, else a look at the font folders."""
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False).stdout
        files = [line.split(":")[0].strip() for line in listed.splitlines() if line.strip()]
        return files[0] if files else None
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob("*"):
                squeezed = path.name.lower().replace("-", "").replace("_", "")
                if path.suffix.lower() in (".ttf", ".otf", ".ttc") and any(n in squeezed for n in CJK_NAMES):
                    return str(path)
    return None


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    lacking = [what for what, found in (("Chromium", chromium_path()), ("a CJK font", cjk_font())) if not found]
    return " and ".join(lacking) + " not installed" if lacking else None


def required() -> bool:
    return os.environ.get("TUOYU_REQUIRE_BROWSER") == "1"


def require() -> str:
    """The path of Chromium; skips the calling test (fails it under TUOYU_REQUIRE_BROWSER=1) when it cannot run."""
    reason = missing()
    if reason:
        if required():
            pytest.fail(f"browser tests are required here (TUOYU_REQUIRE_BROWSER=1) but {reason}: {ENABLE}")
        pytest.skip(f"{reason}; enable with: {ENABLE}")
    path = chromium_path()
    assert path is not None
    return path
