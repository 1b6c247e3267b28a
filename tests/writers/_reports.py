"""Report dicts and error rows shaped as the engine writes them (CONTRACT.md §4), shared by the writer tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from tuoyu_rules.writers import write_reports

CITE = {"document": "泸州市龙马潭区普惠托育试点工作方案", "clause": "四(一)", "source": "001_060ea64bc85e63b4.txt"}


def subsidies(amount: str | None) -> list[dict[str, Any]]:
    return [
        {
            "id": "subsidy.operating",
            "title": "运营补助",
            "eligible": amount is not None,
            "amount": amount,
            "amount_min": amount,
            "amount_max": amount,
            "period": "month",
            "currency": "CNY",
            "basis": "每月每名在托婴幼儿 100 元",
            "citation": CITE,
        },
        {
            "id": "subsidy.construction",
            "title": "建设补助",
            "eligible": True,
            "amount": None,
            "amount_min": "4000.00",
            "amount_max": "6000.00",
            "period": "once",
            "currency": "CNY",
            "basis": None,
            "citation": CITE,
        },
    ]


def report(
    id_: str,
    status: str,
    violations: list[dict[str, Any]] | None = None,
    amount: str | None = "4600.00",
    unknown: list[dict[str, Any]] | None = None,
    district: str = "红星街道",
    name: str | None = None,
) -> dict[str, Any]:
    violations = violations or []
    return {
        "kind": "institution",
        "id": id_,
        "policy": "luzhou_longmatan",
        "as_of": "2024-06-30",
        "status": status,
        "findings": [*violations, *(unknown or [])],
        "violations": violations,
        "subsidies": subsidies(amount),
        "benefits": [],
        "warnings": [],
        "record": {"name": name or f"{id_}托育园", "district": district, "form": "center"},
    }


VIOLATION = {
    "rule": "area.indoor_per_slot",
    "outcome": "fail",
    "severity": "error",
    "title": "每托位室内使用面积",
    "message": "每托位室内使用面积 4.9 ㎡，低于 5 ㎡",
    "message_en": "4.9 m² per slot, below 5",
    "observed": 4.9,
    "required": 5,
    "fix": "增加室内面积 10 ㎡",
    "fix_en": "Add 10 m²",
    "citation": CITE,
}
RATIO = {
    **VIOLATION,
    "rule": "class.ratio.infant",
    "title": "乳儿班保育比",
    "message": "需保育人员 4 名，实有 3 名",
    "message_en": "needs 4 caregivers, has 3",
    "observed": 3,
    "required": 4,
    "subject": "classes[0]",
}
UNKNOWN = {
    "rule": "area.outdoor_per_slot",
    "outcome": "unknown",
    "severity": "error",
    "message": "缺少室外面积",
    "missing": ["outdoor_area_m2", "total_slots"],
    "citation": CITE,
}
ERROR = {
    "row": 4,
    "id": "LZ-003",
    "status": "error",
    "source": "ledger.csv",
    "errors": [
        {
            "field": "total_slots",
            "code": "record.not-a-number",
            "message": "total_slots：'abc' 不是数字",
            "value": "abc",
        }
    ],
}


def items() -> list[dict[str, Any]]:
    return [
        report("LMT-1", "pass"),
        report("LMT-2", "fail", [VIOLATION, RATIO], amount=None, district="小市街道"),
        report("LMT-3", "incomplete", unknown=[UNKNOWN]),
        ERROR,
    ]


def region() -> dict[str, Any]:
    def target(rule: str, title: str, year: int, observed: float, required: float, outcome: str) -> dict[str, Any]:
        return {
            "rule": rule,
            "outcome": outcome,
            "severity": "error",
            "title": title,
            "message": f"{title} {observed}，要求 {required}",
            "observed": observed,
            "required": required,
            "year": year,
            "citation": CITE,
        }

    findings = [
        target("target.total_slots", "托位总数", 2023, 1482, 1525, "fail"),
        target("target.total_slots", "托位总数", 2025, 1482, 2320, "not_due"),
        target("target.slots_per_1000", "每千人口托位数", 2023, 2.9985, 3.1, "fail"),
        target("target.inclusive_share", "普惠托位占比", 2023, 35.2, 35, "pass"),
        {**target("target.township_slots", "镇街托位", 2025, 3.2, 4.7, "not_due"), "subject": "subregions[0]"},
    ]
    return {
        "kind": "region",
        "id": "LMT-2023",
        "policy": "luzhou_longmatan",
        "as_of": "2024-06-30",
        "status": "fail",
        "findings": findings,
        "violations": [f for f in findings if f["outcome"] == "fail"],
        "subsidies": [],
        "name": "龙马潭区",
    }


def text_of(fmt: str, data: Any, **kwargs: Any) -> str:
    out = io.StringIO()
    write_reports(data, fmt, out, **kwargs)
    return out.getvalue()


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a BOM, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))
