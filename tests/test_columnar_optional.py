"""Without polars, `check` works as before: --engine auto stays row-wise, --engine columnar is a usage error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BLOCK = "import sys; sys.modules['polars'] = None; from tuoyu_rules import cli; sys.exit(cli.main(sys.argv[1:]))"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", BLOCK, *args], capture_output=True, text=True)


def test_check_without_polars(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("id,name,filed\nA1,甲,是\n", encoding="utf-8")
    auto = run("check", "--policy", "national", "--format", "csv", str(ledger))
    assert auto.returncode == 0 and "A1" in auto.stdout and "Traceback" not in auto.stderr
    asked = run("check", "--policy", "national", "--format", "csv", "--engine", "columnar", str(ledger))
    assert asked.returncode == 2 and "polars is not installed" in asked.stderr
    assert "Traceback" not in asked.stderr
