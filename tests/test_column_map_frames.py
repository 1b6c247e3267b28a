"""A policy's column map applies to the column names of a DataFrame too (``Policy.evaluate_frame``)."""

from __future__ import annotations

from pathlib import Path

from frames_extra import frames_library

import tuoyu_rules

pd = frames_library("pandas")
POLICY = Path(__file__).resolve().parent.parent / "policies" / "luzhou_longmatan.yaml"


def test_a_policy_column_map_names_the_columns_of_a_frame(tmp_path: Path) -> None:
    path = tmp_path / "luzhou_longmatan.yaml"
    path.write_text(
        POLICY.read_text(encoding="utf-8") + "\ncolumns:\n  核定托位: total_slots\n  小小班人数: infant.enrolled\n",
        encoding="utf-8",
    )
    mapped = tuoyu_rules.load_policy(path)
    data = {"机构编号": ["A1"], "室内使用面积": [100], "核定托位": [30], "小小班人数": [12]}
    canonical = {"机构编号": ["A1"], "室内使用面积": [100], "托位数": [30], "乳儿班人数": [12]}
    got = mapped.evaluate_frame(pd.DataFrame(data), as_of="2024-06-30")
    want = tuoyu_rules.load_policy("luzhou_longmatan").evaluate_frame(pd.DataFrame(canonical), as_of="2024-06-30")
    assert got.to_dict("records") == want.to_dict("records")
    assert got["status"].tolist() == ["fail"] and "area.indoor_per_slot" in got["violations"][0]
