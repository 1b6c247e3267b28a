"""The record models as type checkers see them (records/typed_models.py, generated from vocabulary.py)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tuoyu_rules
from tuoyu_rules.records import typed_models
from tuoyu_rules.records.model_source import typed_models_source
from tuoyu_rules.records.models import MODELS

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "src" / "tuoyu_rules" / "records" / "typed_models.py"
REGENERATE = "python -m tuoyu_rules.records.model_source > src/tuoyu_rules/records/typed_models.py"


def test_the_committed_typed_models_are_fresh() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == typed_models_source(), (
        f"records/typed_models.py is stale (a field table of vocabulary.py changed): {REGENERATE}"
    )


@pytest.mark.parametrize(("name", "kind", "_doc"), MODELS)
def test_the_typed_classes_declare_exactly_the_runtime_fields(name: str, kind: str, _doc: str) -> None:
    runtime = getattr(tuoyu_rules, name)
    typed = getattr(typed_models, name)
    assert runtime.record_kind == kind and runtime is not typed
    assert list(typed.__annotations__) == list(runtime.model_fields)
    tree = ast.parse(COMMITTED.read_text(encoding="utf-8"))
    (cls,) = (node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name)
    (init,) = (node for node in ast.walk(cls) if isinstance(node, ast.FunctionDef) and node.name == "__init__")
    assert [a.arg for a in init.args.kwonlyargs] == list(runtime.model_fields), "a constructor argument per field"


def mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[dev]')")
    script = tmp_path / "example.py"
    script.write_text(source, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYPY")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--",
            str(script),
        ],
        cwd=tmp_path,
        env={**env, "MYPYPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def readme_python_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\n", readme.index("## From Python")) + len("```python\n")
    return readme[start : readme.index("\n```", start)] + "\n"


def test_the_readme_python_example_passes_mypy_strict(tmp_path: Path) -> None:
    result = mypy(tmp_path, readme_python_block())
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_sees_each_field_with_its_type_and_refuses_a_misspelt_one(tmp_path: Path) -> None:
    source = """\
import tuoyu_rules
record = tuoyu_rules.Institution(id="X", total_slots="30个", classes=[{"type": "乳儿班", "enrolled": 3}])
reveal_type(record.total_slots)
reveal_type(record.form)
reveal_type(record.indoor_area_m2)
assert record.classes is not None
reveal_type(record.classes[0]["type"])
reveal_type(tuoyu_rules.Region(id="R").subregions)
tuoyu_rules.Institution(id="X", total_slot=30)
tuoyu_rules.Institution(id="X", total_slots=[30])
"""
    out = mypy(tmp_path, source).stdout
    revealed = [t.replace("builtins.", "") for t in re.findall(r'Revealed type is "(.*)"', out)]
    assert revealed[:4] == [
        "int | None",
        "Literal['center'] | Literal['community'] | Literal['employer'] | Literal['family'] | "
        "Literal['kindergarten_class'] | None",
        "int | decimal.Decimal | None",
        "Literal['infant'] | Literal['mixed'] | Literal['older'] | Literal['toddler']",
    ], out
    assert revealed[4].startswith("list[TypedDict(") and "SubregionRecord" in revealed[4], out
    assert "'population'?: int" in revealed[4] and "'subregions'?: list[" in revealed[4], out
    assert 'Unexpected keyword argument "total_slot" for "Institution"' in out, out
    assert 'Argument "total_slots" to "Institution" has incompatible type "list[int]"' in out, out


def test_a_typed_record_round_trips_through_the_runtime_model() -> None:
    fields: dict[str, Any] = {"id": "X", "total_slots": "30个", "tenure": "自有", "staff": [{"certificates": "保育员"}]}
    model = tuoyu_rules.Institution(**fields)
    assert (model.total_slots, model.tenure, model.staff) == (30, "owned", [{"certificates": ["childcare"]}])
