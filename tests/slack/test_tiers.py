"""The Slack emulator enforces each Web API method's tier per workspace, as Slack does, and the
Slack adapter declares the same tiers to the outbox's pacing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.slack import tiers
from bot.kernel import actions as a
from tests.emulators.slack.server import BOT_TOKEN, SlackEmulator

pytestmark = [pytest.mark.slack]


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    em = SlackEmulator()
    await em.start()
    yield em
    await em.stop()


async def call(
    http: aiohttp.ClientSession, em: SlackEmulator, method: str, token: str
) -> aiohttp.ClientResponse:
    body = {"channel": "C0GENERAL", "ts": "1.0", "text": "x"}
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(f"{em.base_url}{method}", json=body, headers=headers) as r:
        await r.read()
        return r


async def test_a_tier_3_method_takes_50_calls_a_minute_per_workspace(
    emulator: SlackEmulator,
) -> None:
    async with aiohttp.ClientSession() as http:
        answers = [await call(http, emulator, "chat.update", BOT_TOKEN) for _ in range(51)]
        other_method = await call(http, emulator, "chat.postEphemeral", BOT_TOKEN)
        other_team = await call(http, emulator, "chat.update", "xoxb-another-workspace")
    assert all(r.status != 429 for r in answers[:50])
    assert answers[50].status == 429 and 1 <= int(answers[50].headers["Retry-After"]) <= 60
    assert other_method.status != 429  # each method has its own count
    assert other_team.status != 429  # and each workspace


def test_the_adapter_paces_each_method_at_its_tier() -> None:
    limits = tiers.LIMITS
    assert limits.per_kind_rate(a.EditMessage.__name__) == tiers.TIER_3
    assert limits.per_kind_rate(a.PublishHome.__name__) == tiers.TIER_4
    assert limits.per_kind_rate(a.Post.__name__) is None  # chat.postMessage: per channel
    assert limits.per_channel is not None and limits.per_channel.count == 1
