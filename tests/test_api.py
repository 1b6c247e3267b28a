"""The public API: load_policy, evaluate, evaluate_many; compile once, never re-parse; threads."""

from __future__ import annotations

import ast
import datetime
import json
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

import tuoyu_rules
from tuoyu_rules import expressions

ROOT = Path(__file__).resolve().parent.parent

DAY = datetime.date(2024, 6, 30)


def records(n: int) -> list[dict]:
    out = []
    for i in range(n):
        out.append(
            {
                "id": f"T-{i}",
                "inclusive": i % 3 != 0,
                "total_slots": 10 + i % 50,
                "indoor_area_m2": str(50 + (i * 7) % 300),
                "tenure": "owned" if i % 2 else "leased",
                "lease_years": i % 5,
                "classes": [
                    {"type": "infant", "enrolled": i % 12, "caregivers": 1 + i % 4},
                    {"type": "toddler", "enrolled": i % 16, "caregivers": 1 + i % 3},
                ],
                "construction": {
                    "provincial_slot_subsidy": bool(i % 2),
                    "central_funding": bool(i % 5 == 0),
                    "new_slots": i % 20,
                },
            }
        )
    return out


def test_public_names() -> None:
    assert {"load_policy", "Policy", "Report", "PolicyError", "RecordError"} <= set(tuoyu_rules.__all__)


def test_evaluate_many_keeps_order_and_drops_nothing(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    items = [*records(5), {"id": "BAD", "total_slots": "abc"}, *records(3), "not a record", records(1)[0]]
    out = list(policy.evaluate_many(items, as_of=DAY))
    assert len(out) == len(items)
    assert out[5].status == "error" and out[5].to_dict()["row"] == 6
    assert out[9].status == "error" and out[9].to_dict()["errors"][0]["code"] == "record.not-an-object"
    assert out[10].status == "error" and out[10].to_dict()["errors"][0]["code"] == "record.duplicate-id"
    assert [o.to_dict().get("id") for o in out[:5]] == [f"T-{i}" for i in range(5)]


def test_evaluate_many_is_lazy(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)

    def endless():
        i = 0
        while True:
            yield records(1)[0] | {"id": f"E-{i}"}
            i += 1

    stream = policy.evaluate_many(endless(), as_of=DAY)
    assert [next(stream).id for _ in range(3)] == ["E-0", "E-1", "E-2"]


def test_bad_record_raises_record_error_naming_the_field(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    with pytest.raises(tuoyu_rules.RecordError) as info:
        policy.evaluate({"id": "X", "total_slots": "abc"}, as_of=DAY)
    assert info.value.problems[0].location.field == "total_slots"


def test_money_is_a_two_place_string(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    line = policy.evaluate(records(1)[0] | {"inclusive": True, "indoor_area_m2": 1000}, as_of=DAY).to_dict()[
        "subsidies"
    ][0]
    assert isinstance(line["amount"], str) and Decimal(line["amount"]).as_tuple().exponent == -2


def test_evaluation_never_parses_an_expression(mini_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    calls = {"parse": 0, "compile": 0}
    real_parse, real_compile = ast.parse, expressions.compile_expression

    def counting_parse(*args, **kwargs):
        calls["parse"] += 1
        return real_parse(*args, **kwargs)

    def counting_compile(*args, **kwargs):
        calls["compile"] += 1
        return real_compile(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    monkeypatch.setattr(expressions, "compile_expression", counting_compile)
    for report in policy.evaluate_many(records(500), as_of=DAY):
        report.to_dict()
    assert calls == {"parse": 0, "compile": 0}


def test_a_policy_is_compiled_once_and_shared(mini_path: Path) -> None:
    assert tuoyu_rules.load_policy(mini_path).compiled is tuoyu_rules.load_policy(mini_path).compiled


def test_same_input_gives_byte_identical_output(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)

    def dump() -> str:
        return json.dumps(
            [r.to_dict() for r in policy.evaluate_many(records(50), as_of=DAY)],
            ensure_ascii=False,
        )

    assert dump() == dump()


def test_eight_threads_sharing_one_policy_agree_with_one_thread(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    batch = records(300)
    dates = [DAY, datetime.date(2023, 3, 1), datetime.date(2025, 1, 1)]

    def run(k: int) -> str:
        return json.dumps([r.to_dict() for r in policy.evaluate_many(batch, as_of=dates[k % 3])], ensure_ascii=False)

    expected = [run(k) for k in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(run, range(8))) == expected


def test_what_if_parameters_change_amounts_not_the_original(mini_path: Path) -> None:
    policy = tuoyu_rules.load_policy(mini_path)
    record = records(1)[0] | {
        "inclusive": True,
        "indoor_area_m2": 1000,
        "classes": [{"type": "infant", "enrolled": 3, "caregivers": 1}],
    }
    what_if = policy.with_parameters({"op_infant": "600"})
    assert what_if.evaluate(record, as_of=DAY).to_dict()["subsidies"][0]["amount"] == "1800.00"
    assert policy.evaluate(record, as_of=DAY).to_dict()["subsidies"][0]["amount"] == "1500.00"
    with pytest.raises(tuoyu_rules.PolicyError):
        policy.with_parameters({"op_infnt": 1})


def test_unknown_policy_id_suggests_a_bundled_one() -> None:
    with pytest.raises(tuoyu_rules.PolicyError) as info:
        tuoyu_rules.load_policy("no_such_city")
    assert info.value.problems[0].code == "policy.not-found"


# ---- record models ----------------------------------------------------------------------------------------------------
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "luzhou_longmatan"
MODELS = {
    "institution": tuoyu_rules.Institution,
    "region": tuoyu_rules.Region,
    "residential_area": tuoyu_rules.ResidentialArea,
}


def example_records() -> list[dict]:
    out = []
    for name in ("institutions.jsonl", "regions.jsonl"):
        with open(EXAMPLES / name, encoding="utf-8") as handle:
            out.extend(json.loads(line) for line in handle if line.strip())
    return out


def test_a_model_gives_the_same_report_as_its_dict() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    checked = 0
    for data in example_records() + records(30):
        model = MODELS[data.get("kind", "institution")](**data)
        assert policy.evaluate(model, as_of=DAY).to_dict() == policy.evaluate(data, as_of=DAY).to_dict()
        checked += 1
    assert checked > 50


def test_a_model_is_checked_once_however_many_policies_read_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import tuoyu_rules.api
    import tuoyu_rules.records.base

    model = tuoyu_rules.Institution(**records(1)[0])
    calls = []
    real = tuoyu_rules.records.base.normalize_record
    for module in (tuoyu_rules.api, tuoyu_rules.records.base):
        monkeypatch.setattr(module, "normalize_record", lambda *a, **k: calls.append(a) or real(*a, **k))
    policies = [tuoyu_rules.load_policy(p) for p in ("national", "luzhou_longmatan")]
    reports = [p.evaluate(model, as_of=DAY) for p in policies]
    reports += [r for p in policies for r in p.evaluate_many([model, model.model_copy()], as_of=DAY)][:1]
    assert calls == [] and all(isinstance(r, tuoyu_rules.Report) for r in reports)
    tuoyu_rules.Institution(id="X")  # building one does check it
    assert len(calls) == 1


def test_a_model_reads_ledger_spellings_and_rejects_bad_values_like_a_ledger() -> None:
    model = tuoyu_rules.Institution(id="A", total_slots="30个", inclusive="是", form="托育中心", indoor_area_m2=12.5)
    assert (model.total_slots, model.inclusive, model.form, model.indoor_area_m2) == (
        30,
        True,
        "center",
        Decimal("12.5"),
    )
    with pytest.raises(tuoyu_rules.RecordError) as info:
        tuoyu_rules.Institution(id="A", total_slots="abc", tenure="maybe")
    assert {(p.location.field, p.code) for p in info.value.problems} == {
        ("total_slots", "record.not-a-number"),
        ("tenure", "record.unknown-value"),
    }
    with pytest.raises(tuoyu_rules.RecordError):
        tuoyu_rules.Institution(total_slots=3)  # no id
    with pytest.raises(tuoyu_rules.RecordError):
        tuoyu_rules.Institution(id="A", kind="region")
    with pytest.raises(Exception, match="frozen"):
        model.total_slots = 5  # type: ignore[misc]


def test_evaluate_many_mixes_models_dicts_and_rows_and_keeps_order() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    data = records(6)
    items = [tuoyu_rules.Institution(**d) if i % 2 else d for i, d in enumerate(data)]
    items.append(tuoyu_rules.Institution(**data[0]))  # the same id again
    out = list(policy.evaluate_many(items, as_of=DAY))
    assert [r.id for r in out] == [d["id"] for d in data] + ["T-0"]
    assert isinstance(out[-1], tuoyu_rules.ErrorReport) and out[-1].problems[0].code == "record.duplicate-id"
    assert [r.to_dict() for r in out[:-1]] == [r.to_dict() for r in policy.evaluate_many(data, as_of=DAY)]


def test_unknown_findings_leave_no_reference_cycles() -> None:
    # a missing field is caught as an exception inside the generated code; keeping its traceback in the finding would
    # tie every report into a reference cycle (about 40 objects per record left for the garbage collector)
    import gc

    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    list(policy.evaluate_many([{"id": "warm-up"}], as_of=DAY))
    gc.collect()
    gc.disable()
    try:
        reports = list(
            policy.evaluate_many([{"id": f"X{i}", "classes": [{"type": "infant"}]} for i in range(50)], as_of=DAY)
        )
        assert all(r.status == "incomplete" for r in reports)
        del reports
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_model_copied_with_new_values_is_checked_and_evaluated_with_them() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    small = tuoyu_rules.Institution(id="A", total_slots=100)
    big = small.model_copy(update={"total_slots": "151个"})
    assert big.total_slots == 151 and small.total_slots == 100
    assert "slots.max" in policy.evaluate(big, as_of=DAY).failed_rules()
    assert "slots.max" not in policy.evaluate(small, as_of=DAY).failed_rules()
    with pytest.raises(tuoyu_rules.RecordError):
        small.model_copy(update={"total_slots": "many"})


def test_reports_without_passes_are_the_same_whether_findings_were_read_first() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    for data in records(20):
        fresh = policy.evaluate(data, as_of=DAY)
        read = policy.evaluate(data, as_of=DAY)
        assert read.findings  # builds and keeps every finding
        slim = fresh.to_dict(passes=False)
        assert slim == read.to_dict(passes=False)
        assert slim["status"] == fresh.status and slim["violations"] == fresh.to_dict()["violations"]
        assert all(f["outcome"] != "pass" for f in slim["findings"] if "year" not in f)


def test_validate_files_returns_problems_without_printing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundled = tuoyu_rules.validate_files([ROOT / "policies"], strict=True, today=datetime.date(2026, 12, 1))
    assert len(bundled) == 6 and all(p.severity != "error" for _, problems in bundled for p in problems)
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (ROOT / "policies" / "luzhou_longmatan.yaml")
        .read_text(encoding="utf-8")
        .replace("parameters:", "parameterz:", 1),
        encoding="utf-8",
    )
    [(file, problems)] = tuoyu_rules.validate_files([broken])
    assert file == str(broken) and "policy.unknown-key" in {p.code for p in problems}
    assert all(p.location.file and p.location.line for p in problems if p.code == "policy.unknown-key")
    assert capsys.readouterr() == ("", "")


def test_the_version_is_written_once() -> None:
    from importlib.metadata import version

    assert version("tuoyu-rules") == tuoyu_rules.__version__
    assert not re.search(r'^version\s*=\s*"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)


@pytest.mark.parametrize(
    "as_of", [DAY, datetime.datetime(2024, 6, 30, 15, 45), "2024-06-30", " 2024-06-30 ", "2024-06-30T08:00:00"]
)
def test_as_of_is_a_date_a_datetime_or_iso_text_and_all_give_the_same_report(as_of: object) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    record = records(1)[0]
    expected = policy.evaluate(record, as_of=DAY).to_dict()
    assert policy.evaluate(record, as_of=as_of).to_dict() == expected  # type: ignore[arg-type]
    assert [r.to_dict() for r in policy.evaluate_many([record], as_of=as_of)] == [expected]  # type: ignore[arg-type]
    assert expected["as_of"] == "2024-06-30"


@pytest.mark.parametrize("as_of", [20240630, 2024.5, True, ["2024-06-30"], b"2024-06-30"])
def test_as_of_of_a_wrong_type_raises_one_clear_type_error_before_any_record_is_read(as_of: object) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    pulled: list[int] = []

    def stream() -> object:
        pulled.append(1)
        yield records(1)[0]

    with pytest.raises(
        TypeError, match=r"^as_of must be a date, a datetime or ISO text such as '2024-06-30', not \w+$"
    ):
        policy.evaluate(records(1)[0], as_of=as_of)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="as_of must be a date"):
        policy.evaluate_many(stream(), as_of=as_of)  # type: ignore[arg-type]
    assert pulled == [], "the check comes before the stream is read"


@pytest.mark.parametrize("text", ["30/06/2024", "2024-13-01", "", "yesterday"])
def test_as_of_text_that_is_not_an_iso_date_raises_value_error_naming_it(text: str) -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    with pytest.raises(ValueError, match=r"^as_of must be an ISO date such as '2024-06-30', not '"):
        policy.evaluate(records(1)[0], as_of=text)


def test_a_model_refuses_an_unknown_keyword_naming_the_closest_field() -> None:
    with pytest.raises(tuoyu_rules.RecordError) as info:
        tuoyu_rules.Institution(id="X", total_slot=30)  # type: ignore[call-arg]
    (problem,) = info.value.problems
    assert (problem.code, problem.location.field, problem.value) == ("record.unknown-field", "total_slot", "total_slot")
    assert problem.message == "total_slot：不认识的字段；是否想写 'total_slots'？"
    assert problem.message_en == "total_slot: unknown field; did you mean 'total_slots'?"
    assert str(info.value).count("total_slots") >= 1


def test_a_model_names_unknown_nested_fields_with_bad_values_all_at_once() -> None:
    with pytest.raises(tuoyu_rules.RecordError) as info:
        tuoyu_rules.Institution(
            id="X",
            total_slots="abc",
            classes=[{"type": "infant", "enrolled": 3}, {"type": "toddler", "enroled": 4}],
            surveillance={"retension_days": 30},
            colour="red",  # type: ignore[call-arg]
        )
    found = {(p.location.field, p.code) for p in info.value.problems}
    assert found == {
        ("classes[1].enroled", "record.unknown-field"),
        ("surveillance.retension_days", "record.unknown-field"),
        ("colour", "record.unknown-field"),
        ("total_slots", "record.not-a-number"),
    }
    hints = {p.location.field: p.message_en for p in info.value.problems}
    assert hints["classes[1].enroled"].endswith("did you mean 'enrolled'?")
    assert hints["surveillance.retension_days"].endswith("did you mean 'retention_days'?")
    assert hints["colour"] == "colour: unknown field"  # nothing close: no guess
    sub = {"id": "R-1", "subregions": [{"id": "R-1-1", "populaton": 5}]}
    with pytest.raises(tuoyu_rules.RecordError, match=r"subregions\[0\]\.populaton.*'population'"):
        tuoyu_rules.Region(**sub)


def test_a_dict_with_unknown_fields_is_still_evaluated_as_ledgers_are() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    report = policy.evaluate({"id": "X", "total_slots": 30, "note": "kept"}, as_of=DAY)
    assert report.to_dict()["id"] == "X"


def test_report_meta_describes_the_policy_for_a_report_page_as_plain_data() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    meta = policy.report_meta("2024-06-30")
    assert json.loads(json.dumps(meta)) == meta, "plain JSON data: the writers import nothing of the engine"
    assert meta["documents"] == [
        {
            "title": "泸州市龙马潭区普惠托育试点工作方案",
            "number": "泸龙府办发〔2023〕6号",
            "issuer": "泸州市龙马潭区人民政府办公室",
            "date": "2023-02-23",
        }
    ]
    assert meta["in_force"] == {"from": "2023-02-23", "until": None} and meta["as_of"] == "2024-06-30"
    assert meta["budget"]["amount"] == "3000000.00" and meta["budget"]["period"] == "year"
    what_if = policy.with_parameters({"annual_special_fund": "2500000"}).report_meta(DAY)
    assert what_if["budget"]["amount"] == "2500000.00", "a what-if budget is the one reported"
    assert "budget" not in tuoyu_rules.load_policy("nanchang").report_meta(DAY)


def test_trace_names_the_parameter_its_layer_and_clause_and_the_computed_requirement() -> None:
    policy = tuoyu_rules.load_policy("luzhou_longmatan")
    record = {"id": "X", "classes": [{"type": "infant", "enrolled": 10, "caregivers": 2}]}
    report = policy.evaluate(record, as_of=datetime.date(2024, 6, 30)).to_dict(trace=True)
    [ratio] = [f for f in report["violations"] if f["rule"] == "class.ratio.infant"]
    trace = ratio["trace"]  # type: ignore[typeddict-item]
    assert trace["version"] == 1
    [param] = trace["parameters"]
    assert (param["name"], param["value"], param["set_by"]) == ("ratio_infant", 3, "national")
    assert param["citation"]["clause"] == "人员" and "1:3" in param["citation"]["quote"]
    assert trace["fields"] == {"type": "infant", "caregivers": 2, "enrolled": 10}
    required = next(e for e in trace["expressions"] if e["part"] == "required")
    assert (required["text"], required["with_values"], required["value"]) == (
        "ceil(enrolled / ratio_infant)",
        "ceil(enrolled / 3)",
        4,
    )
    assert "trace" not in policy.evaluate(record, as_of=datetime.date(2024, 6, 30)).to_dict()["findings"][0]
