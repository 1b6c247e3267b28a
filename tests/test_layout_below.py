"""``Layout.below`` reads, after the first data row, only the first non-blank cells of a row (the cheap path); it
skips exactly the rows the old reading of every cell skipped, for the same reasons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tuoyu_rules.records.readers import layout
from tuoyu_rules.records.readers.layout import Layout


class _OldLayout(Layout):
    """``below`` as it was: every cell of every row stripped of white space (the reference of the property)."""

    def below(self, line: int, cells: list[Any]) -> bool:
        texts = layout._texts(cells)
        reason = None
        if texts and layout._TOTAL.match(texts[0]):
            reason = "total"
        elif texts and (layout._NOTE.match(texts[0]) or (self._in_note and len(texts) == 1)):
            reason, self._in_note = "note", True
        elif not self._data and layout._is_numbers(texts):
            reason = "numbers"
        elif not self._data and texts and all(layout._UNIT_CELL.match(t) for t in texts):
            reason = "units"
        if reason:
            self.skipped.append((line, reason))
        self._data = self._data or reason is None
        return reason is not None


WORDS = [
    "合计",
    " 合 计 ",
    "小计：",
    "总计(元)",
    "注：",
    "注 1",
    "备注",
    "填表人：张三",
    "说明",
    "栏次",
    "甲",
    "1",
    "2",
    "3",
    "4.0",
    "（个）",
    "元/月",
    "单位：元",
    "A1",
    "乳儿班",
    "阳光托育",
    "本表由街道汇总",
    "",
    " ",
    "\u3000",
    "\n",
    "\x1c",
    "\xa0",
]
CELLS = st.one_of(
    st.sampled_from(WORDS),
    st.none(),
    st.integers(-3, 5),
    st.decimals(allow_nan=False, allow_infinity=False, places=1, min_value=-10, max_value=10),
    st.just(Decimal("1")),
    st.text(alphabet="合计注 \u30001（个）a", max_size=4),
)
ROWS = st.lists(st.lists(CELLS, max_size=6), max_size=12)


@settings(max_examples=400, deadline=None)
@given(ROWS)
def test_the_cheap_path_skips_the_same_rows_for_the_same_reasons_as_reading_every_cell(rows: list[list[Any]]) -> None:
    new, old = Layout(1, ["机构编号"]), _OldLayout(1, ["机构编号"])
    said = [(new.below(line, cells), old.below(line, cells)) for line, cells in enumerate(rows, start=2)]
    assert [a for a, _ in said] == [b for _, b in said]
    assert new.skipped == old.skipped


def test_after_the_first_data_row_only_the_first_cells_are_read() -> None:
    class Loud:
        """A cell that fails the test when it is read as text."""

        def __str__(self) -> str:
            raise AssertionError("a cell past the first non-blank one was read")

    sheet = Layout(1, ["机构编号"])
    assert sheet.below(2, ["A1", "阳光", 40]) is False  # the first data row: every cell is read
    assert sheet.below(3, [None, " ", "A2", Loud(), Loud()]) is False
    assert sheet.below(4, ["合计", Loud()]) is True
    assert sheet.below(5, ["注：托位数按备案数填写。", Loud()]) is True
    assert sheet.below(6, ["本表由街道汇总"]) is True  # a one-cell line after a note is the note's
    assert sheet.below(7, ["A3", "春苗", Loud()]) is False  # inside a note, the second cell says it is a row
    assert sheet.skipped == [(4, "total"), (5, "note"), (6, "note")]
