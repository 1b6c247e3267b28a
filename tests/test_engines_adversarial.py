"""Adversarial differential tests of the columnar engine against the row engine: findings of a review by
differential testing (office-made ledgers with nasty rows after the native path's head, at its boundary and at
chunk boundaries). Each test is a minimal reproducer of a disagreement that was found, and fixed, or a guard of a
case the review found to agree."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("polars", reason="the columnar engine needs polars (pip install 'tuoyu-rules[columnar]')")

from test_columnar import generate, ledger, write_ledger

from tuoyu_rules import cli
from tuoyu_rules.api import load_policy
from tuoyu_rules.columnar import Checker, check_rows, native
from tuoyu_rules.records import read_rows
from tuoyu_rules.writers import csv as csv_writer
from tuoyu_rules.writers import write_reports

DAY = datetime.date(2025, 6, 1)


def _summary(items: Any) -> tuple[str, dict[str, Any]]:
    out = io.StringIO()
    summary = write_reports(iter(items), "csv", out)
    return out.getvalue(), summary.to_dict()


def test_the_summary_by_district_counts_column_wise_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """write_reports(check_rows(...), "csv", out) returned a Summary whose subsidy_by_district left out every row
    decided column-wise (the ordinary path: {} on a clean ledger; the native path: only the head's rows), while
    its totals were right: the amounts by district looked plausible and were wrong. Districts with edge spaces, an
    ideographic space only, empty, and rows not eligible (0.00, as the row engine counts them) included."""
    monkeypatch.setattr(native, "HEAD_LINES", 6)
    monkeypatch.setattr(csv_writer, "CSV_LOOKAHEAD", 3)
    monkeypatch.setattr(native, "CHUNK", 1024)
    monkeypatch.setattr(native, "_KEPT", 1)
    rows = ledger(60, 5)
    for i, district in ((10, " 红星街道 "), (20, "\u3000"), (30, ""), (40, "新区"), (41, "新区"), (50, "=区")):
        rows[i]["district"] = district
    path = tmp_path / "ledger.csv"
    write_ledger(path, rows, generate.CSV_COLUMNS)
    policy = load_policy("nanchang")  # its operating subsidy pays on generated rows: amounts that are not 0.00
    text, expected = _summary(r.to_dict() for r in policy.evaluate_many(read_rows(path), as_of=DAY))
    assert any(v != "0.00" for by in expected["subsidy_by_district"].values() for v in by.values())
    for flag in (False, True):
        checker = Checker(policy.compiled, DAY, native=flag)
        got = _summary(check_rows(policy, str(path), DAY, batch_size=7, checker=checker))
        assert got[0] == text
        assert got[1]["subsidy_by_district"] == expected["subsidy_by_district"], flag
        assert {k: v for k, v in got[1].items() if got[1][k] != expected[k]} == {}, flag
        assert not flag or checker.native_lines > 40  # the body went natively


NASTY = {  # cells an office ledger holds, each in its own row after the head (row-wise or column-wise alike)
    "monthly_fee": ["1,200", "１２", "12.0", "1e3", " 12 ", "0012", "-5", "9999999999", "1200.505"],
    "total_slots": ["0012", "12.0", "-5", "NaN", " ", "１２"],
    "indoor_area_m2": [".5", "5.", "1000000000", "1000000000.0001", "12.30000", "120㎡", "-0"],
    "id": ["=1+1", "-5", "LMT-X  ", "\u200bLMT-Y", "@x"],
    "name": ["=1+1", "-5", '某"托育"园', "某,园", "园\u200d", "园" * 2100],
    "filed": ["是", "否", "√", "×", "TRUE", "1", "maybe", "已备案"],
    "ownership": ["营利性", "Private", "private ", "公办"],
}


def test_the_cli_on_nasty_cells_after_the_head(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real head (2,000 lines): nasty cells at the head's boundary and in the body, a repeated id far after its
    first and one with a trailing space; both engines' bytes, exit codes and stderr (but the engine's line) agree."""
    rows = ledger(2600, 3)
    at = 1997
    for field, values in NASTY.items():
        for value in values:
            rows[at][field] = value
            at += 7 if at < 2010 else 13
    rows[2590]["id"] = rows[5]["id"]
    rows[2595]["id"] = rows[6]["id"] + " "
    path = tmp_path / "ledger.csv"
    write_ledger(path, rows, generate.CSV_COLUMNS)
    said = {}
    for engine in ("row", "columnar"):
        out = tmp_path / f"{engine}.csv"
        args = ["check", "--policy", "nanchang", "--as-of", "2025-06-01", "--format", "csv", "-q"]
        code = cli.main([*args, "--engine", engine, "-o", str(out), str(path)])
        err = [line for line in capsys.readouterr().err.splitlines() if "列式引擎" not in line]
        said[engine] = (code, out.read_bytes(), err)
    assert said["row"] == said["columnar"]
    assert said["row"][1].count(b"\r\n") >= 2600 + 2


def test_the_cli_reads_a_kind_column_column_wise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CSV ledger with a 记录类型 column and region rows after the head: `check --engine columnar` refused it
    (exit 2, "a kind read from the headers needs the row engine") though the columnar reader reads a kind column
    row by row (docs/columnar.md); now both engines' bytes, exit codes and stderr (but the engine's line) agree."""
    rows = ledger(2600, 9)
    columns = ["记录类型", *generate.CSV_COLUMNS, "level", "year"]
    for i in (5, 2100, 2101, 2400):
        rows[i] = {"id": f"R-{i}", "name": f"区{i}", "district": "红星街道", "level": "county", "year": "2024"}
        rows[i]["记录类型"] = "区域" if i % 2 else "region"
    path = tmp_path / "ledger.csv"
    write_ledger(path, rows, columns)
    said = {}
    for engine in ("row", "columnar"):
        out = tmp_path / f"{engine}.csv"
        args = ["check", "--policy", "nanchang", "--as-of", "2025-06-01", "--format", "csv", "-q"]
        code = cli.main([*args, "--engine", engine, "-o", str(out), str(path)])
        err = [line for line in capsys.readouterr().err.splitlines() if "列式引擎" not in line]
        said[engine] = (code, out.read_bytes() if out.exists() else None, err)
    assert said["row"] == said["columnar"]
    assert said["row"][1] is not None and said["row"][1].count(b",region,") == 4


def test_a_workbook_district_of_number_zero_is_counted_alike(tmp_path: Path) -> None:
    """A 区县 cell holding the number 0 (an office's district code): the row engine's summary left its amounts out
    of subsidy_by_district (``and district``: 0 is falsy) while the columnar engine, reading the cell as the text
    "0", counted them; a text "0" was counted by both. Now a district is left out only when absent or empty."""
    openpyxl = pytest.importorskip("openpyxl")
    rows = ledger(30, 5)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(generate.CSV_COLUMNS)
    for i, r in enumerate(rows):
        cells = [str(r.get(c, "")) for c in generate.CSV_COLUMNS]  # numbers as numbers, yes/no as 是/否
        values: list[Any] = [int(v) if v.isdigit() else {"True": "是", "False": "否"}.get(v, v or None) for v in cells]
        values[generate.CSV_COLUMNS.index("district")] = 0 if i % 3 == 0 else "0" if i % 3 == 1 else "红星街道"
        sheet.append(values)
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    policy = load_policy("nanchang")
    text, expected = _summary(r.to_dict() for r in policy.evaluate_many(read_rows(path), as_of=DAY))
    assert expected["subsidy_by_district"]["subsidy.operating"]["0"] != "0.00"
    checker = Checker(policy.compiled, DAY)
    got = _summary(check_rows(policy, str(path), DAY, checker=checker))
    assert checker.rows["columnar"] > 0
    assert got[0] == text
    assert got[1]["subsidy_by_district"] == expected["subsidy_by_district"]
