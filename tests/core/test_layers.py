"""The import graph, as a newcomer would draw it: no module of bot/, adapters/ or crossings/
imports, while it is being imported, a module that imports it back (directly or round a loop).
Type-only imports (under `if TYPE_CHECKING:`) and imports inside functions run later and do not
count. The packages are walked from the files, so nothing here lists a module by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "adapters", "crossings")

pytestmark = pytest.mark.core


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _top_level_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: not in functions, not type-only."""
    out: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        elif isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                out += _top_level_imports(node.body)
            out += _top_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                out += _top_level_imports(block)
    return out


def _targets(node: ast.Import | ast.ImportFrom, package: str, known: dict[str, Path]) -> set[str]:
    def nearest(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            base = f"{anchor}.{base}" if base else anchor
        # `from pkg import sub` imports the submodule when there is one, else a name of pkg.
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    return {n for n in map(nearest, names) if n}


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> nx.DiGraph:
    known = modules(root, packages)
    graph = nx.DiGraph()
    for name, path in known.items():
        graph.add_node(name)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            graph.add_edges_from((name, t) for t in _targets(node, package, known) if t != name)
    return graph


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]


def test_no_import_time_cycles_between_first_party_modules() -> None:
    graph = import_graph(ROOT)
    assert len(graph) > 150  # the walk found the code it judges
    assert cycles(graph) == []


def test_the_check_sees_a_feature_package_that_imports_back(tmp_path: Path) -> None:
    """A package whose __init__ defines the feature and imports a module that imports it back:
    the shape the leaf `feature.py` modules replaced. The check above must catch it."""
    pkg = tmp_path / "bot" / "thing"
    pkg.mkdir(parents=True)
    (tmp_path / "bot" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("feature = object()\nfrom bot.thing import commands\n")
    (pkg / "commands.py").write_text(
        "from typing import TYPE_CHECKING\nfrom bot.thing import feature\n"
        "if TYPE_CHECKING:\n    from bot.other import x\n"
    )
    found = cycles(import_graph(tmp_path, ("bot",)))
    assert found == [["bot.thing", "bot.thing.commands"]]
    (pkg / "__init__.py").write_text("")
    assert cycles(import_graph(tmp_path, ("bot",))) == []
