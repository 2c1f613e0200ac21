"""Signing in to the dashboard through the emulated Discord and Slack, in a real browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import MEMBER, MODERATOR, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]


def test_discord_sign_in_lists_the_server_with_the_members_role(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    assert page.get_by_role("heading", name="Your communities").is_visible()
    card = page.locator(".card", has_text="Crossings test")
    assert "you are moderator" in card.inner_text()
    assert "Mina Moderator" in page.locator(".who").inner_text()
    # A server the bot knows but this member is not in is not listed.
    assert page.locator(".card", has_text="Another server").count() == 0


def test_slack_sign_in_checks_nonce_and_lists_only_that_workspace(
    world: WebWorld, page: Any
) -> None:
    sign_in_slack(world, page, "UMOD")
    card = page.locator(".card", has_text="Crossings workspace")
    assert "you are moderator" in card.inner_text()
    assert page.locator(".card", has_text="Crossings test").count() == 0
    token_calls = [c for c in world.slack.calls if c.method == "openid.connect.token"]
    assert token_calls and token_calls[-1].ok


def _callback_url(world: WebWorld, page: Any, provider: str) -> str:
    """Sign in while recording the provider's redirect back to the dashboard."""
    seen: list[str] = []
    page.on(
        "request",
        lambda r: seen.append(r.url) if f"/login/{provider}/callback" in r.url else None,
    )
    if provider == "discord":
        sign_in_discord(world, page, MODERATOR)
    else:
        sign_in_slack(world, page, "UMOD")
    assert seen
    return seen[-1]


@pytest.mark.parametrize("provider", ["discord", "slack"])
def test_a_state_is_used_once(world: WebWorld, new_page: Any, provider: str) -> None:
    page = new_page()
    callback = _callback_url(world, page, provider)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("link", name="Sign in with Discord")).to_be_visible()
    response = page.goto(callback)
    assert response.status == 400
    assert "expired or was not started here" in page.inner_text("main")
    assert page.locator(".who").count() == 0


def test_a_forged_state_is_refused_and_signs_nobody_in(world: WebWorld, page: Any) -> None:
    world.discord.oauth.next_login = None  # the provider stops at its own sign-in screen
    page.goto(world.base + "/")
    page.get_by_role("link", name="Sign in with Discord").click()
    state = parse_qs(urlsplit(page.url).query)["state"][0]
    world.discord.oauth.next_login = MEMBER
    # An answer with a state this browser's session never made (e.g. a link from an attacker).
    response = page.goto(f"{world.base}/login/discord/callback?code=stolen&state=forged{state}")
    assert response.status == 400
    page.goto(world.base + "/")
    assert page.get_by_role("link", name="Sign in with Discord").is_visible()
    # The real state was spent by the refused attempt: it cannot be used afterwards either.
    response = page.goto(f"{world.base}/login/discord/callback?code=stolen&state={state}")
    assert response.status == 400


def test_a_wrong_nonce_from_slack_is_refused(world: WebWorld, page: Any) -> None:
    world.slack.oidc.nonce_override = "replayed-id-token"
    try:
        sign_in_slack_expecting_failure(world, page)
    finally:
        world.slack.oidc.nonce_override = None
    assert "Signing in did not work" in page.inner_text("main")
    assert page.locator(".who").count() == 0


def test_a_slack_sign_in_that_names_no_workspace_is_refused(world: WebWorld, page: Any) -> None:
    """A Slack sign-in holds for one workspace; one that names none would hold for every one."""
    sign_in_slack_expecting_failure(world, page, team="")
    assert "Signing in did not work" in page.inner_text("main")
    assert page.locator(".who").count() == 0


def sign_in_slack_expecting_failure(world: WebWorld, page: Any, team: str = "T0001") -> None:
    world.slack.oidc.next_login = ("UMOD", team)
    page.goto(world.base + "/")
    page.get_by_role("link", name="Sign in with Slack").click()
    page.wait_for_load_state()


def test_the_session_cookie_is_encrypted_secure_httponly_and_lax(
    world: WebWorld, page: Any
) -> None:
    sign_in_discord(world, page, MODERATOR)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "crossings_dashboard"]
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert MODERATOR not in cookie["value"]  # encrypted, not merely signed


def test_a_tampered_cookie_means_signed_out(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "crossings_dashboard"]
    page.context.add_cookies([{**cookie, "value": cookie["value"][:-8] + "AAAAAAA="}])
    page.goto(world.base + "/")
    assert page.get_by_role("link", name="Sign in with Discord").is_visible()


def test_sign_out_ends_the_session(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, MODERATOR)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("link", name="Sign in with Discord")).to_be_visible()
    page.goto(f"{world.base}/c/discord/800000000000000001/queue")
    assert page.url.rstrip("/") == world.base
    assert page.get_by_role("link", name="Sign in with Discord").is_visible()
