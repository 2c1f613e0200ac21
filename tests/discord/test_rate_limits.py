"""Discord's rate limits: the emulator enforces them as Discord does, with its headers, and the
adapter passes what the headers say on to the outbox's budget (bot.kernel.rate_budget), through
the real discord.py client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from adapters.discord import LIMITS
from bot.kernel import actions as a
from bot.kernel.events import Place
from bot.kernel.message import Message
from tests.emulators.discord.harness import DiscordCommunity, discord_community
from tests.emulators.discord.server import GUILD_ID, TOKEN, DiscordEmulator

pytestmark = [pytest.mark.discord, pytest.mark.e2e]


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    em = DiscordEmulator()
    await em.start()
    yield em
    await em.stop()


async def create(
    http: aiohttp.ClientSession, em: DiscordEmulator, channel: str
) -> aiohttp.ClientResponse:
    url = f"{em.api_base}/channels/{channel}/messages"
    async with http.post(
        url, json={"content": "hi"}, headers={"Authorization": f"Bot {TOKEN}"}
    ) as r:
        await r.read()
        return r


async def test_a_channels_message_bucket_answers_with_discords_headers(
    emulator: DiscordEmulator,
) -> None:
    channel = emulator.channel_id("general")
    async with aiohttp.ClientSession() as http:
        answers = [await create(http, emulator, channel) for _ in range(6)]
    first, fifth, sixth = answers[0], answers[4], answers[5]
    assert first.status == 200 and first.headers["X-RateLimit-Limit"] == "5"
    assert first.headers["X-RateLimit-Remaining"] == "4" and "X-RateLimit-Bucket" in first.headers
    assert fifth.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < float(fifth.headers["X-RateLimit-Reset-After"]) <= 5
    assert sixth.status == 429 and sixth.headers["X-RateLimit-Scope"] == "user"
    assert float(sixth.headers["Retry-After"]) > 0
    assert emulator.limits.invalid_requests == 1  # the 429 counts; the 200s do not


async def test_the_global_limit_is_50_a_second_per_token(emulator: DiscordEmulator) -> None:
    channels = [emulator.add_channel(f"c{i}") for i in range(60)]
    async with aiohttp.ClientSession() as http:
        answers = await asyncio.gather(*(create(http, emulator, c) for c in channels))
    limited = [r for r in answers if r.status == 429]
    assert sum(r.status == 200 for r in answers) == 50 and len(limited) == 10
    assert all(r.headers["X-RateLimit-Global"] == "true" for r in limited)
    assert all(r.headers["X-RateLimit-Scope"] == "global" for r in limited)
    assert emulator.limits.invalid_requests == 10


async def test_bad_tokens_and_429s_count_towards_a_ban(emulator: DiscordEmulator) -> None:
    emulator.limits.invalid_limit = 3
    channel = emulator.channel_id("general")
    url = f"{emulator.api_base}/channels/{channel}/messages"
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.post(
                url, json={"content": "x"}, headers={"Authorization": "Bot no"}
            ) as r:
                assert r.status == 401
        banned = await create(http, emulator, channel)
    assert banned.status == 429 and "X-RateLimit-Scope" not in banned.headers


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordCommunity]:
    async with discord_community(tmp_path) as community:
        yield community


async def test_a_global_429_holds_the_outbox_of_the_bot(dc: DiscordCommunity) -> None:
    """discord.py waits out a global 429 itself; the outbox's budget hears of it too, so the
    bot's other sends (in every process, on PostgreSQL) wait as well."""
    em = dc.emulator
    em.limits.global_per_second = 1
    general = em.channel_id("general")
    await asyncio.sleep(1.1)  # the start-up's requests are out of the window
    posts = [a.Post(Place("discord", GUILD_ID, general), Message(f"note {i}")) for i in range(3)]
    results = await asyncio.gather(*(dc.adapter.platform.execute(p) for p in posts))
    assert all(r.ok for r in results)  # discord.py retried after the 429s
    assert em.limits.global_limited >= 1
    assert dc.adapter.client.headers.global_429s == em.limits.global_limited
    em.limits.global_per_second = 50
    dc.adapter.client.headers.seen(
        f"{em.api_base}/channels/{general}/messages",
        429,
        {"Retry-After": "30", "X-RateLimit-Scope": "global", "X-RateLimit-Global": "true"},
    )
    assert dc.app.outbox.limiter.wait_for("discord", "ch:elsewhere", LIMITS) > 25
