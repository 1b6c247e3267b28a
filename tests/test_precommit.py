"""The pre-commit hook this repository offers works from a fresh clone: ``pre-commit try-repo`` on a policy repo.

Skipped only where pre-commit is not installed (it is in the ``dev`` extra, so ``./dev test`` and CI have it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if found is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit, or ./dev test which installs the dev extra)")
    return found


def clean_env() -> dict[str, str]:
    """The environment without git's own variables (set inside a git hook or ``git rebase -x``): with them, the
    commands below would act on the repository the tests run in instead of the throw-away ones."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=600, check=False, env=env or clean_env()
    )


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or run(ROOT, "git", "rev-parse", "HEAD").returncode != 0:
        pytest.skip("not a git checkout")
    target = tmp_path_factory.mktemp("precommit") / "tuoyu-rules"
    assert run(ROOT, "git", "clone", "-q", str(ROOT), str(target)).returncode == 0
    return target


def policy_repo(where: Path, policy_text: str) -> Path:
    (where / "policies").mkdir(parents=True)
    (where / "policies" / "my_city.yaml").write_text(policy_text, encoding="utf-8")
    for args in (("git", "init", "-q"), ("git", "add", "-A")):
        assert run(where, *args).returncode == 0
    return where


def try_repo(clone: Path, repo: Path) -> subprocess.CompletedProcess[str]:
    # pre-commit's own cache beside the clone: the hook environment is built from scratch, as on a new machine
    env = {**clean_env(), "PRE_COMMIT_HOME": str(clone.parent / "pre-commit-home")}
    return run(repo, pre_commit(), "try-repo", str(clone), "tuoyu-rules-validate", "--all-files", env=env)


def test_the_hook_passes_a_valid_policy_and_fails_a_broken_one(clone: Path, tmp_path: Path) -> None:
    good = (ROOT / "policies" / "luzhou_longmatan.yaml").read_text(encoding="utf-8")
    passed = try_repo(clone, policy_repo(tmp_path / "good", good))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    broken = try_repo(clone, policy_repo(tmp_path / "bad", good.replace("parameters:", "parameterz:", 1)))
    assert broken.returncode == 1 and "policy.unknown-key" in broken.stdout, broken.stdout + broken.stderr
