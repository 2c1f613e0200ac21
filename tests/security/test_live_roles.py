"""Roles are live on every platform: an admin demoted or deactivated in Slack, or a moderator
whose Discord role is taken away, loses the dashboard on the next request, whatever session
they still hold; and nobody can talk the bot into a role with a forged or doctored event."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.discord.server import GUILD_ID
from tests.emulators.slack.harness import slack_workspace
from tests.emulators.slack.server import TEAM_ID
from tests.security.attack import active, cookie_of, on_own_loop, slack_event, until
from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import WebWorld

pytestmark = pytest.mark.security
SLACK = f"/c/slack/{TEAM_ID}"
QUEUE = f"/c/discord/{GUILD_ID}/queue"


@pytest.mark.web
@needs_chromium
def test_a_slack_admin_demoted_in_the_workspace_gets_403_on_the_next_request(
    world: WebWorld, new_page: Any
) -> None:
    world.slack.add_user("UBOSS", "Bea Boss", admin=True)
    page = new_page()
    sign_in_slack(world, page, "UBOSS")
    assert page.goto(world.base + SLACK + "/settings").status == 200
    copy = new_page()  # the cookie copied to another machine before the demotion
    copy.context.add_cookies([cookie_of(page)])
    assert copy.goto(world.base + SLACK + "/settings").status == 200

    slack_event(world, world.slack.change_user("UBOSS", is_admin=False))
    until(lambda: not active(world, "slack", "UBOSS"))

    for browser in (page, copy):
        response = browser.goto(world.base + SLACK + "/settings")
        assert response.status == 403
        assert "roles changed" in browser.inner_text("main")
    # Signing in again gives what Slack says now: a member, with no way to the settings.
    sign_in_slack(world, page, "UBOSS")
    assert "you are member" in page.locator(".card").inner_text()
    assert page.goto(world.base + SLACK + "/settings").status == 403
    assert page.goto(world.base + SLACK + "/me").status == 200


@pytest.mark.web
@needs_chromium
def test_a_demotion_whose_event_is_lost_counts_once_the_short_cache_runs_out(
    world: WebWorld, page: Any
) -> None:
    members = world.app.platforms["slack"].members
    world.slack.add_user("UBOSS2", "Bo Boss", admin=True)
    sign_in_slack(world, page, "UBOSS2")
    assert page.goto(world.base + SLACK + "/settings").status == 200
    world.slack.change_user("UBOSS2", is_admin=False)  # Slack's event never reaches the bot
    ttl, members.ttl = members.ttl, 0.3  # the bound, shortened from its 30 s default
    try:
        time.sleep(0.4)
        assert page.goto(world.base + SLACK + "/settings").status == 403
    finally:
        members.ttl = ttl
    assert world.slack.called("users.info")[-1].args["user"] == "UBOSS2"


@pytest.mark.web
@needs_chromium
def test_a_deactivated_slack_user_is_nobody(world: WebWorld, page: Any) -> None:
    world.slack.add_user("UGONE", "Gus Gone")
    sign_in_slack(world, page, "UGONE")
    assert page.goto(world.base + SLACK + "/me").status == 200
    slack_event(world, world.slack.change_user("UGONE", deleted=True))
    until(lambda: not active(world, "slack", "UGONE"))
    assert page.goto(world.base + SLACK + "/me").status == 403
    # A fresh sign-in (Slack still answers for the deactivated account) opens no community.
    sign_in_slack(world, page, "UGONE")
    assert page.locator(".card").count() == 0
    assert page.goto(world.base + SLACK + "/me").status == 403


@pytest.mark.web
@needs_chromium
def test_a_discord_role_taken_away_ends_the_privileged_session_but_a_nickname_does_not(
    world: WebWorld, page: Any
) -> None:
    uid = "710000000000000061"
    member = world.discord.add_member(uid, "Rae Removed", ("Moderators",))
    world.call(world.discord.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": GUILD_ID}))
    sign_in_discord(world, page, uid)
    assert page.goto(world.base + QUEUE).status == 200

    member["nick"] = "Rae"  # not a role: the session goes on
    world.call(world.discord.dispatch("GUILD_MEMBER_UPDATE", {**member, "guild_id": GUILD_ID}))
    time.sleep(0.3)
    assert active(world, "discord", uid)
    assert page.goto(world.base + QUEUE).status == 200

    member["roles"] = []
    world.call(world.discord.dispatch("GUILD_MEMBER_UPDATE", {**member, "guild_id": GUILD_ID}))
    until(lambda: not active(world, "discord", uid))
    response = page.goto(world.base + QUEUE)
    assert response.status == 403 and "roles changed" in page.inner_text("main")


def test_a_doctored_or_forged_member_event_grants_nothing(tmp_path: Path) -> None:
    """Signed HTTP delivery: an unsigned event is refused, and a signed one only makes the bot
    read the member again: roles come from users.info, never from the event's own words."""
    on_own_loop(_doctored(tmp_path))


async def _doctored(tmp_path: Path) -> None:
    async with slack_workspace(tmp_path, "http") as ws:
        em, platform = ws.emulator, ws.adapter.platform
        em.add_user("UPLAIN", "Pat Plain")
        assert not (await platform.fetch_member(TEAM_ID, "UPLAIN")).is_admin  # type: ignore[union-attr]
        doctored = em.user_event("user_change", "UPLAIN")
        doctored["event"]["user"]["is_admin"] = True  # what an attacker would like it to say
        status, _ = await em.deliver_http(ws.url, "events_api", doctored, secret="guessed")
        assert status == 401
        reads = len(em.called("users.info"))
        doctored["event_id"] = "Ev-signed-doctored"
        status, _ = await em.deliver_http(ws.url, "events_api", doctored)  # signed, lying
        assert status == 200
        await ws.settle(lambda: platform.members.get(TEAM_ID, "UPLAIN") is None)
        again = await platform.fetch_member(TEAM_ID, "UPLAIN")
        assert again is not None and not again.is_admin
        assert len(em.called("users.info")) == reads + 1


def test_team_join_and_user_change_are_read_afresh_in_http_mode(tmp_path: Path) -> None:
    on_own_loop(_afresh(tmp_path))


async def _afresh(tmp_path: Path) -> None:
    async with slack_workspace(tmp_path, "http") as ws:
        em, platform = ws.emulator, ws.adapter.platform
        em.add_user("UBOSS", "Bea Boss", admin=True)
        assert (await platform.fetch_member(TEAM_ID, "UBOSS")).is_admin  # type: ignore[union-attr]
        status, _ = await em.deliver_http(
            ws.url, "events_api", em.change_user("UBOSS", is_admin=False)
        )
        assert status == 200
        await ws.settle(lambda: platform.members.get(TEAM_ID, "UBOSS") is None)
        demoted = await platform.fetch_member(TEAM_ID, "UBOSS")
        assert demoted is not None and not demoted.is_admin and not demoted.is_owner
        status, _ = await em.deliver_http(
            ws.url, "events_api", em.join_user("UNEW", "Noa New", admin=False)
        )
        assert status == 200
        await ws.settle(lambda: platform.lookup_member(TEAM_ID, "Noa New") == "UNEW")
        em.change_user("UBOSS", deleted=True)
        await em.deliver_http(ws.url, "events_api", em.user_event("user_change", "UBOSS"))
        await ws.settle(lambda: platform.members.get(TEAM_ID, "UBOSS") is None)
        assert await platform.fetch_member(TEAM_ID, "UBOSS") is None


def test_the_member_cache_is_bounded() -> None:
    from adapters.slack.members import Members
    from bot.kernel.events import Actor

    cache = Members(ttl=60, size=3)
    for n in range(10):  # a flood of distinct users cannot grow it without end
        cache.put(TEAM_ID, f"U{n}", Actor(f"U{n}", "x"))
    assert len(cache) == 3 and cache.get(TEAM_ID, "U0") is None
    assert cache.get(TEAM_ID, "U9") is not None
