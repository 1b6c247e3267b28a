"""Region rules column-wise: by-year targets, ``due`` dates, ``applies_to`` levels and subregion rules, decided as
``evaluate._generic`` decides them for a flat region record (one row of a ledger: it lists no ``subregions``).

A region record speaks of its statistics year: ``Y`` is its ``year`` (``as_of``'s year when missing) and its reference
date the end of that year when it is another year, else ``as_of``. The target judged is the latest one due on that
date (on its stated due date, else from its year on); after the end of the plan a rule comes from, only the target
years beyond that end bind. A rule bound to a level judges records of that level (a record without a level is
unknown); a subregion rule on a record of a wider level judges its subregions, which a flat row does not list: unknown
once a target is due, else not due (nothing in a verdict row).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import polars as pl

from ..compiler import CompiledRule
from .translate import NO_ERR, Env, Untranslatable, V, const, translate, truthy

LEVELS = ("national", "province", "city", "county", "township", "community")  # as evaluate._LEVELS, widest first
Judge = Callable[[CompiledRule, Env, "V | None"], "tuple[pl.Expr, pl.Expr]"]


class Dates:
    """A region row's ``Y`` and reference date, from its ``year`` column."""

    def __init__(self, year: V, as_of: datetime.date):
        self.as_of, self.year = as_of, year.value
        self.y = V("num", pl.when(year.err).then(as_of.year).otherwise(year.value), NO_ERR, 0, 10**10, True)
        # the reference date is the end of the row's year (evaluate.reference_date)
        self.other = ~year.err & (year.value != as_of.year) & (year.value >= 1) & (year.value <= 9999)

    def on_or_after(self, day: datetime.date) -> pl.Expr:
        return pl.when(self.other).then(self.year >= day.year).otherwise(pl.lit(self.as_of >= day))

    def on_or_before(self, day: datetime.date) -> pl.Expr:
        last = 1 if (day.month, day.day) == (12, 31) else 0
        return pl.when(self.other).then(self.year < day.year + last).otherwise(pl.lit(self.as_of <= day))


def region_rule(
    rule: CompiledRule, level: V, env: Env, dates: Dates, params: Any, judge: Judge
) -> tuple[pl.Expr, pl.Expr]:
    """(fails, unknown) of one rule of a flat region record, as evaluate._generic decides it."""
    entries = [(y, v, _in_force(rule, y, dates)) for y, v in rule.by_year]
    bound = pl.any_horizontal([f for _, _, f in entries]) if entries else pl.lit(True)  # evaluate._entries
    units = _no_units(rule, entries, dates)
    if rule.applies_to is None:
        if rule.subject == "subregion":
            return pl.lit(False), bound & units
        fail, unknown = _apply(rule, env, entries, dates, params, judge)
        return bound & fail, bound & unknown
    if rule.applies_to not in LEVELS:
        raise Untranslatable(f"level {rule.applies_to}")
    own = ~level.err & (level.value == rule.applies_to)
    wider = list(LEVELS[: LEVELS.index(rule.applies_to)]) if rule.subject == "subregion" else []
    via_units = ~level.err & level.value.is_in(pl.lit(pl.Series(wider, dtype=pl.Utf8)).implode())
    fail, unknown = _apply(rule, env, entries, dates, params, judge)
    return bound & own & fail, bound & (level.err | (own & unknown) | (via_units & units))


def _in_force(rule: CompiledRule, year: int, dates: Dates) -> pl.Expr:
    until = rule.until
    return pl.lit(True) if until is None or year > until.year else dates.on_or_before(until)


def _due(rule: CompiledRule, year: int, dates: Dates) -> pl.Expr:
    day = rule.due_on(year)
    return dates.on_or_after(day) if day is not None else (pl.lit(year) <= dates.y.value)


def _no_units(rule: CompiledRule, entries: list[tuple[int, Any, pl.Expr]], dates: Dates) -> pl.Expr:
    """evaluate._no_units: unknown unless every target year in force is still to come."""
    if not entries:
        return pl.lit(True)
    some = pl.any_horizontal([f for _, _, f in entries])
    due = pl.any_horizontal([f & _due(rule, y, dates) for y, _, f in entries])
    return ~some | due


def _apply(
    rule: CompiledRule, env: Env, entries: list[tuple[int, Any, pl.Expr]], dates: Dates, params: Any, judge: Judge
) -> tuple[pl.Expr, pl.Expr]:
    """evaluate._apply: `when` first (undecided: unknown), then the latest target due, its due date, or the rule."""
    w = translate(rule.sources["when"], env) if "when" in rule.sources else None
    undecided = w.err if w is not None else pl.lit(False)
    if not rule.by_year:
        fail, unknown = judge(rule, env, None)
        if rule.due is None:
            return fail, unknown
        due = dates.on_or_after(rule.due)
        return due & fail, undecided | (due & unknown)
    applies = truthy(w) & ~w.err if w is not None else pl.lit(True)
    fail = unknown = pl.lit(False)
    taken: pl.Expr = pl.lit(False)  # a later target year is due: this one is not judged
    for year, value, in_force in reversed(entries):
        chosen = ~taken & in_force & _due(rule, year, dates)
        target = params.get(value) if isinstance(value, str) else value
        if target is None:  # the parameter has no value for that year
            f, u = pl.lit(False), applies
        else:
            f, u = judge(rule, env, const(target))
        fail, unknown, taken = fail | (chosen & f), unknown | (chosen & u), taken | chosen
    return fail, undecided | unknown
