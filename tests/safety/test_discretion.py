"""Discreet by design, in the console community: the first line of every safety, report and
case DM is neutral, "clear this conversation" removes the bot's messages from the DM, discreet
mode stops every DM the member did not ask for while the moderators still hear and are told
why, and a moderator can ask "is it safe to talk?" with one click."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.kernel import i18n
from bot.kernel.store.models import MemberPrefs
from bot.safety import replies
from tests.conftest import RecordingConsole
from tests.safety.test_platforms import CONCERN, URGENT

pytestmark = pytest.mark.safety
BOT = "crossings-bot"


def dms(community: RecordingConsole, member: str) -> list[str]:
    """What the bot left in the member's DM (deleted messages are gone)."""
    return [
        m.text
        for m in community.platform.messages.values()
        if m.channel == f"@{member}" and m.author_id == BOT and not m.deleted and not m.ephemeral
    ]


def queue(community: RecordingConsole) -> list[str]:
    return [m.text for m in community.platform.messages.values() if m.channel == "moderators"]


async def setup(community: RecordingConsole, member: str = "Jana") -> None:
    await community.type("/as Admin admin", "/settings queue #moderators", "/as Noor moderator")
    await community.type(f"/as {member}", "/in #general")


async def test_a_safety_dm_opens_with_the_neutral_line_in_the_members_language(
    community: RecordingConsole,
) -> None:
    await setup(community)
    await community.type("mein Mann hat meinen Pass weggeschlossen und gibt ihn nicht raus")
    [dm] = dms(community, "jana")
    first, rest = dm.split("\n", 1)
    assert first == replies.text("preview", "de")
    assert replies.text("control", "de")[:40] in rest


async def test_help_now_and_a_report_receipt_open_neutrally_and_can_be_cleared(
    community: RecordingConsole,
) -> None:
    await setup(community, "Amira")
    out = await community.type("/help-now")
    lines = [line.strip() for line in out.splitlines()]
    header = next(i for i, line in enumerate(lines) if "only Amira sees this" in line)
    assert lines[header + 1] == replies.text("preview", "en")
    assert replies.text("clear_button", "en") in out
    await community.type("/report member:@noor reason:spam")
    receipt = await community.type('/submit details:"rude"')
    assert i18n.t("core.preview", "en") in receipt
    assert i18n.t("privacy.clear.button", "en") in receipt


async def test_clear_removes_every_bot_message_from_the_dm(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type(URGENT, "/dm", "thank you, I read it")
    assert dms(community, "amira")
    await community.type(f"/click '{replies.text('clear_button', 'en')}'")
    assert dms(community, "amira") == []
    theirs = [
        m.text
        for m in community.platform.messages.values()
        if m.channel == "@amira" and m.author_id == "amira" and not m.deleted
    ]
    assert theirs == ["thank you, I read it"]  # the member's own stay


async def test_privacy_clear_dms_removes_them_all(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type(URGENT, "/privacy export")
    assert len(dms(community, "amira")) >= 2
    await community.type("/privacy clear-dms")
    assert dms(community, "amira") == []


async def test_someone_else_cannot_clear_a_members_dm(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type(URGENT)
    [post] = [m for m in community.platform.messages.values() if m.channel == "@amira"]
    clear = next(c for c in post.components if c.label == replies.text("clear_button", "en"))
    out = await community.type("/as Sam", f"/click {post.id} '{clear.label}'")
    assert i18n.t("privacy.clear.not_yours", "en") in out
    assert dms(community, "amira")


async def test_discreet_mode_stops_the_reply_and_the_card_says_why(
    community: RecordingConsole,
) -> None:
    await setup(community, "Amira")
    assert i18n.t("core.me.discreet_on", "en") in await community.type("/me discreet mode:on")
    await community.type(URGENT)
    assert dms(community, "amira") == []
    [card] = queue(community)
    assert "Urgent" in card and i18n.t("safety.card.discreet", "en") in card
    assert public_posts(community) == []


def public_posts(community: RecordingConsole) -> list[str]:
    return [
        m.text
        for m in community.platform.messages.values()
        if m.author_id == BOT and m.channel not in {"moderators"} and not m.channel.startswith("@")
    ]


async def test_the_first_reply_offers_discreet_mode_and_it_stops_case_dms_too(
    community: RecordingConsole,
) -> None:
    await setup(community, "Amira")
    await community.type(CONCERN)
    await community.type(f"/click '{replies.text('discreet_button', 'en')}'")
    with community.app.store.session() as s:  # type: ignore[attr-defined]
        [prefs] = s.exec(select(MemberPrefs).where(MemberPrefs.user_id == "amira")).all()
        assert prefs.discreet
    before = len(dms(community, "amira"))
    await community.type("/as Noor", '/mod warn member:@amira reason:"testing"')
    assert len(dms(community, "amira")) == before  # a moderator's action writes nothing first
    await community.type("/as Amira", "/privacy export")  # what they ask for still comes
    assert len(dms(community, "amira")) == before + 1


async def test_a_dm_to_the_bot_is_answered_even_in_discreet_mode(
    community: RecordingConsole,
) -> None:
    await setup(community, "Mai")
    await community.type("/me discreet mode:on", "/dm", "he said he will kill me if I leave")
    [dm] = dms(community, "mai")
    assert dm.split("\n", 1)[0] == replies.text("preview", "en")
    assert replies.text("discreet_button", "en") not in dm  # already discreet: not offered


async def test_discreet_mode_off_lets_the_bot_write_again(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type("/me discreet mode:on", "/me discreet mode:off", URGENT)
    assert dms(community, "amira")


async def test_is_it_safe_to_talk_sends_a_neutral_check_in_answered_with_one_click(
    community: RecordingConsole,
) -> None:
    await setup(community, "Amira")
    await community.type(CONCERN)
    before = len(dms(community, "amira"))
    out = await community.type("/as Noor", f"/click '{i18n.t('safety.checkin.button', 'en')}'")
    assert "check-in went to" in out
    check_in = dms(community, "amira")[before]
    first, rest = check_in.split("\n", 1)
    assert first == i18n.t("core.preview", "en")
    assert i18n.t("safety.checkin.text", "en") in rest
    await community.type("/as Amira", f'/click "{i18n.t("safety.checkin.yes", "en")}"')
    assert any("said yes" in card for card in queue(community))


async def test_members_cannot_send_check_ins(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type(CONCERN)
    [card] = [m for m in community.platform.messages.values() if m.channel == "moderators"]
    out = await community.type("/as Sam", f"/click {card.id} 'Is it safe to talk?'")
    assert "Only moderators" in out


async def test_a_check_in_is_refused_when_the_member_asked_for_discretion(
    community: RecordingConsole,
) -> None:
    await setup(community, "Amira")
    await community.type(CONCERN, "/me discreet mode:on")
    before = len(dms(community, "amira"))
    out = await community.type("/as Noor", f"/click '{i18n.t('safety.checkin.button', 'en')}'")
    assert "asked for discretion" in out
    assert len(dms(community, "amira")) == before


async def test_urgent_cards_have_no_check_in_button(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type(URGENT)
    [card] = [m for m in community.platform.messages.values() if m.channel == "moderators"]
    ids = [getattr(c, "custom_id", "") for c in card.components]
    assert ids and all(i.startswith("safety-claim:") for i in ids)  # claim it, nothing else


async def test_claiming_an_alert_edits_its_card_to_say_who(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type(URGENT)
    [card] = [m for m in community.platform.messages.values() if m.channel == "moderators"]
    await community.type("/as Noor moderator", f"/click {card.id} {i18n.t('mod.btn.claim', 'en')}")
    assert "claimed by" in card.text and "noor" in card.text.lower()
    assert not card.components  # nothing left to claim
    await community.type("/as Lee moderator", f"/click {card.id} {i18n.t('mod.btn.claim', 'en')}")
    assert len([m for m in community.platform.messages.values() if m.channel == "moderators"]) == 1


async def test_the_export_file_has_a_neutral_name(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type("/privacy export")
    [sent] = [m for m in community.platform.log if getattr(m, "message", None)
              and m.message.attachments]  # type: ignore[attr-defined]  # fmt: skip
    [file] = sent.message.attachments  # type: ignore[attr-defined]
    assert file.filename.startswith("export-") and file.filename.endswith(".json")
    assert "crossings" not in file.filename.lower()
    data = json.loads(file.content)
    assert data["data"]["preferences"] == [] or "discreet" in data["data"]["preferences"][0]


async def test_erasing_ones_data_keeps_discreet_mode(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type("/me discreet mode:on", "/privacy delete")
    await community.type(f"/click '{i18n.t('privacy.delete.yes', 'en')}'")
    await community.type(URGENT)
    assert dms(community, "amira") == []


async def test_discreet_mode_on_and_off_with_a_clear_error_for_anything_else(
    community: RecordingConsole,
) -> None:
    await setup(community, "Amira")
    assert i18n.t("core.me.discreet_on", "en") in await community.type("/me discreet on")
    assert "must be one of: on, off" in await community.type("/me discreet maybe")
    assert i18n.t("core.me.discreet_off", "en") in await community.type("/me discreet off")
    await community.type(URGENT)
    assert dms(community, "amira")


async def test_discreet_mode_chosen_anywhere_holds_in_every_community_of_the_platform(
    community: RecordingConsole,
) -> None:
    """On Discord a DM to the bot belongs to no server: discreet mode chosen there must still
    keep the bot from writing first about a message in the server."""
    await setup(community, "Amira")
    with community.app.store.session() as s:  # type: ignore[attr-defined]
        s.add(MemberPrefs(platform="console", community_id="dm", user_id="amira", discreet=True))
        s.commit()
    await community.type(URGENT)
    assert dms(community, "amira") == []
    await community.type("/me discreet off", "/clock +7h", URGENT)  # off everywhere; a new window
    assert dms(community, "amira")


async def test_clearing_leaves_no_copy_of_the_dms_in_the_outbox(
    community: RecordingConsole,
) -> None:
    from bot.kernel.store.models import OutboxEntry

    await setup(community, "Amira")
    await community.type(URGENT)
    opening = replies.text("suicide", "en")[:30]

    def kept() -> list[str]:
        with community.app.store.session() as s:  # type: ignore[attr-defined]
            return [e.payload for e in s.exec(select(OutboxEntry)) if opening in e.payload]

    assert kept()  # the reply as it was sent
    await community.type("/privacy clear-dms")
    assert kept() == []
    with community.app.store.session() as s:  # type: ignore[attr-defined]
        kinds = [e.kind for e in s.exec(select(OutboxEntry))]
    assert "safety.reply" in kinds  # that it was sent stays


async def test_only_the_member_can_answer_their_check_in(community: RecordingConsole) -> None:
    await setup(community, "Amira")
    await community.type(CONCERN, "/as Noor", f"/click '{i18n.t('safety.checkin.button', 'en')}'")
    [check_in] = [
        m
        for m in community.platform.messages.values()
        if m.channel == "@amira" and i18n.t("safety.checkin.text", "en") in m.text
    ]
    out = await community.type(
        "/as Sam", f'/click {check_in.id} "{i18n.t("safety.checkin.yes", "en")}"'
    )
    assert i18n.t("privacy.clear.not_yours", "en") in out
    assert not any("said yes" in card for card in queue(community))
