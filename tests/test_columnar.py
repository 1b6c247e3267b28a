"""The columnar engine gives the row-wise engine's verdicts and CSV bytes, row for row, on every bundled policy."""

from __future__ import annotations

import csv
import datetime
import importlib.util
import io
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("polars", reason="the columnar engine needs polars: pip install 'tuoyu-rules[columnar]'")

from tuoyu_rules import cli
from tuoyu_rules.api import load_policy
from tuoyu_rules.columnar import Checker, check_rows
from tuoyu_rules.columnar.translate import Env, Untranslatable, translate
from tuoyu_rules.compiler import bundled_ids
from tuoyu_rules.records import read_rows
from tuoyu_rules.vocabulary import REGION_FIELDS
from tuoyu_rules.writers import write_reports

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
assert _spec and _spec.loader
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

POLICIES = sorted(bundled_ids())
DAYS = [datetime.date(2025, 6, 1), datetime.date(2023, 1, 1)]
MESSY = [
    "30个",
    "1,200",
    "是",
    "否",
    " 是",
    "True",
    "yes",
    "",
    " ",
    "abc",
    "-3",
    "12.34567",
    "１２",
    "10000000000",
    "7.",
]


def write_ledger(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def ledger(n: int, seed: int) -> list[dict[str, Any]]:
    return [generate.flat(r) for r in generate.records(n, seed)]


def row_engine(policy: Any, path: Path, day: datetime.date, notices: list[Any] | None = None) -> list[dict[str, Any]]:
    rows = read_rows(path, on_notice=None if notices is None else notices.append)
    return [r.to_dict() for r in policy.evaluate_many(rows, as_of=day)]


def csv_bytes(items: Any) -> str:
    out = io.StringIO()
    write_reports(iter(items), "csv", out)
    return out.getvalue()


def verdict(item: dict[str, Any]) -> tuple[Any, ...]:
    """What a CSV row says of a record: status, violations, unknown rules, subsidy amounts, errors."""
    unknown = list(dict.fromkeys(f["rule"] for f in item.get("findings") or () if f.get("outcome") == "unknown"))
    subsidies = [
        (s["id"], s["eligible"], s["amount"], s["amount_min"], s["amount_max"], s.get("amount_open"))
        for s in item.get("subsidies") or ()
    ]
    errors = [(e["code"], e.get("field")) for e in item.get("errors") or ()]
    return (
        item.get("id"),
        item["status"],
        [v["rule"] for v in item.get("violations") or ()],
        unknown,
        subsidies,
        errors,
    )


def assert_same(path: Path, day: datetime.date, policies: list[str] = POLICIES) -> dict[str, dict[str, int]]:
    """Both engines on one ledger under every bundled policy (or ``policies``, ids or files): the same verdicts, CSV
    bytes and reader notices."""
    counts = {}
    for pid in policies:
        policy = load_policy(pid)
        mine_notices: list[Any] = []
        ref_notices: list[Any] = []
        checker = Checker(policy.compiled, day, on_notice=mine_notices.append)
        mine = list(check_rows(policy, str(path), day, batch_size=7, checker=checker))
        ref = row_engine(policy, path, day, ref_notices)
        assert [verdict(m) for m in mine] == [verdict(r) for r in ref], pid
        assert csv_bytes(mine) == csv_bytes(ref), pid
        assert mine_notices == ref_notices, pid
        counts[pid] = checker.rows
    return counts


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 40), seed=st.integers(0, 10**6), day=st.sampled_from(DAYS))
def test_generated_ledgers_match_the_row_engine(tmp_path: Path, n: int, seed: int, day: datetime.date) -> None:
    path = tmp_path / "ledger.csv"
    write_ledger(path, ledger(n, seed), generate.CSV_COLUMNS)
    counts = assert_same(path, day)
    if day == DAYS[0]:  # clean ledgers go column-wise (on a date when these policies translate whole)
        assert all(counts[p] == {"columnar": n, "row": 0} for p in POLICIES), counts


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 25),
    seed=st.integers(0, 10**6),
    edits=st.lists(
        st.tuples(st.integers(0, 24), st.sampled_from(generate.CSV_COLUMNS), st.sampled_from(MESSY)), max_size=12
    ),
    duplicates=st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24)), max_size=3),
)
def test_messy_cells_go_row_wise_and_still_match(
    tmp_path: Path, n: int, seed: int, edits: list[tuple[int, str, str]], duplicates: list[tuple[int, int]]
) -> None:
    rows = ledger(n, seed)
    for i, column, value in edits:
        rows[i % n][column] = value
    for a, b in duplicates:
        rows[b % n]["id"] = rows[a % n]["id"]
    path = tmp_path / "ledger.csv"
    write_ledger(path, rows, generate.CSV_COLUMNS)
    assert_same(path, DAYS[0])


def test_cells_that_need_the_general_reader_are_handed_over(tmp_path: Path) -> None:
    rows = ledger(6, 1)
    rows[0]["total_slots"] = "30个"
    rows[1]["monthly_fee"] = "1,200"
    rows[2]["filed"] = " 是"  # white space: the general reader strips it
    rows[3]["star_rating"] = "abc"  # an error row
    rows[4]["id"] = ""  # an error row: no id
    path = tmp_path / "ledger.csv"
    write_ledger(path, rows, generate.CSV_COLUMNS)
    counts = assert_same(path, DAYS[0])
    assert counts["national"] == {"columnar": 1, "row": 5}


def test_chinese_headers_and_flat_classes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(
        "机构编号,机构名称,托育形式,乳儿班人数,乳儿班保育人员数,托小班人数,是否备案,是否普惠\n"
        "A1,甲,托育中心,10,3,15,是,否\nA2,乙,家庭托育点,5,1,,否,是\nA3,丙,center,,,,true,false\n",
        encoding="utf-8",
    )
    assert_same(path, DAYS[0])


REGION_COUNTS = [name for name, spec in REGION_FIELDS.items() if spec == "int" and name != "year"]
LEVELS = ["national", "province", "city", "county", "township", "community", "县", "街道", "", "市辖区"]
AREA_COLUMNS = ["kind", "id", "name", "level", "year", "status", "planned_slots", *REGION_COUNTS]
TEST_POLICIES = [str(ROOT / "tests" / "data" / "policies" / name) for name in ("mini.yaml", "verdicts.yaml")]
AREA_DAYS = [*DAYS, datetime.date(2021, 3, 1), datetime.date(2026, 6, 1), datetime.date(2027, 1, 1)]


def area(rng: random.Random, i: int) -> dict[str, Any]:
    """A region or residential-area row (or, now and then, an institution) with the cells such ledgers hold."""
    kind = rng.choice(["region", "residential_area", "residential_area", "居住区", "区域", ""])
    row: dict[str, Any] = {"kind": kind, "id": f"A{i}", "name": rng.choice(["某区", " 某镇", "", "某小区"])}
    if kind in ("residential_area", "居住区"):
        row["status"] = rng.choice(["new", "existing", "新建", "老城区", "", "planned"])
        row["population"] = rng.choice([rng.randint(0, 60000), "", "3万"])
        row["planned_slots"] = rng.choice([rng.randint(0, 600), ""])
    elif kind in ("region", "区域"):
        row["level"] = rng.choice(LEVELS)
        row["year"] = rng.choice([2020, 2021, 2023, 2025, 2025, 2026, 2027, 2030, "", 0, 99999, "2025年"])
        for name in REGION_COUNTS:
            row[name] = rng.choice([rng.randint(0, 5000), rng.randint(0, 5000), rng.randint(0, 10**7), 0, ""])
    return row


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 30), seed=st.integers(0, 10**6), day=st.sampled_from(AREA_DAYS))
def test_region_and_residential_ledgers_match_the_row_engine(
    tmp_path: Path, n: int, seed: int, day: datetime.date
) -> None:
    rng = random.Random(seed)
    rows = [area(rng, i) for i in range(n)]
    path = tmp_path / "areas.csv"
    write_ledger(path, rows, AREA_COLUMNS)
    assert_same(path, day, [*POLICIES, *TEST_POLICIES])  # the test policies: targets without stated due dates


@pytest.mark.parametrize("day", AREA_DAYS)
def test_clean_region_rows_go_column_wise(tmp_path: Path, day: datetime.date) -> None:
    rng = random.Random(day.toordinal())
    rows = []
    for i, level in enumerate(["national", "province", "city", "county", "township", "community"] * 3):
        row = {"kind": "region", "id": f"R{i}", "name": f"区域{i}", "level": level}
        row["year"] = rng.choice([2021, 2023, 2025, 2026, ""])
        row.update({name: rng.randint(0, 3000) for name in REGION_COUNTS})
        row["population"] = rng.randint(1, 10**6)
        rows.append(row)
    path = tmp_path / "regions.csv"
    write_ledger(path, rows, AREA_COLUMNS)
    counts = assert_same(path, day, [*POLICIES, *TEST_POLICIES])
    assert all(c == {"columnar": len(rows), "row": 0} for c in counts.values()), counts


def test_residential_areas_go_column_wise(tmp_path: Path) -> None:
    rows = [
        {"kind": "residential_area", "id": f"R{i}", "status": s, "population": p, "planned_slots": q}
        for i, (s, p, q) in enumerate(
            [("new", 12000, 120), ("existing", 30001, 200), ("new", 999, 9), ("老城区", 0, 0)]
        )
    ]
    path = tmp_path / "areas.csv"
    write_ledger(path, rows, AREA_COLUMNS)
    counts = assert_same(path, DAYS[0])
    assert all(counts[p] == {"columnar": 4, "row": 0} for p in POLICIES), counts


def test_unsupported_expressions_are_refused() -> None:
    env = Env(None, None, {}, 2025, lambda name: None)
    for source in (
        "_div(3, 2)",
        "_min(1, 2)",
        "(1 < 2 < 3)",
        "_ceil_div(_D('1000000000000000.5'), _D('1000000000000.5'))",
    ):
        with pytest.raises(Untranslatable):
            translate(source, env)


def test_the_cli_writes_the_same_bytes_and_names_the_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ledger.csv"
    write_ledger(path, ledger(300, 5), generate.CSV_COLUMNS)
    outputs = {}
    for engine in ("row", "columnar"):
        out = tmp_path / f"{engine}.csv"
        args = ["check", "--policy", "chaisang", "--as-of", "2025-06-01", "--format", "csv"]
        code = cli.main([*args, "--engine", engine, "-o", str(out), str(path)])
        outputs[engine] = (code, out.read_bytes())
    assert outputs["row"] == outputs["columnar"]
    assert "300 行按列计算" in capsys.readouterr().err
    code = cli.main(["check", "--policy", "national", "--format", "jsonl", "--engine", "columnar", str(path)])
    assert code == 2 and "--format csv" in capsys.readouterr().err
    code = cli.main(
        [
            "check",
            "--policy",
            "national",
            "--format",
            "csv",
            "--engine",
            "columnar",
            "--input-format",
            "jsonl",
            str(path),
        ]
    )
    assert code == 2 and "--input-format" in capsys.readouterr().err


def test_auto_takes_columnar_only_for_big_csv_ledgers_and_is_not_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.csv"
    write_ledger(path, ledger(30, 5), generate.CSV_COLUMNS)
    args = [
        "check",
        "--policy",
        "national",
        "--format",
        "csv",
        "-o",
        str(tmp_path / "o.csv"),
        "--engine",
        "auto",
        str(path),
    ]
    cli.main(args)
    assert "列式引擎" not in capsys.readouterr().err
    monkeypatch.setattr("tuoyu_rules.columnar.choose.AUTO_ROWS", 10)
    monkeypatch.setattr("tuoyu_rules.columnar.choose.big_enough.__defaults__", (10,))
    cli.main([a for a in args if a not in ("--engine", "auto")])  # the default is the row engine, whatever the size
    assert "列式引擎" not in capsys.readouterr().err
    cli.main(args)
    assert "列式引擎" in capsys.readouterr().err


def test_the_core_does_not_import_polars() -> None:
    code = "import sys, tuoyu_rules, tuoyu_rules.cli, tuoyu_rules.api; sys.exit('polars' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_tab_separated_and_gb18030_ledgers(tmp_path: Path) -> None:
    rows = ledger(12, 9)
    tsv = tmp_path / "ledger.tsv"
    with open(tsv, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=generate.CSV_COLUMNS, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    assert assert_same(tsv, DAYS[0])["national"] == {"columnar": 12, "row": 0}
    gb = tmp_path / "ledger.csv"
    gb.write_bytes(tsv.read_text(encoding="utf-8").replace("\t", ",").encode("gb18030"))
    assert assert_same(gb, DAYS[0])["national"] == {"columnar": 12, "row": 0}


def test_undecodable_rows_are_the_same_error_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes(
        "id,name\nA,丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁\n".encode() + b"B,\xd2\xbb\xff\nC,\n"
    )
    counts = assert_same(path, DAYS[0])
    assert counts["national"] == {"columnar": 2, "row": 1}


def office_ledger(path: Path, rows: list[dict[str, Any]], header: list[str], keys: list[str]) -> None:
    """A ledger as a district office lays it out: title and 填报单位 rows above the header, a blank row, a 合计 row
    and notes below the data, a column without a header holding values."""
    lines = ["2025年托育机构情况统计表", "填报单位：某区卫生健康局,,填报日期：2025-06-01", "", ",".join([*header, ""])]
    body = [[str(r.get(k, "")) for k in keys] for r in rows]
    body[0] = [*body[0], "多出的值"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(body)
    lines += [out.getvalue().rstrip("\n"), "合计,,,,,,,,123", "注：1. 托位数含临时托位", "2. 本表由机构自报"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


CHINESE = {
    "id": "机构编号",
    "name": "机构 名称",
    "form": "托育形式",
    "inclusive": "是否普惠",
    "filed": "是否备案",
    "total_slots": "托位数（个）",
    "indoor_area_m2": "室内面积(㎡)",
    "monthly_fee": "收费标准（元/月）",
    "infant_enrolled": "乳儿班人数",
    "infant_caregivers": "乳儿班保育人员数",
    "toddler_enrolled": "托小班人数",
    "district": "所在街道",
}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 20), seed=st.integers(0, 10**6), misspelt=st.booleans())
def test_office_layouts_match_the_row_engine(tmp_path: Path, n: int, seed: int, misspelt: bool) -> None:
    keys = list(CHINESE)
    header = [CHINESE[k] for k in keys]
    if misspelt:  # a header no field matches: kept as an extra field, with a did-you-mean notice
        header[keys.index("inclusive")] = "是否普慧"
    path = tmp_path / "ledger.csv"
    office_ledger(path, [generate.flat(r) for r in generate.records(n, seed)], header, keys)
    counts = assert_same(path, DAYS[0])
    assert counts["national"] == {"columnar": n, "row": 0}  # the layout is the reader's; the rows go column-wise


@pytest.mark.parametrize("name", ["台账_两行表头.csv", "台账_标题行.csv", "bad_rows.csv"])
def test_the_corpus_of_office_ledgers_matches_the_row_engine(name: str) -> None:
    assert_same(ROOT / "tests" / "data" / "ledgers" / name, DAYS[0])


def test_bad_csv_rows_are_the_row_readers_error_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    write_ledger(path, ledger(5, 2), generate.CSV_COLUMNS)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, 'X1,"an unterminated quote,1,2')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = assert_same(path, DAYS[0])
    assert counts["national"]["row"] >= 1


def test_the_cli_prints_the_same_notices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = list(CHINESE)
    header = [CHINESE[k] for k in keys]
    header[keys.index("inclusive")] = "是否普慧"
    path = tmp_path / "ledger.csv"
    office_ledger(path, [generate.flat(r) for r in generate.records(8, 3)], header, keys)
    said = {}
    for engine in ("row", "columnar"):
        out = tmp_path / f"{engine}.csv"
        args = ["check", "--policy", "nanchang", "--as-of", "2025-06-01", "--format", "csv", "-o", str(out)]
        cli.main([*args, "--engine", engine, str(path)])
        said[engine] = [line for line in capsys.readouterr().err.splitlines() if "列式引擎" not in line]
    assert said["row"] == said["columnar"]
    assert any("跳过" in line for line in said["row"]) and any("是否普惠" in line for line in said["row"])


@settings(max_examples=60, deadline=None)
@given(
    a=st.decimals(0, 10**9, places=4),
    b=st.decimals(-(10**6), 10**6, places=3),
    c=st.integers(-(10**6), 10**6),
)
def test_ceil_of_a_division_of_decimals_is_exact(a: Decimal, b: Decimal, c: int) -> None:
    import polars as pl

    from tuoyu_rules.columnar.translate import V
    from tuoyu_rules.expressions.runtime import _ceil_div

    column = V("num", pl.col("a"), pl.lit(False), 4, 10**13, False)
    env = Env(lambda keys: column, None, {"b": b, "c": c}, 2025, lambda name: None)
    frame = pl.DataFrame({"a": [int(a.scaleb(4))]})
    for source, divisor in (("_ceil_div(r['a'], p['b'])", b), ("_ceil_div(r['a'], p['c'])", c)):
        v = translate(source, env)
        value, err = frame.select(v.value.alias("v"), v.err.alias("e")).row(0)
        if divisor == 0:
            assert err
        else:
            assert not err and value == _ceil_div(a, divisor), (source, a, divisor)


@settings(max_examples=60, deadline=None)
@given(a=st.integers(0, 10**10), b=st.integers(0, 10**10), t=st.decimals(0, 10**6, places=2))
def test_quotients_compare_exactly_either_way_round(a: int, b: int, t: Decimal) -> None:
    import operator

    import polars as pl

    from tuoyu_rules.columnar.translate import V
    from tuoyu_rules.expressions.functions import _per_1000, _percent

    def column(keys: list[str]) -> V:
        return V("num", pl.col(keys[0]), pl.lit(False), 0, 10**10, True)

    env = Env(column, None, {"t": t}, 2025, lambda name: None)
    frame = pl.DataFrame({"a": [a], "b": [b]})
    cases = [("_percent(r['a'], r['b']) >= p['t']", _percent, operator.ge, False)]
    cases += [("p['t'] > _per_1000(r['a'], r['b'])", _per_1000, operator.gt, True)]
    cases += [("_per_1000(r['a'], r['b']) == p['t']", _per_1000, operator.eq, False)]
    for source, fn, op, flipped in cases:
        v = translate(source, env)
        value, err = frame.select(v.value.alias("v"), v.err.alias("e")).row(0)
        if b == 0:
            assert err
        else:
            expected = op(t, fn(a, b)) if flipped else op(fn(a, b), t)
            assert not err and value == expected, (source, a, b, t)
