"""The summary (summary.py): counts, exact totals, ranges, open amounts, bounded region targets."""

from __future__ import annotations

import json
from decimal import Decimal

from tuoyu_rules.writers import Summary

from ._reports import items, read_csv, region, report, text_of


def test_summary_counts_statuses_and_rules() -> None:
    summary = Summary()
    for item in items():
        summary.add(item)
    assert (summary.rows, summary.reports, summary.passed, summary.failed, summary.incomplete, summary.errors) == (
        4,
        3,
        1,
        1,
        1,
        1,
    )
    assert summary.violations_by_rule == {"area.indoor_per_slot": 1, "class.ratio.infant": 1}
    assert summary.unknown_by_rule == {"area.outdoor_per_slot": 1}


def test_summary_totals_are_exact_decimals_and_ranges_are_summed_apart() -> None:
    summary = Summary()
    for item in items():
        summary.add(item)
    assert summary.subsidy_totals == {"subsidy.operating": Decimal("9200.00")}
    assert all(isinstance(v, Decimal) for v in summary.subsidy_totals.values())
    assert summary.subsidy_min["subsidy.construction"] == Decimal("12000.00")
    assert summary.subsidy_max["subsidy.construction"] == Decimal("18000.00")
    assert summary.subsidy_by_district == {"subsidy.operating": {"红星街道": Decimal("9200.00")}}
    d = summary.to_dict()
    assert d["subsidy_totals"] == {"subsidy.operating": "9200.00"}
    assert d["subsidy_min"]["subsidy.construction"] == "12000.00"
    assert d["subsidy_by_district"] == {"subsidy.operating": {"红星街道": "9200.00"}}
    assert json.loads(json.dumps(d)) == d


def test_summary_adds_cents_without_float_drift() -> None:
    summary = Summary()
    for i in range(1000):
        summary.add(report(f"X-{i}", "pass", amount="0.10"))
    assert summary.subsidy_totals["subsidy.operating"] == Decimal("100.00")


def test_summary_keeps_a_bounded_number_of_region_targets() -> None:
    summary = Summary()
    for i in range(500):
        summary.add({**region(), "id": f"R-{i}"})
    assert len(summary.targets) <= 240 and summary.targets_left_out > 0
    assert {t["rule"] for t in summary.targets} == {
        "target.total_slots",
        "target.slots_per_1000",
        "target.inclusive_share",
    }, "findings about a subregion are not the region's own targets"


def test_an_amount_the_document_leaves_open_is_named_not_counted_as_zero() -> None:
    item = report("HZ-1", "pass")
    item["subsidies"].append(
        {
            "id": "subsidy.enrollment",
            "title": "入托补助",
            "eligible": True,
            "amount": None,
            "amount_min": None,
            "amount_open": True,
        }
    )
    summary = Summary()
    summary.add(item)
    assert summary.subsidy_open == {"subsidy.enrollment": 1} and "subsidy.enrollment" not in summary.subsidy_totals
    assert "入托补助：1 条符合条件，金额未定" in summary.line()
    assert "subsidy.enrollment: 1 eligible, amount open" in summary.line("en"), "English falls back to the id"
    assert "（另有金额未定）" in text_of("table", [item])
    rows = read_csv(text_of("csv", [item]))
    assert rows[1][rows[0].index("入托补助(元)")] == "金额未定"


def test_an_amount_the_record_cannot_show_is_unknown_never_open_or_zero() -> None:
    item = report("LZ-9", "incomplete")
    item["subsidies"].append(
        {
            "id": "benefit_rent",
            "title": "场地租金减免",
            "eligible": None,
            "amount": None,
            "missing": ["premises_state_owned"],
        }
    )
    item["subsidies"].append({"id": "subsidy.rent", "title": "租金补助", "eligible": True, "amount": None})
    summary = Summary()
    summary.add(item)
    assert summary.subsidy_unknown == {"benefit_rent": 1, "subsidy.rent": 1} and summary.subsidy_open == {}
    assert "金额未定" not in summary.line() and "租金补助合计" not in summary.line()
    assert "租金补助：1 条金额未知" in summary.line(), "no 0.00 total when every amount is unknown"
    assert "（另有 2 项金额未知）" in text_of("table", [item])
    rows = read_csv(text_of("csv", [item]))
    assert rows[1][rows[0].index("租金补助(元)")] == "未知"


def test_a_row_counted_n_times_at_once_is_the_row_counted_n_times() -> None:
    """``add_row(row, times=n)`` (the columnar engine counts a run of rows of one outcome so) is ``n`` calls, for
    reports, error rows and region rows alike; ``add_amounts`` adds sums to the three amount totals."""
    from tuoyu_rules.writers.rows import report_row

    for n in (1, 3, 7):
        once, many = Summary(), Summary()
        for item in [*items(), region()]:
            row = report_row(item)
            for _ in range(n):
                once.add_row(row)
            many.add_row(row, times=n)
        assert many.to_dict() == once.to_dict() and many.targets == once.targets
    summary = Summary()
    summary.add_amounts({("s", "amount"): Decimal("1.50"), ("s", "amount_min"): Decimal("2.00")})
    summary.add_amounts({("s", "amount"): Decimal("0.25"), ("s", "amount_max"): Decimal("3.00")})
    assert (summary.subsidy_totals, summary.subsidy_min, summary.subsidy_max) == (
        {"s": Decimal("1.75")},
        {"s": Decimal("2.00")},
        {"s": Decimal("3.00")},
    )
