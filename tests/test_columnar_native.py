"""The columnar engine's native path (columnar/native.py): the body of a big plain CSV ledger split, typed, evaluated
and written by polars gives the very bytes, summary and notices of the row engine; every ledger it cannot decide
exactly takes the ordinary path. The head and chunk sizes are made small so that small ledgers exercise it."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("polars", reason="the columnar engine needs polars (pip install 'tuoyu-rules[columnar]')")

import polars as pl
from test_columnar import DAYS, POLICIES, generate, ledger, row_engine, write_ledger

from tuoyu_rules import cli
from tuoyu_rules.api import load_policy
from tuoyu_rules.columnar import Checker, check_rows, native
from tuoyu_rules.columnar.frame import typed
from tuoyu_rules.writers import csv as csv_writer
from tuoyu_rules.writers import write_reports

SMALL = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """A head of 6 lines, a CSV lookahead of 3 records, chunks of about 1 KB and one chunk kept from the first pass
    (every file read as a big one: in chunks of CHUNK)."""
    monkeypatch.setattr(native, "SMALL_FILE", 0)
    monkeypatch.setattr(native, "HEAD_LINES", 6)
    monkeypatch.setattr(csv_writer, "CSV_LOOKAHEAD", 3)
    monkeypatch.setattr(native, "CHUNK", 1024)
    monkeypatch.setattr(native, "_KEPT", 1)


def written(items: Any) -> tuple[str, dict[str, Any]]:
    out = io.StringIO()
    summary = write_reports(iter(items), "csv", out)
    return out.getvalue(), summary.to_dict()


def engines(path: Path, pid: str, day: datetime.date) -> dict[str, Any]:
    """CSV text, summary and notices of the native path, the ordinary columnar path and the row engine."""
    policy = load_policy(pid)
    out: dict[str, Any] = {}
    for name, flag in (("native", True), ("columnar", False)):
        notices: list[Any] = []
        checker = Checker(policy.compiled, day, on_notice=notices.append, native=flag)
        text, summary = written(check_rows(policy, str(path), day, batch_size=5, checker=checker))
        out[name] = (text, summary, notices, checker)
    notices = []
    text, summary = written(row_engine(policy, path, day, notices))
    out["row"] = (text, summary, notices, None)
    return out


def assert_same(path: Path, day: datetime.date = DAYS[0], policies: list[str] = POLICIES) -> list[int]:
    """Every policy: the native path's bytes and notices are the row engine's, its summary the columnar path's (which
    counts column-wise rows one by one) and its counts the row engine's. Returns how many body lines each policy's run
    read natively."""
    lines = []
    for pid in policies:
        got = engines(path, pid, day)
        assert got["native"][0] == got["row"][0], pid
        assert got["native"][2] == got["row"][2], pid
        # by district: the verdict rows of column-wise rows name no district (neither path's CSV shows it); a row
        # with a quote goes column-wise in the ordinary path, row-wise here
        mine, theirs = (
            {k: v for k, v in got[e][1].items() if k != "subsidy_by_district"} for e in ("native", "columnar")
        )
        assert mine == theirs, pid
        for key in ("rows", "passed", "failed", "incomplete", "errors"):
            assert got["native"][1][key] == got["row"][1][key], (pid, key)
        lines.append(got["native"][3].native_lines)
    return lines


@pytest.mark.parametrize("size", ["big", "small"])
def test_a_clean_ledger_goes_native_and_matches(
    tmp_path: Path, small: None, monkeypatch: pytest.MonkeyPatch, size: str
) -> None:
    """A big file in chunks of CHUNK, a small one in chunks of four times that (here about 1 KB and 4 KB)."""
    if size == "small":
        monkeypatch.setattr(native, "SMALL_FILE", 1 << 30)
    path = tmp_path / "ledger.csv"
    write_ledger(path, ledger(120, 3), generate.CSV_COLUMNS)
    assert native.chunk_bytes(str(path)) == (4096 if size == "small" else 1024)
    assert path.stat().st_size > 3 * 4096  # several chunks either way
    assert all(n > 100 for n in assert_same(path))  # the body (past the 6-line head) was read natively


ADVERSARIAL = {
    "total row": lambda r: {**r, "id": "合计", "name": ""},
    "note row": lambda r: dict.fromkeys(r, "") | {"id": "注：以上数据截至六月"},
    "single cell": lambda r: dict.fromkeys(r, "") | {"name": "只有名称"},
    "quote and newline": lambda r: {**r, "name": "第一行\n第二行"},
    "quote and comma": lambda r: {**r, "name": '某某,"托育"园'},
    "formula name": lambda r: {**r, "name": "=HYPERLINK(1)"},
    "formula id": lambda r: {**r, "id": "+86-123"},
    "numeric-looking id": lambda r: {**r, "id": "-12.5"},
    "at name": lambda r: {**r, "name": "@托育"},
    "bad number": lambda r: {**r, "total_slots": "30个"},
    "measure with five decimals": lambda r: {**r, "indoor_area_m2": "12.34567"},
    "empty id": lambda r: {**r, "id": ""},
    "spaced id": lambda r: {**r, "id": " X-1 "},
    "blank row": lambda r: dict.fromkeys(r, ""),
    "spaces row": lambda r: dict.fromkeys(r, " "),
    "bad yes/no": lambda r: {**r, "filed": " 是"},
    "unicode space name": lambda r: {**r, "name": "\u3000园"},
    "tab in name": lambda r: {**r, "name": "\t园"},
}


def _lines_of(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().splitlines(keepends=True)


@SMALL
@given(
    n=st.integers(8, 40),
    seed=st.integers(0, 10**6),
    edits=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(sorted(ADVERSARIAL))), max_size=4),
    duplicates=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=2),
    raw=st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from(["\n", "\r\n", "a,b\n", ",,,\n", "x" * 3 + "," * 40 + "\n"])),
        max_size=2,
    ),
    crlf=st.booleans(),
    bom=st.booleans(),
)
def test_adversarial_ledgers_match_the_row_engine(
    tmp_path: Path,
    small: None,
    n: int,
    seed: int,
    edits: list[tuple[int, str]],
    duplicates: list[tuple[int, int]],
    raw: list[tuple[int, str]],
    crlf: bool,
    bom: bool,
) -> None:
    """Adversarial rows anywhere (in the head or the body): a 合计 or note row, a quoted newline, a formula-looking
    name, a bad number, an empty id, blank and short lines, repeated ids, raw lines (a short row, a row of more cells
    than the header), CRLF line ends, a BOM; on every bundled policy, the native path says what the row engine
    says, byte for byte (natively where it can, else by the ordinary path)."""
    rows = ledger(n, seed)
    for i, what in edits:
        rows[i % n] = ADVERSARIAL[what](rows[i % n])
    for a, b in duplicates:
        rows[b % n]["id"] = rows[a % n]["id"]
    lines = _lines_of(rows, generate.CSV_COLUMNS)
    for at, line in raw:
        lines.insert(1 + at % n, line)
    text = "".join(lines)
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / "ledger.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    assert_same(path, policies=["luzhou_longmatan", "national", "chaisang"])


@pytest.mark.parametrize("what", sorted(ADVERSARIAL))
def test_each_adversarial_row_in_the_body(tmp_path: Path, small: None, what: str) -> None:
    rows = ledger(30, 11)
    rows[20] = ADVERSARIAL[what](rows[20])
    rows[25]["id"] = rows[22]["id"]  # and a repeated id
    path = tmp_path / "ledger.csv"
    write_ledger(path, rows, generate.CSV_COLUMNS)
    lines = assert_same(path, policies=["luzhou_longmatan", "fujian"])
    layout_or_quote = what in ("total row", "note row", "single cell", "quote and newline")
    assert all((n == 0) == layout_or_quote for n in lines), lines  # those take the ordinary path, the rest native


def test_what_makes_the_whole_file_take_the_ordinary_path(tmp_path: Path, small: None) -> None:
    rows = ledger(30, 4)
    good = _lines_of(rows, generate.CSV_COLUMNS)
    cases = {
        "a lone carriage return": [*good[:20], "a\rb," + good[20], *good[21:]],
        "more cells than the header": [*good[:20], good[20].rstrip("\n") + ",extra\n", *good[21:]],
        "an unterminated quote": [*good[:20], '"open,' + good[20], *good[21:]],
        "a NUL": [*good[:20], "\0" + good[20], *good[21:]],
    }
    for name, lines in cases.items():
        path = tmp_path / "ledger.csv"
        path.write_text("".join(lines), encoding="utf-8", newline="")
        assert assert_same(path, policies=["luzhou_longmatan"]) == [0], name
    path = tmp_path / "ledger.csv"
    path.write_bytes("".join(good).encode("gb18030"))
    assert assert_same(path, policies=["luzhou_longmatan"]) == [0]  # GB18030: the ordinary path
    path.write_text("".join(good[:5]), encoding="utf-8")
    assert assert_same(path, policies=["luzhou_longmatan"]) == [0]  # no body past the head


def test_tab_separated_kinds_and_regions(tmp_path: Path, small: None) -> None:
    rows = ledger(30, 9)
    columns = ["kind", *generate.CSV_COLUMNS, "level", "year"]
    for i in range(len(rows)):
        if i % 3 == 0:
            rows[i] = {"kind": "区域" if i % 2 else "region", "id": f"R-{i}", "name": f"区{i}", "level": "district"}
            rows[i]["year"] = "2024"
    path = tmp_path / "ledger.tsv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    assert all(n > 0 for n in assert_same(path, policies=["luzhou_longmatan", "nanchang", "national"]))


def test_the_cli_on_a_ledger_bigger_than_the_head(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real head and lookahead: 2,600 rows, a repeated id and a bad cell in the body; the CLI's bytes, exit
    code and stderr (but the engine's own line) are the row engine's."""
    rows = ledger(2600, 21)
    rows[2400]["id"] = rows[2300]["id"]
    rows[2500]["monthly_fee"] = "1,200"
    rows[2550]["name"] = "=1+1"
    path = tmp_path / "ledger.csv"
    write_ledger(path, rows, generate.CSV_COLUMNS)
    said = {}
    for engine in ("row", "columnar"):
        out = tmp_path / f"{engine}.csv"
        args = ["check", "--policy", "luzhou_longmatan", "--as-of", "2024-06-30", "--format", "csv"]
        code = cli.main([*args, "--engine", engine, "-o", str(out), str(path)])
        err = [line for line in capsys.readouterr().err.splitlines() if "列式引擎" not in line]
        said[engine] = (code, out.read_bytes(), err)
    assert said["row"] == said["columnar"]
    assert said["row"][1].count(b"\r\n") == 2600 + 2


CELL = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n,\"' .0123456789abc园区\u3000")), max_size=8)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(CELL, min_size=1, max_size=20))
def test_ids_and_names_are_escaped_and_quoted_as_the_writer_does(cells: list[str]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    expected = []
    for cell in cells:
        out.seek(0)
        out.truncate()
        writer.writerow([csv_writer._spreadsheet_text(cell), "x"])
        expected.append(out.getvalue()[: -len(",x\r\n")])
    got = pl.DataFrame({"c": cells}).select(native._csv_cell(pl.col("c")).alias("c"))["c"].to_list()
    assert got == expected


NUMBERISH = st.text(alphabet=st.sampled_from(list("0123456789.+- e１")), max_size=16)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(NUMBERISH | st.sampled_from(["1.", ".5", ".", "", "1000000000.0001", "9999999999"]), max_size=30))
def test_counts_and_measures_are_typed_as_frame_types_them(cells: list[str]) -> None:
    df = pl.DataFrame({"c": cells}, schema={"c": pl.Utf8})
    for spec in ("int", "num"):
        ref = df.select(*(e.alias(f"e{i}") for i, e in enumerate(typed(pl.col("c"), spec))))
        mine = df.select(*(e.alias(f"e{i}") for i, e in enumerate(native._typed(pl.col("c"), spec))))
        assert mine.equals(ref), spec


def test_the_white_space_the_frame_knows_is_every_white_space() -> None:
    from tuoyu_rules.columnar.frame import _SPACE

    assert {chr(c) for c in range(0x110000) if chr(c).isspace()} == set(_SPACE.replace("\\", ""))


@pytest.mark.parametrize("edge", ["\0", "\u200b", "\ufeff", "\xad", "\x7f", "\u3000"])
def test_text_with_a_control_or_format_character_at_an_end_goes_row_wise(
    tmp_path: Path, small: None, edge: str
) -> None:
    """The converters strip white space, control and format characters from both ends of a text (clean_text): such a
    cell is not plain, in the ordinary path (frame.typed) and the native one alike."""
    rows = ledger(20, 2)
    rows[3]["id"] = edge + rows[3]["id"]
    rows[15]["name"] = rows[15]["name"] + edge
    path = tmp_path / "ledger.csv"
    write_ledger(path, rows, generate.CSV_COLUMNS)
    assert_same(path, policies=["luzhou_longmatan"])
