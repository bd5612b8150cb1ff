"""The shape of the codebase: no import cycles between modules of pos/, and layers that look one way only."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POS = ROOT / "pos"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in POS.rglob("*.py")}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def with_parents(name: str) -> list[str]:
    """Importing pos.a.b runs pos/__init__, pos/a/__init__ and pos/a/b: each is a dependency."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts) + 1) if ".".join(parts[:i]) in MODULES]


def top_level_imports(name: str) -> set[str]:
    """pos modules imported when `name` is imported: statements at module level (imports inside functions run
    later, on call, and are how the app factory wires areas without a cycle)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if is_package(name) else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "pos" or not target.startswith("pos."):
                continue
            found.update(with_parents(target))
    # A package's own submodules register their routes on its blueprint at its end: that import is the
    # package's, and a submodule importing `bp` from its package is not a cycle.
    return {t for t in found if t != name and not (is_package(name) and t.startswith(name + "."))}


def find_cycles() -> list[list[str]]:
    graph = {name: top_level_imports(name) for name in MODULES if name != "pos"}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    return cycles


def test_no_import_cycles_between_modules_of_pos():
    assert find_cycles() == []


def test_the_cycle_check_sees_a_cycle(monkeypatch):
    """The check itself can fail: two modules importing each other are reported."""
    a, b = POS / "catalog" / "names.py", POS / "catalog" / "gs1.py"
    fake = {
        "pos.catalog.names": "from pos.catalog.gs1 import check_digit\n",
        "pos.catalog.gs1": "from pos.catalog.names import GROUP_LABELS\n",
    }
    real_read = Path.read_text
    monkeypatch.setattr(
        Path,
        "read_text",
        lambda self, *args, **kwargs: (
            {a: fake["pos.catalog.names"], b: fake["pos.catalog.gs1"]}.get(self) or real_read(self, *args, **kwargs)
        ),
    )
    assert ["pos.catalog.gs1", "pos.catalog.names"] in find_cycles()


# The menu shows each user only what auth's rules let them open, and the API document describes the areas' routes.
CORE_MODULES_THAT_READ_AREAS = {"pos.core.navigation": {"auth"}, "pos.core.openapi": {"auth", "protocol"}}


def test_models_and_core_do_not_look_up_into_areas():
    """Models hold data and core holds infrastructure: neither imports a feature area (but for the two above)."""
    areas = {name.split(".")[1] for name in MODULES if name.count(".") >= 1} - {"models", "core"}
    for name in MODULES:
        if name.startswith(("pos.models", "pos.core")):
            allowed = CORE_MODULES_THAT_READ_AREAS.get(name, set())
            for target in top_level_imports(name):
                area = target.split(".")[1]
                assert area not in areas or area in allowed, f"{name} imports {target}"
