"""The HTML report opened in headless Chromium: the title block, summary, missing-data panel and Chinese labels are
in the DOM, the script runs, the charts are visible, and Chinese renders with real glyphs, not boxes ("tofu").

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


def run_browser(
    browser: str, tmp: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # a private profile and HOME: nothing is read from or written to the user's real browser profile
    env = {**os.environ, "HOME": str(tmp), **(env or {})}
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


LATIN_FONTS = Path("/usr/share/fonts/truetype/dejavu")
CELL = 48  # px: each probed character is drawn alone in a CELL × CELL box at the top left of the page


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the example ledger (30 institutions) and its three region records, as one HTML page, with the
    policy's documents in its title block (what ``tuoyu-rules check --format html`` writes)."""
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    as_of = datetime.date(2024, 6, 30)
    institutions = policy.evaluate_many(read_rows(EXAMPLES / "institutions.xlsx"), as_of=as_of)
    regions = policy.evaluate_many(read_rows(EXAMPLES / "regions.jsonl"), as_of=as_of)
    path = tmp_path_factory.mktemp("html") / "report.html"
    with open(path, "w", encoding="utf-8") as fh:
        reports = (r.to_dict() for r in itertools.chain(institutions, regions))
        summary = write_reports(reports, "html", fh, meta=policy.report_meta(as_of))
    assert summary.rows == 33 and summary.failed > 0
    return path


def test_rendered_dom_has_the_title_block_summary_missing_data_and_chinese_labels(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    result = run_browser(browser, tmp_path, "--dump-dom", page.as_uri())
    dom = result.stdout
    assert "<body" in dom, f"Chromium printed no DOM: {result.stderr[-2000:]}"
    title = dom[dom.index('<header id="title-block">') : dom.index("</header>")]
    assert "<h1>泸州市龙马潭区普惠托育试点工作方案</h1>" in title
    assert (
        "泸龙府办发〔2023〕6号" in title and "泸州市龙马潭区人民政府办公室" in title and "核查日期：2024-06-30" in title
    )
    summary = dom[dom.index('<section id="summary">') : dom.index('<section id="charts">')]
    assert "记录<b>33</b>" in summary and "不通过<b>23</b>" in summary and "每月合计" in summary
    assert "金额未定" in summary and "预算使用" in summary
    missing = dom[dom.index('<section id="missing">') : dom.index('<section id="institutions">')]
    assert re.search(r"<td>室内使用面积</td><td class=\"n\">\d+</td><td>每托位室内使用面积</td>", missing), missing
    cards = dom[dom.index('<section id="institutions">') : dom.index('<section id="table">')]
    assert "第 1 名工作人员" in cards and "整改：" in cards and "依据：《" in cards and "幼儿园托班" in cards
    assert "classes[0]" not in cards and "staff[0]" not in cards
    assert dom.count("<svg") >= 4, "violations by rule and by district, subsidies by district, region targets"
    assert len(re.findall(r'<rect class="bar"[^>]* width="[1-9]', dom)) >= 20, "bars with a visible width"
    assert "保育人员资质" in dom[dom.index('id="chart-rules"') :], "chart labels are the rules' Chinese titles"
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


def test_a_link_with_a_sort_orders_the_table_by_that_column(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    dom = run_browser(browser, tmp_path, "--dump-dom", page.as_uri() + "#sort=5&order=desc").stdout
    table = dom[dom.index('<table id="records">') :]
    assert '<th class="n" data-numeric="1" aria-sort="descending">' in table, table[:600]
    counts = [
        int(n)
        for n in re.findall(
            r'<tr data-status="\w+"><td>.*?</td>(?:<td[^>]*>.*?</td>){4}<td class="n">(\d+)</td>', table
        )
    ]
    assert len(counts) == 33 and counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


def test_the_page_prints_on_a4(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    pdf = tmp_path / "report.pdf"
    result = run_browser(browser, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert pdf.exists(), f"no PDF: {result.stderr[-2000:]}"
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes()))
    assert boxes and all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes), boxes
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes())) >= 2, "a page per screenful, not one long strip"


def test_screenshot_shows_the_charts(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    shot = tmp_path / "shot.png"
    # a tall window, so that the charts below the title block and the summary are on the screenshot
    result = run_browser(
        browser, tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", "--hide-scrollbars", page.as_uri()
    )
    assert shot.exists(), f"no screenshot: {result.stderr[-2000:]}"
    width, channels, rows = png_rows(shot.read_bytes(), max_rows=2000)
    assert width == 1200 and len(rows) == 2000
    non_white = count_pixels(rows, channels, 0, width, lambda r, g, b: r + g + b < 720)
    assert non_white > 40_000, f"the page looks blank ({non_white} non-white pixels)"
    # the violations charts have red bars (#c0392b), the subsidy charts blue ones (#2471a3)
    red = count_pixels(rows, channels, 0, width, lambda r, g, b: r > 150 and g < 90 and b < 90)
    blue = count_pixels(rows, channels, 0, width, lambda r, g, b: b > 130 and r < 80 and g < 140)
    assert red > 2_000, f"the violations charts are not visible ({red} red pixels)"
    assert blue > 1_000, f"the subsidy charts are not visible ({blue} blue pixels)"


# ---- Chinese that renders: each character's own glyph, not the same box for all -----------------------------------
def probe_page(page: Path, out: Path, characters: str) -> Path:
    """The report with the given characters drawn one per cell over its top left corner, in the page's own font."""
    cells = "".join(
        f'<span style="display:inline-block;width:{CELL}px;height:{CELL}px;line-height:{CELL}px;font-size:36px;'
        f'text-align:center;vertical-align:top;color:#000;background:#fff">{ch}</span>'
        for ch in characters
    )
    probe = f'<div id="glyph-probe" style="position:fixed;top:0;left:0;z-index:9;background:#fff;white-space:nowrap">{cells}</div>'
    html = page.read_text(encoding="utf-8").replace("</body>", probe + "</body>")
    assert probe in html
    out.write_text(html, encoding="utf-8")
    return out


def glyph_bitmaps(
    browser: str, tmp: Path, page: Path, characters: str, env: dict[str, str] | None = None
) -> list[bytes]:
    """Screenshot the probe and return each cell as a bitmap of its dark pixels."""
    shot = tmp / "glyphs.png"
    probe = probe_page(page, tmp / "probe.html", characters)
    args = [f"--screenshot={shot}", "--window-size=1200,200", "--hide-scrollbars", probe.as_uri()]
    result = run_browser(browser, tmp, *args, env=env)
    assert shot.exists(), f"no screenshot: {result.stderr[-2000:]}"
    _, channels, rows = png_rows(shot.read_bytes(), max_rows=CELL)
    cells = []
    for i in range(len(characters)):
        bits = bytearray()
        for row in rows:
            for x in range(i * CELL * channels, (i + 1) * CELL * channels, channels):
                bits.append(1 if row[x] + row[x + 1] + row[x + 2] < 384 else 0)
        cells.append(bytes(bits))
    return cells


def missing_glyphs(cells: list[bytes], characters: str) -> str | None:
    """Why the cells do not show the characters' own glyphs, or None when they do: every cell needs ink, and
    distinct characters need distinct pictures (a font without them draws one and the same box for all)."""
    blank = [ch for ch, cell in zip(characters, cells, strict=True) if sum(cell) < 20]
    if blank:
        return f"no ink for {''.join(blank)}"
    distinct = len(set(cells))
    if distinct < len(characters):
        return f"{len(characters)} distinct characters render as {distinct} distinct pictures (missing glyphs: boxes)"
    return None


def page_characters(page: Path, n: int = 12) -> str:
    """n distinct CJK characters of the page's own title block (what an official reads first)."""
    text = page.read_text(encoding="utf-8")
    title = text[text.index('<header id="title-block">') : text.index("</header>")]
    chars = "".join(dict.fromkeys(ch for ch in title if "\u4e00" <= ch <= "\u9fff"))
    assert len(chars) >= n, chars
    return chars[:n]


def latin_only_fontconfig(tmp: Path) -> dict[str, str]:
    """An environment whose fontconfig knows only a folder of Latin fonts: a machine without CJK fonts."""
    conf = tmp / "fonts.conf"
    conf.write_text(
        f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{LATIN_FONTS}</dir><cachedir>{tmp / "fc-cache"}</cachedir></fontconfig>
""",
        encoding="utf-8",
    )
    return {"FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(tmp)}


def test_chinese_renders_with_real_glyphs_not_boxes(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    characters = page_characters(page)
    cells = glyph_bitmaps(browser, tmp_path, page, characters)
    reason = missing_glyphs(cells, characters)
    assert reason is None, f"{reason}: install a CJK font (fonts-noto-cjk)"


def test_the_glyph_check_fails_on_a_machine_without_cjk_fonts(page: Path, tmp_path: Path) -> None:
    """The check above is not one that always passes: with only Latin fonts it finds the boxes."""
    browser = chromium()
    if not LATIN_FONTS.is_dir():
        pytest.skip(f"{LATIN_FONTS} (fonts-dejavu-core) is not installed")
    characters = page_characters(page)
    cells = glyph_bitmaps(browser, tmp_path, page, characters, env=latin_only_fontconfig(tmp_path))
    reason = missing_glyphs(cells, characters)
    assert reason is not None and "distinct" in reason, reason
