"""Prompt schedules on the web: created with `/prompt schedule`'s own parser and errors, posted
on the emulated Discord at their time, and never silently overwritten by a stale page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.kernel import i18n
from bot.kernel.commands import CommandError
from bot.prompts.timing import parse_rule
from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import needs_chromium, sign_in_discord
from tests.web.world import ORGANIZER, START, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
PROMPTS = f"/c/discord/{GUILD_ID}/prompts"


def _new(page: Any) -> Any:
    return page.get_by_role("form", name="New schedule")


def _create(page: Any, world: WebWorld, when: str, theme: str = "holidays-food-family") -> None:
    page.goto(world.base + PROMPTS)
    _new(page).get_by_label("Theme").select_option(theme)
    _new(page).get_by_label("Channel").fill(world.discord.channel_id("prompts"))
    _new(page).get_by_label("When").fill(when)
    page.get_by_role("button", name="Create schedule").click()


def _created(page: Any) -> str:
    """The new schedule's number, from the core's own answer shown on the page."""
    notice = page.locator(".notice.ok")
    expect(notice).to_be_visible()
    found = re.search(r"#(\d+)", notice.inner_text())
    assert found, notice.inner_text()
    return found.group(1)


def _row(page: Any, schedule_id: str) -> Any:
    return page.locator(f"#schedule-{schedule_id}")


def test_a_schedule_made_in_the_browser_posts_on_discord_at_its_time(
    world: WebWorld, page: Any
) -> None:
    sign_in_discord(world, page, ORGANIZER)
    _create(page, world, "every monday 19:00")
    row = _row(page, _created(page))
    expect(row).to_contain_text("holidays-food-family")
    expect(row).to_contain_text("Mon 02 Mar 2026 19:00 UTC")
    entry = [e for e in world.audit() if e.action == "web prompt schedule"][-1]
    assert entry.reason == "via dashboard" and entry.actor_id == ORGANIZER
    before = len(world.discord.in_channel("prompts"))
    world.advance_to(START.replace(hour=19, minute=1))
    assert len(world.discord.in_channel("prompts")) == before + 1


def test_a_rule_the_parser_refuses_shows_its_error_and_keeps_the_input(
    world: WebWorld, page: Any
) -> None:
    sign_in_discord(world, page, ORGANIZER)
    _create(page, world, "every blursday 25:00")
    error = page.locator("#schedule-error")
    expect(error).to_be_visible()
    with pytest.raises(CommandError) as chat:  # what `/prompt schedule` answers in chat
        parse_rule("every blursday 25:00")
    assert error.inner_text() == chat.value.render(lambda key, **v: i18n.t(key, "en", **v))
    assert _new(page).get_by_label("When").input_value() == "every blursday 25:00"


def test_a_stale_page_cannot_overwrite_a_newer_change(world: WebWorld, new_page: Any) -> None:
    first, second = new_page(), new_page()
    sign_in_discord(world, first, ORGANIZER)
    sign_in_discord(world, second, ORGANIZER)
    _create(first, world, "every friday 18:30")
    schedule_id = _created(first)
    second.goto(world.base + PROMPTS)  # a second organizer opens the page
    first.get_by_role("button", name=f"pause schedule {schedule_id}").click()
    expect(_row(first, schedule_id)).to_contain_text("paused")
    second.get_by_role("button", name=f"delete schedule {schedule_id}").click()
    second.get_by_role("button", name=f"Yes, delete schedule {schedule_id}").click()
    expect(second.locator(".notice.error")).to_contain_text("changed by someone else")
    expect(_row(second, schedule_id)).to_contain_text("paused")  # not deleted
    assert not [e for e in world.audit() if e.action == f"web prompt delete #{schedule_id}"]


def test_unsaved_changes_warn_before_leaving(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    page.goto(world.base + PROMPTS)
    _new(page).get_by_label("When").press_sequentially("every sunday 10:00")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("navigation", name="This community").get_by_role("link").first.click()
    expect(_new(page).get_by_label("When")).to_have_value("every sunday 10:00")
    assert asked  # the member was asked, and staying kept their text


def test_text_fields_render_inert(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    payload = '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    page.goto(world.base + PROMPTS)
    _new(page).get_by_label("Channel").fill(payload)
    _new(page).get_by_label("When").fill(payload)
    _new(page).get_by_label("Time zone").fill(payload)
    page.get_by_role("button", name="Create schedule").click()
    expect(page.locator("#schedule-error")).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    assert _new(page).get_by_label("When").input_value() == payload
    assert page.locator("main script, main img").count() == 0


def test_times_are_shown_in_the_schedules_zone(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    page.goto(world.base + PROMPTS)
    _new(page).get_by_label("Time zone").fill("Asia/Tokyo")
    _new(page).get_by_label("Channel").fill(world.discord.channel_id("prompts"))
    _new(page).get_by_label("When").fill("every tuesday 07:15")
    page.get_by_role("button", name="Create schedule").click()
    row = _row(page, _created(page))
    expect(row).to_contain_text("Asia/Tokyo")
    expect(row).to_contain_text("Tue 03 Mar 2026 07:15 JST")


def test_an_edit_changes_only_what_was_changed_and_is_audited(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    _create(page, world, "every wednesday 20:00")
    schedule_id = _created(page)
    row = _row(page, schedule_id)
    row.get_by_text("edit").click()
    row.get_by_label(f"Zone of schedule {schedule_id}").fill("America/Sao_Paulo")
    row.get_by_role("button", name=f"Save schedule {schedule_id}").click()
    expect(_row(page, schedule_id)).to_contain_text("America/Sao_Paulo")
    expect(_row(page, schedule_id)).to_contain_text("holidays-food-family")
    entry = [e for e in world.audit() if e.action == f"web prompt edit #{schedule_id}"]
    assert entry and entry[0].reason == "via dashboard"


def test_an_edit_from_a_stale_page_is_refused(world: WebWorld, new_page: Any) -> None:
    first, second = new_page(), new_page()
    sign_in_discord(world, first, ORGANIZER)
    sign_in_discord(world, second, ORGANIZER)
    _create(first, world, "every thursday 17:00")
    schedule_id = _created(first)
    second.goto(world.base + PROMPTS)
    for page, zone in ((first, "Europe/Lisbon"), (second, "Africa/Lagos")):
        row = _row(page, schedule_id)
        row.get_by_text("edit").click()
        row.get_by_label(f"Zone of schedule {schedule_id}").fill(zone)
        row.get_by_role("button", name=f"Save schedule {schedule_id}").click()
        if page is first:  # the first edit lands before the second page saves
            expect(_row(first, schedule_id)).to_contain_text(zone)
    expect(second.locator(".notice.error")).to_contain_text("changed by someone else")
    expect(_row(second, schedule_id)).to_contain_text("Europe/Lisbon")  # the first edit stands
