"""The table for people (table.py) and the display width it aligns by (_format.py)."""

from __future__ import annotations

import pytest

from tuoyu_rules.writers._format import _width

from ._reports import UNKNOWN, VIOLATION, items, report, text_of


def test_table_lists_violations_unknowns_errors_and_ends_with_a_summary() -> None:
    text = text_of("table", items())
    lines = text.splitlines()
    assert lines[-1] == (
        "共 4 条：通过 1，不通过 1，信息不全 1，错误 1；建设补助合计 12,000.00–18,000.00 元；运营补助合计 9,200.00 元"
    )
    assert "    ✗ area.indoor_per_slot: 每托位室内使用面积 4.9 ㎡，低于 5 ㎡ → 增加室内面积 10 ㎡" in lines
    assert "    ? area.outdoor_per_slot: 缺少 outdoor_area_m2、total_slots" in lines
    assert any(line.startswith("! LZ-003") and "第 4 行" in line and "ledger.csv" in line for line in lines)
    assert "    ! total_slots = 'abc' [record.not-a-number] total_slots：'abc' 不是数字" in lines
    assert "补贴 4,600.00 (+4,000.00–6,000.00)" in text


def record_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1] in "✓✗?!" and not line.startswith("    ")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_table_columns_line_up_with_chinese_text(lang: str) -> None:
    data = [
        report("A-1", "pass", name="ABC托育"),
        report("A-22", "fail", [VIOLATION], name="Sunny Kids 阳光宝贝婴幼儿照护服务中心（龙马潭区红星街道分园）"),
        report("A-333", "incomplete", unknown=[UNKNOWN], name="小太阳"),
    ]
    word = "违规" if lang == "zh" else "violations"
    heads = record_lines(text_of("table", data, lang=lang))
    assert len(heads) == 3
    columns = {_width(line[: line.index(word)]) for line in heads}
    assert len(columns) == 1, f"the violations column must line up: {heads}"
    subsidy = "补贴" if lang == "zh" else "subsidy"
    assert len({_width(line[: line.index(subsidy)]) for line in heads}) == 1
    assert "…" in heads[1], "a name too long for its column is cut, not allowed to push the columns"


def test_wide_characters_count_two_columns() -> None:
    assert _width("托育ab") == 6 and _width("（）") == 4 and _width("m²") == 2


def test_table_in_english_uses_english_messages() -> None:
    text = text_of("table", items(), lang="en")
    assert text.splitlines()[-1].startswith("4 rows: 1 passed, 1 failed, 1 incomplete, 1 errors; ")
    assert "    ✗ area.indoor_per_slot: 4.9 m² per slot, below 5 → Add 10 m²" in text
    assert "missing outdoor_area_m2, total_slots" in text and "row 4" in text
