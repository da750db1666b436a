"""Every third-party module the product imports comes from a runtime dependency it declares."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.support.paths import REPO

# Not installed with the product: the suite, the benchmarks and maintainer scripts.
NOT_PRODUCT = {"tests", "benchmarks", "scripts"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_dependencies() -> set[str]:
    """Distribution names in pyproject's [project] dependencies (extras excluded)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {_canonical(re.match(r"[A-Za-z0-9._-]+", spec).group()) for spec in
            project["dependencies"]}  # fmt: skip


def product_files() -> list[Path]:
    """The product's Python files: top-level modules and packages, migrations included."""
    files = [p for p in REPO.glob("*.py")]
    for folder in REPO.iterdir():
        if folder.is_dir() and not folder.name.startswith(".") and folder.name not in NOT_PRODUCT:
            files += folder.rglob("*.py")
    return [f for f in files if ".venv" not in f.parts and "site-packages" not in f.parts]


def imported_top_levels(path: Path) -> set[str]:
    """Top-level names of the absolute imports in one file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def local_top_levels() -> set[str]:
    """Names the repository itself provides (its modules and packages)."""
    return {p.stem for p in REPO.glob("*.py")} | {
        p.name for p in REPO.iterdir() if p.is_dir() and any(p.glob("*.py"))
    }  # fmt: skip


def test_product_code_imports_only_declared_runtime_dependencies():
    declared = runtime_dependencies()
    providers = packages_distributions()
    local = local_top_levels()
    missing: dict[str, set[str]] = {}
    for path in product_files():
        for name in imported_top_levels(path):
            if name in sys.stdlib_module_names or name in local or name == "__future__":
                continue
            dists = {_canonical(d) for d in providers.get(name, [])}
            if not dists & declared:
                where = str(path.relative_to(REPO))
                missing.setdefault(f"{name} (from {sorted(dists) or 'nothing installed'})",
                                   set()).add(where)  # fmt: skip
    assert not missing, "imported but not a runtime dependency:\n" + "\n".join(
        f"  {name}: {sorted(files)[:3]}" for name, files in sorted(missing.items())
    )


def test_the_check_sees_a_test_only_import():
    """The check must be able to fail: a test-only package is not a runtime dependency."""
    providers = packages_distributions()
    assert {_canonical(d) for d in providers["pytest"]}.isdisjoint(runtime_dependencies())
    assert {_canonical(d) for d in providers["flask"]} & runtime_dependencies()


def test_every_product_package_and_module_is_installed():
    """A plain install ships every package the product imports (pyproject's package list)."""
    tool = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = tool["packages"]["find"]["include"]
    packages = local_top_levels() - NOT_PRODUCT - {p.stem for p in REPO.glob("*.py")}
    missing = sorted(n for n in packages if not any(re.fullmatch(pat.replace("*", ".*"), n)
                                                    for pat in patterns))  # fmt: skip
    assert len(packages) > 10 and missing == []
    modules = {p.stem for p in REPO.glob("*.py")}
    assert modules == set(tool["py-modules"])
