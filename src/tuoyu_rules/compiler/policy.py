"""The compiled pieces of a policy: frozen dataclasses, so one :class:`CompiledPolicy` is safe to share."""

from __future__ import annotations

import dataclasses
import datetime
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from ..expressions import Template
from ..model import Benefit, PolicyModel, Rule, Subsidy, Text
from ..vocabulary import RECORD_KIND
from .layers import Origin
from .parameters import CompiledParameter, ParamSet, date_warnings, override_values, resolve_parameters
from .provenance import Provenance

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
Fn = Callable[..., Any]


@dataclass(frozen=True)
class CompiledRule:
    id: str
    spec: Rule
    subject: str
    severity: str
    when: Fn | None
    check: Fn | None
    observed: Fn | None
    required: Fn | None
    op: Callable[[Any, Any], bool] | None
    by_year: tuple[tuple[int, Any], ...]
    message: tuple[Template, Template]
    fix: tuple[Template, Template] | None
    citation: dict[str, Any]
    reads: tuple[str, ...]
    origin: Origin
    sources: Mapping[str, str] = field(default_factory=dict)  # generated Python of when/check/observed/required
    index: int = 0  # position in CompiledPolicy.rules
    due: datetime.date | None = None  # before it the rule is not_due
    year_meta: Mapping[int, tuple[datetime.date | None, dict[str, Any] | None]] = field(default_factory=dict)
    applies_to: str | None = None  # the level of the units a target binds
    until: datetime.date | None = None  # the end of the plan the rule comes from (its layer's in_force.until)
    also_cited: tuple[dict[str, Any], ...] = ()

    @property
    def generic(self) -> bool:
        """Evaluated one by one (dated, level-bound, or about subregions) rather than in the fused function."""
        return bool(self.by_year) or self.due is not None or self.applies_to is not None or self.subject == "subregion"

    def due_on(self, year: int) -> datetime.date | None:
        """The due date of the target of ``year``: the one the policy states, else None (due from that year on)."""
        meta = self.year_meta.get(year)
        return meta[0] if meta else None

    def citation_of(self, year: int | None) -> dict[str, Any]:
        """The citation of one target year when the policy gives it one, else the rule's."""
        meta = self.year_meta.get(year) if year is not None else None
        return meta[1] if meta and meta[1] else self.citation


@dataclass(frozen=True)
class KindPlan:
    """How records of one kind are evaluated: one fused function, generated once at load, runs every plain rule
    (the record's own, then each class, staff member or subregion); ``targets`` are the by-year rules, evaluated by
    the generic path because they give several findings each."""

    main: Fn
    targets: tuple[CompiledRule, ...]  # the generic path: dated, level-bound and subregion rules


@dataclass(frozen=True)
class CompiledExclusion:
    when: Fn
    reason: Text
    reads: tuple[str, ...]
    citation: dict[str, Any] | None


@dataclass(frozen=True)
class CompiledSubsidy:
    id: str
    spec: Subsidy
    eligible: Fn
    exclusions: tuple[CompiledExclusion, ...]
    amount: Fn | None
    amount_params: tuple[str, ...]
    basis: tuple[Template, Template] | None
    reads: tuple[str, ...]
    citation: dict[str, Any]
    origin: Origin
    requires: tuple[str, ...] = ()  # the rule ids the subsidy's `requires` globs matched


@dataclass(frozen=True)
class CompiledBenefit:
    id: str
    spec: Benefit
    eligible: Fn
    value: Fn | None
    value_params: tuple[str, ...]
    reads: tuple[str, ...]
    citation: dict[str, Any]
    origin: Origin


_MISSING = object()


@dataclass(frozen=True, repr=False)
class CompiledPolicy:
    """A policy ready to evaluate: immutable, so one instance is safe to share between threads."""

    def __repr__(self) -> str:  # the generated one prints every rule: thousands of characters
        return f"<CompiledPolicy {self.id}, {len(self.rules)} rules, {len(self.subsidies)} subsidies>"

    id: str
    model: PolicyModel
    file: str
    chain: tuple[str, ...]  # this policy's id, then its parent's, …
    documents: Mapping[str, Any]
    parameters: Mapping[str, CompiledParameter]
    rules: tuple[CompiledRule, ...]
    rules_by_kind: Mapping[str, tuple[CompiledRule, ...]]
    subsidies: tuple[CompiledSubsidy, ...]
    benefits: tuple[CompiledBenefit, ...]
    disabled: Mapping[str, Any]
    warnings: tuple[Problem, ...] = ()
    example_origins: tuple[Origin, ...] = ()
    plans: Mapping[str, KindPlan] = field(default_factory=dict)
    needs_outcomes: bool = False  # some subsidy or benefit calls passes()
    provenance: Provenance | None = None  # the chain's files and their hashes, worked out once at load
    has_aims: bool = False  # some rule has severity aim
    # each with_parameters / --set applied since load, in order: ((name, value as text), ...) and the reason; with
    # the source files they are how a policy pickles (.pickling), so they are kept exactly as given
    what_if: tuple[tuple[tuple[tuple[str, str], ...], str], ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)  # the column map of the chain: header -> field key
    # record kind -> the record paths some rule, template, subsidy or benefit reads (classes[].enrolled …), plus
    # those the engine and the reports read themselves (see record_reads); worked out once at compile time
    reads: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _cache: dict[datetime.date, ParamSet] = field(default_factory=dict, compare=False, repr=False)
    # facts derived from this policy alone, worked out on first use by report rendering (key: what they are about)
    _memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per policy and key (a pure function of this policy; a race computes it twice)."""
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            found = self._memo[key] = compute()
        return found

    def reads_field(self, kind: str, path: str) -> bool:
        """Whether some rule, subsidy or benefit of this policy (or the engine) may read the field at ``path`` of a
        record of ``kind`` (``staff[2].certificates[0]``), so that a bad value there must void the record. A policy
        compiled without a read set reads everything."""
        reads = self.reads.get(kind)
        return reads is None or path_is_read(reads, path)

    def params_at(self, as_of: datetime.date) -> ParamSet:
        """The parameters in force on ``as_of`` (cached per date, at most 64 dates)."""
        found = self._cache.get(as_of)
        if found is None:
            found = dataclasses.replace(
                resolve_parameters(self.parameters, as_of), warnings=date_warnings(self.model, as_of)
            )
            if len(self._cache) >= 64:
                self._cache.clear()
            self._cache[as_of] = found
        return found


def override_parameters(policy: CompiledPolicy, values: Mapping[str, Any], reason: str = "what-if") -> CompiledPolicy:
    """A new compiled policy whose named parameters hold one value on every date (``--set NAME=VALUE``)."""
    params = override_values(policy.parameters, values, reason, policy.id)
    provenance = policy.provenance.with_overrides(values) if policy.provenance else None
    # a value as text converts to the parameter's type exactly as the value itself does (override_values reads str())
    step = (tuple((name, str(value)) for name, value in values.items()), reason)
    return dataclasses.replace(
        policy, parameters=params, provenance=provenance, what_if=(*policy.what_if, step), _cache={}, _memo={}
    )


# read by the engine or the reports whatever the rules say: who the record is, its kind, level and year (which
# rules apply and to which date), and what reports and breakdowns show of it (name, form, district)
ALWAYS_READ = frozenset({"id", "kind", "level", "year", "name", "form", "district"})
_ITEM_PATHS = {
    "class": ("institution", "classes[]."),
    "staff": ("institution", "staff[]."),
    "subregion": ("region", "subregions[]."),
}
_INDEX = re.compile(r"\[[0-9]+\]")


def record_reads(field_reads: set[tuple[str, str]], subjects: set[str]) -> dict[str, frozenset[str]]:
    """Record kind -> every record path read, from the (subject, path) pairs the expressions read: a class rule's
    ``enrolled`` is ``classes[].enrolled`` of its institution, its ``institution.form`` is ``form``; a subregion
    rule's ``population`` is both ``subregions[].population`` and the region's own; a rule about classes
    (``subjects``) reads the list of classes itself."""
    out: dict[str, set[str]] = {kind: set(ALWAYS_READ) for kind in ("institution", "region", "residential_area")}
    for subject in subjects & _ITEM_PATHS.keys():
        kind, prefix = _ITEM_PATHS[subject]
        out[kind].add(prefix.removesuffix("[]."))
    for subject, path in field_reads:
        kind, prefix = _ITEM_PATHS.get(subject, (RECORD_KIND[subject], ""))
        parent = f"{kind}."
        out[kind].add(path[len(parent) :] if prefix and path.startswith(parent) else prefix + path)
        if subject == "subregion" and not path.startswith(parent):  # a rule bound to a level judges a region of
            out[kind].add(path)  # that level itself, reading its own fields
    return {kind: frozenset(paths) for kind, paths in out.items()}


def path_is_read(reads: frozenset[str], path: str) -> bool:
    """Whether dropping the value at ``path`` (``classes[0].enrolled``) could change what a reader of ``reads``
    sees: the path itself is read, or something inside it, or an object it is inside; a list entry dropped (a
    certificate, a class that is not an object) changes the list itself. Under ``subregions`` a field counts as read
    when it is read at any depth (conservative)."""
    plain = _INDEX.sub("[]", path)
    plain = plain.removesuffix("[]")
    forms = {plain}
    if plain.startswith("subregions[]."):
        forms.add(re.sub(r"^(subregions\[\]\.)+", "subregions[].", plain))
        forms.add(re.sub(r"^(subregions\[\]\.)+", "", plain))
    for form in forms:
        if form in reads or any(r.startswith((form + ".", form + "[")) for r in reads):
            return True
        head = form
        while "." in head:  # an object it is inside, read whole
            head = head.rsplit(".", 1)[0]
            if head in reads and not head.endswith("[]"):
                return True
    return False
