"""Lean reports change no byte: every report's JSON text is the one the code gave before (tests/data/report_bytes)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent / "data"
HASHES = DATA / "report_bytes" / "hashes.json"


def _make():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("report_bytes_make", DATA / "report_bytes" / "make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _to_json(report: Any, passes: bool = True, trace: bool = False) -> bytes:
    return str(report.to_json(passes=passes, trace=trace)).encode("utf-8")


@pytest.mark.parametrize("path", ["to_dict", "to_json"])
def test_report_json_is_byte_identical_to_the_recorded_one(path: str) -> None:
    """json.dumps(to_dict()) and to_json() (which builds no dict) both give the bytes main gave before."""
    make = _make()
    expected = json.loads(HASHES.read_text(encoding="utf-8"))
    got = {name: make.digest(texts) for name, texts in make.cases(make.as_dict if path == "to_dict" else _to_json)}
    assert got.keys() == expected.keys()
    changed = sorted(name for name in got if got[name] != expected[name])
    assert not changed, f"report bytes changed in {changed[:5]} (regenerate only on purpose: {make.__file__})"
