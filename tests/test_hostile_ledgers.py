"""Hostile ledgers of every format (tests/hostile/ledgers): every row gets a report or a located error row, fast, in
bounded memory, nothing lost; and hypothesis hunts each class of fault (separators, huge numbers, duplicate keys,
encodings, broken CSV structure, bad values in documents, broken workbooks), not only the one example."""

from __future__ import annotations

import codecs
import datetime
import importlib.util
import io
import json
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tuoyu_rules
from tuoyu_rules.errors import RecordError
from tuoyu_rules.records import normalize_record, read_rows

LEDGERS = Path(__file__).resolve().parent / "hostile" / "ledgers"
CASES = json.loads((LEDGERS / "expected.json").read_text(encoding="utf-8"))
AS_OF = datetime.date(2024, 6, 30)
_spec = importlib.util.spec_from_file_location("make_cases", LEDGERS / "make_cases.py")
make_cases = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(make_cases)  # type: ignore[union-attr]


def _expected_rows(expected: Any) -> list[str]:
    if isinstance(expected, dict):  # {"rows": n, "errors": {row: code}} for long files
        return [expected["errors"].get(str(i), "ok") for i in range(1, expected["rows"] + 1)]
    return list(expected)


def _policy() -> tuoyu_rules.Policy:
    return tuoyu_rules.load_policy("luzhou_longmatan")


@pytest.mark.parametrize("name", sorted(n for n, e in CASES.items() if not isinstance(e, str)))
def test_each_row_of_a_hostile_ledger_is_a_report_or_a_located_error_row(name: str) -> None:
    policy = _policy()
    start = time.perf_counter()
    out = [r.to_dict() for r in policy.evaluate_many(read_rows(LEDGERS / name), as_of=AS_OF)]
    assert time.perf_counter() - start < 10.0
    tracemalloc.start()
    for _ in read_rows(LEDGERS / name):  # reading streams: memory stays bounded whatever the file holds
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, peak
    expected = _expected_rows(CASES[name])
    assert len(out) == len(expected)
    for i, (report, code) in enumerate(zip(out, expected, strict=True), start=1):
        if code == "ok":
            assert report["status"] != "error", report
        elif code.startswith("warning:"):  # a refused value in a field the policy never reads: checked, warned
            assert report["status"] != "error", report
            assert code.removeprefix("warning:") in [w["code"] for w in report["warnings"]], report
        else:
            assert report["status"] == "error" and report["row"] == i, report
            assert code in [e["code"] for e in report["errors"]], report
            assert report["source"].endswith(name), report


@pytest.mark.parametrize("name", sorted(n for n, e in CASES.items() if isinstance(e, str)))
def test_a_ledger_refused_as_a_whole_is_one_record_error_naming_the_file(name: str) -> None:
    start = time.perf_counter()
    tracemalloc.start()
    with pytest.raises(RecordError) as info:
        list(read_rows(LEDGERS / name))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    problem = info.value.problems[0]
    assert problem.code == CASES[name] and problem.location.file and problem.location.file.endswith(name)
    assert time.perf_counter() - start < 2.0 and peak < 100 * 1024 * 1024


def test_an_undecodable_file_names_the_byte_offset_and_line() -> None:
    with pytest.raises(RecordError) as info:
        list(read_rows(LEDGERS / "binary.csv"))
    problem = info.value.problems[0]
    assert problem.location.line is not None and "byte" in problem.message_en and "line" in problem.message_en


@pytest.mark.parametrize(
    "name", ["gb18030_cut_sample.csv", "gb18030_after_64k.csv", "utf8_one_gb18030_cell.csv", "excel_unicode_text.txt"]
)
def test_no_name_is_garbled_whatever_the_encoding(name: str) -> None:
    names = {r.data["name"] for r in read_rows(LEDGERS / name) if r.data is not None}
    chinese = {n for n in names if not n.isascii()}
    assert chinese and chinese <= {*make_cases.NAMES, "P", "PP", "PPP"}, chinese - set(make_cases.NAMES)


def test_the_row_of_a_cell_in_another_encoding_says_so_and_the_others_are_read() -> None:
    rows = list(read_rows(LEDGERS / "utf8_one_gb18030_cell.csv"))
    bad = [r for r in rows if r.problems]
    assert [r.row for r in bad] == [11] and bad[0].problems[0].code == "record.undecodable"
    assert "\\x" in bad[0].problems[0].message_en  # the bytes are shown, never decoded into something else


def test_yaml_base_60_is_text_and_takes_no_quadratic_time(tmp_path: Path) -> None:
    path = tmp_path / "l.yaml"
    path.write_text("- id: T1\n  notes: " + "1:" * 200_000 + "0\n- id: T2\n  lease_years: 1:30\n", encoding="utf-8")
    start = time.perf_counter()
    rows = list(read_rows(path))
    assert time.perf_counter() - start < 1.0
    assert rows[0].data["notes"].startswith("1:1:") and rows[1].data["lease_years"] == "1:30"
    with pytest.raises(RecordError) as info:
        normalize_record(rows[1].data)
    assert info.value.problems[0].code == "record.not-a-number"


# ---- hypothesis: each class hunted ---------------------------------------------------------------------------------
_number_text = st.text(alphabet="0123456789,. ", min_size=1, max_size=12)


def _grouping_is_real(text: str) -> bool:
    """Every comma has exactly three digits after it before the next comma or the point, and none after the point."""
    whole, _, fraction = text.partition(".")
    groups = whole.split(",")
    return "," not in fraction and all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(_number_text, st.sampled_from(["indoor_area_m2", "lease_years", "monthly_fee"]))
def test_a_number_is_read_only_when_its_separators_are_in_their_places(text: str, field: str) -> None:
    try:
        value = normalize_record({"id": "N", field: text}, text=True).get(field)
    except RecordError as exc:
        assert {p.code for p in exc.problems} <= {"record.bad-separator", "record.not-a-number", "record.too-large"}
        return
    if value is None:  # blank
        assert not text.strip()
        return
    core = text.strip()
    assert " " not in core and ("," not in core or _grouping_is_real(core))
    assert value == Decimal(core.replace(",", ""))


@settings(max_examples=30)
@given(
    st.sampled_from(["csv", "jsonl", "json", "yaml"]),
    st.one_of(
        st.integers(101, 20_000).map(lambda n: "9" * n),
        st.integers(21, 10**9).map(lambda e: f"1e{e}"),
        st.integers(21, 10**9).map(lambda e: f"2.5E+{e}"),
    ),
    st.sampled_from(["total_slots", "indoor_area_m2", "notes", "id"]),
)
def test_huge_numbers_are_bounded_before_conversion_in_every_format(
    tmp_path_factory: pytest.TempPathFactory, fmt: str, number: str, field: str
) -> None:
    path = tmp_path_factory.mktemp("n") / f"l.{fmt}"
    records = [{"id": "OK1", "total_slots": 3}, {"id": "BIG", field: number}, {"id": "OK2", "total_slots": 4}]
    _write(path, fmt, records, raw_numbers=True)
    start = time.perf_counter()
    out = [r.to_dict() for r in _policy().evaluate_many(read_rows(path), as_of=AS_OF)]
    assert time.perf_counter() - start < 2.0
    assert out[0]["status"] != "error" and out[2]["status"] != "error"
    if field in ("total_slots", "indoor_area_m2"):
        assert out[1]["status"] == "error"
    if out[1]["status"] == "error":  # a text id or note of digits is fine; a number too long never is
        codes = {e["code"] for e in out[1]["errors"]}
        assert codes & {"record.too-large", "record.number-too-long"}, out[1]
    json.dumps(out, ensure_ascii=False)  # every report prints


def _write(path: Path, fmt: str, records: list[dict[str, Any]], raw_numbers: bool = False) -> None:
    """Records in a format; with ``raw_numbers`` a text that is a number is written as a number literal."""

    def literal(value: Any) -> str:
        if (
            raw_numbers
            and isinstance(value, str)
            and value[:1].isdigit()
            and value.replace("e", "").replace("E", "").replace("+", "").replace(".", "").isdigit()
        ):
            return value
        return json.dumps(value, ensure_ascii=False)

    if fmt == "csv":
        keys = list(dict.fromkeys(k for r in records for k in r))
        lines = [",".join(keys)] + [",".join(str(r.get(k, "")) for k in keys) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt in ("jsonl", "json"):
        objects = ["{" + ", ".join(f"{json.dumps(k)}: {literal(v)}" for k, v in r.items()) + "}" for r in records]
        path.write_text("\n".join(objects) + "\n" if fmt == "jsonl" else "[\n" + ",\n".join(objects) + "\n]\n")
    else:
        items = ["- " + "\n  ".join(f"{k}: {literal(v)}" for k, v in r.items()) for r in records]
        path.write_text("\n".join(items) + "\n", encoding="utf-8")


_key = st.sampled_from(["id", "total_slots", "indoor_area_m2", "name", "notes"])


@settings(max_examples=40)
@given(
    st.sampled_from(["jsonl", "json", "yaml"]),
    st.lists(st.lists(st.tuples(_key, st.integers(1, 9)), min_size=1, max_size=6), min_size=1, max_size=6),
)
def test_a_repeated_key_makes_its_record_an_error_naming_it_and_the_others_are_read(
    tmp_path_factory: pytest.TempPathFactory, fmt: str, records: list[list[tuple[str, int]]]
) -> None:
    path = tmp_path_factory.mktemp("k") / f"l.{fmt}"
    pairs = [[("id", f"R{i}"), *[(k, v) for k, v in r if k != "id"]] for i, r in enumerate(records)]
    if fmt == "yaml":
        text = "\n".join("- " + "\n  ".join(f"{k}: {v}" for k, v in r) for r in pairs) + "\n"
    else:
        objects = ["{" + ", ".join(f'"{k}": {json.dumps(v)}' for k, v in r) + "}" for r in pairs]
        text = "\n".join(objects) + "\n" if fmt == "jsonl" else "[" + ",\n".join(objects) + "]\n"
    path.write_text(text, encoding="utf-8")
    rows = list(read_rows(path))
    assert len(rows) == len(pairs)
    for row, record in zip(rows, pairs, strict=True):
        keys = [k for k, _ in record]
        repeated = {k for k in keys if keys.count(k) > 1}
        if repeated:
            assert row.data is None and {p.code for p in row.problems} == {"record.duplicate-key"}
            assert {p.location.field.rsplit(".", 1)[-1] for p in row.problems} == repeated  # type: ignore[union-attr]
        else:
            assert row.data == dict(record) and not row.problems


@settings(max_examples=40)
@given(
    st.lists(st.sampled_from(["id", "托位数", "total_slots", "机构名称", "name"]), min_size=1, max_size=6), st.data()
)
def test_two_columns_naming_one_field_are_an_error_only_when_they_disagree(
    tmp_path_factory: pytest.TempPathFactory, headers: list[str], data: st.DataObject
) -> None:
    headers = ["id", *headers] if "id" not in headers else headers
    rows = data.draw(
        st.lists(st.lists(st.sampled_from(["", "3", "4"]), min_size=len(headers), max_size=len(headers)), max_size=5)
    )
    path = tmp_path_factory.mktemp("h") / "l.csv"
    path.write_text(",".join(headers) + "\n" + "".join("X," + ",".join(r[1:]) + "\n" for r in rows), encoding="utf-8")
    fields = [{"托位数": "total_slots", "机构名称": "name"}.get(h, h) for h in headers]
    out = list(read_rows(path))
    read = [r for r in rows if any(c for c in ["X", *r[1:]])]
    assert len(out) == len(read)
    for row, cells in zip(out, read, strict=True):
        cells = ["X", *cells[1:]]
        clash = {f for f in fields if len({c for c, g in zip(cells, fields, strict=True) if g == f and c}) > 1}
        if clash:
            assert row.data is None and {p.location.field for p in row.problems} == clash
        else:
            assert row.data is not None and not row.problems


_cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=8)


@settings(max_examples=25)
@given(
    st.lists(_cjk, min_size=1, max_size=30),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
    st.integers(0, 70_000),
    st.booleans(),
)
def test_any_encoding_at_any_offset_gives_every_name_exactly(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], encoding: str, pad: int, stdin: bool
) -> None:
    text = "id,name,notes\n" + f"P,pad,{'x' * pad}\n" + "".join(f"C{i},{n},\n" for i, n in enumerate(names))
    raw = text.encode(encoding)
    assume(encoding != "gb18030" or not _valid_utf8(raw))  # GB18030 that is also valid UTF-8 reads as UTF-8
    try:
        if stdin:
            rows = list(read_rows("-", stdin=io.BufferedReader(_Unseekable(raw)), fmt="csv"))  # type: ignore[arg-type]
        else:
            path = tmp_path_factory.mktemp("e") / "l.csv"
            path.write_bytes(raw)
            rows = list(read_rows(path))
    except RecordError as exc:  # only a short GB18030 file whose few bytes also read as UTF-8 may be refused
        assert encoding == "gb18030" and "--encoding" in exc.problems[0].message_en
        from tuoyu_rules.records.readers.text import _WIDE

        assert len(_WIDE.findall(raw.decode("utf-8", "tuoyu-undecodable"))) < 50
        return
    assert [r.data["name"] for r in rows[1:]] == names and not any(r.problems for r in rows)  # type: ignore[index]


def _valid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(len(buffer), 4096))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@settings(max_examples=25)
@given(st.lists(_cjk, min_size=1, max_size=20), st.data(), st.booleans())
def test_a_cell_in_another_encoding_is_an_error_row_or_a_refusal_never_a_garbled_name(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], data: st.DataObject, stdin: bool
) -> None:
    bad = data.draw(st.integers(0, len(names) - 1))
    # bytes that are valid in both encodings cannot be told apart (GB18030 D2 BB for 一 is UTF-8 for U+04BB): the
    # case at hand is a cell that is not UTF-8, which is what a GB18030 cell almost always is
    assume(not _valid_utf8(names[bad].encode("gb18030")))
    cells = [f"C{i},".encode() + n.encode("gb18030" if i == bad else "utf-8") + b",1\n" for i, n in enumerate(names)]
    raw = b"id,name,total_slots\n" + b"".join(cells)
    try:
        if stdin:
            rows = list(read_rows("-", stdin=io.BufferedReader(_Unseekable(raw)), fmt="csv"))  # type: ignore[arg-type]
        else:
            path = tmp_path_factory.mktemp("m") / "l.csv"
            path.write_bytes(raw)
            rows = list(read_rows(path))
    except RecordError as exc:
        assert exc.problems[0].code == "record.undecodable" and exc.problems[0].location.line
        return
    assert len(rows) == len(names)
    for row, name in zip(rows, names, strict=True):
        if row.data is not None:
            assert row.data["name"] == name  # read right, or not read at all
        else:
            assert row.problems[0].code == "record.undecodable"


@settings(max_examples=30)
@given(
    st.integers(2, 12),
    st.data(),
    st.sampled_from(["quote", "long", "quote-at-end"]),
)
def test_a_broken_csv_row_is_one_error_row_and_every_other_row_is_read(
    tmp_path_factory: pytest.TempPathFactory, n: int, data: st.DataObject, fault: str
) -> None:
    broken = data.draw(st.integers(0, n - 1)) if fault != "quote-at-end" else n - 1
    lines = []
    for i in range(n):
        name = "ok"
        if i == broken:
            name = '"never closed' if fault != "long" else "y" * 140_000
        lines.append(f"R{i},{name},{i + 1}\n")
    path = tmp_path_factory.mktemp("c") / "l.csv"
    path.write_text("id,name,total_slots\n" + "".join(lines), encoding="utf-8")
    rows = list(read_rows(path))
    assert [r.data["id"] for r in rows if r.data] == [f"R{i}" for i in range(n) if i != broken]
    errors = [r for r in rows if r.data is None]
    assert len(errors) == 1 and errors[0].row == broken + 1
    assert errors[0].problems[0].code == ("record.row-too-long" if fault == "long" else "record.unterminated-quote")


_bad_values = st.sampled_from(
    [
        ("yaml", "opened: 2023-02-30", "record.bad-value"),
        ("yaml", "opened: !!binary aGVsbG8=", "record.unsafe-tag"),
        ("yaml", "x: !custom 1", "record.unsafe-tag"),
        ("yaml", "total_slots: 3\n  total_slots: 4", "record.duplicate-key"),
        ("json", '"total_slots": 3, "total_slots": 4', "record.duplicate-key"),
        ("json", '"notes": ' + "7" * 5000, "record.number-too-long"),
    ]
)


@settings(max_examples=40)
@given(st.lists(st.one_of(st.none(), _bad_values), min_size=1, max_size=8), st.sampled_from(["json", "yaml"]))
def test_each_record_of_a_document_is_its_own_row_whatever_is_wrong_with_another(
    tmp_path_factory: pytest.TempPathFactory, faults: list[Any], fmt: str
) -> None:
    faults = [
        f if f is None or f[0] == fmt or (fmt == "yaml" and f[2] == "record.number-too-long") else None for f in faults
    ]
    parts = []
    for i, fault in enumerate(faults):
        extra = (fault[1].replace('"notes": ', "notes: ") if fmt == "yaml" else fault[1]) if fault else ""
        if fmt == "yaml":
            parts.append(f"- id: D{i}\n" + (f"  {extra}\n" if extra else ""))
        else:
            parts.append(f'{{"id": "D{i}"' + (f", {extra}" if extra else "") + "}")
    text = "".join(parts) if fmt == "yaml" else "[" + ",\n".join(parts) + "]"
    path = tmp_path_factory.mktemp("d") / f"l.{fmt}"
    path.write_text(text, encoding="utf-8")
    rows = list(read_rows(path))
    assert len(rows) == len(faults)
    for i, (row, fault) in enumerate(zip(rows, faults, strict=True)):
        if fault is None:
            assert row.data == {"id": f"D{i}"}
        elif fault[2] == "record.number-too-long":  # read, and refused by the checker, which names the field
            with pytest.raises(RecordError) as info:
                normalize_record(row.data)  # type: ignore[arg-type]
            assert info.value.problems[0].code == fault[2]
        else:
            assert row.data is None and row.problems[0].code == fault[2]


_bad_cell = st.sampled_from(
    [
        ('<c r="{ref}" t="s"><v>999</v></c>', "record.bad-cell"),
        ('<c r="{ref}" t="s"><v>-2</v></c>', "record.bad-cell"),
        ('<c r="{ref}" t="s"><v>x</v></c>', "record.bad-cell"),
        ('<c r="{ref}"><v>1.2.3</v></c>', "record.bad-cell"),
        ('<c r="{ref}"><v>' + "9" * 5000 + "</v></c>", "record.bad-cell"),
        ('<c r="{ref}" t="b"><v>maybe</v></c>', "record.bad-cell"),
        ('<c r="XFD{row}"><v>1</v></c>', "record.sheet-too-large"),
    ]
)


@settings(max_examples=25)
@given(st.lists(st.one_of(st.none(), _bad_cell), min_size=1, max_size=8), st.sampled_from(["", "A1:XFD1048576"]))
def test_a_bad_workbook_cell_is_an_error_row_naming_it_and_the_other_rows_are_read(
    tmp_path_factory: pytest.TempPathFactory, faults: list[Any], dimension: str
) -> None:
    shared = ["id", "total_slots", *[f"W{i}" for i in range(len(faults))]]
    rows = [make_cases._row(1, make_cases._s("A1", 0), make_cases._s("B1", 1))]
    for i, fault in enumerate(faults):
        r = i + 2
        cell = fault[0].format(ref=f"B{r}", row=r) if fault else make_cases._n(f"B{r}", "3")
        rows.append(make_cases._row(r, make_cases._s(f"A{r}", i + 2), cell))
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    path = tmp_path_factory.mktemp("x") / "l.xlsx"
    path.write_bytes(make_cases._xlsx(declared + "<sheetData>" + "".join(rows) + "</sheetData>", shared))
    start = time.perf_counter()
    out = list(read_rows(path))
    assert time.perf_counter() - start < 2.0
    assert len(out) == len(faults)
    for i, (row, fault) in enumerate(zip(out, faults, strict=True)):
        if fault is None:
            assert row.data == {"id": f"W{i}", "total_slots": 3}
        else:
            assert row.data is None and row.problems[0].code == fault[1]
            assert row.problems[0].location.field and row.problems[0].location.field.endswith(str(i + 2))


def test_the_codec_error_handler_marks_only_undecodable_bytes() -> None:
    from tuoyu_rules.records.readers.text import UNDECODABLE

    text = "名称".encode("gb18030").decode("utf-8", "tuoyu-undecodable")
    assert UNDECODABLE.fullmatch(text[0]) and codecs.lookup_error("tuoyu-undecodable")
