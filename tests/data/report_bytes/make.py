"""The report bytes that must not change: SHA-256 of every report's JSON text, as ``json.dumps`` gives it.

    python tests/data/report_bytes/make.py      # rewrites hashes.json from the code as it is

hashes.json was written by this script from the code before reports became lean (issue 18), so
tests/test_report_bytes.py fails on any change of a report's bytes: the embedded examples of every bundled policy
(each with and without passing findings, and traced), 10,000 generated institutions (benchmarks/generate.py, some
with fields taken out so that findings are unknown) under luzhou_longmatan, and the first 1,000 of them under every
bundled policy on two dates. Regenerate it only
when a policy or the report format changes on purpose, and say so in the commit.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

import tuoyu_rules  # noqa: E402
from tuoyu_rules.compiler import bundled_ids  # noqa: E402

ROWS = 10_000
SOME = 1_000  # the records of every other (policy, date)
MAIN = "luzhou_longmatan"  # the policy the generator writes for
CHUNK = 500  # one hash per CHUNK reports, so that a failure says where
DATES = (datetime.date(2024, 6, 30), datetime.date(2027, 3, 1))
_DROP = ("monthly_fee", "total_slots", "indoor_area_m2", "filed", "inclusive", "tenure", "surveillance", "classes")


def dumps(d: Any) -> bytes:
    return json.dumps(d, ensure_ascii=False).encode("utf-8")


def records() -> list[dict[str, Any]]:
    """The generated institutions: every third lacks a field or a class count, so that some findings are unknown."""
    rng = random.Random(18)
    out = []
    for i, record in enumerate(generate.records(ROWS, 7)):
        record = json.loads(json.dumps(record))
        if i % 3 == 1:
            record.pop(rng.choice(_DROP), None)
        elif i % 3 == 2 and record["classes"]:
            record["classes"][0].pop(rng.choice(("enrolled", "caregivers", "type")))
        out.append(record)
    return out


def as_dict(report: Any, passes: bool = True, trace: bool = False) -> bytes:
    """A report's JSON text as json.dumps writes its dict."""
    return dumps(report.to_dict(passes=passes, trace=trace))


def cases(text: Any = as_dict) -> Iterator[tuple[str, list[bytes]]]:
    """(name, the JSON texts of its reports), in a fixed order; ``text(report, passes, trace)`` gives the bytes."""
    for policy_id in bundled_ids():
        policy = tuoyu_rules.load_policy(policy_id)
        for i, example in enumerate(policy.compiled.model.examples):
            report = policy.evaluate(dict(example.record), as_of=example.as_of)
            texts = [text(report), text(report, False), text(report, True, True)]
            yield f"{policy_id}/example/{i}", texts
    rows = records()
    for policy_id in bundled_ids():
        policy = tuoyu_rules.load_policy(policy_id)
        for day in DATES:
            for start in range(0, ROWS if (policy_id, day) == (MAIN, DATES[0]) else SOME, CHUNK):
                chunk = rows[start : start + CHUNK]
                texts = [text(r) for r in policy.evaluate_many(chunk, as_of=day)]
                texts.append(text(next(iter(policy.evaluate_many(chunk[:1], as_of=day))), False))
                yield f"{policy_id}/{day}/{start}", texts


def digest(texts: list[bytes]) -> str:
    h = hashlib.sha256()
    for text in texts:
        h.update(text)
        h.update(b"\0")
    return h.hexdigest()


def main() -> int:
    out = {name: digest(texts) for name, texts in cases()}
    (HERE / "hashes.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(out)} hashes written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
