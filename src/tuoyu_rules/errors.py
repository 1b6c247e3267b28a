"""Problems as data: every error carries a location, a stable code and a bilingual message.

A stage collects all of its problems and raises once at the end, so a user sees every mistake in a file at once.
The CLI renders them; nothing in the engine formats text for a terminal.

Every code is declared once, in :data:`CODES` (错误代码目录 the catalogue), with what it means in Chinese and
English; ``docs/errors.md`` is generated from it (``python -m tuoyu_rules.errors_doc > docs/errors.md``). Errors of the
policy schema (pydantic) get our own codes and Chinese messages from :data:`SCHEMA_CODES` via
:func:`schema_message`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "notice"]


@dataclass(frozen=True)
class Location:
    """Where a problem is: ``file:line:column`` for YAML (1-based), or ``row``/``field`` for records.

    A ledger row read from a sheet or a CSV file also says where the analyst looks: ``sheet`` (the sheet's name),
    ``cell`` (``C7`` as Excel shows it; ``C7,F7`` for a field two columns name), ``header`` (the column's header as
    the user wrote it, line breaks read as spaces) and, for a CSV file, ``line`` (the file line the row starts on).
    """

    file: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None
    sheet: str | None = None
    cell: str | None = None
    header: str | None = None

    def __str__(self) -> str:
        if self.row is not None or (self.field is not None and self.line is None):
            parts = []
            if self.file:
                parts.append(self.file)
            if self.row is not None:
                parts.append(f"row {self.row}")
            place = self.place()
            if place:
                parts.append(place)
            if self.field:
                parts.append(self.field)
            return ": ".join(parts) if parts else "<record>"
        text = self.file or "<policy>"
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def place(self) -> str:
        """Where the analyst looks in a ledger: ``机构!C7 (性质)``, ``line 6, C6 (性质)`` for a CSV file, or ""."""
        where = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.cell or ""
        if self.line is not None and self.row is not None:
            where = f"line {self.line}" + (f", {where}" if where else "")
        if self.header:
            where = f"{where} ({self.header})" if where else f"({self.header})"
        return where

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy or a record.

    ``code`` is stable (``policy.unknown-key``, ``record.not-a-number``) so tools can match on it; ``message`` is
    Chinese, ``message_en`` English.
    """

    code: str
    message: str
    message_en: str = ""
    location: Location = field(default_factory=Location)
    severity: Severity = "error"
    value: Any = None

    def render(self, lang: str = "zh") -> str:
        """``path:line:column: message`` as the contract prints policy errors."""
        text = self.message_en if lang == "en" and self.message_en else self.message
        return f"{self.location}: {self.severity}[{self.code}]: {text}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "message_en": self.message_en,
            **self.location.to_dict(),
        }
        if self.value is not None:
            out["value"] = self.value
        return out


class TuoyuError(Exception):
    """Base of the two exception types that escape for bad input; carries a list of problems."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.render() for p in self.problems) or self.__class__.__name__)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class PolicyError(TuoyuError):
    """A policy file cannot be loaded: each problem names file, line and column."""


class RecordError(TuoyuError):
    """A record cannot be read: each problem names the row (when known) and the field.

    ``record`` is, when the checker got that far, the record without the values it refused (each refused value is a
    problem): a policy that reads none of those fields checks it anyway, the problems becoming warnings."""

    def __init__(self, problems: Iterable[Problem], record: dict[str, Any] | None = None):
        super().__init__(problems)
        self.record = record


def policy_problem(
    code: str,
    message: str,
    message_en: str,
    file: str | None,
    line: int | None = None,
    column: int | None = None,
    severity: Severity = "error",
) -> Problem:
    return Problem(code, message, message_en, Location(file=file, line=line, column=column), severity)


# --- the catalogue of codes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """One error code of the catalogue: what it means and what to do, in Chinese and English."""

    code: str
    stage: str
    zh: str
    en: str
    severity: Severity = "error"

    @property
    def family(self) -> str:
        """``policy`` or ``record``: the part before the dot."""
        return self.code.split(".", 1)[0]


FAMILIES: dict[str, tuple[str, str]] = {
    "policy": ("策略文件", "Policy files"),
    "record": ("记录与台账", "Records and ledgers"),
}

STAGES: dict[str, tuple[str, str]] = {
    "file": ("读取文件", "Reading the file"),
    "yaml": ("YAML 语法与取值", "YAML syntax and scalars"),
    "schema": ("结构（键与取值类型）", "Structure (keys and value types)"),
    "layers": ("继承、覆盖与停用", "Inheritance, overrides and disabling"),
    "references": ("引用与参数", "References and parameters"),
    "expressions": ("表达式与消息模板", "Expressions and message templates"),
    "examples": ("内嵌示例", "Embedded examples"),
    "dates": ("有效期与日期（validate 的警告）", "Periods and dates (warnings of validate)"),
    "values": ("字段取值", "Field values"),
    "records": ("记录", "Records"),
    "ledgers": ("台账文件", "Ledger files"),
}

_W: Severity = "warning"

_ENTRIES: tuple[Code, ...] = (
    # policy: reading the file
    Code(
        "policy.not-found",
        "file",
        "找不到这个策略：既不是内置策略的编号，也不是存在的文件；检查拼写（消息会提示相近的编号）。",
        "no such policy: neither a bundled id nor an existing file; check the spelling (the message suggests a close id).",
    ),
    Code(
        "policy.source-changed",
        "file",
        "序列化（pickle）的策略引用的文件自序列化以来已改变，或本进程的 tuoyu-rules 版本不同：拒绝在另一份规则下重新编译；让各进程使用同一份策略文件与同一版本。",
        "a pickled policy refers to a file that changed since it was pickled, or this process runs another version of tuoyu-rules: it is not compiled again under other rules; give every process the same policy files and version.",
    ),
    Code(
        "policy.unreadable",
        "file",
        "策略文件无法打开（权限、路径是目录等）。",
        "the policy file cannot be opened (permissions, a directory, …).",
    ),
    Code(
        "policy.too-large",
        "file",
        "策略文件超过 2,000,000 字节的上限。",
        "the policy file is over the limit of 2,000,000 bytes.",
    ),
    Code("policy.not-utf8", "file", "策略文件必须以 UTF-8 编码保存。", "policy files must be saved as UTF-8."),
    Code(
        "policy.nul-character",
        "file",
        "策略文件中有空字符（NUL），多半是二进制文件或复制时带入。",
        "the policy file contains a NUL character (a binary file, or a bad paste).",
    ),
    Code("policy.empty", "file", "策略文件是空的。", "the policy file is empty."),
    # policy: YAML
    Code(
        "policy.yaml-syntax",
        "yaml",
        "YAML 语法错误（缩进、引号、冒号）；位置指向解析器停下的地方。",
        "a YAML syntax error (indentation, quotes, colons); the position is where the parser stopped.",
    ),
    Code("policy.too-deep", "yaml", "YAML 嵌套超过 40 层。", "the YAML is nested deeper than 40 levels."),
    Code(
        "policy.too-many-nodes",
        "yaml",
        "文件展开别名后超过 50,000 个节点（可能是“别名炸弹”）。",
        "the document expands to more than 50,000 nodes after aliases (an alias bomb?).",
    ),
    Code(
        "policy.unsafe-tag",
        "yaml",
        "不允许的 YAML 标签（如 !!python/…）；只接受普通的映射、列表、文本、数字、是/否、日期和空值。",
        "a YAML tag that is not allowed (such as !!python/…); only plain maps, lists, text, numbers, booleans, dates and null are.",
    ),
    Code(
        "policy.bad-key",
        "yaml",
        "键必须是简单文本（不能是列表、映射、数字或日期）。",
        "keys must be plain text (not a list, a mapping, a number or a date).",
    ),
    Code(
        "policy.merge-key",
        "yaml",
        "不支持 YAML 合并键 <<；把内容写出来。",
        "YAML merge keys (<<) are not supported; write the keys out.",
    ),
    Code(
        "policy.duplicate-key",
        "yaml",
        "同一个映射里有两个相同的键；删掉一个。",
        "a key appears twice in the same mapping; remove one.",
    ),
    Code(
        "policy.not-finite",
        "yaml",
        "数值不是有限小数（如 .inf、.nan）。",
        "a number that is not a finite decimal (such as .inf or .nan).",
    ),
    Code(
        "policy.bad-date",
        "yaml",
        "日期无效或格式不对；写作 YYYY-MM-DD，且是真实存在的日期。",
        "an invalid date; write YYYY-MM-DD, and a day that exists.",
    ),
    Code(
        "policy.bad-scalar",
        "yaml",
        "无法读取的 YAML 值；用引号把它写成文本。",
        "a YAML value that cannot be read; quote it as text.",
    ),
    # policy: schema
    Code(
        "policy.not-a-mapping",
        "schema",
        "这里应是映射（键: 值），例如策略文件的顶层或一条规则。",
        "a mapping (key: value) is needed here, such as the top level of a policy or a rule.",
    ),
    Code(
        "policy.unknown-key",
        "schema",
        "策略模型中没有这个键，多半是拼错了（消息会提示相近的键）。",
        "the policy schema has no such key, usually a misspelling (the message suggests a close one).",
    ),
    Code("policy.missing-key", "schema", "缺少必填的键。", "a required key is missing."),
    Code(
        "policy.expected-list",
        "schema",
        "这里应是列表（每项以 - 开头）。",
        "a list is needed here (items start with -).",
    ),
    Code("policy.not-a-string", "schema", "这里应是文本。", "text is needed here."),
    Code("policy.not-an-integer", "schema", "这里应是整数。", "a whole number is needed here."),
    Code("policy.not-a-number", "schema", "这里应是数字。", "a number is needed here."),
    Code("policy.not-a-boolean", "schema", "这里应是 true 或 false。", "true or false is needed here."),
    Code(
        "policy.wrong-type",
        "schema",
        "取值的类型不对：这个键接受几种类型（如数字、是/否或文本），写的值一种也不是。",
        "the value has the wrong type: this key takes one of several types (such as a number, a boolean or text) and the value is none of them.",
    ),
    Code(
        "policy.unknown-value",
        "schema",
        "不是可选的取值之一（消息列出可选值）。",
        "not one of the allowed values (the message lists them).",
    ),
    Code(
        "policy.bad-identifier",
        "schema",
        "编号的写法不对：只用小写字母、数字和下划线，以字母开头（规则编号可用 . 分段，待遇编号以 benefit. 开头）。",
        "an id in the wrong form: lowercase letters, digits and underscores, starting with a letter (rule ids may have . parts, benefit ids start with benefit.).",
    ),
    Code("policy.text-too-long", "schema", "文本超过这个键的长度上限。", "the text is longer than this key allows."),
    Code("policy.text-too-short", "schema", "这个键的文本不能为空。", "this key's text cannot be empty."),
    Code(
        "policy.list-too-short",
        "schema",
        "列表的项数不够（例如参数至少要有一个取值）。",
        "the list has too few items (a parameter needs at least one value, for example).",
    ),
    Code(
        "policy.value-kind",
        "schema",
        "参数的一个取值只能写一种：value；min 和 max；或 unspecified: true。",
        "a parameter value gives exactly one of: value; min and max; unspecified: true.",
    ),
    Code("policy.range-incomplete", "schema", "范围需要同时写 min 和 max。", "a range needs both min and max."),
    Code("policy.range-reversed", "schema", "范围的 min 大于 max。", "a range's min is greater than its max."),
    Code(
        "policy.rule-shape",
        "schema",
        "规则需要 check，或者 observed、op 和 required（或 by_year）。",
        "a rule needs check, or observed, op and required (or by_year).",
    ),
    Code(
        "policy.by-year-subject",
        "schema",
        "by_year 逐年目标只用于 region 和 subregion 规则。",
        "by_year targets are for region and subregion rules only.",
    ),
    Code(
        "policy.applies-to-subject",
        "schema",
        "applies_to（目标约束的层级）只用于 region 和 subregion 规则。",
        "applies_to (the level a target binds) is for region and subregion rules only.",
    ),
    Code(
        "policy.due-placement",
        "schema",
        "逐年目标的到期日写在 by_year 的各年之内（{value, due}），不写在规则上。",
        "the due date of a by-year target goes inside by_year ({value, due}), not on the rule.",
    ),
    Code(
        "policy.clause-unencoded",
        "schema",
        "条款索引的每一条需要 encoded_by（由哪些规则落实）或 not_checkable（为何无法核查）。",
        "each clause of the index needs encoded_by (the rules that encode it) or not_checkable (why it cannot be checked).",
    ),
    Code(
        "policy.invalid-value",
        "schema",
        "取值不符合策略模型的其他要求（消息给出原因）。",
        "the value breaks another requirement of the policy schema (the message says which).",
    ),
    # policy: layers
    Code(
        "policy.id-mismatch",
        "layers",
        "策略的 id 与文件名不一致；按 id 引用时会找不到。",
        "the policy's id differs from its file name, so loading it by id will not find it.",
        _W,
    ),
    Code(
        "policy.extends-cycle",
        "layers",
        "extends 形成循环（A 继承 B，B 又继承 A）。",
        "extends forms a cycle (A extends B, which extends A).",
    ),
    Code(
        "policy.extends-outside",
        "layers",
        "extends 只能写内置策略编号或本策略目录之内的普通文件；绝对路径、../ 之外的文件、设备和管道都被拒绝。",
        "extends names a bundled id or a regular file under the policy's own directory; absolute paths, files "
        "outside it through ../, devices and pipes are refused.",
    ),
    Code(
        "policy.unknown-parent",
        "layers",
        "extends 指向的上级策略不存在。",
        "extends names a parent policy that does not exist.",
    ),
    Code(
        "policy.duplicate-document",
        "layers",
        "文件键已由上级策略定义；换一个键，或直接引用上级的。",
        "the document key is already defined by a parent policy; use another key, or cite the parent's.",
    ),
    Code(
        "policy.override-without-reason",
        "layers",
        "覆盖上级策略的同名参数、规则、补贴或待遇时，必须写 reason 说明理由。",
        "overriding a parent's parameter, rule, subsidy or benefit needs a reason.",
    ),
    Code(
        "policy.disable-unknown-rule",
        "layers",
        "disable 要停用的规则在上级策略中不存在。",
        "disable names a rule that no parent policy has.",
    ),
    Code(
        "policy.duplicate-id",
        "layers",
        "同一个编号在本文件中定义了两次。",
        "the same id is defined twice in this file.",
    ),
    # policy: references
    Code(
        "policy.unknown-column-field",
        "references",
        "策略的 columns: 把表头映射到不存在的字段；消息给出最接近的字段编号。",
        "the policy's columns: maps a header to no field; the message names the closest field id.",
    ),
    Code(
        "policy.unknown-document",
        "references",
        "引文的 document 不在 documents 中（消息会提示相近的键）。",
        "a citation names a document that documents does not define (the message suggests a close key).",
    ),
    Code(
        "policy.unknown-parameter",
        "references",
        "引用了不存在的参数（superseded_by、by_year、budget 或 --set）。",
        "a reference to a parameter that does not exist (superseded_by, by_year, budget or --set).",
    ),
    Code(
        "policy.unknown-reference",
        "references",
        "条款索引的 encoded_by 引用了不存在的规则、补贴或参数。",
        "encoded_by in the clause index names an unknown rule, subsidy or parameter.",
    ),
    Code(
        "policy.values-same-date",
        "references",
        "参数有两个取值的 since 日期相同。",
        "two values of a parameter start on the same date.",
    ),
    Code(
        "policy.values-out-of-order",
        "references",
        "参数的取值没有按日期先后排列（仍按日期解读）。",
        "a parameter's values are not in date order (they are still read by date).",
        _W,
    ),
    Code(
        "policy.value-out-of-range",
        "references",
        "参数取值超出其有效范围（百分比 0–100，金额和数量不小于 0，比例和面积大于 0，或参数声明的 minimum/maximum）。",
        "a parameter value outside its valid range (percent 0–100, money and counts at least 0, ratios and areas "
        "above 0, or the parameter's declared minimum/maximum).",
    ),
    Code(
        "policy.bad-value-type",
        "references",
        "取值与参数类型（number、integer、money、percent、boolean、text）不符，例如金额带了单位。",
        "a value that does not match the parameter's type (number, integer, money, percent, boolean, text), such as money with a unit.",
    ),
    Code(
        "policy.bad-override",
        "references",
        "命令行 --set 应写作 NAME=VALUE。",
        "the command line's --set takes NAME=VALUE.",
    ),
    Code(
        "policy.too-few-examples",
        "references",
        "策略至少需要 3 个内嵌示例。",
        "a policy needs at least 3 embedded examples.",
    ),
    # policy: expressions
    Code(
        "policy.expression-too-long",
        "expressions",
        "表达式超过 2,000 个字符。",
        "an expression longer than 2,000 characters.",
    ),
    Code(
        "policy.expression-syntax",
        "expressions",
        "表达式无法解析：语法错误、嵌套过深或含有空字符。",
        "the expression cannot be parsed: a syntax error, too deep nesting, or a NUL character.",
    ),
    Code(
        "policy.expression-too-complex",
        "expressions",
        "表达式超过 400 个语法节点；拆成参数或几条规则。",
        "an expression of more than 400 syntax nodes; split it into parameters or rules.",
    ),
    Code(
        "policy.number-too-large",
        "expressions",
        "数字超过 10¹⁵、不是有限数，或（策略值与 --set）超过 40 个字符或小数位多于 15 位；在转换之前检查。",
        "a number over 10¹⁵ or not finite, or (policy values and --set) longer than 40 characters or finer than "
        "15 places; checked before any conversion.",
    ),
    Code(
        "policy.bad-number", "expressions", "表达式中无法读取的数字。", "a number in an expression that cannot be read."
    ),
    Code(
        "policy.string-too-long",
        "expressions",
        "表达式中的字符串超过 200 个字符。",
        "a string literal in an expression longer than 200 characters.",
    ),
    Code(
        "policy.forbidden-literal",
        "expressions",
        "表达式中不允许的常量（只允许数字、文本、True 和 False）。",
        "a literal that is not allowed in expressions (numbers, text, True and False are).",
    ),
    Code(
        "policy.type-error",
        "expressions",
        "运算与取值类型不符，例如对文本做算术。",
        "an operation on the wrong type, such as arithmetic on text.",
    ),
    Code(
        "policy.forbidden-operator",
        "expressions",
        "不允许的运算符（允许 + - * / // %；不允许 ** 、位运算和 is）。",
        "an operator that is not allowed (+ - * / // % are; **, bit operators and is are not).",
    ),
    Code(
        "policy.too-many-items", "expressions", "表达式中的列表项过多。", "too many items in a list of an expression."
    ),
    Code(
        "policy.bare-generator",
        "expressions",
        "生成式只能作为 sum/count/any/all/min/max 的唯一参数。",
        "a generator may only be the single argument of sum/count/any/all/min/max.",
    ),
    Code(
        "policy.forbidden-syntax",
        "expressions",
        "表达式中不允许的语法（如 lambda、赋值、下标）。",
        "syntax that is not allowed in expressions (lambda, assignment, subscripts, …).",
    ),
    Code(
        "policy.forbidden-name",
        "expressions",
        "不允许以下划线开头的名称。",
        "names starting with an underscore are not allowed.",
    ),
    Code(
        "policy.bare-parent",
        "expressions",
        "只写了上级对象（如 construction），需要写出字段，例如 construction.kind。",
        "a parent object alone (such as construction): name its field, e.g. construction.kind.",
    ),
    Code(
        "policy.unknown-name",
        "expressions",
        "名称既不是该类记录的字段，也不是参数（消息会提示相近的名称）。",
        "a name that is neither a field of the record kind nor a parameter (the message suggests a close one).",
    ),
    Code(
        "policy.forbidden-attribute",
        "expressions",
        "只能读取记录字段的属性（如 surveillance.installed）。",
        "attributes are only for record fields (such as surveillance.installed).",
    ),
    Code("policy.unknown-field", "expressions", "记录的这个对象没有该字段。", "the record's object has no such field."),
    Code(
        "policy.unknown-function",
        "expressions",
        "不允许调用的函数；消息列出可用函数。",
        "a function that is not allowed; the message lists those that are.",
    ),
    Code("policy.keyword-argument", "expressions", "函数不接受关键字参数。", "functions take no keyword arguments."),
    Code(
        "policy.passes-outside-subsidy",
        "expressions",
        "passes() 只能用于补贴和待遇的资格条件。",
        "passes() is only for subsidy and benefit eligibility.",
    ),
    Code(
        "policy.passes-args",
        "expressions",
        "passes() 的参数必须是规则编号或通配符字符串。",
        "passes() takes rule ids or glob strings.",
    ),
    Code(
        "policy.passes-no-rule",
        "expressions",
        "passes() 的编号或通配符没有匹配任何规则。",
        "a passes() id or glob matches no rule.",
    ),
    Code(
        "policy.passes-other-kind",
        "expressions",
        "passes() 的编号或通配符只匹配其他记录类型的规则（如机构补贴中的区域目标），永远无法判断。",
        "a passes() id or glob matches only rules of another record kind (region targets in an institution "
        "subsidy), which can never be judged.",
    ),
    Code(
        "policy.arity", "expressions", "函数的参数个数不对。", "a function called with the wrong number of arguments."
    ),
    Code("policy.has-args", "expressions", "has() 的参数必须是记录字段。", "has() takes a record field."),
    Code(
        "policy.nested-generator",
        "expressions",
        "生成式只能有一个 for，也不能嵌套在另一个生成式中。",
        "a generator may have only one for, and may not be nested inside another generator.",
    ),
    Code("policy.generator-target", "expressions", "for 之后必须是一个名称。", "for needs a single name."),
    Code(
        "policy.generator-name",
        "expressions",
        "循环变量与字段、参数或外层循环变量同名。",
        "the loop variable shadows a field, a parameter or an outer loop variable.",
    ),
    Code(
        "policy.not-a-list",
        "expressions",
        "for 遍历的不是记录中的列表字段（如 classes、staff）。",
        "for runs over something that is not a list field of the record (such as classes, staff).",
    ),
    Code(
        "policy.template-brace",
        "expressions",
        "消息模板中的花括号不配对；字面量的花括号写作 {{ 和 }}。",
        "unbalanced braces in a message template; write {{ and }} for literal braces.",
    ),
    # policy: examples
    Code(
        "policy.example-bad-record",
        "examples",
        "示例的记录本身有误（消息给出记录的问题）。",
        "the example's record is itself wrong (the message gives the record's problem).",
    ),
    Code(
        "policy.example-status",
        "examples",
        "示例期望的整体状态与实际不符。",
        "the example expects another overall status than the one it gets.",
    ),
    Code(
        "policy.example-unknown-rule",
        "examples",
        "示例期望中的规则在策略中不存在。",
        "the example expects an outcome of a rule the policy does not have.",
    ),
    Code(
        "policy.example-outcome",
        "examples",
        "示例期望的规则结果与实际不符。",
        "the example expects another outcome of a rule than the one it gets.",
    ),
    Code(
        "policy.example-unknown-line",
        "examples",
        "示例期望中的补贴或待遇在策略中不存在。",
        "the example expects a subsidy or benefit the policy does not have.",
    ),
    Code(
        "policy.example-line",
        "examples",
        "示例期望的补贴或待遇（资格、金额、取值）与实际不符。",
        "the example expects another subsidy or benefit line (eligibility, amount, value) than the one it gets.",
    ),
    # policy: dates
    Code(
        "policy.not-in-force",
        "dates",
        "核查日期不在策略有效期内（报告中的警告）。",
        "the as_of date is outside the policy's period (a warning in the report).",
        _W,
    ),
    Code("policy.expired", "dates", "策略的 in_force.until 已过。", "the policy's in_force.until has passed.", _W),
    Code(
        "policy.expiring",
        "dates",
        "策略将在 --expiring-within 天内失效（in_force.until）。",
        "the policy expires within --expiring-within days (in_force.until).",
        _W,
    ),
    Code(
        "policy.document-expired",
        "dates",
        "所引文件的 in_force.until 已过。",
        "a cited document's in_force.until has passed.",
        _W,
    ),
    Code(
        "policy.document-expiring",
        "dates",
        "所引文件将在 --expiring-within 天内失效。",
        "a cited document expires within --expiring-within days.",
        _W,
    ),
    Code(
        "policy.value-expiring",
        "dates",
        "参数现行取值所依据的文件将在 --expiring-within 天内失效。",
        "the document a parameter's current value rests on expires within --expiring-within days.",
        _W,
    ),
    Code(
        "policy.target-without-value",
        "dates",
        "by_year 某年的目标引用的参数在该年没有取值。",
        "a by_year target names a parameter that has no value in that year.",
        _W,
    ),
    Code(
        "policy.target-after-period",
        "dates",
        "by_year 的年份晚于策略有效期。",
        "a by_year year after the policy ends.",
        _W,
    ),
    Code(
        "policy.value-before-period",
        "dates",
        "参数取值的起始日期早于策略生效日期；若文件确有更早的起算日期，在该取值上单独写 citation。",
        "a parameter value dated before the policy starts; if the document does date it earlier, give the value its own citation.",
        _W,
    ),
    # record: values
    Code("record.not-a-number", "values", "不是数字（如托位数写成 abc）。", "not a number (such as total_slots: abc)."),
    Code(
        "record.not-an-integer",
        "values",
        "应为整数（如托位数 2.5）。",
        "a whole number is needed (such as total_slots: 2.5).",
    ),
    Code("record.negative", "values", "不能为负数。", "cannot be negative."),
    Code("record.not-finite", "values", "NaN 或无穷大。", "NaN or infinity."),
    Code(
        "record.too-large",
        "values",
        "超过上限（数量 10⁸，面积和金额 10⁹，文本 2,000 字）。",
        "over the limit (counts 10⁸, areas and money 10⁹, text 2,000 characters).",
    ),
    Code("record.not-a-boolean", "values", "不是是/否（可写 是/否、true/false）。", "not yes/no (是/否, true/false)."),
    Code(
        "record.unknown-value",
        "values",
        "不认识的取值；消息列出可选值。",
        "an unknown value; the message lists the allowed ones.",
    ),
    Code(
        "record.bad-type",
        "values",
        "类型不对（如 classes 写成一段文字）。",
        "the wrong type (such as classes given as text).",
    ),
    Code(
        "record.too-deep",
        "values",
        "嵌套超过 8 层或列表超过 1,000 项。",
        "nested deeper than 8 levels, or a list of more than 1,000 items.",
    ),
    Code(
        "record.bad-separator",
        "values",
        "数字中的分隔符位置不对（如 2,5 或 2 5）：千位分隔符只能每三位一个（1,200、12,000.5）；小数请写小数点（2.5）。",
        "a separator out of place in a number (such as 2,5 or 2 5): thousands separators go every three digits "
        "(1,200; 12,000.5); write a decimal point (2.5).",
    ),
    Code(
        "record.number-too-long",
        "values",
        "数字超过 100 个字符（或未知字段中的数字超过 10¹⁰⁰、指数超过 ±100），不予转换。",
        "a number of more than 100 characters (or, in an unknown field, over 10¹⁰⁰ or with an exponent beyond ±100), "
        "never converted.",
    ),
    # record: records
    Code(
        "record.not-an-object",
        "records",
        "记录不是对象（键: 值），如 JSONL 中某行是 [1,2]。",
        "the record is not an object (key: value), such as a JSONL line [1,2].",
    ),
    Code("record.unknown-kind", "records", "不认识的记录类型（kind）。", "an unknown record kind."),
    Code(
        "record.unknown-field",
        "records",
        "记录模型（Institution 等）不认识的字段，常为拼写错误；消息给出最接近的字段名。台账中的未知列照常保留。",
        "a field the record models (Institution …) do not know, usually a typo; the message names the closest field. "
        "Unknown ledger columns are still kept.",
    ),
    Code("record.missing-id", "records", "缺少机构或区域编号（id）。", "the record has no id."),
    Code("record.duplicate-id", "records", "编号与前面的记录重复。", "the id repeats an earlier record's."),
    Code(
        "record.orphan-item",
        "records",
        "班级或人员行的机构编号不对应任何机构（或为空）：它自成一个错误行，不会被丢弃。",
        "a class or staff row whose institution id matches no institution (or is empty): an error row of its own.",
    ),
    Code(
        "record.duplicate-key",
        "records",
        "同一字段出现两次（CSV/Excel 的两列，或 JSON/YAML 的重复键），消息写明两处；整条记录不读取。",
        "a field given twice (two CSV or Excel columns, a repeated JSON or YAML key); the message names both places "
        "and the record is not read.",
    ),
    Code(
        "record.bad-value",
        "records",
        "YAML 台账中无法读取的值（如日期 2023-02-30）；只有这条记录出错。",
        "a value of a YAML ledger that cannot be read (such as the date 2023-02-30); only its record fails.",
    ),
    Code(
        "record.unsafe-tag",
        "records",
        "YAML 台账中不允许的标签（只允许标准标签）或合并键 <<。",
        "a YAML tag that is not allowed in a ledger (only the standard ones are), or a merge key <<.",
    ),
    Code(
        "record.too-many-values",
        "records",
        "YAML 台账的别名展开后超过 100,000 个值（别名炸弹）。",
        "the aliases of a YAML ledger expand to more than 100,000 values (an alias bomb).",
    ),
    # record: ledgers
    Code(
        "record.unreadable",
        "ledgers",
        "台账文件不存在或无法打开（退出码 2）。",
        "the ledger file does not exist or cannot be opened (exit code 2).",
    ),
    Code(
        "record.undecodable",
        "ledgers",
        "文件既不是 UTF-8、UTF-16（带 BOM）也不是 GB18030 编码，消息写明第一个无法解码的字节的位置和行（退出码 2）；"
        "或某一行有无法解码的字节（只有这一行出错）。用 --encoding 指定编码。",
        "the file is not UTF-8, UTF-16 (with a BOM) or GB18030, and the message gives the offset and line of the first "
        "byte that cannot be decoded (exit code 2); or one row holds bytes that cannot be decoded (only that row "
        "fails). Name the encoding with --encoding.",
    ),
    Code(
        "record.unknown-format",
        "ledgers",
        "不支持的文件格式（支持 csv、tsv、xlsx、json、jsonl、yaml）。",
        "an unsupported file format (csv, tsv, xlsx, json, jsonl and yaml are).",
    ),
    Code("record.bad-json", "ledgers", "JSONL 中某行不是有效的 JSON。", "a JSONL line that is not valid JSON."),
    Code(
        "record.bad-document",
        "ledgers",
        "整个 JSON 或 YAML 文件无法解析。",
        "the whole JSON or YAML file cannot be parsed.",
    ),
    Code(
        "record.bad-csv",
        "ledgers",
        "CSV 中某行无法解析（如引号后紧跟其他字符）；其余行照常读取。",
        "a CSV row that cannot be parsed (such as text right after a closing quote); the other rows are read.",
    ),
    Code(
        "record.row-too-long",
        "ledgers",
        "CSV 中某行超过 131,072 个字符；该行不读取，其余行照常读取。",
        "a CSV row of more than 131,072 characters; it is not read, the other rows are.",
    ),
    Code(
        "record.unterminated-quote",
        "ledgers",
        "CSV 中某行的引号没有闭合；其后的行重新按行读取。",
        "a CSV row opens a quote that is never closed; the lines after it are read as rows again.",
    ),
    Code(
        "record.bad-cell",
        "ledgers",
        "Excel 单元格无法读取（如共享字符串编号不存在、数值格式不对）；只有这一行出错。",
        "an Excel cell that cannot be read (a shared-string index that does not exist, a malformed number); only "
        "its row fails.",
    ),
    Code(
        "record.sheet-too-large",
        "ledgers",
        "Excel 工作表的某行超过第 1,048,576 行或某个值超过第 1,000 列（按实际读到的单元格计，不信任声明的范围）。",
        "a row of an Excel sheet past row 1,048,576, or a value past column 1,000 (counted as read, never from the "
        "declared dimension).",
    ),
    Code(
        "record.workbook-too-large",
        "ledgers",
        "Excel 文件解压后超过 1 GB、工作表以外的某部分超过 100 MB、某部分压缩比超过 200 倍，或部分超过 10,000 个"
        "（可能是压缩炸弹；退出码 2）。",
        "the workbook expands to more than 1 GB, a part other than a worksheet to more than 100 MB, a part is "
        "compressed more than 200 times, or it has more than 10,000 parts (a zip bomb?; exit code 2).",
    ),
    Code(
        "record.unknown-sheet",
        "ledgers",
        "Excel 文件中没有指定的工作表；消息列出已有的工作表。",
        "the workbook has no such sheet; the message lists the sheets it has.",
    ),
    Code(
        "record.bad-header-row",
        "ledgers",
        "--header-row 指定的行超出了表的末尾，或是空行，消息写明表（工作表）、行号和最后一行；或输入不是表格"
        "（JSON、YAML 没有表头行）（退出码 2）。",
        "the row --header-row names is past the end of the table, or holds nothing, and the message names the table "
        "(sheet), the row and the last row; or the input is no table (JSON and YAML have no header row) (exit code 2).",
    ),
    Code(
        "record.unknown-map-field",
        "ledgers",
        "列映射（--columns 文件、项目文件 tuoyu-rules.yaml 的 columns:，或 read_rows(columns=…)）把表头映射到不存在的"
        "字段；消息给出最接近的字段编号（退出码 2）。",
        "a column map (a --columns file, the columns: of the project file tuoyu-rules.yaml, or read_rows(columns=…)) "
        "maps a header to no field; the message names the closest field id (exit code 2).",
    ),
    Code(
        "record.bad-column-map",
        "ledgers",
        "列映射文件不是“表头: 字段编号”的映射（如写成列表，或值不是文本）（退出码 2）。",
        "a column map file that is not a mapping of header: field id (a list, or a value that is not text) "
        "(exit code 2).",
    ),
    Code(
        "record.kind-ambiguous",
        "ledgers",
        "表中没有记录类型列，表头又可读作几种记录（如只有 常住人口：区域或居住区）：每行都是这样的错误行，用 --kind "
        "指定。",
        "the table has no kind column and its headers fit several kinds of record (常住人口 alone: a region or a "
        "residential area): each row is such an error row; say the kind with --kind.",
    ),
)

CODES: dict[str, Code] = {entry.code: entry for entry in _ENTRIES}
"""Every error code, declared once: ``CODES["policy.unknown-key"].zh``."""


# --- schema errors: pydantic's error types -> our codes and messages --------------------------------------------

_BAD_DATE = ("policy.bad-date", "{where}：日期格式不对，应写作 YYYY-MM-DD", "{where}: not a date; write YYYY-MM-DD")
_NOT_INTEGER = (
    "policy.not-an-integer",
    "{where}：应为整数，不是 '{input}'",
    "{where}: '{input}' is not a whole number",
)
_NOT_NUMBER = ("policy.not-a-number", "{where}：应为数字，不是 '{input}'", "{where}: '{input}' is not a number")
_NOT_BOOLEAN = (
    "policy.not-a-boolean",
    "{where}：应为 true 或 false，不是 '{input}'",
    "{where}: '{input}' is not true or false",
)
_NOT_MAPPING = ("policy.not-a-mapping", "{where}：应为映射（键: 值）", "{where}: should be a mapping (key: value)")

SCHEMA_CODES: dict[str, tuple[str, str, str]] = {
    "extra_forbidden": ("policy.unknown-key", "未知的键 '{key}'{hint_zh}", "unknown key '{key}'{hint_en}"),
    "missing": (
        "policy.missing-key",
        "缺少必填的键 '{key}'（在 {where}）",
        "missing required key '{key}' (at {where})",
    ),
    "date_type": _BAD_DATE,
    "date_parsing": _BAD_DATE,
    "date_from_datetime_parsing": _BAD_DATE,
    "date_from_datetime_inexact": _BAD_DATE,
    "dict_type": _NOT_MAPPING,
    "model_type": _NOT_MAPPING,
    "model_attributes_type": _NOT_MAPPING,
    "list_type": (
        "policy.expected-list",
        "{where}：应为列表（每项以 - 开头）",
        "{where}: should be a list (items start with -)",
    ),
    "string_type": ("policy.not-a-string", "{where}：应为文本，不是 '{input}'", "{where}: '{input}' is not text"),
    "int_type": _NOT_INTEGER,
    "int_parsing": _NOT_INTEGER,
    "int_from_float": _NOT_INTEGER,
    "int_parsing_size": _NOT_INTEGER,
    "decimal_type": _NOT_NUMBER,
    "decimal_parsing": _NOT_NUMBER,
    "bool_type": _NOT_BOOLEAN,
    "bool_parsing": _NOT_BOOLEAN,
    "finite_number": (
        "policy.not-finite",
        "{where}：'{input}' 不是有限数值",
        "{where}: '{input}' is not a finite number",
    ),
    "invalid_key": ("policy.bad-key", "{where}：键必须是文本", "{where}: keys must be text"),
    "literal_error": (
        "policy.unknown-value",
        "{where}：'{input}' 不是可选的取值；可选：{expected_zh}",
        "{where}: '{input}' is not allowed; use {expected}",
    ),
    "string_pattern_mismatch": (
        "policy.bad-identifier",
        "{where}：'{input}' 的写法不对，应符合 {pattern}",
        "{where}: '{input}' does not match {pattern}",
    ),
    "string_too_long": (
        "policy.text-too-long",
        "{where}：文本超过 {max_length} 个字符",
        "{where}: longer than {max_length} characters",
    ),
    "string_too_short": ("policy.text-too-short", "{where}：不能为空", "{where}: cannot be empty"),
    "too_short": (
        "policy.list-too-short",
        "{where}：至少要有 {min_length} 项",
        "{where}: needs at least {min_length} item(s)",
    ),
    "value_error": ("policy.invalid-value", "{where}：{message}", "{where}: {message}"),
}
"""pydantic error type -> (our code, Chinese template, English template); the fields are those of
:func:`schema_message`."""

VALIDATOR_CODES: dict[str, tuple[str, str]] = {
    "give exactly one of: value; min and max; unspecified: true": (
        "policy.value-kind",
        "value、min 和 max、unspecified: true 只能写其中一种",
    ),
    "a range needs both min and max": ("policy.range-incomplete", "范围需要同时写 min 和 max"),
    "min is greater than max": ("policy.range-reversed", "min 大于 max"),
    "a rule needs `check`, or `observed`, `op` and `required` (or `by_year`)": (
        "policy.rule-shape",
        "规则需要 `check`，或者 `observed`、`op` 和 `required`（或 `by_year`）",
    ),
    "`by_year` targets are for region and subregion rules": (
        "policy.by-year-subject",
        "`by_year` 逐年目标只用于 region 和 subregion 规则",
    ),
    "`applies_to` is for region and subregion rules": (
        "policy.applies-to-subject",
        "`applies_to` 只用于 region 和 subregion 规则",
    ),
    "give each year its own `due` inside `by_year` ({value, due}), not `due` on the rule": (
        "policy.due-placement",
        "逐年目标的到期日写在 by_year 的各年之内（{value, due}），不写在规则上",
    ),
    "a clause needs `encoded_by` or `not_checkable`": (
        "policy.clause-unencoded",
        "条款需要 `encoded_by` 或 `not_checkable`",
    ),
}
"""The English text of each ``ValueError`` raised by a validator of :mod:`tuoyu_rules.model` -> (code, Chinese)."""

_WRONG_TYPE = ("policy.wrong-type", "{where}：'{input}' 的类型不对", "{where}: '{input}' has the wrong type")
_FALLBACK = ("policy.invalid-value", "{where}：{message}", "{where}: {message}")
_UNION_TAGS = frozenset({"int", "decimal", "bool", "str", "constrained-str"})
_SCALAR_TYPES = ("int_", "decimal_", "bool_", "string_", "finite_number")


def schema_path(loc: Iterable[Any]) -> tuple[str | int, ...]:
    """The path into the policy data of a pydantic ``loc``, without pydantic's own parts (``[key]``, validators)."""
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _template(error: Mapping[str, Any], union_branch: bool) -> tuple[tuple[str, str, str], str]:
    """The (code, zh, en) templates for one error, and the English text pydantic or a validator gave."""
    kind = str(error["type"])
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "value_error" and message in VALIDATOR_CODES:
        code, zh = VALIDATOR_CODES[message]
        return (code, "{where}：" + zh, "{where}: {message}"), message
    if union_branch and kind.endswith(("_type", "_parsing")):
        return _WRONG_TYPE, message  # every branch of a union gives the same code here, so the compiler keeps one
    return SCHEMA_CODES.get(kind, _FALLBACK), message


def schema_message(error: Mapping[str, Any], suggestion: str | None = None) -> tuple[str, str, str]:
    """Our (code, Chinese message, English message) for one pydantic error dict of a policy file.

    ``error`` is one item of ``ValidationError.errors()``; ``suggestion`` is a close key for ``extra_forbidden``
    (did you mean …?).
    """
    path = schema_path(error.get("loc", ()))
    union_branch = bool(path) and path[-1] in _UNION_TAGS and str(error["type"]).startswith(_SCALAR_TYPES)
    if union_branch:
        path = path[:-1]  # pydantic names the branch of a union (``value.int``); the policy has no such key
    (code, zh, en), message = _template(error, union_branch)
    ctx = error.get("ctx") or {}
    expected = str(ctx.get("expected", ""))
    fields = {
        "key": str(path[-1]) if path else "",
        "input": _shown(error.get("input")),
        "message": message,
        "expected": expected,
        "expected_zh": expected.replace(" or ", "、").replace(", ", "、"),
        "pattern": str(ctx.get("pattern", "")),
        "min_length": str(ctx.get("min_length", "")),
        "max_length": str(ctx.get("max_length", "")),
        "hint_zh": f"；是否想写 '{suggestion}'？" if suggestion else "",
        "hint_en": f"; did you mean '{suggestion}'?" if suggestion else "",
    }
    where = ".".join(str(p) for p in path)
    return (
        code,
        zh.format(**fields, where=where or "（顶层）"),
        en.format(**fields, where=where or "(top level)"),
    )


RENAMED: dict[str, str] = {
    "policy.invalid-dict-type": "policy.not-a-mapping",
    "policy.invalid-model-type": "policy.not-a-mapping",
    "policy.invalid-model-attributes-type": "policy.not-a-mapping",
    "policy.invalid-list-type": "policy.expected-list",
    "policy.invalid-string-type": "policy.not-a-string",
    "policy.invalid-int-type": "policy.not-an-integer",
    "policy.invalid-int-parsing": "policy.not-an-integer",
    "policy.invalid-int-from-float": "policy.not-an-integer",
    "policy.invalid-int-parsing-size": "policy.not-an-integer",
    "policy.invalid-decimal-type": "policy.not-a-number",
    "policy.invalid-decimal-parsing": "policy.not-a-number",
    "policy.invalid-bool-type": "policy.not-a-boolean",
    "policy.invalid-bool-parsing": "policy.not-a-boolean",
    "policy.invalid-finite-number": "policy.not-finite",
    "policy.invalid-invalid-key": "policy.bad-key",
    "policy.invalid-literal-error": "policy.unknown-value",
    "policy.invalid-string-pattern-mismatch": "policy.bad-identifier",
    "policy.invalid-string-too-long": "policy.text-too-long",
    "policy.invalid-string-too-short": "policy.text-too-short",
    "policy.invalid-too-short": "policy.list-too-short",
    "policy.invalid-value-error": "policy.value-kind, policy.range-incomplete, policy.range-reversed, policy.rule-shape, "
    "policy.by-year-subject, policy.clause-unencoded, policy.invalid-value",
}
"""Codes printed before the catalogue (built from pydantic's type names) -> the codes that replace them."""
