"""Pydantic models of the policy file: the schema, and nothing else.

Expressions stay text here; :mod:`tuoyu_rules.expressions` parses and checks them and :mod:`tuoyu_rules.compiler`
turns them into callables. The JSON Schema of ``tuoyu-rules schema`` is generated from these same models.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

Level = Literal["national", "province", "city", "county", "township"]
UnitLevel = Literal["national", "province", "city", "county", "township", "community"]
Subject = Literal["institution", "class", "staff", "region", "subregion", "residential_area"]
Op = Literal[">=", ">", "<=", "<", "==", "!="]
Severity = Literal["error", "warning", "info", "aim"]
ParamType = Literal["number", "integer", "money", "percent", "boolean", "text"]
Period = Literal["month", "year", "once", "unspecified"]  # unspecified: the document gives no period
Outcome = Literal["pass", "fail", "unknown", "not_due", "absent"]
Status = Literal["pass", "fail", "incomplete"]

Number = int | Decimal
Expr = Annotated[str, Field(min_length=1, max_length=2000, description="An expression (docs/policy-language.md)")]
Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=100)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Model):
    """A message in Chinese (``zh``, required) and English (``en``)."""

    zh: str = Field(max_length=2000)
    en: str = Field(default="", max_length=2000)


class Citation(_Model):
    """Where a number or a rule comes from: a document key, its clause, and a short verbatim quote."""

    document: str
    clause: str = Field(min_length=1)
    quote: str = Field(min_length=1, max_length=500)


class Document(_Model):
    title: str
    number: str | None = Field(default=None, description="文号")
    issuer: str | None = None
    date: datetime.date | None = Field(default=None, description="the issue date (印发日期)")
    published: datetime.date | None = Field(default=None, description="the publication date (公开/发布日期)")
    source: str | None = Field(default=None, description="the seed file name, or another source")
    url: str | None = None
    in_force: InForce | None = None


class InForce(_Model):
    from_: datetime.date = Field(alias="from")
    until: datetime.date | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Jurisdiction(_Model):
    name: str
    name_en: str | None = None
    level: Level


class Budget(_Model):
    parameter: Ident
    period: Period = "year"
    note: Text | None = Field(default=None, description="what the document says beyond the figure (不足部分据实追加)")
    citation: Citation | None = None


class ParamValue(_Model):
    """One dated value: a point ``value``, a ``min``/``max`` range, or ``unspecified`` with a note."""

    since: datetime.date
    value: Number | StrictBool | str | None = None
    min: Number | None = None
    max: Number | None = None
    unspecified: bool = False
    note: str | None = None
    citation: Citation | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ParamValue:
        kinds = [self.value is not None, self.min is not None or self.max is not None, self.unspecified]
        if sum(kinds) != 1:
            raise ValueError("give exactly one of: value; min and max; unspecified: true")
        if (self.min is None) != (self.max is None):
            raise ValueError("a range needs both min and max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


class Parameter(_Model):
    type: ParamType
    unit: str | None = None
    minimum: Number | None = Field(
        default=None, description="the smallest valid value (default from type and unit: see parameter bounds)"
    )
    maximum: Number | None = Field(default=None, description="the largest valid value (default: percent 100)")
    description: str | None = None
    description_en: str | None = None
    values: list[ParamValue] = Field(min_length=1)
    citation: Citation
    verified: bool = True
    superseded_by: Ident | None = None
    reason: str | None = Field(default=None, description="why a child policy overrides its parent's parameter")


class TargetValue(_Model):
    """One year's value of a dated target, with its own due date and citation (the clause of that year)."""

    value: Number | Ident
    due: datetime.date | None = None
    citation: Citation | None = None


class Rule(_Model):
    id: RuleId
    title: str | None = None
    title_en: str | None = None
    subject: Subject = "institution"
    when: Expr | None = None
    check: Expr | None = None
    observed: Expr | None = None
    op: Op | None = None
    required: Expr | None = None
    by_year: dict[int, Number | Ident | TargetValue] | None = None
    due: datetime.date | None = Field(default=None, description="before this date the rule is `not_due`")
    applies_to: UnitLevel | None = Field(default=None, description="the level of the units a target binds")
    severity: Severity = "error"
    message: Text
    fix: Text | None = None
    citation: Citation
    also_cited: list[Citation] = Field(default_factory=list, description="other documents stating the same rule")
    reason: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        if self.check is None:
            if self.observed is None or self.op is None or (self.required is None and self.by_year is None):
                raise ValueError("a rule needs `check`, or `observed`, `op` and `required` (or `by_year`)")
        if self.by_year is not None and self.subject not in ("region", "subregion"):
            raise ValueError("`by_year` targets are for region and subregion rules")
        if self.applies_to is not None and self.subject not in ("region", "subregion"):
            raise ValueError("`applies_to` is for region and subregion rules")
        if self.due is not None and self.by_year is not None:
            raise ValueError("give each year its own `due` inside `by_year` ({value, due}), not `due` on the rule")
        return self


class Exclusion(_Model):
    when: Expr
    reason: Text
    citation: Citation | None = None


class Subsidy(_Model):
    id: RuleId
    title: str | None = None
    title_en: str | None = None
    period: Period
    eligible: Expr
    exclusions: list[Exclusion] = Field(default_factory=list)
    amount: Expr | None = None
    basis: Text | None = None
    requires: list[str] = Field(
        default_factory=list,
        description="rule-id globs that must all pass (the document's 达到…要求), shown by explain",
    )
    citation: Citation
    reason: str | None = None


class Benefit(_Model):
    id: Annotated[str, Field(pattern=r"^benefit\.[a-z0-9_.]+$")]
    title: str | None = None
    title_en: str | None = None
    eligible: Expr
    value: Expr | None = None
    unit: str | None = None
    citation: Citation
    reason: str | None = None


class Disable(_Model):
    rule: RuleId
    reason: str = Field(min_length=1)
    citation: Citation


class Clause(_Model):
    clause: str
    summary: str | None = None
    encoded_by: list[str] = Field(default_factory=list)
    not_checkable: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Clause:
        if not self.encoded_by and not self.not_checkable:
            raise ValueError("a clause needs `encoded_by` or `not_checkable`")
        return self


class ExpectedLine(_Model):
    eligible: bool | None = None  # write `eligible: null` for a line the record cannot decide
    amount_open: bool | None = None
    amount: str | None = None
    amount_min: str | None = None
    amount_max: str | None = None
    value: str | Number | None = None  # a money value as a string ("2000.00"), another value as written


class Expect(_Model):
    status: Status | None = None
    findings: dict[str, Outcome] = Field(default_factory=dict)
    subsidies: dict[str, ExpectedLine] = Field(default_factory=dict)
    benefits: dict[str, ExpectedLine] = Field(default_factory=dict)


class Example(_Model):
    name: str
    as_of: datetime.date
    record: dict[str, object]
    expect: Expect


class PolicyModel(_Model):
    """A policy file as written (before its parent is merged in)."""

    id: Ident
    name: str
    name_en: str | None = None
    description: str | None = None
    jurisdiction: Jurisdiction
    extends: str | None = None
    in_force: InForce
    documents: dict[str, Document] = Field(default_factory=dict)
    budget: Budget | None = None
    parameters: dict[Ident, Parameter] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    subsidies: list[Subsidy] = Field(default_factory=list)
    benefits: list[Benefit] = Field(default_factory=list)
    disable: list[Disable] = Field(default_factory=list)
    clauses: list[Clause] = Field(default_factory=list)
    examples: list[Example] = Field(default_factory=list)
    columns: dict[Annotated[str, Field(min_length=1, max_length=200)], Annotated[str, Field(max_length=100)]] = Field(
        default_factory=dict,
        description="列映射 the column map: a ledger header as written -> the field id it names (是否纳入普惠: "
        "inclusive), for the headers no built-in rule reads; a child policy's entry wins over its parent's",
    )


Document.model_rebuild()
