"""The crisis pathway in the console community: levels reach the right cards, replies come in
the member's language, nothing is public, nothing of the message reaches the logs."""

from __future__ import annotations

import logging
from datetime import timedelta

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
    assert any(replies.text("danger", "es")[:40] in t for t in dms)
    queue = posted(community, "moderators")
    assert any("Urgent" in t for t in queue)
    assert public_bot_posts(community) == []


async def test_concern_gets_a_gentle_reply_and_an_ordinary_card(
    community: RecordingConsole,
) -> None:
    await setup(community, "Jana")
    await community.type("mein Mann hat meinen Pass weggeschlossen und gibt ihn nicht raus")
    dms = posted(community, "@jana")
    assert any(replies.text("control", "de")[:40] in t for t in dms)
    queue = posted(community, "moderators")
    assert any("may need support" in t for t in queue)
    assert not any("Urgent" in t for t in queue)
    assert public_bot_posts(community) == []


async def test_a_direct_message_to_the_bot_is_scanned(community: RecordingConsole) -> None:
    await setup(community, "Mai")
    await community.type("/dm", "เขาขู่ว่าจะฆ่าเราถ้าเราหนีไป")
    dms = posted(community, "@mai")
    assert any(replies.text("danger", "th")[:30] in t for t in dms)
    assert any("Urgent" in t for t in posted(community, "moderators"))
    # a DM that is a crisis is answered as one, not also filed as a report
    answers = [m for m in community.platform.messages.values() if m.author_id == BOT]
    assert len([m for m in answers if m.channel == "@mai"]) == 1
    assert not any("report" in t.lower() for t in posted(community, "moderators"))


async def test_an_ordinary_dm_to_the_bot_is_still_a_report(community: RecordingConsole) -> None:
    await setup(community, "Mai")
    await community.type("/dm", "someone in #general keeps sending me creepy messages")
    assert any("report" in t.lower() for t in posted(community, "@mai"))
    assert not any("Urgent" in t for t in posted(community, "moderators"))


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


def test_safety_texts_exist_in_all_twenty_four_languages() -> None:
    texts = replies.catalog()
    assert set(texts) == set(SAFETY_LANGUAGES)
    english = texts["en"]
    for lang, entries in texts.items():
        assert set(entries) == set(replies.KEYS)
        if lang != "en":
            assert all(entries[k] != english[k] for k in replies.KEYS), lang
    assert replies.pick_language("pt-BR") == "pt"
    assert replies.pick_language("xx", None) == "en"


async def test_each_family_of_signs_gets_its_own_reply_in_the_members_language(
    community: RecordingConsole,
) -> None:
    await setup(community, "Rosa")
    await community.type("ya no quiero vivir, tengo guardadas las pastillas para esta noche")
    await community.type("/as Jana", "/in #general")
    await community.type("er hat mich gestern Abend gewürgt, bis ich keine Luft mehr bekam")
    await community.type("/as Claire", "/in #general")
    await community.type("mon mari garde mon passeport et refuse de me le rendre")
    assert any(replies.text("suicide", "es")[:40] in t for t in posted(community, "@rosa"))
    assert any(replies.text("danger", "de")[:40] in t for t in posted(community, "@jana"))
    assert any(replies.text("control", "fr")[:40] in t for t in posted(community, "@claire"))
    families = {replies.text(f, "en") for f in replies.FAMILIES}
    assert len(families) == 3  # three different texts, not one text three times


async def test_an_urgent_signal_after_a_concern_gets_the_urgent_reply_and_card(
    community: RecordingConsole,
) -> None:
    await setup(community, "Lena")
    await community.type("my husband keeps my passport and says he will call immigration on me")
    assert len(posted(community, "@lena")) == 1
    assert not any("Urgent" in t for t in posted(community, "moderators"))
    community.app.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    await community.type(
        "tonight I will take the pills I have been saving. I wrote letters for my children"
    )
    dms = posted(community, "@lena")
    assert len(dms) == 2
    assert replies.text("suicide", "en")[:40] in dms[1]
    assert any("Urgent" in t for t in posted(community, "moderators"))


async def test_a_repeat_within_the_limit_updates_the_moderators_card(
    community: RecordingConsole,
) -> None:
    await setup(community, "Noor")
    await community.type("he took my residence card and locked it in his office")
    community.app.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    await community.type("he also checks my phone every night and reads all my chats")
    assert len(posted(community, "@noor")) == 1  # the member is not written to twice
    cards = posted(community, "moderators")
    assert len(cards) == 1  # the card was edited, not duplicated
    assert "2 in this window" in cards[0]
    assert "reads all my chats" in cards[0]  # the newest excerpt


async def test_the_card_names_the_members_country_or_says_it_is_not_known(
    community: RecordingConsole,
) -> None:
    await setup(community, "Omar")
    await community.type("I don't want to live anymore")
    await community.type("/as Lucia", "/support location city:Madrid country:ES", "/in #general")
    await community.type("ya no quiero vivir")
    cards = "\n".join(posted(community, "moderators"))
    assert "(country: not known)" in cards  # Omar never said where he lives
    assert "(country: ES)" in cards
    assert "XX" not in cards


async def test_the_suicide_reply_says_why_the_directory_stands_in(
    community: RecordingConsole,
) -> None:
    """No country given: the reply says so (not "no line for your country"); a country given
    that has no checked crisis line: the reply says that, and the card names the country."""
    await setup(community, "Omar")
    await community.type("I don't want to live anymore")
    # Greece: no national crisis line checked yet (`crossings directory stats`, missing lines).
    await community.type("/as Giulia", "/support location city:Athens country:GR", "/in #general")
    await community.type("I don't want to live anymore")
    assert any(replies.text("suicide_unknown", "en")[-60:] in t for t in posted(community, "@omar"))
    giulia = posted(community, "@giulia")
    assert any(replies.text("suicide_directory", "en")[-60:] in t for t in giulia)
    assert "(country: GR)" in "\n".join(posted(community, "moderators"))
