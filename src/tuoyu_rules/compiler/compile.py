"""Policy file + its parents -> an immutable :class:`CompiledPolicy`, in phases.

:func:`compile_file` loads the layers (:mod:`.layers`), merges them from the root ancestor down, checks the
parameters, compiles rules, subsidies and benefits (each distinct expression once, :mod:`..expressions`), checks the
policy's own references (:mod:`.checks`) and fuses the rules of each record kind (:mod:`.plan`). Every problem of
every phase is collected and raised together as one :class:`PolicyError`.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Location, PolicyError, Problem
from ..expressions import (
    Compiled,
    ExprProblem,
    Scope,
    Template,
    build_function,
    build_template,
    compile_expression,
    namespace,
    split_template,
)
from ..model import Benefit, Citation, Document, Exclusion, Rule, Subsidy, Text
from ..vocabulary import ALL_FIELDS, RECORD_KIND
from .checks import ParamEntry, Path_, by_year_targets, check_parameters, check_references, cite, target_meta
from .layers import Layer, bundled_dir, bundled_ids, load_chain, resolve_ref
from .parameters import CompiledParameter
from .plan import plan_kind
from .policy import (
    OPS,
    CompiledBenefit,
    CompiledExclusion,
    CompiledPolicy,
    CompiledRule,
    CompiledSubsidy,
    Fn,
    record_reads,
)
from .provenance import provenance_of


def compile_file(source_path: str | Path) -> CompiledPolicy:
    """Load, validate, merge and compile a policy file. Raises :class:`PolicyError` with every problem."""
    b = _Builder(load_chain(Path(source_path)))
    b.merge()
    check_parameters(b.params, b.documents, b.problems)
    rules = b.compile_rules()
    subsidies = b.compile_subsidies()
    benefits = b.compile_benefits()
    known = {*b.params, *b.rule_groups, *b.subsidies, *b.benefits, *b.disabled}
    check_references(b.own, b.params, known, b.problems)
    compiled = b.finish(rules, subsidies, benefits)
    files = [layer.doc.file for layer in b.chain]
    return dataclasses.replace(compiled, provenance=provenance_of(compiled.id, files, bundled_dir()))


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
    compiled = _compile_cached(str(path), path.stat().st_mtime)
    if compiled.provenance is not None and not compiled.provenance.is_current():
        # a parent of the chain changed since it was compiled (the cache key holds only this file's mtime)
        _compile_cached.cache_clear()
        compiled = _compile_cached(str(path), path.stat().st_mtime)
    return compiled


def presence_reads(text: str) -> set[str]:
    """The fields ``has(…)`` calls of an expression test for: the path as written, and for a loop variable's field
    (its list is not resolved here) that field in every list of items (over-reading is safe: the value is checked)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return set()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "has" and node.args:
            parts, arg = [], node.args[0]
            while isinstance(arg, ast.Attribute):
                parts.append(arg.attr)
                arg = arg.value
            if isinstance(arg, ast.Name):
                path = ".".join([arg.id, *reversed(parts)])
                out.add(path)
                if parts and arg.id not in ("institution", "region") and arg.id not in ALL_FIELDS:  # a loop variable
                    out.update(f"{items}[].{parts[0]}" for items in ("classes", "staff", "subregions"))
    return out


def _never(*_args: Any) -> bool:
    return False


@dataclass
class _Builder:
    """The state of one compile: the merged layers, the problems so far, and the per-load expression caches."""

    chain: list[Layer]
    problems: list[Problem] = field(default_factory=list)
    documents: dict[str, Document] = field(default_factory=dict)
    params: dict[str, ParamEntry] = field(default_factory=dict)
    rule_groups: dict[str, list[tuple[Rule, Layer, Path_]]] = field(default_factory=dict)
    disabled: dict[str, Any] = field(default_factory=dict)
    subsidies: dict[str, tuple[Subsidy, Layer, Path_]] = field(default_factory=dict)
    benefits: dict[str, tuple[Benefit, Layer, Path_]] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # the column map: header -> field key (a child's wins)
    uses_passes: bool = False
    # the same expression text in the same scope, and the same generated source, are compiled once per load (a
    # policy repeats many: `type == 'infant'`, a message template shared by several rules); functions are pure, so
    # rules may share one
    _expressions: dict[tuple[Any, ...], Compiled | list[ExprProblem]] = field(default_factory=dict)
    _functions: dict[str, Fn] = field(default_factory=dict)
    _names: dict[str, Any] = field(
        default_factory=namespace
    )  # the globals every generated function of this load shares
    _param_types: dict[str, str] = field(default_factory=dict)
    _rule_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)  # record kind -> its rule ids
    # (subject, record path) of every field any expression of the policy reads (rules, templates, subsidies …)
    field_reads: set[tuple[str, str]] = field(default_factory=set)

    @property
    def own(self) -> Layer:
        return self.chain[0]

    def add(
        self, layer: Layer, path: Path_, code: str, zh: str, en: str, *, key: bool = False, offset: int = 0
    ) -> None:
        self.problems.append(layer.doc.problem(path, code, zh, en, column_offset=offset, key=key))

    # ---- phase 1: merge the layers, from the root ancestor down ---------------------------------------------------
    def merge(self) -> None:
        for layer in reversed(self.chain):
            m = layer.model
            self._merge_documents(layer)
            self._merge_parameters(layer)
            self._merge_rules(layer)
            self._merge_disable(layer)
            self._merge_items(layer, list(m.subsidies), self.subsidies, "subsidies")
            self._merge_items(layer, list(m.benefits), self.benefits, "benefits")
            self._merge_columns(layer)
        self._param_types = {name: entry[0].spec.type for name, entry in self.params.items()}
        for rule_id, group in self.rule_groups.items():
            kind = RECORD_KIND.get(group[0][0].subject, "institution")
            self._rule_ids[kind] = (*self._rule_ids.get(kind, ()), rule_id)

    def _merge_columns(self, layer: Layer) -> None:
        """The policy's column map (``columns:``): every target must be a field a ledger column can fill."""
        if not layer.model.columns:
            return
        from ..records.readers.columns import map_target, target_problem  # the readers, only for a policy's map

        for header, target in layer.model.columns.items():
            problem = target_problem(header, target, Location())
            if problem is not None:
                self.add(layer, ("columns", header), "policy.unknown-column-field", problem.message, problem.message_en)
                continue
            self.columns[header] = map_target(target) or target

    def _merge_documents(self, layer: Layer) -> None:
        for key, document in layer.model.documents.items():
            if key in self.documents:
                self.add(
                    layer,
                    ("documents", key),
                    "policy.duplicate-document",
                    f"文件键 '{key}' 已在上级策略中定义",
                    f"document key '{key}' is already defined by a parent policy",
                    key=True,
                )
            self.documents[key] = document

    def _merge_parameters(self, layer: Layer) -> None:
        for name, param in layer.model.parameters.items():
            path: Path_ = ("parameters", name)
            overridden: tuple[tuple[str, Any], ...] = ()
            if name in self.params:
                below = self.params[name][0]
                overridden = ((below.origin.policy, below.spec), *below.overridden)
                if not param.reason:
                    self.add(
                        layer,
                        path,
                        "policy.override-without-reason",
                        f"参数 '{name}' 覆盖了上级策略 {below.origin.policy} 的同名参数，需写明 reason",
                        f"parameter '{name}' overrides the one of '{below.origin.policy}': give a `reason`",
                        key=True,
                    )
            self.params[name] = (CompiledParameter(name, param, layer.origin(path), overridden), layer, path)

    def _merge_rules(self, layer: Layer) -> None:
        own_ids: set[str] = set()
        for i, rule in enumerate(layer.model.rules):
            path = ("rules", i)
            if rule.id in self.rule_groups and rule.id not in own_ids:
                if not rule.reason:
                    self.add(
                        layer,
                        path,
                        "policy.override-without-reason",
                        f"规则 '{rule.id}' 覆盖了上级策略的同名规则，需写明 reason",
                        f"rule '{rule.id}' overrides a parent rule: give a `reason`",
                    )
                self.rule_groups[rule.id] = []
            own_ids.add(rule.id)
            self.rule_groups.setdefault(rule.id, []).append((rule, layer, path))

    def _merge_disable(self, layer: Layer) -> None:
        m = layer.model
        for i, off in enumerate(m.disable):
            if off.rule not in self.rule_groups:
                close = difflib.get_close_matches(off.rule, list(self.rule_groups), n=1)
                hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
                self.add(
                    layer,
                    ("disable", i, "rule"),
                    "policy.disable-unknown-rule",
                    f"要停用的规则 '{off.rule}' 不存在{hint[0]}",
                    f"cannot disable unknown rule '{off.rule}'{hint[1]}",
                )
                continue
            del self.rule_groups[off.rule]
            self.disabled[off.rule] = {"reason": off.reason, "citation": off.citation.model_dump(), "policy": m.id}

    def _merge_items(self, layer: Layer, items: list[Any], table: dict[str, Any], kind: str) -> None:
        """Subsidies or benefits: a child's item of the same id replaces the parent's, with a reason."""
        for i, item in enumerate(items):
            path = (kind, i)
            if item.id in table and table[item.id][1] is layer:
                self.add(
                    layer,
                    (*path, "id"),
                    "policy.duplicate-id",
                    f"'{item.id}' 在本文件中重复",
                    f"'{item.id}' is defined twice in this file",
                )
            elif item.id in table and not item.reason:
                self.add(
                    layer,
                    path,
                    "policy.override-without-reason",
                    f"'{item.id}' 覆盖了上级策略的同名项，需写明 reason",
                    f"'{item.id}' overrides a parent's: give a `reason`",
                )
            table[item.id] = (item, layer, path)

    # ---- expressions, templates and citations, compiled once per load ---------------------------------------------
    def function(self, source: str) -> Fn:
        found = self._functions.get(source)
        if found is None:
            found = self._functions[source] = build_function(source, self._names)
        return found

    def expr(self, text: str, layer: Layer, path: Path_, subject: str, **kw: Any) -> Compiled | None:
        key = (text, subject, *sorted(kw.items()))
        result = self._expressions.get(key)
        if result is None:
            kind = RECORD_KIND[subject]
            others = tuple(rid for k, ids in self._rule_ids.items() if k != kind for rid in ids)
            scope = Scope(subject, self._param_types, self._rule_ids.get(kind, ()), other_rule_ids=others, **kw)
            result = self._expressions[key] = compile_expression(text, scope)
        if isinstance(result, list):
            for p in result:
                self.add(layer, path, p.code, p.message, p.message_en, offset=p.offset)
            return None
        # every passes() anywhere needs the rule outcomes of the record (else it would read an empty table: pass)
        self.uses_passes = self.uses_passes or bool(result.passes)
        self.field_reads.update((subject, path) for path in result.reads)
        if "has" in text:  # has(field) reads whether the field is there, which Compiled.reads leaves out
            self.field_reads.update((subject, path) for path in presence_reads(text))
        return result

    def template(
        self, text: Text | None, layer: Layer, path: Path_, subject: str, **kw: Any
    ) -> tuple[Template, Template] | None:
        if text is None:
            return None
        zh = self._template_in(text, "zh", layer, path, subject, kw)
        en = self._template_in(text, "en", layer, path, subject, kw)
        return zh, en

    def _template_in(
        self, text: Text, lang: str, layer: Layer, path: Path_, subject: str, kw: dict[str, Any]
    ) -> Template:
        source = getattr(text, lang) or text.zh
        pieces = split_template(source)
        if isinstance(pieces, ExprProblem):
            self.add(layer, (*path, lang), pieces.code, pieces.message, pieces.message_en)
            return Template((source,))
        parts: list[str | int] = []
        sources: list[str] = []
        reads: list[str] = []
        for piece, is_expr, _offset in pieces:
            if not is_expr:
                parts.append(piece)
                continue
            # the kinds of observed/required matter only to a placeholder that names them (one compile otherwise)
            own = {k: v for k, v in kw.items() if not k.endswith("_kind") or k.split("_")[0] in piece}
            compiled = self.expr(piece, layer, (*path, lang), subject, template=True, **own)
            if compiled is not None:
                parts.append(len(sources))
                sources.append(compiled.source)
                reads.extend(compiled.reads)
        return Template(tuple(parts), build_template(sources, self.function), tuple(reads))

    def cite(self, c: Citation | None, layer: Layer, path: Path_) -> dict[str, Any] | None:
        return cite(self.documents, c, layer, path, self.problems)

    # ---- phase 2: rules -------------------------------------------------------------------------------------------
    def compile_rules(self) -> list[CompiledRule]:
        rules: list[CompiledRule] = []
        for group in self.rule_groups.values():
            for rule, layer, path in group:
                rules.append(self._compile_rule(rule, layer, path, len(rules)))
        return rules

    def _compile_rule(self, rule: Rule, layer: Layer, path: Path_, index: int) -> CompiledRule:
        reads: list[str] = []
        sources: dict[str, str] = {}
        by_year = by_year_targets(rule, layer, path, self.params, self.problems)
        dated = bool(by_year)
        part = functools.partial(self._rule_part, rule, layer, path, reads, sources)
        also_cited = tuple(
            c for i, a in enumerate(rule.also_cited) if (c := self.cite(a, layer, (*path, "also_cited", i))) is not None
        )
        when, check = part(rule.when, "when"), part(rule.check, "check")
        observed, required = part(rule.observed, "observed"), part(rule.required, "required", by_year=dated)
        # templates know what `observed` and `required` are, so that text never reaches their arithmetic
        kinds = {
            "observed_kind": self._kind_of(rule.observed, rule.subject),
            "required_kind": self._kind_of(rule.required, rule.subject, by_year=dated),
        }
        return CompiledRule(
            id=rule.id,
            spec=rule,
            subject=rule.subject,
            severity=rule.severity,
            when=when,
            check=check,
            observed=observed,
            required=required,
            op=OPS[rule.op] if rule.op else None,
            by_year=by_year,
            message=self.template(rule.message, layer, (*path, "message"), rule.subject, by_year=dated, **kinds)
            or (Template(("",)), Template(("",))),
            fix=self.template(rule.fix, layer, (*path, "fix"), rule.subject, by_year=dated, **kinds),
            citation=_with_also_cited(self.cite(rule.citation, layer, (*path, "citation")) or {}, also_cited),
            reads=tuple(dict.fromkeys(reads)),
            origin=layer.origin(path),
            sources=sources,
            index=index,
            due=rule.due,
            year_meta=self._year_meta(rule, layer, path),
            applies_to=rule.applies_to,
            until=layer.model.in_force.until,
            also_cited=also_cited,
        )

    def _kind_of(self, text: str | None, subject: str, **kw: Any) -> str:
        """The kind of an expression already compiled (``any`` when absent or refused)."""
        if text is None:
            return "any"
        result = self._expressions.get((text, subject, *sorted(kw.items())))
        return result.kind if isinstance(result, Compiled) else "any"

    def _year_meta(self, rule: Rule, layer: Layer, path: Path_) -> dict[int, tuple[Any, dict[str, Any] | None]]:
        """Each target year's due date and resolved citation."""
        out: dict[int, tuple[Any, dict[str, Any] | None]] = {}
        for year, (due, citation) in target_meta(rule).items():
            out[year] = (due, self.cite(citation, layer, (*path, "by_year", year, "citation")) if citation else None)
        return out

    def _rule_part(
        self,
        rule: Rule,
        layer: Layer,
        path: Path_,
        reads: list[str],
        sources: dict[str, str],
        text: str | None,
        key: str,
        **kw: Any,
    ) -> Fn | None:
        """One expression of a rule (when, check, observed, required), noting what it reads and its source."""
        if text is None:
            return None
        compiled = self.expr(text, layer, (*path, key), rule.subject, **kw)
        if compiled is None:
            return None
        reads.extend(compiled.reads)
        sources[key] = compiled.source
        return self.function(compiled.source)

    # ---- phase 3: subsidies and benefits --------------------------------------------------------------------------
    def compile_subsidies(self) -> list[CompiledSubsidy]:
        return [self._compile_subsidy(sid, sub, layer, path) for sid, (sub, layer, path) in self.subsidies.items()]

    def _compile_subsidy(self, sid: str, sub: Subsidy, layer: Layer, path: Path_) -> CompiledSubsidy:
        elig = self.expr(sub.eligible, layer, (*path, "eligible"), "institution", allow_passes=True)
        required: Compiled | None = None
        if sub.requires:  # the document's requirement set, stated apart so that `explain` can show it
            globs = ", ".join(repr(g) for g in sub.requires)
            required = self.expr(f"passes({globs})", layer, (*path, "requires"), "institution", allow_passes=True)
        amount = self.expr(sub.amount, layer, (*path, "amount"), "institution") if sub.amount else None
        exclusions = tuple(self._exclusions(sub.exclusions, layer, path))
        reads: list[str] = []
        eligible: Fn = _never
        if elig is not None:
            reads.extend(elig.reads)
            self.uses_passes = self.uses_passes or bool(elig.passes) or required is not None
            source = f"({elig.source}) and ({required.source})" if required is not None else elig.source
            eligible = self.function(source)
        return CompiledSubsidy(
            id=sid,
            spec=sub,
            eligible=eligible,
            exclusions=exclusions,
            amount=self.function(amount.source) if amount else None,
            amount_params=amount.params if amount else (),
            basis=self.template(sub.basis, layer, (*path, "basis"), "institution"),
            reads=tuple(reads),
            citation=self.cite(sub.citation, layer, (*path, "citation")) or {},
            origin=layer.origin(path),
            requires=required.passes if required is not None else (),
        )

    def _exclusions(self, exclusions: list[Exclusion], layer: Layer, path: Path_) -> list[CompiledExclusion]:
        out = []
        for i, ex in enumerate(exclusions):
            c = self.expr(ex.when, layer, (*path, "exclusions", i, "when"), "institution", allow_passes=True)
            if c is not None:
                citation = self.cite(ex.citation, layer, (*path, "exclusions", i, "citation"))
                out.append(CompiledExclusion(self.function(c.source), ex.reason, c.reads, citation))
        return out

    def compile_benefits(self) -> list[CompiledBenefit]:
        return [self._compile_benefit(bid, ben, layer, path) for bid, (ben, layer, path) in self.benefits.items()]

    def _compile_benefit(self, bid: str, ben: Benefit, layer: Layer, path: Path_) -> CompiledBenefit:
        subject = "institution"  # benefits are granted to institutions
        elig = self.expr(ben.eligible, layer, (*path, "eligible"), subject, allow_passes=True)
        self.uses_passes = self.uses_passes or bool(elig and elig.passes)
        value = self.expr(ben.value, layer, (*path, "value"), subject) if ben.value else None
        return CompiledBenefit(
            id=bid,
            spec=ben,
            eligible=self.function(elig.source) if elig else _never,
            value=self.function(value.source) if value else None,
            value_params=value.params if value else (),
            reads=elig.reads if elig else (),
            citation=self.cite(ben.citation, layer, (*path, "citation")) or {},
            origin=layer.origin(path),
        )

    # ---- phase 4: the compiled policy, or every problem at once ---------------------------------------------------
    def finish(
        self, rules: list[CompiledRule], subsidies: list[CompiledSubsidy], benefits: list[CompiledBenefit]
    ) -> CompiledPolicy:
        if any(p.severity == "error" for p in self.problems):
            raise PolicyError(self.problems)
        own, m = self.own, self.own.model
        by_kind: dict[str, list[CompiledRule]] = {"institution": [], "region": [], "residential_area": []}
        for r in rules:
            by_kind[RECORD_KIND[r.subject]].append(r)
        return CompiledPolicy(
            id=m.id,
            model=m,
            file=own.doc.file,
            chain=tuple(layer.model.id for layer in self.chain),
            documents=self.documents,
            parameters={name: entry[0] for name, entry in self.params.items()},
            rules=tuple(rules),
            rules_by_kind={k: tuple(v) for k, v in by_kind.items()},
            subsidies=tuple(subsidies),
            benefits=tuple(benefits),
            disabled=self.disabled,
            warnings=tuple(p for p in self.problems if p.severity != "error"),
            example_origins=tuple(own.origin(("examples", i)) for i in range(len(m.examples))),
            plans={kind: plan_kind(kind, rules) for kind in by_kind},
            needs_outcomes=self.uses_passes,
            has_aims=any(r.severity == "aim" for r in rules),
            columns=dict(self.columns),
            reads=record_reads(self.field_reads, {r.subject for r in rules}),
        )


def _with_also_cited(citation: dict[str, Any], also: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """A rule's citation, and the local documents that state the same rule beside it (a city restating a national
    ratio): a report cites both. Built once per rule at load."""
    return {**citation, "also_cited": [dict(c) for c in also]} if also and citation else citation
