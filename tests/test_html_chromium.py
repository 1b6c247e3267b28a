"""The HTML report opened in headless Chromium: the charts are drawn and visible."""

from __future__ import annotations

import datetime
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

import tuoyu_rules
from tuoyu_rules.records import read_rows
from tuoyu_rules.writers import write_reports

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
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
    path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if path is None:
        pytest.fail("headless Chromium is needed: apt-get install chromium (or set TUOYU_NO_BROWSER=1 to deselect)")
    return path


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into rows of raw pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        filt, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if filt == 1:
                line[x] = (line[x] + a) & 255
            elif filt == 2:
                line[x] = (line[x] + b) & 255
            elif filt == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def test_html_report_renders_with_visible_charts(tmp_path: Path) -> None:
    browser = chromium()
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    reports = (
        r.to_dict()
        for r in policy.evaluate_many(
            read_rows(ROOT / "examples" / "luzhou_longmatan" / "institutions.xlsx"), as_of=datetime.date(2024, 6, 30)
        )
    )
    page = tmp_path / "report.html"
    with open(page, "w", encoding="utf-8") as fh:
        write_reports(reports, "html", fh)
    profile = tmp_path / "profile"
    env = {**os.environ, "HOME": str(tmp_path)}
    dom = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    ).stdout
    assert dom.count('class="bar"') >= 3 and dom.count("<tr data-status=") == 30
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1200,900",
            "--hide-scrollbars",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        env=env,
    )
    width, channels, rows = png_pixels(shot.read_bytes())
    # the first chart's bars are red (#c0392b): count strongly red pixels in the chart area
    red = 0
    for row in rows[150:600]:
        for x in range(0, width * channels, channels):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r > 150 and g < 90 and b < 90:
                red += 1
    assert red > 500, f"the violations chart is not visible ({red} red pixels)"
