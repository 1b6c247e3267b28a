"""Policy file + its parents -> an immutable :class:`CompiledPolicy`.

Loading a policy reads its YAML with positions (:mod:`.source`), validates it against the models (:mod:`.model`),
loads and merges the parent chain (``extends``), checks every reference and compiles every expression once
(:mod:`.expressions`). All problems of all stages are collected and raised together as one :class:`PolicyError`.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import PolicyError, Problem
from .expressions import (
    EVAL_ERRORS,
    RUNTIME,
    Compiled,
    ExprProblem,
    Scope,
    Template,
    build_function,
    build_template,
    compile_expression,
    split_template,
)
from .model import Benefit, Citation, Parameter, PolicyModel, Rule, Subsidy, Text
from .source import SourceDoc, load_yaml_file
from .vocabulary import RECORD_KIND

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
Fn = Callable[..., Any]


def bundled_dir() -> Path:
    """The folder of the policies that ship with the package."""
    return Path(str(resources.files("tuoyu_rules") / "policies"))


def bundled_ids() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def resolve_ref(ref: str | Path, relative_to: Path | None = None) -> Path:
    """A bundled policy id (``national``) or a path to a YAML file."""
    text = str(ref)
    if not text.endswith((".yaml", ".yml")) and "/" not in text and "\\" not in text:
        return bundled_dir() / f"{text}.yaml"
    path = Path(text)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    return path


# ---- compiled pieces ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Origin:
    """Which policy file (layer) defined a thing, and where."""

    policy: str
    file: str
    line: int | None
    column: int | None


@dataclass(frozen=True)
class CompiledParameter:
    name: str
    spec: Parameter
    origin: Origin
    overridden: tuple[tuple[str, Parameter], ...] = ()  # (policy id, parameter) of the layers below, nearest first


@dataclass(frozen=True)
class ParamSet:
    """Parameters in force on one date."""

    point: Mapping[str, Any]
    low: Mapping[str, Any]
    high: Mapping[str, Any]
    ranged: frozenset[str]
    unspecified: frozenset[str]
    warnings: tuple[dict[str, str], ...] = ()  # the report warnings of this date (the policy not in force)


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


@dataclass(frozen=True)
class KindPlan:
    """How records of one kind are evaluated: one fused function, generated once at load, runs every plain rule
    (the record's own, then each class, staff member or subregion); ``targets`` are the by-year rules, evaluated by
    the generic path because they give several findings each."""

    main: Fn
    targets: tuple[CompiledRule, ...]


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


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy ready to evaluate: immutable, so one instance is safe to share between threads."""

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
    _cache: dict[datetime.date, ParamSet] = field(default_factory=dict, compare=False, repr=False)
    # facts derived from this policy alone, worked out on first use by report rendering (key: what they are about)
    _memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per policy and key (a pure function of this policy; a race computes it twice)."""
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            found = self._memo[key] = compute()
        return found

    def params_at(self, as_of: datetime.date) -> ParamSet:
        """The parameters in force on ``as_of`` (cached per date, at most 64 dates)."""
        found = self._cache.get(as_of)
        if found is None:
            found = replace(resolve_parameters(self.parameters, as_of), warnings=_date_warnings(self.model, as_of))
            if len(self._cache) >= 64:
                self._cache.clear()
            self._cache[as_of] = found
        return found


def _date_warnings(model: PolicyModel, as_of: datetime.date) -> tuple[dict[str, str], ...]:
    period = model.in_force
    if period.from_ <= as_of and (period.until is None or as_of <= period.until):
        return ()
    until = period.until.isoformat() if period.until else "—"
    return (
        {
            "code": "policy.not-in-force",
            "message": f"核查日期 {as_of.isoformat()} 不在策略有效期（{period.from_.isoformat()} 至 {until}）内",
            "message_en": f"as_of {as_of.isoformat()} is outside the policy's period ({period.from_.isoformat()} to {until})",
        },
    )


def resolve_parameters(parameters: Mapping[str, CompiledParameter], as_of: datetime.date) -> ParamSet:
    """Each parameter's value in force on ``as_of``: a value holds from its ``since`` until the next one."""
    point: dict[str, Any] = {}
    low: dict[str, Any] = {}
    high: dict[str, Any] = {}
    ranged: set[str] = set()
    unspecified: set[str] = set()
    for name, param in parameters.items():
        current = None
        for value in sorted(param.spec.values, key=lambda v: v.since):
            if value.since <= as_of:
                current = value
        if current is None:
            continue
        if current.unspecified:
            unspecified.add(name)
        elif current.min is not None:
            ranged.add(name)
            low[name], high[name] = current.min, current.max
        else:
            point[name] = low[name] = high[name] = current.value
    return ParamSet(point, low, high, frozenset(ranged), frozenset(unspecified))


# ---- loading -----------------------------------------------------------------------------------------------------
@dataclass
class _Layer:
    """One policy file of the chain, parsed and validated."""

    doc: SourceDoc
    model: PolicyModel


def _validate_model(doc: SourceDoc) -> PolicyModel:
    if not isinstance(doc.data, dict):
        raise PolicyError(
            [
                doc.problem(
                    (),
                    "policy.not-a-mapping",
                    "策略文件的顶层必须是映射（键: 值）",
                    "the top level of a policy must be a mapping",
                )
            ]
        )
    try:
        model = PolicyModel.model_validate(doc.data)
    except ValidationError as exc:
        raise PolicyError(_unique([*doc.problems, *_translate(doc, exc)])) from None
    if doc.problems:
        raise PolicyError(doc.problems)
    return model


_FIELDS_CACHE: dict[str, list[str]] = {}


def _translate(doc: SourceDoc, exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        where = ".".join(str(p) for p in path) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(path[-1]) if path else ""
            siblings = _sibling_fields(doc, path[:-1])
            close = difflib.get_close_matches(key, siblings, n=1, cutoff=0.6)
            zh_hint = f"；是否想写 '{close[0]}'？" if close else ""
            en_hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(
                doc.problem(
                    path, "policy.unknown-key", f"未知的键 '{key}'{zh_hint}", f"unknown key '{key}'{en_hint}", key=True
                )
            )
        elif kind == "missing":
            problems.append(
                doc.problem(
                    path[:-1],
                    "policy.missing-key",
                    f"缺少必填的键 '{path[-1]}'（在 {where}）",
                    f"missing required key '{path[-1]}' (at {where})",
                )
            )
        elif kind in ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"):
            problems.append(
                doc.problem(
                    path,
                    "policy.bad-date",
                    f"{where}：日期格式不对，应写作 YYYY-MM-DD",
                    f"{where}: not a date; write YYYY-MM-DD",
                )
            )
        else:
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(
                doc.problem(path, f"policy.invalid-{kind.replace('_', '-')}", f"{where}：{msg}", f"{where}: {msg}")
            )
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    """One problem per location and code (pydantic reports each branch of a union, YAML and pydantic both see dates)."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        where = (str(problem.location), problem.code)
        if where not in seen:
            seen.add(where)
            unique.append(problem)
    return unique


def _sibling_fields(doc: SourceDoc, path: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at ``path`` — for "did you mean"."""
    from . import model as m

    top = {
        "parameters": m.Parameter,
        "rules": m.Rule,
        "subsidies": m.Subsidy,
        "benefits": m.Benefit,
        "disable": m.Disable,
        "clauses": m.Clause,
        "examples": m.Example,
        "documents": m.Document,
    }
    cls: Any = m.PolicyModel
    if path:
        cls = top.get(str(path[0]), m.PolicyModel)
        nested = {
            "citation": m.Citation,
            "values": m.ParamValue,
            "message": m.Text,
            "fix": m.Text,
            "basis": m.Text,
            "exclusions": m.Exclusion,
            "expect": m.Expect,
            "jurisdiction": m.Jurisdiction,
            "in_force": m.InForce,
            "reason": m.Text,
        }
        for part in path[2:]:
            if isinstance(part, str) and part in nested:
                cls = nested[part]
    names = []
    for name, info in cls.model_fields.items():
        names.append(info.alias or name)
    return names


def _load_chain(path: Path, seen: tuple[str, ...] = ()) -> list[_Layer]:
    """This file and its ancestors, nearest first."""
    doc = load_yaml_file(path)
    model = _validate_model(doc)
    problems = []
    if path.suffix in (".yaml", ".yml") and path.stem != model.id:
        problems.append(
            doc.problem(
                ("id",),
                "policy.id-mismatch",
                f"id '{model.id}' 与文件名 '{path.stem}' 不一致",
                f"id '{model.id}' differs from the file name '{path.stem}'",
                severity="warning",
            )
        )
    layer = _Layer(doc, model)
    if model.extends is None:
        return [layer]
    key = str(path.resolve())
    if key in seen:
        raise PolicyError(
            [
                doc.problem(
                    ("extends",),
                    "policy.extends-cycle",
                    f"继承形成循环：{model.extends}",
                    f"inheritance cycle through '{model.extends}'",
                )
            ]
        )
    parent_path = resolve_ref(model.extends, path.parent)
    if not parent_path.exists():
        known = bundled_ids()
        close = difflib.get_close_matches(model.extends, known, n=1)
        hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
        raise PolicyError(
            [
                doc.problem(
                    ("extends",),
                    "policy.unknown-parent",
                    f"找不到上级策略 '{model.extends}'{hint[0]}（内置：{', '.join(known)}）",
                    f"unknown parent policy '{model.extends}'{hint[1]} (bundled: {', '.join(known)})",
                )
            ]
        )
    return [layer, *_load_chain(parent_path, (*seen, key))]


@dataclass
class _Builder:
    layers: list[_Layer]
    problems: list[Problem] = field(default_factory=list)

    def origin(self, layer: _Layer, path: tuple[Any, ...]) -> Origin:
        line, column = layer.doc.where(path)
        return Origin(layer.model.id, layer.doc.file, line, column)

    def add(
        self,
        layer: _Layer,
        path: tuple[Any, ...],
        code: str,
        zh: str,
        en: str,
        severity: str = "error",
        offset: int = 0,
        key: bool = False,
    ) -> None:
        self.problems.append(layer.doc.problem(path, code, zh, en, severity=severity, column_offset=offset, key=key))


def compile_file(source_path: str | Path) -> CompiledPolicy:
    """Load, validate, merge and compile a policy file. Raises :class:`PolicyError` with every problem."""
    chain = _load_chain(Path(source_path))
    b = _Builder(chain)
    own = chain[0]
    # documents, parameters, rules, subsidies and benefits, from the root ancestor down
    documents: dict[str, Any] = {}
    params: dict[str, tuple[CompiledParameter, _Layer, tuple[Any, ...]]] = {}
    rule_groups: dict[str, list[tuple[Rule, _Layer, tuple[Any, ...]]]] = {}
    disabled: dict[str, Any] = {}
    subsidies: dict[str, tuple[Subsidy, _Layer, tuple[Any, ...]]] = {}
    benefits: dict[str, tuple[Benefit, _Layer, tuple[Any, ...]]] = {}
    for layer in reversed(chain):
        m = layer.model
        for key, document in m.documents.items():
            if key in documents:
                b.add(
                    layer,
                    ("documents", key),
                    "policy.duplicate-document",
                    f"文件键 '{key}' 已在上级策略中定义",
                    f"document key '{key}' is already defined by a parent policy",
                    key=True,
                )
            documents[key] = document
        for name, param in m.parameters.items():
            path: tuple[Any, ...] = ("parameters", name)
            overridden: tuple[tuple[str, Parameter], ...] = ()
            if name in params:
                below = params[name][0]
                overridden = ((below.origin.policy, below.spec), *below.overridden)
                if not param.reason:
                    b.add(
                        layer,
                        path,
                        "policy.override-without-reason",
                        f"参数 '{name}' 覆盖了上级策略 {below.origin.policy} 的同名参数，需写明 reason",
                        f"parameter '{name}' overrides the one of '{below.origin.policy}': give a `reason`",
                        key=True,
                    )
            params[name] = (CompiledParameter(name, param, b.origin(layer, path), overridden), layer, path)
        own_ids: set[str] = set()
        for i, rule in enumerate(m.rules):
            path = ("rules", i)
            if rule.id in rule_groups and rule.id not in own_ids:
                if not rule.reason:
                    b.add(
                        layer,
                        path,
                        "policy.override-without-reason",
                        f"规则 '{rule.id}' 覆盖了上级策略的同名规则，需写明 reason",
                        f"rule '{rule.id}' overrides a parent rule: give a `reason`",
                    )
                rule_groups[rule.id] = []
            own_ids.add(rule.id)
            rule_groups.setdefault(rule.id, []).append((rule, layer, path))
        for i, off in enumerate(m.disable):
            if off.rule not in rule_groups:
                close = difflib.get_close_matches(off.rule, list(rule_groups), n=1)
                hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
                b.add(
                    layer,
                    ("disable", i, "rule"),
                    "policy.disable-unknown-rule",
                    f"要停用的规则 '{off.rule}' 不存在{hint[0]}",
                    f"cannot disable unknown rule '{off.rule}'{hint[1]}",
                )
                continue
            del rule_groups[off.rule]
            disabled[off.rule] = {"reason": off.reason, "citation": off.citation.model_dump(), "policy": m.id}
        tables: tuple[tuple[list[Any], dict[str, Any], str], ...] = (
            (list(m.subsidies), subsidies, "subsidies"),
            (list(m.benefits), benefits, "benefits"),
        )
        for items, table, kind in tables:
            for i, item in enumerate(items):
                path = (kind, i)
                if item.id in table and table[item.id][1] is layer:
                    b.add(
                        layer,
                        (*path, "id"),
                        "policy.duplicate-id",
                        f"'{item.id}' 在本文件中重复",
                        f"'{item.id}' is defined twice in this file",
                    )
                elif item.id in table and not item.reason:
                    b.add(
                        layer,
                        path,
                        "policy.override-without-reason",
                        f"'{item.id}' 覆盖了上级策略的同名项，需写明 reason",
                        f"'{item.id}' overrides a parent's: give a `reason`",
                    )
                table[item.id] = (item, layer, path)

    def cite(c: Citation | None, layer: _Layer, path: tuple[Any, ...]) -> dict[str, Any] | None:
        if c is None:
            return None
        doc = documents.get(c.document)
        if doc is None:
            close = difflib.get_close_matches(c.document, list(documents), n=1)
            hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
            b.add(
                layer,
                (*path, "document"),
                "policy.unknown-document",
                f"引用了未定义的文件 '{c.document}'{hint[0]}",
                f"citation names an undefined document '{c.document}'{hint[1]}",
            )
            return None
        out: dict[str, Any] = {"document": doc.title, "clause": c.clause}
        if doc.number:
            out["number"] = doc.number
        if doc.source:
            out["source"] = doc.source
        out["quote"] = c.quote
        return out

    param_types = {name: entry[0].spec.type for name, entry in params.items()}
    all_rule_ids = tuple(rule_groups)

    # the same expression text in the same scope, and the same generated source, are compiled once per load (a
    # policy repeats many: `type == 'infant'`, a message template shared by several rules); functions are pure, so
    # rules may share one
    expressions: dict[tuple[Any, ...], Compiled | list[ExprProblem]] = {}
    functions: dict[str, Fn] = {}

    def function(source: str) -> Fn:
        found = functions.get(source)
        if found is None:
            found = functions[source] = build_function(source)
        return found

    def expr(text: str, layer: _Layer, path: tuple[Any, ...], subject: str, **kw: Any) -> Compiled | None:
        key = (text, subject, *sorted(kw.items()))
        result = expressions.get(key)
        if result is None:
            result = expressions[key] = compile_expression(text, Scope(subject, param_types, all_rule_ids, **kw))
        if isinstance(result, list):
            for p in result:
                b.add(layer, path, p.code, p.message, p.message_en, offset=p.offset)
            return None
        return result

    def template(
        text: Text | None, layer: _Layer, path: tuple[Any, ...], subject: str, **kw: Any
    ) -> tuple[Template, Template] | None:
        if text is None:
            return None
        out = []
        for lang in ("zh", "en"):
            source = getattr(text, lang) or text.zh
            pieces = split_template(source)
            if isinstance(pieces, ExprProblem):
                b.add(layer, (*path, lang), pieces.code, pieces.message, pieces.message_en)
                out.append(Template((source,)))
                continue
            parts: list[str | int] = []
            sources: list[str] = []
            reads: list[str] = []
            for piece, is_expr, _offset in pieces:
                if not is_expr:
                    parts.append(piece)
                    continue
                compiled = expr(piece, layer, (*path, lang), subject, template=True, **kw)
                if compiled is not None:
                    parts.append(len(sources))
                    sources.append(compiled.source)
                    reads.extend(compiled.reads)
            out.append(Template(tuple(parts), build_template(sources, function), tuple(reads)))
        return out[0], out[1]

    # parameters: references and date order
    for name, (cp, layer, path) in params.items():
        dates = [v.since for v in cp.spec.values]
        if len(set(dates)) != len(dates):
            b.add(
                layer,
                (*path, "values"),
                "policy.values-same-date",
                f"参数 '{name}' 有两个取值的日期相同",
                f"two values of '{name}' start on the same date",
            )
        elif dates != sorted(dates):
            b.add(
                layer,
                (*path, "values"),
                "policy.values-out-of-order",
                f"参数 '{name}' 的取值未按日期先后排列（按日期解读）",
                f"the values of '{name}' are not in date order (they are read by date)",
                severity="warning",
            )
        cite(cp.spec.citation, layer, (*path, "citation"))
        for i, dated in enumerate(cp.spec.values):
            cite(dated.citation, layer, (*path, "values", i, "citation"))
            _check_param_value(b, layer, (*path, "values", i), cp.spec, dated)
        if cp.spec.superseded_by and cp.spec.superseded_by not in params:
            b.add(
                layer,
                (*path, "superseded_by"),
                "policy.unknown-parameter",
                f"superseded_by 指向未知参数 '{cp.spec.superseded_by}'",
                "superseded_by names an unknown parameter",
            )

    rules: list[CompiledRule] = []
    for group in rule_groups.values():
        for rule, layer, path in group:
            reads: list[str] = []
            sources: dict[str, str] = {}

            def fn(
                text: str | None,
                key: str,
                _rule: Rule = rule,
                _layer: _Layer = layer,
                _path: tuple[Any, ...] = path,
                **kw: Any,
            ) -> Fn | None:
                if text is None:
                    return None
                compiled = expr(text, _layer, (*_path, key), _rule.subject, **kw)
                if compiled is None:
                    return None
                reads.extend(compiled.reads)  # noqa: B023 - called within this iteration only
                sources[key] = compiled.source  # noqa: B023
                return function(compiled.source)

            by_year: list[tuple[int, Any]] = []
            for year, target in sorted((rule.by_year or {}).items()):
                if isinstance(target, str):
                    if target not in params:
                        b.add(
                            layer,
                            (*path, "by_year", year),
                            "policy.unknown-parameter",
                            f"by_year 中的未知参数 '{target}'",
                            f"unknown parameter '{target}' in by_year",
                        )
                by_year.append((year, target))
            compiled_rule = CompiledRule(
                id=rule.id,
                spec=rule,
                subject=rule.subject,
                severity=rule.severity,
                when=fn(rule.when, "when"),
                check=fn(rule.check, "check"),
                observed=fn(rule.observed, "observed"),
                required=fn(rule.required, "required", by_year=bool(by_year)),
                op=OPS[rule.op] if rule.op else None,
                by_year=tuple(by_year),
                message=template(rule.message, layer, (*path, "message"), rule.subject, by_year=bool(by_year))
                or (Template(("",)), Template(("",))),
                fix=template(rule.fix, layer, (*path, "fix"), rule.subject, by_year=bool(by_year)),
                citation=cite(rule.citation, layer, (*path, "citation")) or {},
                reads=tuple(dict.fromkeys(reads)),
                origin=b.origin(layer, path),
                sources=sources,
                index=len(rules),
            )
            rules.append(compiled_rule)

    uses_passes = False
    compiled_subsidies = []
    for sid, (sub, layer, path) in subsidies.items():
        reads = []
        elig = expr(sub.eligible, layer, (*path, "eligible"), "institution", allow_passes=True)
        amount = expr(sub.amount, layer, (*path, "amount"), "institution") if sub.amount else None
        exclusions = []
        for i, ex in enumerate(sub.exclusions):
            c = expr(ex.when, layer, (*path, "exclusions", i, "when"), "institution", allow_passes=True)
            if c is not None:
                exclusions.append(
                    CompiledExclusion(
                        function(c.source),
                        ex.reason,
                        c.reads,
                        cite(ex.citation, layer, (*path, "exclusions", i, "citation")),
                    )
                )
        if elig is not None:
            reads.extend(elig.reads)
            uses_passes = uses_passes or bool(elig.passes)
        compiled_subsidies.append(
            CompiledSubsidy(
                id=sid,
                spec=sub,
                eligible=function(elig.source) if elig else _never,
                exclusions=tuple(exclusions),
                amount=function(amount.source) if amount else None,
                amount_params=amount.params if amount else (),
                basis=template(sub.basis, layer, (*path, "basis"), "institution"),
                reads=tuple(reads),
                citation=cite(sub.citation, layer, (*path, "citation")) or {},
                origin=b.origin(layer, path),
            )
        )
    compiled_benefits = []
    for bid, (ben, layer, path) in benefits.items():
        subject = "institution"  # benefits are granted to institutions
        elig = expr(ben.eligible, layer, (*path, "eligible"), subject, allow_passes=True)
        uses_passes = uses_passes or bool(elig and elig.passes)
        value_expr = expr(ben.value, layer, (*path, "value"), subject) if ben.value else None
        compiled_benefits.append(
            CompiledBenefit(
                id=bid,
                spec=ben,
                eligible=function(elig.source) if elig else _never,
                value=function(value_expr.source) if value_expr else None,
                value_params=value_expr.params if value_expr else (),
                reads=elig.reads if elig else (),
                citation=cite(ben.citation, layer, (*path, "citation")) or {},
                origin=b.origin(layer, path),
            )
        )

    # the policy's own cross references
    m = own.model
    if m.budget and m.budget.parameter not in params:
        b.add(
            own,
            ("budget", "parameter"),
            "policy.unknown-parameter",
            f"budget 指向未知参数 '{m.budget.parameter}'",
            f"budget names an unknown parameter '{m.budget.parameter}'",
        )
    known = {*params, *rule_groups, *subsidies, *benefits, *disabled}
    for i, clause in enumerate(m.clauses):
        for j, ref in enumerate(clause.encoded_by):
            if ref not in known:
                close = difflib.get_close_matches(ref, list(known), n=1)
                hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
                b.add(
                    own,
                    ("clauses", i, "encoded_by", j),
                    "policy.unknown-reference",
                    f"条款索引引用了未知的规则、补贴或参数 '{ref}'{hint[0]}",
                    f"clause index names unknown '{ref}'{hint[1]}",
                )
    if len(m.examples) < 3:
        b.add(
            own,
            ("examples",) if "examples" in own.doc.data else (),
            "policy.too-few-examples",
            f"策略至少需要 3 个示例，现有 {len(m.examples)} 个",
            f"a policy needs at least 3 examples, has {len(m.examples)}",
        )

    errors = [p for p in b.problems if p.severity == "error"]
    if errors:
        raise PolicyError(b.problems)
    by_kind: dict[str, list[CompiledRule]] = {"institution": [], "region": [], "residential_area": []}
    for r in rules:
        by_kind[RECORD_KIND[r.subject]].append(r)
    return CompiledPolicy(
        id=m.id,
        model=m,
        file=own.doc.file,
        chain=tuple(layer.model.id for layer in chain),
        documents=documents,
        parameters={name: entry[0] for name, entry in params.items()},
        rules=tuple(rules),
        rules_by_kind={k: tuple(v) for k, v in by_kind.items()},
        subsidies=tuple(compiled_subsidies),
        benefits=tuple(compiled_benefits),
        disabled=disabled,
        warnings=tuple(p for p in b.problems if p.severity != "error"),
        example_origins=tuple(b.origin(own, ("examples", i)) for i in range(len(m.examples))),
        plans={kind: _plan(kind, rules) for kind in by_kind},
        needs_outcomes=uses_passes,
    )


_LIST_FIELD = {"class": "classes", "staff": "staff", "subregion": "subregions"}
_MAIN_SUBJECT = {"institution": "institution", "region": "region", "residential_area": "residential_area"}


def _plan(kind: str, rules: list[CompiledRule]) -> KindPlan:
    mine = [r for r in rules if RECORD_KIND[r.subject] == kind]
    targets = tuple(r for r in mine if r.by_year)
    plain = [r for r in mine if not r.by_year]
    groups = [(list_field, [r for r in plain if r.subject == subject]) for subject, list_field in _LIST_FIELD.items()]
    main = _fuse([r for r in plain if r.subject == _MAIN_SUBJECT[kind]], [(f, g) for f, g in groups if g])
    return KindPlan(main, targets)


def _rule_lines(rules: list[CompiledRule], indent: str) -> list[str]:
    lines = []
    for rule in rules:
        src = rule.sources
        if "check" in src:
            body = [f"append(({rule.index}, bool({src['check']}), None, None, S, r, R))"]
        else:
            body = [
                f"o = {src['observed']}",
                f"q = {src['required']}",
                f"append(({rule.index}, o {rule.spec.op} q, o, q, S, r, R))",
            ]
        lines.append(f"{indent}try:  # {rule.id}")
        inner = indent + "    "
        if "when" in src:
            lines.append(f"{inner}if {src['when']}:")
            inner += "    "
        lines.extend(inner + line for line in body)
        lines.append(f"{indent}except _ERRS as e:")
        lines.append(f"{indent}    append(({rule.index}, e.with_traceback(None), None, None, S, r, R))")
    return lines


def _fuse(rules: list[CompiledRule], lists: list[tuple[str, list[CompiledRule]]]) -> Fn:
    """Generate one function that applies every plain rule of a record kind and appends a raw finding per rule.

    A raw finding is ``(rule index, ok, observed, required, subject label, subject, parent)``; ``ok`` is True, False,
    or the exception that made the finding unknown (a missing field raises KeyError). A rule whose ``when`` is false
    appends nothing. Rules of list subjects (classes, staff, subregions) run inside a loop over the list with ``r``
    bound to the item and ``R`` to the record. Generated from the checked expression trees (never from policy
    text), compiled once.
    """
    lines = ["def fused(r, p, Y, out):", "    append = out.append", "    R = S = None"]
    lines.extend(_rule_lines(rules, "    "))
    if lists:
        lines.append("    root = r")
    for list_field, group in lists:
        lines.append(f"    items = root.get({list_field!r})")
        lines.append("    if items is None:")
        lines.append(f"        missing = KeyError({list_field!r})")
        for rule in group:
            lines.append(f"        append(({rule.index}, missing, None, None, None, root, None))")
        lines.append("    else:")
        lines.append("        R = root")
        lines.append("        for k, r in enumerate(items):")
        lines.append(f"            S = ({list_field!r}, k)")
        lines.extend(_rule_lines(group, "            "))
        lines.append("        R = S = None")
    lines.append("    return out")
    namespace = dict(RUNTIME)
    namespace["_ERRS"] = EVAL_ERRORS
    namespace.update(bool=bool, enumerate=enumerate, KeyError=KeyError)
    exec(compile("\n".join(lines), "<tuoyu-rules fused rules>", "exec"), namespace)
    return namespace["fused"]  # type: ignore[no-any-return]


def _never(*_args: Any) -> bool:
    return False


def _check_param_value(b: _Builder, layer: _Layer, path: tuple[Any, ...], spec: Parameter, value: Any) -> None:
    v = value.value
    if v is None:
        return
    numeric = spec.type in ("number", "integer", "money", "percent")
    ok = True
    if numeric:
        ok = isinstance(v, (int, Decimal)) and not isinstance(v, bool)
        if ok and spec.type == "integer":
            ok = isinstance(v, int)
    elif spec.type == "boolean":
        ok = isinstance(v, bool)
    elif spec.type == "text":
        ok = isinstance(v, str)
    if not ok:
        b.add(
            layer,
            (*path, "value"),
            "policy.bad-value-type",
            f"取值 {v!r} 与参数类型 {spec.type} 不符",
            f"value {v!r} does not match the parameter type {spec.type}",
        )


@functools.lru_cache(maxsize=32)
def _compile_cached(path: str, mtime: float) -> CompiledPolicy:
    return compile_file(path)


def load_compiled(ref: str | Path) -> CompiledPolicy:
    """Compile a policy by id or path (cached by path and modification time)."""
    path = resolve_ref(ref)
    if not path.exists():
        known = bundled_ids()
        close = difflib.get_close_matches(str(ref), known, n=1)
        hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
        raise PolicyError(
            [
                Problem(
                    "policy.not-found",
                    f"找不到策略 '{ref}'{hint[0]}（内置：{', '.join(known)}）",
                    f"no policy '{ref}'{hint[1]} (bundled: {', '.join(known)})",
                )
            ]
        )
    return _compile_cached(str(path), path.stat().st_mtime)


def override_parameters(policy: CompiledPolicy, values: Mapping[str, Any], reason: str = "what-if") -> CompiledPolicy:
    """A new compiled policy whose named parameters hold one value on every date (``--set NAME=VALUE``)."""
    import dataclasses

    from .model import ParamValue

    problems = []
    params = dict(policy.parameters)
    for name, raw in values.items():
        current = params.get(name)
        if current is None:
            close = difflib.get_close_matches(name, list(params), n=1)
            hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
            problems.append(
                Problem("policy.unknown-parameter", f"没有参数 '{name}'{hint[0]}", f"no parameter '{name}'{hint[1]}")
            )
            continue
        value = _coerce_value(current.spec.type, raw)
        if value is None:
            problems.append(
                Problem(
                    "policy.bad-value-type",
                    f"参数 '{name}' 的取值 {raw!r} 不是 {current.spec.type}",
                    f"value {raw!r} for '{name}' is not of type {current.spec.type}",
                )
            )
            continue
        spec = current.spec.model_copy(
            update={"values": [ParamValue(since=datetime.date.min, value=value)], "reason": reason}
        )
        params[name] = CompiledParameter(
            name,
            spec,
            Origin(f"{policy.id}+{reason}", "<override>", None, None),
            ((current.origin.policy, current.spec), *current.overridden),
        )
    if problems:
        raise PolicyError(problems)
    return dataclasses.replace(policy, parameters=params, _cache={}, _memo={})


def _coerce_value(kind: str, raw: Any) -> Any:
    from decimal import InvalidOperation

    if kind == "text":
        return str(raw)
    if kind == "boolean":
        text = str(raw).strip().lower()
        return {"true": True, "1": True, "是": True, "false": False, "0": False, "否": False}.get(text)
    try:
        number = raw if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if isinstance(number, Decimal):
        if not number.is_finite():
            return None
        if kind == "integer" or number == number.to_integral_value():
            return int(number) if number == number.to_integral_value() else None
    return number
