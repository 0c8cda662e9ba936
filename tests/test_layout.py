"""The package's shape, held: import cycles, the top level, and a README that
names every module. (The one-way order of the layers is import-linter's job in `.ci/run`.)"""

from __future__ import annotations

import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workflow"
MAX_TOP_LEVEL = 13
"""Twelve until issue 19 asked for the web page as a package of its own, beside cli."""


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), lazy imports included."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("workflow")
    assert _cycles(graph) == []


def test_at_most_thirteen_modules_directly_under_the_package() -> None:
    top = [p for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()]
    assert len(top) <= MAX_TOP_LEVEL, sorted(p.name for p in top)


def test_the_readme_layout_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Layout", 1)[1].split("\n### ", 1)[0]
    named = set(re.findall(r"`(workflow/[\w/]+\.py)`", section))
    named |= {
        f"{folder}{name}.py"
        for folder, names in re.findall(r"`(workflow/[\w/]*/)`([^|]*)", section)
        for name in re.findall(r"`(\w+)`", names)
    }
    wanted = {
        str(p.relative_to(ROOT))
        for p in _modules()
        if p.name != "__init__.py" or p.parent == PACKAGE
    }
    assert sorted(wanted - named) == []
