"""GitHub workflow commands and SARIF: escaping, levels, relative paths."""

from __future__ import annotations

from pathlib import Path

from tuoyu_rules.authoring.annotations import github_annotations
from tuoyu_rules.authoring.annotations import sarif as sarif_log


def test_github_annotations_escape_newlines_and_mark_warnings() -> None:
    from tuoyu_rules.errors import Location, Problem

    problems = [
        Problem("policy.x", "第一行\n第二行 100%", "x", Location(file="p.yaml", line=3, column=5)),
        Problem("policy.expired", "已失效", "expired", Location(file="p.yaml", line=9, column=1), "warning"),
    ]
    error, warning = github_annotations([("p.yaml", problems)])
    assert error == "::error file=p.yaml,line=3,col=5,title=policy.x::第一行%0A第二行 100%25"
    assert warning.startswith("::warning file=p.yaml,line=9,col=1,title=policy.expired::")
    sarif = sarif_log([("p.yaml", problems)])
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "tuoyu-rules"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["policy.expired", "policy.x"]
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 5} and run["results"][1]["level"] == "warning"


def test_annotation_locations_are_escaped_and_sarif_paths_relative(monkeypatch, tmp_path: Path) -> None:
    from tuoyu_rules.errors import Location, Problem

    monkeypatch.chdir(tmp_path)
    inside = str(tmp_path / "policies" / "a,b.yaml")
    problem = Problem("policy.x", "消息", "message", Location(file=inside, line=2, column=3))
    (annotation,) = github_annotations([(inside, [problem])], lang="en")
    assert annotation.startswith(f"::error file={inside.replace(':', '%3A').replace(',', '%2C')},line=2,col=3,")
    assert annotation.endswith("::message")
    outside = Problem("policy.x", "消息", "message", Location(file="/elsewhere/p.yaml", line=1, column=1))
    results = sarif_log([(inside, [problem]), ("/elsewhere/p.yaml", [outside])])["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["policies/a,b.yaml", "file:///elsewhere/p.yaml"]
