"""The crisis pathway through the real client libraries: channel messages and DMs on Discord
and Slack reach the detector, answers come privately and in the member's language."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.safety import replies
from bot.safety.models import SafetySignal
from tests.discord.test_discord import dc, set_queue, texts
from tests.emulators.discord.harness import DiscordCommunity
from tests.emulators.slack.harness import SlackWorkspace
from tests.slack.test_slack import text_of, ws

pytestmark = [pytest.mark.safety, pytest.mark.e2e]
__all__ = ["dc", "ws"]  # the platforms' own fixtures, reused


def carded(dc: DiscordCommunity, queue: str) -> bool:
    return any("member" in t.lower() for t in texts(dc.emulator.in_channel(queue)))


@pytest.mark.discord
async def test_a_dm_on_discord_gets_an_urgent_reply_in_its_language(dc: DiscordCommunity) -> None:
    em = dc.emulator
    await set_queue(dc)
    await em.dm_bot("111", "он сказал что убьет меня если я уйду")
    await dc.settle(lambda: len(em.dm_messages("111")) > 1)
    answers = texts(em.dm_messages("111"))[1:]
    assert any(replies.text("danger", "ru")[:30] in t for t in answers)


@pytest.mark.discord
async def test_concern_on_discord_reaches_an_ordinary_card(dc: DiscordCommunity) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    await em.post("111", em.channel_id("general"), "mon mari garde mon passeport sous clé")
    await dc.settle(lambda: em.dm_messages("111") and carded(dc, queue))
    assert any(replies.text("control", "fr")[:30] in t for t in texts(em.dm_messages("111")))
    cards = texts(em.in_channel(queue))
    assert any("may need support" in t for t in cards)
    assert not any("Urgent" in t for t in cards)


@pytest.mark.slack
async def test_the_crisis_pathway_on_slack_answers_in_spanish(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.say("UAMIRA", "quiero morirme, ya no puedo más")
    await ws.settle(lambda: em.dms("UAMIRA") and em.posted("C0MODS"))
    assert any(replies.text("suicide", "es")[:30] in text_of(m) for m in em.dms("UAMIRA"))
    assert any("Urgent" in text_of(m) for m in em.posted("C0MODS"))
    assert not em.posted("C0GENERAL")


@pytest.mark.slack
async def test_a_dm_on_slack_is_scanned(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.say("UAMIRA", "dia ngancam bunuh aku kalau aku pergi", channel="D0AMIRA")
    await ws.settle(lambda: em.dms("UAMIRA") and em.posted("C0MODS"))
    assert any(replies.text("danger", "id")[:30] in text_of(m) for m in em.dms("UAMIRA"))
    assert any("Urgent" in text_of(m) for m in em.posted("C0MODS"))


UNREACHED = "Could not reach them privately: DMs closed"
CONCERN = "my husband keeps my passport and says he will call immigration on me"
URGENT = "tonight I will take the pills I have been saving. I wrote letters for my children"
REPEAT = "he also reads every message on my phone at night"


@pytest.mark.discord
async def test_on_discord_urgent_after_concern_gets_its_reply_and_a_repeat_updates_the_card(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    general = em.channel_id("general")
    await em.post("111", general, CONCERN)
    await dc.settle(lambda: em.dm_messages("111") and carded(dc, queue))
    dc.app.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    await em.post("111", general, URGENT)
    await dc.settle(lambda: any("Urgent" in t for t in texts(em.in_channel(queue))))
    dms = texts(em.dm_messages("111"))
    assert any(replies.text("control", "en")[:30] in t for t in dms)
    assert any(replies.text("suicide", "en")[:30] in t for t in dms)
    before = len(em.dm_messages("111"))
    await em.post("111", general, REPEAT)
    await dc.settle(lambda: any("2 in this window" in t for t in texts(em.in_channel(queue))))
    assert len(em.dm_messages("111")) == before  # not written to again
    cards = [t for t in texts(em.in_channel(queue)) if "member" in t.lower()]
    assert len(cards) == 2  # the urgent card was edited, not a third card
    assert any("reads every message" in t and "Urgent" in t for t in cards)


@pytest.mark.slack
async def test_on_slack_urgent_after_concern_gets_its_reply_and_a_repeat_updates_the_card(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    await ws.say("UAMIRA", CONCERN)
    await ws.settle(lambda: em.dms("UAMIRA") and em.posted("C0MODS"))
    ws.app.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    await ws.say("UAMIRA", URGENT)
    await ws.settle(lambda: any("Urgent" in text_of(m) for m in em.posted("C0MODS")))
    dms = [text_of(m) for m in em.dms("UAMIRA")]
    assert any(replies.text("control", "en")[:30] in t for t in dms)
    assert any(replies.text("suicide", "en")[:30] in t for t in dms)
    before = len(em.dms("UAMIRA"))
    await ws.say("UAMIRA", REPEAT)
    await ws.settle(lambda: any("2 in this window" in text_of(m) for m in em.posted("C0MODS")))
    assert len(em.dms("UAMIRA")) == before
    cards = [text_of(m) for m in em.posted("C0MODS")]
    assert len(cards) == 2
    assert any("reads every message" in t and "Urgent" in t for t in cards)


@pytest.mark.discord
async def test_on_discord_the_card_says_when_the_member_could_not_be_reached(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    em.closed_dms.add("111")  # the member accepts no DMs: Discord answers 403, 50007
    await em.post("111", em.channel_id("general"), URGENT)
    await dc.settle(lambda: any(UNREACHED in t for t in texts(em.in_channel(queue))))
    cards = [t for t in texts(em.in_channel(queue)) if "Urgent" in t]
    assert len(cards) == 1 and UNREACHED in cards[0]  # corrected in place
    assert "reach them another way" in cards[0]  # and what to do instead
    assert "They were sent helplines" not in cards[0]
    assert em.dm_messages("111") == []
    await dc.settle(lambda: any("Could not deliver" in t for t in texts(em.in_channel(queue))))
    (failure,) = [t for t in texts(em.in_channel(queue)) if "Could not deliver" in t]
    assert "<@111>" in failure and "DMs closed" in failure  # whom, and why in plain words
    assert "permissions" not in failure


@pytest.mark.slack
async def test_on_slack_the_card_says_when_the_member_could_not_be_reached(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    em.closed_dms.add("UAMIRA")  # the app's Messages tab is off: messages_tab_disabled
    await ws.say("UAMIRA", URGENT)
    await ws.settle(lambda: any(UNREACHED in text_of(m) for m in em.posted("C0MODS")))
    cards = [text_of(m) for m in em.posted("C0MODS") if "Urgent" in text_of(m)]
    assert len(cards) == 1 and UNREACHED in cards[0]
    assert "messages_tab_disabled" not in cards[0]  # plain words, not the platform's code
    await ws.settle(lambda: any("Could not deliver" in text_of(m) for m in em.posted("C0MODS")))
    (failure,) = [text_of(m) for m in em.posted("C0MODS") if "Could not deliver" in text_of(m)]
    assert "<@UAMIRA>" in failure and "DMs closed" in failure


# --- "Don't contact me" ------------------------------------------------------------------------


def _discord_button(msg: dict[str, object], label: str) -> dict[str, object]:
    rows = msg.get("components") or []
    return next(
        b
        for row in rows  # type: ignore[attr-defined]
        for b in row["components"]
        if b.get("label") == label
    )


def _slack_button(msg: dict[str, object], label: str) -> dict[str, object]:
    return next(
        e
        for b in msg.get("blocks") or []  # type: ignore[attr-defined]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("text", {}).get("text") == label
    )


@pytest.mark.discord
async def test_on_discord_dont_contact_me_reaches_the_moderators_card(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    await em.post("111", em.channel_id("general"), URGENT)
    await dc.settle(lambda: em.dm_messages("111") and carded(dc, queue))
    [dm] = em.dm_messages("111")
    label = replies.text("dont_contact_button", "en")
    told = replies.text("told", "en").format(button=label)
    assert told in json.dumps(dm, ensure_ascii=False)
    button = _discord_button(dm, label)
    em.locales["111"] = "fr"  # the client's language is not the one the member wrote in
    answer = await dc.answered(await em.click("111", dm, str(button["custom_id"])))
    assert replies.text("dont_contact_done", "en") in json.dumps(answer, ensure_ascii=False)
    await dc.settle(
        lambda: any("asked not to be contacted" in t for t in texts(em.in_channel(queue)))
    )
    cards = [t for t in texts(em.in_channel(queue)) if "member" in t.lower()]
    assert len(cards) == 1 and "Urgent" in cards[0]  # the card was corrected in place
    assert "asked not to be contacted" in cards[0]  # in the community's language
    with dc.app.store.session() as s:  # type: ignore[attr-defined]
        [row] = s.exec(select(SafetySignal).where(SafetySignal.user_id == "111")).all()
        assert row.no_contact


@pytest.mark.discord
async def test_on_discord_someone_else_cannot_press_a_members_dont_contact_button(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    await em.post("111", em.channel_id("general"), URGENT)
    await dc.settle(lambda: em.dm_messages("111") and carded(dc, queue))
    [dm] = em.dm_messages("111")
    button = _discord_button(dm, replies.text("dont_contact_button", "en"))
    dc.member("222", "Mallory")
    channel_copy = {**dm, "channel_id": em.channel_id("general")}  # a forged click elsewhere
    await dc.answered(await em.click("222", channel_copy, str(button["custom_id"])))
    await dc.settle()
    assert not any("asked not to be contacted" in t for t in texts(em.in_channel(queue)))
    with dc.app.store.session() as s:  # type: ignore[attr-defined]
        [row] = s.exec(select(SafetySignal).where(SafetySignal.user_id == "111")).all()
        assert not row.no_contact


@pytest.mark.slack
async def test_on_slack_dont_contact_me_reaches_the_moderators_card(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.say("UAMIRA", URGENT)
    await ws.settle(lambda: em.dms("UAMIRA") and em.posted("C0MODS"))
    [dm] = em.dms("UAMIRA")
    label = replies.text("dont_contact_button", "en")
    assert replies.text("told", "en").format(button=label) in text_of(dm)
    button = _slack_button(dm, label)
    await ws.send("interactive", em.block_action("UAMIRA", dm, str(button["action_id"])))
    done = replies.text("dont_contact_done", "en")
    await ws.settle(
        lambda: any(done in text_of(m) for m in [*em.ephemerals, *em.responses, *em.dms("UAMIRA")])
    )
    await ws.settle(
        lambda: any("asked not to be contacted" in text_of(m) for m in em.posted("C0MODS"))
    )
    cards = [text_of(m) for m in em.posted("C0MODS")]
    assert len(cards) == 1 and "Urgent" in cards[0]  # the card was corrected in place
    with ws.app.store.session() as s:  # type: ignore[attr-defined]
        [row] = s.exec(select(SafetySignal).where(SafetySignal.user_id == "UAMIRA")).all()
        assert row.no_contact


# --- a DM that is a crisis ---------------------------------------------------------------------


@pytest.mark.slack
async def test_a_tagalog_crisis_dm_is_answered_as_a_crisis_not_filed_as_a_report(
    tmp_path: Path,
) -> None:
    """Before any queue channel is set, too: the member gets the crisis reply alone; with no
    card to tell the moderators, the DM is kept as a case they find in the queue."""
    from bot.moderation.models import ModCase
    from tests.emulators.slack.harness import slack_workspace

    async with slack_workspace(tmp_path) as ws:
        em = ws.emulator
        em.add_user("UMARIA", "Maria")
        await ws.say("UMARIA", "gusto ko nang mamatay, hindi ko na kaya", channel="D0MARIA")
        await ws.settle(lambda: em.dms("UMARIA"))
        await ws.settle(lambda: True, timeout=0.5)  # anything else would have followed by now
        answers = [text_of(m) for m in em.dms("UMARIA")]
        assert len(answers) == 1 and replies.text("suicide", "tl")[:30] in answers[0]
        assert not any("report is saved" in t for t in answers)
        with ws.app.store.session() as s:
            (case,) = s.exec(select(ModCase)).all()
            assert case.reporter_id == "UMARIA" and "mamatay" in (case.details or "")
            assert len(s.exec(select(SafetySignal)).all()) == 1


@pytest.mark.slack
async def test_a_crisis_dm_with_a_queue_gets_the_card_and_no_case(ws: SlackWorkspace) -> None:
    from bot.moderation.models import ModCase

    em = ws.emulator
    await ws.say("UAMIRA", "gusto ko nang mamatay, hindi ko na kaya", channel="D0AMIRA")
    await ws.settle(lambda: em.dms("UAMIRA") and em.posted("C0MODS"))
    await ws.settle(lambda: True, timeout=0.5)
    answers = [text_of(m) for m in em.dms("UAMIRA")]
    assert len(answers) == 1 and replies.text("suicide", "tl")[:30] in answers[0]
    assert any("Urgent" in text_of(m) for m in em.posted("C0MODS"))
    with ws.app.store.session() as s:
        assert s.exec(select(ModCase)).all() == []
