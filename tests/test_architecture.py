"""The product's import graph: no cycles, imports point one way, one owner of the ledger row."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("web", "jobs", "executions", "statussync", "actions", "schemas", "clients", "store",
            "accounts", "commands", "observability", "sandbox")  # fmt: skip
TOP_MODULES = ("app", "settings", "failures")
PRODUCT = PACKAGES + TOP_MODULES
OUTSIDE = ("emulators", "tests", "benchmarks", "scripts", "migrations")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    """Every product module by dotted name."""
    found = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = product_modules()
KNOWN = set(MODULES) | {n for n in OUTSIDE}


def _resolve(name: str) -> str | None:
    """The product or emulator module an import names (its longest known prefix)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return parts[0] if parts[0] in OUTSIDE else None


def imports_of(module: str) -> set[str]:
    """The product (and emulator) modules a module imports, anywhere in its body."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the submodule when there is one.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                     for alias in node.names]  # fmt: skip
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                found.add(target)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """Each product module's imports (parsed when a test asks, not in every test process)."""
    return {module: imports_of(module) for module in MODULES}


def _layer(module: str) -> str:
    return module.split(".")[0]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in the graph, or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_is_read_from_the_product(graph):
    """Guards the other checks against passing vacuously."""
    assert len(MODULES) > 60
    assert "executions.ledger" in graph["executions.deliveries"]
    assert "store.tables" in graph["executions.ledger"]
    assert any(_layer(t) == "emulators" for t in graph["sandbox.emulator_servers"])
    assert sum(len(targets) for targets in graph.values()) > 200


def test_no_import_cycle_between_product_modules(graph):
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_between_product_packages(graph):
    """Also at package level (web.csrf <-> web.routes, app -> commands -> jobs -> app)."""
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        src = ".".join(module.split(".")[:2])
        for target in targets:
            dst = ".".join(target.split(".")[:2])
            if dst != src and not src.startswith(dst + ".") and not dst.startswith(src + "."):
                packages.setdefault(src, set()).add(dst)
    assert find_cycle(packages) is None, " -> ".join(find_cycle(packages) or [])


LAYER_RULES = {
    "actions": {"web", "jobs", "executions", "statussync", "commands", "app", "sandbox"},
    "schemas": {"actions", "executions", "statussync", "jobs", "web", "commands", "app",
                "sandbox"},
    "clients": {"actions", "executions", "statussync", "jobs", "web", "commands", "app",
                "sandbox"},
    "store": {"actions", "executions", "statussync", "jobs", "web", "commands", "app", "sandbox"},
    "executions": {"web", "jobs", "statussync", "commands", "app", "sandbox"},
    "statussync": {"web", "jobs", "commands", "app", "sandbox"},
    "jobs": {"web", "commands", "app", "sandbox"},
    "web": {"commands", "app"},
}


@pytest.mark.parametrize("layer", sorted(LAYER_RULES))
def test_imports_point_one_way(graph, layer):
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items() if _layer(module) == layer
        for target in targets if _layer(target) in LAYER_RULES[layer]
    )  # fmt: skip
    assert wrong == []


def test_only_the_sandbox_imports_emulators(graph):
    importers = sorted(m for m, targets in graph.items()
                       if any(_layer(t) == "emulators" for t in targets))  # fmt: skip
    assert importers and all(_layer(m) == "sandbox" for m in importers), importers


def test_importing_the_app_imports_no_emulator():
    code = ("import app, sys; "
            "print([m for m in sys.modules if m.split('.')[0] == 'emulators'])")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


# Columns no other table has, so assigning one is writing a ledger row ("status" is shared).
EXECUTION_ONLY = {"lease_expires_at", "progress", "generation", "outputs", "callback_completed",
                  "finished_at"}  # fmt: skip


def _execution_writes(module: str) -> list[str]:
    """Where a module builds an Execution row or writes the executions table."""
    path = MODULES[module]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0] if node.args else None
            first_name = getattr(first, "id", getattr(first, "attr", ""))
            if name == "Execution":
                found.append(f"{module}:{node.lineno} Execution(...)")
            elif name in {"update", "insert", "delete", "insert_statement"} and \
                    first_name == "Execution":
                found.append(f"{module}:{node.lineno} {name}(Execution)")
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in EXECUTION_ONLY:
                    found.append(f"{module}:{node.lineno} .{target.attr} =")
    return found


def test_only_the_ledger_writes_execution_rows():
    writes = {m: _execution_writes(m) for m in MODULES}
    assert writes["executions.ledger"], "the check must see the ledger's own writes"
    others = sorted(w for m, found in writes.items() if m != "executions.ledger" for w in found)
    assert others == []


def test_the_write_check_sees_a_write_elsewhere(tmp_path, monkeypatch):
    """The check is not vacuous: a stray update(Execution) or status assignment is caught."""
    stray = tmp_path / "stray.py"
    stray.write_text("from sqlalchemy import update\n\n"
                     "def f(row):\n"
                     "    update(Execution)\n"
                     "    row.finished_at = None\n")  # fmt: skip
    monkeypatch.setitem(MODULES, "stray", stray)
    assert len(_execution_writes("stray")) == 2
