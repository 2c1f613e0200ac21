"""A community's overview page: what waits for moderators (urgent first), the prompts of the
next seven days, answers week by week, each only for those who may act on it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from bot.kernel.events import MessagePosted, Place
from bot.prompts.models import PromptPost
from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import axe_violations, needs_chromium, sign_in_discord
from tests.web.test_prompt_pages import create, remove
from tests.web.world import MEMBER, MODERATOR, ORGANIZER, WebWorld

IN_DANGER, WORRIED = "710000000000000032", "710000000000000035"
ANSWERING = (("710000000000000033", "Ana Answer"), ("710000000000000034", "Ben Answer"))

pytestmark = [pytest.mark.web, needs_chromium]
HERE = f"/c/discord/{GUILD_ID}/"
URGENT = "tonight I will take the pills I have been saving. I wrote letters for my children"


def test_moderators_see_what_waits_with_urgent_alerts_first(world: WebWorld, page: Any) -> None:
    world.discord.add_member(WORRIED, "Wren Worried", ())
    world.say(WORRIED, URGENT)
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE)
    waiting = page.get_by_role("region", name="Waiting for moderators")
    first = waiting.locator("li").first
    expect(first).to_contain_text("Urgent crisis alerts:")
    expect(first).to_have_class("card urgent")
    count = page.get_by_role("navigation", name="This community").locator(".count.urgent")
    expect(count).to_contain_text(re.compile(r"\d+ waiting in the queue, \d+ urgent"))
    waiting.get_by_role("link", name="Open the queue").click()
    expect(count).to_be_visible()  # on every page of the community
    expect(page).to_have_url(world.base + HERE + "queue")
    page.goto(world.base + HERE)
    assert axe_violations(page) == {1280: [], 360: []}


def test_organizers_see_the_coming_week_and_answers_by_week(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    weeks = page.get_by_role("region", name="Answers to prompts, week by week")
    page.goto(world.base + HERE)
    before = [
        int(weeks.locator("tbody tr").first.locator("td").nth(i).inner_text()) for i in (1, 2)
    ]
    number = create(page, world, "every day 09:00", "UTC")
    for uid, name in ANSWERING:
        world.discord.add_member(uid, name, ())
    _answered_prompt(world, answers=(ANSWERING[0][0], ANSWERING[1][0], ANSWERING[0][0]))
    try:
        page.goto(world.base + HERE)
        coming = page.get_by_role("region", name="Prompts in the next seven days")
        ours = coming.locator("li").filter(has_text=f"(schedule #{number})")
        expect(ours).to_have_count(7)  # one a day
        expect(ours.first).to_contain_text("in #prompts")
        expect(weeks.locator("tbody tr")).to_have_count(4)
        this_week = weeks.locator("tbody tr").first
        expect(this_week.locator("td").nth(1)).to_have_text(str(before[0] + 3))  # answers
        expect(this_week.locator("td").nth(2)).to_have_text(str(before[1] + 2))  # who answered
        expect(page.get_by_role("region", name="Waiting for moderators")).to_have_count(0)
    finally:
        remove(page, world, number)


def test_members_see_neither_the_queue_nor_the_statistics(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MEMBER)
    page.goto(world.base + HERE)
    expect(page.locator("main").get_by_role("link", name="Your data")).to_be_visible()
    for name in ("Waiting for moderators", "Prompts in the next seven days"):
        expect(page.get_by_role("region", name=name)).to_have_count(0)


def _answered_prompt(world: WebWorld, answers: tuple[str, ...]) -> None:
    """A prompt posted an hour ago with its thread, and members answering in that thread (as
    the gateway hands their messages to the bot)."""
    now = world.app.clock.now()
    thread, channel = "990000000000000777", world.discord.channel_id("prompts")
    with Session(world.app.store.engine) as s:
        s.add(
            PromptPost(
                fire_at=now - timedelta(hours=1),
                platform="discord",
                community_id=GUILD_ID,
                channel=channel,
                theme="holidays-food-family",
                status="posted",
                thread_id=thread,
                claimed_at=now - timedelta(hours=1),
            )
        )
        s.commit()
    for i, uid in enumerate(answers):
        place = Place("discord", GUILD_ID, channel, thread)
        text = "At our table, two kinds of bread every holiday."
        world.run(MessagePosted(place, world.member(uid), now, f"9800000000000{i:05d}", text))


def test_an_open_queue_page_says_when_the_queue_changed(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "queue")
    fresh = page.locator("#queue-fresh")
    expect(fresh).to_have_text("")
    page.wait_for_timeout(2500)  # two polls: nothing changed, nothing shown
    expect(fresh).to_have_text("")
    before = page.locator("[data-queue-item]").count()
    world.discord.add_member(IN_DANGER, "Ines Danger", ())
    world.say(IN_DANGER, URGENT)
    expect(fresh).to_contain_text("The queue has changed", timeout=10_000)
    expect(fresh).to_contain_text("urgent crisis alerts")
    assert page.locator("[data-queue-item]").count() == before  # nothing redrawn meanwhile
    fresh.get_by_role("link", name="Show the queue as it is now").click()
    expect(page.locator("[data-queue-item]")).to_have_count(before + 1)
    expect(page.locator("#queue-fresh")).to_have_text("")
