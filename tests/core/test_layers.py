"""The import graph, as a newcomer would draw it: no cycles between the kernel's modules, the
features, the adapters and the composition root (checked at run time imports)."""

from __future__ import annotations

import grimp
import networkx as nx
import pytest

FEATURES = ("moderation", "safety", "support", "prompts", "peers", "privacy")

pytestmark = pytest.mark.core


def unit(module: str) -> str:
    """A feature package counts as one unit; kernel and adapter modules count on their own."""
    parts = module.split(".")
    if parts[0] == "bot" and len(parts) > 1 and parts[1] in FEATURES:
        return ".".join(parts[:2])
    if parts[0] == "adapters" and len(parts) > 1:
        return ".".join(parts[:2])
    return module if parts[0] != "bot" or len(parts) < 3 else ".".join(parts[:2])


def test_no_import_cycles_between_units() -> None:
    graph = grimp.build_graph("bot", "adapters", "crossings", exclude_type_checking_imports=True)
    units = nx.DiGraph()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = unit(importer), unit(imported)
            if a != b:
                units.add_edge(a, b)
    cycles = list(nx.simple_cycles(units))
    assert cycles == [], cycles[:5]


def test_the_graph_sees_the_units_it_judges() -> None:
    """The check above can fail: the graph holds the features and the kernel it reasons about."""
    graph = grimp.build_graph("bot", "adapters", "crossings", exclude_type_checking_imports=True)
    seen = {unit(m) for m in graph.modules}
    assert {"bot.app", "bot.context", "bot.moderation", "adapters.discord", "crossings.cli"} <= seen
    assert graph.find_shortest_chain(importer="bot.safety", imported="bot.moderation.queue")
