"""The documentation's examples stay true."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuoyu_rules import validate_files

ROOT = Path(__file__).resolve().parent.parent


def test_the_annotated_example_in_the_language_doc_validates(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "policy-language.md").read_text(encoding="utf-8")
    start = text.index("```yaml\n# yaml-language-server")
    block = text[start + len("```yaml\n") : text.index("\n```", start + 10)]
    path = tmp_path / "example_policy.yaml"
    path.write_text(block + "\n", encoding="utf-8")
    [(_, problems)] = validate_files([path])
    assert [p.render() for p in problems if p.severity == "error"] == []


def test_readme_names_the_test_command_and_the_check_job() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./dev check" in readme and "./dev test" in readme and "python -m pytest" in readme
    assert "./dev test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_docs_coverage_md_is_generated_from_the_bundled_policies() -> None:
    from tuoyu_rules.authoring.clauses import coverage_markdown
    from tuoyu_rules.compiler import bundled_dir, load_compiled

    policies = [load_compiled(p) for p in sorted(bundled_dir().glob("*.yaml"))]
    committed = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert committed.strip() == coverage_markdown(policies).strip(), (
        "docs/coverage.md is stale: tuoyu-rules coverage --format markdown policies/ > docs/coverage.md"
    )


def test_the_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\n", readme.index("## From Python")) + len("```python\n")
    block = readme[start : readme.index("\n```", start)]
    monkeypatch.chdir(ROOT)  # the example reads the bundled ledger by its path in the repository
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["report"].status == "fail"  # type: ignore[attr-defined]  # 10 infants need 4 caregivers, not 3
    assert namespace["record"].total_slots == 30  # type: ignore[attr-defined]


def test_the_scale_example_checks_a_partition() -> None:
    # docs/scale.md: check_partition is what a Dask bag or PySpark mapPartitions runs per partition
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "partitioned_check", ROOT / "docs" / "examples" / "partitioned_check.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ledger = ROOT / "examples" / "luzhou_longmatan" / "institutions.jsonl"
    rows = sum(1 for line in ledger.read_text(encoding="utf-8").splitlines() if line.strip())
    summary = module.check_partition(str(ledger))
    assert summary["partition"] == "institutions.jsonl"
    assert sum(summary["statuses"].values()) == rows and summary["statuses"].get("fail", 0) > 0
    assert summary["failed_rules"] and all(isinstance(n, int) for n in summary["failed_rules"].values())


def test_the_function_table_in_the_language_doc_is_generated_from_functions() -> None:
    # adding an entry to FUNCTIONS without documenting it fails here: the doc's table must be the table's
    from tuoyu_rules.expressions import FUNCTIONS
    from tuoyu_rules.expressions.functions import functions_markdown

    doc = (ROOT / "docs" / "policy-language.md").read_text(encoding="utf-8")
    start = doc.index("\n", doc.index("<!-- functions:")) + 1
    committed = doc[start : doc.index("<!-- end of functions -->")]
    assert committed.strip() == functions_markdown().strip(), (
        "docs/policy-language.md's function table is stale: paste tuoyu_rules.expressions.functions.functions_markdown()"
    )
    for name, function in FUNCTIONS.items():
        assert function.signature.startswith(f"{name}(") and function.zh and function.en, name


def extending_section(heading: str) -> str:
    text = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def test_the_function_example_in_extending_functions_md_works(tmp_path: Path) -> None:
    import datetime
    import re

    import tuoyu_rules
    from tuoyu_rules.expressions import FUNCTIONS

    doc = extending_section("## Adding an expression function")
    python_block, yaml_block = (
        re.search(rf"```{lang}\n(.*?)```", doc, re.S).group(1)  # type: ignore[union-attr]
        for lang in ("python", "yaml")
    )
    mini = (ROOT / "tests" / "data" / "policies" / "mini.yaml").read_text(encoding="utf-8")
    policy_path = tmp_path / "mini_clamp.yaml"
    policy_path.write_text(mini.replace("\nrules:\n", "\nrules:\n" + yaml_block, 1), encoding="utf-8")
    assert "clamp" not in FUNCTIONS
    try:
        exec(python_block, {})  # adds FUNCTIONS["clamp"], as the entry in functions.py would
        policy = tuoyu_rules.load_policy(policy_path)
        record = {"id": "M-9", "total_slots": 10, "indoor_area_m2": 300, "tenure": "owned", "classes": []}
        findings = policy.evaluate(record, as_of=datetime.date(2024, 6, 30)).to_dict()["findings"]
    finally:
        FUNCTIONS.pop("clamp", None)
    capped = next(f for f in findings if f["rule"] == "area.indoor_per_slot_capped")
    assert capped["outcome"] == "pass" and capped["observed"] == 10  # 30 m² a slot, counted as 10


def test_the_record_field_example_in_extending_md_works(tmp_path: Path) -> None:
    import re
    import shutil
    import subprocess
    import sys

    doc = extending_section("## Adding a record field")
    block = re.search(r"```python\n(.*?)```", doc, re.S).group(1)  # type: ignore[union-attr]
    package = tmp_path / "tuoyu_rules"
    shutil.copytree(ROOT / "src" / "tuoyu_rules", package, symlinks=False)
    vocabulary = (package / "vocabulary.py").read_text(encoding="utf-8")
    for table, lines in re.findall(r"# vocabulary.py, in (\w+):\n((?:    .*\n)+)", block):
        opening = re.search(rf"^{table}: [^\n]*= {{\n", vocabulary, re.M)
        assert opening is not None, table
        vocabulary = vocabulary[: opening.end()] + lines + vocabulary[opening.end() :]
    (package / "vocabulary.py").write_text(vocabulary, encoding="utf-8")
    (tmp_path / "ledger.csv").write_text("机构编号,是否提供膳食\nA-1,是\nA-2,否\n", encoding="utf-8")
    script = """
import json, tuoyu_rules
from pydantic import TypeAdapter
from tuoyu_rules.records import normalize_record
rows = [normalize_record(r.data, text=True) for r in tuoyu_rules.read_rows("ledger.csv")]
model = tuoyu_rules.Institution(id="A-3", meal_service=True)
schema = TypeAdapter(tuoyu_rules.Institution).json_schema()
print(json.dumps([rows, model.evaluation_record().get("meal_service"), "meal_service" in schema["properties"]]))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    rows, model_value, in_schema = json.loads(result.stdout)
    assert [r.get("meal_service") for r in rows] == [True, False] and model_value is True and in_schema
