"""``Policy.evaluate_frame``: DataFrames of the bundled examples give the verdicts of ``check``; missing cells are
unknown, never errors; class and staff frames join by trimmed id and an orphan is an error row; money stays exact."""

from __future__ import annotations

import datetime
import io
import json
import math
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from frames_extra import frames_library
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.cli import main

pd = frames_library("pandas")

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2025, 6, 30)
POLICIES = ["luzhou_longmatan", "nanchang", "huzhou", "fujian", "chaisang"]


def example_frame(pid: str) -> Any:
    return pd.read_csv(ROOT / "examples" / pid / "institutions.csv", encoding="gb18030")


def check_jsonl(pid: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """What ``tuoyu-rules check --format jsonl`` says of the same CSV."""
    csv = str(ROOT / "examples" / pid / "institutions.csv")
    main(["check", "--policy", pid, "--as-of", AS_OF.isoformat(), "--format", "jsonl", csv])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def verdicts_of_check(reports: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    out = []
    for r in reports:
        failed = [f["rule"] for f in r["findings"] if f["outcome"] == "fail" and f["severity"] != "aim"]
        unknown = [f["rule"] for f in r["findings"] if f["outcome"] == "unknown"]
        money = [None if s["amount"] is None else Decimal(s["amount"]) for s in r["subsidies"]]
        out.append((r["id"], r["status"], list(dict.fromkeys(failed)), list(dict.fromkeys(unknown)), money))
    return out


def verdicts_of_frame(results: Any, policy: tuoyu_rules.Policy) -> list[tuple[Any, ...]]:
    rows = results.to_dicts() if hasattr(results, "to_dicts") else results.to_dict("records")
    names = [f"{s.id}/{s.spec.period}" for s in policy.compiled.subsidies]
    return [
        (r["id"], r["status"], list(r["violations"]), list(r["unknown"]), [r[name] for name in names]) for r in rows
    ]


@pytest.mark.parametrize("pid", POLICIES)
def test_a_frame_of_the_bundled_examples_gets_the_verdicts_of_check(
    pid: str, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tuoyu_rules.load_policy(pid)
    results = policy.evaluate_frame(example_frame(pid), as_of=AS_OF)
    expected = verdicts_of_check(check_jsonl(pid, capsys))
    assert len(expected) == 30 and verdicts_of_frame(results, policy) == expected
    assert list(results["row"]) == list(range(1, 31)) and set(results["status"]) <= {"pass", "fail", "incomplete"}


def test_money_is_exact_decimal_never_float() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    results = policy.evaluate_frame(example_frame("luzhou_longmatan"), as_of=AS_OF)
    construction = results["subsidy.construction/once"]
    assert construction.dtype == object
    assert all(v is None or type(v) is Decimal for v in construction)
    assert results.loc[results["id"] == "LMT-004", "subsidy.construction/once"].item() == Decimal("100000.00")
    assert results["subsidy.construction/once/eligible"].tolist().count(True) == 6  # as check says


def test_chinese_and_english_column_names_give_the_same_results() -> None:
    policy = tuoyu_rules.load_policy("nanchang")
    chinese = pd.DataFrame({"机构编号": ["A"], "机构类型": ["托育中心"], "是否备案": ["否"], "监控保存天数(天)": [30]})
    english = pd.DataFrame({"id": ["A"], "form": ["center"], "filed": [False], "surveillance.retention_days": [30]})
    one, two = policy.evaluate_frame(chinese, as_of=AS_OF), policy.evaluate_frame(english, as_of=AS_OF)
    assert one.to_dict("records") == two.to_dict("records")
    assert {"filing.required", "surveillance.retention_days"} <= set(one["violations"][0])


def test_every_kind_of_missing_cell_is_missing_data_not_an_error() -> None:
    policy = tuoyu_rules.load_policy("national")
    frame = pd.DataFrame(
        {
            "机构编号": ["A", "B", "C", "D"],
            "是否备案": pd.Series([None, float("nan"), pd.NA, pd.NaT], dtype=object),
            "监控保存天数": [float("nan"), 90.0, None, 120.0],
        }
    )
    results, findings = policy.evaluate_frame(frame, as_of=AS_OF, findings=True)
    assert results["status"].tolist() == ["incomplete", "incomplete", "incomplete", "incomplete"]
    assert all("filing.required" in u for u in results["unknown"])
    filing = findings[findings["rule"] == "filing.required"]
    assert filing["outcome"].tolist() == ["unknown"] * 4 and filing["missing"].tolist() == [["filed"]] * 4
    retention = findings[findings["rule"] == "surveillance.retention_days"]
    assert retention["outcome"].tolist() == ["unknown", "pass", "unknown", "pass"]
    assert retention["observed"].tolist()[1] == 90 and type(retention["observed"].tolist()[1]) is int


def test_bad_rows_are_error_rows_in_place_never_dropped() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")  # it reads 托位数, so "abc" there voids the record
    frame = pd.DataFrame({"机构编号": ["A", None, "C", "A"], "托位数": ["20", "10", "abc", "5"]})
    results = policy.evaluate_frame(frame, as_of=AS_OF)
    assert results["status"].tolist() == ["incomplete", "error", "error", "error"]
    assert results["errors"].tolist() == [[], ["record.missing-id"], ["record.not-a-number"], ["record.duplicate-id"]]
    assert results["row"].tolist() == [1, 2, 3, 4] and results["id"].tolist()[2:] == ["C", "A"]


def test_an_infinite_number_is_an_error_not_missing() -> None:
    frame = pd.DataFrame({"机构编号": ["A"], "室内使用面积": [math.inf]})
    results = tuoyu_rules.load_policy("luzhou_longmatan").evaluate_frame(frame, as_of=AS_OF)
    assert results["status"].tolist() == ["error"]


def test_class_and_staff_frames_join_by_trimmed_id_and_an_orphan_is_an_error_row() -> None:
    policy = tuoyu_rules.load_policy("national")
    institutions = pd.DataFrame({"机构编号": ["A", "B"], "机构类型": ["托育中心", "托育中心"]})
    classes = pd.DataFrame(
        {
            "机构编号": ["A ", "B", "Z"],
            "班级类型": ["乳儿班", "乳儿班", "托小班"],
            "在托人数": [10, 8, 5],
            "保育人员数": [4, 2, 1],
        }
    )
    staff = pd.DataFrame({"institution_id": ["A", None], "role": ["manager", "caregiver"], "banned": [False, False]})
    results, findings = policy.evaluate_frame(institutions, as_of=AS_OF, classes=classes, staff=staff, findings=True)
    assert results["frame"].tolist() == ["records", "records", "classes", "staff"]
    assert results["status"].tolist()[2:] == ["error", "error"]
    assert results["errors"].tolist()[2:] == [["record.orphan-item"], ["record.orphan-item"]]
    assert results["row"].tolist() == [1, 2, 3, 2] and results["id"].tolist()[2] == "Z"
    ratio = findings[(findings["rule"] == "class.ratio.infant")]
    assert ratio[["id", "outcome", "observed", "required"]].values.tolist() == [
        ["A", "pass", 4, 4],
        ["B", "fail", 2, 3],
    ]
    assert "class.ratio.infant" in results["violations"][1] and "class.ratio.infant" not in results["violations"][0]
    banned = findings[(findings["rule"] == "staff.banned")]
    assert banned[["id", "subject", "outcome"]].values.tolist()[0] == ["A", "staff[0]", "pass"]
    assert banned[["id", "outcome", "missing"]].values.tolist()[1] == ["B", "unknown", ["banned"]]  # no staff: unknown


def test_flat_class_columns_are_classes() -> None:
    frame = pd.DataFrame({"机构编号": ["A"], "乳儿班人数": [10], "乳儿班保育人员数": [2]})
    _, findings = tuoyu_rules.load_policy("national").evaluate_frame(frame, as_of=AS_OF, findings=True)
    ratio = findings[findings["rule"] == "class.ratio.infant"]
    assert ratio[["outcome", "observed", "required"]].values.tolist() == [["fail", 2, 4]]


def test_a_policy_with_aims_gets_an_aims_column_and_others_do_not() -> None:
    policy = tuoyu_rules.load_policy("national")
    results = policy.evaluate_frame(pd.DataFrame({"id": ["A"]}), as_of=AS_OF)
    has_aims = any(rule.severity == "aim" for rule in policy.compiled.rules)
    assert ("aims" in results.columns) == has_aims


def test_anything_but_a_frame_is_a_type_error_that_says_what_to_use() -> None:
    with pytest.raises(TypeError, match="evaluate_many"):
        tuoyu_rules.load_policy("national").evaluate_frame([{"id": "A"}])


def test_a_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from tuoyu_rules import frames

    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'tuoyu-rules[polars]'")):
        frames._require("polars")


def test_the_package_imports_neither_library() -> None:
    import subprocess

    code = "import sys, tuoyu_rules, tuoyu_rules.frames; print('pandas' in sys.modules, 'polars' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_polars_frames_give_the_verdicts_of_pandas_frames() -> None:
    pl = frames_library("polars")
    text = (ROOT / "examples" / "luzhou_longmatan" / "institutions.csv").read_bytes().decode("gb18030")
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    results, findings = policy.evaluate_frame(pl.read_csv(io.StringIO(text)), as_of=AS_OF, findings=True)
    assert isinstance(results, pl.DataFrame) and isinstance(findings, pl.DataFrame)
    expected = policy.evaluate_frame(example_frame("luzhou_longmatan"), as_of=AS_OF)
    assert verdicts_of_frame(results, policy) == verdicts_of_frame(expected, policy)
    money = [c for c in results.columns if c.startswith("subsidy.") and "/" in c and not c.endswith("/eligible")]
    assert money and all(results.schema[c] == pl.Decimal(38, 2) for c in money)


def test_polars_class_frames_join_too() -> None:
    pl = frames_library("polars")
    institutions = pl.DataFrame({"机构编号": ["A"], "机构类型": ["托育中心"]})
    classes = pl.DataFrame({"机构编号": ["A"], "班级类型": ["乳儿班"], "在托人数": [10], "保育人员数": [None]})
    results = tuoyu_rules.load_policy("national").evaluate_frame(institutions, as_of=AS_OF, classes=classes)
    assert results["status"].to_list() == ["incomplete"] and "class.ratio.infant" in results["unknown"][0]


# ---- properties: a blank cell is missing data -------------------------------------------------------------------
LUZHOU = tuoyu_rules.load_policy("luzhou_longmatan")
FRAME = example_frame("luzhou_longmatan")
RANK = {"absent": 0, "not_due": 1, "pass": 1, "unknown": 2, "fail": 3}


def outcomes(findings: Any) -> dict[str, str]:
    """rule → its worst outcome over the record's findings."""
    out: dict[str, str] = {}
    for rule, outcome in zip(findings["rule"], findings["outcome"], strict=True):
        if RANK[outcome] > RANK[out.get(rule, "absent")]:
            out[rule] = outcome
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    row=st.integers(0, len(FRAME) - 1),
    column=st.sampled_from([c for c in FRAME.columns if c != "机构编号"]),
    blank=st.sampled_from([None, float("nan"), "NA", "NaT"]),
)
def test_blanking_a_cell_never_makes_an_error_row_nor_turns_unknown_into_pass(
    row: int, column: str, blank: Any
) -> None:
    before, before_findings = LUZHOU.evaluate_frame(FRAME.iloc[[row]], as_of=AS_OF, findings=True)
    changed = FRAME.iloc[[row]].astype(object)
    changed.iloc[0, changed.columns.get_loc(column)] = {"NA": pd.NA, "NaT": pd.NaT}.get(blank, blank)
    after, after_findings = LUZHOU.evaluate_frame(changed, as_of=AS_OF, findings=True)
    assert after["status"].tolist() != ["error"]
    if before["status"].tolist() == ["incomplete"]:
        assert after["status"].tolist() != ["pass"]
    was, now = outcomes(before_findings), outcomes(after_findings)
    assert [rule for rule, outcome in was.items() if outcome == "unknown" and now.get(rule) == "pass"] == []


def test_the_examples_of_docs_dataframes_md_run_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)\n```", (ROOT / "docs" / "dataframes.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {}
    for number, block in enumerate(blocks):
        exec(compile(block, f"docs/dataframes.md block {number}", "exec"), namespace)


def test_nullable_pandas_dtypes_read_as_their_values_and_pd_na_as_missing() -> None:
    frame = pd.DataFrame(
        {
            "id": pd.Series(["A", "B"], dtype="string"),
            "filed": pd.Series([True, pd.NA], dtype="boolean"),
            "surveillance.retention_days": pd.Series([90, pd.NA], dtype="Int64"),
            "form": pd.Series(["托育中心", "托育中心"], dtype="category"),
        }
    )
    _, findings = tuoyu_rules.load_policy("national").evaluate_frame(frame, as_of=AS_OF, findings=True)
    chosen = findings[findings["rule"].isin(["filing.required", "surveillance.retention_days"])]
    assert chosen[["id", "rule", "outcome"]].values.tolist() == [
        ["A", "surveillance.retention_days", "pass"],
        ["A", "filing.required", "pass"],
        ["B", "surveillance.retention_days", "unknown"],
        ["B", "filing.required", "unknown"],
    ]
