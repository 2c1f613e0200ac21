"""The round matching: exact against networkx on small graphs, constraints kept in blocked
(large-round) mode too, trios for odd counts."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.peers.matching import (
    SCALE,
    Candidate,
    Edges,
    candidate_graph,
    max_weight_pairs,
    pair_round,
    pairs_weight,
    plan_round,
    weight,
)

pytestmark = pytest.mark.peers
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
TAGS = ["visa", "language", "family", "children", "faith", "money", "distance"]
ZONES = ["Europe/Madrid", "Asia/Tokyo", "America/New_York", "Asia/Kathmandu", None]


def networkx_optimum(size: int, edges: Edges) -> tuple[int, int]:
    """(pairs, total weight) of networkx's exact maximum-cardinality maximum-weight matching."""
    graph = nx.Graph()
    graph.add_nodes_from(range(size))
    graph.add_weighted_edges_from((i, j, w) for (i, j), w in edges.items())
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    return len(matching), sum(edges[(min(i, j), max(i, j))] for i, j in matching)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, Edges]:
    size = draw(st.integers(0, 30))
    pairs = [(i, j) for i in range(size) for j in range(i + 1, size)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=90)) if pairs else []
    return size, {p: draw(st.integers(1, 120)) for p in chosen}


@settings(max_examples=150, deadline=None)
@given(graph=graphs())
def test_the_compiled_matching_finds_the_exact_optimum(graph: tuple[int, Edges]) -> None:
    size, edges = graph
    pairs = max_weight_pairs(size, edges)
    used = [i for p in pairs for i in p]
    assert len(used) == len(set(used))
    assert all(p in edges for p in pairs)
    assert (len(pairs), sum(edges[p] for p in pairs)) == networkx_optimum(size, edges)


people_lists = st.lists(
    st.builds(
        Candidate,
        user_id=st.text("abcdefghij", min_size=1, max_size=3),
        tags=st.frozensets(st.sampled_from(TAGS), min_size=1, max_size=3),
        languages=st.frozensets(
            st.sampled_from(["en", "es", "ja", "pt-BR"]), min_size=1, max_size=2
        ),
        timezone=st.sampled_from(ZONES),
    ),
    max_size=30,
    unique_by=lambda c: c.user_id,
)


@settings(max_examples=80, deadline=None)
@given(people=people_lists, seed=st.integers(0, 1000))
def test_a_round_is_the_exact_optimum_of_its_candidate_graph(
    people: list[Candidate], seed: int
) -> None:
    rng = random.Random(seed)
    ids = [p.user_id for p in people]
    forbidden = (
        {frozenset(rng.sample(ids, 2)) for _ in range(len(ids) // 3)} if len(ids) > 1 else set()
    )
    plan = plan_round(people, forbidden, AT)
    graph = candidate_graph(people, forbidden, AT)
    count, best = networkx_optimum(len(people), graph)
    if plan.edges == graph:  # one exact matching placed everyone it could
        assert len(plan.pairs) == count
        assert pairs_weight(plan.edges, plan.pairs) == best / SCALE
    else:  # those it left over were paired again on a denser graph: only more pairs
        assert len(plan.pairs) > count
        assert pairs_weight(plan.edges, plan.pairs) > best / SCALE
    for (i, j), w in plan.edges.items():  # integer weights are weight() exactly
        assert w == round(SCALE * weight(people[i], people[j], AT))


def population(n: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    return [
        Candidate(
            f"m{i}",
            frozenset(rng.sample(TAGS, rng.randint(1, 3))),
            frozenset(rng.sample(["en", "es", "ja"], rng.randint(1, 2))),
            rng.choice(ZONES),
        )
        for i in range(n)
    ]


def broken(groups: list[tuple[str, ...]], forbidden: set[frozenset[str]]) -> list[tuple[str, ...]]:
    return [
        g
        for g in groups
        for i, x in enumerate(g)
        for y in g[i + 1 :]
        if frozenset((x, y)) in forbidden
    ]


@pytest.mark.parametrize("exact_up_to", [5_000, 40])  # one exact round, and blocks of 40
def test_do_not_pair_and_recent_partners_never_meet_over_many_rounds(exact_up_to: int) -> None:
    people = population(301, seed=7)
    rng = random.Random(11)
    blocks = {frozenset(rng.sample([p.user_id for p in people], 2)) for _ in range(600)}
    recent: list[set[frozenset[str]]] = []
    for week in range(6):
        forbidden = blocks.union(*recent[-2:])  # do-not-pair plus the last two rounds
        groups, left = pair_round(people, forbidden, AT, exact_up_to=exact_up_to, block=40)
        assert not broken(groups, forbidden), f"week {week}"
        placed = [u for g in groups for u in g]
        assert len(placed) == len(set(placed))
        assert set(placed) | set(left) == {p.user_id for p in people}
        recent.append(
            {frozenset((x, y)) for g in groups for i, x in enumerate(g) for y in g[i + 1 :]}
        )


@pytest.mark.parametrize("exact_up_to", [5_000, 40])
def test_an_odd_count_makes_one_trio_and_places_everyone(exact_up_to: int) -> None:
    people = [
        Candidate(f"m{i}", frozenset({TAGS[i % 3]}), frozenset({"en"}), "Europe/Madrid")
        for i in range(201)
    ]
    groups, left = pair_round(people, set(), AT, exact_up_to=exact_up_to, block=40)
    assert left == []
    assert sorted(len(g) for g in groups) == [2] * 99 + [3]


def test_blocks_stay_close_to_the_exact_optimum_of_the_same_edges() -> None:
    people = population(600, seed=5)
    plan = plan_round(people, set(), AT, exact_up_to=100, block=100)
    _, best = networkx_optimum(len(people), plan.edges)
    assert pairs_weight(plan.edges, plan.pairs) >= 0.99 * best / SCALE
