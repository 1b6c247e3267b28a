"""Dated parameters: what each holds on a given day (one resolver, :meth:`CompiledParameter.value_at`), the
``--set NAME=VALUE`` overrides, and the check that a value matches its parameter's type.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import Location, PolicyError, Problem
from ..model import Parameter, ParamValue, PolicyModel
from ..source import MAX_MAGNITUDE, MAX_NUMBER_CHARS, number_too_large
from .layers import Layer, Origin


@dataclass(frozen=True)
class CompiledParameter:
    name: str
    spec: Parameter
    origin: Origin
    overridden: tuple[tuple[str, Parameter], ...] = ()  # (policy id, parameter) of the layers below, nearest first

    def value_at(self, day: datetime.date) -> ParamValue | None:
        """The dated value in force on ``day``: a value holds from its ``since`` until the next one (None before
        the first). Every reader of dated values asks this one function."""
        current = None
        for value in sorted(self.spec.values, key=lambda v: v.since):
            if value.since <= day:
                current = value
        return current

    def point_at(self, day: datetime.date) -> Any:
        """The single value in force on ``day``; None when there is none then, or it is a range or left open."""
        current = self.value_at(day)
        if current is None or current.unspecified or current.min is not None:
            return None
        return current.value


@dataclass(frozen=True)
class ParamSet:
    """Parameters in force on one date."""

    point: Mapping[str, Any]
    low: Mapping[str, Any]
    high: Mapping[str, Any]
    ranged: frozenset[str]
    unspecified: frozenset[str]
    warnings: tuple[dict[str, str], ...] = ()  # the report warnings of this date (the policy not in force)


def resolve_parameters(parameters: Mapping[str, CompiledParameter], as_of: datetime.date) -> ParamSet:
    """Each parameter's value in force on ``as_of`` (see :meth:`CompiledParameter.value_at`)."""
    point: dict[str, Any] = {}
    low: dict[str, Any] = {}
    high: dict[str, Any] = {}
    ranged: set[str] = set()
    unspecified: set[str] = set()
    for name, param in parameters.items():
        current = param.value_at(as_of)
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


def date_warnings(model: PolicyModel, as_of: datetime.date) -> tuple[dict[str, str], ...]:
    """The report warning of a date outside the policy's period, if it is."""
    period = model.in_force
    if period.from_ <= as_of and (period.until is None or as_of <= period.until):
        return ()
    until = period.until.isoformat() if period.until else "—"
    if period.until is not None and as_of > period.until:
        return (
            {
                "code": "policy.not-in-force",
                "message": f"本策略所依据的文件已于 {until} 到期（核查日期 {as_of.isoformat()}）：以下结论按到期前的规定给出，"
                "文件的逐年目标不再作为此后年份的要求，补贴以届时有效的新文件为准",
                "message_en": f"the plan behind this policy ended on {until} (as_of {as_of.isoformat()}): the verdicts "
                "below apply its rules as they stood; its yearly targets are not requirements of later years, and "
                "subsidies depend on whatever document is in force now",
            },
        )
    return (
        {
            "code": "policy.not-in-force",
            "message": f"核查日期 {as_of.isoformat()} 不在策略有效期（{period.from_.isoformat()} 至 {until}）内",
            "message_en": f"as_of {as_of.isoformat()} is outside the policy's period ({period.from_.isoformat()} to {until})",
        },
    )


def check_param_value(layer: Layer, path: tuple[Any, ...], spec: Parameter, value: ParamValue) -> Problem | None:
    """A problem when a dated value does not match its parameter's type."""
    v = value.value
    if v is None:
        v = value.min if value.min is not None else None
    if v is None:
        return None
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
    if ok:
        for key, bound in (("value", v), ("min", value.min), ("max", value.max)):
            why = out_of_bounds(spec, bound)
            if why is not None:
                return layer.doc.problem((*path, key), "policy.value-out-of-range", *why)
        return None
    return layer.doc.problem(
        (*path, "value"),
        "policy.bad-value-type",
        f"取值 {v!r} 与参数类型 {spec.type} 不符",
        f"value {v!r} does not match the parameter type {spec.type}",
    )


def bounds(spec: Parameter) -> tuple[Decimal | int, bool, Decimal | int | None]:
    """A numeric parameter's valid range: (low, whether low itself is valid, high or None). Declared ``minimum`` /
    ``maximum`` win; else percentages are 0–100, money and counts at least 0, ratios and areas (a unit with ``/``,
    or in m2) more than 0."""
    unit = spec.unit or ""
    positive = spec.type in ("number", "integer") and ("/" in unit or unit.startswith("m2"))
    low: Decimal | int = spec.minimum if spec.minimum is not None else 0
    high = spec.maximum if spec.maximum is not None else (100 if spec.type == "percent" else None)
    return low, spec.minimum is not None or not positive, high


def out_of_bounds(spec: Parameter, v: Any) -> tuple[str, str] | None:
    """(zh, en) saying why ``v`` is outside its parameter's valid range, or None when it is inside."""
    if spec.type not in ("number", "integer", "money", "percent") or not isinstance(v, (int, Decimal)):
        return None
    low, inclusive, high = bounds(spec)
    if (v < low or (v == low and not inclusive)) or (high is not None and v > high):
        sign = "≥" if inclusive else ">"
        limit = f"{sign} {low}" + (f" 且 ≤ {high}" if high is not None else "")
        limit_en = f"{sign} {low}" + (f" and ≤ {high}" if high is not None else "")
        unit = f" ({spec.unit})" if spec.unit else ""
        return (
            f"取值 {v} 超出参数的有效范围（{spec.type}{unit} 须 {limit}；确有需要请声明 minimum/maximum）",
            f"value {v} is outside the parameter's valid range ({spec.type}{unit} must be {limit_en}; "
            "declare minimum/maximum if the document really says so)",
        )
    return None


def override_values(
    parameters: Mapping[str, CompiledParameter], values: Mapping[str, Any], reason: str, policy_id: str
) -> dict[str, CompiledParameter]:
    """``parameters`` with the named ones holding one value on every date; every bad name or value is a problem."""
    problems = []
    params = dict(parameters)
    for name, raw in values.items():
        current = params.get(name)
        if current is None:
            close = difflib.get_close_matches(name, list(params), n=1)
            hint = (f"；是否想写 '{close[0]}'？", f"; did you mean '{close[0]}'?") if close else ("", "")
            problems.append(
                Problem("policy.unknown-parameter", f"没有参数 '{name}'{hint[0]}", f"no parameter '{name}'{hint[1]}")
            )
            continue
        if current.spec.type not in ("text", "boolean") and number_too_large(str(raw).strip().replace("_", "")):
            problems.append(
                Problem(
                    "policy.number-too-large",
                    f"--set {name}: 取值过大或位数过多（上限 {MAX_NUMBER_CHARS} 个字符、10^{MAX_MAGNITUDE}）",
                    f"--set {name}: the value is too large or has too many digits "
                    f"(limit {MAX_NUMBER_CHARS} characters, 10^{MAX_MAGNITUDE})",
                    Location(field=name),
                )
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
        why = out_of_bounds(current.spec, value)
        if why is not None:
            problems.append(
                Problem(
                    "policy.value-out-of-range",
                    f"--set {name}: {why[0]}",
                    f"--set {name}: {why[1]}",
                    Location(field=name),
                )
            )
            continue
        spec = current.spec.model_copy(
            update={"values": [ParamValue(since=datetime.date.min, value=value)], "reason": reason}
        )
        params[name] = CompiledParameter(
            name,
            spec,
            Origin(f"{policy_id}+{reason}", "<override>", None, None),
            ((current.origin.policy, current.spec), *current.overridden),
        )
    if problems:
        raise PolicyError(problems)
    return params


def _coerce_value(kind: str, raw: Any) -> Any:
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
