"""The command line: a thin layer that parses arguments, calls the API, prints, and sets the exit code.

Exit codes: 0 all passed; 1 some record failed (check) or some policy is invalid (validate, test);
2 bad usage, unreadable input or an output that cannot be written; 3 an internal error (a defect of tuoyu-rules);
130 interrupted (Ctrl-C); 141 standard output closed early with no failure seen before (``| head``).
Everything printed for people goes through :func:`tuoyu_rules.text.printable`.
"""

from __future__ import annotations

import argparse
import datetime
import io
import itertools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO, cast

from ._version import __version__
from .errors import PolicyError, Problem, RecordError
from .records.readers import READERS
from .text import printable
from .vocabulary import KINDS
from .writers import WRITERS, OutputError, safe_output, write_reports
from .writers._ci import LOCATED_FORMATS

# Nothing of the engine is imported here (the API, the compiler, pydantic): each command imports what it runs, so
# that --version, --help and a usage error are quick (docs/performance.md, "Start-up").

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_PIPE = 130, 141  # 128 + SIGINT, 128 + SIGPIPE: what a shell reports for either signal
DEBUG_VARIABLE = "TUOYU_DEBUG"


def _say(text: str, file: TextIO | None = None) -> None:
    """Print one line for people, its control characters escaped (a value cannot forge a line or move the cursor)."""
    print(printable(text), file=file or sys.stdout)


def _say_lines(lines: Iterable[str], file: TextIO | None = None) -> None:
    for line in lines:
        _say(line, file)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        _say(f"tuoyu-rules: 用法错误 usage error: {message}", sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写作 YYYY-MM-DD: {text!r}") from None


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = -1
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"--jobs 应为 0 或正整数 takes 0 or a positive number: {text!r}")
    return jobs


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", help="policy files or folders")
    p.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors (notices stay notices)")
    p.add_argument(
        "--expiring-within",
        type=int,
        default=None,
        metavar="DAYS",
        help="warn when a policy still in force (or its documents) expires within DAYS days",
    )


def _ledger_arguments(p: argparse.ArgumentParser) -> None:
    """How a ledger is read: the options of every command that reads ledgers (check, budget), passed on to
    :func:`tuoyu_rules.records.read_rows` by :func:`_read_options`."""
    p.add_argument("--encoding", default=None, help="CSV encoding (default: detect UTF-8 / GB18030)")
    p.add_argument("--sheet", default=None, help="XLSX sheet (default: all)")
    p.add_argument(
        "--header-row",
        type=int,
        default=None,
        metavar="N",
        help="表头所在行 the header's row or line (1-based; default: found)",
    )
    p.add_argument(
        "--input-format", default=None, help=f"format of standard input: {', '.join(READERS)} (default: jsonl)"
    )
    p.add_argument("--columns", default=None, metavar="MAP.yaml", help="列映射 header: field id (docs/ledgers.md)")
    p.add_argument(
        "--kind", default=None, choices=list(KINDS), help="the kind of rows of a table without a kind column"
    )


def _read_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`tuoyu_rules.records.read_rows` that the ledger options set (the column map:
    ``--columns`` over the project file tuoyu-rules.yaml of the current directory)."""
    from .authoring.columns import user_column_map

    return {
        "encoding": getattr(args, "encoding", None),
        "sheet": getattr(args, "sheet", None),
        "header_row": getattr(args, "header_row", None),
        "fmt": getattr(args, "input_format", None),
        "columns": user_column_map(getattr(args, "columns", None)),
        "kind": getattr(args, "kind", None),
    }


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True, help="a bundled id or a path")
    p.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--format", default="table", choices=list(WRITERS))
    p.add_argument("--output", "-o", default=None, help="write here instead of standard output (required for xlsx)")
    _ledger_arguments(p)
    p.add_argument(
        "--engine",
        choices=["auto", "row", "columnar"],
        default="row",
        help="row (default): the reference engine; columnar: polars, for big flat CSV ledgers and workbooks with "
        "--format csv (docs/columnar.md); auto: columnar for big ones when polars is installed",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=1,
        metavar="N",
        help="用 N 个进程核查台账（0：每个处理器一个），输出与单进程逐字节相同；CSV 文件输出 csv、jsonl 时各进程自读文件的"
        "一段（docs/scale.md）split the ledger across N processes (0: one per processor); the output is byte for byte "
        "that of one process; a CSV file written as csv or jsonl is read by the workers, each its own byte range "
        "(docs/scale.md)",
    )
    p.add_argument(
        "--trace",
        action="store_true",
        help="每个检查项附上读取的参数（取值、来源层级与条款）和代入参数后的表达式 each finding with the "
        "parameters it read (value, layer, clause) and its expressions with their values (JSON formats)",
    )
    p.add_argument(
        "--findings",
        action="store_true",
        help="长表：每个检查项一行（csv、parquet）the long form: a row per finding (csv, parquet)",
    )
    p.add_argument(
        "--compact", action="store_true", help="jsonl: 标题与出处只写一次（目录行）titles and citations once"
    )
    p.add_argument(
        "--omit-passes",
        action="store_true",
        help="报告中略去通过的检查项（计入 passes_omitted）leave passing findings out of each report (counted)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="overrides",
        help="what-if: fix a parameter (repeatable); the change against the policy as written goes to stderr",
    )
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="不显示进度行 no progress line on the terminal (notices and the summary line still go to stderr)",
    )
    p.add_argument("inputs", nargs="+", help="ledger files (CSV, XLSX, JSON, JSONL, YAML) or - for standard input")


def _explain_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True)
    p.add_argument("--as-of", type=_date, default=None)
    p.add_argument("item", nargs="?", help="rule, subsidy, benefit or parameter id (omit to list everything)")


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--records", nargs="*", default=None, metavar="LEDGER", help="re-run a ledger under both")
    p.add_argument("--as-of", type=_date, default=None)
    p.add_argument("--format", choices=["text", "json"], default="text")


def _test_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policies", nargs="+")
    p.add_argument("--coverage", action="store_true")
    p.add_argument("--min-coverage", type=float, default=None)
    p.add_argument("--format", choices=["text", "junit", "tap"], default="text", help="junit、tap：供 CI 读取")
    p.add_argument("--output", "-o", default=None)


def _site_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policies", nargs="+", help="策略编号、文件或目录（如 policies/）")
    p.add_argument("--output", "-o", required=True, help="写入网站的目录")
    p.add_argument("--as-of", type=_date, default=None, help="现行值的日期（默认今天）")


def _coverage_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policies", nargs="+")
    p.add_argument("--format", choices=["text", "markdown"], default="text")


def _budget_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True)
    p.add_argument("--as-of", type=_date, default=None)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="overrides")
    p.add_argument("--format", choices=["text", "json"], default="text")
    _ledger_arguments(p)
    p.add_argument("inputs", nargs="+")


def _schema_arguments(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group()
    which.add_argument("--records", action="store_true", help="记录（机构、区域、居住区）的 JSON Schema，而非策略文件")
    which.add_argument("--reports", action="store_true", help="check 输出的报告（及错误行）的 JSON Schema")
    p.add_argument("--output", "-o", default=None)


def _columns_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", default=None, help="a bundled id or a path: its column map applies too")
    p.add_argument("--format", choices=["text", "json"], default="text")
    _ledger_arguments(p)
    p.add_argument("inputs", nargs="+", metavar="LEDGER", help="ledger files (CSV, XLSX) or - for standard input")


def _template_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True, help="a bundled id or a path")
    p.add_argument("--output", "-o", required=True, help="the workbook to write (.xlsx), e.g. 台账模板.xlsx")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tuoyu-rules", description="托育政策即代码 · childcare policy as code")
    parser.add_argument("--version", action="version", version=f"tuoyu-rules {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.help)
        command.arguments(p)
        p.add_argument("--lang", choices=["zh", "en"], default="zh")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    lang = getattr(args, "lang", "zh")
    try:
        code = COMMANDS[args.command].run(args)
        sys.stdout.flush()  # here, not at exit: a reader that left early is a closed pipe handled below
        return code
    except PolicyError as exc:
        _say_lines((p.render(lang) for p in exc.problems), sys.stderr)
        return (
            EXIT_USAGE if args.command in ("check", "explain", "diff", "budget", "template", "columns") else EXIT_FAIL
        )
    except RecordError as exc:  # an input that cannot be opened or decoded at all
        _say_lines(
            (f"tuoyu-rules: {p.location}: {p.message if lang == 'zh' else p.message_en}" for p in exc.problems),
            sys.stderr,
        )
        return EXIT_USAGE
    except OutputError as exc:
        _say(f"tuoyu-rules: {exc.message(lang)}", sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_PIPE
    except KeyboardInterrupt:
        zh = "tuoyu-rules：已中断；标准输出上的内容不完整，-o 的文件未写出"
        en = "tuoyu-rules: interrupted; what is on standard output is incomplete, and no -o file was written"
        _say(zh + f" ({en})" if lang == "zh" else en, sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # an input that vanished or cannot be read once opened
        _say(
            f"tuoyu-rules: {'无法读取' if lang == 'zh' else 'cannot read'} {exc.filename or ''}: {exc.strerror or exc}",
            sys.stderr,
        )
        return EXIT_USAGE
    except Exception as exc:
        return _internal_error(exc, lang)


def _internal_error(exc: Exception, lang: str) -> int:
    """An exception nobody expected is a defect of tuoyu-rules, never of the input: one line, and how to report it."""
    if os.environ.get(DEBUG_VARIABLE) == "1":
        traceback.print_exc(file=sys.stderr)
    what = f"{type(exc).__name__}: {exc}"
    if lang == "en":
        line = (
            f"tuoyu-rules {__version__}: internal error, a defect of tuoyu-rules and not of your input ({what}); "
            f"please report it to the tuoyu-rules issue tracker with the command you ran and what "
            f"{DEBUG_VARIABLE}=1 prints"
        )
    else:
        line = (
            f"tuoyu-rules {__version__}：内部错误，是 tuoyu-rules 的缺陷而非输入的问题（{what}）；请把所运行的命令和 "
            f"{DEBUG_VARIABLE}=1 时打印的内容报告到 tuoyu-rules 的问题跟踪 (internal error, a defect of tuoyu-rules: "
            f"please report it)"
        )
    _say(line, sys.stderr)
    return EXIT_INTERNAL


def _quiet_stdout() -> None:
    """After a reader closed standard output, point it at /dev/null so that Python's last flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


# ---- validate ----------------------------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from .api import validate_files
    from .authoring.annotations import github_annotations, sarif

    results = validate_files(args.paths, strict=args.strict, expiring_within=args.expiring_within)
    failed = any(p.severity == "error" for _, problems in results for p in problems)
    if args.format == "github":
        for line in github_annotations(results, args.lang):
            print(line)
    elif args.format == "sarif":
        json.dump(sarif(results), sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif args.format == "json":
        json.dump(
            [
                {"file": f, "valid": not any(p.severity == "error" for p in ps), "problems": [p.to_dict() for p in ps]}
                for f, ps in results
            ],
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        print()
    else:
        for file, problems in results:
            _say_lines(p.render(args.lang) for p in problems)
            errors = sum(p.severity == "error" for p in problems)
            notices = sum(p.severity == "notice" for p in problems)
            warnings = len(problems) - errors - notices
            mark = "✗" if errors else "✓"
            if args.lang == "en":
                extra = f", {notices} notice(s)" if notices else ""
                _say(f"{mark} {file}: {errors} error(s), {warnings} warning(s){extra}", sys.stderr)
            else:
                extra = f"，{notices} 个提示" if notices else ""
                _say(f"{mark} {file}：{errors} 个错误，{warnings} 个警告{extra}", sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK


# ---- check -------------------------------------------------------------------------------------------------------
def _plan_ended_notice(compiled: Any, day: datetime.date, lang: str) -> None:
    """Say at the top (on standard error, so machine formats stay clean) that the policy's plan has ended."""
    until = compiled.model.in_force.until
    if until is not None and day > until:
        zh = f"⚠ 本策略所依据的文件已于 {until} 到期：以下结论按到期前的规定给出，其逐年目标不再作为此后年份的要求"
        en = f"⚠ the plan behind this policy ended on {until}: the verdicts apply its rules as they stood"
        print(en if lang == "en" else zh, file=sys.stderr)


def _check_usage(args: argparse.Namespace, refused: str | None, use_columnar: bool, jobs: int) -> str | None:
    """The usage error of a ``check`` whose options do not go together (the line to print), or None."""
    usage = "tuoyu-rules: 用法错误 usage error:"
    writer = WRITERS[args.format]
    if args.findings and not writer.long_form:
        return f"{usage} --findings 只用于 csv、parquet (--format {args.format})"
    if args.compact and args.format != "jsonl":
        return f"{usage} --compact 只用于 jsonl (--format {args.format})"
    if writer.binary and not args.output:
        return f"tuoyu-rules: --format {args.format} 需要 --output FILE.{writer.suffix}"
    if refused:
        return f"{usage} --engine columnar: {refused}"
    if jobs > 1 and args.overrides:
        return f"{usage} --jobs 与 --set 不能同用 --set runs in one process (--jobs 1)"
    return None


def cmd_check(args: argparse.Namespace) -> int:
    from .api import load_policy
    from .writers import check_output

    if args.output:  # before anything is read: a missing folder, a directory, or one of the inputs
        check_output(args.output, [*args.inputs, args.policy])
    policy = load_policy(args.policy)
    written = policy
    if args.overrides:
        policy = policy.with_parameters(_overrides(args.overrides))
    use_columnar, refused = _columnar(args, policy)
    jobs = _job_count(args)
    problem = _check_usage(args, refused, use_columnar, jobs)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    if use_columnar:
        ranged = _ranged(policy, args, jobs, "columnar")
        if ranged is not None:
            return _check_ranged(ranged, policy, args)
        if jobs > 1:
            _one_process_notice(jobs, args.lang)
        return _check_columnar(policy, args)
    ranged = _ranged(policy, args, jobs)
    if ranged is not None:
        return _check_ranged(ranged, policy, args)
    where: dict[str, Any] = {}  # the row and source of the input row last read (for the CI formats)
    located = args.format in LOCATED_FORMATS and jobs == 1  # with --jobs the items come back located

    def rows() -> Iterator[Any]:
        read = _progress(_rows(args.inputs, args, policy), args)
        return _remember(read, where) if located else read

    state = {"failed": False}
    change = None
    if args.overrides:
        from .authoring.ledger_diff import LedgerDiff

        change = LedgerDiff()

    def items() -> Iterator[Any]:
        if change is None and jobs > 1:
            for item in _parallel_items(policy, rows(), args, jobs):
                status = item.get("status") if isinstance(item, dict) else item.status
                state["failed"] = state["failed"] or status in ("fail", "error")
                yield item
            return
        if change is None:
            for report in policy.evaluate_many(rows(), as_of=args.as_of):
                if report.status in ("fail", "error"):
                    state["failed"] = True
                yield _output(report, args)
            return
        # one pass over the input (standard input cannot be read twice): each row under both policies
        first, second = itertools.tee(rows())
        pairs = zip(
            written.evaluate_many(first, as_of=args.as_of), policy.evaluate_many(second, as_of=args.as_of), strict=True
        )
        for before, report in pairs:
            change.add(before, report)
            if report.status in ("fail", "error"):
                state["failed"] = True
            yield _output(report, args)

    _plan_ended_notice(policy.compiled, args.as_of or datetime.date.today(), args.lang)
    try:
        _write(
            _located(items(), where) if located else items(),
            args,
            policy.report_meta(args.as_of),
        )
    except BrokenPipeError:  # the reader stopped early (| head): a failure seen so far still says 1, never 0
        _quiet_stdout()
        return EXIT_FAIL if state["failed"] else EXIT_PIPE
    if change is not None:
        title = "what-if（--set）与原策略相比" if args.lang == "zh" else "what-if (--set) against the policy as written"
        settings = ", ".join(args.overrides)
        _say(f"== {title}: {settings}", sys.stderr)
        _say_lines(change.lines(args.lang), sys.stderr)
    return EXIT_FAIL if state["failed"] else EXIT_OK


def _output(report: Any, args: argparse.Namespace) -> Any:
    """What the writer reads of a report: the report itself for a writer of verdicts (csv, xlsx, table), which
    never builds its dict, and for JSONL (not ``--compact``), which writes its ``to_json()`` text; else the dict
    (``--omit-passes`` leaves passing findings out of the long form; JSONL with ``--omit-passes`` or ``--trace``)."""
    passes = not args.omit_passes
    form = _form(args, jobs=1)
    if form == "report" or (form == "json_line" and passes and not args.trace):
        return report
    return _json(report.to_dict(passes=passes, trace=args.trace))


def _form(args: argparse.Namespace, jobs: int) -> str:
    """The form a report reaches its writer in (:data:`tuoyu_rules.parallel.rows.FORMS`): the report for a writer of
    verdicts (from ``--jobs`` workers its row view, unless the long form needs every finding), its JSON text for
    JSONL (not ``--compact``), else its dict."""
    writer = WRITERS[args.format]
    if writer.verdicts and not (args.omit_passes and _findings(args)):
        if jobs == 1 or _findings(args):
            return "report"
        return "verdicts" if args.format == "csv" else "row"  # the csv rows show no message (the summary neither)
    if writer.json_text and not _compact(args):
        return "json_line"
    return "dict"


def _job_count(args: argparse.Namespace) -> int:
    """``--jobs``: the processes to check with (0: one per processor)."""
    jobs: int = getattr(args, "jobs", 1)
    if jobs == 0:
        from .parallel import cores

        return cores()
    return jobs


def _parallel_items(policy: Any, rows: Iterator[Any], args: argparse.Namespace, jobs: int) -> Iterator[Any]:
    """``check --jobs N`` of the row engine: the items of one process (:func:`_output`), from ``jobs`` processes —
    reports (lean pickles, by policy reference) for the writers of verdicts, reports with their JSON text made by
    the workers for JSONL, dicts for the others."""
    from .parallel import Options, check_items

    day = args.as_of or datetime.date.today()
    located = args.format in LOCATED_FORMATS
    options = Options(day, passes=not args.omit_passes, trace=args.trace, located=located, form=_form(args, jobs))
    return check_items(policy, rows, options, jobs)


def _ranged(policy: Any, args: argparse.Namespace, jobs: int, engine: str = "row") -> Any:
    """``check --jobs N`` of one CSV file whose workers read their own byte ranges (docs/scale.md), with the row or
    the columnar engine, or None when the ledger, the format or the options are not for it (standard input, XLSX,
    several files, --findings …)."""
    if jobs < 2 or args.overrides or len(args.inputs) != 1 or _findings(args) or _compact(args):
        return None
    from .parallel import Output, ranged_check

    day = args.as_of or datetime.date.today()
    output = Output(args.format, day, passes=not args.omit_passes, trace=args.trace, lang=args.lang)
    options = {**_ledger_options(args, policy), "on_notice": _notice(args), "engine": engine}
    return ranged_check(policy, args.inputs[0], output, jobs, **options)


def _one_process_notice(jobs: int, lang: str) -> None:
    """Say that ``--jobs`` leaves these inputs to one process of the columnar engine (only one CSV file is split)."""
    zh = f"--jobs {jobs}：列式引擎只把单个 CSV 文件（UTF-8 或 GB18030）分给多个进程，这些输入在一个进程中核查"
    en = f"--jobs {jobs}: the columnar engine splits one CSV file (UTF-8 or GB18030) only; these inputs are checked in one process"
    print(en if lang == "en" else zh, file=sys.stderr)


def _check_ranged(ranged: Any, policy: Any, args: argparse.Namespace) -> int:
    """Write what :func:`_ranged`'s check gives, then the summary line, as :func:`_write` does."""
    from .writers import safe_output

    _plan_ended_notice(policy.compiled, args.as_of or datetime.date.today(), args.lang)
    counts = ranged.counts
    chunks = _progress_of(ranged.chunks(), counts, args)
    try:
        if args.output:
            with safe_output(args.output, [*args.inputs, args.policy]) as out:
                for chunk in chunks:
                    out.write(chunk)
        else:
            _write_stdout(chunks)
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_FAIL if counts["failed"] or counts["errors"] else EXIT_PIPE
    _print_summary(counts, sys.stderr, args.lang)
    if ranged.engine_name == "columnar":
        print(_columnar_line(ranged.split, ranged.columnwise, args.lang), file=sys.stderr)
    return EXIT_FAIL if counts["failed"] or counts["errors"] else EXIT_OK


def _progress_of(chunks: Iterator[bytes], counts: dict[str, int], args: argparse.Namespace) -> Iterator[bytes]:
    """``chunks`` with the progress line of :func:`_progress`, redrawn as each chunk is written."""
    import time

    from . import progress

    if not progress.wanted(sys.stderr, sys.stdout, args.quiet, os.environ, to_stdout=not args.output):
        yield from chunks
        return
    shown = progress.Progress(sys.stderr, args.lang, time.monotonic, progress.count_lines(args.inputs))
    try:
        for chunk in chunks:
            yield chunk
            shown.update(counts["rows"])
    finally:
        shown.close()


def _write_stdout(chunks: Iterator[bytes]) -> None:
    """UTF-8 output on standard output, as its text stream writes it."""
    sys.stdout.flush()
    plain = (sys.stdout.encoding or "").lower().replace("_", "-") in ("utf-8", "utf8") and os.linesep == "\n"
    buffer = getattr(sys.stdout, "buffer", None) if plain else None
    for chunk in chunks:
        if buffer is not None:
            buffer.write(chunk)
        else:
            sys.stdout.write(chunk.decode("utf-8"))
    (buffer or sys.stdout).flush()


def _remember(rows: Iterator[Any], where: dict[str, Any]) -> Iterator[Any]:
    """Note each row's number and source as it is read: evaluate_many reads one row per output, in order."""
    for raw in rows:
        where["row"], where["source"] = getattr(raw, "row", None), getattr(raw, "source", None)
        yield raw


def _located(items: Iterator[dict[str, Any]], where: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each report with the ``row`` and ``source`` it was read from (error rows carry their own)."""
    for item in items:
        if where.get("row") is not None:
            item.setdefault("row", where["row"])
        if where.get("source") is not None:
            item.setdefault("source", where["source"])
        yield item


def _columnar(args: argparse.Namespace, policy: Any) -> tuple[bool, str | None]:
    """(take the columnar engine, why not when it was asked for and cannot run)."""
    from .columnar.choose import big_enough, why_not

    engine = getattr(args, "engine", "row")
    if engine == "row":
        return False, None
    if _read_kinds(args, policy):  # a column map, --kind, or a table read by its headers as another kind
        return False, (
            "列映射、--kind 与按表头判断的记录类型需要逐行引擎 a column map, --kind or a kind read from "
            "the headers needs the row engine"
            if engine == "columnar"
            else None
        )
    if _findings(args):  # the columnar rows carry verdicts, not findings
        return False, ("--findings 需要逐行引擎 needs the row engine" if engine == "columnar" else None)
    reason = why_not(args.inputs, args.format, bool(args.overrides), getattr(args, "input_format", None))
    if reason is not None:
        return False, reason if engine == "columnar" else None
    return engine == "columnar" or big_enough(args.inputs), None


def _read_kinds(args: argparse.Namespace, policy: Any) -> bool:
    """Whether some CSV input is read with a column map or ``--kind``, or its headers are not plainly an
    institution's (only the row engine reads those; a workbook's sheets are told apart by the columnar reader)."""
    from .columnar.choose import WORKBOOK_SUFFIXES

    csvs = [t for t in args.inputs if Path(t).suffix.lower() not in WORKBOOK_SUFFIXES]
    if csvs and (getattr(args, "kind", None) or _read_options(args)["columns"] or policy.column_map):
        return True
    from .records import read_rows

    tables: list[Any] = []
    for text in csvs:
        if text != "-" and Path(text).is_file():
            next(iter(read_rows(text, **_read_options(args), on_table=tables.append)), None)
    # a kind column (记录类型) with a plain header is read row by row, as the columnar reader does (docs/columnar.md)
    return any(t.kind.how != "default" and not (t.kind.how == "column" and t.kind.kind is None) for t in tables)


def _check_columnar(policy: Any, args: argparse.Namespace) -> int:
    from .columnar import Checker, check_rows

    checker = Checker(
        policy.compiled,
        args.as_of or datetime.date.today(),
        passes=not args.omit_passes,
        on_notice=lambda notice: print(notice.render(args.lang), file=sys.stderr),
        header_row=args.header_row,
        read_options=_workbook_options(args, policy),
        native=True,  # the plain body of a big ledger natively, in blocks the CSV writer writes (docs/columnar.md)
    )
    _plan_ended_notice(policy.compiled, checker.as_of, args.lang)
    state = {"failed": False}

    def items() -> Iterator[dict[str, Any]]:
        for item in _progress(check_rows(policy, args.inputs, encoding=args.encoding, checker=checker), args):
            state["failed"] = state["failed"] or item.get("status") in ("fail", "error")
            yield item

    try:
        _write(items(), args)
    except BrokenPipeError:  # the reader stopped early (| head): a failure seen so far still says 1, as cmd_check
        _quiet_stdout()
        return EXIT_FAIL if state["failed"] else EXIT_PIPE
    print(_columnar_line(checker.rows, checker.columnwise, args.lang), file=sys.stderr)
    return EXIT_FAIL if state["failed"] else EXIT_OK


def _columnar_line(done: dict[str, int], columnwise: Sequence[str], lang: str) -> str:
    """The columnar engine's closing line: the rows checked column-wise and row-wise, the rules that ran column-wise."""
    rules = ", ".join(columnwise) or "-"
    if lang == "en":
        return f"columnar engine: {done['columnar']} rows column-wise, {done['row']} row-wise; column-wise: {rules}"
    return f"列式引擎：{done['columnar']} 行按列计算，{done['row']} 行逐行计算；按列计算的规则与补贴：{rules}"


def _workbook_options(args: argparse.Namespace, policy: Any) -> dict[str, Any]:
    """The options the columnar engine reads a workbook with, as :func:`_rows` reads it: ``--sheet``, ``--kind`` and
    the column map (the user's over the policy's)."""
    options = _read_options(args)
    columns = options["columns"].over(policy.column_map) if options["columns"] else policy.column_map
    return {"sheet": options["sheet"], "columns": columns, "kind": options["kind"]}


def _progress(rows: Iterator[Any], args: argparse.Namespace) -> Iterator[Any]:
    """``rows`` with a progress line on the terminal (stderr: rows, rows/s, an ETA for line-based ledgers); silent in
    pipes, in CI and with ``--quiet`` (:mod:`tuoyu_rules.progress`)."""
    import time

    from . import progress

    if not progress.wanted(sys.stderr, sys.stdout, args.quiet, os.environ, to_stdout=not args.output):
        return rows
    shown = progress.Progress(sys.stderr, args.lang, time.monotonic, progress.count_lines(args.inputs))
    return progress.track(rows, shown)


def _overrides(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise PolicyError(
                [
                    Problem(
                        "policy.bad-override", f"--set 应写作 NAME=VALUE：{pair!r}", f"--set takes NAME=VALUE: {pair!r}"
                    )
                ]
            )
        out[name.strip()] = value.strip()
    return out


def _rows(inputs: Sequence[str], args: argparse.Namespace, policy: Any = None, on_table: Any = None) -> Iterator[Any]:
    """The rows of every input, read with the ledger options (and the column map of ``policy``, under the user's)."""
    from .records import read_rows

    options = _ledger_options(args, policy)
    for text in inputs:
        stdin = sys.stdin.buffer if text == "-" else None
        yield from read_rows(text, stdin=stdin, **options, on_notice=_notice(args), on_table=on_table)


def _ledger_options(args: argparse.Namespace, policy: Any = None) -> dict[str, Any]:
    """:func:`_read_options` with the column map of ``policy`` under the user's."""
    options = _read_options(args)
    if policy is not None:
        options["columns"] = options["columns"].over(policy.column_map) if options["columns"] else policy.column_map
    return options


def _notice(args: argparse.Namespace) -> Callable[[Any], None]:
    """Print a reader's notice on standard error."""
    return lambda notice: print(notice.render(getattr(args, "lang", "zh")), file=sys.stderr)


# ---- explain, diff, test, coverage, budget, schema ----------------------------------------------------------------
def _test_for_ci(args: argparse.Namespace) -> int:
    """``test --format junit|tap``: a test case per embedded example, to stdout or ``-o FILE``."""
    from .authoring.ci_tests import junit_tests, tap_tests, test_cases

    if args.coverage or args.min_coverage is not None:
        print(
            f"tuoyu-rules: --coverage 和 --min-coverage 只用于 --format text，不能与 --format {args.format} 同用",
            file=sys.stderr,
        )
        return EXIT_USAGE
    suites = test_cases(_compiled_paths(args.policies), args.lang)
    text = junit_tests(suites) if args.format == "junit" else tap_tests(suites)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    failed = any(case.outcome != "pass" for _, cases in suites for case in cases)
    return EXIT_FAIL if failed else EXIT_OK


def cmd_site(args: argparse.Namespace) -> int:
    """``site POLICY… -o DIR``: the static website of the policies; an invalid policy is reported and nothing built."""
    from .site import build_site

    compiled = list(_compiled_paths(args.policies))
    broken = [p for p in compiled if isinstance(p, PolicyError)]
    for exc in broken:
        for problem in exc.problems:
            print(problem.render(args.lang), file=sys.stderr)
    if broken:
        return EXIT_FAIL
    result = build_site(compiled, args.output, args.as_of)
    pages = sum(1 for f in result.files if f.endswith(".html"))
    done = f"{pages} 个页面写入 {result.folder}" if args.lang == "zh" else f"{pages} pages written to {result.folder}"
    print(f"{done} ({result.folder / 'index.html'})")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from .api import load_policy
    from .authoring.explain import catalogue, explain, suggest

    policy = load_policy(args.policy).compiled
    if not args.item:
        _say_lines(catalogue(policy, args.lang))
        return EXIT_OK
    lines = explain(policy, args.item, args.as_of or datetime.date.today(), args.lang)
    if lines is None:
        close = suggest(policy, args.item)
        hint = (f"；是否想写 '{close}'？" if args.lang == "zh" else f"; did you mean '{close}'?") if close else ""
        _say(
            f"tuoyu-rules: {'策略中没有' if args.lang == 'zh' else 'no such id in the policy:'} '{args.item}'{hint}",
            sys.stderr,
        )
        return EXIT_USAGE
    _say_lines(lines)
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from .api import load_policy
    from .authoring.common import dumps
    from .authoring.diff import diff_policies, diff_text
    from .authoring.ledger_diff import diff_ledger

    old, new = load_policy(args.old), load_policy(args.new)
    day = args.as_of or datetime.date.today()
    changes = diff_policies(old.compiled, new.compiled, day)
    ledger = diff_ledger(old, new, _rows(args.records, args, new), day) if args.records else None
    if args.format == "json":
        document = {
            "old": old.id,
            "new": new.id,
            "old_file": old.compiled.file,
            "new_file": new.compiled.file,
            "as_of": day.isoformat(),
            "changes": [c.to_dict() for c in changes],
            "records": ledger.to_dict() if ledger else None,
        }
        print(dumps(document))
        return EXIT_OK
    _say_lines(diff_text(old.compiled, new.compiled, changes, day, args.lang))
    if ledger is not None:
        _say(f"== {'台账对比' if args.lang == 'zh' else 'ledger'}: {', '.join(args.records)}")
        _say_lines(ledger.lines(args.lang))
    return EXIT_OK


def _compiled_paths(paths: Sequence[str]) -> Iterator[Any]:
    """Each policy named (ids, files, folders of *.yaml), compiled; one that does not compile is its PolicyError."""
    from .compiler import load_compiled

    for path in paths:
        p = Path(path)
        for ref in sorted(p.glob("*.yaml")) if p.is_dir() else [path]:
            try:
                yield load_compiled(ref)
            except PolicyError as exc:
                yield exc


def cmd_test(args: argparse.Namespace) -> int:
    from .authoring.coverage import test_coverage

    if args.format != "text":
        return _test_for_ci(args)
    zh = args.lang == "zh"
    failed = False
    for policy in _compiled_paths(args.policies):
        if isinstance(policy, PolicyError):  # report it and go on with the other policies
            for p in policy.problems:
                _say(p.render(args.lang))
            failed = True
            continue
        cov = test_coverage(policy)
        ok = cov.examples - len(cov.failed_examples)
        mark = "✓" if not cov.failed_examples else "✗"
        _say(
            f"{mark} {policy.id}: " + (f"示例 {ok}/{cov.examples} 通过" if zh else f"{ok}/{cov.examples} examples pass")
        )
        for name in cov.failed_examples:
            _say(f"    ✗ {name}")
        failed = failed or bool(cov.failed_examples)
        if args.coverage or args.min_coverage is not None:
            if args.coverage:
                for item_id, item in cov.items.items():
                    marks = "  ".join(
                        f"{key} {'✓' if item[key] else '✗'}"
                        for key in ("pass", "fail", "boundary")
                        if item.get(key) is not None
                    )
                    _say(f"    {item_id:<44} {marks}")
            _say(
                f"    {'覆盖率' if zh else 'coverage'} {cov.percent}%  "
                f"({len(cov.items)} {'项规则/补贴/待遇' if zh else 'rules, subsidies and benefits'})"
            )
            for line in cov.missing(args.lang):
                _say(f"      - {line}")
            if args.min_coverage is not None and cov.percent < Decimal(str(args.min_coverage)):
                _say(f"    ✗ {'低于最低覆盖率' if zh else 'below the minimum coverage'} {args.min_coverage}%")
                failed = True
    return EXIT_FAIL if failed else EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    from .authoring.clauses import clause_index, coverage_markdown, how_text

    policies = list(_compiled_paths(args.policies))
    broken = [p for p in policies if isinstance(p, PolicyError)]
    if broken:
        raise PolicyError([problem for exc in broken for problem in exc.problems])
    if args.format == "markdown":
        _say_lines(coverage_markdown(policies).split("\n"))
        return EXIT_OK
    zh = args.lang == "zh"
    for policy in policies:
        rows, unmentioned = clause_index(policy)
        _say(f"{policy.id}: {policy.model.name}")
        for row in rows:
            _say(f"  {row['clause']}  {row['summary']}")
            _say(f"      → {how_text(row, args.lang).replace('`', '')}")
        if unmentioned:
            _say(("  未被条款索引提及：" if zh else "  not in the clause index: ") + ", ".join(unmentioned))
    return EXIT_OK


def cmd_budget(args: argparse.Namespace) -> int:
    from .api import load_policy
    from .authoring.budget import budget, budget_lines, budgets
    from .authoring.common import dumps

    if args.months < 1:
        print("tuoyu-rules: --months 应为正整数 must be a positive number of months", file=sys.stderr)
        return EXIT_USAGE
    policy = load_policy(args.policy)
    day = args.as_of or datetime.date.today()
    what_if_policy = policy.with_parameters(_overrides(args.overrides)) if args.overrides else None
    if what_if_policy is None:
        written, what_if = budget(policy, _rows(args.inputs, args, policy), day, args.months), None
    else:
        written, what_if = budgets([policy, what_if_policy], _rows(args.inputs, args, policy), day, args.months)
    if args.format == "json":
        document = {
            "policy": policy.id,
            "as_of": day.isoformat(),
            "set": args.overrides,
            "budget": written.to_dict(),
            "what_if": what_if.to_dict() if what_if else None,
        }
        if what_if is not None:
            document["difference"] = {
                "total_min": f"{what_if.money.low - written.money.low:.2f}",
                "total_max": f"{what_if.money.high - written.money.high:.2f}",
            }
        print(dumps(document))
        return EXIT_OK
    _say_lines(budget_lines(written, what_if, args.lang))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .authoring.common import dumps
    from .authoring.report_schema import report_schema
    from .authoring.schema import record_schema, schema

    text = dumps(record_schema() if args.records else report_schema() if args.reports else schema())
    if args.output:
        with safe_output(args.output) as out:
            out.write((text + "\n").encode("utf-8"))
    else:
        print(text)
    return EXIT_OK


def cmd_columns(args: argparse.Namespace) -> int:
    """``columns LEDGER…``: what each header is read as and why, the ignored ones, the kind of each table."""
    from .api import load_policy
    from .authoring.columns import describe, describe_lines
    from .authoring.common import dumps

    policy = load_policy(args.policy) if args.policy else None
    tables: list[Any] = []
    for _ in _rows(args.inputs, args, policy, on_table=tables.append):
        pass  # every row is read: the tables of every sheet are found, and the notices printed, as check does
    described = [describe(t) for t in tables]
    if args.format == "json":
        print(dumps(described))
    else:
        _say_lines(describe_lines(described, args.lang))
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from .api import load_policy
    from .authoring.template import write_template

    zh = args.lang == "zh"
    if not args.output.lower().endswith((".xlsx", ".xlsm")):
        print("tuoyu-rules: " + ("模板应写成 .xlsx 文件" if zh else "the template is an .xlsx file"), file=sys.stderr)
        return EXIT_USAGE
    policy = load_policy(args.policy)
    try:
        sheets = write_template(policy.compiled, args.output)
    except OSError as exc:
        print(f"tuoyu-rules: {'无法写入' if zh else 'cannot write'} {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{'已写入' if zh else 'wrote'} {args.output}", file=sys.stderr)
    for sheet in sheets:
        print(f"  {sheet.name}: " + "、".join(c.header for c in sheet.columns), file=sys.stderr)
    return EXIT_OK


def _compact(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "compact", False))


def _findings(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "findings", False))


def _write(items: Iterator[dict[str, Any]], args: argparse.Namespace, meta: dict[str, Any] | None = None) -> None:
    if args.output:  # complete or absent: a temporary file beside it, renamed when everything is written
        with safe_output(args.output, [*args.inputs, args.policy]) as out:
            summary = write_reports(
                items, args.format, out, lang=args.lang, meta=meta, findings=_findings(args), compact=_compact(args)
            )
    else:
        summary = write_reports(
            items, args.format, sys.stdout, lang=args.lang, meta=meta, findings=_findings(args), compact=_compact(args)
        )
        sys.stdout.flush()  # a reader that left early shows here, while the failures seen so far are known
    if args.format != "table":
        _print_summary(summary.to_dict(), sys.stderr, args.lang)


def _print_summary(s: dict[str, Any], out: TextIO, lang: str) -> None:
    if lang == "en":
        print(
            f"rows {s.get('rows')}: passed {s.get('passed')}, failed {s.get('failed')}, "
            f"incomplete {s.get('incomplete')}, errors {s.get('errors')}",
            file=out,
        )
    else:
        print(
            f"共 {s.get('rows')} 行：通过 {s.get('passed')}，不通过 {s.get('failed')}，"
            f"信息不全 {s.get('incomplete')}，错误 {s.get('errors')}",
            file=out,
        )


if __name__ == "__main__":
    raise SystemExit(main())


@dataclass(frozen=True)
class Command:
    """One subcommand: its help line, the function that declares its arguments, and the function that runs it."""

    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {
    "validate": Command(
        "检查策略文件 check policy files (schema, expressions, examples)", _validate_arguments, cmd_validate
    ),
    "check": Command("按策略核查台账 check records against a policy", _check_arguments, cmd_check),
    "explain": Command("解释规则 explain a rule, subsidy, benefit or parameter", _explain_arguments, cmd_explain),
    "diff": Command("比较两个策略 compare two policies", _diff_arguments, cmd_diff),
    "test": Command("运行策略示例 run embedded examples", _test_arguments, cmd_test),
    "coverage": Command("条款覆盖 the clause index of policies", _coverage_arguments, cmd_coverage),
    "budget": Command("补贴预算 subsidy totals against the policy's budget", _budget_arguments, cmd_budget),
    "site": Command("政策网站 a static website of policies, with a comparison", _site_arguments, cmd_site),
    "schema": Command(
        "策略文件（或 --records：台账记录；--reports：报告）的 JSON Schema", _schema_arguments, cmd_schema
    ),
    "template": Command("台账模板 the workbook to fill in for a policy", _template_arguments, cmd_template),
    "columns": Command("表头对照 what each ledger header is read as, and why", _columns_arguments, cmd_columns),
}


def _json(d: Mapping[str, Any]) -> dict[str, Any]:
    """A report's JSON object as the plain dict the CLI adds ``row`` and ``source`` to (the same object)."""
    return cast("dict[str, Any]", d)
