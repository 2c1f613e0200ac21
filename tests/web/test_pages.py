"""Every page: a member's own data page, an axe-core scan with no serious or critical
violations, and screenshots at desktop width and at 360 px (docs/screenshots/)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from bot.kernel import i18n
from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import needs_chromium, shoot, sign_in_discord
from tests.web.world import MEMBER, MODERATOR, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
HERE = f"/c/discord/{GUILD_ID}"
PAGES = {
    "sign-in": None,
    "communities": "/",
    "community": HERE + "/",
    "queue": HERE + "/queue",
    "prompts": HERE + "/prompts",
    "audit-log": HERE + "/audit",
    "your-data": HERE + "/me",
}


def test_a_member_sees_exports_and_deletes_their_own_data(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MEMBER)
    page.goto(world.base + HERE + "/me")
    title = i18n.t("privacy.show.title", "en")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    dms_before = len(world.discord.dm_messages(MEMBER))
    page.get_by_role("button", name="Send me my data").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    world.deliver()
    assert len(world.discord.dm_messages(MEMBER)) == dms_before + 1  # the file, privately
    page.get_by_label("I understand, delete my data").check()
    page.get_by_role("button", name="Delete my data").click()
    expect(page.locator(".notice.ok")).to_contain_text("deleted", ignore_case=True)


def test_a_members_page_speaks_their_language(world: WebWorld, page: Any) -> None:
    world.set_locale("discord", GUILD_ID, MEMBER, "es")
    try:
        sign_in_discord(world, page, MEMBER)
        page.goto(world.base + HERE + "/me")
        main = page.locator("main")
        assert main.get_attribute("lang") == "es"
        assert i18n.t("privacy.show.title", "es") in main.inner_text()
        assert i18n.t("privacy.delete.confirm", "es") in main.inner_text()
        assert i18n.t("privacy.delete.confirm", "es") != i18n.t("privacy.delete.confirm", "en")
    finally:
        world.set_locale("discord", GUILD_ID, MEMBER, None)


def _open(world: WebWorld, page: Any, name: str) -> None:
    path = PAGES[name]
    if path is None:
        page.goto(world.base + "/")
    else:
        page.goto(world.base + path)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_passes_axe_and_is_photographed(
    world: WebWorld, new_page: Any, name: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = new_page()
    if name == "queue":
        world.report(MEMBER, "Someone keeps sending me messages after I asked them to stop.")
    if name != "sign-in":
        sign_in_discord(world, page, MODERATOR)
    if name == "prompts":  # scan and show the table and its edit form too
        page.goto(world.base + HERE + "/prompts")
        new = page.get_by_role("form", name="New schedule")
        new.get_by_label("Channel").fill(world.discord.channel_id("prompts"))
        new.get_by_label("When").fill("first sunday of the month 10:00")
        new.get_by_role("button", name="Create schedule").click()
        expect(page.locator(".notice.ok")).to_be_visible()
    _open(world, page, name)
    if name == "prompts":
        page.locator("tbody details").first.locator("summary").click()
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    # Nothing scrolls sideways at 360 px.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, name)


def test_the_pinned_htmx_is_served_by_the_bot(world: WebWorld, page: Any) -> None:
    page.goto(world.base + "/")
    src = page.locator("script[src*=htmx]").get_attribute("src")
    assert src and src.startswith("/dashboard/static/htmx-2.0.4")
    response = page.request.get(f"http://127.0.0.1:{world.port}{src}")
    assert response.status == 200 and b"htmx" in response.body()[:2000]
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
