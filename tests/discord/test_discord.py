"""The Discord adapter end to end: the real discord.py client against the loopback emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.emulators.discord.harness import DiscordCommunity, discord_community
from tests.emulators.discord.server import APP_ID

pytestmark = [pytest.mark.discord, pytest.mark.e2e]


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordCommunity]:
    async with discord_community(tmp_path) as community:
        community.member("111", "Amira")
        community.member("222", "Sam")
        community.member("333", "Noor", ("Moderators",))
        community.member("444", "Lucia", ("Organizers",))
        yield community


async def test_login_and_command_sync(dc: DiscordCommunity) -> None:
    em = dc.emulator
    assert em.identifies == 1
    assert [r.path for r in em.calls("GET", "/users/@me")]
    synced = em.commands["global"]
    names = {c["name"] for c in synced}
    assert {"help", "report", "mod", "prompt", "Report message"} <= names
    mod = next(c for c in synced if c["name"] == "mod")
    warn = next(o for o in mod["options"] if o["name"] == "warn")
    assert warn["type"] == 1 and warn["options"][0]["type"] == 6  # a member option
    assert all(c["application_id"] == APP_ID for c in synced)


async def test_a_slash_command_is_answered_ephemerally(dc: DiscordCommunity) -> None:
    it = await dc.emulator.slash("111", dc.emulator.channel_id("general"), "help")
    response = await dc.answered(it)
    assert response["type"] == 4
    assert response["data"]["flags"] & 64  # ephemeral
    assert "What you can do here" in response["data"]["embeds"][0]["title"]
