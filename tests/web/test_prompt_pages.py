"""The prompts pages in the browser: the calendar in the organizer's zone across clock changes,
schedules changed through `/prompt`'s own handlers (audited, versioned, never overwritten by a
stale form), previews in the pack's languages, members' suggestions, and the member's page in
every catalog language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from bot.kernel import i18n
from bot.kernel.store import aware
from bot.kernel.store.models import MemberPrefs
from bot.prompts.models import CustomPrompt, PromptPost, PromptSchedule, PromptSuggestion
from bot.prompts.packs import load_library
from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import needs_chromium, shoot, sign_in_discord
from tests.web.world import MEMBER, ORGANIZER, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
HERE = f"/c/discord/{GUILD_ID}"
PROMPTS = HERE + "/prompts"
THEME = "holidays-food-family"
XSS = '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def set_zone(world: WebWorld, user: str, zone: str | None) -> None:
    """What `/me timezone` stores."""
    with Session(world.app.store.engine) as s:
        prefs = s.exec(
            select(MemberPrefs).where(
                MemberPrefs.platform == "discord",
                MemberPrefs.community_id == GUILD_ID,
                MemberPrefs.user_id == user,
            )
        ).first() or MemberPrefs(platform="discord", community_id=GUILD_ID, user_id=user)
        prefs.timezone = zone
        s.add(prefs)
        s.commit()


def schedule(world: WebWorld, number: int) -> PromptSchedule:
    with Session(world.app.store.engine, expire_on_commit=False) as s:
        row = s.get(PromptSchedule, number)
        assert row is not None
        return row


def audited(world: WebWorld, action: str) -> list[Any]:
    return [e for e in world.audit() if e.action == action and e.reason == "via dashboard"]


def create(page: Any, world: WebWorld, when: str, zone: str = "") -> int:
    page.goto(world.base + PROMPTS)
    form = page.get_by_role("form", name="New schedule")
    form.get_by_label("Theme").select_option(THEME)
    form.get_by_label("Channel").fill(world.discord.channel_id("prompts"))
    form.get_by_label("When").fill(when)
    form.get_by_label("Time zone").fill(zone)
    page.get_by_role("button", name="Create schedule").click()
    notice = page.locator(".notice.ok")
    expect(notice).to_be_visible()
    found = re.search(r"#(\d+)", notice.inner_text())
    assert found, notice.inner_text()
    return int(found.group(1))


def remove(page: Any, world: WebWorld, number: int) -> None:
    """Delete a test's schedule so later calendars stay readable."""
    page.goto(world.base + PROMPTS)
    page.get_by_role("button", name=f"delete schedule {number}").click()
    page.get_by_role("button", name=f"Yes, delete schedule {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()


@pytest.fixture
def organizer(world: WebWorld, page: Any) -> Any:
    sign_in_discord(world, page, ORGANIZER)
    return page


@pytest.fixture
def new_york(world: WebWorld) -> Iterator[None]:
    set_zone(world, ORGANIZER, "America/New_York")
    yield
    set_zone(world, ORGANIZER, None)


def day(page: Any, iso: str) -> Any:
    return page.locator(f"#day-{iso}")


# --- the calendar ---------------------------------------------------------------------------


def test_the_calendar_shows_a_london_schedule_at_new_york_time_across_both_clock_changes(
    world: WebWorld, organizer: Any, new_york: None
) -> None:
    page = organizer
    number = create(page, world, "every day 19:00", "Europe/London")
    page.goto(world.base + PROMPTS + "?view=week&date=2026-10-21")
    expect(page.locator("#calendar-zone")).to_have_text("America/New_York")
    # Both on summer time: 19:00 BST is 14:00 EDT. London falls back on Sunday 25 October.
    expect(day(page, "2026-10-24")).to_contain_text(f"14:00 #{number}")
    expect(day(page, "2026-10-25")).to_contain_text(f"15:00 #{number}")
    page.get_by_role("link", name="Next week").click()
    expect(page).to_have_url(re.compile(r"date=2026-10-28"))
    expect(day(page, "2026-10-31")).to_contain_text(f"15:00 #{number}")
    # New York falls back on Sunday 1 November: an ocean apart by five hours again.
    expect(day(page, "2026-11-01")).to_contain_text(f"14:00 #{number}")
    remove(page, world, number)


def test_the_calendar_pages_by_month_without_javascript(
    world: WebWorld, organizer: Any, new_page: Any
) -> None:
    number = create(organizer, world, "first sunday of the month 10:00", "UTC")
    plain = new_page(java_script_enabled=False)
    sign_in_discord(world, plain, ORGANIZER)
    plain.goto(world.base + PROMPTS + "?view=month&date=2026-06-15")
    assert plain.locator("script[src*=htmx]").count() == 1  # present, yet not running
    expect(plain.locator("h3.calendar-range")).to_contain_text("June 2026")
    expect(day(plain, "2026-06-07")).to_contain_text(f"10:00 #{number}")
    # Once a month; the grid's last row shows 5 July, a day of the next month, greyed.
    in_june = plain.locator(f"li.day:not(.outside) a[href='#schedule-{number}']")
    assert in_june.count() == 1
    expect(day(plain, "2026-07-05")).to_have_class(re.compile("outside"))
    plain.get_by_role("link", name="Next month").click()
    expect(plain.locator("h3.calendar-range")).to_contain_text("July 2026")
    expect(day(plain, "2026-07-05")).to_contain_text(f"10:00 #{number}")
    plain.get_by_role("link", name="Week view").click()
    expect(plain.locator("ol.calendar.week > li")).to_have_count(7)
    remove(organizer, world, number)


# --- changing schedules ---------------------------------------------------------------------


def test_an_edit_the_parser_refuses_is_shown_in_its_form_with_the_typing_kept(
    world: WebWorld, organizer: Any
) -> None:
    page = organizer
    number = create(page, world, "every saturday 11:00")
    row = page.locator(f"#schedule-{number}")
    row.get_by_text("edit").click()
    row.get_by_label(f"Rule of schedule {number}").fill("every funday 11:00")
    row.get_by_role("button", name=f"Save schedule {number}").click()
    error = page.locator(f"#edit-{number}-error")
    expect(error).to_contain_text(i18n.t("prompts.rule.not_a_day", "en", day="funday"))
    expect(page.locator(f"#schedule-{number} form").last).to_be_visible()  # inside the form
    assert page.get_by_label(f"Rule of schedule {number}").input_value() == "every funday 11:00"
    assert schedule(world, number).rule == "0 11 * * 6"  # unchanged
    page.get_by_label(f"Rule of schedule {number}").fill("every saturday 12:30")
    page.get_by_role("button", name=f"Save schedule {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    assert schedule(world, number).rule == "30 12 * * 6"
    assert audited(world, f"web prompt edit #{number}")


def test_skip_pause_resume_and_delete_reach_the_store_and_the_audit_log(
    world: WebWorld, organizer: Any
) -> None:
    page = organizer
    number = create(page, world, "every sunday 09:00", "UTC")
    first = schedule(world, number)
    assert first.version == 1
    page.get_by_role("button", name=f"skip schedule {number}").click()
    expect(page.locator(".notice.ok")).to_contain_text("will skip")
    skipped = schedule(world, number)
    assert (aware(skipped.next_fire_at) - aware(first.next_fire_at)).days == 7
    with Session(world.app.store.engine) as s:
        post = s.exec(select(PromptPost).where(PromptPost.schedule_id == number)).one()
    assert post.status == "skipped" and aware(post.fire_at) == aware(first.next_fire_at)
    fire = aware(first.next_fire_at)
    assert fire is not None
    page.goto(world.base + PROMPTS + f"?view=week&date={fire.date().isoformat()}")
    entry = day(page, fire.date().isoformat()).locator(".entry.skipped")
    expect(entry).to_contain_text(f"09:00 #{number}")  # the calendar shows the skip
    expect(entry).to_contain_text("skipped")
    page.goto(world.base + PROMPTS)
    page.get_by_role("button", name=f"pause schedule {number}").click()
    expect(page.locator(f"#schedule-{number}")).to_contain_text("paused")
    assert schedule(world, number).paused
    page.get_by_role("button", name=f"resume schedule {number}").click()
    expect(page.locator(f"#schedule-{number}")).to_contain_text("active")
    page.get_by_role("button", name=f"delete schedule {number}").click()
    page.get_by_role("button", name=f"Yes, delete schedule {number}").click()
    expect(page.locator(".notice.ok")).to_be_visible()  # the confirm page lists no rows
    expect(page.locator(f"#schedule-{number}")).to_have_count(0)
    gone = schedule(world, number)
    assert not gone.active and gone.next_fire_at is None
    assert gone.version == 5  # one more on every change
    for op in ("skip", "pause", "resume", "delete"):
        [entry] = audited(world, f"web prompt {op} #{number}")
        assert entry.actor_id == ORGANIZER


def test_a_stale_edit_shows_the_schedule_now_and_keeps_what_was_typed(
    world: WebWorld, new_page: Any
) -> None:
    first, second = new_page(), new_page()
    sign_in_discord(world, first, ORGANIZER)
    sign_in_discord(world, second, ORGANIZER)
    number = create(first, world, "every monday 08:00", "UTC")
    second.goto(world.base + PROMPTS)
    first.locator(f"#schedule-{number}").get_by_text("edit").click()
    first.get_by_label(f"Zone of schedule {number}").fill("Asia/Manila")
    first.get_by_role("button", name=f"Save schedule {number}").click()
    expect(first.locator(".notice.ok")).to_be_visible()
    second.locator(f"#schedule-{number}").get_by_text("edit").click()
    second.get_by_label(f"Rule of schedule {number}").fill("every tuesday 08:00")
    second.get_by_role("button", name=f"Save schedule {number}").click()
    conflict = second.locator("section.conflict")
    expect(conflict).to_contain_text("changed by someone else")
    expect(conflict).to_contain_text("Asia/Manila")  # the schedule as it is now
    row = schedule(world, number)
    assert row.timezone == "Asia/Manila" and row.rule == "0 8 * * 1" and row.version == 2
    # The second organizer's typing is still there; saving it again now merges both changes.
    rule = second.get_by_label(f"Rule of schedule {number}")
    expect(rule).to_have_value("every tuesday 08:00")
    second.get_by_role("button", name=f"Save schedule {number}").click()
    expect(second.locator(".notice.ok")).to_be_visible()
    row = schedule(world, number)
    assert (row.rule, row.timezone, row.version) == ("0 8 * * 2", "Asia/Manila", 3)
    remove(first, world, number)


def test_a_change_made_in_chat_makes_an_open_form_stale(world: WebWorld, organizer: Any) -> None:
    page = organizer
    number = create(page, world, "every wednesday 06:45", "UTC")
    world.call(_run(world, ORGANIZER, ("prompt", "pause"), schedule=number))  # from chat
    page.get_by_role("button", name=f"skip schedule {number}").click()
    expect(page.locator("section.conflict")).to_contain_text("changed by someone else")
    expect(page.locator("section.conflict")).to_contain_text("paused")
    with Session(world.app.store.engine) as s:
        assert not s.exec(select(PromptPost).where(PromptPost.schedule_id == number)).all()
    assert not audited(world, f"web prompt skip #{number}")
    remove(page, world, number)


# --- themes, previews and suggestions -------------------------------------------------------


def test_a_prompt_is_previewed_in_each_language_of_its_pack(
    world: WebWorld, organizer: Any
) -> None:
    page = organizer
    pack = load_library().packs[THEME]
    prompt = pack.prompts[1]
    page.goto(world.base + PROMPTS + "/themes")
    page.get_by_role("link", name=pack.title_in("en")).click()
    page.get_by_label("Prompt", exact=True).select_option(prompt.id)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(f"prompt={prompt.id}"))
    for code, name in (("es", "español"), ("ja", "日本語")):
        section = page.locator(f"#preview-{code}")
        expect(section.get_by_role("heading")).to_contain_text(name)
        expect(section.locator(f".post[lang='{code}']")).to_contain_text(prompt.text[code])
    expect(page.locator(".preview")).to_have_count(len(pack.locales))


def test_a_members_suggestion_is_approved_by_an_organizer(world: WebWorld, new_page: Any) -> None:
    member, organizer = new_page(), new_page()
    sign_in_discord(world, member, MEMBER)
    member.goto(world.base + PROMPTS + "/suggest")
    member.get_by_label("Theme").select_option(THEME)
    text = "What dish from your partner's family did you learn to cook first?"
    member.get_by_label("Your question").fill(text)
    member.get_by_role("button", name="Send suggestion").click()
    expect(member.locator(".notice.ok")).to_contain_text(i18n.t("prompts.suggested", "en"))
    with Session(world.app.store.engine) as s:
        row = s.exec(select(PromptSuggestion).where(PromptSuggestion.text == text)).one()
    sign_in_discord(world, organizer, ORGANIZER)
    organizer.goto(world.base + PROMPTS + "/suggestions")
    card = organizer.locator(f"#suggestion-{row.id}")
    expect(card).to_contain_text(text)
    assert "Max Member" not in organizer.locator("main").inner_text()
    assert MEMBER not in organizer.locator("main").inner_text()
    dms = len(world.discord.dm_messages(MEMBER))
    card.get_by_role("button", name=f"Approve suggestion {row.id}").click()
    expect(organizer.locator(".notice.ok")).to_contain_text(f"{row.id}")
    expect(organizer.locator(f"#suggestion-{row.id}")).to_have_count(0)
    with Session(world.app.store.engine) as s:
        assert s.get(PromptSuggestion, row.id).status == "approved"  # type: ignore[union-attr]
        assert s.exec(select(CustomPrompt).where(CustomPrompt.text == text)).one()
    assert audited(world, f"web prompt approve #{row.id}")
    world.deliver()
    assert len(world.discord.dm_messages(MEMBER)) == dms + 1  # the core thanks them


def test_theme_stats_count_posts_and_name_nobody(world: WebWorld, organizer: Any) -> None:
    page = organizer
    page.goto(world.base + PROMPTS + "/themes")
    before = int(page.locator(f"#theme-{THEME} .stat-posts").inner_text())
    world.call(_post_now(world))
    page.goto(world.base + PROMPTS + "/themes")
    expect(page.locator(f"#theme-{THEME} .stat-posts")).to_have_text(str(before + 1))
    assert "Olu Organizer" not in page.locator("table").inner_text()


async def _run(world: WebWorld, user: str, path: tuple[str, ...], **options: Any) -> None:
    """A command as a member would send it (through the dashboard's own core path)."""
    from adapters.web import perform
    from bot.kernel.events import Actor, Place

    actor = await world.app.platforms["discord"].fetch_member(GUILD_ID, user)
    assert isinstance(actor, Actor)
    event = perform.command(Place("discord", GUILD_ID), actor, world.app, path, **options)
    outcome = await perform.perform(world.app, event, audit=None)
    assert outcome.ok, outcome.error


def _post_now(world: WebWorld) -> Any:
    channel = world.discord.channel_id("prompts")
    return _run(world, ORGANIZER, ("prompt", "post-now"), theme=THEME, channel=channel)


# --- the member's page, languages, safety ---------------------------------------------------


def test_the_suggest_page_speaks_every_catalog_language(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MEMBER)
    english = i18n.t("web.prompts.suggest_intro", "en")
    try:
        for locale in i18n.locales():
            if locale == "en-XA":
                continue
            world.set_locale("discord", GUILD_ID, MEMBER, locale)
            page.goto(world.base + PROMPTS + "/suggest")
            main = page.locator("main")
            assert main.get_attribute("lang") == locale
            intro = i18n.translated("web.prompts.suggest_intro", locale)
            assert intro is not None, locale
            assert locale == "en" or intro != english, locale
            expect(page.get_by_role("heading", level=1)).to_have_text(
                i18n.t("web.prompts.suggest_title", locale)
            )
            expect(main).to_contain_text(intro)
            expect(page.get_by_role("button", name=i18n.t("web.prompts.suggest_submit", locale)))
    finally:
        world.set_locale("discord", GUILD_ID, MEMBER, None)


def test_the_organizer_pages_use_the_catalog_in_the_organizers_language(
    world: WebWorld, organizer: Any
) -> None:
    world.set_locale("discord", GUILD_ID, ORGANIZER, "de")
    try:
        for path, key in (("", "title"), ("/themes", "themes_title")):
            organizer.goto(world.base + PROMPTS + path)
            assert organizer.locator("main").get_attribute("lang") == "de"
            wanted = i18n.t(f"web.prompts.{key}", "de")
            assert wanted != i18n.t(f"web.prompts.{key}", "en")
            expect(organizer.get_by_role("heading", level=1)).to_have_text(wanted)
        nav = organizer.get_by_role("navigation", name=i18n.t("web.prompts.nav_label", "de"))
        expect(nav).to_contain_text(i18n.t("web.prompts.nav_suggestions", "de"))
    finally:
        world.set_locale("discord", GUILD_ID, ORGANIZER, None)


def test_every_new_text_field_renders_inert(world: WebWorld, new_page: Any) -> None:
    member, organizer = new_page(), new_page()
    sign_in_discord(world, member, MEMBER)
    member.goto(world.base + PROMPTS + "/suggest")
    member.get_by_label("Your question").fill(XSS)
    member.get_by_role("button", name="Send suggestion").click()
    expect(member.locator(".notice.ok")).to_be_visible()
    sign_in_discord(world, organizer, ORGANIZER)
    number = create(organizer, world, "every friday 07:00")
    organizer.locator(f"#schedule-{number}").get_by_text("edit").click()
    for label in ("Rule", "Zone", "Channel", "Theme"):
        organizer.get_by_label(f"{label} of schedule {number}").fill(XSS)
    organizer.get_by_role("button", name=f"Save schedule {number}").click()
    expect(organizer.locator(f"#edit-{number}-error")).to_be_visible()
    assert organizer.get_by_label(f"Rule of schedule {number}").input_value() == XSS
    for path in ("/suggestions", f"/themes/{THEME}?prompt={XSS}", f"?view={XSS}&date={XSS}"):
        organizer.goto(world.base + PROMPTS + path)
        expect(organizer.locator("main")).to_be_visible()
    organizer.goto(world.base + PROMPTS + "/suggestions")
    expect(organizer.locator("main")).to_contain_text(XSS)  # shown as text
    for page in (member, organizer):
        assert page.evaluate("window.__pwned") is None
        assert page.locator("main script, main img").count() == 0
    remove(organizer, world, number)


def test_a_decision_without_the_sessions_token_is_refused(world: WebWorld, organizer: Any) -> None:
    response = organizer.request.post(
        world.base + PROMPTS + "/suggestions/1/approve", form={"csrf": "forged"}
    )
    assert response.status == 403


def test_leaving_a_half_written_suggestion_asks_first(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MEMBER)
    page.goto(world.base + PROMPTS + "/suggest")
    page.get_by_label("Your question").press_sequentially("How do you")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("navigation", name="This community").get_by_role("link").first.click()
    expect(page.get_by_label("Your question")).to_have_value("How do you")
    assert asked


PAGES = {
    "prompts-week": PROMPTS + "?view=week&date=2026-03-02",
    "prompts-month": PROMPTS + "?view=month&date=2026-03-02",
    "prompt-themes": PROMPTS + "/themes",
    "prompt-preview": PROMPTS + f"/themes/{THEME}",
    "prompt-suggestions": PROMPTS + "/suggestions",
    "prompt-suggest": PROMPTS + "/suggest",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_prompts_page_passes_axe_and_is_photographed(
    world: WebWorld, new_page: Any, name: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = new_page()
    sign_in_discord(world, page, MEMBER if name == "prompt-suggest" else ORGANIZER)
    if name.startswith("prompts-"):  # something on the calendar
        number = create(page, world, "every tuesday and thursday 18:00")
    if name == "prompt-suggestions":
        text = "Which small habit of your partner's culture have you made your own?"
        world.call(_run(world, MEMBER, ("prompt", "suggest"), theme=THEME, text=text))
    page.goto(world.base + PAGES[name])
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sideways
    shoot(page, name)
    if name.startswith("prompts-"):
        remove(page, world, number)
