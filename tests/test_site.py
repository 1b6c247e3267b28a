"""``tuoyu-rules site``: the static website of the policies, read as HTML (no browser needed).

tests/test_site_chromium.py opens the same pages in headless Chromium.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tuoyu_rules.cli import main
from tuoyu_rules.compiler import bundled_ids, load_compiled
from tuoyu_rules.site.compare import stricter_when_larger

ROOT = Path(__file__).resolve().parent.parent


class _Page(HTMLParser):
    """Every id, link, resource and table cell (with its row and policy) of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[str] = []
        self.cells: dict[tuple[str, str], str] = {}  # (data-row, data-policy) -> text
        self._row: str | None = None
        self._cell: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag in ("script", "img") and a.get("src"):
            self.resources.append(str(a["src"]))
        if tag == "link" and a.get("href"):
            self.resources.append(str(a["href"]))
        if tag == "tr":
            self._row = a.get("data-row")
        if tag == "td" and self._row and a.get("data-policy"):
            self._cell = (self._row, str(a["data-policy"]))
            self.cells[self._cell] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self.cells[self._cell] += data


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    folder = tmp_path_factory.mktemp("site")
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main(["site", str(ROOT / "policies"), "-o", str(folder), "--as-of", "2024-06-30"])
    elapsed = time.perf_counter() - start
    assert code == 0 and "index.html" in out.getvalue()
    return folder, elapsed


def test_the_six_bundled_policies_build_in_under_10_seconds(site: tuple[Path, float]) -> None:
    folder, elapsed = site
    assert elapsed < 10, elapsed
    assert {p.name for p in folder.glob("*.html")} == {
        "index.html",
        "compare.html",
        *(f"policy-{pid}.html" for pid in bundled_ids()),
    }


def test_the_index_lists_every_policy_with_its_document_number_and_period(site: tuple[Path, float]) -> None:
    folder, _ = site
    page = parse(folder / "index.html")
    text = (folder / "index.html").read_text(encoding="utf-8")
    for pid in bundled_ids():
        policy = load_compiled(pid)
        assert f"policy-{pid}" in page.ids and f"policy-{pid}.html" in page.links
        assert policy.model.in_force.from_.isoformat() in text
        for doc in policy.model.documents.values():
            assert doc.number is None or doc.number in text


@pytest.mark.parametrize("pid", bundled_ids())
def test_every_parameter_rule_subsidy_and_clause_has_its_place_on_the_policy_page(
    site: tuple[Path, float], pid: str
) -> None:
    folder, _ = site
    path = folder / f"policy-{pid}.html"
    page, text = parse(path), path.read_text(encoding="utf-8")
    policy = load_compiled(pid)
    for name, param in policy.parameters.items():
        assert f"param-{name}" in page.ids, name
        assert param.spec.citation.clause in text  # the clause and the quote the value comes from
    for rule in policy.rules:
        assert f'data-rule="{rule.id}"' in text
    for line in (*policy.subsidies, *policy.benefits):
        assert f'data-line="{line.id}"' in text
    assert len([i for i in page.ids if i.startswith("clause-")]) == len(policy.model.clauses)


def test_quotes_and_superseded_values_are_shown(site: tuple[Path, float]) -> None:
    folder, _ = site
    text = (folder / "policy-luzhou_longmatan.html").read_text(encoding="utf-8")
    assert "每个托位室内使用面积不少于5㎡" in text  # a verbatim quote
    # a figure the document states that a later national one superseded: shown, with a link to the value in force
    stated = [p for p in load_compiled("luzhou_longmatan").parameters.values() if p.spec.superseded_by]
    assert stated and all(f'href="#param-{p.spec.superseded_by}"' in text for p in stated)
    # a local value that overrides the national one: the page shows the national value it replaced
    huzhou = (folder / "policy-huzhou.html").read_text(encoding="utf-8")
    section = huzhou[huzhou.index('id="param-slots_per_1000_target"') :].split("</section>")[0]
    below = load_compiled("huzhou").parameters["slots_per_1000_target"].overridden
    assert below and all(f"{layer}: " in section for layer, _ in below)


def test_luzhou_5_m2_stands_beside_the_national_cell_of_the_same_row(site: tuple[Path, float]) -> None:
    folder, _ = site
    page = parse(folder / "compare.html")
    luzhou = page.cells[("area.indoor_per_slot", "luzhou_longmatan")]
    assert luzhou.startswith("5 m2/slot")
    # the national standards set no per-slot indoor area (they set per-room areas a ledger cannot show): the cell
    # says so instead of holding a number
    assert ("area.indoor_per_slot", "national") in page.cells
    assert "未收录" in page.cells[("area.indoor_per_slot", "national")]
    text = (folder / "compare.html").read_text(encoding="utf-8")
    header = re.findall(r'<th scope="col" data-policy="([a-z_]+)"', text)
    assert header[0] == "national" and set(header) == set(bundled_ids())
    ratio = page.cells[("class.ratio.infant", "luzhou_longmatan")]
    assert "3 children/caregiver" in ratio and "national" in ratio  # inherited: the layer that set it is named


def test_the_most_generous_construction_subsidy_is_highlighted(site: tuple[Path, float]) -> None:
    folder, _ = site
    text = (folder / "compare.html").read_text(encoding="utf-8")
    row = text[text.index('data-row="subsidy.construction"') :].split("</tr>")[0]
    cells = dict(re.findall(r'<td data-policy="([a-z_]+)" class="([a-z ]*)"', row))
    # 泸州 5,000 元/托位 against 南昌 400–600 元/托位 (compared on the upper end)
    assert cells["luzhou_longmatan"].startswith("generous") and "generous" not in cells["nanchang"]


def test_the_direction_of_strictness_follows_the_rule() -> None:
    national = load_compiled("national")
    ratio = next(r for r in national.rules if r.id == "class.ratio.infant")
    size = next(r for r in national.rules if r.id == "class.size.infant")
    assert stricter_when_larger(ratio, "ratio_infant") == -1  # caregivers >= ceil(enrolled / ratio): fewer is stricter
    assert stricter_when_larger(size, "class_size_max_infant") == -1  # enrolled <= max
    luzhou = load_compiled("luzhou_longmatan")
    area = next(r for r in luzhou.rules if r.id == "area.indoor_per_slot")
    assert stricter_when_larger(area, "indoor_area_per_slot") == 1
    lease = next(r for r in luzhou.rules if r.id == "premises.lease_years")  # owned, or leased at least N years
    assert stricter_when_larger(lease, "lease_years_min") == 1
    slots = next(r for r in luzhou.rules if r.id == "slots.max")
    assert stricter_when_larger(slots, "max_slots") == -1


def test_every_relative_link_resolves_to_a_generated_file_and_anchor(site: tuple[Path, float]) -> None:
    assert assert_links(site[0]) > 500


def assert_links(folder: Path) -> int:
    """Every link of every page points to a generated page and an id on it; every resource is a file. The count."""
    pages = {p.name: parse(p) for p in folder.glob("*.html")}
    checked = 0
    for name, page in pages.items():
        for href in page.links:
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, f"{name}: an external link {href}"
            target = unquote(parts.path) or name
            assert target in pages, f"{name}: {href} points to no generated page"
            if parts.fragment:
                assert unquote(parts.fragment) in pages[target].ids, f"{name}: {href} has no such anchor"
            checked += 1
        for src in page.resources:
            assert "://" not in src and (folder / src).is_file(), f"{name}: {src}"
    return checked


def test_the_pages_declare_cjk_fonts_and_fetch_nothing(site: tuple[Path, float]) -> None:
    folder, _ = site
    css = (folder / "assets" / "site.css").read_text(encoding="utf-8")
    assert '"Noto Sans CJK SC"' in css and '"Microsoft YaHei"' in css and "@import" not in css and "url(" not in css
    for path in folder.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in text
        assert not re.search(r'(src|href)="(https?:)?//', text), path.name


def test_the_search_index_holds_every_parameter_rule_and_clause(site: tuple[Path, float]) -> None:
    folder, _ = site
    script = (folder / "assets" / "search-index.js").read_text(encoding="utf-8")
    for pid in bundled_ids():
        policy = load_compiled(pid)
        for name in policy.parameters:
            assert f"policy-{pid}.html#param-{name}" in script
        assert script.count(f"policy-{pid}.html#clause-") == len(policy.model.clauses)


def test_text_from_a_policy_is_escaped(tmp_path: Path, mini_path: Path) -> None:
    policy = tmp_path / "mini.yaml"
    shutil.copy(mini_path, policy)
    text = policy.read_text(encoding="utf-8").replace("name: 测试策略", 'name: "<script>alert(1)</script>测试"', 1)
    policy.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["site", str(policy), "-o", str(out)]) == 0
    page = (out / "policy-mini.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_invalid_policy_builds_nothing_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: x\n", encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["site", str(bad), "national", "-o", str(tmp_path / "site")]) == 1
    assert "bad.yaml" in err.getvalue() and not (tmp_path / "site" / "index.html").exists()


def test_values_follow_the_as_of_date(tmp_path: Path) -> None:
    from tuoyu_rules.site import build_site

    early = build_site([load_compiled("national")], tmp_path / "a", datetime.date(2019, 1, 1))
    text = (early.folder / "policy-national.html").read_text(encoding="utf-8")
    assert "2019-01-01" in text


def _child(tmp_path: Path, mini_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    examples = (
        "examples:\n"
        "  - {name: e1, as_of: 2024-06-30, record: {id: A, total_slots: 10, indoor_area_m2: 60}, expect: {findings: {area.indoor_per_slot: pass}}}\n"
        "  - {name: e2, as_of: 2024-06-30, record: {id: B, total_slots: 10, indoor_area_m2: 10}, expect: {findings: {area.indoor_per_slot: fail}}}\n"
        "  - {name: e3, as_of: 2024-06-30, record: {id: C, total_slots: 10}, expect: {findings: {area.indoor_per_slot: unknown}}}\n"
    )
    (tmp_path / "mini.yaml").write_bytes(mini_path.read_bytes())  # extends reads only files under the child's dir
    head = f"id: {name}\nname: 子策略{name}\njurisdiction: {{name: 子区, level: county}}\nextends: ./mini.yaml\n"
    path.write_text(head + "in_force: {from: 2023-01-01}\n" + body + examples, encoding="utf-8")
    return path


def test_a_stricter_local_ratio_is_marked_and_a_disabled_rule_says_so(tmp_path: Path, mini_path: Path) -> None:
    stricter = _child(
        tmp_path,
        mini_path,
        "stricter",
        "parameters:\n  ratio_infant:\n    type: integer\n    reason: 测试\n"
        "    values: [{since: 2023-01-01, value: 2}]\n    citation: {document: d, clause: y, quote: q}\n",
    )
    without = _child(
        tmp_path,
        mini_path,
        "without",
        "disable:\n  - {rule: premises.lease_years, reason: 测试停用, citation: {document: d, clause: y, quote: q}}\n",
    )
    out = tmp_path / "site"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["site", str(mini_path), str(stricter), str(without), "-o", str(out)]) == 0
    text = (out / "compare.html").read_text(encoding="utf-8")
    row = text[text.index('data-row="class.ratio.infant"') :].split("</tr>")[0]
    assert re.search(r'<td data-policy="stricter" class="strictest"', row)  # 1:2 is stricter than 1:3
    assert not re.search(r'<td data-policy="mini" class="strictest"', row)
    assert "停用 disabled: 测试停用" in parse(out / "compare.html").cells[("premises.lease_years", "without")]
    assert assert_links(out) > 0
