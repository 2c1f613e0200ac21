"""Who may open what: every request asks the platform for the member's roles now and goes
through the core's permission check; form posts need this session's CSRF token and this site."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.emulators.discord.server import GUILD_ID
from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import MEMBER, MODERATOR, ORGANIZER, OTHER_GUILD, WebWorld

pytestmark = [pytest.mark.web, needs_chromium]
HERE = f"/c/discord/{GUILD_ID}"


@pytest.mark.parametrize("path", ["/prompts", "/queue"])
def test_a_member_is_refused_the_organizer_and_moderator_pages(
    world: WebWorld, page: Any, path: str
) -> None:
    sign_in_discord(world, page, MEMBER)
    response = page.goto(world.base + HERE + path)
    assert response.status == 403
    assert "You cannot open this page" in page.inner_text("main")
    assert page.locator("form[action$='/prompts']").count() == 0


def test_an_organizer_sees_prompts_but_not_the_queue(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    assert page.goto(world.base + HERE + "/prompts").status == 200
    assert page.goto(world.base + HERE + "/queue").status == 403


@pytest.mark.parametrize(
    "path", [f"/c/discord/{OTHER_GUILD}/queue", "/c/slack/T0001/queue", "/c/slack/T0001/"]
)
def test_a_moderator_is_refused_another_community(world: WebWorld, page: Any, path: str) -> None:
    sign_in_discord(world, page, MODERATOR)
    response = page.goto(world.base + path)
    assert response.status == 403
    # The same answer whether the community exists or not: nothing leaks about others.
    assert page.goto(world.base + "/c/discord/1234/queue").status == 403


def test_a_slack_moderator_is_refused_another_workspace(world: WebWorld, page: Any) -> None:
    sign_in_slack(world, page, "UMOD")
    assert page.goto(world.base + "/c/slack/T0001/queue").status == 200
    assert page.goto(world.base + "/c/slack/T9999/queue").status == 403


def test_a_discord_role_taken_away_counts_on_the_next_click(world: WebWorld, page: Any) -> None:
    uid = "710000000000000042"
    member = world.discord.add_member(uid, "Dana Demoted", ("Moderators",))
    world.call(world.discord.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": GUILD_ID}))
    sign_in_discord(world, page, uid)
    assert page.goto(world.base + f"/c/discord/{GUILD_ID}/queue").status == 200
    member["roles"] = []  # an admin takes the role away in Discord
    world.call(world.discord.dispatch("GUILD_MEMBER_UPDATE", {**member, "guild_id": GUILD_ID}))
    world.call(asyncio.sleep(0.2))
    assert page.goto(world.base + f"/c/discord/{GUILD_ID}/queue").status == 403


def test_a_removed_role_counts_on_the_next_request(world: WebWorld, page: Any) -> None:
    sign_in_slack(world, page, "UMOD")
    assert page.goto(world.base + "/c/slack/T0001/queue").status == 200
    world.call(_set_slack_moderators(world, []))
    try:
        assert page.goto(world.base + "/c/slack/T0001/queue").status == 403
    finally:
        world.call(_set_slack_moderators(world, ["user:UMOD"]))


async def _set_slack_moderators(world: WebWorld, roles: list[str]) -> None:
    from sqlmodel import Session

    from bot.kernel.events import Place

    with Session(world.app.store.engine) as s:
        row = world.app.community(s, Place("slack", "T0001"))
        row.moderator_roles = roles
        s.add(row)
        s.commit()


def test_a_post_without_the_csrf_token_is_refused(world: WebWorld, page: Any) -> None:
    sign_in_discord(world, page, ORGANIZER)
    page.goto(world.base + HERE + "/prompts")
    response = page.request.post(
        world.base + HERE + "/prompts/1/pause",
        form={"version": "x"},
        headers={"Origin": f"http://127.0.0.1:{world.port}"},
    )
    assert response.status == 403
    assert "out of date" in response.text()


def test_a_post_from_another_site_is_refused_even_with_the_token(
    world: WebWorld, page: Any
) -> None:
    sign_in_discord(world, page, ORGANIZER)
    page.goto(world.base + HERE + "/prompts")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    response = page.request.post(
        world.base + HERE + "/prompts",
        form={"csrf": token, "theme": "x", "channel": "1", "when": "every day 9:00"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status == 403
    assert "another site" in response.text()
    before = len(world.audit())
    ok = page.request.post(
        world.base + HERE + "/prompts",
        form={"csrf": token, "theme": "nope", "channel": "1", "when": "every day 9:00"},
        headers={"Origin": f"http://127.0.0.1:{world.port}"},
    )
    assert ok.status == 422  # the token alone gets through, to the core's own validation
    assert len(world.audit()) == before
