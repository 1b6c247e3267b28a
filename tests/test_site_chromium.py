"""The policy site opened in headless Chromium: the DOM holds every policy and parameter, the comparison shows
Luzhou's 5 ㎡ beside the national cell, the search and the English switch run.

Needs Chromium and a CJK font (tests/browser.py); skipped without them, failing under TUOYU_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import browser
import pytest
from test_html_chromium import run_browser

from tuoyu_rules.cli import main
from tuoyu_rules.compiler import bundled_ids, load_compiled

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["site", str(ROOT / "policies"), "-o", str(folder), "--as-of", "2024-06-30"]) == 0
    return folder


def dom(tmp_path: Path, url: str) -> str:
    result = run_browser(browser.require(), tmp_path, "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_comparison_dom_holds_every_policy_and_luzhou_beside_national(site: Path, tmp_path: Path) -> None:
    text = dom(tmp_path, (site / "compare.html").as_uri())
    assert sorted(re.findall(r'<th scope="col" data-policy="([a-z_]+)"', text)) == sorted(bundled_ids())
    row = text[text.index('data-row="area.indoor_per_slot"') :].split("</tr>")[0]
    cells = re.findall(r'<td[^>]*data-policy="([a-z_]+)"[^>]*>(.*?)</td>', row, flags=re.DOTALL)
    by_policy = dict(cells)
    assert cells[0][0] == "national" and "未收录" in by_policy["national"]
    assert "5 m2/slot" in by_policy["luzhou_longmatan"]


@pytest.mark.parametrize("pid", ["national", "luzhou_longmatan"])
def test_a_policy_page_dom_holds_every_parameter(site: Path, tmp_path: Path, pid: str) -> None:
    text = dom(tmp_path, (site / f"policy-{pid}.html").as_uri())
    for name in load_compiled(pid).parameters:
        assert f'id="param-{name}"' in text, name


def test_the_search_runs_from_the_file_system(site: Path, tmp_path: Path) -> None:
    text = dom(tmp_path, (site / "index.html").as_uri() + "#q=ratio_infant")
    results = text[text.index('<ol id="results"') :].split("</ol>")[0]
    assert "hidden" not in results.split(">")[0]
    found = re.findall(r'<a href="(policy-[a-z_]+\.html#param-ratio_infant)"', results)
    assert len(found) == len(bundled_ids())  # every policy has the national ratio


def test_the_english_switch_hides_the_chinese(site: Path, tmp_path: Path) -> None:
    text = dom(tmp_path, (site / "compare.html").as_uri() + "#lang=en")
    assert re.search(r'<html lang="en" class="en"', text)
    assert ">English<" not in text and ">中文<" in text  # the button now offers Chinese


def test_the_first_font_of_the_stack_is_an_installed_cjk_font(site: Path) -> None:
    browser.require()
    if not shutil.which("fc-match"):
        pytest.skip("fontconfig's fc-match is not installed")
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    stack = re.search(r"html \{ font-family: ([^;]+);", css)
    assert stack is not None
    first = stack.group(1).split(",")[0].strip().strip('"')
    matched = subprocess.run(["fc-match", "-f", "%{family}", first], capture_output=True, text=True, check=False).stdout
    assert "CJK" in matched, f"{first} resolves to {matched}: install fonts-noto-cjk"
