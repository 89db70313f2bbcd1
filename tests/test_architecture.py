"""The pure packages stay pure: no `app`, no web framework or database, and no circle between them.

Read with `ast`, not by importing, so a forbidden import inside a function or under `if TYPE_CHECKING` is found
too, and nothing runs. A package may import another pure package; the graph of those imports must have no cycle
(shared pieces live in `kernel`, which imports no other package).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = ("kernel", "gis", "costing", "finance", "allocation", "progress", "publication")
FORBIDDEN = ("app", "litestar", "sqlalchemy")


def modules(package: str) -> list[Path]:
    found = sorted((ROOT / package).rglob("*.py"))
    assert found, f"no modules found for {package}"
    return found


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted name) of every import in the module; relative imports resolved from its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    if package and package[-1] == "__init__":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x, from ..y import z
                base = package[:len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name


def top(name: str) -> str:
    return name.split(".")[0]


def graph() -> dict[str, set[str]]:
    """Pure package -> the other pure packages it imports."""
    edges: dict[str, set[str]] = {p: set() for p in PURE}
    for package in PURE:
        for path in modules(package):
            for _, name in imported(path):
                other = top(name)
                if other in PURE and other != package:
                    edges[package].add(other)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None; depth-first, visiting in name order so the answer is stable."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_neither_the_app_nor_the_web_or_database_layers(package):
    offending = [f"{path.relative_to(ROOT)}:{line}: import {name}"
                 for path in modules(package) for line, name in imported(path) if top(name) in FORBIDDEN]
    assert not offending, "pure code imports the shell:\n" + "\n".join(offending)


def test_kernel_imports_no_other_package():
    assert graph()["kernel"] == set()


def test_the_pure_packages_import_each_other_without_a_cycle():
    edges = graph()
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between pure packages: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_relative_imports_are_resolved(tmp_path, monkeypatch):
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    module = package / "mod.py"
    module.write_text("from . import x\nfrom ..other import y\nfrom .. import z\nimport app.models\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert [name for _, name in imported(module)] == ["pkg.sub", "pkg.other", "pkg", "app.models"]
