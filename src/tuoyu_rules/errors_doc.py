"""``docs/errors.md``, generated from the catalogue of error codes: ``python -m tuoyu_rules.errors_doc``."""

from __future__ import annotations

from .errors import CODES, FAMILIES, RENAMED, SCHEMA_CODES, STAGES, Code

_INTRO = """\
# 错误代码 Error codes

<!-- Generated from tuoyu_rules.errors.CODES: python -m tuoyu_rules.errors_doc > docs/errors.md -->

策略或记录有误时，每个问题都带有位置、稳定的代码和中英文消息，例如
`bad.yaml:13:5: error[policy.unknown-key]: 未知的键 'tpye'；是否想写 'type'？`。
代码是稳定的，工具可以按代码匹配（只有结构错误的代码改过一次名，见文末“改名”）。
下表列出每个代码的含义和处理办法。标为“警告”的默认不算错误（`validate --strict` 把警告当作错误）。

Every problem with a policy or a record carries a location, a stable code and a message in Chinese and English,
such as `bad.yaml:13:5: error[policy.unknown-key]: unknown key 'tpye'; did you mean 'type'?`.
Codes are stable, so tools can match on them (only the codes of schema errors were renamed once: see Renamed).
The tables say what each code means and what to do. Codes marked "warning" are not errors by default
(`validate --strict` treats warnings as errors).
"""


def _row(entry: Code) -> str:
    code = f"`{entry.code}`" + (" 警告 warning" if entry.severity == "warning" else "")
    return f"| {code} | {entry.zh} | {entry.en} |"


def _family(family: str) -> list[str]:
    zh, en = FAMILIES[family]
    lines = ["", f"## {zh} {en}"]
    for stage, (stage_zh, stage_en) in STAGES.items():
        entries = [c for c in CODES.values() if c.family == family and c.stage == stage]
        if entries:
            lines += ["", f"### {stage_zh} {stage_en}", "", "| code | 中文 | English |", "|---|---|---|"]
            lines += [_row(c) for c in entries]
    return lines


def _schema_table() -> list[str]:
    lines = [
        "",
        "## 结构错误与 pydantic Schema errors and pydantic",
        "",
        "策略模型由 pydantic 校验；它的每种错误类型对应下面一个代码（某个键接受几种类型时为 `policy.wrong-type`）。",
        "The policy schema is validated by pydantic; each of its error types maps to one code below"
        " (`policy.wrong-type` where a key takes several types).",
        "",
        "| pydantic type | code |",
        "|---|---|",
    ]
    return lines + [f"| `{kind}` | `{code}` |" for kind, (code, _, _) in SCHEMA_CODES.items()]


def _renamed() -> list[str]:
    lines = [
        "",
        "## 改名 Renamed",
        "",
        "结构错误的代码以前由 pydantic 的类型名拼成；现在改为下列代码（某个键接受几种类型时为 `policy.wrong-type`）。",
        "Codes of schema errors used to be built from pydantic's type names; these codes replace them"
        " (`policy.wrong-type` where a key takes several types).",
        "",
        "| old | new |",
        "|---|---|",
    ]
    return lines + [f"| `{old}` | {', '.join(f'`{c}`' for c in new.split(', '))} |" for old, new in RENAMED.items()]


def catalogue_markdown() -> str:
    """The text of ``docs/errors.md``: every code by family and stage, then the schema table and the renamed codes."""
    lines = [_INTRO.rstrip("\n")]
    for family in FAMILIES:
        lines += _family(family)
    lines += _schema_table() + _renamed()
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue_markdown(), end="")
