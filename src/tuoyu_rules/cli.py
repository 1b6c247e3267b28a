"""The command line: a thin layer that parses arguments, calls the API, prints, and sets the exit code.

Exit codes: 0 all passed; 1 some record failed (check) or some policy is invalid (validate, test);
2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from ._version import __version__
from .api import validate_files
from .errors import PolicyError, Problem, RecordError
from .records import READERS
from .writers import WRITERS, write_reports

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


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True, help="a bundled id or a path")
    p.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--format", default="table", choices=list(WRITERS))
    p.add_argument("--output", "-o", default=None, help="write here instead of standard output (required for xlsx)")
    p.add_argument("--encoding", default=None, help="CSV encoding (default: detect UTF-8 / GB18030)")
    p.add_argument("--sheet", default=None, help="XLSX sheet (default: all)")
    p.add_argument(
        "--input-format", default=None, help=f"format of standard input: {', '.join(READERS)} (default: jsonl)"
    )
    p.add_argument(
        "--engine",
        choices=["auto", "row", "columnar"],
        default="auto",
        help="row: the reference engine; columnar: polars, for big CSV ledgers with --format csv (docs/columnar.md); "
        "auto: columnar for big CSV ledgers when polars is installed",
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


def _coverage_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policies", nargs="+")
    p.add_argument("--format", choices=["text", "markdown"], default="text")


def _budget_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True)
    p.add_argument("--as-of", type=_date, default=None)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="overrides")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--encoding", default=None)
    p.add_argument("--sheet", default=None)
    p.add_argument("inputs", nargs="+")


def _schema_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--records", action="store_true", help="记录（机构、区域、居住区）的 JSON Schema，而非策略文件")
    p.add_argument("--output", "-o", default=None)


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
    try:
        return COMMANDS[args.command].run(args)
    except PolicyError as exc:
        for p in exc.problems:
            print(p.render(getattr(args, "lang", "zh")), file=sys.stderr)
        return EXIT_USAGE if args.command in ("check", "explain", "diff", "budget") else EXIT_FAIL
    except RecordError as exc:  # an input that cannot be opened or decoded at all
        for p in exc.problems:
            print(f"tuoyu-rules: {p.location}: {p.message if args.lang == 'zh' else p.message_en}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


# ---- validate ----------------------------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
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
            for p in problems:
                print(p.render(args.lang))
            errors = sum(p.severity == "error" for p in problems)
            notices = sum(p.severity == "notice" for p in problems)
            warnings = len(problems) - errors - notices
            mark = "✗" if errors else "✓"
            if args.lang == "en":
                extra = f", {notices} notice(s)" if notices else ""
                print(f"{mark} {file}: {errors} error(s), {warnings} warning(s){extra}", file=sys.stderr)
            else:
                extra = f"，{notices} 个提示" if notices else ""
                print(f"{mark} {file}：{errors} 个错误，{warnings} 个警告{extra}", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK


# ---- check -------------------------------------------------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    from .api import load_policy

    policy = load_policy(args.policy)
    written = policy
    if args.overrides:
        policy = policy.with_parameters(_overrides(args.overrides))
    if WRITERS[args.format].binary and not args.output:
        print(f"tuoyu-rules: --format {args.format} 需要 --output FILE.{WRITERS[args.format].suffix}", file=sys.stderr)
        return EXIT_USAGE

    use_columnar, refused = _columnar(args)
    if refused:
        print(f"tuoyu-rules: 用法错误 usage error: --engine columnar: {refused}", file=sys.stderr)
        return EXIT_USAGE
    if use_columnar:
        return _check_columnar(policy, args)

    def rows() -> Iterator[Any]:
        return _progress(_rows(args.inputs, args), args.lang)

    state = {"failed": False}
    change = None
    if args.overrides:
        from .authoring.ledger_diff import LedgerDiff

        change = LedgerDiff()

    def items() -> Iterator[dict[str, Any]]:
        if change is None:
            for report in policy.evaluate_many(rows(), as_of=args.as_of):
                if report.status in ("fail", "error"):
                    state["failed"] = True
                yield report.to_dict(passes=not args.omit_passes)
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
            yield report.to_dict(passes=not args.omit_passes)

    _write(items(), args)
    if change is not None:
        title = "what-if（--set）与原策略相比" if args.lang == "zh" else "what-if (--set) against the policy as written"
        settings = ", ".join(args.overrides)
        print(f"== {title}: {settings}", file=sys.stderr)
        for line in change.lines(args.lang):
            print(line, file=sys.stderr)
    return EXIT_FAIL if state["failed"] else EXIT_OK


def _columnar(args: argparse.Namespace) -> tuple[bool, str | None]:
    """(take the columnar engine, why not when it was asked for and cannot run)."""
    from .columnar.choose import big_enough, why_not

    engine = getattr(args, "engine", "row")
    if engine == "row":
        return False, None
    reason = why_not(args.inputs, args.format, bool(args.overrides), getattr(args, "input_format", None))
    if reason is not None:
        return False, reason if engine == "columnar" else None
    return engine == "columnar" or big_enough(args.inputs), None


def _check_columnar(policy: Any, args: argparse.Namespace) -> int:
    from .columnar import Checker, check_rows

    checker = Checker(policy.compiled, args.as_of or datetime.date.today(), passes=not args.omit_passes)
    state = {"failed": False}

    def items() -> Iterator[dict[str, Any]]:
        for item in check_rows(policy, args.inputs, encoding=args.encoding, checker=checker):
            state["failed"] = state["failed"] or item.get("status") in ("fail", "error")
            yield item

    _write(items(), args)
    done, rules = checker.rows, ", ".join(checker.columnwise) or "-"
    if args.lang == "en":
        line = f"columnar engine: {done['columnar']} rows column-wise, {done['row']} row-wise; column-wise: {rules}"
    else:
        line = f"列式引擎：{done['columnar']} 行按列计算，{done['row']} 行逐行计算；按列计算的规则与补贴：{rules}"
    print(line, file=sys.stderr)
    return EXIT_FAIL if state["failed"] else EXIT_OK


def _progress(rows: Iterator[Any], lang: str, every: int = 5000) -> Iterator[Any]:
    """Count rows on the terminal (stderr) while a large ledger is checked; silent in pipes and CI."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield from rows
        return
    count = 0
    for count, row in enumerate(rows, start=1):
        if count % every == 0:
            print(
                f"\r{'已读取' if lang == 'zh' else 'read'} {count:,} {'行' if lang == 'zh' else 'rows'}…",
                end="",
                file=sys.stderr,
                flush=True,
            )
        yield row
    if count >= every:
        print(file=sys.stderr)


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


def _rows(inputs: Sequence[str], args: argparse.Namespace) -> Iterator[Any]:
    from .records import read_rows

    for text in inputs:
        stdin = sys.stdin.buffer if text == "-" else None
        yield from read_rows(
            text,
            encoding=getattr(args, "encoding", None),
            sheet=getattr(args, "sheet", None),
            stdin=stdin,
            fmt=getattr(args, "input_format", None),
        )


# ---- explain, diff, test, coverage, budget, schema ----------------------------------------------------------------
def cmd_explain(args: argparse.Namespace) -> int:
    from .api import load_policy
    from .authoring.explain import catalogue, explain, suggest

    policy = load_policy(args.policy).compiled
    if not args.item:
        print("\n".join(catalogue(policy, args.lang)))
        return EXIT_OK
    lines = explain(policy, args.item, args.as_of or datetime.date.today(), args.lang)
    if lines is None:
        close = suggest(policy, args.item)
        hint = (f"；是否想写 '{close}'？" if args.lang == "zh" else f"; did you mean '{close}'?") if close else ""
        print(
            f"tuoyu-rules: {'策略中没有' if args.lang == 'zh' else 'no such id in the policy:'} '{args.item}'{hint}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print("\n".join(lines))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from .api import load_policy
    from .authoring.common import dumps
    from .authoring.diff import diff_policies, diff_text
    from .authoring.ledger_diff import diff_ledger

    old, new = load_policy(args.old), load_policy(args.new)
    day = args.as_of or datetime.date.today()
    changes = diff_policies(old.compiled, new.compiled, day)
    ledger = diff_ledger(old, new, _rows(args.records, args), day) if args.records else None
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
    print("\n".join(diff_text(old.compiled, new.compiled, changes, day, args.lang)))
    if ledger is not None:
        print(f"== {'台账对比' if args.lang == 'zh' else 'ledger'}: {', '.join(args.records)}")
        print("\n".join(ledger.lines(args.lang)))
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

    zh = args.lang == "zh"
    failed = False
    for policy in _compiled_paths(args.policies):
        if isinstance(policy, PolicyError):  # report it and go on with the other policies
            for p in policy.problems:
                print(p.render(args.lang))
            failed = True
            continue
        cov = test_coverage(policy)
        ok = cov.examples - len(cov.failed_examples)
        mark = "✓" if not cov.failed_examples else "✗"
        print(
            f"{mark} {policy.id}: " + (f"示例 {ok}/{cov.examples} 通过" if zh else f"{ok}/{cov.examples} examples pass")
        )
        for name in cov.failed_examples:
            print(f"    ✗ {name}")
        failed = failed or bool(cov.failed_examples)
        if args.coverage or args.min_coverage is not None:
            if args.coverage:
                for item_id, item in cov.items.items():
                    marks = "  ".join(
                        f"{key} {'✓' if item[key] else '✗'}"
                        for key in ("pass", "fail", "boundary")
                        if item.get(key) is not None
                    )
                    print(f"    {item_id:<44} {marks}")
            print(
                f"    {'覆盖率' if zh else 'coverage'} {cov.percent}%  "
                f"({len(cov.items)} {'项规则/补贴/待遇' if zh else 'rules, subsidies and benefits'})"
            )
            for line in cov.missing(args.lang):
                print(f"      - {line}")
            if args.min_coverage is not None and cov.percent < Decimal(str(args.min_coverage)):
                print(f"    ✗ {'低于最低覆盖率' if zh else 'below the minimum coverage'} {args.min_coverage}%")
                failed = True
    return EXIT_FAIL if failed else EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    from .authoring.clauses import clause_index, coverage_markdown

    policies = list(_compiled_paths(args.policies))
    broken = [p for p in policies if isinstance(p, PolicyError)]
    if broken:
        raise PolicyError([problem for exc in broken for problem in exc.problems])
    if args.format == "markdown":
        print(coverage_markdown(policies))
        return EXIT_OK
    zh = args.lang == "zh"
    for policy in policies:
        rows, unmentioned = clause_index(policy)
        print(f"{policy.id}: {policy.model.name}")
        for row in rows:
            how = (
                ", ".join(row["encoded_by"])
                if row["encoded_by"]
                else (("无法机器检查：" if zh else "not checkable: ") + str(row["not_checkable"]))
            )
            print(f"  {row['clause']}  {row['summary']}\n      → {how}")
        if unmentioned:
            print(("  未被条款索引提及：" if zh else "  not in the clause index: ") + ", ".join(unmentioned))
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
        written, what_if = budget(policy, _rows(args.inputs, args), day, args.months), None
    else:
        written, what_if = budgets([policy, what_if_policy], _rows(args.inputs, args), day, args.months)
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
    print("\n".join(budget_lines(written, what_if, args.lang)))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .authoring.common import dumps
    from .authoring.schema import record_schema, schema

    text = dumps(record_schema() if args.records else schema())
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return EXIT_OK


def _write(items: Iterator[dict[str, Any]], args: argparse.Namespace) -> None:
    # a path is opened by write_reports (UTF-8 text, or as a binary file for a binary format)
    summary = write_reports(items, args.format, args.output or sys.stdout, lang=args.lang)
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
    "schema": Command("策略文件（或 --records：台账记录）的 JSON Schema", _schema_arguments, cmd_schema),
}
