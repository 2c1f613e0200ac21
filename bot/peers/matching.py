"""Pairing a round: maximum-weight matching (networkx) over who may meet whom.

Weights favour shared tags, a common language (required) and nearby time zones. Pairs from the
last rounds and do-not-pair entries (either way) get no edge. With an odd number, or someone
left over, the leftover joins the pair they fit best, making a trio.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import networkx as nx


@dataclass(frozen=True)
class Candidate:
    user_id: str
    tags: frozenset[str]
    languages: frozenset[str]
    timezone: str | None = None


def _offset_hours(zone: str | None, at: datetime) -> float | None:
    if not zone:
        return None
    try:
        offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    except (KeyError, ValueError):
        return None
    return offset.total_seconds() / 3600 if offset is not None else None


def _bases(languages: frozenset[str]) -> frozenset[str]:
    return frozenset(x.split("-")[0].lower() for x in languages)


def weight(a: Candidate, b: Candidate, at: datetime) -> float:
    """0 when they can't pair (no common language); higher is a better pair."""
    if not _bases(a.languages) & _bases(b.languages):
        return 0.0
    w = 1.0 + 3.0 * len(a.tags & b.tags)
    oa, ob = _offset_hours(a.timezone, at), _offset_hours(b.timezone, at)
    if oa is not None and ob is not None:
        w += max(0.0, 2.0 - abs(oa - ob) / 3)
    return w


def pair_round(
    people: list[Candidate], forbidden: set[frozenset[str]], at: datetime
) -> tuple[list[tuple[str, ...]], list[str]]:
    """Groups of two (or three) and whoever could not be placed."""
    graph = nx.Graph()
    graph.add_nodes_from(p.user_id for p in people)
    by_id = {p.user_id: p for p in people}
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            if frozenset((a.user_id, b.user_id)) in forbidden:
                continue
            w = weight(a, b, at)
            if w > 0:
                graph.add_edge(a.user_id, b.user_id, weight=w)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    groups: list[list[str]] = [sorted(pair) for pair in matching]
    placed = {u for g in groups for u in g}
    left: list[str] = []
    for user in sorted(set(by_id) - placed):
        best, best_w = None, 0.0
        for g in groups:
            if len(g) != 2 or any(frozenset((user, m)) in forbidden for m in g):
                continue
            w = min(weight(by_id[user], by_id[m], at) for m in g)
            if w > best_w:
                best, best_w = g, w
        if best is not None:
            best.append(user)
        else:
            left.append(user)
    return [tuple(g) for g in groups], left
