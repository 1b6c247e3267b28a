"""Writes the generated hostile ledgers of this folder (encodings, long rows, workbooks); run it from anywhere:

    python tests/hostile/ledgers/make_cases.py

The expected codes of every case are in expected.json (one entry per row, or one code for a file that is refused
as a whole). The files are committed; this script says how each was made, and rewrites them identically.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = ["阳光托育中心", "小太阳托育园", "龙马潭区第一托育点", "蓝天宝贝托育", "红星街道社区托育"]


def _rows(n: int, start: int = 0) -> str:
    return "".join(f"G{i},{NAMES[i % len(NAMES)]},{10 + i % 50}\n" for i in range(start, start + n))


def _cut_inside_a_character(header: str, rows: str) -> bytes:
    for pad in range(8):
        text = header + f"P0,{'P' * pad},1\n" + rows
        position = 0
        for char in text:
            size = len(char.encode("gb18030"))
            if position < 65536 < position + size:
                return text.encode("gb18030")
            position += size
    raise AssertionError("no padding puts a character across byte 65,536")


def encodings() -> None:
    header = "id,name,total_slots\n"
    # GB18030 whose 65,536-byte mark falls inside a two-byte character (a sample of that size ends mid-character)
    (HERE / "gb18030_cut_sample.csv").write_bytes(_cut_inside_a_character(header, _rows(3000)))
    # a UTF-8 ledger with one cell pasted from a GB18030 system: that row alone is an error, no name is garbled
    (HERE / "utf8_one_gb18030_cell.csv").write_bytes(
        (header + _rows(10)).encode("utf-8") + "B1,乱码托育园,30\n".encode("gb18030") + _rows(5, 10).encode("utf-8")
    )
    # ASCII for more than 64 KB, then GB18030: read as GB18030 to the end, every row
    ascii_part = header + "".join(f"A{i},Sunshine {i},{i % 40 + 1}\n" for i in range(3500))
    (HERE / "gb18030_after_64k.csv").write_bytes(ascii_part.encode("ascii") + _rows(10).encode("gb18030"))
    # Excel's "Unicode text": UTF-16 LE with a BOM, tab-separated
    text = "机构编号\t机构名称\t托位数\r\n" + "".join(f"U{i}\t{NAMES[i]}\t{20 + i}\r\n" for i in range(5))
    (HERE / "excel_unicode_text.txt").write_bytes(text.encode("utf-16"))


def csv_structure() -> None:
    (HERE / "long_field.csv").write_text(
        "id,name,total_slots\nL1,ok,3\nL2," + "x" * 140_000 + ",4\nL3,ok,5\n", encoding="utf-8"
    )
    (HERE / "unterminated_quote.csv").write_text(
        'id,name,total_slots\nQ1,ok,3\nQ2,"never closed,4\nQ3,ok,5\nQ4,ok,6\n', encoding="utf-8"
    )


def _xlsx(sheet_xml: str, shared: list[str]) -> bytes:
    """A minimal workbook: one sheet ``Sheet1`` with the given XML and shared strings."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Sheet1" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(shared)}" uniqueCount="{len(shared)}">'
            + "".join(f"<si><t>{s}</t></si>" for s in shared)
            + "</sst>"
        ),
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}>{sheet_xml}</worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, text, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _row(r: int, *cells: str) -> str:
    return f'<row r="{r}">' + "".join(cells) + "</row>"


def _s(ref: str, index: int | str) -> str:
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def _n(ref: str, value: str) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def workbooks() -> None:
    shared = ["id", "total_slots", "X1", "X2", "X3", "X4"]
    header = _row(1, _s("A1", 0), _s("B1", 1))
    bad = (
        "<sheetData>"
        + header
        + _row(2, _s("A2", 2), _n("B2", "3"))
        + _row(3, _s("A3", 999), _n("B3", "4"))  # a shared string that does not exist
        + _row(4, _s("A4", 3), _n("B4", "abc"))  # a malformed number
        + _row(5, _s("A5", -1), _n("B5", "5"))  # a negative index would silently be the last string
        + _row(6, _s("A6", 4), _n("B6", "1" * 5000))  # more digits than Python converts
        + _row(7, _s("A7", 5), _n("B7", "6"))
        + "</sheetData>"
    )
    (HERE / "bad_cells.xlsx").write_bytes(_xlsx(bad, shared))
    huge = (
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        + header
        + _row(2, _s("A2", 2), _n("B2", "3"))
        + _row(3, _s("A3", 3), _n("B3", "4"), _n("XFD3", "1"))  # a value in the last column Excel has
        + _row(1048576, _s("A1048576", 4), _n("B1048576", "5"))
        + "</sheetData>"
    )
    (HERE / "declared_a1_xfd1048576.xlsx").write_bytes(_xlsx(huge, shared))
    bomb = "<sheetData>" + header + _row(2, _s("A2", 2), _n("B2", "3")) + "</sheetData>" + " " * 60_000_000
    (HERE / "zip_bomb.xlsx").write_bytes(_xlsx(bomb, shared))


def main() -> None:
    encodings()
    csv_structure()
    workbooks()
    json.loads((HERE / "expected.json").read_text(encoding="utf-8"))  # still valid


if __name__ == "__main__":
    main()
