"""The crisis pathway in the console community: levels reach the right cards, replies come in
the member's language, nothing is public, nothing of the message reaches the logs."""

from __future__ import annotations

import logging

import pytest

from bot.safety import replies
from bot.safety.language import SAFETY_LANGUAGES
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.safety
BOT = "crossings-bot"


def posted(community: RecordingConsole, channel: str) -> list[str]:
    return [m.text for m in community.platform.messages.values() if m.channel == channel]


def public_bot_posts(community: RecordingConsole) -> list[str]:
    return [
        m.text
        for m in community.platform.messages.values()
        if m.author_id == BOT and m.channel not in {"moderators"} and not m.channel.startswith("@")
    ]


async def setup(community: RecordingConsole, member: str) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators")
    await community.type(f"/as {member}", "/in #general")


async def test_urgent_reply_in_the_members_language_and_an_urgent_card(
    community: RecordingConsole,
) -> None:
    await setup(community, "Lucia")
    await community.type("anoche me agarró del cuello y no podía respirar")
    dms = posted(community, "@lucia")
    assert any(replies.text("urgent", "es")[:40] in t for t in dms)
    queue = posted(community, "moderators")
    assert any("Urgent" in t for t in queue)
    assert public_bot_posts(community) == []


async def test_concern_gets_a_gentle_reply_and_an_ordinary_card(
    community: RecordingConsole,
) -> None:
    await setup(community, "Jana")
    await community.type("mein Mann hat meinen Pass weggeschlossen und gibt ihn nicht raus")
    dms = posted(community, "@jana")
    assert any(replies.text("concern", "de")[:40] in t for t in dms)
    queue = posted(community, "moderators")
    assert any("may need support" in t for t in queue)
    assert not any("Urgent" in t for t in queue)
    assert public_bot_posts(community) == []


async def test_a_direct_message_to_the_bot_is_scanned(community: RecordingConsole) -> None:
    await setup(community, "Mai")
    await community.type("/dm", "เขาขู่ว่าจะฆ่าเราถ้าเราหนีไป")
    assert any(replies.text("urgent", "th")[:30] in t for t in posted(community, "@mai"))
    assert any("Urgent" in t for t in posted(community, "moderators"))


async def test_everyday_idioms_reach_nobody(community: RecordingConsole) -> None:
    await setup(community, "Sam")
    await community.type("I'm dying to see everyone at the picnic!", "je tuerais pour un café là")
    assert posted(community, "@sam") == []
    assert posted(community, "moderators") == []


async def test_no_message_text_in_logs(
    community: RecordingConsole, caplog: pytest.LogCaptureFixture
) -> None:
    await setup(community, "Amira")
    secret = "he took my passport and says he will have me deported, flat 12 Rosewood"
    with caplog.at_level(logging.DEBUG):
        await community.type(secret)
    assert posted(community, "moderators")
    assert not [r for r in caplog.records if "Rosewood" in r.getMessage()]


async def test_help_now_speaks_the_members_language(community: RecordingConsole) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators", "/as Amira")
    out = await community.type("/help-now")
    assert replies.text("help_now", "en")[:30] in out


def test_safety_texts_exist_in_all_twenty_languages() -> None:
    texts = replies.catalog()
    assert set(texts) == set(SAFETY_LANGUAGES)
    english = texts["en"]
    for lang, entries in texts.items():
        assert set(entries) == set(replies.KEYS)
        if lang != "en":
            assert all(entries[k] != english[k] for k in replies.KEYS), lang
    assert replies.pick_language("pt-BR") == "pt"
    assert replies.pick_language("xx", None) == "en"
