"""Fixtures for the dashboard's browser tests: one running bot (see world.py) and Debian's
chromium driven by Playwright. Tests that need chromium skip only when it is not installed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.world import WebWorld

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"
)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebWorld]:
    running = WebWorld(tmp_path_factory.mktemp("web")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module: Playwright's sync driver keeps an event loop running on this thread while
    it is open, which asyncio tests elsewhere in the run must not meet."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Fresh browser contexts (their own cookies); closed after the test."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def sign_in_discord(world: WebWorld, page: Any, user: str) -> None:
    world.discord.oauth.next_login = user
    page.goto(world.base + "/")
    page.get_by_role("link", name="Sign in with Discord").click()
    page.wait_for_url(world.base + "/")


def sign_in_slack(world: WebWorld, page: Any, user: str, team: str = "T0001") -> None:
    world.slack.oidc.next_login = (user, team)
    page.goto(world.base + "/")
    page.get_by_role("link", name="Sign in with Slack").click()
    page.wait_for_url(world.base + "/")


def shoot(page: Any, name: str) -> None:
    """Save the page at desktop width and at 360 px (the README shows two of these)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    page.screenshot(path=str(SHOTS / f"{name}-360.png"), full_page=True)
    if size:
        page.set_viewport_size(size)


def axe_violations(page: Any) -> dict[int, list[tuple[str, str, int]]]:
    """axe-core's violations of any impact, at 1280 and at 360 px: {width: [(rule, impact,
    nodes)]}; a page that scrolls sideways at 360 px counts as one too."""
    from axe_playwright_python.sync_playwright import Axe

    found: dict[int, list[tuple[str, str, int]]] = {}
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        results = Axe().run(page)
        found[width] = [
            (v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]
        ]
        if width == 360 and page.evaluate("document.documentElement.scrollWidth") > 360:
            found[width].append(("scrolls-sideways", "serious", 1))
    return found
