"""CSV (csv.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tuoyu_rules.writers import write_reports

from ._reports import items, read_csv, report, text_of


def test_csv_has_chinese_headers_one_row_per_record_and_a_column_per_subsidy() -> None:
    rows = read_csv(text_of("csv", items()))
    assert rows[0] == [
        "编号",
        "名称",
        "类型",
        "结果",
        "违规数",
        "违规规则",
        "信息不全规则",
        "运营补助(元)",
        "建设补助(元)",
        "其他补贴",
        "错误",
    ]
    assert len(rows) == 5 and all(len(r) == len(rows[0]) for r in rows)
    passing, failing, incomplete, error = (dict(zip(rows[0], r, strict=True)) for r in rows[1:])
    assert passing["编号"] == "LMT-1" and passing["名称"] == "LMT-1托育园" and passing["运营补助(元)"] == "4600.00"
    assert passing["建设补助(元)"] == "4000.00–6000.00", "a range amount shows its bounds"
    assert failing["结果"] == "fail" and failing["违规数"] == "2"
    assert failing["违规规则"] == "area.indoor_per_slot;class.ratio.infant" and failing["运营补助(元)"] == ""
    assert incomplete["信息不全规则"] == "area.outdoor_per_slot"
    assert error["结果"] == "error" and error["编号"] == "LZ-003" and "第 4 行 total_slots" in error["错误"]


def test_csv_in_english_and_a_subsidy_first_seen_late_goes_to_other_subsidies() -> None:
    late = report("LATE", "pass")
    late["subsidies"].append({"id": "subsidy.enrollment", "eligible": True, "amount": "300.00"})
    data = [*items(), *[report(f"P-{i}", "pass") for i in range(1000)], late]
    rows = read_csv(text_of("csv", iter(data), lang="en"))
    assert rows[0][:4] == ["id", "name", "kind", "status"] and "subsidy.operating" in rows[0]
    assert rows[-1][0] == "LATE" and rows[-1][rows[0].index("other_subsidies")] == "subsidy.enrollment=300.00"
    assert len(rows) == len(data) + 1


def test_csv_file_starts_with_exactly_one_bom(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    write_reports(items(), "csv", path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf\xe7\xbc\x96\xe5\x8f\xb7")  # BOM, then 编号
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh))) == 5


def test_csv_neutralises_text_a_spreadsheet_would_run_and_keeps_numbers() -> None:
    hostile = [
        '=HYPERLINK("http://evil.example","x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=cmd|' /C calc'!A0",
    ]
    data = [report(f"ID{i}", "pass", name=text) for i, text in enumerate(hostile)]
    data.append({**report("=cmd()", "fail", amount="-100.00"), "kind": "-institution"})
    rows = read_csv(text_of("csv", data))
    assert [r[1] for r in rows[1:7]] == ["'" + text for text in hostile], "OWASP: a leading apostrophe"
    last = dict(zip(rows[0], rows[-1], strict=True))
    assert last["编号"] == "'=cmd()" and last["类型"] == "'-institution"
    assert last["运营补助(元)"] == "-100.00" and last["违规数"] == "0", "numbers stay numbers"


def test_csv_holds_no_report_dict_while_it_learns_the_subsidy_columns() -> None:
    import tracemalloc

    def fat(n: int) -> Iterator[dict[str, Any]]:
        """Reports with many passing findings, as the engine writes them without --omit-passes."""
        for i in range(n):
            item = report(f"F-{i}", "pass")
            item["findings"] = [
                {"rule": f"rule.{j}", "outcome": "pass", "message": f"第 {j} 条规则，第 {i} 个机构：符合" * 4}
                for j in range(40)
            ]
            yield item

    tracemalloc.start()
    try:
        out = Sink()
        write_reports(fat(1200), "csv", out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.rows == 1201 and peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


class Sink(io.TextIOBase):
    """A text stream that counts the lines it is given and keeps nothing."""

    rows = 0

    def write(self, text: str) -> int:
        self.rows += text.count("\n")
        return len(text)
