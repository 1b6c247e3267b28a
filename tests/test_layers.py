"""A lower layer never imports a higher one, and no module imports itself back through others.

Every import of every module of the package counts, those inside functions and under ``TYPE_CHECKING`` too. A
subpackage is one layer; its modules may import each other (without cycles) and anything below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "tuoyu_rules"

# Low to high. A module may import only from a lower layer (or from inside its own subpackage).
LAYERS: list[set[str]] = [
    {"_version", "_lazy", "errors", "vocabulary", "report_types", "progress"},
    {"errors_doc"},
    {"text"},
    {"source", "records"},
    {"model"},
    {"expressions"},
    {"compiler"},
    {"findings"},
    {"trace"},
    {"report"},
    {"evaluate"},
    {"examples"},
    {"writers"},
    {"authoring"},
    {"site"},
    {"frames"},
    {"columnar"},
    {"api"},
    {"parallel", "dask"},
    {"cli"},
    {"__main__", "__init__"},
]
RANK = {unit: n for n, units in enumerate(LAYERS) for unit in units}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def unit_of(module: str) -> str:
    """The layer unit of a module: its top-level name inside the package (a subpackage counts as one)."""
    return module.split(".", 1)[0]


def imports(path: Path) -> set[str]:
    """The package modules ``path`` imports, resolved to dotted names inside the package."""
    here = module_name(path).split(".") if module_name(path) != "__init__" else []
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here if is_package else here[:-1]
            base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
            target = [*base, *(node.module.split(".") if node.module else [])]
            if node.module is None:
                found.update(".".join([*target, alias.name]) for alias in node.names)
            else:
                found.add(".".join(target) or "__init__")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tuoyu_rules"):
            found.add(node.module.removeprefix("tuoyu_rules").lstrip(".") or "__init__")
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix("tuoyu_rules").lstrip(".") or "__init__"
                for a in node.names
                if a.name.split(".")[0] == "tuoyu_rules"
            )
    return {name for name in found if known(name)}


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def known(name: str) -> bool:
    mods = modules_cache
    return name in mods or any(m.startswith(name + ".") for m in mods)


modules_cache = modules()


def test_every_module_has_a_layer() -> None:
    assert sorted({unit_of(m) for m in modules_cache} - set(RANK)) == []


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for name, path in modules_cache.items():
        for target in imports(path):
            mine, theirs = unit_of(name), unit_of(target)
            if mine != theirs and RANK[theirs] >= RANK[mine]:
                upward.append(f"{name} imports {target} ({mine}: layer {RANK[mine]}, {theirs}: layer {RANK[theirs]})")
    assert upward == []


def test_no_import_cycles() -> None:
    graph = {
        name: {t for t in imports(path) if t in modules_cache and t != name} for name, path in modules_cache.items()
    }
    for pkg in [m for m, p in modules_cache.items() if p.name == "__init__.py"]:
        for name in graph:  # importing a module of a subpackage runs the subpackage's __init__ first
            graph[name] |= (
                {pkg} if any(t.startswith(pkg + ".") for t in graph[name]) and not name.startswith(pkg) else set()
            )
    graph.pop("__init__", None)
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]) if nxt in trail else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    assert "evaluate" in imports(PACKAGE / "api.py") and "records" in imports(PACKAGE / "api.py")
