"""`/support suggest`: a member's suggestion reaches the moderator queue as a card, an
administrator turns it into one of the community's own entries with one click, and members
then find it with `/support find`."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.kernel import i18n
from bot.moderation.models import AuditEntry
from bot.support.models import SupportService, SupportSuggestion
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.support

NAME = "Centro de Parejas Interculturales"  # invented, for tests only
SUGGEST = (
    f'/support suggest name:"{NAME}" place:Madrid link:https://parejas.invalid/madrid '
    "topic:intercultural-couples"
)
ADD = i18n.t("support.suggest.add", "en")
DISMISS = i18n.t("support.suggest.dismiss", "en")


def _queue(community: RecordingConsole) -> list[str]:
    """The queue's cards: each one's text and the labels of its buttons."""
    return [
        "\n".join([m.text, *(str(getattr(c, "label", "")) for c in m.components)])
        for m in community.platform.messages.values()
        if m.channel == "moderators"
    ]


async def _suggested(community: RecordingConsole) -> str:
    await community.type("/as Admin admin", "/settings queue #moderators")
    return await community.type("/as Amira", "/in #general", SUGGEST)


async def test_a_suggestion_reaches_the_queue_and_becomes_an_entry(
    community: RecordingConsole,
) -> None:
    out = await _suggested(community)
    assert "Thank you!" in out and "only Amira sees this" in out
    (card,) = [t for t in _queue(community) if "A member suggests a service" in t]
    assert NAME in card and "Madrid, Spain" in card and "https://parejas.invalid/madrid" in card
    assert ADD in card and DISMISS in card
    # Nothing is listed before an administrator adds it.
    await community.type("/as Sam", "/in #general")
    out = await community.type("/support find topic:intercultural-couples city:Madrid")
    assert NAME not in out
    # A moderator who is not an administrator cannot add it.
    await community.type("/as Noor moderator", "/in #moderators")
    assert NAME not in (await community.type(f'/click "{ADD}"')).split("is now in", 1)[0]
    with community.app.store.session() as s:
        assert s.exec(select(SupportSuggestion)).one().status == "open"
    # One click by an administrator.
    out = await community.type("/as Admin admin", "/in #moderators", f'/click "{ADD}"')
    assert f"{NAME} is now in this community's directory" in out
    assert any("Added to the directory by" in t for t in _queue(community))
    with community.app.store.session() as s:
        row = s.exec(select(SupportSuggestion)).one()
        entry = s.exec(select(SupportService).where(SupportService.id == row.service_id)).one()
        assert row.status == "added"
        assert (entry.platform, entry.community_id) == (row.platform, row.community_id)
        assert entry.url == "https://parejas.invalid/madrid"
        assert entry.topics == ["intercultural-couples"]
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "directory suggestion")).one()
        assert audit.target_id == entry.id and NAME in (audit.reason or "")
    # Members find it near Madrid, vouched for by the community's moderators.
    await community.type("/as Sam", "/in #general")
    out = await community.type("/support find topic:intercultural-couples city:Madrid")
    found = out.split(NAME, 1)[1].split("\n\n", 1)[0]
    assert " km · " in found and "Added by this community's moderators" in found
    # The card was edited in place: nothing left to click twice.
    out = await community.type("/as Admin admin", "/in #moderators", f'/click "{ADD}"')
    assert f"no button or menu '{ADD}'" in out
    with community.app.store.session() as s:
        assert len(s.exec(select(SupportService).where(SupportService.name == NAME)).all()) == 1


async def test_a_dismissed_suggestion_adds_nothing(community: RecordingConsole) -> None:
    await _suggested(community)
    out = await community.type("/as Admin admin", "/in #moderators", f'/click "{DISMISS}"')
    assert f"The suggestion of {NAME} is dismissed" in out
    assert any("Dismissed by" in t for t in _queue(community))
    with community.app.store.session() as s:
        assert s.exec(select(SupportSuggestion)).one().status == "dismissed"
        assert s.exec(select(SupportService).where(SupportService.name == NAME)).all() == []


async def test_a_national_service_is_suggested_by_its_country(community: RecordingConsole) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators", "/as Amira")
    out = await community.type('/support suggest name:"Línea nacional" place:Spain')
    assert "Thank you!" in out
    await community.type("/as Admin admin", "/in #moderators", f'/click "{ADD}"')
    with community.app.store.session() as s:
        entry = s.exec(select(SupportService).where(SupportService.name == "Línea nacional")).one()
        assert entry.locations == [] and entry.delivery == "online"
        assert entry.extra["service_areas"][0]["extent"] == "ES"


async def test_bad_suggestions_get_a_clear_private_answer(community: RecordingConsole) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators", "/as Amira")
    out = await community.type('/support suggest name:"Some place" place:Qwertyville')
    assert "couldn't find a city or country called 'Qwertyville'" in out
    out = await community.type('/support suggest name:"Some place" place:London')
    assert "more than one 'London'" in out
    out = await community.type('/support suggest name:"Some place" place:Berlin link:"not a link"')
    assert "is not a web address" in out
    assert "only Amira sees this" in out
    with community.app.store.session() as s:
        assert s.exec(select(SupportSuggestion)).all() == []
    assert not any("A member suggests" in t for t in _queue(community))


async def test_the_card_speaks_the_communitys_language(community: RecordingConsole) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators", "/settings language es")
    await community.type("/as Amira", SUGGEST)
    card = next(t for t in _queue(community) if NAME in t)
    assert i18n.t("support.suggest.card_title", "es") in card
    assert i18n.t("support.suggest.add", "es") in card and "Madrid, España" in card


async def test_a_members_suggestions_are_in_their_data_and_erased_with_it(
    community: RecordingConsole,
) -> None:
    await _suggested(community)
    await community.type("/as Admin admin", "/in #moderators", f'/click "{ADD}"')
    await community.type("/as Amira", '/support suggest name:"Otro servicio" place:Spain')
    await community.type("/privacy export")
    files = [
        m for m in community.platform.log if getattr(m, "message", None) and m.message.attachments
    ]  # type: ignore[attr-defined]
    data = json.loads(files[-1].message.attachments[0].content)  # type: ignore[attr-defined]
    mine = [r for r in data["data"]["support"] if r["type"] == "suggestion"]
    assert {(r["name"], r["status"]) for r in mine} == {(NAME, "added"), ("Otro servicio", "open")}
    await community.type("/privacy delete", '/click "Delete my data"')
    with community.app.store.session() as s:
        assert s.exec(select(SupportSuggestion)).all() == []
        # The entry an administrator made stays: it is the community's, and names nobody.
        assert s.exec(select(SupportService).where(SupportService.name == NAME)).one()
