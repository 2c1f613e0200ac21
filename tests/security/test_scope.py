"""Scope before anything reads a row: an organizer or moderator of one community who sends
another community's ids to their own pages (a schedule to edit, a suggestion to approve, a case
to claim) learns nothing (the same status and the same page as for an id that does not exist)
and changes nothing there. Two communities on two platforms: a Discord server and a Slack
workspace, each attacking the other."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from bot.moderation.models import AuditEntry, ModCase
from bot.prompts.models import PromptSchedule, PromptSuggestion
from tests.emulators.discord.server import GUILD_ID
from tests.emulators.slack.server import TEAM_ID
from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import ORGANIZER, START, WebWorld

pytestmark = [pytest.mark.security, pytest.mark.web, needs_chromium]
DISCORD = f"/c/discord/{GUILD_ID}"
SLACK = f"/c/slack/{TEAM_ID}"
NOWHERE = 2_000_000_000  # no row has this id
BEYOND = 99_999_999_999  # more than any row can have


def add(world: WebWorld, row: Any) -> int:
    with Session(world.app.store.engine, expire_on_commit=False) as s:
        s.add(row)
        s.commit()
        return int(row.id)


def slack_schedule(world: WebWorld) -> int:
    return add(
        world,
        PromptSchedule(
            platform="slack",
            community_id=TEAM_ID,
            channel="C0PROMPTS",
            theme="red-flags",
            rule="0 9 * * 1",
            timezone="UTC",
            next_fire_at=START + timedelta(days=30),
            created_by="UMOD",
            created_at=START,
        ),
    )


def audit_count(world: WebWorld) -> int:
    with Session(world.app.store.engine) as s:
        return int(s.exec(select(func.count(col(AuditEntry.id)))).one())


def post(page: Any, url: str, form: dict[str, str]) -> tuple[int, str]:
    """A form post from this signed-in browser, as a script in it would send one."""
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    answer = page.request.post(url, form={**form, "csrf": token}, max_redirects=0)
    return answer.status, answer.text()


EDIT = {
    "when": "every day 10:00",
    "was_when": "every monday 09:00",
    "timezone": "UTC",
    "was_timezone": "UTC",
}


@pytest.mark.parametrize("op", ["edit", "pause", "delete", "skip"])
@pytest.mark.parametrize("version", ["1", "7"])
def test_another_communitys_schedule_id_answers_as_an_id_that_does_not_exist(
    world: WebWorld, page: Any, op: str, version: str
) -> None:
    theirs = slack_schedule(world)
    sign_in_discord(world, page, ORGANIZER)
    page.goto(world.base + DISCORD + "/prompts")
    audited = audit_count(world)
    answers = {
        which: post(
            page,
            f"{world.base}{DISCORD}/prompts/{number}/{op}",
            {**EDIT, "version": version},
        )
        for which, number in (("theirs", theirs), ("none", NOWHERE), ("beyond", BEYOND))
    }
    assert answers["theirs"][0] == 404
    assert answers["theirs"] == answers["none"] == answers["beyond"]
    with Session(world.app.store.engine) as s:
        row = s.get(PromptSchedule, theirs)
        assert row is not None and row.version == 1 and row.active and not row.paused
        assert row.rule == "0 9 * * 1"
    assert audit_count(world) == audited


def test_another_communitys_suggestion_cannot_be_approved_or_probed(
    world: WebWorld, page: Any
) -> None:
    theirs = add(
        world,
        PromptSuggestion(
            platform="discord",
            community_id=GUILD_ID,
            user_id="710000000000000003",
            theme="red-flags",
            text="What did you learn from your partner's family?",
            created_at=START,
        ),
    )
    sign_in_slack(world, page, "UMOD")
    page.goto(world.base + SLACK + "/prompts/suggestions")
    audited = audit_count(world)
    mine = post(page, f"{world.base}{SLACK}/prompts/suggestions/{theirs}/approve", {})
    none = post(page, f"{world.base}{SLACK}/prompts/suggestions/{NOWHERE}/approve", {})
    assert mine[0] == 404 and mine == none
    with Session(world.app.store.engine) as s:
        row = s.get(PromptSuggestion, theirs)
        assert row is not None and row.status == "open" and row.decided_by is None
    assert audit_count(world) == audited


def test_another_communitys_case_cannot_be_claimed_acted_on_or_probed(
    world: WebWorld, page: Any
) -> None:
    world.report("710000000000000003", "they keep messaging me after I said stop")
    with Session(world.app.store.engine) as s:
        theirs = s.exec(
            select(func.max(ModCase.number)).where(*ModCase.scope(world.community()))
        ).one()
        slack_numbers = set(
            s.exec(select(ModCase.number).where(*ModCase.scope(world.community("slack", TEAM_ID))))
        )
    assert theirs and theirs not in slack_numbers
    sign_in_slack(world, page, "UMOD")
    page.goto(world.base + SLACK + "/queue")
    audited = audit_count(world)
    for path, form in (("claim", {}), ("act", {"action": "dismiss", "reason": "spam"})):
        mine = post(page, f"{world.base}{SLACK}/queue/{theirs}/{path}", form)
        none = post(page, f"{world.base}{SLACK}/queue/{NOWHERE}/{path}", form)
        assert mine[0] == 404 and mine == none
    with Session(world.app.store.engine) as s:
        case = s.exec(
            select(ModCase).where(*ModCase.scope(world.community()), ModCase.number == theirs)
        ).one()
        assert case.status == "open" and case.claimed_by is None
    assert audit_count(world) == audited
