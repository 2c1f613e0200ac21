"""Names, not ids: channels shown by name (the id on hover) through the platform's survey, kept
a minute; a channel typed as `#prompts` is taken; the preview picker lists questions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from adapters.web.names import SURVEYS
from bot.prompts.packs import load_library
from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import needs_chromium, sign_in_discord
from tests.web.world import MEMBER, MODERATOR, ORGANIZER, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
PROMPTS = f"/c/discord/{GUILD_ID}/prompts"
THEME = "affection-time-silence"


def _create(world: WebWorld, page: Any, channel: str, when: str) -> int:
    page.goto(world.base + PROMPTS)
    new = page.get_by_role("form", name="New schedule")
    new.get_by_label("Channel").fill(channel)
    new.get_by_label("When").fill(when)
    new.get_by_role("button", name="Create schedule").click()
    notice = page.locator(".notice.ok")
    expect(notice).to_be_visible()
    found = re.search(r"#(\d+)", notice.inner_text())
    assert found
    return int(found.group(1))


def _remove(world: WebWorld, page: Any, number: int) -> None:
    page.goto(world.base + PROMPTS)
    page.get_by_role("button", name=f"delete schedule {number}").click()
    page.get_by_role("button", name=f"Yes, delete schedule {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()


@pytest.mark.parametrize("typed", ["#prompts", "prompts", "#Prompts"])
def test_a_channel_typed_by_name_is_taken(world: WebWorld, page: Any, typed: str) -> None:
    sign_in_discord(world, page, ORGANIZER)
    number = _create(world, page, typed, "every saturday 11:00")
    try:
        cell = page.locator(f"#schedule-{number} td").nth(2)
        expect(cell).to_have_text("#prompts")
        assert cell.locator("span").get_attribute("title") == world.discord.channel_id("prompts")
    finally:
        _remove(world, page, number)


def test_a_channel_that_does_not_exist_is_still_refused(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    page.goto(world.base + PROMPTS)
    new = page.get_by_role("form", name="New schedule")
    new.get_by_label("Channel").fill("#no-such-channel")
    new.get_by_label("When").fill("every saturday 11:00")
    new.get_by_role("button", name="Create schedule").click()
    expect(page.locator(".notice.error, [role=alert]").first).to_be_visible()


def test_the_delete_step_names_the_channel(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    number = _create(world, page, "#prompts", "every sunday 09:30")
    page.get_by_role("button", name=f"delete schedule {number}").click()
    expect(page.locator(".confirm")).to_contain_text("in #prompts")
    page.get_by_role("button", name=f"Yes, delete schedule {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()


def test_the_channel_names_are_asked_of_the_platform_once_a_minute(
    world: WebWorld, page: Any
) -> None:
    sign_in_discord(world, page, ORGANIZER)
    world.dashboard[SURVEYS].kept.clear()  # as if the last look were over a minute ago
    asked = len(world.discord.calls("GET", f"/guilds/{GUILD_ID}/channels"))
    page.goto(world.base + PROMPTS)
    before = len(world.discord.calls("GET", f"/guilds/{GUILD_ID}/channels"))
    assert before == asked + 1  # the page's names come from the platform
    page.goto(world.base + PROMPTS)
    page.goto(world.base + PROMPTS)
    assert len(world.discord.calls("GET", f"/guilds/{GUILD_ID}/channels")) == before


def test_the_preview_picker_lists_questions(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    pack = load_library().packs[THEME]
    page.goto(world.base + PROMPTS + f"/themes/{THEME}")
    options = page.get_by_label("Prompt", exact=True).locator("option")
    first = pack.prompts[0]
    expect(options.first).to_have_attribute("title", first.id)
    assert options.first.inner_text().strip()[:40] == " ".join(first.text["en"].split())[:40]
    assert first.id not in options.first.inner_text()


def test_the_audit_log_names_members_with_the_id_on_hover(world: WebWorld, page: Any) -> None:
    number = world.report(MEMBER, "Named in the audit log, please.")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + f"/c/discord/{GUILD_ID}/queue")
    page.get_by_role("button", name=f"Claim case {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    page.goto(world.base + f"/c/discord/{GUILD_ID}/audit")
    row = page.locator("tbody tr", has_text=f"web claim #{number}").first
    who = row.locator("td").nth(1)
    expect(who).to_have_text("Mina Moderator")
    assert who.locator("span").get_attribute("title") == MODERATOR


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (None, "the first Sunday of every month at 10:00 AM"),
        ("es", "el primer domingo de cada mes a las 10:00"),
        ("ja", "毎月第1日曜日 10:00"),
        ("ar", "الأحد"),
    ],
)
def test_schedules_are_in_words_in_the_readers_language(
    world: WebWorld, page: Any, locale: str | None, words: str
) -> None:
    sign_in_discord(world, page, ORGANIZER)
    number = _create(world, page, "#prompts", "first sunday of the month 10:00")
    world.set_locale("discord", GUILD_ID, ORGANIZER, locale)
    try:
        page.goto(world.base + PROMPTS)
        cell = page.locator(f"#schedule-{number} td").nth(3)
        expect(cell).to_contain_text(words)
        expect(cell.locator("code")).to_have_text("0 10 * * 0#1")  # the rule, for who wants it
    finally:
        world.set_locale("discord", GUILD_ID, ORGANIZER, None)
        _remove(world, page, number)
