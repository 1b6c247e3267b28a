"""The whole luzhou_longmatan policy written by hand: the reference the engine is measured against (issue 18).

Every institution, class and staff rule (the national ones Luzhou inherits included), the three subsidies in
Decimal and the four benefits, as a programmer would write them for complete records, with and without a hand-written
validation of every field. Numbers are the policy's parameters as of ``AS_OF`` (read from the compiled policy once,
so that this file states no figure of its own); ``benchmarks/run_issue18.py`` asserts that the reference and the
engine agree on every generated record before timing either.

    verdict(record) -> (failed rule ids, unknown rule ids, subsidies, benefits)

``subsidies`` are ``(id, eligible, amount)`` with ``eligible`` True, False or None (unknown) and the amount a Decimal
of two places (None when unknown); ``benefits`` are ``(id, eligible)``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import generate

Verdict = tuple[frozenset[str], frozenset[str], tuple[Any, ...], tuple[Any, ...]]
CENT = Decimal("0.01")

FORMS = {"center", "kindergarten_class", "employer", "community", "family"}
OWNERSHIP = {"public", "private", "mixed"}
TENURE = {"owned", "leased"}
CLASS_TYPES = {"infant", "toddler", "older", "mixed"}
ROLES = {"manager", "caregiver", "health", "security", "other"}
EDUCATION = {"none", "junior_high", "secondary", "associate", "bachelor", "postgraduate"}
CERTIFICATES = {"childcare", "teacher", "health_title", "security_guard"}
CONSTRUCTION = {"none", "new", "expansion"}
COLLEGE = ("associate", "bachelor", "postgraduate")
SECONDARY_UP = ("secondary", "associate", "bachelor", "postgraduate")


# ---- complete synthetic institutions ------------------------------------------------------------------------------
def _staff(rng: random.Random, form: str) -> list[dict[str, Any]]:
    roles = ["manager", "caregiver", "caregiver", "caregiver", "health", "security"]
    if form == "family":
        roles = ["caregiver", "caregiver"]
    staff = []
    for role in roles:
        if rng.random() < 0.04:
            continue  # a post left empty now and then (staff.present.*)
        certificates = {
            "caregiver": ["childcare"] if rng.random() < 0.9 else [],
            "health": ["health_title"] if rng.random() < 0.9 else [],
            "security": ["security_guard"] if rng.random() < 0.95 else [],
        }.get(role, [])
        allowed = COLLEGE if role in ("manager", "health") else SECONDARY_UP
        staff.append(
            {
                "role": role,
                "education": rng.choice(allowed) if rng.random() < 0.95 else "junior_high",
                "related_major": rng.random() < 0.97,
                "management_years": rng.choice([3, 5, 8, 12]) if rng.random() < 0.95 else 1,
                "trained": rng.random() < 0.97,
                "certificates": certificates,
                "banned": rng.random() < 0.003,
            }
        )
    return staff


def complete_institution(rng: random.Random, i: int) -> dict[str, Any]:
    """``generate.institution`` with every field a rule, subsidy or benefit of the policy reads."""
    record = generate.institution(rng, i)
    if rng.random() < 0.05:
        record["classes"].append({"type": "mixed", "enrolled": rng.randint(5, 20), "caregivers": rng.randint(1, 4)})
    if record["form"] == "family":  # a family point: one small mixed-age group
        enrolled = rng.randint(2, 6)
        record["classes"] = [{"type": "mixed", "enrolled": enrolled, "caregivers": -(-enrolled // 3)}]
        record["total_slots"] = enrolled + rng.randint(0, 1)
        record["indoor_area_m2"] = round(record["total_slots"] * rng.uniform(4.8, 7.0), 1)
        record["outdoor_area_m2"] = round(record["total_slots"] * rng.uniform(1.9, 3.0), 1)
    slots = record["total_slots"]
    record["comprehensive_center"] = rng.random() < 0.2
    record["building_area_m2"] = round(slots * rng.uniform(10.5, 16.0), 1)
    record["nonprofit"] = rng.random() < 0.5
    record["premises_state_owned"] = rng.random() < 0.3
    record["staff"] = _staff(rng, record["form"])
    builds = rng.random() < 0.2
    record["construction"] = {
        "kind": rng.choice(["new", "expansion"]) if builds else "none",
        "new_slots": rng.randint(10, 60) if builds else 0,
        "provincial_slot_subsidy": builds and rng.random() < 0.7,
        "central_funding": builds and rng.random() < 0.2,
    }
    return record


def records(rows: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(rows):
        yield complete_institution(rng, i)


# ---- hand-written validation of every field ------------------------------------------------------------------------
class Invalid(ValueError):
    pass


def _bool(value: Any, name: str) -> bool:
    if type(value) is not bool:
        raise Invalid(name)
    return value


def _int(value: Any, name: str, low: int = 0, high: int | None = None) -> int:
    if type(value) is not int or value < low or (high is not None and value > high):
        raise Invalid(name)
    return value


def _number(value: Any, name: str) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    if type(value) is not float or value != value or value < 0 or value in (float("inf"),):
        raise Invalid(name)
    return Decimal(repr(value))


def _choice(value: Any, allowed: set[str], name: str) -> str:
    if type(value) is not str or value not in allowed:
        raise Invalid(name)
    return value


def _validate_class(c: Any) -> dict[str, Any]:
    if not isinstance(c, Mapping):
        raise Invalid("classes")
    return {
        "type": _choice(c["type"], CLASS_TYPES, "classes.type"),
        "enrolled": _int(c["enrolled"], "classes.enrolled"),
        "caregivers": _int(c["caregivers"], "classes.caregivers"),
    }


def _validate_staff(s: Any) -> dict[str, Any]:
    if not isinstance(s, Mapping):
        raise Invalid("staff")
    certificates = s["certificates"]
    if not isinstance(certificates, list) or any(c not in CERTIFICATES for c in certificates):
        raise Invalid("staff.certificates")
    return {
        "role": _choice(s["role"], ROLES, "staff.role"),
        "education": _choice(s["education"], EDUCATION, "staff.education"),
        "related_major": _bool(s["related_major"], "staff.related_major"),
        "management_years": _number(s["management_years"], "staff.management_years"),
        "trained": _bool(s["trained"], "staff.trained"),
        "certificates": certificates,
        "banned": _bool(s["banned"], "staff.banned"),
    }


def validate(r: Mapping[str, Any]) -> dict[str, Any]:
    """Every field checked for its type, range and allowed values, numbers made exact; raises :class:`Invalid`."""
    ident = r["id"]
    if type(ident) is not str or not ident.strip():
        raise Invalid("id")
    name = r.get("name")
    if name is not None and type(name) is not str:
        raise Invalid("name")
    district = r.get("district")
    if district is not None and type(district) is not str:
        raise Invalid("district")
    out: dict[str, Any] = {
        "id": ident,
        "name": name,
        "district": district,
        "form": _choice(r["form"], FORMS, "form"),
        "ownership": _choice(r["ownership"], OWNERSHIP, "ownership"),
        "inclusive": _bool(r["inclusive"], "inclusive"),
        "filed": _bool(r["filed"], "filed"),
        "nonprofit": _bool(r["nonprofit"], "nonprofit"),
        "comprehensive_center": _bool(r["comprehensive_center"], "comprehensive_center"),
        "premises_state_owned": _bool(r["premises_state_owned"], "premises_state_owned"),
        "star_rating": _int(r["star_rating"], "star_rating", 0, 5),
        "total_slots": _int(r["total_slots"], "total_slots"),
        "indoor_area_m2": _number(r["indoor_area_m2"], "indoor_area_m2"),
        "outdoor_area_m2": _number(r["outdoor_area_m2"], "outdoor_area_m2"),
        "building_area_m2": _number(r["building_area_m2"], "building_area_m2"),
        "tenure": _choice(r["tenure"], TENURE, "tenure"),
        "monthly_fee": _number(r["monthly_fee"], "monthly_fee"),
        "guide_price": _number(r["guide_price"], "guide_price"),
        "classes": [_validate_class(c) for c in r["classes"]],
        "staff": [_validate_staff(s) for s in r["staff"]],
    }
    if "lease_years" in r:
        out["lease_years"] = _number(r["lease_years"], "lease_years")
    sv = r["surveillance"]
    out["surveillance"] = {
        "installed": _bool(sv["installed"], "surveillance.installed"),
        "always_on": _bool(sv["always_on"], "surveillance.always_on"),
        "retention_days": _int(sv["retention_days"], "surveillance.retention_days"),
    }
    co = r["construction"]
    out["construction"] = {
        "kind": _choice(co["kind"], CONSTRUCTION, "construction.kind"),
        "new_slots": _int(co["new_slots"], "construction.new_slots"),
        "provincial_slot_subsidy": _bool(co["provincial_slot_subsidy"], "construction.provincial_slot_subsidy"),
        "central_funding": _bool(co["central_funding"], "construction.central_funding"),
    }
    return out


# ---- the policy ----------------------------------------------------------------------------------------------------
class Reference:
    """The policy's rules as plain Python, its numbers bound once from ``params`` (the policy's own parameters)."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        p = params
        self.size = {t: p[f"class_size_max_{t}"] for t in ("infant", "toddler", "older", "mixed")}
        self.ratio = {t: p[f"ratio_{t}"] for t in ("infant", "toddler", "older")}
        self.manager_years = p["manager_years_min"]
        self.retention = p["retention_days_min"]
        self.family_max, self.family_ratio = p["family_point_max_children"], p["family_point_ratio"]
        self.lease_min = p["lease_years_min"]
        self.indoor, self.outdoor = p["indoor_area_per_slot"], p["outdoor_area_per_slot"]
        self.building, self.max_slots = p["center_building_area_per_slot"], p["max_slots"]
        self.infant_money = Decimal(p["operating_subsidy_infant"])
        self.toddler_money = Decimal(p["operating_subsidy_toddler"])
        self.per_slot = Decimal(p["construction_subsidy_per_slot"])

    def failed(self, r: Mapping[str, Any]) -> list[str]:
        """The rules that fail (institution, class and staff rules; every fact is present in complete records)."""
        found: list[str] = []
        family = r["form"] == "family"
        for c in r["classes"]:
            kind, enrolled, caregivers = c["type"], c["enrolled"], c["caregivers"]
            if not family:
                if enrolled > self.size[kind]:
                    found.append(f"class.size.{kind}")
                if kind != "mixed" and caregivers < -(-enrolled // self.ratio[kind]):
                    found.append(f"class.ratio.{kind}")
            if enrolled != 0 and caregivers < 1:
                found.append("class.caregiver_present")
        roles = set()
        for s in r["staff"]:
            role, education, certificates = s["role"], s["education"], s["certificates"]
            roles.add(role)
            if not family:
                if role == "manager" and not (
                    education in COLLEGE and s["management_years"] >= self.manager_years and s["trained"]
                ):
                    found.append("staff.manager.qualification")
                elif role == "health" and not (
                    education in COLLEGE and s["related_major"] and "health_title" in certificates and s["trained"]
                ):
                    found.append("staff.health.qualification")
                elif role == "security" and "security_guard" not in certificates:
                    found.append("staff.security.certificate")
                elif role == "caregiver" and not (
                    education in SECONDARY_UP and s["related_major"] and "childcare" in certificates
                ):
                    found.append("staff.caregiver.qualification")
            if s["banned"]:
                found.append("staff.banned")
        sv = r["surveillance"]
        if not (sv["installed"] and sv["always_on"]):
            found.append("surveillance.always_on")
        if sv["retention_days"] < self.retention:
            found.append("surveillance.retention_days")
        if not r["filed"]:
            found.append("filing.required")
        if family:
            enrolled = sum(c["enrolled"] for c in r["classes"])
            if enrolled > self.family_max:
                found.append("family.max_children")
            if sum(c["caregivers"] for c in r["classes"]) < -(-enrolled // self.family_ratio):
                found.append("family.ratio")
        if not (r["tenure"] == "owned" or r["lease_years"] >= self.lease_min):
            found.append("premises.lease_years")
        slots = r["total_slots"]
        if r["indoor_area_m2"] < self.indoor * slots:
            found.append("area.indoor_per_slot")
        if r["outdoor_area_m2"] < self.outdoor * slots:
            found.append("area.outdoor_per_slot")
        if r["comprehensive_center"] and r["building_area_m2"] < self.building * slots:
            found.append("area.building_per_slot")
        if slots > self.max_slots:
            found.append("slots.max")
        if not family:
            for role in ("manager", "caregiver", "health", "security"):
                if role not in roles:
                    found.append(f"staff.present.{role}")
        return found

    def subsidies(self, r: Mapping[str, Any], failed: list[str]) -> tuple[Any, ...]:
        """The three subsidy lines, in Decimal: (id, eligible, amount)."""
        inclusive = r["inclusive"]
        zero = Decimal("0.00")
        if inclusive and not failed:  # the operating subsidy requires every institution rule to pass
            money = sum(
                (
                    c["enrolled"] * (self.infant_money if c["type"] == "infant" else self.toddler_money)
                    for c in r["classes"]
                    if c["type"] != "mixed"
                ),
                Decimal(0),
            )
            operating = ("subsidy.operating", True, money.quantize(CENT, ROUND_HALF_UP))
        else:
            operating = ("subsidy.operating", False, zero)
        co = r["construction"]
        if inclusive and co["provincial_slot_subsidy"] and not co["central_funding"]:
            construction = ("subsidy.construction", True, (co["new_slots"] * self.per_slot).quantize(CENT))
        else:
            construction = ("subsidy.construction", False, zero)
        certified = any(
            s["role"] in ("caregiver", "health")
            and ("childcare" in s["certificates"] or "health_title" in s["certificates"])
            for s in r["staff"]
        )
        # whether the certificate was newly obtained is a fact no record field holds: unknown when it decides
        certification = ("subsidy.staff_certification", None, None) if inclusive and certified else None
        if certification is None:
            certification = ("subsidy.staff_certification", False, zero)
        return operating, construction, certification

    def benefits(self, r: Mapping[str, Any]) -> tuple[Any, ...]:
        """The four benefits: (id, eligible)."""
        return (
            ("benefit.iit_deduction", True),
            ("benefit.utility_residential_price", True),
            ("benefit.community_tax_exemption", True if r["form"] == "community" else None),
            (
                "benefit.state_premises_rent_reduction",
                bool(r["inclusive"] and r["tenure"] == "leased" and r["premises_state_owned"]),
            ),
        )

    def verdict(self, r: Mapping[str, Any]) -> Verdict:
        """The whole policy on a record taken as valid."""
        failed = self.failed(r)
        return frozenset(failed), frozenset(), self.subsidies(r, failed), self.benefits(r)

    def validated(self, r: Mapping[str, Any]) -> Verdict:
        """The whole policy on a record validated field by field first."""
        return self.verdict(validate(r))


def engine_verdict(report: Any) -> Verdict:
    """The same tuple from a tuoyu-rules report."""
    unknown = frozenset(f.rule for f in report.problem_findings() if f.outcome == "unknown")
    subsidies = tuple((s.id, s.eligible, s.amount) for s in report.subsidies)
    benefits = tuple((b.id, b.eligible) for b in report.benefits)
    return report.failed_rules(), unknown, subsidies, benefits
