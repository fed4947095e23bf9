"""The package's layout holds: each folder is one stage, data flows one way.

docs/architecture.md describes the stages. These tests read every module's imports with
`ast`, those inside functions and under TYPE_CHECKING included (a type-only import is a
dependency a reader follows too), and fail on an import from a later stage into an
earlier one, on a cycle between modules, on a third-party library used outside the stage
that owns it, and on a module grown past the size a reader can hold."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cappolicy"

#: the stages in the order data flows through them; a module may import its own stage
#: and earlier ones (and `cappolicy` itself, which holds only the version)
STAGES = ("base", "lang", "proposal", "graph", "engine", "rulesets", "report", "render",
          "run", "cli")

#: third-party libraries that only one stage may import: the stage that owns the job
OWNERS = {"lark": {"lang"}, "click": {"cli"}, "yaml": {"proposal"}}

MAX_LINES = 800


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(("cappolicy", *parts))] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, int]]:
    """(module imported, line) for every import of `path`, resolved to full names; a
    `from package import module` names the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full if full in MODULES else base, node.lineno))
    return found


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cappolicy" else None


def _graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for name, path in MODULES.items():
        graph.add_node(name)
        for target, line in _imports(name, path):
            if target in MODULES and target != name and target != "cappolicy":
                graph.add_edge(name, target, line=line)
    return graph


def test_every_module_lives_in_a_stage() -> None:
    loose = [name for name in MODULES if name != "cappolicy" and _stage(name) not in STAGES]
    assert not loose, f"modules outside the stage folders {STAGES}: {loose}"
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert folders == sorted(STAGES)


def test_nothing_imports_a_later_stage() -> None:
    upward = []
    for a, b, data in _graph().edges(data=True):
        sa, sb = _stage(a), _stage(b)
        if sa in STAGES and sb in STAGES and STAGES.index(sb) > STAGES.index(sa):
            upward.append(f"{MODULES[a].relative_to(PACKAGE)}:{data['line']} imports {b}")
    assert not upward, "imports from a later stage:\n" + "\n".join(sorted(upward))


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    described = [
        [f"{a} -> {b} (line {graph[a][b]['line']})" for a in c for b in graph[a] if b in c]
        for c in cycles]
    assert not described, "cycles:\n" + "\n".join("; ".join(c) for c in described)


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_libraries_stay_in_their_stage(library: str) -> None:
    outside = []
    for name, path in MODULES.items():
        for target, line in _imports(name, path):
            if target.split(".")[0] == library and _stage(name) not in OWNERS[library]:
                outside.append(f"{path.relative_to(PACKAGE)}:{line}")
    assert not outside, f"{library} is for {sorted(OWNERS[library])} only: " + ", ".join(outside)


def test_no_module_is_too_long_to_read() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_checker_sees_what_it_forbids(tmp_path: Path) -> None:
    """The import reader finds imports inside functions and under TYPE_CHECKING, and
    resolves relative ones: an upward import hidden in a function is not missed."""
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from ..cli import main\n"
                      "def f():\n    from ..render import text\n    from . import values\n")
    found = _imports("cappolicy.lang.m", module)
    assert ("cappolicy.cli.main", 3) in found
    assert ("cappolicy.render.text", 5) in found
    assert ("cappolicy.lang.values", 6) in found
