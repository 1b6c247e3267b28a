"""The same ten Luzhou Longmatan institution checks, done by each engine compared in the benchmark.

Each ``build_*`` function compiles once (as that engine's documentation recommends) and returns ``check(record)``,
which gives the set of violated check ids. Records are the JSON objects of ``generate.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# id: (level, expression in a Python-like syntax). Numbers from 泸龙府办发〔2023〕6号 四(一).
CLASS_CHECKS = {
    "class.size.infant": "type == 'infant' and enrolled > 10",
    "class.size.toddler": "type == 'toddler' and enrolled > 15",
    "class.size.older": "type == 'older' and enrolled > 20",
    "class.ratio.infant": "type == 'infant' and caregivers * 3 < enrolled",
    "class.ratio.toddler": "type == 'toddler' and caregivers * 5 < enrolled",
    "class.ratio.older": "type == 'older' and caregivers * 7 < enrolled",
}
INSTITUTION_CHECKS = {
    "area.indoor_per_slot": "indoor_area_m2 < 5 * total_slots",
    "area.outdoor_per_slot": "outdoor_area_m2 < 2 * total_slots",
    "slots.max": "total_slots > 150",
    "premises.lease_years": "not (tenure == 'owned' or lease_years >= 3)",
}
CHECK_IDS = frozenset(CLASS_CHECKS) | frozenset(INSTITUTION_CHECKS)
Check = Callable[[dict[str, Any]], frozenset[str]]


def hand_written(record: dict[str, Any]) -> frozenset[str]:
    """What a programmer would write by hand: the practical speed limit."""
    found = []
    for c in record["classes"]:
        kind, enrolled, caregivers = c["type"], c["enrolled"], c["caregivers"]
        if kind == "infant":
            if enrolled > 10:
                found.append("class.size.infant")
            if caregivers * 3 < enrolled:
                found.append("class.ratio.infant")
        elif kind == "toddler":
            if enrolled > 15:
                found.append("class.size.toddler")
            if caregivers * 5 < enrolled:
                found.append("class.ratio.toddler")
        elif kind == "older":
            if enrolled > 20:
                found.append("class.size.older")
            if caregivers * 7 < enrolled:
                found.append("class.ratio.older")
    slots = record["total_slots"]
    if record["indoor_area_m2"] < 5 * slots:
        found.append("area.indoor_per_slot")
    if record["outdoor_area_m2"] < 2 * slots:
        found.append("area.outdoor_per_slot")
    if slots > 150:
        found.append("slots.max")
    if not (record["tenure"] == "owned" or record.get("lease_years", 0) >= 3):
        found.append("premises.lease_years")
    return frozenset(found)


def _per_check(
    evaluate_class: Callable[[str, dict[str, Any]], bool], evaluate_inst: Callable[[str, dict[str, Any]], bool]
) -> Check:
    def check(record: dict[str, Any]) -> frozenset[str]:
        found = set()
        for c in record["classes"]:
            for check_id in CLASS_CHECKS:
                if evaluate_class(check_id, c):
                    found.add(check_id)
        for check_id in INSTITUTION_CHECKS:
            if evaluate_inst(check_id, record):
                found.add(check_id)
        return frozenset(found)

    return check


def build_simpleeval_naive() -> Check:
    """simpleeval re-parsing every expression for every record (the pattern to avoid)."""
    from simpleeval import simple_eval

    return _per_check(
        lambda k, c: simple_eval(CLASS_CHECKS[k], names=c),
        lambda k, r: simple_eval(INSTITUTION_CHECKS[k], names={"lease_years": 0, **r}),
    )


def build_simpleeval_parsed() -> Check:
    """simpleeval with each expression parsed once (``previously_parsed``)."""
    import ast

    from simpleeval import SimpleEval

    evaluator = SimpleEval()
    trees = {k: ast.parse(v.strip()).body[0] for k, v in {**CLASS_CHECKS, **INSTITUTION_CHECKS}.items()}

    def run(key: str, names: dict[str, Any]) -> bool:
        evaluator.names = names
        return bool(evaluator.eval(CLASS_CHECKS.get(key) or INSTITUTION_CHECKS[key], previously_parsed=trees[key]))

    return _per_check(run, lambda k, r: run(k, {"lease_years": 0, **r}))


def _zen(text: str) -> str:
    return text.replace("not (", "not(")


def build_zen_per_check() -> Check:
    """zen-engine, one compiled expression per check."""
    import zen

    compiled = {k: zen.compile_expression(_zen(v)) for k, v in {**CLASS_CHECKS, **INSTITUTION_CHECKS}.items()}
    return _per_check(lambda k, c: compiled[k].evaluate(c), lambda k, r: compiled[k].evaluate({"lease_years": 0, **r}))


def build_zen_combined() -> Check:
    """zen-engine, all checks of a level in one compiled expression returning a list of booleans."""
    import zen

    class_ids, inst_ids = list(CLASS_CHECKS), list(INSTITUTION_CHECKS)
    class_expr = zen.compile_expression("[" + ", ".join(_zen(CLASS_CHECKS[k]) for k in class_ids) + "]")
    inst_expr = zen.compile_expression("[" + ", ".join(_zen(INSTITUTION_CHECKS[k]) for k in inst_ids) + "]")

    def check(record: dict[str, Any]) -> frozenset[str]:
        found = set()
        for c in record["classes"]:
            found.update(k for k, hit in zip(class_ids, class_expr.evaluate(c), strict=True) if hit)
        flags = inst_expr.evaluate({"lease_years": 0, **record})
        found.update(k for k, hit in zip(inst_ids, flags, strict=True) if hit)
        return frozenset(found)

    return check


def build_rule_engine() -> Check:
    """rule-engine, one ``Rule`` per check, compiled once."""
    import rule_engine

    context = rule_engine.Context(default_value=None)
    rules = {k: rule_engine.Rule(v, context=context) for k, v in {**CLASS_CHECKS, **INSTITUTION_CHECKS}.items()}
    return _per_check(lambda k, c: rules[k].matches(c), lambda k, r: rules[k].matches({"lease_years": 0, **r}))


def build_cel() -> Check:
    """cel-python, each expression compiled to a program once."""
    import celpy

    env = celpy.Environment()

    def cel(text: str) -> str:
        return text.replace(" and ", " && ").replace(" or ", " || ").replace("not (", "!(")

    programs = {k: env.program(env.compile(cel(v))) for k, v in {**CLASS_CHECKS, **INSTITUTION_CHECKS}.items()}

    def run(key: str, names: dict[str, Any]) -> bool:
        activation = {k: celpy.json_to_cel(v) for k, v in names.items() if not isinstance(v, (dict, list))}
        return bool(programs[key].evaluate(activation))

    return _per_check(run, lambda k, r: run(k, {"lease_years": 0, **r}))
