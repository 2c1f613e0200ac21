"""The moderator queue on the web: the chat queue's own card (so the same anonymity), and its
actions run through the same handlers, reach the platform and the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from bot.kernel.events import Place
from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import MEMBER, MODERATOR, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
QUEUE = f"/c/discord/{GUILD_ID}/queue"
XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def _card(page: Any, number: int) -> Any:
    return page.locator(f"#case-{number}")


def test_the_reporter_stays_anonymous_as_in_the_chat_queue(world: WebWorld, page: Any) -> None:
    number = world.report(MEMBER, "They keep mocking my accent.")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    card = _card(page, number).inner_text()
    assert "Reported by\nhidden (community setting)" in card  # the chat card's own words
    assert MEMBER not in page.content() and "Max Member" not in card
    assert "mocking my accent" in card


def test_claim_then_dismiss_reaches_the_platform_and_the_audit_log(
    world: WebWorld, page: Any
) -> None:
    number = world.report(MEMBER, "Claim me")
    edits_before = len(world.discord.calls("PATCH", "/channels/"))
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    page.get_by_role("button", name=f"Claim case {number}").click()
    expect(page.locator(".notice")).to_contain_text("claimed", ignore_case=True)
    world.deliver()
    assert len(world.discord.calls("PATCH", "/channels/")) > edits_before  # the card was edited
    card = _card(page, number)
    card.get_by_label("Action").select_option("dismiss")
    card.get_by_label("Reason").fill("Talked it through; no rule broken.")
    card.get_by_role("button", name=f"Apply to case {number}").click()
    expect(_card(page, number)).to_have_count(0)
    entries = [e for e in world.audit() if e.case_number == number]
    actions = [e.action for e in entries]
    assert "claim" in actions and "card.dismiss" in actions
    web = [
        e
        for e in world.audit()
        if e.community_id == GUILD_ID and e.action.startswith(("web claim", "web dismiss"))
    ]
    web = [e for e in web if e.action.endswith(f" #{number}")]
    assert [e.action for e in web] == [f"web claim #{number}", f"web dismiss #{number}"]
    assert all(e.reason == "via dashboard" and e.actor_id == MODERATOR for e in web)


def test_a_reason_too_short_is_refused_by_the_core(world: WebWorld, page: Any) -> None:
    number = world.report(MEMBER, "Short reason")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    card = _card(page, number)
    card.get_by_label("Action").select_option("note")
    card.get_by_label("Reason").evaluate("el => el.removeAttribute('minlength')")
    card.get_by_label("Reason").fill("ok")
    card.get_by_role("button", name=f"Apply to case {number}").click()
    expect(page.locator(".notice.error")).to_contain_text("reason")
    assert not [e for e in world.audit() if e.action == f"web note #{number}"]


def test_cards_name_the_reported_member_as_chat_does(world: WebWorld, page: Any) -> None:
    number = world.report(MEMBER, "Named please")
    target = world.reported_last
    world.discord.add_member(target, "Tess Target")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    assert f"Tess Target (@{target})" in _card(page, number).inner_text()


def test_member_text_in_a_case_is_rendered_inert(world: WebWorld, page: Any) -> None:
    number = world.report(MEMBER, XSS)
    world.discord.add_member(world.reported_last, XSS)  # a display name is member text too
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    assert "<script>window.__pwned=1</script>" in _card(page, number).inner_text()
    assert page.evaluate("window.__pwned") is None
    assert page.locator(f"#case-{number} script, #case-{number} img").count() == 0


def test_the_queue_reads_and_works_without_javascript(world: WebWorld, new_page: Any) -> None:
    number = world.report(MEMBER, "No script needed")
    page = new_page(java_script_enabled=False)
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    assert "No script needed" in _card(page, number).inner_text()
    page.get_by_role("button", name=f"Claim case {number}").click()
    expect(page.locator(".notice")).to_contain_text("claimed", ignore_case=True)


def test_a_slack_moderator_works_their_workspace_queue(world: WebWorld, page: Any) -> None:
    number = world.report("UMEMBER", "In the Slack workspace", Place("slack", "T0001"))
    posted = len(world.slack.calls)
    sign_in_slack(world, page, "UMOD")
    page.goto(world.base + "/c/slack/T0001/queue")
    card = _card(page, number)
    expect(card).to_contain_text("In the Slack workspace")
    offered = card.get_by_label("Action").locator("option").all_inner_texts()
    assert "ban" not in offered and "kick" not in offered  # Slack apps cannot; chat offers none
    card.get_by_label("Action").select_option("escalate")
    card.get_by_label("Reason").fill("Needs an admin's eyes.")
    card.get_by_role("button", name=f"Apply to case {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    world.deliver()
    assert any(c.method == "chat.update" for c in world.slack.calls[posted:])  # the card
    assert [
        e
        for e in world.audit()
        if e.action == f"web escalate #{number}" and e.community_id == "T0001"
    ]
