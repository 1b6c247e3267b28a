"""Column maps: ``--columns map.yaml``, the project file ``tuoyu-rules.yaml``, a policy's ``columns:`` — headers no
built-in rule can guess, mapped to fields, with precedence, located mistakes, and nothing ignored in silence."""

from __future__ import annotations

import csv
import io
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules import RecordError, read_rows
from tuoyu_rules.cli import main
from tuoyu_rules.records.readers.columns import header_key, is_known

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "luzhou_longmatan.yaml"
AS_OF = "2024-06-30"
HEADER = "机构编号,机构名称,是否纳入普惠,核定托位,室内使用面积(㎡),月收费"
ROWS = ["LMT-101,阳光托育,是,40,250,1800", "LMT-102,星星托育,否,30,100,2600"]
CANONICAL = "机构编号,机构名称,是否普惠,托位数,室内使用面积(㎡),月收费"
MAP = "是否纳入普惠: inclusive\n核定托位（个）: total_slots\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, header: str, rows: list[str] = ROWS) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _reports(policy: Any, rows: Any) -> list[dict[str, Any]]:
    return [r.to_dict() for r in policy.evaluate_many(rows, as_of=AS_OF)]


def test_a_mapped_header_gives_the_reports_of_the_canonical_header(tmp_path: Path) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    mapped = _write(tmp_path / "mapped.csv", HEADER)
    canonical = _write(tmp_path / "canonical.csv", CANONICAL)
    notices: list[str] = []
    with_map = _reports(
        policy,
        read_rows(mapped, columns={"是否纳入普惠": "inclusive", "核定托位": "total_slots"}, on_notice=notices.append),
    )
    assert with_map == _reports(policy, read_rows(canonical))
    assert [r["status"] for r in with_map] == ["incomplete", "fail"]
    assert [f["rule"] for f in with_map[1]["findings"] if f["outcome"] == "fail"] == ["area.indoor_per_slot"]
    assert [s["eligible"] for s in with_map[1]["subsidies"]] == [False, False, False]  # 是否纳入普惠 = 否 was read
    assert notices == []  # every header was read: nothing to say
    without = list(read_rows(mapped, on_notice=lambda n: notices.append(n.zh)))
    assert "inclusive" not in without[0].data and "total_slots" not in without[0].data
    assert notices and "是否纳入普惠" in notices[0] and "核定托位" in notices[0]


def test_a_map_target_that_is_no_field_is_refused_with_the_closest_field(tmp_path: Path) -> None:
    with pytest.raises(RecordError) as caught:
        read_rows(_write(tmp_path / "a.csv", HEADER), columns={"核定托位": "total_slot"})
    (problem,) = caught.value.problems
    assert problem.code == "record.unknown-map-field" and "'total_slots'" in problem.message_en
    assert problem.location.field == "核定托位"


def test_a_map_file_mistake_is_located_file_line_column(capsys, tmp_path: Path) -> None:
    ledger = _write(tmp_path / "a.csv", HEADER)
    bad = tmp_path / "map.yaml"
    bad.write_text("是否纳入普惠: inclusive\n核定托位: 托位\n", encoding="utf-8")
    code, out, err = run(capsys, "check", "--policy", "luzhou_longmatan", "--columns", str(bad), str(ledger))
    assert code == 2 and out == ""
    assert f"{bad}:2:7: error[record.unknown-map-field]" in err and "是否想写 'total_slots'" in err
    bad.write_text("- 是否纳入普惠\n", encoding="utf-8")
    code, _, err = run(capsys, "check", "--policy", "luzhou_longmatan", "--columns", str(bad), str(ledger))
    assert code == 2 and f"{bad}:1:1: error[record.bad-column-map]" in err


def test_two_map_headers_that_read_the_same_but_map_differently_are_an_error(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "map.yaml"
    bad.write_text("核定托位: total_slots\n核定托位（个）: planned_slots\n", encoding="utf-8")
    code, _, err = run(capsys, "columns", "--columns", str(bad), str(_write(tmp_path / "a.csv", HEADER)))
    assert code == 2 and f"{bad}:2:1: error[record.bad-column-map]" in err and "'核定托位'" in err


def _project(folder: Path, mapping: str) -> None:
    (folder / "tuoyu-rules.yaml").write_text("columns:\n" + "".join(f"  {line}\n" for line in mapping.splitlines()))


def _policy_with_columns(tmp_path: Path, mapping: str) -> Path:
    path = tmp_path / "luzhou_longmatan.yaml"
    text = POLICY.read_text(encoding="utf-8")
    path.write_text(text + "\ncolumns:\n" + "".join(f"  {line}\n" for line in mapping.splitlines()), encoding="utf-8")
    return path


def _fields(out: str) -> dict[str, tuple[str | None, str]]:
    (table,) = json.loads(out)
    return {c["header"]: (c["field"], c["how"] if c["how"] != "map" else c["origin"]) for c in table["columns"]}


def test_precedence_columns_file_over_project_file_over_policy_over_built_in(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ledger = str(_write(tmp_path / "a.csv", "机构编号,托位数,核定托位,是否纳入普惠"))
    policy = str(_policy_with_columns(tmp_path, "托位数: planned_slots\n核定托位: total_slots\n是否纳入普惠: filed"))
    _project(tmp_path, "核定托位: lease_years\n是否纳入普惠: nonprofit")
    mapfile = tmp_path / "map.yaml"
    mapfile.write_text("是否纳入普惠: inclusive\n", encoding="utf-8")
    code, out, _ = run(capsys, "columns", "--format", "json", "--policy", policy, "--columns", str(mapfile), ledger)
    assert code == 0
    assert _fields(out) == {
        "机构编号": ("id", "header"),
        "托位数": ("planned_slots", "policy luzhou_longmatan"),  # the policy's map over the built-in header
        "核定托位": ("lease_years", "tuoyu-rules.yaml"),  # the project file over the policy
        "是否纳入普惠": ("inclusive", str(mapfile)),  # --columns over the project file
    }


def test_the_policy_map_applies_through_the_api_and_check(capsys, tmp_path: Path) -> None:
    path = _policy_with_columns(tmp_path, MAP)
    policy = tuoyu_rules.load_policy(path)
    assert dict(policy.compiled.columns) == {"是否纳入普惠": "inclusive", "核定托位（个）": "total_slots"}
    mapped, canonical = _write(tmp_path / "m.csv", HEADER), _write(tmp_path / "c.csv", CANONICAL)
    assert _reports(policy, policy.read_rows(mapped)) == _reports(policy, read_rows(canonical))
    code, out, err = run(capsys, "check", "--policy", str(path), "--as-of", AS_OF, "--format", "jsonl", str(mapped))
    code_c, out_c, _ = run(
        capsys, "check", "--policy", str(path), "--as-of", AS_OF, "--format", "jsonl", str(canonical)
    )
    assert code == code_c == 1 and out == out_c and "未识别" not in err
    assert [json.loads(line)["status"] for line in out.splitlines()] == ["incomplete", "fail"]


def test_a_policy_map_target_that_is_no_field_is_a_located_policy_problem(capsys, tmp_path: Path) -> None:
    path = _policy_with_columns(tmp_path, "核定托位: total_slot")
    code, out, _ = run(capsys, "validate", str(path))
    line = len(POLICY.read_text(encoding="utf-8").splitlines()) + 3
    assert code == 1 and f"{path}:{line}:9: error[policy.unknown-column-field]" in out and "'total_slots'" in out


def test_a_child_policy_map_entry_wins_over_its_parent(tmp_path: Path) -> None:
    _policy_with_columns(tmp_path, "核定托位: planned_slots\n是否纳入普惠: inclusive")
    child = tmp_path / "child.yaml"
    examples = POLICY.read_text(encoding="utf-8").partition("\nexamples:\n")[2]  # the parent's examples hold
    head = "id: child\nname: 子策略\njurisdiction: {name: 某区, level: county}\nextends: luzhou_longmatan.yaml\n"
    head += "in_force: {from: 2023-02-23}\ncolumns:\n  核定托位: total_slots\nexamples:\n"
    child.write_text(head + examples, encoding="utf-8")
    assert dict(tuoyu_rules.load_policy(child).compiled.columns) == {
        "核定托位": "total_slots",
        "是否纳入普惠": "inclusive",
    }


def test_a_map_entry_no_header_matched_is_named_once_per_ledger(capsys, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "一街道"
    book.active.append(["机构编号", "是否纳入普惠"])
    book.active.append(["A1", "是"])
    second = book.create_sheet("二街道")
    second.append(["机构编号", "是否纳入普惠"])
    second.append(["A2", "否"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    mapfile = tmp_path / "map.yaml"
    mapfile.write_text(MAP + "从未出现: name\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "check",
        "--policy",
        "luzhou_longmatan",
        "--as-of",
        AS_OF,
        "--columns",
        str(mapfile),
        str(path),
        str(_write(tmp_path / "a.csv", HEADER)),
    )
    assert code == 1  # LMT-102 of a.csv fails its area rule
    unused = [line for line in err.splitlines() if "未使用" in line]
    assert unused == [
        f"{path}：列映射中这些表头在台账中没有出现，未使用：核定托位（个） → total_slots（{mapfile}）、从未出现 → name（{mapfile}）",
        f"{tmp_path / 'a.csv'}：列映射中这些表头在台账中没有出现，未使用：从未出现 → name（{mapfile}）",
    ]


def test_a_policy_s_own_unused_entries_are_not_named(tmp_path: Path) -> None:
    policy = tuoyu_rules.load_policy(_policy_with_columns(tmp_path, MAP + "从未出现: name"))
    notices: list[str] = []
    list(policy.read_rows(_write(tmp_path / "c.csv", CANONICAL), on_notice=lambda n: notices.append(n.zh)))
    assert notices == []


def test_a_map_on_a_ledger_without_headers_says_it_was_not_used(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "A1"}\n', encoding="utf-8")
    notices: list[str] = []
    list(read_rows(path, columns={"核定托位": "total_slots"}, on_notice=lambda n: notices.append(n.en)))
    assert notices == [
        f"{path}: the column map applies to CSV and Excel headers; this ledger has none, so it was not used"
    ]


def test_a_mapped_header_counts_as_known_when_the_header_row_is_looked_for(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", "2024年托育机构台账", ["单位代码,核定托位,普惠与否", "A1,40,是"])
    assert [r.data for r in read_rows(path)] != [{"id": "A1", "total_slots": "40", "inclusive": "是"}]
    mapping = {"单位代码": "id", "核定托位": "total_slots", "普惠与否": "inclusive"}
    notices: list[str] = []
    rows = list(read_rows(path, columns=mapping, on_notice=lambda n: notices.append(n.zh)))
    assert [(r.row, r.excel_row, r.data) for r in rows] == [
        (1, 3, {"id": "A1", "total_slots": "40", "inclusive": "是"})
    ]
    assert any("第 2 行作为表头" in n for n in notices)


def test_columns_prints_each_header_its_field_and_why(capsys, tmp_path: Path) -> None:
    ledger = _write(
        tmp_path / "a.csv", "机构编号,是否纳入普惠,是否普惠性,total_slots,乳儿班人数,是否普惠机构,,备注说明"
    )
    mapfile = tmp_path / "map.yaml"
    mapfile.write_text("是否纳入普惠: inclusive\n", encoding="utf-8")
    code, out, err = run(capsys, "columns", "--columns", str(mapfile), str(ledger))
    assert code == 0
    assert out.splitlines() == [
        f"{ledger}：第 1 行为表头；读作机构记录（默认）",
        "    A  机构编号  →  编号 id  （内置表头）",
        f"    B  是否纳入普惠  →  是否普惠 inclusive  （列映射：{mapfile}）",
        "    C  是否普惠性  →  是否普惠 inclusive  （去掉后缀 性/情况）",
        "    D  total_slots  →  托位数 total_slots  （字段名）",
        "    E  乳儿班人数  →  乳儿班 在托人数 infant.enrolled  （班级列）",
        "    F  是否普惠机构  →  （未识别，原样保留）  是否想写 是否普惠 (inclusive)？",
        "    H  备注说明  →  （未识别，原样保留）",
    ]
    assert "是否普惠机构" in err  # the ignored-header notice of check, on stderr
    code, out, _ = run(capsys, "columns", "--format", "json", "--lang", "en", str(ledger))
    (table,) = json.loads(out)
    assert table["kind"] == "institution" and table["kind_how"] == "default" and table["header_row"] == 1
    assert table["columns"][1] == {
        "column": "B",
        "header": "是否纳入普惠",
        "how": "unknown",
        "field": None,
        "suggestion": "是否普惠 (inclusive)",
    }


# ---- the property: a map renames nothing but the headers ----------------------------------------------------------
FIELDS = {  # canonical header -> a value strategy
    "机构编号": st.from_regex(r"LMT-[0-9]{3}", fullmatch=True),
    "是否普惠": st.sampled_from(["是", "否", ""]),
    "托位数": st.integers(0, 200).map(str) | st.just(""),
    "室内使用面积(㎡)": st.decimals(0, 2000, places=1).map(str),
    "室外活动场地面积(㎡)": st.decimals(0, 2000, places=1).map(str) | st.just(""),
    "月收费": st.integers(0, 9000).map(str),
    "乳儿班人数": st.integers(0, 20).map(str),
    "乳儿班保育人员数": st.integers(0, 8).map(str),
    "场地性质": st.sampled_from(["自有", "租赁", ""]),
}
_CJK = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def _unknown(name: str) -> bool:
    return not is_known(header_key(name))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(
        st.text(_CJK + string.ascii_uppercase, min_size=2, max_size=6).filter(_unknown),
        min_size=len(FIELDS),
        max_size=len(FIELDS),
        unique_by=header_key,
    ),
    rows=st.lists(st.fixed_dictionaries(FIELDS), min_size=1, max_size=6, unique_by=lambda r: r["机构编号"]),
)
def test_renaming_headers_through_a_map_gives_the_reports_of_the_canonical_headers(
    tmp_path: Path, names: list[str], rows: list[dict[str, str]]
) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    canonical = list(FIELDS)
    mapping = {
        new: ("infant.enrolled" if "人数" in old else "infant.caregivers" if "保育" in old else header_key(old))
        for new, old in zip(names, canonical, strict=True)
    }
    paths = []
    for name, header in (("canonical.csv", canonical), ("renamed.csv", names)):
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows([row[h] for h in canonical] for row in rows)
        paths.append(tmp_path / name)
        paths[-1].write_text(text.getvalue(), encoding="utf-8")
    expected = _reports(policy, read_rows(paths[0]))
    assert _reports(policy, read_rows(paths[1], columns=mapping)) == expected
    assert len(expected) == len(rows)


def test_columns_names_both_rows_of_a_two_row_header(capsys) -> None:
    ledger = ROOT / "tests" / "data" / "ledgers" / "台账_两行表头.xlsx"
    code, out, _ = run(capsys, "columns", "--format", "json", str(ledger))
    (table,) = json.loads(out)
    assert code == 0 and table["header_rows"] == [4, 5] and table["kind"] == "institution"
    by_header = {c["header"]: (c["field"], c["how"]) for c in table["columns"]}
    assert by_header["乳儿班人数"] == ("infant.enrolled", "class")
    code, out, _ = run(capsys, "columns", str(ledger))
    assert out.splitlines()[0] == f"{ledger}：第 4–5 行为表头；读作机构记录（默认）"
