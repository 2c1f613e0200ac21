"""A member's own page in the member's language (every catalog language, right to left where
the language is), their preferences saved through `/me`, and an axe scan with screenshots of
each new page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from bot.kernel import i18n
from tests.emulators.discord.server import GUILD_ID, OWNER_ID
from tests.web.conftest import needs_chromium, shoot, sign_in_discord
from tests.web.world import MEMBER, MODERATOR, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
HERE = f"/c/discord/{GUILD_ID}"
ME = HERE + "/me"


def _in(world: WebWorld, page: Any, locale: str) -> Any:
    world.set_locale("discord", GUILD_ID, MEMBER, locale)
    sign_in_discord(world, page, MEMBER)
    page.goto(world.base + ME)
    return page.locator("main")


def test_the_member_page_in_arabic_reads_right_to_left(world: WebWorld, page: Any) -> None:
    try:
        main = _in(world, page, "ar")
        assert main.get_attribute("lang") == "ar" and main.get_attribute("dir") == "rtl"
        for key in ("web.me.export_button", "web.me.prefs_heading", "privacy.delete.confirm"):
            assert i18n.t(key, "ar") != i18n.t(key, "en")
            expect(main).to_contain_text(i18n.t(key, "ar"))
        expect(page.get_by_label(i18n.t("web.me.delete_check", "ar"))).to_be_visible()
        shoot(page, "your-data-ar")
    finally:
        world.set_locale("discord", GUILD_ID, MEMBER, None)


@pytest.mark.parametrize("locale", sorted(i18n.locales()))
def test_the_member_page_speaks_every_catalog_language(
    world: WebWorld, page: Any, locale: str
) -> None:
    try:
        main = _in(world, page, locale)
        assert main.get_attribute("lang") == locale.replace("_", "-")
        for key in ("web.me.export_button", "web.me.save", "privacy.show.title"):
            expect(main).to_contain_text(i18n.t(key, locale))
    finally:
        world.set_locale("discord", GUILD_ID, MEMBER, None)


def test_a_member_chooses_japanese_and_exports_then_deletes(world: WebWorld, page: Any) -> None:
    try:
        sign_in_discord(world, page, MEMBER)
        page.goto(world.base + ME)
        page.get_by_label("Language").select_option("ja")
        page.get_by_label("Time zone").fill("Asia/Tokyo")
        page.get_by_role("button", name="Save preferences").click()
        main = page.locator("main")
        expect(main).to_have_attribute("lang", "ja")
        expect(page.get_by_label(i18n.t("web.me.language", "ja"))).to_have_value("ja")
        expect(page.get_by_label(i18n.t("web.me.timezone", "ja"))).to_have_value("Asia/Tokyo")
        shoot(page, "your-data-ja")
        dms = len(world.discord.dm_messages(MEMBER))
        page.get_by_role("button", name=i18n.t("web.me.export_button", "ja")).click()
        expect(page.locator(".notice.ok")).to_contain_text(i18n.t("privacy.export.sent", "ja")[:6])
        world.deliver()
        assert len(world.discord.dm_messages(MEMBER)) == dms + 1
        # Deleting needs the box ticked; the refusal is in Japanese too.
        page.locator("input[name=confirm]").evaluate("e => e.required = false")
        page.get_by_role("button", name=i18n.t("privacy.delete.yes", "ja")).click()
        expect(page.locator(".notice.error")).to_contain_text(i18n.t("web.me.confirm_needed", "ja"))
        page.get_by_label(i18n.t("web.me.delete_check", "ja")).check()
        page.get_by_role("button", name=i18n.t("privacy.delete.yes", "ja")).click()
        expect(page.locator(".notice.ok")).to_be_visible()
        expect(main).not_to_have_attribute("lang", "ja")  # the preference went with the rest
    finally:
        world.set_locale("discord", GUILD_ID, MEMBER, None)


NEW_PAGES = {
    "cases": (MODERATOR, HERE + "/cases"),
    "automod": (MODERATOR, HERE + "/automod"),
    "directory": (OWNER_ID, HERE + "/directory?topic=crisis&country=US"),
    "settings": (OWNER_ID, HERE + "/settings"),
    "communities-health": (MODERATOR, "/"),
}


@pytest.mark.parametrize("name", list(NEW_PAGES))
def test_each_new_page_passes_axe_and_is_photographed(
    world: WebWorld, page: Any, name: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    who, path = NEW_PAGES[name]
    if name == "cases":
        world.report(MEMBER, "Someone sends me messages every night after I asked them to stop.")
    sign_in_discord(world, page, who)
    page.goto(world.base + path)
    page.wait_for_load_state("networkidle")
    if name == "automod":  # scan the explanation too
        page.get_by_label("Message to check").fill("see https://grabify.link/abc")
        page.get_by_role("button", name="Check this message").click()
        expect(page.locator(".test-result")).to_be_visible()
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, name)
