"""Report writers: table (for people), JSON, JSONL, CSV, XLSX and a self-contained HTML page.

All writers stream: they take an iterable of report dicts (CONTRACT.md §4) and error rows (the writers of verdicts,
csv, xlsx and table, their row views, :mod:`.rows`, built from ``Report`` objects without their dicts), write as they go, and keep
only a :class:`Summary` whose size depends on the number of rules, subsidies and districts, never on the number of
records. The one exception is the HTML table, which keeps at most :data:`HTML_ROW_LIMIT` rows.

:data:`WRITERS` is the one table of formats: ``write_reports`` dispatches through it, the CLI's ``--format`` choices
are its keys, and a test checks that docs/reports.md and docs/cli.md list every entry (docs/extending.md).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any

from .._lazy import Later, submodule
from ._format import _lang
from .base import WriteOptions, Writer
from .items import Item, as_dict
from .output import OutputError, check_output, safe_output
from .rows import ReportRow, report_row
from .summary import Summary

if TYPE_CHECKING:
    from .html_page import HTML_ROW_LIMIT

__all__ = [
    "HTML_ROW_LIMIT",
    "WRITERS",
    "OutputError",
    "Summary",
    "WriteOptions",
    "Writer",
    "check_output",
    "safe_output",
    "write_reports",
]


def _later(module: str, name: str) -> Later:
    """A writer function of a module of this package, imported when it first writes: the table names every format
    without loading Jinja2 (html), the XML tools (junit) or any writer a command does not use."""
    return Later(f"{__name__}.{module}", name)


def __getattr__(name: str) -> Any:
    """:data:`HTML_ROW_LIMIT`, the bundled writer functions (``write_csv`` …) and the submodules (``csv`` …) that this
    module imported eagerly before, each read from its module when first asked for (whatever ``WRITERS`` holds now:
    a user may have put another writer under a bundled name)."""
    if name == "HTML_ROW_LIMIT":
        from .html_page import HTML_ROW_LIMIT

        return HTML_ROW_LIMIT
    bundled = _BUNDLED.get(name)
    if bundled is not None:
        return bundled.resolve()
    return submodule(__name__, name)


WRITERS: dict[str, Writer] = {
    w.name: w
    for w in (
        Writer(
            "table",
            _later("table", "write_table"),
            binary=False,
            suffix="txt",
            verdicts=True,
            zh="终端表格：每条记录一行，违规缩进列出，末行汇总",
            en="a terminal table: a line per record, details indented, a summary line",
        ),
        Writer(
            "json",
            _later("json", "write_json"),
            binary=False,
            suffix="json",
            zh="报告对象组成的 JSON 数组，供服务使用",
            en="a JSON array of report objects, for services",
        ),
        Writer(
            "jsonl",
            _later("json", "write_jsonl"),
            binary=False,
            suffix="jsonl",
            json_text=True,
            zh="每行一个报告对象，供流水线和大台账使用",
            en="one report object per line, for pipelines and large ledgers",
        ),
        Writer(
            "csv",
            _later("csv", "write_csv"),
            binary=False,
            suffix="csv",
            long_form=True,
            verdicts=True,
            zh="带 BOM 的 UTF-8 CSV，每条记录一行，供 Excel 用户使用",
            en="UTF-8 CSV with a BOM, a row per record, for Excel users",
        ),
        Writer(
            "parquet",
            _later("parquet", "write_parquet"),
            binary=True,
            suffix="parquet",
            zh="Parquet 结果表（每条记录一行，金额为精确小数；需要 pyarrow 与 -o）",
            en="a Parquet results table (a row per record, money as exact decimals; needs pyarrow and -o)",
            requires=("pyarrow",),
            long_form=True,
        ),
        Writer(
            "xlsx",
            _later("xlsx", "write_xlsx"),
            binary=True,
            suffix="xlsx",
            verdicts=True,
            zh="四个工作表的 Excel 工作簿，供分析人员使用（需要 -o）",
            en="an Excel workbook of four sheets, for analysts (needs -o)",
        ),
        Writer(
            "html",
            _later("html", "write_html"),
            binary=False,
            suffix="html",
            zh="自包含网页：汇总卡片、条形图和可筛选的表格",
            en="a self-contained page: summary cards, bar charts, a filterable table",
        ),
        Writer(
            "github",
            _later("github", "write_github"),
            binary=False,
            suffix="txt",
            zh="GitHub Actions 注释：每条未通过的记录一条，指明台账文件和行",
            en="GitHub Actions annotations: one per record that did not pass, naming the ledger file and row",
        ),
        Writer(
            "sarif",
            _later("sarif", "write_sarif"),
            binary=False,
            suffix="sarif",
            zh="SARIF 2.1.0：每条未通过的记录一个结果，供代码扫描使用",
            en="SARIF 2.1.0: one result per record that did not pass, for code scanning",
        ),
        Writer(
            "junit",
            _later("junit", "write_junit"),
            binary=False,
            suffix="xml",
            zh="JUnit XML：每个台账文件一个测试套件，每条记录一个测试用例",
            en="JUnit XML: a test suite per ledger file, a test case per record",
        ),
    )
}
# the bundled writer functions by name, as the table was made (the names :func:`__getattr__` gives)
_BUNDLED = {w.write.name: w.write for w in WRITERS.values() if isinstance(w.write, Later)}
"""Every output format by name, in the order the CLI and the docs list them."""


def write_reports(
    items: Iterable[Item],
    fmt: str,
    out: IO[str] | IO[bytes] | str | os.PathLike[str],
    *,
    lang: str = "zh",
    title: str | None = None,
    meta: Mapping[str, Any] | None = None,
    findings: bool = False,
    compact: bool = False,
) -> Summary:
    """Write reports and error rows in ``fmt`` to ``out`` (a text stream, a binary stream or a path); return the summary.

    ``items`` are report dicts and error rows, or objects with a ``to_dict()`` (``Report``, ``ErrorReport``).

    ``fmt`` is a key of :data:`WRITERS`; ``lang`` is ``"zh"`` (default) or ``"en"``; ``title`` names the HTML page;
    ``meta`` describes the policy for the HTML title block (``Policy.report_meta(as_of)``; other formats ignore it);
    ``findings`` asks for the long form, one row per finding (``csv`` and ``parquet``; any other format refuses it);
    ``compact`` for compact JSONL (``jsonl`` only: a catalog of titles and citations written once, docs/reports.md).
    """
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(WRITERS)}")
    if findings and not writer.long_form:
        raise ValueError(f"format {fmt!r} has no long form; --findings goes with {', '.join(long_forms())}")
    if compact and fmt != "jsonl":
        raise ValueError(f"--compact goes with --format jsonl, not {fmt!r}")
    options = WriteOptions(
        lang=_lang(lang), title=title, summary=Summary(), meta=meta, findings=findings, compact=compact
    )
    if writer.verdicts:
        stream: Iterator[Any] = _rows(items, options.summary)
    else:
        stream = _counted(items, options.summary, texts=writer.json_text and not compact)
    if writer.binary:
        writer.write(stream, _binary_target(out, writer.name), options)
    else:
        _with_text(out, lambda text: writer.write(stream, text, options))
    return options.summary


def long_forms() -> list[str]:
    """The formats that write ``--findings``."""
    return [name for name, writer in WRITERS.items() if writer.long_form]


def _counted(items: Iterable[Item], summary: Summary, texts: bool = False) -> Iterator[Any]:
    """Each item as its dict, counted; with ``texts``, an object with ``to_json()`` (a ``Report``) as it is, counted
    from its verdict state (:meth:`Summary.add_report`; it never becomes a dict and no finding is built)."""
    for item in items:
        if texts and not isinstance(item, Mapping) and hasattr(item, "to_json"):
            if hasattr(item, "tally"):
                summary.add_report(item)
            else:
                summary.add_row(report_row(item))
            yield item
            continue
        d = as_dict(item)
        summary.add_row(report_row(d))
        yield d


def _rows(items: Iterable[Item], summary: Summary) -> Iterator[ReportRow]:
    """Each item as its row view, counted: a ``Report`` never becomes a dict."""
    for item in items:
        if getattr(item, "verdict_block", False):  # many verdict rows at once (the columnar engine; csv only)
            block: Any = item
            block.add_to(summary)
            yield block
            continue
        row = report_row(item)
        summary.add_row(row)
        yield row


def _with_text(out: IO[str] | IO[bytes] | str | os.PathLike[str], write: Callable[[IO[str]], None]) -> None:
    """Call ``write`` with a text stream on ``out``: a path is opened as UTF-8, a binary stream wrapped."""
    if isinstance(out, (str, os.PathLike)):
        with open(out, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        return
    if isinstance(out, (io.RawIOBase, io.BufferedIOBase)):
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        try:
            write(text)
        finally:
            text.flush()
            text.detach()
        return
    write(out)  # type: ignore[arg-type]


def _binary_target(out: Any, name: str) -> Any:
    """A path or a binary stream for a binary format; a text stream with an underlying buffer gives its buffer."""
    if isinstance(out, (str, os.PathLike)):
        return out
    if isinstance(out, io.TextIOBase):
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            raise ValueError(f"{name} needs a path or a binary stream, not a text stream")
        out.flush()
        return buffer
    return out
