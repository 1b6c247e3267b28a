"""The HTML report opened in headless Chromium: the script runs, the charts are drawn and visible.

Needs Chromium and a CJK font (Debian/Ubuntu: ``apt-get install -y chromium fonts-noto-cjk``; ``./dev test`` installs
them on first use when it can). Without them the tests are skipped with that command, or fail under
``TUOYU_REQUIRE_BROWSER=1`` (CI); ``TUOYU_NO_BROWSER=1`` deselects them (tests/browser.py, tests/conftest.py).
"""

from __future__ import annotations

import datetime
import itertools
import os
import re
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import browser
import pytest

import tuoyu_rules
from tuoyu_rules.records import read_rows
from tuoyu_rules.writers import write_reports

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "luzhou_longmatan"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    return browser.require()


def run_browser(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # a private profile and HOME: nothing is read from or written to the user's real browser profile
    env = {**os.environ, "HOME": str(tmp)}
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def png_rows(data: bytes, max_rows: int) -> tuple[int, int, list[bytes]]:
    """Decode the first ``max_rows`` rows of an 8-bit RGB/RGBA PNG (what Chromium writes), without PIL."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, bytearray(), 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(min(height, max_rows)):
        start = y * (stride + 1)
        filt, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if filt == 1:
            for x in range(channels, stride):
                line[x] = (line[x] + line[x - channels]) & 255
        elif filt == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 255
        elif filt == 3:
            for x in range(stride):
                a = line[x - channels] if x >= channels else 0
                line[x] = (line[x] + (a + prev[x]) // 2) & 255
        elif filt == 4:
            for x in range(stride):
                a = line[x - channels] if x >= channels else 0
                b = prev[x]
                c = prev[x - channels] if x >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def count_pixels(rows: list[bytes], channels: int, x0: int, x1: int, test: Any) -> int:
    n = 0
    for row in rows:
        for x in range(x0 * channels, x1 * channels, channels):
            if test(row[x], row[x + 1], row[x + 2]):
                n += 1
    return n


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the example ledger (30 institutions) and its three region records, as one HTML page."""
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    as_of = datetime.date(2024, 6, 30)
    institutions = policy.evaluate_many(read_rows(EXAMPLES / "institutions.xlsx"), as_of=as_of)
    regions = policy.evaluate_many(read_rows(EXAMPLES / "regions.jsonl"), as_of=as_of)
    path = tmp_path_factory.mktemp("html") / "report.html"
    with open(path, "w", encoding="utf-8") as fh:
        summary = write_reports((r.to_dict() for r in itertools.chain(institutions, regions)), "html", fh)
    assert summary.rows == 33 and summary.failed > 0
    return path


def test_rendered_dom_has_chart_bars_table_rows_and_a_running_script(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    result = run_browser(browser, tmp_path, "--dump-dom", page.as_uri())
    dom = result.stdout
    assert "<body" in dom, f"Chromium printed no DOM: {result.stderr[-2000:]}"
    assert dom.count("<svg") >= 4, "violations, subsidies by district, and region targets"
    assert len(re.findall(r'<rect class="bar"[^>]* width="[1-9]', dom)) >= 20, "bars with a visible width"
    assert 'class="chart targets"' in dom and "<line " in dom, "region targets with their required-value marks"
    assert dom.count("<tr data-status=") == 33
    assert '<span id="shown">33 / 33</span>' in dom, "the filter script ran and counted the rows"


def test_a_link_with_a_status_filter_hides_the_other_rows(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    dom = run_browser(browser, tmp_path, "--dump-dom", page.as_uri() + "#status=pass").stdout
    shown = re.search(r'<span id="shown">(\d+) / 33</span>', dom)
    assert shown is not None, dom[-2000:]
    passing = dom.count('<tr data-status="pass">')
    assert int(shown.group(1)) == passing > 0
    hidden = re.findall(r'<tr data-status="(\w+)" style="display: none;">', dom)
    assert len(hidden) == 33 - passing and "pass" not in hidden


def test_screenshot_shows_the_charts(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    shot = tmp_path / "shot.png"
    result = run_browser(
        browser, tmp_path, f"--screenshot={shot}", "--window-size=1200,900", "--hide-scrollbars", page.as_uri()
    )
    assert shot.exists(), f"no screenshot: {result.stderr[-2000:]}"
    width, channels, rows = png_rows(shot.read_bytes(), max_rows=900)
    assert width == 1200 and len(rows) == 900
    chart_rows = rows[150:650]  # below the title and the summary cards
    non_white = count_pixels(chart_rows, channels, 0, width, lambda r, g, b: r + g + b < 720)
    assert non_white > 20_000, f"the page looks blank ({non_white} non-white pixels)"
    # the violations chart (left) has red bars (#c0392b), the subsidy chart (right) blue ones (#2471a3)
    red = count_pixels(chart_rows, channels, 0, width // 2, lambda r, g, b: r > 150 and g < 90 and b < 90)
    blue = count_pixels(chart_rows, channels, width // 2, width, lambda r, g, b: b > 130 and r < 80 and g < 140)
    assert red > 2_000, f"the violations chart is not visible ({red} red pixels)"
    assert blue > 1_000, f"the subsidy chart is not visible ({blue} blue pixels)"
