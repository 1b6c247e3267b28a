"""The streamed XLSX sheet reader (records/readers/sheetxml.py) gives exactly the rows the calamine path gives: row by
row the same Python values (numbers, whole floats as ints, dates of the 1900 and 1904 systems, times, durations,
booleans, shared and inline strings with their runs, whitespace and escapes), on workbooks saved by Excel and
LibreOffice (tests/data/ledgers/excel, office) and on generated ones, by both of its parsers (the regular expression
of a plain sheet and expat); its shared strings are held compactly; a big sheet is read by it, in bounded memory."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuoyu_rules.records.readers import book as book_module
from tuoyu_rules.records.readers import sheetxml
from tuoyu_rules.records.readers.base import LedgerInput

DATA = Path(__file__).parent / "data" / "ledgers"
WORKBOOKS = sorted([*(DATA / "excel").glob("*.xlsx"), *(DATA / "office").glob("*.xlsx"), *DATA.glob("*.xlsx")])

Rows = list[tuple[str, int, list[Any], list[tuple[int, str]]]]


class _Workbook(bytes):
    """A generated workbook's bytes, shown by its sheet XML when hypothesis reports a failing example."""

    def __repr__(self) -> str:
        with zipfile.ZipFile(io.BytesIO(self)) as archive:
            parts = [n for n in archive.namelist() if n.startswith("xl/") and not n.startswith("xl/theme")]
            return "\n".join(f"{n}: {archive.read(n)[-1500:]!r}" for n in parts)


@contextmanager
def _path(how: str) -> Iterator[None]:
    """Read XLSX sheets by ``calamine`` (as before: every sheet up to the old grid bound), or by sheetxml's
    ``regex`` or ``expat`` parser (every sheet calamine would have been given)."""
    with pytest.MonkeyPatch.context() as patch:
        if how == "calamine":
            patch.setattr(book_module, "MAX_CALAMINE_GRID", 10**12)
        else:
            original = book_module._xlsx_scan

            def scan(data: Any, part: str | None) -> book_module._SheetLayout:
                layout = original(data, part)
                layout.grid, layout.plain = max(layout.grid, 1), layout.plain and how == "regex"
                return layout

            patch.setattr(book_module, "MAX_CALAMINE_GRID", 0)
            patch.setattr(book_module, "_xlsx_scan", scan)
        yield


def _rows(data: bytes, how: str) -> tuple[Rows, int]:
    """Every sheet's rows (sheet, line, values, bad cells) and how many sheets the path read itself."""
    with _path(how):
        book = book_module.open_book(LedgerInput(None, io.BytesIO(data), "t.xlsx", "xlsx"))
        try:
            rows = [
                (name, line, values, [(b.column, b.reason) for b in bad])
                for name in book.sheetnames
                for line, values, bad in book.rows(name)
            ]
            own = sum(1 for name in book.sheetnames if not book._xlsx_layout(name).stream)
        finally:
            book.close()
    return rows, own


def _same(data: bytes) -> int:
    """Assert the three paths give the same rows; the number of sheets sheetxml read."""
    expected, _ = _rows(data, "calamine")
    regex, own = _rows(data, "regex")
    expat, _ = _rows(data, "expat")
    assert regex == expected
    assert expat == expected
    return own


def test_the_office_made_workbooks_give_the_rows_calamine_gives() -> None:
    read = {path.name: _same(path.read_bytes()) for path in WORKBOOKS}
    excel = [p for p in WORKBOOKS if b"Microsoft" in _app(p)]
    assert len(excel) >= 30 and sum(read[p.name] for p in excel) >= 30  # Excel-made sheets read by sheetxml itself
    assert read["台账_办公_libreoffice.xlsx"] == 4 and read["第三行起.xlsx"] == 1


def _app(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("docProps/app.xml") if "docProps/app.xml" in archive.namelist() else b""


def test_a_sheet_that_starts_below_row_1_is_numbered_by_its_sheet_rows_in_every_format() -> None:
    for suffix in ("xlsx", "xls", "ods"):  # saved by openpyxl and LibreOffice: x in C3, 1 in D4
        book = book_module.open_book(LedgerInput(DATA / "office" / f"第三行起.{suffix}", None, "t", suffix))
        try:
            rows = [(line, values) for name in book.sheetnames for line, values, _ in book.rows(name)]
        finally:
            book.close()
        assert rows == [(3, [None, None, "x"]), (4, [None, None, None, 1])], suffix


# -- generated workbooks (openpyxl) ---------------------------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from(" \n\t_x"), max_size=8)
_VALUES = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: abs(f) < 1e300),
    st.floats(-1e6, 1e6).map(lambda f: float(round(f))),
    _TEXT,
    st.sampled_from(["_x000D_", "a_x0041_b", " 前后 ", "x\r\ny", "&amp;", "<tag>", "机构", "", "  "]),
    st.dates(datetime.date(1900, 3, 1), datetime.date(9999, 12, 31)),
    st.datetimes(datetime.datetime(1900, 3, 1), datetime.datetime(9999, 12, 30)),
    st.times(),
    st.booleans(),
)
_FORMATS = st.sampled_from(
    ["General", "0.00", "yyyy-mm-dd", "yyyy/m/d h:mm", "h:mm:ss", "[h]:mm:ss", "mm:ss", '"Y"0', "0%", "d-mmm", "@"]
)


@st.composite
def _workbooks(draw: st.DrawFn) -> bytes:
    book = openpyxl.Workbook()
    if draw(st.booleans()):
        book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    top = draw(st.integers(1, 3))
    if draw(st.booleans()):  # a merged title row
        sheet.cell(top, 1, "2025 年托育机构台账")
        sheet.merge_cells(start_row=top, start_column=1, end_row=top, end_column=4)
        top += 1
    for r, row in enumerate(draw(st.lists(st.lists(_VALUES, max_size=6), min_size=1, max_size=8)), top):
        for c, value in enumerate(row, 1):
            if value is not None:
                cell = sheet.cell(r, c if c < 5 else draw(st.sampled_from([c, 30, 60])))
                cell.value = value
                big = isinstance(value, (int, float)) and abs(value) > 3e6  # calamine fails on a date past its range
                cell.number_format = "General" if big or isinstance(value, (str, bool)) else draw(_FORMATS)
    if draw(st.booleans()):
        sheet.column_dimensions["B"].hidden = True
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    return _Workbook(_to_shared(data) if draw(st.booleans()) else data)


def _to_shared(data: bytes) -> bytes:
    """The workbook with its inline strings moved into a shared-strings part (as Excel and LibreOffice write)."""
    strings: list[bytes] = []

    def shared(m: re.Match[bytes]) -> bytes:
        strings.append(m.group(3))
        return m.group(1) + m.group(2) + b' t="s"><v>' + str(len(strings) - 1).encode() + b"</v></c>"

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                body = re.sub(
                    rb'(<c r="[A-Z]+[0-9]+")((?: s="[0-9]+")?) t="inlineStr"><is>(.*?)</is></c>', shared, body
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                rel = b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                body = body.replace(
                    b"</Relationships>",
                    rel + b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            elif info.filename == "[Content_Types].xml":
                kind = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
                body = body.replace(
                    b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + kind + b'"/></Types>'
                )
            dst.writestr(info.filename, body)
        items = b"".join(b"<si>" + s + b"</si>" for s in strings)
        dst.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + items + b"</sst>",
        )
    return out.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_workbooks())
def test_generated_workbooks_give_the_rows_calamine_gives(data: bytes) -> None:
    _same(data)


# -- generated sheet XML: what openpyxl never writes ----------------------------------------------------------------

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def make_xlsx(sheet: str, strings: list[str], formats: dict[int, str], styles: list[int], date1904: bool) -> bytes:
    """A workbook of one sheet from its parts' XML: ``sheet`` is the ``sheetData`` content; ``strings`` the ``<si>``
    contents; ``styles`` the numFmtId of each cell style, ``formats`` the custom ones."""
    numfmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attr(code)}"/>' for i, code in formats.items())
    xfs = "".join(f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0"/>' for i in styles)
    system = ' date1904="1"' if date1904 else ""
    parts = {
        "[Content_Types].xml": _CT,
        "_rels/.rels": f'<Relationships xmlns="{_R[:-13]}package/2006/relationships"><Relationship Id="r1" '
        f'Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_R}"><workbookPr'
        f'{system}/><sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_R[:-13]}package/2006/relationships">'
        f'<Relationship Id="r1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="r2" Type="{_R}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="r3" Type="{_R}/styles" Target="styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}">' + "".join(f"<si>{s}</si>" for s in strings) + "</sst>",
        "xl/styles.xml": f'<styleSheet xmlns="{_MAIN}"><numFmts>{numfmts}</numFmts><fonts><font/></fonts><fills><fill/>'
        f"</fills><borders><border/></borders><cellStyleXfs><xf/></cellStyleXfs><cellXfs>{xfs}</cellXfs></styleSheet>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet '
        f'xmlns="{_MAIN}"><sheetData>{sheet}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode())
    return out.getvalue()


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_RAW_TEXT = st.lists(
    st.sampled_from(
        [
            "a",
            " ",
            "  ",
            "\n",
            "\t",
            "\r\n",
            "机构",
            "&amp;",
            "&#24180;",
            "&#x4e2d;",
            "&lt;",
            "_x000D_",
            "_x0041_",
            "_x00",
        ]
    ),
    max_size=5,
).map("".join)
_T = st.builds(
    lambda text, preserve: f'<t xml:space="preserve">{text}</t>' if preserve else f"<t>{text}</t>",
    _RAW_TEXT,
    st.booleans(),
)
_RICH = st.one_of(
    _T,
    st.lists(
        st.builds(lambda t, bold: f"<r>{'<rPr><b/></rPr>' if bold else ''}{t}</r>", _T, st.booleans()),
        min_size=1,
        max_size=3,
    ).map("".join),
    st.builds(lambda t, ph: f'{t}<rPh sb="0" eb="1">{ph}</rPh><phoneticPr fontId="1"/>', _T, _T),
)
_NUMBER = st.one_of(
    st.floats(-1e5, 3e6, allow_nan=False),
    st.sampled_from([0, 0.5, 1, 59, 60, 60.5, 61, -1, -0.5, 0.99999999999, 45000.999999999, 2958465, 2958466]),
    st.integers(-(10**6), 10**7),
).map(lambda v: repr(float(v)) if isinstance(v, float) else str(v))
_CODE = st.one_of(
    st.sampled_from(
        [
            "yyyy-mm-dd",
            "[h]:mm",
            "[ss].0",
            "0.00",
            '"年"0',
            "\\d0",
            "_d0",
            "mm:ss",
            "[$-804]yyyy年m月d日",
            "0;[Red]d",
            "[Red]0",
        ]
    ),
    st.text(st.sampled_from('dmyhsAP/[]"_\\;0#.: '), min_size=1, max_size=8),
)


@st.composite
def _sheets(draw: st.DrawFn) -> bytes:
    strings = draw(st.lists(_RICH, max_size=6))
    formats = {164 + i: code for i, code in enumerate(draw(st.lists(_CODE, max_size=4)))}
    styles = [0, *draw(st.lists(st.sampled_from([0, 1, 14, 20, 22, 45, 46, 47, 49, *formats]), max_size=6))]
    rows, line = [], 0
    for cells in draw(st.lists(st.lists(st.integers(0, 9), min_size=1, max_size=6), min_size=1, max_size=8)):
        line += draw(st.integers(1, 3))
        out, col = [], 0
        for choice in cells:
            col += draw(st.integers(1, 3))
            out.append(_cell(draw, f"{openpyxl.utils.get_column_letter(col)}{line}", choice, len(strings), len(styles)))
        rows.append(f'<row r="{line}">{"".join(out)}</row>')
    return _Workbook(make_xlsx("".join(rows), strings, formats, styles, draw(st.booleans())))


def _cell(draw: st.DrawFn, ref: str, choice: int, strings: int, styles: int) -> str:
    style = draw(st.integers(0, styles))  # one past the last: a style that does not exist
    head = f'<c r="{ref}"' + (f' s="{style}"' if style else "")
    if choice <= 2:
        return f"{head}><v>{draw(_NUMBER)}</v></c>"
    if choice == 3 and strings:
        return f'{head} t="s"><v>{draw(st.integers(0, strings - 1))}</v></c>'
    if choice == 4:
        return f'{head} t="inlineStr"><is>{draw(_RICH)}</is></c>'
    if choice == 5:
        return f'{head} t="b"><v>{draw(st.sampled_from("01"))}</v></c>'
    if choice == 6:
        return f"{head}><f>SUM(A1:A2)</f><v>{draw(_NUMBER)}</v></c>"
    if choice == 7:
        return f'{head} t="str"><f>A1</f><v>{draw(st.integers(0, 99))}</v></c>'
    if choice == 8:
        return f"{head}/>" if draw(st.booleans()) else f"{head}><v></v></c>"
    return f'{head} t="n"><v>{draw(_NUMBER)}</v></c>'


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sheets())
def test_generated_sheet_xml_gives_the_rows_calamine_gives(data: bytes) -> None:
    _same(data)


# -- number formats, shared strings, bounds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("DD/MM/YY", 1),
        ("H:MM:SS;@", 1),
        ("#,##0\\ [$\\u20bd-46D]", 0),
        ('m"M"d"D";@', 1),
        ("[h]:mm:ss", 2),
        ('"Y: "0.00"m";"Y: "-0.00"m";"Y: <num>m";@', 0),
        ('"$"#,##0_);[Red]("$"#,##0)', 0),
        ("0_ ;[Red]\\-0\\ ", 0),
        ("\\Y000000", 0),
        ('#,##0.0####" YMD"', 0),
        ("[h]", 2),
        ("[s].000", 2),
        ("[>=100][Magenta].00", 0),
        ("[>=100][Magenta]General", 0),
        ("ha/p\\\\m", 1),
        ("General", 0),
        ("@", 0),
    ],
)
def test_a_number_format_reads_as_a_date_a_duration_or_neither_as_calamine_reads_it(code: str, kind: int) -> None:
    assert sheetxml.format_kind(code) == kind


def test_shared_strings_are_held_as_one_buffer_and_a_missing_index_is_named() -> None:
    strings = sheetxml.SharedStrings()
    for i in range(100_000):
        strings.append(f"托育机构{i}")
    assert len(strings) == 100_000 and strings[0] == "托育机构0" and strings[99_999] == "托育机构99999"
    assert strings.nbytes < 2_200_000  # ~17 bytes of text and 4 of offset a string, not ~90 as Python strs
    with pytest.raises(IndexError, match="shared string 100000 does not exist"):
        strings[100_000]
    with pytest.raises(IndexError):
        strings[-1]


def test_a_big_sheet_is_read_by_sheetxml_not_calamine_and_a_bad_index_names_its_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>{r % 3}</v></c><c r="B{r}"><v>{r}.5</v></c></row>' for r in range(1, 40_001)
    )
    rows += '<row r="40001"><c r="A40001" t="s"><v>7</v></c><c r="B40001"><v>1</v></c></row>'
    data = make_xlsx(rows, ["<t>a</t>", "<t>b</t>", "<t>c</t>"], {}, [0], False)  # 40,001 x 26 > MAX_CALAMINE_GRID

    def no_calamine(self: object, name: str) -> None:
        raise AssertionError("calamine read a sheet past MAX_CALAMINE_GRID")

    monkeypatch.setattr(book_module.Book, "_sheet", no_calamine)
    book = book_module.open_book(LedgerInput(None, io.BytesIO(data), "big.xlsx", "xlsx"))
    try:
        got = list(book.rows("S"))
    finally:
        book.close()
    assert len(got) == 40_001 and got[0] == (1, ["b", 1.5], []) and got[2][1] == ["a", 3.5]
    line, values, bad = got[-1]
    assert (line, values) == (40_001, [None, 1]) and [(b.column, b.reason) for b in bad] == [
        (1, "IndexError: shared string 7 does not exist (the workbook has 3)")
    ]


@pytest.mark.parametrize(
    "name", ["台账_分析员.xlsx", "台账_标题行.xlsx", "office/台账_办公.xlsx", "office/台账_办公_libreoffice.xlsx"]
)
def test_check_gives_the_same_bytes_whichever_path_reads_the_sheets(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``check --format csv`` with each engine (and jsonl with the row engine): the same output bytes and messages
    when every sheet is
    read by calamine as when every sheet is read by sheetxml (merged districts, hidden helper columns, title
    rows, class and staff sheets joined, error rows)."""
    pytest.importorskip("polars", reason="the columnar engine needs the columnar extra (polars)")
    from tuoyu_rules import cli

    outputs = set()
    for how in ("calamine", "regex", "expat"):
        for engine, fmt in (("row", "csv"), ("row", "jsonl"), ("columnar", "csv")):
            target = tmp_path / f"{how}-{engine}.{fmt}"
            with _path(how):
                args = ["check", "--policy", "luzhou_longmatan", "--as-of", "2025-06-30", "--format", fmt]
                code = cli.main([*args, "--engine", engine, "-o", str(target), str(DATA / name)])
            err = [line for line in capsys.readouterr().err.splitlines() if "列式" not in line]
            outputs.add((engine, fmt, code, target.read_bytes(), tuple(err)))
    assert len(outputs) == 3  # one per engine and format: the reader's path changes nothing
