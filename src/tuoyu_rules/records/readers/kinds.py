"""Which kind of record a table holds when it has no 记录类型/kind column: told by ``--kind``, by the sheet's name
(区域, 居住区), or by its headers (常住人口、年份 are region fields; 状态、规划托位数 residential-area fields).

Headers that fit institutions (or fit no kind better) are read as institutions, as they always were; headers that
fit only regions, or only residential areas, are read as that kind, and a notice says so; headers that fit several
kinds equally well (常住人口 alone is a field of regions and of residential areas) decide nothing: every row of the
table becomes an error row asking for ``--kind`` (nothing is lost, nothing is guessed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...errors import Location, Problem
from ...vocabulary import CLASS_HEADER, KIND_ALIASES, KIND_HEADERS, KINDS, KNOWN_COLUMNS
from .columns import RowMapper, normal_header

NEUTRAL = frozenset({"id", "name", "kind", "district", "institution_id"})  # fields that say nothing of the kind
KIND_NAMES: dict[str, str] = {}  # kind -> its Chinese name (机构, 区域, 居住区): the first ledger word for it
for _word, _kind in KIND_ALIASES.items():
    KIND_NAMES.setdefault(_kind, _word)
_KEYS: dict[str, frozenset[str]] = {
    kind: frozenset({*fields, *(k for k in KNOWN_COLUMNS if k.partition(".")[0] in fields and "." in k)})
    for kind, fields in KINDS.items()
}


def _fits(kind: str, key: str) -> bool:
    return key in _KEYS[kind] or (kind == "institution" and CLASS_HEADER.match(key) is not None)


@dataclass(frozen=True)
class TableKind:
    """The kind a table's rows are read as (None: the headers fit several kinds equally, and ``candidates`` says
    which), why (``how``: forced, column, sheet, headers, default, ambiguous), the keys that decided it
    (``evidence``), and the known keys that are no field of that kind (``strays``, kept as extra fields)."""

    kind: str | None
    how: str
    evidence: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    strays: tuple[str, ...] = ()


def table_kind(
    keys: set[str],
    forced: str | None = None,
    named: str | None = None,
    said: Mapping[str, tuple[str, ...]] | None = None,
) -> TableKind:
    """The kind of a table with these header keys; ``forced`` is ``--kind``, ``named`` the kind its sheet's name says,
    ``said`` the kinds its id and name headers say (机构编号, 区域名称: :data:`KIND_HEADERS`)."""
    if forced:
        return TableKind(forced, "forced")
    if "kind" in keys:
        return TableKind(named, "column")
    if named:
        return TableKind(named, "sheet")
    telling = {k for k in keys if k not in NEUTRAL and any(_fits(kind, k) for kind in KINDS)}
    if said and len(said) == 1:  # 机构编号, 区域编号 …: the header says the kind; fields of other kinds are strays
        ((kind, saying),) = said.items()
        strays = tuple(sorted(k for k in telling if not _fits(kind, k)))
        if kind == "institution" and not strays:
            return TableKind(kind, "default")
        return TableKind(kind, "headers", saying, strays=strays)
    fits = [kind for kind in KINDS if all(_fits(kind, k) for k in telling)]
    if "institution" in fits:
        return TableKind("institution", "default")
    if len(fits) > 1:
        return TableKind(None, "ambiguous", tuple(sorted(telling)), tuple(fits))
    only = {kind: sorted(k for k in telling if _fits(kind, k) and not _shared(kind, k)) for kind in KINDS}
    if len(fits) == 1:  # the keys that some other kind lacks decided it
        return TableKind(fits[0], "headers", tuple(sorted(k for k in telling if not _common(k))))
    most = max(len(v) for v in only.values())
    best = [kind for kind, v in only.items() if len(v) == most]
    if len(best) > 1 or most == 0:
        return TableKind(None, "ambiguous", tuple(sorted(telling)), tuple(best))
    strays = tuple(sorted(k for k in telling if not _fits(best[0], k)))
    return TableKind(best[0], "headers", tuple(only[best[0]]), strays=strays)


def said_kinds(mapper: RowMapper) -> dict[str, tuple[str, ...]]:
    """The kinds the id and name headers of a table say (机构编号: institution; 区域名称: region), each with the keys
    of the headers that say it."""
    said: dict[str, tuple[str, ...]] = {}
    for header, (key, _) in zip(mapper.headers, mapper.matches, strict=True):
        kind = KIND_HEADERS.get(normal_header(header))
        if kind is not None:
            said[kind] = (*said.get(kind, ()), key)
    return said


def _common(key: str) -> bool:
    return all(_fits(kind, key) for kind in KINDS)


def _shared(kind: str, key: str) -> bool:
    return any(_fits(other, key) for other in KINDS if other != kind)


def _headers(mapper: RowMapper, keys: tuple[str, ...], sep: str = "、") -> str:
    wanted = set(keys)
    shown = [" ".join(h.split()) for h, (k, _) in zip(mapper.headers, mapper.matches, strict=True) if k in wanted]
    return sep.join(dict.fromkeys(shown))


def kind_notice(decided: TableKind, mapper: RowMapper, where: str) -> tuple[str, str] | None:
    """The (zh, en) notice of a kind the headers decided (not the plain institution), or of headers that decide none."""
    if decided.how == "ambiguous":
        names = "、".join(KIND_NAMES[k] for k in decided.candidates)
        options = " 或 ".join(f"--kind {k}" for k in decided.candidates)
        return (
            f"{where}：没有记录类型列，表头（{_headers(mapper, decided.evidence)}）可读作{names}：各行作为错误行输出，"
            f"请用 {options} 指定",
            f"{where}: no kind column, and the headers ({_headers(mapper, decided.evidence, ', ')}) fit "
            f"{' and '.join(decided.candidates)}: each row is an error row; say which with "
            f"{' or '.join(f'--kind {k}' for k in decided.candidates)}",
        )
    if decided.how != "headers" or decided.kind is None:
        return None
    name = KIND_NAMES[decided.kind]
    zh = f"{where}：没有记录类型列，按表头（{_headers(mapper, decided.evidence)}）读作{name}记录"
    en = f"{where}: no kind column; read as {decided.kind} records by the headers ({_headers(mapper, decided.evidence, ', ')})"
    if decided.strays:
        zh += f"；表头 {_headers(mapper, decided.strays)} 不是{name}的字段，原样保留为额外字段"
        en += f"; the headers {_headers(mapper, decided.strays, ', ')} are no {decided.kind} fields (kept as extra fields)"
    return zh + "；不对时用 --kind 指定", en + "; if that is wrong, say the kind with --kind"


def ambiguous_problem(decided: TableKind, row: int, source: str) -> Problem:
    """The problem of a row of a table whose headers fit several kinds (its row is an error row)."""
    names = "、".join(KIND_NAMES[k] for k in decided.candidates)
    return Problem(
        "record.kind-ambiguous",
        f"第 {row} 行：表中没有记录类型列，表头可读作{names}，不知按哪一种检查；请用 --kind 指定",
        f"row {row}: the table has no kind column and its headers fit {', '.join(decided.candidates)}; "
        "say which with --kind",
        Location(row=row, field="kind", file=source),
        value="、".join(decided.candidates),
    )
