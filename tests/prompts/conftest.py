from __future__ import annotations

import pytest

from tests.conftest import RecordingConsole


def prompt_posts(community: RecordingConsole, channel: str = "prompts") -> list[str]:
    """Texts of the prompts the bot posted in a channel (not thread replies)."""
    platform = community.platform
    return [
        m.text
        for m in platform.messages.values()
        if m.channel == channel
        and m.thread is None
        and m.author_id == platform.bot.user_id
        and "question ·" in m.text
    ]


@pytest.fixture
async def organizer(community: RecordingConsole) -> RecordingConsole:
    await community.type("/as Lucia organizer")
    return community
