"""Every bundled policy: valid, examples pass, every quote is verbatim in its source document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tuoyu_rules.compiler import bundled_dir, bundled_ids, compile_file
from tuoyu_rules.examples import run_examples

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
EXPECTED = {"national", "luzhou_longmatan", "nanchang", "huzhou", "fujian", "chaisang"}


def squash(text: str) -> str:
    """Ignore white space and the full-/half-width differences of copied web pages."""
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_policies_folder_is_the_bundled_folder() -> None:
    assert (ROOT / "policies").resolve() == bundled_dir().resolve()


@pytest.mark.parametrize("policy_id", sorted(EXPECTED))
def test_bundled_policy_exists(policy_id: str) -> None:
    assert policy_id in bundled_ids()


@pytest.mark.parametrize("policy_id", bundled_ids())
def test_policy_compiles_and_its_examples_pass(policy_id: str) -> None:
    compiled = compile_file(bundled_dir() / f"{policy_id}.yaml")
    assert len(compiled.model.examples) >= 3
    failures = [p.render() for r in run_examples(compiled) for p in r.problems]
    assert failures == []


@pytest.mark.parametrize("policy_id", bundled_ids())
def test_every_quote_is_in_its_source_document(policy_id: str) -> None:
    compiled = compile_file(bundled_dir() / f"{policy_id}.yaml")
    model = compiled.model
    texts = {}
    for key, doc in compiled.documents.items():
        assert doc.source, f"document {key} names no source"
        texts[key] = squash((SEEDS / doc.source).read_text(encoding="utf-8"))
    citations = [("parameter " + n, p.citation) for n, p in model.parameters.items()]
    citations += [
        (f"parameter {n} value {v.since}", v.citation)
        for n, p in model.parameters.items()
        for v in p.values
        if v.citation
    ]
    citations += [("rule " + r.id, r.citation) for r in model.rules]
    citations += [("subsidy " + s.id, s.citation) for s in model.subsidies]
    citations += [("benefit " + b.id, b.citation) for b in model.benefits]
    citations += [(f"exclusion of {s.id}", e.citation) for s in model.subsidies for e in s.exclusions if e.citation]
    missing = [f"{what}: {c.quote!r}" for what, c in citations if squash(c.quote) not in texts[c.document]]
    assert missing == []


@pytest.mark.parametrize("policy_id", bundled_ids())
def test_every_rule_subsidy_and_parameter_appears_in_the_clause_index(policy_id: str) -> None:
    compiled = compile_file(bundled_dir() / f"{policy_id}.yaml")
    model = compiled.model
    indexed = {ref for clause in model.clauses for ref in clause.encoded_by}
    own = {r.id for r in model.rules} | {s.id for s in model.subsidies} | set(model.parameters)
    assert sorted(own - indexed) == []
