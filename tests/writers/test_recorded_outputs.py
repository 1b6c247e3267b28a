"""The verdict writers (csv and ``--findings``, table, xlsx) and the summary give, byte for byte, the outputs recorded
from main before they were rebuilt on row views (tests/data/writers/recorded.json, made by tests/writers/recorded.py):
through the CLI, and through ``write_reports`` fed with ``Report`` objects or with their dicts."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
from typing import Any

import pytest

import tuoyu_rules
from tuoyu_rules.columnar.choose import polars_installed
from tuoyu_rules.writers import write_reports

from .recorded import AS_OF, RECORDED, at_root, cases, input_sets, run_cli, summary_record

RECORD: dict[str, Any] = json.loads(RECORDED.read_text(encoding="utf-8"))
CASES = list(cases())


def same(case: str, data: bytes) -> None:
    expected = RECORD[case]
    if "text" in expected and data != expected["text"].encode("utf-8"):
        assert data.decode("utf-8", "replace") == expected["text"]  # shows the diff
    assert hashlib.sha256(data).hexdigest() == expected["sha256"], f"{case}: {len(data)} bytes, {expected['bytes']}"


def test_every_case_was_recorded() -> None:
    assert {c for c, *_ in CASES} | {f"{n}/summary" for n in input_sets()} == set(RECORD)


@pytest.mark.parametrize(("case", "policy", "ledgers", "lang", "variant"), CASES, ids=[c[0] for c in CASES])
def test_check_writes_the_recorded_bytes(case: str, policy: str, ledgers: Any, lang: str, variant: str) -> None:
    same(case, run_cli(policy, ledgers, lang, variant))


def _reports(policy: str, ledgers: Any) -> list[Any]:
    loaded = tuoyu_rules.load_policy(policy)
    with at_root():
        rows = [row for p in ledgers for row in tuoyu_rules.read_rows(p)]
    return list(loaded.evaluate_many(rows, as_of=datetime.date.fromisoformat(AS_OF)))


API_CASES = [c for c in CASES if c[4] in ("csv", "csv-findings", "table", "xlsx")]


@pytest.mark.parametrize(("case", "policy", "ledgers", "lang", "variant"), API_CASES, ids=[c[0] for c in API_CASES])
def test_write_reports_gives_the_same_bytes_from_reports_and_from_their_dicts(
    case: str, policy: str, ledgers: Any, lang: str, variant: str
) -> None:
    reports = _reports(policy, ledgers)
    fmt = "xlsx" if variant == "xlsx" else "table" if variant == "table" else "csv"
    for items in (reports, [r.to_dict() for r in reports]):
        out = io.BytesIO()
        write_reports(items, fmt, out, lang=lang, findings=variant == "csv-findings")
        same(case, out.getvalue())


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])  # row views; reports counted from their state (add_report)
@pytest.mark.parametrize("as_dicts", [False, True], ids=["reports", "dicts"])
@pytest.mark.parametrize("name", list(input_sets()))
def test_the_summary_keeps_the_recorded_counts_totals_titles_and_targets(name: str, as_dicts: bool, fmt: str) -> None:
    policy, ledgers, _ = input_sets()[name]
    same(f"{name}/summary", summary_record(policy, ledgers, as_dicts, fmt).encode("utf-8"))


@pytest.mark.skipif(not polars_installed(), reason="the columnar engine needs polars (pip install '.[columnar]')")
@pytest.mark.parametrize("name", [n for n in input_sets() if n.startswith("generated-")])
def test_the_columnar_engine_writes_the_recorded_csv(name: str) -> None:
    """The columnar engine's verdict rows reach the csv writer through the same row view (``report_row``)."""
    policy, ledgers, _ = input_sets()[name]
    same(f"{name}/zh/csv", run_cli(policy, ledgers, "zh", "csv", engine="columnar"))
