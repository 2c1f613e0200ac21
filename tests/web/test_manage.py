"""The management pages: communities with the bot's health, cases, automod, the support
directory, settings, and who may open each (asked of the platform on every request)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from bot.kernel.store.models import Community
from bot.moderation import prefs
from bot.support import directory
from bot.support.directory import DIRECTORY_DIR
from bot.support.models import SupportService
from tests.emulators.discord import oauth
from tests.emulators.discord.server import BOT_ID, GUILD_ID, OWNER_ID, snowflake
from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import MEMBER, MODERATOR, ORGANIZER, OTHER_GUILD, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
HERE = f"/c/discord/{GUILD_ID}"
XSS = '<img src=x onerror="window.__xss=1">'
MODERATOR_PAGES = ["/cases", "/cases.csv", "/automod", "/directory", "/directory/export.json"]


@pytest.mark.parametrize("path", [*MODERATOR_PAGES, "/settings"])
def test_members_and_organizers_are_refused_the_moderator_pages(
    world: WebWorld, new_page: Any, path: str
) -> None:
    for who in (MEMBER, ORGANIZER):
        page = new_page()
        sign_in_discord(world, page, who)
        assert page.request.get(world.base + HERE + path).status == 403


@pytest.mark.parametrize("path", ["/cases", "/automod", "/directory", "/settings"])
def test_moderators_of_another_community_are_refused(
    world: WebWorld, new_page: Any, path: str
) -> None:
    page = new_page()
    sign_in_discord(world, page, MODERATOR)
    assert page.goto(world.base + f"/c/discord/{OTHER_GUILD}" + path).status == 403
    slack = new_page()
    sign_in_slack(world, slack, "UMOD")  # a moderator of the Slack workspace only
    assert slack.goto(world.base + HERE + path).status == 403
    assert slack.goto(world.base + "/c/slack/T0001" + path).status == (
        403 if path == "/settings" else 200
    )


def test_the_right_roles_open_each_page(world: WebWorld, new_page: Any) -> None:
    page = new_page()
    sign_in_discord(world, page, MODERATOR)
    for path in ("/cases", "/automod", "/directory"):
        assert page.goto(world.base + HERE + path).status == 200
    assert page.goto(world.base + HERE + "/settings").status == 403  # administrators only
    owner = new_page()
    sign_in_discord(world, owner, OWNER_ID)
    assert owner.goto(world.base + HERE + "/settings").status == 200
    expect(owner.get_by_role("link", name="Settings")).to_be_visible()


# --- communities and the bot's health -------------------------------------------------------


@pytest.fixture
def bot_role(world: WebWorld) -> Iterator[dict[str, Any]]:
    """A role for the bot, ranked between the moderators and organizers; removed afterwards."""
    rid = snowflake()
    role = {"id": rid, "name": "Crossings bot", "position": 4, "permissions": str(1 << 11)}
    world.discord.roles[rid] = role
    world.discord.members[BOT_ID]["roles"].append(rid)
    yield role
    world.discord.members[BOT_ID]["roles"].remove(rid)
    del world.discord.roles[rid]


def test_moderators_see_the_bots_health_and_members_do_not(
    world: WebWorld, new_page: Any, bot_role: dict[str, Any]
) -> None:
    hostile = snowflake()
    world.discord.roles[hostile] = {"id": hostile, "name": XSS, "position": 7, "permissions": "0"}
    page = new_page()
    try:
        sign_in_discord(world, page, MODERATOR)
    finally:
        del world.discord.roles[hostile]
    health = page.get_by_role("region", name="Bot health in Crossings test")
    expect(health).to_contain_text(XSS)  # shown as text, never run
    assert page.locator("main img").count() == 0 and page.evaluate("window.__xss") is None
    expect(health).to_contain_text("lacks these permissions")
    expect(health).to_contain_text("Ban Members")
    expect(health).not_to_contain_text("Send Messages,")  # the bot's role grants it
    expect(health).to_contain_text("rank at or above the bot's own")
    expect(health).to_contain_text("Moderators")
    expect(health).not_to_contain_text("Organizers")  # ranked below the bot
    # Fixed on the platform: the next request sees it (no list captured earlier).
    bot_role["permissions"], bot_role["position"] = str(1 << 3), 9
    page.reload()
    expect(health).to_contain_text("has what it needs")
    member = new_page()
    sign_in_discord(world, member, MEMBER)
    expect(member.locator(".card")).to_have_count(1)
    expect(member.get_by_role("region", name="Bot health in Crossings test")).to_have_count(0)


def test_the_communities_page_links_to_adding_the_bot_where_a_platform_can(
    world: WebWorld, new_page: Any
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from adapters.discord.survey import NEEDED

    page = new_page()
    sign_in_discord(world, page, OWNER_ID)
    link = page.get_by_role("link", name="Add the bot to another Discord server")
    url = urlsplit(str(link.get_attribute("href")))
    query = parse_qs(url.query)
    assert url.path == "/oauth2/authorize"
    assert query["scope"] == ["bot applications.commands"]
    assert query["client_id"] == [oauth.CLIENT_ID]
    assert int(query["permissions"][0]) == sum(NEEDED)
    assert not int(query["permissions"][0]) & (1 << 3)  # never Administrator
    slack = new_page()
    sign_in_slack(world, slack, "UADMIN")
    expect(slack.get_by_role("link", name="Add the bot to another")).to_have_count(0)


def test_an_unset_queue_channel_is_a_warning(world: WebWorld, page: Any) -> None:
    sign_in_slack(world, page, "UMOD")
    expect(page.get_by_role("region", name="Bot health in Crossings workspace")).to_be_visible()
    world.slack.absent.add("C0MODS")
    try:
        page.reload()
        expect(page.locator(".health")).to_contain_text("cannot see or post in the moderator queue")
    finally:
        world.slack.absent.discard("C0MODS")


# --- cases ----------------------------------------------------------------------------------


def test_case_search_filters_by_member_text_and_dates(world: WebWorld, page: Any) -> None:
    first = world.report(MEMBER, "They keep posting my address in the general channel")
    first_target = world.reported_last
    second = world.report(MEMBER, "Insults about my partner's accent")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/cases")
    page.get_by_label("Member (id)").fill(first_target)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"#{first}")
    page.get_by_label("Member (id)").fill("")
    page.get_by_label("Text").fill("partner's accent")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"#{second}")
    page.get_by_label("From (date)").fill("2026-03-03")  # the day after the world's clock
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No cases match.")).to_be_visible()
    page.get_by_label("From (date)").fill("2026-03-02")
    page.get_by_label("To (date, included)").fill("2026-03-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#until-error")).to_contain_text("before the start date")


def test_cases_csv_has_the_filtered_cases_and_never_the_reporter(
    world: WebWorld, page: Any
) -> None:
    number = world.report(MEMBER, "=cmd|' /C calc'!A0 sent to me twice")
    target = world.reported_last
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + f"/cases?member={target}")
    with page.expect_download() as done:
        page.get_by_role("link", name="Download these cases as CSV").click()
    with open(done.value.path(), encoding="utf-8") as f:
        table = list(csv.reader(io.StringIO(f.read())))
    assert table[0][:5] == ["case", "opened_utc", "kind", "status", "member"]
    assert [r[0] for r in table[1:]] == [str(number)]
    assert table[1][2:5] == ["report", "open", target]
    assert all(MEMBER not in cell for row in table for cell in row)  # the reporter


# --- automod --------------------------------------------------------------------------------


def _automod(world: WebWorld) -> dict[str, Any]:
    return dict(world.community().extra.get("automod") or {})


def test_turning_a_rule_off_reaches_the_store_and_the_audit_log(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/automod")
    page.get_by_role("button", name="Turn off bad-links").click()
    expect(page.locator(".notice.ok")).to_contain_text("bad-links")
    assert "bad-links" in _automod(world)["disabled_rules"]
    expect(page.locator("#rule-bad-links")).to_contain_text("off")
    entries = [(e.action, e.actor_id, e.reason) for e in world.audit()[-2:]]
    assert entries == [
        ("automod.rule", MODERATOR, "bad-links: off"),
        ("web automod off", MODERATOR, "via dashboard"),
    ]
    # An off rule does not fire, not even in the test box.
    page.get_by_label("Message to check").fill("free stuff at https://grabify.link/x")
    page.get_by_role("button", name="Check this message").click()
    expect(page.locator(".test-result")).not_to_contain_text("bad-links")
    page.get_by_role("button", name="Turn on bad-links").click()
    expect(page.get_by_role("button", name="Turn off bad-links")).to_be_visible()
    assert "bad-links" not in _automod(world)["disabled_rules"]


def test_the_test_box_says_which_rule_fires_and_why(world: WebWorld, page: Any) -> None:
    audited = len(world.audit())
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/automod")
    page.get_by_label("Message to check").fill("claim it here https://grabify.link/abc")
    page.get_by_role("button", name="Check this message").click()
    hit = page.locator(".test-result .hit").filter(has_text="bad-links")
    expect(hit).to_contain_text("grabify.link")
    expect(hit).to_contain_text("hold")
    page.get_by_label("Message to check").fill("Good morning, how was the weekend?")
    page.get_by_role("button", name="Check this message").click()
    expect(page.locator(".test-result .hit")).to_have_count(0)
    assert len(world.audit()) == audited  # a test changes nothing


def test_a_community_word_is_added_caught_in_disguise_and_removed(
    world: WebWorld, page: Any
) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/automod")
    form = page.get_by_role("region", name="Add a rule for this community")
    form.get_by_label("What to look for").select_option("word")
    form.get_by_label("Word, pattern or domain").fill("visa fixer")
    form.get_by_label("What automod does").select_option("delete")
    form.get_by_role("button", name="Add this rule").click()
    expect(page.locator(".notice.ok")).to_contain_text("visa fixer")
    row = page.locator("tr", has=page.locator("code", has_text="own-word-visa fixer"))
    expect(row).to_contain_text("delete, alert")
    assert world.audit()[-1].action == "web automod add word"
    page.get_by_label("Message to check").fill("ask the v.i.s.a f1xer, he knows")
    page.get_by_role("button", name="Check this message").click()
    expect(page.locator(".test-result .hit").filter(has_text="own-word-visa")).to_have_count(1)
    row.get_by_role("button", name="Remove own-word-visa fixer").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    expect(page.locator("code", has_text="own-word-visa fixer")).to_have_count(0)
    assert world.audit()[-1].action == "web automod remove"
    built_in = page.locator("tr", has=page.locator("code", has_text="bad-links"))
    expect(built_in.get_by_role("button", name="Remove bad-links")).to_have_count(0)


def test_a_broken_pattern_is_refused_with_the_reason(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/automod")
    rules = page.locator("tbody tr").count()
    form = page.get_by_role("region", name="Add a rule for this community")
    form.get_by_label("What to look for").select_option("pattern")
    form.get_by_label("Word, pattern or domain").fill("(unclosed")
    form.get_by_role("button", name="Add this rule").click()
    expect(page.locator(".notice.error")).to_be_visible()
    assert page.locator("tbody tr").count() == rules


def test_dry_run_for_one_rule(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/automod")
    page.get_by_role("button", name="Dry run invites").click()
    expect(page.locator("#rule-invites")).to_contain_text("dry run")
    assert "invites" in _automod(world)["dry_run_rules"]
    page.get_by_role("button", name="End dry run for invites").click()
    expect(page.locator("#rule-invites")).not_to_contain_text("dry run")


# --- the support directory ------------------------------------------------------------------


def _services(world: WebWorld) -> int:
    with Session(world.app.store.engine) as s:
        return int(s.exec(select(func.count()).select_from(SupportService)).one())


def test_directory_import_dry_run_shows_problems_and_imports_nothing(
    world: WebWorld, new_page: Any
) -> None:
    page = new_page(java_script_enabled=False)  # a plain multipart form post, CSRF in the body
    sign_in_discord(world, page, OWNER_ID)
    page.goto(world.base + HERE + "/directory?topic=crisis")  # loads the shipped directory
    before = _services(world)
    feed = b"id,name,organization_id,status\nsvc-1,,org-missing,activ\n"
    page.get_by_label("Feed file").set_input_files(
        {"name": "services.csv", "mimeType": "text/csv", "buffer": feed}
    )
    page.get_by_role("button", name="Check this file").click()
    problems = page.get_by_role("region", name="Import problems")
    expect(problems).to_contain_text("services.csv")
    row = problems.locator("tr").filter(has_text="required by HSDS")
    expect(row).to_contain_text("row 2")
    expect(row).to_contain_text("name")
    expect(problems.locator("tr").filter(has_text="activ").first).to_contain_text("status")
    expect(page.get_by_role("button", name="Import these changes")).to_have_count(0)
    assert _services(world) == before


def test_directory_search_preview_and_export(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/directory")
    page.get_by_label("Topic").select_option("crisis")
    page.get_by_label("Country code").fill("US")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("region", name="Search results")
    expect(results.locator("ol.ranked li").first).to_be_visible()
    expect(page.get_by_role("button", name="Check this file")).to_have_count(0)  # not admin
    with page.expect_download() as done:
        page.get_by_role("link", name="Download the directory as HSDS 3 JSON").click()
    with open(done.value.path(), encoding="utf-8") as f:
        assert f.read().lstrip().startswith("[")


def test_the_dashboards_own_export_checks_back_in_without_a_problem(
    world: WebWorld, page: Any
) -> None:
    """Every shipped entry (SMS short codes included) survives export and the import check."""
    sign_in_discord(world, page, OWNER_ID)
    page.goto(world.base + HERE + "/directory")
    with page.expect_download() as done:
        page.get_by_role("link", name="Download the directory as HSDS 3 JSON").click()
    exported = Path(done.value.path()).read_bytes()
    assert len([d for d in json.loads(exported) if "status" in d]) >= 250
    before = _services(world)
    page.get_by_label("Feed file").set_input_files(
        {"name": "directory-hsds3.json", "mimeType": "application/json", "buffer": exported}
    )
    page.get_by_role("button", name="Check this file").click()
    expect(page.locator(".report")).to_contain_text("services would be added")
    expect(page.get_by_role("region", name="Import problems")).to_have_count(0)
    expect(page.get_by_role("button", name="Import these changes")).to_be_visible()
    assert _services(world) == before  # a check writes nothing


# --- settings -------------------------------------------------------------------------------


def test_settings_pickers_render_hostile_names_inert_and_save(world: WebWorld, page: Any) -> None:
    channel = world.discord.add_channel(XSS)
    rid = snowflake()
    world.discord.roles[rid] = {"id": rid, "name": XSS + "role", "position": 1, "permissions": "0"}
    before, queue_before = world.community(), world.queue_channel()
    try:
        sign_in_discord(world, page, OWNER_ID)
        page.goto(world.base + HERE + "/settings")
        picker = page.get_by_label("Moderator queue channel")
        assert picker.locator("option").filter(has_text=XSS).count() == 1
        assert page.locator("main img").count() == 0
        assert page.evaluate("window.__xss") is None
        picker.select_option(channel)
        moderators = page.get_by_role("group", name="Roles with moderator rights")
        moderators.get_by_role("checkbox", name=XSS + "role").check()
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".notice.ok")).to_contain_text("Saved")
        after = world.community()
        assert world.queue_channel() == channel and rid in after.moderator_roles
        actions = [(e.action, e.reason) for e in world.audit()[-2:]]
        assert ("web settings queue", "via dashboard") in actions
        assert page.evaluate("window.__xss") is None
    finally:
        with Session(world.app.store.engine) as s:
            row = s.get(type(before), before.id)
            prefs.update(s, row, queue_channel=queue_before)
            row.moderator_roles = before.moderator_roles
            s.add(row)
            s.commit()
        del world.discord.channels[channel], world.discord.roles[rid]


def test_settings_validation_errors_are_shown_in_the_form(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, OWNER_ID)
    page.goto(world.base + HERE + "/settings")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#timezone-error")).to_be_visible()
    assert page.get_by_label("Time zone").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Time zone").input_value() == "Mars/Olympus_Mons"  # kept
    assert world.community().timezone == "UTC"


def test_directory_import_after_the_dry_run_imports_that_file(world: WebWorld, page: Any) -> None:
    shipped = json.loads(DIRECTORY_DIR.read_text(encoding="utf-8"))
    service = {**shipped[0], "id": str(uuid.uuid4()), "name": "Test service for the dashboard"}
    sign_in_discord(world, page, OWNER_ID)
    page.goto(world.base + HERE + "/directory?topic=crisis")
    before = _services(world)
    page.get_by_label("Feed file").set_input_files(
        {
            "name": "feed.json",
            "mimeType": "application/json",
            "buffer": json.dumps([service]).encode(),
        }
    )
    page.get_by_role("button", name="Check this file").click()
    expect(page.locator(".report")).to_contain_text("1 services would be added")
    assert _services(world) == before  # the dry run wrote nothing
    page.get_by_role("button", name="Import these changes").click()
    expect(page.locator(".notice.ok")).to_contain_text("1 added")
    try:
        assert _services(world) == before + 1
        last = world.audit()[-1]
        assert (last.action, last.actor_id) == ("web directory import", OWNER_ID)
        assert "via dashboard" in (last.reason or "")
    finally:
        with Session(world.app.store.engine) as s:
            row = s.exec(select(SupportService).where(SupportService.id == service["id"])).one()
            s.delete(row)
            s.commit()
        directory.forget_indexes(world.app)


def test_directory_an_admin_corrects_and_deletes_an_entry_of_their_own(
    world: WebWorld, page: Any
) -> None:
    sid = str(uuid.uuid4())
    service = {
        "id": sid,
        "name": "Line to correct",
        "status": "active",
        "organization": {"id": f"org-{sid}", "name": "Local group", "description": "test"},
        "phones": [{"id": f"ph-{sid}", "number": "+1 202-555-0111"}],
        "languages": [{"id": f"l-{sid}", "code": "en"}],
        "attributes": [
            {
                "id": f"a-{sid}",
                "taxonomy_term": {
                    "id": "t-da",
                    "code": "domestic-abuse",
                    "name": "Domestic abuse",
                    "description": "Domestic abuse support",
                },
            }
        ],
        "service_areas": [{"id": f"s-{sid}", "extent": "US", "extent_type": "iso3166-1-alpha-2"}],
    }
    sign_in_discord(world, page, OWNER_ID)
    page.goto(world.base + HERE + "/directory")
    page.get_by_label("Feed file").set_input_files(
        {
            "name": "own.json",
            "mimeType": "application/json",
            "buffer": json.dumps([service]).encode(),
        }
    )
    page.get_by_role("button", name="Check this file").click()
    page.get_by_role("button", name="Import these changes").click()
    try:
        page.get_by_role("link", name="Line to correct").click()
        page.get_by_label("Phone number").fill("call us")
        page.get_by_role("button", name="Save this entry").click()
        expect(page.locator("#phone-error")).to_contain_text("not a phone number")
        assert page.get_by_label("Phone number").get_attribute("aria-invalid") == "true"
        page.get_by_label("Name").fill("Corrected line")
        page.get_by_label("Phone number").fill("+1 202-555-0112")
        page.get_by_role("button", name="Save this entry").click()
        expect(page.locator(".notice.ok")).to_contain_text("Saved Corrected line")
        last = world.audit()[-1]
        assert (last.action, last.target_id) == ("web directory edit", sid)
        assert "name, phone" in (last.reason or "")
        page.goto(world.base + HERE + "/directory?topic=domestic-abuse&country=US")
        results = page.get_by_role("region", name="Search results").inner_text()
        assert "Corrected line" in results and "+1 202-555-0112" in results
        assert "Added by this community's moderators" in results
        page.get_by_role("link", name="Corrected line").click()
        page.get_by_role("button", name="Delete this entry").click()
        expect(page.locator(".notice.ok")).to_contain_text("Deleted Corrected line")
        assert world.audit()[-1].action == "web directory delete"
        page.goto(world.base + HERE + "/directory?topic=domestic-abuse&country=US")
        assert (
            "Corrected line" not in page.get_by_role("region", name="Search results").inner_text()
        )
    finally:
        with Session(world.app.store.engine) as s:
            for row in s.exec(select(SupportService).where(SupportService.id == sid)):
                s.delete(row)
            s.commit()
        directory.forget_indexes(world.app)


def test_who_filed_a_report_is_set_on_the_web_as_by_command(world: WebWorld, page: Any) -> None:
    def shown() -> bool:
        with Session(world.app.store.engine) as s:
            return prefs.of(s, world.community()).show_reporter_to_moderators

    was = shown()
    sign_in_discord(world, page, OWNER_ID)
    page.goto(world.base + HERE + "/settings")
    group = page.get_by_role("group", name="Who filed a report")
    wanted = "Hidden from moderators" if was else "Moderators see who filed each report"
    try:
        group.get_by_label(wanted).check()
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".notice.ok")).to_contain_text("reporter")
        assert shown() is not was
        assert world.audit()[-1].action == "web settings reporter"
        expect(group.get_by_label(wanted)).to_be_checked()  # the page shows it as it is now
    finally:
        with Session(world.app.store.engine) as s:
            prefs.update(s, world.community(), show_reporter_to_moderators=was)
            s.commit()


def test_settings_changed_elsewhere_are_not_overwritten(world: WebWorld, new_page: Any) -> None:
    first, second = new_page(), new_page()
    for page in (first, second):
        sign_in_discord(world, page, OWNER_ID)
        page.goto(world.base + HERE + "/settings")
    try:
        first.get_by_label("Time zone").fill("Asia/Manila")
        first.get_by_role("button", name="Save settings").click()
        expect(first.locator(".notice.ok")).to_contain_text("timezone")
        second.get_by_label("Time zone").fill("Europe/Lisbon")
        second.get_by_role("button", name="Save settings").click()
        expect(second.locator(".notice.error")).to_contain_text("Someone else changed")
        expect(second.get_by_label("Time zone")).to_have_value("Asia/Manila")  # as it is now
        assert world.community().timezone == "Asia/Manila"
    finally:
        with Session(world.app.store.engine) as s:
            row = s.get(Community, world.community().id)
            row.timezone = "UTC"
            s.add(row)
            s.commit()


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/automod/change", {"op": "off", "rule": "flood"}),
        ("/settings", {"timezone": "Asia/Tokyo"}),
        ("/directory/confirm", {"token": "x"}),
        ("/me/preferences", {"timezone": "Asia/Tokyo"}),
    ],
)
def test_every_new_form_needs_the_sessions_csrf_token(
    world: WebWorld, page: Any, path: str, form: dict[str, str]
) -> None:
    sign_in_discord(world, page, OWNER_ID)
    before = world.community()
    refused = page.request.post(world.base + HERE + path, form=form, max_redirects=0)
    assert refused.status == 403
    forged = page.request.post(
        world.base + HERE + path, form={**form, "csrf": "forged"}, max_redirects=0
    )
    assert forged.status == 403
    after = world.community()
    assert (after.extra, after.timezone) == (before.extra, before.timezone)
    page.goto(world.base + HERE + "/automod")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    accepted = page.request.post(
        world.base + HERE + path, form={**form, "csrf": token or ""}, max_redirects=0
    )
    assert accepted.status != 403
    if path == "/automod/change":  # put the rule back
        page.request.post(
            world.base + HERE + path,
            form={"op": "on", "rule": "flood", "csrf": token or ""},
            max_redirects=0,
        )
