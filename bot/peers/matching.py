"""Pairing a round: maximum-weight matching (networkx) over who may meet whom.

Weights favour shared tags, a common language (required) and nearby time zones. Pairs from the
last rounds and do-not-pair entries (either way) get no edge. With an odd number, or someone
left over, the leftover joins the pair they fit best, making a trio.
"""

from __future__ import annotations

import heapq
import random
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


NEIGHBOURS = 6  # best candidates kept per member: keeps the graph sparse for large rounds
SAMPLE = 48  # candidates looked at per member (those sharing a tag first)


def _candidates_for(
    a: Candidate,
    by_language: dict[str, list[Candidate]],
    by_pair: dict[tuple[str, str], list[Candidate]],
    rng: random.Random,
) -> list[Candidate]:
    """Who `a` could be compared with: everyone sharing a language in a small round, else a
    bounded sample that favours people sharing a tag too."""
    langs = _bases(a.languages)
    pool_size = sum(len(by_language[x]) for x in langs)
    if pool_size <= SAMPLE:
        return list({c.user_id: c for x in langs for c in by_language[x]}.values())
    seen: dict[str, Candidate] = {}
    keys = [(x, t) for x in langs for t in a.tags]
    for key in keys:
        group = by_pair.get(key, [])
        for c in rng.sample(group, min(len(group), SAMPLE // max(1, len(keys)))):
            seen[c.user_id] = c
    for x in langs:
        group = by_language[x]
        for c in rng.sample(group, min(len(group), SAMPLE // (2 * len(langs)))):
            seen.setdefault(c.user_id, c)
    return list(seen.values())


def pair_round(
    people: list[Candidate], forbidden: set[frozenset[str]], at: datetime
) -> tuple[list[tuple[str, ...]], list[str]]:
    """Groups of two (or three) and whoever could not be placed."""
    graph = nx.Graph()
    graph.add_nodes_from(p.user_id for p in people)
    by_id = {p.user_id: p for p in people}
    by_language: dict[str, list[Candidate]] = {}
    by_pair: dict[tuple[str, str], list[Candidate]] = {}
    for p in people:
        for lang in _bases(p.languages):
            by_language.setdefault(lang, []).append(p)
            for tag in p.tags:
                by_pair.setdefault((lang, tag), []).append(p)
    rng = random.Random(len(people))  # reproducible for the same round
    for a in people:
        scored = []
        for b in _candidates_for(a, by_language, by_pair, rng):
            if b.user_id == a.user_id or frozenset((a.user_id, b.user_id)) in forbidden:
                continue
            w = weight(a, b, at)
            if w > 0:
                scored.append((w, b.user_id))
        for w, other in heapq.nlargest(NEIGHBOURS, scored):
            graph.add_edge(a.user_id, other, weight=w)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    groups: list[list[str]] = sorted(sorted(pair) for pair in matching)
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
