"""A peer round at 1,000 / 5,000 / 50,000 members: the compiled exact matching (in blocks
above 2,000 members) against networkx's max_weight_matching on the very same candidate edges.

`weight` is the total weight of the matched pairs; `exact_weight` the optimum over the same
edges from networkx where it finishes in reasonable time (up to 5,000 members: about a minute;
at 50,000 it would take hours), and `ratio_to_exact` the share of it reached.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime

import networkx as nx

from bot.peers import TAGS
from bot.peers.matching import (
    EXACT_UP_TO,
    SCALE,
    Candidate,
    Edges,
    groups_of,
    pairs_weight,
    plan_round,
)

ZONES = [
    "Europe/Madrid",
    "Europe/Berlin",
    "Asia/Tokyo",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
]
LANGS = ["en", "es", "ja", "de", "pt", "fr"]
AT = datetime(2026, 3, 2, tzinfo=UTC)
BASELINE_UP_TO = 5_000  # networkx takes about a minute at 5,000 and hours at 50,000


def population(n: int) -> tuple[list[Candidate], set[frozenset[str]]]:
    rng = random.Random(3)
    people = [
        Candidate(
            f"u{i}",
            frozenset(rng.sample(sorted(TAGS), rng.randint(1, 3))),
            frozenset(rng.sample(LANGS, rng.randint(1, 2))),
            rng.choice(ZONES),
        )
        for i in range(n)
    ]
    forbidden = {frozenset((f"u{rng.randrange(n)}", f"u{rng.randrange(n)}")) for _ in range(n)}
    return people, forbidden


def networkx_weight(size: int, edges: Edges) -> tuple[float, int, float]:
    """(weight, pairs, seconds) of networkx's exact matching on the same edges."""
    graph = nx.Graph()
    graph.add_nodes_from(range(size))
    graph.add_weighted_edges_from((i, j, w) for (i, j), w in edges.items())
    t0 = time.perf_counter()
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    elapsed = time.perf_counter() - t0
    total = sum(edges[(min(i, j), max(i, j))] for i, j in matching) / SCALE
    return total, len(matching), elapsed


def one_round(n: int) -> dict[str, object]:
    people, forbidden = population(n)
    t0 = time.perf_counter()
    plan = plan_round(people, forbidden, AT)
    groups, left = groups_of(people, plan, forbidden, AT)
    elapsed = time.perf_counter() - t0
    line: dict[str, object] = {
        "bench": "peers.round",
        "members": n,
        "blocked": n > EXACT_UP_TO,
        "seconds": round(elapsed, 2),
        "groups": len(groups),
        "trios": sum(len(g) == 3 for g in groups),
        "left_over": len(left),
        "edges": len(plan.edges),
        "weight": round(pairs_weight(plan.edges, plan.pairs), 2),
        "baseline": "networkx max_weight_matching, same edges",
        "baseline_seconds": None,
        "exact_weight": None,
    }
    if n <= BASELINE_UP_TO:
        exact, _, seconds = networkx_weight(n, plan.edges)
        line.update(
            baseline_seconds=round(seconds, 2),
            exact_weight=round(exact, 2),
            ratio_to_exact=round(pairs_weight(plan.edges, plan.pairs) / exact, 5),
        )
    return line


def main() -> None:
    for n in (1_000, 5_000, 50_000):
        print(json.dumps(one_round(n)), flush=True)


if __name__ == "__main__":
    main()
