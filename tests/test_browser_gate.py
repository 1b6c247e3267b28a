"""The browser tests skip with the enabling command where Chromium or CJK fonts are missing, and fail in CI."""

from __future__ import annotations

import browser
import pytest


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "chromium_path", lambda: None)


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "cjk_font", lambda: None)


@pytest.mark.usefixtures("no_chromium")
def test_without_chromium_a_browser_test_is_skipped_naming_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUOYU_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        browser.require()
    assert "Chromium" in str(skipped.value) and "apt-get install -y chromium fonts-noto-cjk" in str(skipped.value)


@pytest.mark.usefixtures("no_cjk_font")
def test_without_cjk_fonts_a_browser_test_is_skipped_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUOYU_REQUIRE_BROWSER", raising=False)
    monkeypatch.setattr(browser, "chromium_path", lambda: "/usr/bin/chromium")
    with pytest.raises(pytest.skip.Exception) as skipped:
        browser.require()
    assert "a CJK font not installed" in str(skipped.value)


@pytest.mark.usefixtures("no_chromium", "no_cjk_font")
def test_in_ci_a_missing_browser_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUOYU_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        browser.require()
    assert "Chromium and a CJK font not installed" in str(failed.value)


def test_ci_requires_the_browser_tests() -> None:
    from pathlib import Path

    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "TUOYU_REQUIRE_BROWSER=1" in ci and "fonts-noto-cjk" in ci and "./dev test" in ci
