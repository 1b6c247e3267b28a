"""The command line: a thin layer that parses arguments, calls the API, prints, and sets the exit code.

Exit codes: 0 all passed; 1 some record failed (check) or some policy is invalid (validate, test);
2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .errors import PolicyError, Problem, RecordError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"tuoyu-rules: 用法错误 usage error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写作 YYYY-MM-DD: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tuoyu-rules", description="托育政策即代码 · childcare policy as code")
    parser.add_argument("--version", action="version", version="tuoyu-rules 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("validate", help="检查策略文件 check policy files (schema, expressions, examples)")
    v.add_argument("paths", nargs="+", help="policy files or folders")
    v.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    v.add_argument("--lang", choices=["zh", "en"], default="zh")
    v.add_argument("--strict", action="store_true", help="treat warnings as errors")

    c = sub.add_parser("check", help="按策略核查台账 check records against a policy")
    c.add_argument("--policy", required=True, help="a bundled id or a path")
    c.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    c.add_argument("--format", default="table", choices=["table", "json", "jsonl", "csv", "xlsx", "html"])
    c.add_argument("--output", "-o", default=None, help="write here instead of standard output (required for xlsx)")
    c.add_argument("--encoding", default=None, help="CSV encoding (default: detect UTF-8 / GB18030)")
    c.add_argument("--sheet", default=None, help="XLSX sheet (default: all)")
    c.add_argument("--input-format", default=None, help="format of standard input: jsonl, json, yaml, csv")
    c.add_argument("--lang", choices=["zh", "en"], default="zh")
    c.add_argument("inputs", nargs="+", help="ledger files (CSV, XLSX, JSON, JSONL, YAML) or - for standard input")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        handler = {"validate": cmd_validate, "check": cmd_check}[args.command]
        return handler(args)
    except PolicyError as exc:
        for p in exc.problems:
            print(p.render(getattr(args, "lang", "zh")), file=sys.stderr)
        return EXIT_USAGE if args.command == "check" else EXIT_FAIL
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


# ---- validate ----------------------------------------------------------------------------------------------------
def _policy_files(paths: Sequence[str]) -> Iterator[Path]:
    for text in paths:
        path = Path(text)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            yield path


def validate_paths(paths: Sequence[str], strict: bool = False) -> list[tuple[str, list[Problem]]]:
    """Every problem of every policy file: schema, references, expressions, inheritance, embedded examples."""
    from .compiler import compile_file
    from .examples import run_examples

    out = []
    for path in _policy_files(paths):
        problems: list[Problem] = []
        try:
            compiled = compile_file(path)
            problems.extend(compiled.warnings)
            for result in run_examples(compiled):
                problems.extend(result.problems)
        except PolicyError as exc:
            problems.extend(exc.problems)
        if strict:
            problems = [Problem(p.code, p.message, p.message_en, p.location, "error", p.value) for p in problems]
        out.append((str(path), problems))
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    results = validate_paths(args.paths, args.strict)
    failed = any(p.severity == "error" for _, problems in results for p in problems)
    if args.format == "json":
        json.dump([{"file": f, "valid": not any(p.severity == "error" for p in ps),
                    "problems": [p.to_dict() for p in ps]} for f, ps in results], sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for file, problems in results:
            for p in problems:
                print(p.render(args.lang))
            errors = sum(p.severity == "error" for p in problems)
            mark = "✗" if errors else "✓"
            if args.lang == "en":
                print(f"{mark} {file}: {errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
            else:
                print(f"{mark} {file}：{errors} 个错误，{len(problems) - errors} 个警告", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK


# ---- check -------------------------------------------------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    from .api import load_policy
    from .records import read_rows

    policy = load_policy(args.policy)
    if args.format == "xlsx" and not args.output:
        print("tuoyu-rules: --format xlsx 需要 --output FILE.xlsx", file=sys.stderr)
        return EXIT_USAGE

    def rows() -> Iterator[Any]:
        for text in args.inputs:
            stdin = sys.stdin.buffer if text == "-" else None
            yield from read_rows(text, encoding=args.encoding, sheet=args.sheet, stdin=stdin, fmt=args.input_format)

    state = {"failed": False}

    def items() -> Iterator[dict[str, Any]]:
        for report in policy.evaluate_many(rows(), as_of=args.as_of):
            if report.status in ("fail", "error"):
                state["failed"] = True
            yield report.to_dict()

    try:
        _write(items(), args)
    except RecordError as exc:  # the input could not be opened or decoded at all
        for p in exc.problems:
            print(f"tuoyu-rules: {p.location}: {p.message if args.lang == 'zh' else p.message_en}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_FAIL if state["failed"] else EXIT_OK


def _write(items: Iterator[dict[str, Any]], args: argparse.Namespace) -> None:
    from .writers import write_reports

    if args.output:
        if args.format == "xlsx":
            summary = write_reports(items, "xlsx", args.output, lang=args.lang)
        else:
            with open(args.output, "w", encoding="utf-8", newline="") as fh:
                summary = write_reports(items, args.format, fh, lang=args.lang)
    else:
        summary = write_reports(items, args.format, sys.stdout, lang=args.lang)
    if args.format != "table":
        _print_summary(summary.to_dict(), sys.stderr, args.lang)


def _print_summary(s: dict[str, Any], out: TextIO, lang: str) -> None:
    if lang == "en":
        print(f"rows {s.get('rows')}: passed {s.get('passed')}, failed {s.get('failed')}, "
              f"incomplete {s.get('incomplete')}, errors {s.get('errors')}", file=out)
    else:
        print(f"共 {s.get('rows')} 行：通过 {s.get('passed')}，不通过 {s.get('failed')}，"
              f"信息不全 {s.get('incomplete')}，错误 {s.get('errors')}", file=out)


if __name__ == "__main__":
    raise SystemExit(main())
