"""The authoring guide's commands run as written: every ``bash`` block marked ``<!-- runnable -->``.

The policy they work on is the guide's own: the YAML blocks of steps 2–7 of its Chinese section, written to
``policies/my_city.yaml`` of a throw-away copy of the repository, committed twice (an older version first) so that
``git show HEAD~1:…`` has something to show.

The walk-throughs of docs/ledgers.md run too: each of their runnable blocks in an empty directory holding the analyst's
workbook (tests/data/ledgers/台账_分析员.xlsx), its output compared with the ``text`` block shown after it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "authoring.md"
RUNNABLE = re.compile(r"<!-- runnable -->\n```bash\n(.*?)\n```", re.S)
KEPT = ("docs", "examples", "policies", "schema", "seeds")


def guide_policy() -> str:
    chinese = GUIDE.read_text(encoding="utf-8").split("\n## English", 1)[0]
    return "\n".join(re.findall(r"```yaml\n(.*?)\n```", chinese, re.S)) + "\n"


def clean_env() -> dict[str, str]:
    """The environment without git's own variables: a test run inside a git hook or ``git rebase -x`` has GIT_DIR
    and friends set, and the throw-away repository's commands would act on the real one."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=clean_env())


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("authoring") / "repo"
    for name in KEPT:
        shutil.copytree(ROOT / name, repo / name)
    policy = guide_policy()
    older = policy.replace("value: 150", "value: 120")
    assert older != policy, "the guide's slot cap (150) is where the older version differs"
    git(repo, "init", "-q")
    for text, message in ((older, "older"), (policy, "the guide's policy")):
        (repo / "policies" / "my_city.yaml").write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", message)
    return repo


def test_the_guide_has_runnable_blocks() -> None:
    assert len(RUNNABLE.findall(GUIDE.read_text(encoding="utf-8"))) >= 2


@pytest.mark.parametrize("number", range(len(RUNNABLE.findall(GUIDE.read_text(encoding="utf-8")))))
def test_a_runnable_block_of_the_authoring_guide_runs_as_written(repo: Path, number: int) -> None:
    block = RUNNABLE.findall(GUIDE.read_text(encoding="utf-8"))[number]
    env = {**clean_env(), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block], cwd=repo, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (
        f"block {number} failed:\n{block}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


# docs/ledgers.md: each runnable block of its walk-throughs is followed by a ``text`` block of what it prints
LEDGERS_DOC = ROOT / "docs" / "ledgers.md"
SHOWN = re.compile(r"<!-- runnable -->\n```bash\n(.*?)\n```\n+```text\n(.*?)\n```", re.S)
LEDGER_FILES = ("台账_分析员.xlsx",)  # copied into the empty directory the walk-through runs in


def ledger_blocks() -> list[tuple[str, str]]:
    return SHOWN.findall(LEDGERS_DOC.read_text(encoding="utf-8"))


def run_ledger_block(block: str, where: Path) -> subprocess.CompletedProcess[str]:
    for name in LEDGER_FILES:
        shutil.copyfile(ROOT / "tests" / "data" / "ledgers" / name, where / name)
    env = {**clean_env(), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr in the order a terminal shows them
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f"exec 2>&1\n{block}"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_ledger_walk_throughs_have_runnable_blocks_in_both_halves() -> None:
    chinese, english = LEDGERS_DOC.read_text(encoding="utf-8").split("\n## English", 1)
    assert len(SHOWN.findall(chinese)) >= 4 and len(SHOWN.findall(english)) >= 4


@pytest.mark.parametrize("number", range(len(ledger_blocks())))
def test_a_walk_through_block_of_the_ledger_guide_prints_what_it_shows(tmp_path: Path, number: int) -> None:
    block, shown = ledger_blocks()[number]
    result = run_ledger_block(block, tmp_path)
    assert result.returncode == 0, f"block {number} failed:\n{block}\n--- output\n{result.stdout}"
    assert result.stdout.rstrip("\n") == shown, f"block {number}:\n{block}"
