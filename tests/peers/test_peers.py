"""Peer matching: opt-in, rounds, constraints, introductions, check-ins and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.kernel.clock import SimulatedClock
from bot.kernel.store import Store
from bot.peers import run_due
from bot.peers.matching import Candidate, pair_round
from bot.peers.models import PeerPair, PeerProfile, PeerRound
from crossings import build_app
from crossings.settings import Settings
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.peers
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def join(c: RecordingConsole, name: str, tags: str, langs: str = "en") -> None:
    await c.type(f"/as {name}", f'/peers join tags:"{tags}" languages:"{langs}"')


async def schedule(c: RecordingConsole) -> None:
    await c.type("/as Lucia organizer", "/peers schedule every:weekly channel:#general")


def pairs(c: RecordingConsole) -> list[list[str]]:
    with c.app.store.session() as s:
        return [sorted(p.members) for p in s.exec(select(PeerPair).order_by(PeerPair.id))]


async def test_opt_in_status_pause_and_leave(community: RecordingConsole) -> None:
    assert "haven't joined" in await community.type("/as Amira", "/peers status")
    assert "don't know the topic" in await community.type(
        '/peers join tags:"astrology" languages:en'
    )
    await join(community, "Amira", "long-distance, faith-differences", "en, es")
    assert "long distance" in await community.type("/peers status")
    assert "Paused" in await community.type("/peers pause for:14d")
    assert "paused" in await community.type("/peers status")
    await community.type("/peers leave")
    with community.app.store.session() as s:
        assert s.exec(select(PeerProfile)).all() == []


async def test_a_round_pairs_by_shared_tags_and_language(community: RecordingConsole) -> None:
    await join(community, "Amira", "living-in-partners-country", "en, es")
    await join(community, "Kenji", "living-in-partners-country", "en, ja")
    await join(community, "Sofia", "money-across-borders", "es")
    await join(community, "Mateo", "money-across-borders", "es")
    await schedule(community)
    await community.type("/clock +2h")
    assert sorted(pairs(community)) == [["amira", "kenji"], ["mateo", "sofia"]]
    intro = [m.text for m in community.platform.messages.values() if "Meet someone" in m.text]
    assert len(intro) == 2 and any("living in my partner's country" in t for t in intro)
    assert all(t.count("A question to start with") == 2 for t in intro)


async def test_paused_and_blocked_members_are_respected(community: RecordingConsole) -> None:
    for name in ("Amira", "Kenji", "Sofia"):
        await join(community, name, "long-distance")
    await community.type("/as Amira", "/peers block member:@kenji")
    await community.type("/as Sofia", "/peers pause for:30d")
    await schedule(community)
    await community.type("/clock +2h")
    assert pairs(community) == []  # Amira and Kenji may not meet; Sofia is paused
    dms = [
        m.text for m in community.platform.messages.values() if m.channel in ("@amira", "@kenji")
    ]
    assert sum("wasn't a good match" in t for t in dms) == 2


async def test_odd_numbers_make_a_trio_and_pairs_do_not_repeat(community: RecordingConsole) -> None:
    for name in ("Amira", "Kenji", "Sofia"):
        await join(community, name, "long-distance")
    await schedule(community)
    await community.type("/clock +2h")
    assert pairs(community) == [["amira", "kenji", "sofia"]]
    await community.type("/clock +7d")
    assert len(pairs(community)) == 1  # everyone met everyone last round: no repeat pairs


async def test_check_in_and_blocking_from_it(community: RecordingConsole) -> None:
    await join(community, "Amira", "long-distance")
    await join(community, "Kenji", "long-distance")
    await schedule(community)
    await community.type("/clock +2h", "/clock +3d")
    assert any(
        "Did you get to talk" in m.text
        for m in community.platform.messages.values()
        if m.channel == "@amira"
    )
    await community.type("/as Amira", "/dm", '/click "Don\'t pair us again"')
    await community.type("/clock +7d")
    assert len(pairs(community)) == 1


async def test_a_restart_during_a_round_sends_no_double_introductions(
    store: Store, clock: SimulatedClock
) -> None:
    first = RecordingConsole(build_app(store, Settings(database_url=store.url), clock))
    await join(first, "Amira", "long-distance")
    await join(first, "Kenji", "long-distance")
    await schedule(first)
    clock.set(clock.now() + timedelta(hours=2))
    await run_due(first.app, clock.now())  # claimed and queued; "crashes" before delivering
    second = RecordingConsole(build_app(store, Settings(database_url=store.url), clock))
    await run_due(second.app, clock.now())  # the same round again: nothing new
    clock.set(clock.now() + timedelta(minutes=2))
    await second.app.tick()
    with store.session() as s:
        assert len(s.exec(select(PeerRound)).all()) == 1
        assert len(s.exec(select(PeerPair)).all()) == 1
    intros = [m for m in second.platform.messages.values() if "Meet someone" in m.text]
    assert len(intros) == 1


async def test_stats_show_counts_not_conversations(community: RecordingConsole) -> None:
    await join(community, "Amira", "long-distance")
    await join(community, "Kenji", "long-distance")
    await schedule(community)
    await community.type("/clock +2h")
    out = await community.type("/as Lucia organizer", "/peers stats")
    assert "1 introduction(s)" in out and "amira" not in out.lower().split("lucia")[-1]
    assert "Only organizers" in await community.type("/as Amira", "/peers stats")


people = st.lists(
    st.builds(
        Candidate,
        user_id=st.uuids().map(str),
        tags=st.frozensets(st.sampled_from(["a", "b", "c", "d"]), max_size=3),
        languages=st.frozensets(st.sampled_from(["en", "es", "ja"]), min_size=1, max_size=2),
        timezone=st.sampled_from(["Europe/Madrid", "Asia/Tokyo", "America/New_York", None]),
    ),
    max_size=14,
    unique_by=lambda c: c.user_id,
)


@settings(max_examples=60, deadline=None)
@given(people=people, block_fraction=st.floats(0, 0.3))
def test_every_member_is_placed_at_most_once_and_no_constraint_is_broken(
    people: list[Candidate], block_fraction: float
) -> None:
    forbidden = set()
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            if hash((a.user_id, b.user_id)) % 100 < block_fraction * 100:
                forbidden.add(frozenset((a.user_id, b.user_id)))
    groups, left = pair_round(people, forbidden, AT)
    placed = [u for g in groups for u in g]
    assert len(placed) == len(set(placed))  # nobody twice
    assert set(placed) | set(left) == {p.user_id for p in people}  # everyone accounted for
    by_id = {p.user_id: p for p in people}
    for g in groups:
        assert 2 <= len(g) <= 3
        for i, x in enumerate(g):
            for y in g[i + 1 :]:
                assert frozenset((x, y)) not in forbidden
        langs = [frozenset(x.split("-")[0] for x in by_id[u].languages) for u in g[:2]]
        assert langs[0] & langs[1]  # the pair shares a language
