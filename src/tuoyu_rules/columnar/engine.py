"""The column-wise plan of a policy for one ledger layout, and the verdict rows of a CSV ledger.

A plan holds, per institution rule, two polars expressions (how many findings fail, whether one is unknown) and, per
subsidy, its eligibility code and amount in cents. It exists only when *every* institution rule and subsidy
translates (:mod:`.translate`); otherwise every row goes row-wise. Rows that are not plain (:mod:`.frame`) go
row-wise too, through the same normalisation and evaluation as ``Policy.evaluate_many``.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import polars as pl

from ..compiler import CompiledPolicy, CompiledRule, CompiledSubsidy
from ..errors import RecordError
from ..evaluate import evaluate_despite, evaluate_record
from ..expressions import Scope, compile_expression
from ..records import normalize_record
from ..records.readers.base import LedgerNotice, RawRow
from ..report import ErrorReport
from ..vocabulary import KINDS, RECORD_KIND
from .frame import SCALE, CellRows, Layout, frame, layout, read_ledger, row_kind
from .region import Dates, region_rule
from .translate import NO_ERR, Env, Untranslatable, V, compare, const, translate, truthy

Reader = Callable[[list[str]], V]
_BOUNDS = {"int": (0, 10**10, True), "num": (SCALE, 10**9 * 10**SCALE, False)}


def _kind(spec: Any) -> str:
    return {"int": "num", "num": "num", "bool": "bool"}.get(spec, "str") if isinstance(spec, str) else "str"


def _column(path: str, spec: Any, present: bool) -> V:
    kind = _kind(spec)
    scale, bound, is_int = _BOUNDS.get(spec, (0, 0, False)) if isinstance(spec, str) else (0, 0, False)
    dummy = {"num": pl.lit(0, pl.Int64), "bool": pl.lit(False), "str": pl.lit("", pl.Utf8)}[kind]
    if not present:
        return V(kind, dummy, pl.lit(True), scale, bound, is_int)
    col = pl.col(path)
    return V(kind, col.fill_null(dummy), col.is_null(), scale, bound, is_int)


class Fields:
    """Field readers of one layout: the institution, each flat class."""

    def __init__(self, lay: Layout, kind: str = "institution"):
        self.specs = {path: spec for path, spec in lay.columns.values()}
        self.slots = lay.slots
        self.table = KINDS[kind]

    def _slot_present(self, kind: str) -> pl.Expr:
        cols = [pl.col(p).is_not_null() for p in self.specs if p.startswith(f"classes:{kind}.")]
        return pl.any_horizontal(cols)

    def any_class(self) -> pl.Expr:
        return pl.any_horizontal([self._slot_present(k) for k in self.slots]) if self.slots else pl.lit(False)

    def institution(self, keys: list[str]) -> V:
        if keys[0] == "?present" and keys[1] == "classes":
            return V("bool", self.any_class(), NO_ERR)
        if keys[0] == "?has":
            name = keys[1]
            if name == "classes":
                return V("bool", self.any_class(), NO_ERR)
            cols = [pl.col(p).is_not_null() for p in self.specs if p == name or p.startswith(name + ".")]
            return V("bool", pl.any_horizontal(cols) if cols else pl.lit(False), NO_ERR)
        spec = self.table.get(keys[0])
        if len(keys) == 2 and isinstance(spec, tuple) and spec[0] == "obj" and isinstance(spec[1].get(keys[1]), str):
            sub = spec[1]
            path = ".".join(keys)
            return _column(
                path, self.specs.get(path, sub[keys[1]] if sub[keys[1]] != "str" else "text"), path in self.specs
            )
        if len(keys) == 1 and isinstance(spec, str):
            return _column(keys[0], self.specs.get(keys[0], spec if spec != "str" else "text"), keys[0] in self.specs)
        raise Untranslatable(f"field {'.'.join(keys)}")

    def klass(self, kind: str) -> Reader:
        def read(keys: list[str]) -> V:
            if keys == ["?present"]:
                return V("bool", self._slot_present(kind), NO_ERR)
            if keys == ["type"]:
                return const(kind)
            if len(keys) == 1 and keys[0] in ("enrolled", "caregivers"):
                path = f"classes:{kind}.{keys[0]}"
                return _column(path, "int", path in self.specs)
            raise Untranslatable(f"class field {'.'.join(keys)}")

        return read

    def lists(self, name: str) -> list[Reader] | None:
        if name == "classes":
            return [self.klass(k) for k in self.slots]
        if name in ("staff", "subregions"):
            return []  # a flat ledger has no staff or subregion list: r[...] raises KeyError on every row
        return None


_OPS: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _finding(rule: CompiledRule, env: Env, target: V | None = None) -> tuple[pl.Expr, pl.Expr]:
    """(fails, unknown) of one rule on one subject, as the fused function (or ``evaluate._judge``, given a target
    year's value) decides them."""
    src = rule.sources
    applies: pl.Expr = pl.lit(True)
    unknown: pl.Expr = NO_ERR
    if "when" in src:
        w = translate(src["when"], env)
        applies, unknown = truthy(w) & ~w.err, w.err
    if "check" in src:
        c = translate(src["check"], env)
        ok, err = truthy(c), c.err
    else:
        if ("required" not in src and target is None) or rule.spec.op not in _OPS:
            raise Untranslatable("rule without a required value")
        o = translate(src["observed"], env)
        q = target if "required" not in src else translate(src["required"], env)
        if q is None:
            raise Untranslatable("rule without a required value")
        if "num" in (o.kind, q.kind):
            ok = compare(_OPS[rule.spec.op], o, q)
        elif o.kind == q.kind == "str" and rule.spec.op in ("==", "!="):
            ok = _OPS[rule.spec.op](o.value, q.value)
        else:
            raise Untranslatable("comparison of different kinds")
        err = o.err | q.err
    return applies & ~err & ~ok, unknown | (applies & err)


def _rule(
    rule: CompiledRule, fields: Fields, base: Env, kind: str, as_of: datetime.date, dates: Dates | None = None
) -> tuple[pl.Expr, pl.Expr]:
    """(how many findings fail, whether some finding is unknown) of one rule of records of ``kind`` (``dates``: a
    region row's year and reference date)."""
    if dates is not None and rule.generic:
        fail, unknown = region_rule(rule, fields.institution(["level"]), base, dates, base.params, _finding)
        return fail.cast(pl.UInt32), unknown
    if rule.by_year or rule.applies_to is not None or rule.subject == "subregion":
        raise Untranslatable("by-year, level-bound or subregion rule")  # the generic path: row-wise
    if rule.due is not None:
        if rule.subject != kind:
            raise Untranslatable("dated rule of a list item")
        if as_of < rule.due:  # not due: only a `when` that cannot be decided makes it unknown
            when = translate(rule.sources["when"], base) if "when" in rule.sources else None
            return pl.lit(0, pl.UInt32), when.err if when is not None else pl.lit(False)
    if rule.subject == kind:
        fail, unknown = _finding(rule, base)
        return fail.cast(pl.UInt32), unknown
    if rule.subject == "staff":
        return pl.lit(0, pl.UInt32), pl.lit(True)  # no staff list: every staff rule is unknown (KeyError)
    if rule.subject != "class":
        raise Untranslatable(f"subject {rule.subject}")
    fails: list[pl.Expr] = []
    unknowns: list[pl.Expr] = []
    for kind in fields.slots:
        env = Env(fields.klass(kind), fields.institution, base.params, base.year, fields.lists)
        fail, unknown = _finding(rule, env)
        here = fields.klass(kind)(["?present"]).value
        fails.append((here & fail).cast(pl.UInt32))
        unknowns.append(here & unknown)
    total = pl.sum_horizontal(fails) if fails else pl.lit(0, pl.UInt32)
    return total.cast(pl.UInt32), ~fields.any_class() | (pl.any_horizontal(unknowns) if unknowns else pl.lit(False))


def _regenerated(policy: CompiledPolicy, text: str, fn: Any, allow_passes: bool, requires: Sequence[str] = ()) -> str:
    """The generated source of a subsidy expression, compiled again as the compiler compiles it (the institution
    scope; an eligibility with ``requires`` joined to its ``passes(...)``) and checked to be the code the policy runs:
    the same bytecode, constants and names as the function it holds, else :class:`Untranslatable`."""
    types = {name: param.spec.type for name, param in policy.parameters.items()}
    ids = tuple(r.id for r in policy.rules if RECORD_KIND[r.subject] == "institution")
    others = tuple(r.id for r in policy.rules if RECORD_KIND[r.subject] != "institution")
    scope = Scope("institution", types, ids, allow_passes=allow_passes, other_rule_ids=others)
    compiled = compile_expression(text, scope)
    if isinstance(compiled, list):
        raise Untranslatable("expression does not compile again")
    source = compiled.source
    if requires:  # as the compiler states a subsidy's requirement set: its own passes(...), and-ed to `eligible`
        required = compile_expression(f"passes({', '.join(repr(g) for g in requires)})", scope)
        if isinstance(required, list):
            raise Untranslatable("requirement set does not compile again")
        source = f"({source}) and ({required.source})"
    code = compile(f"lambda r, p, R, Y, F, T, O=None, Q=None: ({source})", "<policy expression>", "eval")
    mine = next(c for c in code.co_consts if hasattr(c, "co_code"))
    theirs = fn.__code__
    if (mine.co_code, mine.co_consts, mine.co_names) != (theirs.co_code, theirs.co_consts, theirs.co_names):
        raise Untranslatable("regenerated source differs from the compiled function")
    return source


def _cents_of(policy: CompiledPolicy, s: CompiledSubsidy, env: Env, point: Any) -> tuple[pl.Expr, pl.Expr]:
    """(amount in cents, whether computing it raises) under one set of parameter values."""
    amount_env = Env(env.r, None, point, env.year, env.lists)
    a = translate(_regenerated(policy, str(s.spec.amount), s.amount, False), amount_env)
    if a.kind != "num" or a.signed:
        raise Untranslatable("amount that is not a non-negative number")
    if a.scale <= 2:
        return a.value * 10 ** (2 - a.scale), a.err
    return (a.value + 5 * 10 ** (a.scale - 3)) // 10 ** (a.scale - 2), a.err  # ROUND_HALF_UP, non-negative


def _subsidy(
    policy: CompiledPolicy, s: CompiledSubsidy, env: Env, params: Any
) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    """(eligibility code: 0 no, 1 yes, 2 unknown; amount, lowest and highest amount in cents, null when none)."""
    e = translate(_regenerated(policy, s.spec.eligible, s.eligible, True, s.spec.requires), env)
    state = pl.when(e.err).then(2).when(truthy(e)).then(1).otherwise(0)
    for spec, ex in zip(s.spec.exclusions, s.exclusions, strict=True):
        x = translate(_regenerated(policy, spec.when, ex.when, True), env)
        state = pl.when(state == 0).then(0).when(x.err).then(2).when(truthy(x)).then(0).otherwise(state)
    none = pl.lit(None, pl.Int64)
    if s.amount is None or not params.unspecified.isdisjoint(s.amount_params):
        return state.cast(pl.Int8), none, none, none
    if params.ranged.isdisjoint(s.amount_params):
        cents, err = _cents_of(policy, s, env, params.point)
        value = pl.when(err).then(None).otherwise(cents)
        return state.cast(pl.Int8), value, value, value
    low, low_err = _cents_of(policy, s, env, params.low)  # as evaluate._subsidy: the low end first
    high, high_err = _cents_of(policy, s, env, params.high)
    return (
        state.cast(pl.Int8),
        none,
        pl.when(low_err).then(None).otherwise(low),
        pl.when(low_err | high_err).then(None).otherwise(high),
    )


@dataclass
class Plan:
    rules: list[tuple[CompiledRule, pl.Expr, pl.Expr]]
    subsidies: list[tuple[CompiledSubsidy, pl.Expr, pl.Expr, pl.Expr, pl.Expr]]
    amount_open: frozenset[str] = frozenset()  # subsidies whose amount the document leaves open on this date


def plan(policy: CompiledPolicy, lay: Layout, as_of: datetime.date, kind: str = "institution") -> Plan | None:
    """The column-wise plan of every rule of records of ``kind`` (and, for institutions, every subsidy), or None when
    one of them does not translate."""
    params = policy.params_at(as_of)
    fields = Fields(lay, kind)
    base = Env(fields.institution, None, params.point, as_of.year, fields.lists)
    dates = None
    if kind == "region":  # Y is a region record's statistics year (its year column, else as_of's year)
        dates = Dates(fields.institution(["year"]), as_of)
        base.year, base.year_value = None, dates.y
    try:
        rules = [(r, *_rule(r, fields, base, kind, as_of, dates)) for r in policy.rules_by_kind.get(kind, ())]
        index = {r.id: i for i, (r, _, _) in enumerate(rules)}
        if kind != "institution":
            return Plan(rules, [])

        def passes(ids: tuple[str, ...]) -> V:  # as evaluate._outcomes: an aim is not a requirement
            mine = [i for rid in ids if (i := index.get(rid)) is not None and rules[i][0].severity != "aim"]
            failed = pl.any_horizontal([pl.col(f"_f{i}") > 0 for i in mine]) if mine else pl.lit(False)
            unknown = pl.any_horizontal([pl.col(f"_u{i}") for i in mine]) if mine else pl.lit(False)
            return V("bool", ~failed, ~failed & unknown)

        base.passes = passes if policy.needs_outcomes else (lambda ids: V("bool", pl.lit(True), NO_ERR))
        subsidies = [(s, *_subsidy(policy, s, base, params)) for s in policy.subsidies]
    except Untranslatable:
        return None
    amount_open = frozenset(s.id for s in policy.subsidies if not params.unspecified.isdisjoint(s.amount_params))
    return Plan(rules, subsidies, amount_open)


def _cents(c: int) -> str:
    return f"{c // 100}.{c % 100:02d}"


def _rule_part(row: tuple[Any, ...], rules: list[CompiledRule]) -> tuple[str, list[Any], list[Any]]:
    """(status, violations, unknown findings) from the fail counts and unknown flags of one row."""
    n = len(rules)
    violations: list[Any] = []
    unknown: list[Any] = []
    failed = incomplete = False
    for i, rule in enumerate(rules):
        if row[i]:
            violations.extend([{"rule": rule.id}] * row[i])
            failed = failed or rule.severity == "error"
        if row[n + i]:
            unknown.append({"rule": rule.id, "outcome": "unknown"})
            incomplete = incomplete or rule.severity != "aim"  # an aim left unknown leaves the record complete
    return "fail" if failed else "incomplete" if incomplete else "pass", violations, unknown


def _subsidy_part(row: tuple[Any, ...], subsidies: list[CompiledSubsidy], amount_open: frozenset[str]) -> list[Any]:
    """The subsidy lines of one row from its eligibility codes and amounts in cents, as a report's dicts say them."""
    out = []
    for j, s in enumerate(subsidies):
        code, *cents = row[4 * j : 4 * j + 4]
        money = [("0.00" if code == 0 else _cents(c) if code == 1 and c is not None else None) for c in cents]
        line = {
            "id": s.id,
            "title": s.spec.title,
            "eligible": {0: False, 1: True, 2: None}[code],
            "amount": money[0],
            "amount_min": money[1],
            "amount_max": money[2],
        }
        if code == 1 and s.id in amount_open:
            line["amount_open"] = True
        out.append(line)
    return out


def _verdicts(df: pl.DataFrame, pl_: Plan) -> Iterator[tuple[str, list[Any], list[Any], list[Any]]]:
    """(status, violations, unknown findings, subsidies) of each row of an evaluated frame. Rows with the same
    outcomes share their (read-only) lists: each distinct outcome is built once, from polars' ``unique``."""
    rules = [r for r, _, _ in pl_.rules]
    subsidies = [s for s, *_ in pl_.subsidies]
    rule_cols = [c for c in df.columns if c.startswith(("_f", "_u"))]
    sub_cols = [c for c in df.columns if c.startswith("_s")]
    keyed = df.with_columns(
        pl.concat_str([pl.col(c).cast(pl.Utf8) for c in rule_cols], separator=",", ignore_nulls=False)
        .fill_null("")
        .alias("_rk")
        if rule_cols
        else pl.lit("").alias("_rk"),
        pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("-") for c in sub_cols], separator=",").alias("_sk")
        if sub_cols
        else pl.lit("").alias("_sk"),
    )
    by_rules = {
        row[-1]: _rule_part(row, rules) for row in keyed.unique(subset=["_rk"]).select([*rule_cols, "_rk"]).iter_rows()
    }
    by_subsidies = {
        row[-1]: _subsidy_part(row, subsidies, pl_.amount_open)
        for row in keyed.unique(subset=["_sk"]).select([*sub_cols, "_sk"]).iter_rows()
    }
    for rk, sk in zip(keyed["_rk"].to_list(), keyed["_sk"].to_list(), strict=True):
        status, violations, unknown = by_rules[rk]
        yield status, violations, unknown, by_subsidies[sk]


def evaluate_batch(df: pl.DataFrame, pl_: Plan) -> pl.DataFrame:
    rules = [f.alias(f"_f{i}") for i, (_, f, _) in enumerate(pl_.rules)]
    rules += [u.alias(f"_u{i}") for i, (_, _, u) in enumerate(pl_.rules)]
    out = df.with_columns(rules)
    subs = []
    for j, (_, *exprs) in enumerate(pl_.subsidies):
        subs += [e.alias(f"_s{j}_{k}") for k, e in enumerate(exprs)]
    out = out.with_columns(subs) if subs else out
    names = [f"_f{i}" for i in range(len(pl_.rules))] + [f"_u{i}" for i in range(len(pl_.rules))]
    names += [f"_s{j}_{k}" for j in range(len(pl_.subsidies)) for k in range(4)]
    return out.select([*names, "_plain"])  # _plain keeps the height of a kind without rules or subsidies


class Checker:
    """The verdict rows of CSV ledgers under one policy and date, ids checked for repeats across all of them.

    ``on_notice`` is told the reader's notices (an ignored header, rows skipped as layout …), as ``read_rows`` tells
    them; ``header_row`` is ``read_rows``'s too."""

    def __init__(
        self,
        policy: CompiledPolicy,
        as_of: datetime.date,
        passes: bool = True,
        on_notice: Callable[[LedgerNotice], None] | None = None,
        header_row: int | None = None,
        read_options: dict[str, Any] | None = None,
        native: bool = False,
    ):
        self.policy, self.as_of, self.passes, self.on_notice = policy, as_of, passes, on_notice
        self.native = native  # the plain body of a big ledger read and written natively, in blocks (.native)
        self.provenance: dict[str, Any] | None = None  # the provenance of the reports (check_rows sets it)
        self.header_row = header_row  # --header-row: the 1-based line of the header (None: found)
        self.read_options = read_options or {}  # a workbook's sheet, columns (the column map) and kind (frame.py)
        # (kind, id) of every record so far as hashes, as evaluate_many keeps them: a repeated id is an error row
        self.seen: set[int] = set()
        self.columnwise: list[str] = []  # the rules and subsidies of the last plan
        self.rows = {"columnar": 0, "row": 0}
        self.native_lines = 0  # body lines read natively (.native), however each row then went

    def row_wise(self, raw: RawRow, mapper: CellRows) -> dict[str, Any]:
        """The report or error row of one row, as ``Policy.evaluate_many`` gives it."""
        self.rows["row"] += 1
        at = (raw.columns, raw.excel_row) if raw.columns is not None else None
        if raw.problems or raw.data is None:  # a workbook's error row may keep its record (it shows the id)
            kept = mapper.record(cast("list[str]", raw.data)) if raw.data is not None else None
            return dict(ErrorReport.of(raw.row, list(raw.problems), kept, raw.source, at).to_dict())
        data = mapper.record(cast("list[str]", raw.data))
        report = None
        try:
            record = normalize_record(
                data, row=raw.row, source=raw.source, text=raw.text, columns=raw.columns, excel_row=raw.excel_row
            )
        except RecordError as exc:  # refused values in fields the policy never reads: checked, with warnings
            report = evaluate_despite(self.policy, exc, self.as_of)
            if report is None:
                return dict(ErrorReport.of(raw.row, exc.problems, data, raw.source, at).to_dict())
            record = dict(report.record)
        key = hash((record["kind"], record.get("id")))
        if key in self.seen:
            return dict(ErrorReport.duplicate(raw.row, record.get("id"), raw.source, at).to_dict())
        self.seen.add(key)
        report = report or evaluate_record(self.policy, record, self.as_of)
        return dict(report.to_dict(passes=self.passes))

    def tell(self, notice: LedgerNotice) -> None:
        if self.on_notice is not None:
            self.on_notice(notice)

    def check(self, path: str, encoding: str | None, batch_size: int) -> Iterator[dict[str, Any]]:
        """The verdict rows of one ledger, every row read by the row reader (``native``: see :mod:`.native`)."""
        rows, mappers = read_ledger(path, encoding, self.on_notice, self.header_row, **self.read_options)
        kinds: dict[str, tuple[Layout, Plan]] | None = None
        while batch := list(itertools.islice(rows, batch_size)):
            if kinds is None:
                kinds = self._plans(mappers[0].headers)
            yield from self._batch(batch, kinds, mappers[0])

    def _plans(self, header: list[str]) -> dict[str, tuple[Layout, Plan]]:
        """The layout and plan of each record kind whose rules (and subsidies) all translate for this header."""
        out: dict[str, tuple[Layout, Plan]] = {}
        for kind in KINDS:
            lay = layout(header, kind)
            the_plan = plan(self.policy, lay, self.as_of, kind) if lay is not None else None
            if lay is not None and the_plan is not None and (kind == "institution" or lay.kind_index >= 0):
                out[kind] = (lay, the_plan)
        self.columnwise = [r.id for _, p in out.values() for r, _, _ in p.rules]
        self.columnwise += [s.id for _, p in out.values() for s, *_ in p.subsidies]
        return out

    def _batch(
        self, batch: list[RawRow], kinds: dict[str, tuple[Layout, Plan]], mapper: CellRows
    ) -> Iterator[dict[str, Any]]:
        """The rows of a batch in order: each kind's plain rows column-wise (one frame per kind), the rest row-wise."""
        cells = [cast("list[str]", raw.data) if raw.data is not None and not raw.problems else None for raw in batch]
        index = next(iter(kinds.values()))[0].kind_index if kinds else -1
        of = [row_kind(c, index) if c is not None and kinds else None for c in cells]
        verdicts: dict[str, Iterator[tuple[str, list[Any], list[Any], list[Any]]]] = {}
        plain = [False] * len(batch)
        for kind, (lay, the_plan) in kinds.items():
            mine = [i for i, k in enumerate(of) if k == kind]
            if not mine:
                continue
            df = frame([cast("list[str]", cells[i]) for i in mine], lay)
            for i, ok in zip(mine, df["_plain"].to_list(), strict=True):
                plain[i] = ok
            verdicts[kind] = _verdicts(evaluate_batch(df.filter(pl.col("_plain")), the_plan), the_plan)
        for raw, row, row_of, is_plain in zip(batch, cells, of, plain, strict=True):
            if not is_plain or row is None or row_of is None:
                yield self.row_wise(raw, mapper)
                continue
            kind, lay = row_of, kinds[row_of][0]
            status, violations, unknown, subsidies = next(verdicts[kind])
            rid = row[lay.id_index]
            key = hash((kind, rid))
            if key in self.seen:
                at = (raw.columns, raw.excel_row) if raw.columns is not None else None
                yield dict(ErrorReport.duplicate(raw.row, rid, raw.source, at).to_dict())
                continue
            self.seen.add(key)
            self.rows["columnar"] += 1
            item: dict[str, Any] = {
                "kind": kind,
                "id": rid,
                "name": _name(row, lay),
                "status": status,
                "violations": violations,
                "findings": unknown,
                "subsidies": subsidies,
            }
            district = row[lay.district_index] if 0 <= lay.district_index < len(row) else ""
            if district.strip():  # the summary's subsidy_by_district reads it, as it reads a report's record
                item["record"] = {"district": district}
            yield item


def _name(row: list[str], lay: Layout) -> str:
    """The name a report shows: the field as read (plain: no surrounding white space), or an extra field as written."""
    cell = row[lay.name_index] if 0 <= lay.name_index < len(row) else ""
    return cell if lay.name_field or cell.strip() else ""
