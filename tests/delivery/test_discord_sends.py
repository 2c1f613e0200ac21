"""Discord: each outbox entry appears once on Discord, whatever is lost on the way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kernel import actions as a
from bot.kernel.events import Place
from bot.kernel.message import Message
from tests.delivery.helpers import card, enqueue, entry, process, prompt_post, real_now
from tests.emulators.discord.harness import DiscordCommunity, discord_community

pytestmark = [pytest.mark.delivery, pytest.mark.discord, pytest.mark.e2e]


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordCommunity]:
    async with discord_community(tmp_path) as community:
        community.member("111", "Amira")
        yield community


def posts_with_threads(dc: DiscordCommunity, channel: str) -> tuple[int, int, int]:
    """(posts, threads, replies in those threads) as the emulator holds them."""
    em = dc.emulator
    posts = em.created(channel)
    threads = [c for c in em.channels.values() if c.get("parent_id") == channel]
    replies = sum(len(em.created(t["id"])) for t in threads)
    return len(posts), len(threads), replies


async def test_a_create_whose_response_is_lost_is_not_posted_twice(dc: DiscordCommunity) -> None:
    em = dc.emulator
    prompts = em.channel_id("prompts")
    em.lose_response("POST", f"/channels/{prompts}/messages", times=1)
    eid = enqueue(dc.app, prompt_post("discord", dc.guild, prompts))
    out = process(dc.app, "p1")
    await out.deliver_due(real_now())
    assert entry(dc.app, eid).status == "pending"  # the outcome was unknown: retried later
    await out.deliver_due(real_now() + timedelta(minutes=5))
    assert entry(dc.app, eid).status == "sent"
    assert posts_with_threads(dc, prompts) == (1, 1, 1)
    creates = em.calls("POST", f"/channels/{prompts}/messages")
    nonces = {c.body["nonce"] for c in creates if c.path.endswith("/messages")}
    assert len(nonces) == 1 and all(c.body.get("enforce_nonce") for c in creates[:2])


async def test_a_forum_post_whose_response_is_lost_is_found_not_posted_twice(
    dc: DiscordCommunity,
) -> None:
    """Discord takes no nonce for a forum post: the retry finds it among the guild's active
    threads (started by the bot, same name, same starter) and only adds the first reply."""
    em = dc.emulator
    forum = em.channel_id("stories")
    em.lose_response("POST", f"/channels/{forum}/threads", times=1)
    eid = enqueue(dc.app, prompt_post("discord", dc.guild, forum))
    out = process(dc.app, "p1")
    await out.deliver_due(real_now())
    assert entry(dc.app, eid).status == "pending"  # the outcome was unknown: retried later
    await out.deliver_due(real_now() + timedelta(minutes=5))
    assert entry(dc.app, eid).status == "sent"
    threads = [c for c in em.channels.values() if c.get("parent_id") == forum]
    assert len(threads) == 1 and len(em.calls("POST", f"/channels/{forum}/threads")) == 1
    assert em.calls("GET", f"/guilds/{dc.guild}/threads/active")  # looked before posting again
    assert entry(dc.app, eid).result["thread_id"] == threads[0]["id"]
    assert len(em.created(threads[0]["id"])) == 2  # the starter and the first reply, once


async def test_a_forum_post_with_the_same_name_but_other_words_is_still_posted(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    forum = em.channel_id("stories")
    enqueue(dc.app, prompt_post("discord", dc.guild, forum))
    await process(dc.app, "p1").deliver_due(real_now())
    other = prompt_post("discord", dc.guild, forum)
    other = a.Post(other.place, Message(title=other.message.title, text="Another question"),
                   thread_name=other.thread_name)  # fmt: skip
    em.lose_response("POST", f"/channels/{forum}/threads", times=1)
    eid = enqueue(dc.app, other)
    out = process(dc.app, "p2")
    await out.deliver_due(real_now())
    await out.deliver_due(real_now() + timedelta(minutes=5))
    assert entry(dc.app, eid).status == "sent"
    threads = [c for c in em.channels.values() if c.get("parent_id") == forum]
    assert len(threads) == 2  # the lost one, found; the first is not taken for it
    assert entry(dc.app, eid).result["thread_id"] == threads[-1]["id"]


async def test_a_lost_thread_response_finishes_the_thread_without_reposting(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    prompts = em.channel_id("prompts")
    em.lose_response("POST", f"/channels/{prompts}/messages/", times=1)  # the thread create
    eid = enqueue(dc.app, prompt_post("discord", dc.guild, prompts))
    out = process(dc.app, "p1")
    await out.deliver_due(real_now())
    await out.deliver_due(real_now() + timedelta(minutes=5))
    assert entry(dc.app, eid).status == "sent"
    assert posts_with_threads(dc, prompts) == (1, 1, 1)
    assert entry(dc.app, eid).result["thread_id"] == entry(dc.app, eid).result["message_id"]


async def test_a_restart_after_the_post_only_creates_the_thread(dc: DiscordCommunity) -> None:
    em = dc.emulator
    prompts = em.channel_id("prompts")
    em.fail("POST", f"/channels/{prompts}/messages/", 503, times=1)  # the thread fails
    eid = enqueue(dc.app, prompt_post("discord", dc.guild, prompts))
    await process(dc.app, "before-restart").deliver_due(real_now())
    assert entry(dc.app, eid).result["steps"]["post"]  # the post is recorded as done
    restarted = process(dc.app, "after-restart")
    await restarted.deliver_due(real_now() + timedelta(minutes=5))
    assert entry(dc.app, eid).status == "sent"
    assert posts_with_threads(dc, prompts) == (1, 1, 1)
    assert len([c for c in em.calls("POST", f"/channels/{prompts}/messages") if c.status]) == 3


async def test_a_send_outliving_its_lease_is_not_delivered_twice(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = em.channel_id("moderators")
    em.fail("POST", f"/channels/{queue}/messages", 429, times=1, retry_after=1.5)
    eid = enqueue(dc.app, card("discord", dc.guild, queue))
    lease = timedelta(seconds=0.6)
    first = asyncio.create_task(process(dc.app, "slow", lease).deliver_due(real_now()))
    await asyncio.sleep(0.9)  # past the first lease: a second process looks for work
    taken = await process(dc.app, "eager", lease).deliver_due(real_now())
    await first
    assert taken == 0  # the lease was renewed while discord.py waited out the 429
    assert entry(dc.app, eid).status == "sent"
    assert len(em.created(queue)) == 1


async def test_a_fenced_off_send_cannot_complete_twice(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = em.channel_id("moderators")
    em.fail("POST", f"/channels/{queue}/messages", 0, times=1, stall=1.0)  # a paused process
    eid = enqueue(dc.app, card("discord", dc.guild, queue))
    paused = asyncio.create_task(process(dc.app, "paused").deliver_due(real_now()))
    await asyncio.sleep(0.3)
    # Much later by another process's clock, the lease looks expired and is taken over.
    later = real_now() + timedelta(minutes=2)
    assert await process(dc.app, "taker", clock=lambda: later).deliver_due(later) == 1
    await paused
    assert entry(dc.app, eid).status == "sent"
    assert len(em.created(queue)) == 1  # the same nonce returned the existing message


async def test_a_dm_whose_response_is_lost_arrives_once(dc: DiscordCommunity) -> None:
    em = dc.emulator
    em.lose_response("POST", "/channels/", times=1)
    action = a.SendPrivate(Place("discord", dc.guild), "111", Message(text="A note from the mods"))
    eid = enqueue(dc.app, action)
    out = process(dc.app, "p1")
    await out.deliver_due(real_now())
    await out.deliver_due(real_now() + timedelta(minutes=5))
    assert entry(dc.app, eid).status == "sent"
    assert len(em.dm_messages("111")) == 1


async def test_a_500_retried_inside_discord_py_posts_once(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = em.channel_id("moderators")
    em.lose_response("POST", f"/channels/{queue}/messages", times=1)
    em.fail("POST", f"/channels/{queue}/messages", 500, times=1)
    eid = enqueue(dc.app, card("discord", dc.guild, queue))
    out = process(dc.app, "p1")
    for step in range(3):
        await out.deliver_due(real_now() + timedelta(minutes=5 * step))
    assert entry(dc.app, eid).status == "sent"
    assert len(em.created(queue)) == 1


async def test_the_emulator_enforces_nonces_as_discord_documents(dc: DiscordCommunity) -> None:
    http = dc.adapter.client.http
    general = int(dc.emulator.channel_id("general"))
    plain = [await http.request(_route(general), json={"content": "x", "nonce": "n1"})]
    plain.append(await http.request(_route(general), json={"content": "x", "nonce": "n1"}))
    assert plain[0]["id"] != plain[1]["id"]  # a nonce alone does not deduplicate
    body = {"content": "y", "nonce": "n2", "enforce_nonce": True}
    first = await http.request(_route(general), json=body)
    again = await http.request(_route(general), json=body)
    assert first["id"] == again["id"]


def _route(channel: int) -> object:
    import discord

    return discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
