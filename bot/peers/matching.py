"""Pairing a round: maximum-weight matching over a sparse graph of who may meet whom.

Weights favour shared tags, a common language (required) and nearby time zones. Pairs from the
last rounds and do-not-pair entries (either way) get no edge. Each member keeps only their best
few candidates, so the graph stays sparse. The matching is exact on that graph (rustworkx's
compiled blossom algorithm) for rounds up to EXACT_UP_TO members; larger rounds are matched in
blocks of similar members (see EXACT_UP_TO). With an odd number, or someone left over, the
leftover joins the pair they fit best, making a trio.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import rustworkx as rx


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


# Weights in twelfths: zone offsets are whole quarter hours, so 12 * weight() is an integer and
# the compiled matching (integer weights) optimises exactly the same objective.
SCALE = 12
NEIGHBOURS = 6  # best candidates kept per member: keeps the graph sparse for large rounds
SAMPLE = 48  # candidates looked at per member (those sharing a tag first)
# Up to EXACT_UP_TO members the whole round is one exact matching (well under a second). Larger
# rounds are cut into blocks of BLOCK similar members (same first language, then tags and zone),
# each matched exactly, and whoever a block leaves over is matched again across blocks. Similar
# members make better candidates, so blocks lose next to nothing: the bench (peers.round) prints
# the result against networkx's exact matching of the same edges (at 5,000 members the two
# agree). One exact matching of 5,000 takes 1.5-8 s depending on the machine's load; blocks 2 s.
EXACT_UP_TO = 2_000
BLOCK = 1_000
DENSE_UP_TO = 3_000  # leftovers re-matched over everyone sharing a language, up to this many
DENSE_NEIGHBOURS = 24


@dataclass(frozen=True)
class _Profile:
    """A candidate prepared once per round: sets as bit masks, the zone as quarter hours."""

    index: int
    user_id: str
    tags: int
    bases: int
    quarters: int | None
    key: tuple[str, ...]


def _mask(items: Iterable[str], bits: dict[str, int]) -> int:
    out = 0
    for item in items:
        out |= 1 << bits.setdefault(item, len(bits))
    return out


def _profiles(people: list[Candidate], at: datetime) -> list[_Profile]:
    offsets: dict[str | None, float | None] = {}
    tag_bits: dict[str, int] = {}
    lang_bits: dict[str, int] = {}
    out = []
    for i, p in enumerate(people):
        if p.timezone not in offsets:
            offsets[p.timezone] = _offset_hours(p.timezone, at)
        hours = offsets[p.timezone]
        bases = _bases(p.languages)
        out.append(
            _Profile(
                i,
                p.user_id,
                _mask(sorted(p.tags), tag_bits),
                _mask(sorted(bases), lang_bits),
                None if hours is None else round(hours * 4),
                (*sorted(bases)[:1], *sorted(p.tags)),
            )
        )
    return out


def _zone_bonus(a: int | None, b: int | None) -> int:
    """SCALE * max(0, 2 - hours apart / 3), with offsets in quarter hours (exact)."""
    if a is None or b is None:
        return 0
    return max(0, 2 * SCALE - abs(a - b))


def _scaled(a: _Profile, b: _Profile) -> int:
    """SCALE * weight(a, b); 0 when they share no language."""
    if not a.bases & b.bases:
        return 0
    return SCALE * (1 + 3 * (a.tags & b.tags).bit_count()) + _zone_bonus(a.quarters, b.quarters)


class _Pools:
    """Members by language and by (language, tag) bit, for drawing candidates."""

    def __init__(self, profiles: list[_Profile]) -> None:
        self.by_language: dict[int, list[_Profile]] = {}
        self.by_pair: dict[tuple[int, int], list[_Profile]] = {}
        for p in profiles:
            for lang in _bits(p.bases):
                self.by_language.setdefault(lang, []).append(p)
                for tag in _bits(p.tags):
                    self.by_pair.setdefault((lang, tag), []).append(p)

    def candidates_for(
        self, a: _Profile, rng: random.Random, sample: int = SAMPLE
    ) -> Iterable[_Profile]:
        """Everyone sharing a language in a small round, else a bounded sample that favours
        people sharing a tag too."""
        langs = _bits(a.bases)
        if sum(len(self.by_language[x]) for x in langs) <= sample:
            return {c.index: c for x in langs for c in self.by_language[x]}.values()
        seen: dict[int, _Profile] = {}
        keys = [(x, t) for x in langs for t in _bits(a.tags)]
        for key in keys:
            group = self.by_pair.get(key, [])
            for c in _draw(rng, group, sample // max(1, len(keys))):
                seen[c.index] = c
        for x in langs:
            group = self.by_language[x]
            for c in _draw(rng, group, sample // (2 * len(langs))):
                seen.setdefault(c.index, c)
        return seen.values()


def _draw(rng: random.Random, group: list[_Profile], k: int) -> list[_Profile]:
    """About k members of the group (drawn with replacement: far cheaper than sample() and
    repeats only cost a few candidates); all of them when the group is that small."""
    return group if len(group) <= k else rng.choices(group, k=k)


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


Edges = dict[tuple[int, int], int]
Forbidden = dict[str, set[str]]


def _forbidden_by_member(forbidden: set[frozenset[str]]) -> Forbidden:
    out: Forbidden = {}
    for pair in forbidden:
        if len(pair) == 2:
            x, y = pair
            out.setdefault(x, set()).add(y)
            out.setdefault(y, set()).add(x)
    return out


def candidate_graph(people: list[Candidate], forbidden: set[frozenset[str]], at: datetime) -> Edges:
    """The whole round's graph: edges (i, j), i < j, indices into `people`, weighted in
    twelfths of weight()."""
    return _graph(_profiles(people, at), _forbidden_by_member(forbidden))


def _graph(profiles: list[_Profile], forbidden: Forbidden, *, dense: bool = False) -> Edges:
    """Each member's best NEIGHBOURS among SAMPLE candidates; `dense` (for the few left over
    by blocks) looks at everyone sharing a language and keeps more, so almost all get placed."""
    sample, neighbours = (len(profiles), DENSE_NEIGHBOURS) if dense else (SAMPLE, NEIGHBOURS)
    pools = _Pools(profiles)
    rng = random.Random(len(profiles))  # reproducible for the same round
    edges: Edges = {}
    for a in profiles:
        blocked = forbidden.get(a.user_id, ())
        top = heapq.nlargest(neighbours, _scores(a, pools.candidates_for(a, rng, sample), blocked))
        for w, _, other in top:
            edges[(min(a.index, other), max(a.index, other))] = w
    return edges


def _scores(
    a: _Profile, candidates: Iterable[_Profile], blocked: Collection[str]
) -> list[tuple[int, int, int]]:
    """(SCALE * weight, tie-break, index) for each candidate `a` may meet; _scaled() inlined, as
    this is the inner loop of a round. Ties break by a hash of the two members, not by index:
    otherwise everyone's top picks among equals are the same few people, and they can't all
    be matched."""
    out = []
    bases, tags, quarters = a.bases, a.tags, a.quarters
    for b in candidates:
        if not bases & b.bases or b.index == a.index or b.user_id in blocked:
            continue
        w = SCALE * (1 + 3 * (tags & b.tags).bit_count())
        if quarters is not None and b.quarters is not None:
            w += max(0, 2 * SCALE - abs(quarters - b.quarters))
        out.append((w, ((a.index ^ b.index) * 2654435761) & 0xFFFFFFFF, b.index))
    return out


def max_weight_pairs(size: int, edges: Edges) -> list[tuple[int, int]]:
    """The heaviest matching among those with the most pairs (exact), as sorted index pairs."""
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(size))
    graph.add_edges_from([(i, j, w) for (i, j), w in edges.items()])
    matching = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    return sorted((min(i, j), max(i, j)) for i, j in matching)


@dataclass
class Plan:
    """A round's pairs (indices into the people), before leftovers join a pair as a third, and
    every edge the matching looked at (for measuring how close to exact it came)."""

    pairs: list[tuple[int, int]]
    edges: Edges


def plan_round(
    people: list[Candidate],
    forbidden: set[frozenset[str]],
    at: datetime,
    *,
    exact_up_to: int = EXACT_UP_TO,
    block: int = BLOCK,
) -> Plan:
    """Pairs for a round: exact up to `exact_up_to` members, in blocks of `block` above."""
    plan = Plan([], {})
    by_member = _forbidden_by_member(forbidden)
    _blocked_match(plan, _profiles(people, at), by_member, exact_up_to, block)
    plan.pairs.sort()
    return plan


def _match(
    plan: Plan, profiles: list[_Profile], forbidden: Forbidden, *, dense: bool = False
) -> None:
    """Exact matching of these profiles over their own candidate graph, added to the plan."""
    local = _graph([_reindexed(p, i) for i, p in enumerate(profiles)], forbidden, dense=dense)
    for (i, j), w in local.items():
        x, y = profiles[i].index, profiles[j].index
        plan.edges[(min(x, y), max(x, y))] = w
    for i, j in max_weight_pairs(len(profiles), local):
        x, y = profiles[i].index, profiles[j].index
        plan.pairs.append((min(x, y), max(x, y)))


def _reindexed(p: _Profile, index: int) -> _Profile:
    return _Profile(index, p.user_id, p.tags, p.bases, p.quarters, p.key)


def _blocked_match(
    plan: Plan, profiles: list[_Profile], forbidden: Forbidden, exact_up_to: int, block: int
) -> None:
    before = len(plan.pairs)
    if len(profiles) <= exact_up_to:
        _match(plan, profiles, forbidden)
    else:
        ordered = sorted(profiles, key=lambda p: (p.key, p.quarters or 0, p.index))
        count = -(-len(ordered) // block)
        for k in range(count):
            _match(
                plan,
                ordered[k * len(ordered) // count : (k + 1) * len(ordered) // count],
                forbidden,
            )
    placed = {i for pair in plan.pairs[before:] for i in pair}
    rest = [p for p in profiles if p.index not in placed]
    # Whoever is left over gets another chance (across the blocks) on a denser graph: top
    # candidates are shared by many similar members, so a few can miss out on the sparse one.
    if 2 <= len(rest) <= DENSE_UP_TO and placed:
        _match(plan, rest, forbidden, dense=True)
    elif len(rest) > DENSE_UP_TO and placed:
        _blocked_match(plan, rest, forbidden, exact_up_to, block)


def pair_round(
    people: list[Candidate],
    forbidden: set[frozenset[str]],
    at: datetime,
    *,
    exact_up_to: int = EXACT_UP_TO,
    block: int = BLOCK,
) -> tuple[list[tuple[str, ...]], list[str]]:
    """Groups of two (or three) and whoever could not be placed."""
    plan = plan_round(people, forbidden, at, exact_up_to=exact_up_to, block=block)
    return groups_of(people, plan, forbidden, at)


def groups_of(
    people: list[Candidate], plan: Plan, forbidden: set[frozenset[str]], at: datetime
) -> tuple[list[tuple[str, ...]], list[str]]:
    """The plan's pairs as groups, each leftover joining the pair they fit best as a third."""
    groups: list[list[str]] = sorted(
        sorted((people[i].user_id, people[j].user_id)) for i, j in plan.pairs
    )
    placed = {u for g in groups for u in g}
    by_id = {p.user_id: p for p in _profiles(people, at)}
    by_member = _forbidden_by_member(forbidden)
    left: list[str] = []
    for user in sorted(set(by_id) - placed):
        best = _best_group(by_id, user, groups, by_member)
        if best is not None:
            best.append(user)
        else:
            left.append(user)
    return [tuple(g) for g in groups], left


def _best_group(
    by_id: dict[str, _Profile], user: str, groups: list[list[str]], forbidden: Forbidden
) -> list[str] | None:
    """The pair a leftover fits best (by their weaker link), or None if no pair will do."""
    me, blocked = by_id[user], forbidden.get(user, set())
    ceiling = SCALE * (3 + 3 * me.tags.bit_count())  # no pair can fit better than this
    best, best_w = None, 0
    for g in groups:
        if len(g) != 2 or not me.bases & by_id[g[0]].bases & by_id[g[1]].bases:
            continue
        if blocked.intersection(g):
            continue
        w = min(_scaled(me, by_id[m]) for m in g)
        if w > best_w:
            best, best_w = g, w
            if w >= ceiling:
                break
    return best


def pairs_weight(edges: Edges, pairs: Iterable[tuple[int, int]]) -> float:
    """Total weight() of matched pairs, from the plan's edges."""
    return sum(edges[p] for p in pairs) / SCALE
