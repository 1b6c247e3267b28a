"""Provenance (来源): every report names the policy, the engine version, a SHA-256 of every file of its extends chain
and the as-of date, worked out once at load (docs/contract.md §7)."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import textwrap
from pathlib import Path

import openpyxl

import tuoyu_rules
from tuoyu_rules.compiler import bundled_dir
from tuoyu_rules.writers import write_reports

AS_OF = datetime.date(2024, 6, 30)
RECORD = {"id": "P-1", "total_slots": 10, "indoor_area_m2": 60}
CHILD = textwrap.dedent("""\
    id: child
    name: 子策略
    jurisdiction: {name: 测试区, level: county}
    extends: ./mini.yaml
    in_force: {from: 2023-01-01}
    examples:
      - {name: a, as_of: 2024-06-30, record: {id: A, total_slots: 10, indoor_area_m2: 60}, expect: {findings: {area.indoor_per_slot: pass}}}
      - {name: b, as_of: 2024-06-30, record: {id: B, total_slots: 10, indoor_area_m2: 40}, expect: {findings: {area.indoor_per_slot: fail}}}
      - {name: c, as_of: 2024-06-30, record: {id: C, total_slots: 10}, expect: {findings: {area.indoor_per_slot: unknown}}}
    """)


def _chain(tmp_path: Path, mini_path: Path) -> tuple[Path, Path]:
    parent = tmp_path / "mini.yaml"
    shutil.copy(mini_path, parent)
    child = tmp_path / "child.yaml"
    child.write_text(CHILD, encoding="utf-8")
    return parent, child


def _provenance(path: Path) -> dict[str, object]:
    report = tuoyu_rules.load_policy(str(path)).evaluate(RECORD, as_of=AS_OF)
    return report.to_dict()["provenance"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_bundled_report_names_policy_engine_as_of_and_the_hash_of_each_file_of_its_chain() -> None:
    report = tuoyu_rules.load_policy("luzhou_longmatan").evaluate(RECORD, as_of=AS_OF).to_dict()
    assert report["provenance"] == {
        "policy": "luzhou_longmatan",
        "engine_version": tuoyu_rules.__version__,
        "files": [
            {"path": "policies/luzhou_longmatan.yaml", "sha256": _sha(bundled_dir() / "luzhou_longmatan.yaml")},
            {"path": "policies/national.yaml", "sha256": _sha(bundled_dir() / "national.yaml")},
        ],
        "as_of": "2024-06-30",
    }


def test_editing_a_parent_changes_the_childs_provenance_and_touching_it_does_not(tmp_path: Path, mini_path) -> None:
    parent, child = _chain(tmp_path, mini_path)
    first = _provenance(child)
    assert [f["path"] for f in first["files"]] == [str(child), str(tmp_path / "./mini.yaml")]  # type: ignore[index]
    st = parent.stat()
    os.utime(parent, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # a new mtime, the same bytes
    assert _provenance(child) == first
    parent.write_text(parent.read_text(encoding="utf-8").replace("value: 5}", "value: 6}"), encoding="utf-8")
    edited = _provenance(child)  # through load_policy's cache: a changed parent is compiled again
    assert edited["files"][0] == first["files"][0]  # type: ignore[index]
    assert edited["files"][1]["sha256"] == _sha(parent) != first["files"][1]["sha256"]  # type: ignore[index]
    # and the verdict follows the new parent (6 ㎡ per slot), not a stale compile
    report = tuoyu_rules.load_policy(str(child)).evaluate({**RECORD, "indoor_area_m2": 55}, as_of=AS_OF)
    assert report.outcome("area.indoor_per_slot") == "fail"


def test_editing_the_child_changes_only_its_own_hash(tmp_path: Path, mini_path) -> None:
    _, child = _chain(tmp_path, mini_path)
    first = _provenance(child)
    child.write_text(CHILD.replace("子策略", "子策略（修订）"), encoding="utf-8")
    os.utime(child, ns=(child.stat().st_atime_ns, child.stat().st_mtime_ns + 5_000_000_000))
    edited = _provenance(child)
    assert edited["files"][0] != first["files"][0] and edited["files"][1] == first["files"][1]  # type: ignore[index]


def test_what_if_values_are_named_in_the_provenance() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan").with_parameters({"indoor_area_per_slot": "6"})
    provenance = policy.evaluate(RECORD, as_of=AS_OF).to_dict()["provenance"]
    assert provenance["overrides"] == {"indoor_area_per_slot": "6"}


def _reports() -> list[dict[str, object]]:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    return [r.to_dict() for r in policy.evaluate_many([RECORD, {**RECORD, "id": "P-2"}], as_of=AS_OF)]


def test_csv_starts_with_one_provenance_comment_line_then_the_header() -> None:
    out = io.StringIO()
    write_reports(_reports(), "csv", out)
    lines = out.getvalue().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("# 来源: 策略 luzhou_longmatan")
    assert _sha(bundled_dir() / "national.yaml") in lines[0] and "2024-06-30" in lines[0]
    assert lines[1].startswith("编号,")
    assert sum(line.startswith("#") for line in lines) == 1


def test_xlsx_has_a_provenance_sheet_with_a_row_per_file(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    write_reports(_reports(), "xlsx", path, lang="en")
    rows = list(openpyxl.load_workbook(path)["provenance"].values)
    assert rows[0] == ("policy", "engine_version", "as_of", "path", "sha256")
    assert [r[3] for r in rows[1:]] == ["policies/luzhou_longmatan.yaml", "policies/national.yaml"]
    assert rows[2][4] == _sha(bundled_dir() / "national.yaml")


def test_html_footer_shows_the_provenance() -> None:
    out = io.StringIO()
    write_reports(_reports(), "html", out)
    footer = out.getvalue().split('<footer class="provenance note">')[1].split("</footer>")[0]
    assert "policies/luzhou_longmatan.yaml" in footer and _sha(bundled_dir() / "luzhou_longmatan.yaml") in footer


def test_jsonl_carries_provenance_on_every_line() -> None:
    out = io.StringIO()
    write_reports(_reports(), "jsonl", out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2 and all(line["provenance"]["policy"] == "luzhou_longmatan" for line in lines)
