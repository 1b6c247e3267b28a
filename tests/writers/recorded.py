"""The cases of the recorded-outputs test: ``tuoyu-rules check`` in the verdict formats (csv and its long form, table,
xlsx) and the summary, on the bundled examples and a generated ledger with error rows.

``python tests/writers/recorded.py`` re-records ``tests/data/writers/recorded.json`` (run it only on a tree whose
outputs are the reference, e.g. main before a change of the writers). Inputs are JSONL examples and a plain CSV with
English headers, so that changes of the spreadsheet readers do not move these outputs.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "writers"
RECORDED = DATA / "recorded.json"
AS_OF = "2025-06-01"
FULL_TEXT_LIMIT = 20_000
"""Outputs up to this many bytes are recorded in full (readable in a diff); longer ones by their sha256."""

VARIANTS: dict[str, list[str]] = {
    "csv": ["--format", "csv"],
    "csv-findings": ["--format", "csv", "--findings"],
    "csv-findings-omit-passes": ["--format", "csv", "--findings", "--omit-passes"],
    "table": ["--format", "table"],
    "xlsx": ["--format", "xlsx"],
}


def input_sets() -> dict[str, tuple[str, list[Path], tuple[str, ...]]]:
    """name -> (policy, ledgers relative to the repository's root, languages): error rows name their ledger, and
    the recorded bytes must not depend on where the repository is checked out (run with :func:`at_root`)."""
    examples = Path("examples")
    sets: dict[str, tuple[str, list[Path], tuple[str, ...]]] = {}
    for policy in ("luzhou_longmatan", "nanchang", "huzhou", "chaisang", "fujian"):
        langs = ("zh", "en") if policy == "luzhou_longmatan" else ("zh",)
        sets[f"examples-{policy}"] = (
            policy,
            [examples / policy / "institutions.jsonl", examples / policy / "regions.jsonl"],
            langs,
        )
    sets["examples-luzhou-under-national"] = (
        "national",
        [examples / "luzhou_longmatan" / "institutions.jsonl"],
        ("zh",),
    )
    for policy in ("luzhou_longmatan", "nanchang", "national"):
        langs = ("zh", "en") if policy == "luzhou_longmatan" else ("zh",)
        sets[f"generated-{policy}"] = (policy, [DATA.relative_to(ROOT) / "generated.csv"], langs)
    return sets


def cases() -> Iterator[tuple[str, str, list[Path], str, str]]:
    """(case id, policy, ledgers, language, variant)."""
    for name, (policy, ledgers, langs) in input_sets().items():
        for lang in langs:
            for variant in VARIANTS:
                yield f"{name}/{lang}/{variant}", policy, ledgers, lang, variant


@contextlib.contextmanager
def at_root() -> Iterator[None]:
    """In the repository's root, where the ledgers' relative paths lead (``contextlib.chdir`` is Python 3.11+)."""
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(policy: str, ledgers: list[Path], lang: str, variant: str, engine: str = "row") -> bytes:
    """The bytes ``tuoyu-rules check`` writes to ``-o`` (stderr is not part of the record: notices may change)."""
    from tuoyu_rules.cli import main

    suffix = "xlsx" if variant == "xlsx" else "txt"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"out.{suffix}"
        argv = ["check", "--policy", policy, "--as-of", AS_OF, "--lang", lang, *VARIANTS[variant], "-o", str(out)]
        argv += ["--engine", engine]
        with contextlib.redirect_stderr(io.StringIO()), at_root():
            code = main([*argv, *map(str, ledgers)])
        assert code in (0, 1), f"check exited {code}"
        return out.read_bytes()


def summary_record(policy: str, ledgers: list[Path], as_dicts: bool = False, fmt: str = "csv") -> str:
    """Everything the summary keeps after the reports (or their dicts) streamed past ``fmt``'s writer, as JSON text
    (its private caches left out)."""
    import tuoyu_rules
    from tuoyu_rules.writers import write_reports

    loaded = tuoyu_rules.load_policy(policy)
    with at_root():
        rows = [row for p in ledgers for row in tuoyu_rules.read_rows(p)]
    reports = loaded.evaluate_many(rows, as_of=datetime.date.fromisoformat(AS_OF))
    summary = write_reports((r.to_dict() for r in reports) if as_dicts else reports, fmt, io.StringIO())
    state: dict[str, Any] = {k: v for k, v in vars(summary).items() if not k.startswith("_")}
    state["as_of"] = sorted(state["as_of"])
    state["provenances"] = list(state["provenances"].values())
    state["to_dict"] = summary.to_dict()
    state["line"] = {lang: summary.line(lang) for lang in ("zh", "en")}
    return json.dumps(state, ensure_ascii=False, sort_keys=True, default=str, indent=1)


def entry(data: bytes) -> dict[str, Any]:
    """How one output is recorded: its sha256 and size, and its text when short."""
    out: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    if len(data) <= FULL_TEXT_LIMIT:
        try:
            out["text"] = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return out


def record() -> dict[str, Any]:
    recorded: dict[str, Any] = {}
    for case, policy, ledgers, lang, variant in cases():
        recorded[case] = entry(run_cli(policy, ledgers, lang, variant))
    for name, (policy, ledgers, _) in input_sets().items():
        recorded[f"{name}/summary"] = entry(summary_record(policy, ledgers).encode("utf-8"))
    return recorded


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    RECORDED.write_text(json.dumps(record(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {RECORDED}")
