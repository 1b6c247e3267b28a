"""Realistic synthetic institution ledgers for benchmarks (seedable): JSONL or CSV, any size, streamed to disk.

python benchmarks/generate.py --rows 1000000 --seed 7 --format csv --out /tmp/ledger_1m.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

DISTRICTS = [
    "罗汉街道",
    "红星街道",
    "小市街道",
    "高坝街道",
    "莲花池街道",
    "鱼塘街道",
    "安宁街道",
    "特兴街道",
    "金龙镇",
    "石洞镇",
]
FORMS = ["center", "center", "kindergarten_class", "employer", "community", "family"]
CLASS_TYPES = [("infant", 10, 3), ("toddler", 15, 5), ("older", 20, 7)]


def institution(rng: random.Random, i: int) -> dict[str, Any]:
    """One institution: mostly compliant, with the kinds of faults inspections find (about a third of records)."""
    form = rng.choice(FORMS)
    classes = []
    for kind, size, ratio in CLASS_TYPES:
        if rng.random() < 0.75:
            enrolled = rng.randint(max(1, size - 8), size + (2 if rng.random() < 0.1 else 0))
            needed = -(-enrolled // ratio)
            caregivers = needed - (1 if rng.random() < 0.08 else 0) + (1 if rng.random() < 0.3 else 0)
            classes.append({"type": kind, "enrolled": enrolled, "caregivers": max(caregivers, 0)})
    if not classes:
        classes.append({"type": "toddler", "enrolled": 8, "caregivers": 2})
    slots = sum(c["enrolled"] for c in classes) + rng.randint(0, 30)
    if rng.random() < 0.03:
        slots = rng.randint(151, 180)
    indoor = round(slots * rng.uniform(4.6, 7.5), 1)
    outdoor = round(slots * rng.uniform(1.7, 3.5), 1)
    tenure = "owned" if rng.random() < 0.3 else "leased"
    record: dict[str, Any] = {
        "id": f"LMT-{i:07d}",
        "name": f"{rng.choice(DISTRICTS)}第{i % 97 + 1}托育园",
        "district": rng.choice(DISTRICTS),
        "form": form,
        "ownership": rng.choice(["public", "private", "private", "mixed"]),
        "inclusive": rng.random() < 0.6,
        "filed": rng.random() < 0.9,
        "star_rating": rng.randint(0, 5),
        "total_slots": slots,
        "indoor_area_m2": indoor,
        "outdoor_area_m2": outdoor,
        "tenure": tenure,
        "monthly_fee": rng.choice([1200, 1500, 1800, 2200, 2600]),
        "guide_price": 1800,
        "classes": classes,
        "surveillance": {
            "installed": True,
            "always_on": rng.random() < 0.95,
            "retention_days": rng.choice([30, 90, 90, 180]),
        },
        "construction": {"kind": "none", "new_slots": 0, "provincial_slot_subsidy": False, "central_funding": False},
    }
    if tenure == "leased":
        record["lease_years"] = rng.choice([1, 2, 3, 3, 5, 10])
    return record


def records(rows: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(rows):
        yield institution(rng, i)


CSV_COLUMNS = [
    "id",
    "name",
    "district",
    "form",
    "ownership",
    "inclusive",
    "filed",
    "star_rating",
    "total_slots",
    "indoor_area_m2",
    "outdoor_area_m2",
    "tenure",
    "lease_years",
    "monthly_fee",
    "guide_price",
    "infant_enrolled",
    "infant_caregivers",
    "toddler_enrolled",
    "toddler_caregivers",
    "older_enrolled",
    "older_caregivers",
    "surveillance.installed",
    "surveillance.always_on",
    "surveillance.retention_days",
]


def flat(record: dict[str, Any]) -> dict[str, Any]:
    row = {k: record.get(k, "") for k in CSV_COLUMNS if "." not in k and not k.endswith(("_enrolled", "_caregivers"))}
    for c in record["classes"]:
        row[f"{c['type']}_enrolled"] = c["enrolled"]
        row[f"{c['type']}_caregivers"] = c["caregivers"]
    for key, value in record["surveillance"].items():
        row[f"surveillance.{key}"] = value
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--out", default="-")
    args = parser.parse_args(argv)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8", newline="")
    try:
        if args.format == "jsonl":
            for record in records(args.rows, args.seed):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            for record in records(args.rows, args.seed):
                writer.writerow(flat(record))
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
