"""What cannot be undone is confirmed in a second step that names its target: deleting a
schedule, kicking, banning. Kick and ban have their own form, apart from dismiss."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from bot.prompts.models import PromptSchedule
from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import axe_violations, needs_chromium, sign_in_discord
from tests.web.world import MEMBER, MODERATOR, ORGANIZER, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
QUEUE = f"/c/discord/{GUILD_ID}/queue"
PROMPTS = f"/c/discord/{GUILD_ID}/prompts"


def _schedule(world: WebWorld, page: Any) -> int:
    page.goto(world.base + PROMPTS)
    new = page.get_by_role("form", name="New schedule")
    new.get_by_label("Channel").fill(world.discord.channel_id("prompts"))
    new.get_by_label("When").fill("every thursday 19:00")
    new.get_by_role("button", name="Create schedule").click()
    found = re.search(r"#(\d+)", page.locator(".notice.ok").inner_text())
    assert found
    return int(found.group(1))


def _active(world: WebWorld, number: int) -> bool:
    with Session(world.app.store.engine) as s:
        row = s.exec(select(PromptSchedule).where(PromptSchedule.id == number)).one()
        return bool(row.active)


def test_deleting_a_schedule_asks_first_naming_it(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    number = _schedule(world, page)
    page.get_by_role("button", name=f"delete schedule {number}").click()
    expect(page.get_by_role("heading", name=f"Delete schedule {number}?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("every Thursday at 7:00 PM [0 19 * * 4] (UTC)")
    expect(page.locator("main")).to_contain_text("cannot be undone")
    assert _active(world, number)  # nothing happened yet
    page.get_by_role("button", name=f"Yes, delete schedule {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    assert not _active(world, number)
    assert [e for e in world.audit() if e.action == f"web prompt delete #{number}"]


def test_cancelling_the_delete_keeps_the_schedule(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    number = _schedule(world, page)
    page.get_by_role("button", name=f"delete schedule {number}").click()
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator(f"#schedule-{number}")).to_be_visible()
    assert _active(world, number)


def test_the_delete_step_speaks_the_organizers_language(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    number = _schedule(world, page)
    world.set_locale("discord", GUILD_ID, ORGANIZER, "es")
    try:
        page.goto(world.base + PROMPTS)
        page.get_by_role("button", name=f"eliminar la programación {number}").click()
        expect(
            page.get_by_role("heading", name=f"¿Eliminar la programación {number}?")
        ).to_be_visible()
        assert page.locator(".confirm").get_attribute("lang") == "es"
    finally:
        world.set_locale("discord", GUILD_ID, ORGANIZER, None)


def test_kick_and_ban_are_not_in_the_select_with_dismiss(world: WebWorld, page: Any) -> None:
    number = world.report(MEMBER, "Keeps posting slurs in #general.")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    card = page.locator(f"#case-{number}")
    options = card.get_by_label("Action").locator("option").all_inner_texts()
    assert "dismiss" in options and "kick" not in options and "ban" not in options
    expect(card.get_by_role("button", name=f"Ban (case {number})…")).to_be_visible()
    expect(card.get_by_role("button", name=f"Kick (case {number})…")).to_be_visible()


@pytest.mark.parametrize("action", ["kick", "ban"])
def test_a_removal_asks_first_naming_the_member(world: WebWorld, page: Any, action: str) -> None:
    number = world.report(MEMBER, f"Please {action} this account, it is a spammer.")
    target = world.reported_last
    world.discord.add_member(target, "Spam Bot Account", ())
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    removal = page.get_by_role("form", name=re.compile(f"case {number}"))
    removal.get_by_label(re.compile("Why remove")).fill("Spam in every channel.")
    removal.get_by_role("button", name=f"{action.capitalize()} (case {number})…").click()
    question = page.locator(".confirm")
    expect(question).to_contain_text(f"Spam Bot Account (@{target})")
    expect(question).to_contain_text("Crossings test")
    calls = f"/guilds/{GUILD_ID}/{'bans' if action == 'ban' else 'members'}/{target}"
    assert not world.discord.calls("PUT" if action == "ban" else "DELETE", calls)
    page.get_by_role("button", name=f"Yes, {action} Spam Bot Account (@{target})").click()
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator(f"#case-{number}")).to_have_count(0)
    assert any(e.action == f"web {action} #{number}" for e in world.audit())


def test_cancelling_a_ban_bans_no_one(world: WebWorld, page: Any) -> None:
    number = world.report(MEMBER, "Not sure this deserves a ban.")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    removal = page.get_by_role("form", name=re.compile(f"case {number}"))
    removal.get_by_label(re.compile("Why remove")).fill("Thinking about it.")
    removal.get_by_role("button", name=f"Ban (case {number})…").click()
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator(f"#case-{number}")).to_be_visible()
    assert not any(e.action == f"web ban #{number}" for e in world.audit())


def test_the_confirm_steps_pass_axe(world: WebWorld, new_page: Any) -> None:
    page = new_page()
    sign_in_discord(world, page, ORGANIZER)
    number = _schedule(world, page)
    page.get_by_role("button", name=f"delete schedule {number}").click()
    expect(page.locator(".confirm")).to_be_visible()
    assert axe_violations(page) == {1280: [], 360: []}
    page.get_by_role("button", name=f"Yes, delete schedule {number}").click()
    case = world.report(MEMBER, "For the axe scan of the ban step.")
    page = new_page()
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + QUEUE)
    assert axe_violations(page) == {1280: [], 360: []}
    removal = page.get_by_role("form", name=re.compile(f"case {case}"))
    removal.get_by_label(re.compile("Why remove")).fill("Scanning the step.")
    removal.get_by_role("button", name=f"Ban (case {case})…").click()
    expect(page.locator(".confirm")).to_be_visible()
    assert axe_violations(page) == {1280: [], 360: []}
