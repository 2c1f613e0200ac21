"""Crisis alerts and appeals in the web queue, as the chat queue gets them: urgent ones first and
marked, each with its own actions, run through the chat card's handlers so the card in chat is
edited too."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from bot.moderation.models import Appeal
from bot.safety.models import SafetySignal
from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import axe_violations, needs_chromium, sign_in_discord
from tests.web.world import MEMBER, MODERATOR, WARNER, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
QUEUE = f"/c/discord/{GUILD_ID}/queue"
URGENT = "tonight I will take the pills I have been saving. I wrote letters for my children"
CONCERNED, IN_DANGER = "710000000000000021", "710000000000000022"
SCANNED, SCANNED_TOO = "710000000000000023", "710000000000000024"
CONCERN = "my husband keeps my passport and says he will call immigration on me"


def _newest_alert(world: WebWorld, level: str) -> SafetySignal:
    """The newest alert of that level, once its chat card's id is known (the outbox's hook
    notes it just after the card is delivered, maybe by the bot's own worker)."""
    deadline = time.monotonic() + 10
    while True:
        with Session(world.app.store.engine) as s:
            row = s.exec(
                select(SafetySignal)
                .where(SafetySignal.level == level)
                .order_by(col(SafetySignal.id).desc())
            ).first()
        if (row is not None and row.card_message_id) or time.monotonic() > deadline:
            assert row is not None
            return row
        time.sleep(0.05)


def _newest_appeal(world: WebWorld) -> Appeal:
    deadline = time.monotonic() + 10
    while True:
        with Session(world.app.store.engine) as s:
            entry = s.exec(select(Appeal).order_by(col(Appeal.id).desc())).first()
        if (entry is not None and entry.card_message_id) or time.monotonic() > deadline:
            assert entry is not None
            return entry
        time.sleep(0.05)


def _queue_card(world: WebWorld, message_id: str) -> dict[str, Any]:
    """The card as it now stands in the Discord queue channel."""
    return world.discord.messages[message_id]  # type: ignore[no-any-return]


def test_a_crisis_alert_is_first_marked_urgent_and_claimed_from_the_web(
    world: WebWorld, page: Any
) -> None:
    world.report(MEMBER, "An ordinary report, older than the alert.")
    world.say(MEMBER, URGENT)
    row = _newest_alert(world, "urgent")
    assert row.card_message_id  # the chat card went out
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    first = page.locator("main section.card").first
    expect(first).to_have_id(f"alert-{row.id}")
    expect(first.locator(".badge")).to_have_text("Urgent")
    assert "pills" in first.inner_text()
    first.get_by_role("button", name=f"Claim alert {row.id}").click()
    expect(page.locator(".notice.ok")).to_contain_text("claimed by")
    expect(page.locator(f"#alert-{row.id}")).to_have_count(0)
    world.deliver()
    card = _queue_card(world, row.card_message_id)
    text = str(card)
    assert "claimed by" in text and MODERATOR in text  # the chat card says who
    assert "safety-claim" not in text  # and offers the claim no more
    assert any(e.action.startswith("web claim alert") for e in world.audit())


def test_urgent_alerts_come_before_concerns(world: WebWorld, page: Any) -> None:
    world.discord.add_member(CONCERNED, "Cam Concerned", ())
    world.discord.add_member(IN_DANGER, "Ida Danger", ())
    world.say(CONCERNED, CONCERN)
    world.say(IN_DANGER, URGENT)
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    ids = page.locator("main section.card").evaluate_all("els => els.map(e => e.id)")
    alerts = [i for i in ids if i.startswith("alert-")]
    urgent = f"alert-{_newest_alert(world, 'urgent').id}"
    concern = f"alert-{_newest_alert(world, 'concern').id}"
    assert alerts.index(urgent) < alerts.index(concern)
    expect(page.locator(f"#{concern} .badge")).to_have_count(0)
    expect(
        page.locator(f"#{concern}").get_by_role("button", name="Ask if it is safe to talk")
    ).to_be_visible()
    expect(
        page.locator(f"#{urgent}").get_by_role("button", name="Ask if it is safe to talk")
    ).to_have_count(0)


def test_an_appeal_decided_on_the_web_edits_its_chat_card(world: WebWorld, page: Any) -> None:
    number = world.appeal(MEMBER, "I was quoting a song, not mocking anyone. Please look again.")
    entry = _newest_appeal(world)
    assert entry.card_message_id
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    card = page.locator(f"#appeal-{entry.id}")
    expect(card).to_contain_text(f"Appeal of case #{number}")
    expect(card).to_contain_text("quoting a song")
    card.get_by_role("button", name=f"Accept appeal {entry.id}").click()
    expect(page.locator(".notice.ok")).to_contain_text(f"Appeal of case #{number}: accepted")
    expect(page.locator(f"#appeal-{entry.id}")).to_have_count(0)
    world.deliver()
    chat = str(_queue_card(world, entry.card_message_id))
    assert "accepted" in chat and "mod-appeal-decide" not in chat


def test_an_appeal_of_ones_own_decision_is_refused_on_the_web(world: WebWorld, page: Any) -> None:
    world.appeal(MEMBER, "Please have someone else look at this warning again.")
    entry = _newest_appeal(world)
    sign_in_discord(world, page, WARNER)  # who gave the warning
    page.goto(world.base + QUEUE)
    page.locator(f"#appeal-{entry.id}").get_by_role(
        "button", name=f"Deny appeal {entry.id}"
    ).click()
    expect(page.locator(".notice.error")).to_contain_text("A different moderator")
    expect(page.locator(f"#appeal-{entry.id}")).to_have_count(1)


def test_alerts_and_appeals_of_another_community_are_not_here(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    csrf = page.locator("input[name=csrf]").first.input_value()
    for path in ("/queue/alerts/999999/claim", "/queue/appeals/999999/accept"):
        response = page.request.post(
            world.base + f"/c/discord/{GUILD_ID}" + path,
            form={"csrf": csrf},
            headers={"Origin": f"http://127.0.0.1:{world.port}"},
        )
        assert response.status == 404


def test_the_queue_with_alerts_and_appeals_passes_axe(world: WebWorld, page: Any) -> None:
    world.discord.add_member(SCANNED, "Sol Scanned", ())
    world.discord.add_member(SCANNED_TOO, "Tam Scanned", ())
    world.say(SCANNED, URGENT)
    world.say(SCANNED_TOO, URGENT)  # two cards with one title: each still its own landmark
    world.appeal(SCANNED, "An appeal on the page the scan reads, long enough.")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    expect(page.locator(".card.urgent").first).to_be_visible()
    expect(page.locator("[id^=appeal-]").first).to_be_visible()
    assert axe_violations(page) == {1280: [], 360: []}
