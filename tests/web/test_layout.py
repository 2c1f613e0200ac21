"""Layout a newcomer notices: headings below the title, a focus ring that can be seen, focus
kept after a queue action, a reload that does not send the automod test again, a favicon."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import needs_chromium, sign_in_discord
from tests.web.world import MEMBER, MODERATOR, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
HERE = f"/c/discord/{GUILD_ID}"


def _size(page: Any, selector: str) -> float:
    return float(
        page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_section_headings_are_smaller_than_the_title(
    world: WebWorld, new_page: Any, width: int
) -> None:
    page = new_page(viewport={"width": width, "height": 800})
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/prompts")
    title = _size(page, "main h1")
    for level in ("h2", "h3"):
        if page.locator(f"main {level}").count():
            assert _size(page, f"main {level}") < title


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[int, int, int]:
    parts = css[css.index("(") + 1 : css.index(")")].split(",")
    return int(parts[0]), int(parts[1]), int(parts[2])


def test_the_focus_ring_has_three_to_one_contrast(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/queue")
    page.keyboard.press("Tab")  # the skip link, then the first link of the page
    page.keyboard.press("Tab")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    back = page.evaluate("getComputedStyle(document.body).backgroundColor")
    light, dark = sorted((_luminance(_rgb(ring)), _luminance(_rgb(back))))
    assert (dark + 0.05) / (light + 0.05) >= 3.0


def test_focus_stays_in_the_queue_after_an_action(world: WebWorld, page: Any) -> None:
    first = world.report(MEMBER, "First of two, to be dismissed.")
    second = world.report(MEMBER, "Second of two, stays.")
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/queue")
    card = page.locator(f"#case-{first}")
    card.get_by_label("Action").select_option("dismiss")
    card.get_by_label("Reason").fill("Handled in a conversation.")
    card.get_by_role("button", name=f"Apply to case {first}").press("Enter")
    expect(page.locator(f"#case-{first}")).to_have_count(0)
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("data-queue-item", "")
    assert page.evaluate("document.activeElement !== document.body")
    assert page.locator(f"#case-{second}").count() == 1


def test_a_reload_does_not_send_the_automod_test_again(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.goto(world.base + HERE + "/automod")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_label("Message to check").fill("free nitro at discord-gift.example")
    page.get_by_role("button", name="Check this message").click()
    expect(page.locator(".test-result")).to_be_visible()
    assert len(posts) == 1
    page.reload()
    assert len(posts) == 1  # the reload was a GET
    expect(page.locator(".test-result")).to_have_count(0)  # and the answer was shown once


def test_the_dashboard_has_a_favicon(world: WebWorld, page: Any) -> None:
    page.goto(world.base + "/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href
    response = page.request.get(f"http://127.0.0.1:{world.port}{href}")
    assert response.status == 200 and b"<svg" in response.body()
