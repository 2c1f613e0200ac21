"""Sign-in cannot be turned against the providers or the accounts: a callback whose state was
never issued (or was already spent) makes no outbound request, counted at the emulators; one
address and one account get only so many attempts, and nobody else is slowed by them."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from adapters.web.keys import CFG, LIMITS
from adapters.web.limits import client_address
from adapters.web.settings import WebSettings
from tests.emulators.discord.server import GUILD_ID
from tests.security.attack import COOKIE, active
from tests.web.conftest import needs_chromium, sign_in_discord
from tests.web.world import WebWorld

pytestmark = pytest.mark.security


def outbound(world: WebWorld) -> tuple[int, int]:
    """Token requests the providers have seen: Discord's, Slack's."""
    return world.discord.oauth.token_requests, len(world.slack.called("openid.connect.token"))


async def _callbacks(
    world: WebWorld,
    provider: str,
    states: list[str],
    cookie: str | None = None,
    address: str | None = None,
) -> list[int]:
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    if address:
        headers["X-Forwarded-For"] = address

    async def one(http: aiohttp.ClientSession, state: str) -> int:
        query = {"code": secrets.token_urlsafe(12), "state": state}
        url = f"{world.base}/login/{provider}/callback"
        async with http.get(url, params=query, headers=headers, allow_redirects=False) as r:
            return r.status

    async with aiohttp.ClientSession() as http:
        return list(await asyncio.gather(*(one(http, s) for s in states)))


async def _start(world: WebWorld, provider: str, address: str | None = None) -> Any:
    """Begin a sign-in as a script would: (status, the state sent to the provider, cookie)."""
    headers = {"X-Forwarded-For": address} if address else {}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{world.base}/login/{provider}", headers=headers, allow_redirects=False) as r,
    ):
        state = parse_qs(urlsplit(r.headers.get("Location", "")).query).get("state", [""])[0]
        cookie = r.cookies[COOKIE].value if COOKIE in r.cookies else None
        return r.status, state, cookie


@pytest.mark.parametrize("provider", ["discord", "slack"])
def test_100_forged_callbacks_make_no_outbound_request(world: WebWorld, provider: str) -> None:
    before = outbound(world)
    forged = [secrets.token_urlsafe(32) for _ in range(100)]
    statuses = world.call(_callbacks(world, provider, forged))
    assert set(statuses) == {400}
    # With a session that did start a sign-in, forged states fare no better.
    _, _, cookie = world.call(_start(world, provider))
    statuses = world.call(_callbacks(world, provider, forged, cookie))
    assert set(statuses) == {400}
    assert outbound(world) == before


@pytest.mark.parametrize("provider", ["discord", "slack"])
def test_an_issued_state_replayed_100_times_at_once_reaches_the_provider_once(
    world: WebWorld, provider: str
) -> None:
    before = outbound(world)
    status, state, cookie = world.call(_start(world, provider))
    assert status == 303 and state and cookie
    statuses = world.call(_callbacks(world, provider, [state] * 100, cookie))
    assert statuses.count(400) == 100  # the code is forged: the one try fails too
    after = outbound(world)
    assert sum(after) - sum(before) == 1


def test_an_address_over_its_limit_gets_429_and_others_are_not_slowed(world: WebWorld) -> None:
    limits = world.dashboard[LIMITS]
    count, limits.count = limits.count, 5
    before = outbound(world)
    try:
        attacker, member = "203.0.113.66", "198.51.100.7"
        for _ in range(5):
            assert world.call(_start(world, "discord", attacker))[0] == 303
        status, state, _ = world.call(_start(world, "discord", attacker))
        assert status == 429 and not state
        statuses = world.call(_callbacks(world, "discord", ["x"] * 20, address=attacker))
        assert set(statuses) == {429}
        assert world.call(_start(world, "discord", member))[0] == 303
    finally:
        limits.count = count
    assert outbound(world) == before


@pytest.mark.web
@needs_chromium
def test_an_account_over_its_limit_gets_no_new_session(world: WebWorld, new_page: Any) -> None:
    cfg = world.dashboard[CFG]
    uid = "710000000000000071"
    member = world.discord.add_member(uid, "Lee Limited", ("Moderators",))
    world.call(world.discord.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": GUILD_ID}))
    limit, cfg.signin_per_account = cfg.signin_per_account, 2
    try:
        for _ in range(2):
            sign_in_discord(world, new_page(), uid)
        page = new_page()
        world.discord.oauth.next_login = uid
        page.goto(world.base + "/")
        page.get_by_role("link", name="Sign in with Discord").click()
        page.wait_for_load_state()
        assert "Too many sign-ins" in page.inner_text("main")
        assert page.locator(".who").count() == 0
    finally:
        cfg.signin_per_account = limit
    assert len(active(world, "discord", uid)) == 2


def _from(peer: str, forwarded: str) -> Any:
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 40000) if name == "peername" else default
    )
    headers = {"X-Forwarded-For": forwarded}
    return make_mocked_request("GET", "/", headers=headers, transport=transport)


def test_x_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    """An attacker cannot dodge the address limit by naming a new address in each request."""
    assert client_address(_from("198.51.100.9", "192.0.2.1"), WebSettings()) == "198.51.100.9"
    behind = WebSettings(trusted_proxies=["10.0.0.0/8"])
    assert client_address(_from("10.0.0.2", "192.0.2.1"), behind) == "192.0.2.1"
    # The client's own hop is the nearest one a proxy did not add; what it wrote itself before
    # it (a spoofed first entry) is ignored.
    assert client_address(_from("10.0.0.2", "6.6.6.6, 192.0.2.1, 10.0.0.5"), behind) == (
        "192.0.2.1"
    )
    assert client_address(_from("198.51.100.9", "192.0.2.1"), behind) == "198.51.100.9"
