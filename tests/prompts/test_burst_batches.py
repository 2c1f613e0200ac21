"""A burst on SQLite: hundreds of schedules due in one tick, batched and one by one mixed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.kernel.app import App
from bot.kernel.store import aware
from bot.kernel.store.models import Community, OutboxEntry
from bot.prompts import engine, tick
from bot.prompts.models import PromptPost, PromptSchedule
from tests.conftest import START

pytestmark = pytest.mark.scheduling


def schedule(channel: str, at_seconds_ago: int, **extra: object) -> PromptSchedule:
    return PromptSchedule(
        platform="console",
        community_id="home",
        channel=channel,
        theme="red-flags",
        rule="0 19 * * 1",
        timezone="Europe/Berlin",
        next_fire_at=START - timedelta(seconds=at_seconds_ago),
        created_by="org",
        created_at=START - timedelta(days=1),
        **extra,
    )


async def test_a_burst_posts_every_due_schedule_once_in_due_order(app: App) -> None:
    with app.store.session() as s:
        s.add(Community(platform="console", community_id="home", created_at=START))
        for i in range(600):  # more than two batches, due one second apart, oldest first
            s.add(schedule(f"c{i}", 600 - i))
        s.add(schedule("series", 5, occurrences_left=2))
        s.add(schedule("pinned", 5, pinned_prompt="red-01"))
        s.add(schedule("paused", 5, paused=True))
        s.add(schedule("shared", 3))
        s.add(schedule("shared", 2))  # same channel and theme: the second must not repeat
    await tick.run_due(app, START)
    await tick.run_due(app, START)  # a second tick finds nothing left to do

    with app.store.session() as s:
        posts = s.exec(select(PromptPost)).all()
        entries = s.exec(
            select(OutboxEntry)
            .where(OutboxEntry.kind == engine.POST_KIND)
            .order_by(col(OutboxEntry.id))
        ).all()
        schedules = s.exec(select(PromptSchedule)).all()
    by_channel: dict[str, list[PromptPost]] = {}
    for p in posts:
        by_channel.setdefault(p.channel, []).append(p)
    assert len(posts) == 604 and "paused" not in by_channel
    assert all(len(v) == 1 for k, v in by_channel.items() if k != "shared")
    shared = by_channel["shared"]
    assert len(shared) == 2 and shared[0].prompt_id != shared[1].prompt_id
    assert len(entries) == len(posts)  # one post queued per claim, none twice
    post_of = {p.id: p for p in posts}
    fired = [post_of[e.context["post_id"]] for e in entries]
    batched = [p.fire_at for p in fired if p.channel.startswith("c")]
    assert batched == sorted(batched)  # queued in due order
    assert by_channel["pinned"][0].prompt_id == "red-01"
    series = next(x for x in schedules if x.channel == "series")
    assert series.occurrences_left == 1
    moved = [x for x in schedules if not x.paused]
    assert all((aware(x.next_fire_at) or START) > START for x in moved)
