"""Safe output files (output.py): refused when they are an input, complete or absent, never a truncated file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from tuoyu_rules.writers import OutputError, check_output, safe_output


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_the_file_appears_only_when_the_block_ends(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with safe_output(target) as out:
        out.write(b"{}\n")
        assert not target.exists() and len(leftovers(tmp_path)) == 1, "written beside the target first"
    assert target.read_bytes() == b"{}\n" and leftovers(tmp_path) == []


def test_a_new_file_gets_the_usual_permissions_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.csv"
        with safe_output(fresh) as out:
            out.write(b"a")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644, "not the private mode of a temporary file"
        old = tmp_path / "old.csv"
        old.write_bytes(b"old")
        old.chmod(0o640)
        with safe_output(old) as out:
            out.write(b"new")
        assert old.read_bytes() == b"new" and stat.S_IMODE(old.stat().st_mode) == 0o640
    finally:
        os.umask(umask)


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_or_an_interrupt_leaves_the_old_file_and_no_temporary(tmp_path: Path, failure: BaseException) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"the previous report")
    expected = OutputError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected), safe_output(target) as out:
        out.write(b"[\n  {")
        raise failure
    assert target.read_bytes() == b"the previous report" and leftovers(tmp_path) == []


class FullDisk:
    """A file whose writes fail as on a full disk."""

    def __init__(self, real: object) -> None:
        self.real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()  # type: ignore[attr-defined]

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_an_output_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    real = tempfile.NamedTemporaryFile
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", lambda **kw: FullDisk(real(**kw)))
    target = tmp_path / "out.csv"
    with pytest.raises(OutputError) as info, safe_output(target) as out:
        out.write(b"x")
    assert "No space left on device" in info.value.message("en") and str(target) in info.value.message("zh")
    assert not target.exists() and leftovers(tmp_path) == []


def test_dev_full_is_an_output_error() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with pytest.raises(OutputError, match="No space left"), safe_output("/dev/full") as out:
        out.write(b"x" * 100_000)


def test_a_device_is_written_directly() -> None:
    with safe_output(os.devnull) as out:
        out.write(b"nothing")
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()


def test_a_missing_folder_or_a_directory_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        check_output(tmp_path / "missing" / "out.csv")
    with pytest.raises(OutputError, match="is a directory"):
        check_output(tmp_path)


def test_an_unwritable_folder_is_refused_before_the_block_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def denied(**kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", denied)
    ran = []
    with pytest.raises(OutputError, match="Permission denied"), safe_output(tmp_path / "out.csv"):
        ran.append(True)
    assert ran == []


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_an_output_that_is_one_of_the_inputs_is_refused(tmp_path: Path, link: str) -> None:
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text('{"id": "A"}\n', encoding="utf-8")
    output = ledger if link == "same" else tmp_path / "alias.jsonl"
    if link == "symlink":
        output.symlink_to(ledger)
    elif link == "hardlink":
        os.link(ledger, output)
    with pytest.raises(OutputError, match="input"), safe_output(output, ["-", str(tmp_path / "other.csv"), ledger]):
        pass
    assert ledger.read_text(encoding="utf-8") == '{"id": "A"}\n'


def test_a_different_file_with_the_same_content_is_not_an_input(tmp_path: Path) -> None:
    ledger, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    ledger.write_text("{}\n", encoding="utf-8")
    other.write_text("{}\n", encoding="utf-8")
    check_output(other, [ledger])


def test_a_read_only_folder_is_refused_for_real(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders; the refusal itself is tested with a denied temporary file")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="Permission denied"), safe_output(folder / "out.csv"):
            pass
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []
