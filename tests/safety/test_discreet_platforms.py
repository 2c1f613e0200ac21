"""Discreet by design, through the real client libraries against the emulators: a safety DM's
notification shows only a neutral line, "clear this conversation" deletes every message the
bot sent in that DM (and only those: the emulators refuse the rest, as the platforms do), and
discreet mode stops the DM while the moderators' card still arrives and says why."""

from __future__ import annotations

from typing import Any

import pytest

from bot.kernel import i18n
from bot.safety import replies
from tests.discord.test_discord import dc, set_queue, texts
from tests.emulators.discord.harness import DiscordCommunity
from tests.emulators.discord.server import BOT_ID
from tests.emulators.slack.harness import SlackWorkspace
from tests.safety.test_platforms import CONCERN, URGENT
from tests.slack.test_slack import text_of, ws

pytestmark = [pytest.mark.safety, pytest.mark.e2e]
__all__ = ["dc", "ws"]

PREVIEW = replies.text("preview", "en")
DISCRETION = i18n.t("safety.card.discreet", "en")[:40]


def _button(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    return next(b for row in rows for b in row["components"] if b.get("label") == label)


def _slack_button(msg: dict[str, Any], label: str) -> dict[str, Any]:
    return next(
        e
        for b in msg.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("text", {}).get("text") == label
    )


def _bot_dms(dc: DiscordCommunity, uid: str) -> list[dict[str, Any]]:
    """What the bot left in the member's DM (ephemeral answers are never kept by Discord)."""
    return [
        m
        for m in dc.emulator.dm_messages(uid)
        if m["author"]["id"] == BOT_ID and not m.get("flags", 0) & 64
    ]


# --- Discord ------------------------------------------------------------------------------


@pytest.mark.discord
async def test_on_discord_a_safety_dm_shows_a_neutral_line_and_hides_the_rest(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    await set_queue(dc)
    await em.post("111", em.channel_id("general"), CONCERN)
    await dc.settle(lambda: _bot_dms(dc, "111"))
    [dm] = _bot_dms(dc, "111")
    assert dm["content"] == PREVIEW  # what a push notification shows
    [embed] = dm["embeds"]
    assert "title" not in embed or not embed["title"]
    assert "footer" not in embed or not embed["footer"]
    assert embed["description"].startswith("||") and embed["description"].endswith("||")
    assert replies.text("control", "en")[:40] in embed["description"]  # all of it, folded
    assert embed["fields"] and all(
        f["value"].startswith("||") and f["value"].endswith("||") for f in embed["fields"]
    )
    labels = {b["label"] for row in dm["components"] for b in row["components"]}
    assert {replies.text("clear_button", "en"), replies.text("discreet_button", "en")} <= labels


@pytest.mark.discord
async def test_on_discord_clear_deletes_every_bot_message_in_the_dm_and_nothing_else(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    await set_queue(dc)
    await em.post("111", em.channel_id("general"), URGENT)
    await dc.settle(lambda: _bot_dms(dc, "111"))
    await em.dm_bot("111", "someone in general keeps sending me creepy messages")  # a report
    await dc.settle(lambda: len(_bot_dms(dc, "111")) >= 2)
    mine = [m for m in em.dm_messages("111") if m["author"]["id"] != BOT_ID]
    assert mine
    safety_dm = next(m for m in _bot_dms(dc, "111") if m["content"] == PREVIEW)
    button = _button(safety_dm["components"], replies.text("clear_button", "en"))
    answer = await dc.answered(await em.click("111", safety_dm, str(button["custom_id"])))
    assert answer["data"]["flags"] & 64  # the confirmation is ephemeral: it leaves nothing
    await dc.settle(lambda: not _bot_dms(dc, "111"))
    kept = [m["id"] for m in em.dm_messages("111") if not m.get("flags", 0) & 64]
    assert kept == [m["id"] for m in mine]  # the member's own stay
    deletes = [r for r in em.requests if r.method == "DELETE" and "/messages/" in r.path]
    assert deletes and all(r.status == 204 for r in deletes)  # never tried the member's own


@pytest.mark.discord
async def test_on_discord_someone_else_cannot_clear_a_members_dm(dc: DiscordCommunity) -> None:
    em = dc.emulator
    await set_queue(dc)
    await em.post("111", em.channel_id("general"), URGENT)
    await dc.settle(lambda: _bot_dms(dc, "111"))
    [dm] = _bot_dms(dc, "111")
    button = _button(dm["components"], replies.text("clear_button", "en"))
    dc.member("222", "Mallory")
    forged = {**dm, "channel_id": em.channel_id("general")}
    answer = await dc.answered(await em.click("222", forged, str(button["custom_id"])))
    assert i18n.t("privacy.clear.not_yours", "en") in str(answer)
    await dc.settle()
    assert _bot_dms(dc, "111")


@pytest.mark.discord
async def test_on_discord_discreet_mode_stops_the_dm_and_the_card_says_why(
    dc: DiscordCommunity,
) -> None:
    em = dc.emulator
    queue = await set_queue(dc)
    mode = [{"type": 3, "name": "mode", "value": "on"}]
    it = await em.slash("111", em.channel_id("general"), "me", [
        {"type": 1, "name": "discreet", "options": mode}
    ])  # fmt: skip
    answer = await dc.answered(it)
    assert i18n.t("core.me.discreet_on", "en")[:30] in str(answer)
    await em.post("111", em.channel_id("general"), URGENT)
    await dc.settle(lambda: any(DISCRETION in t for t in texts(em.in_channel(queue))))
    await dc.settle()
    assert _bot_dms(dc, "111") == []


# --- Slack --------------------------------------------------------------------------------


@pytest.mark.slack
async def test_on_slack_the_notification_text_and_first_block_are_neutral(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    await ws.say("UAMIRA", CONCERN)
    await ws.settle(lambda: em.dms("UAMIRA"))
    [dm] = em.dms("UAMIRA")
    assert dm["text"] == PREVIEW  # the `text` fallback: what notifications show
    first = dm["blocks"][0]
    assert first["type"] == "section" and first["text"]["text"] == PREVIEW
    assert dm["blocks"][1]["type"] == "divider"
    assert replies.text("control", "en")[:40] in text_of(dm)  # below the fold


@pytest.mark.slack
async def test_on_slack_clear_deletes_every_bot_message_in_the_dm(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.say("UAMIRA", URGENT)
    await ws.settle(lambda: em.dms("UAMIRA"))
    await ws.say("UAMIRA", "someone in general keeps sending me creepy messages", "DUAMIRA")
    await ws.settle(lambda: len([m for m in em.dms("UAMIRA") if m.get("bot_id")]) == 2)
    await ws.command("UAMIRA", "help-now", channel="DUAMIRA")
    dm, receipt = [m for m in em.dms("UAMIRA") if m.get("bot_id")]
    assert receipt["text"] == i18n.t("core.preview", "en")  # a report receipt is neutral too
    button = _slack_button(dm, replies.text("clear_button", "en"))
    await ws.send("interactive", em.block_action("UAMIRA", dm, str(button["action_id"])))
    await ws.settle(lambda: not [m for m in em.dms("UAMIRA") if m.get("bot_id")])
    theirs = ["someone in general keeps sending me creepy messages"]
    assert [m["text"] for m in em.dms("UAMIRA")] == theirs  # the member's own stay
    assert all(c.ok for c in em.called("chat.delete"))  # never tried the member's own
    cleared = replies.text("cleared", "en")
    await ws.settle(lambda: any(cleared in text_of(m) for m in [*em.ephemerals, *em.responses]))


@pytest.mark.slack
async def test_on_slack_discreet_mode_stops_the_dm_and_the_card_says_why(
    ws: SlackWorkspace,
) -> None:
    em = ws.emulator
    await ws.command("UAMIRA", "me discreet mode:on")
    await ws.say("UAMIRA", URGENT)
    await ws.settle(lambda: any(DISCRETION in text_of(m) for m in em.posted("C0MODS")))
    assert em.dms("UAMIRA") == []
    await ws.command("UAMIRA", "privacy clear-dms")  # asked for: answered, ephemerally
    assert em.dms("UAMIRA") == []


@pytest.mark.discord
async def test_on_discord_a_moderator_asks_is_it_safe_to_talk_and_the_member_answers(
    dc: DiscordCommunity,
) -> None:
    from tests.emulators.discord.server import OWNER_ID

    em = dc.emulator
    queue = await set_queue(dc)
    await em.post("111", em.channel_id("general"), CONCERN)
    await dc.settle(lambda: _bot_dms(dc, "111") and em.in_channel(queue))
    [card] = [m for m in em.in_channel(queue) if m.get("components")]
    ask = _button(card["components"], i18n.t("safety.checkin.button", "en"))
    await dc.answered(await em.click(OWNER_ID, card, str(ask["custom_id"])))
    await dc.settle(lambda: len(_bot_dms(dc, "111")) == 2)
    check_in = _bot_dms(dc, "111")[-1]
    assert check_in["content"] == i18n.t("core.preview", "en")  # the notification
    yes = _button(check_in["components"], i18n.t("safety.checkin.yes", "en"))
    answer = await dc.answered(await em.click("111", check_in, str(yes["custom_id"])))
    assert i18n.t("safety.checkin.thanks_yes", "en") in str(answer)
    await dc.settle(lambda: any("said yes" in t for t in texts(em.in_channel(queue))))
