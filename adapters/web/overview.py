"""A community's overview, its dashboard's first page: what waits for the moderators (the most
urgent first), the prompts of the next seven days, and how many members answered prompts in
each of the last four weeks. Each part only for those who may act on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import true
from sqlmodel import Session, col, func, select

from adapters.web import access, names
from adapters.web import prompt_calendar as calendar
from adapters.web.access import Standing
from adapters.web.keys import APP
from adapters.web.pages import C, common, render
from adapters.web.prompt_pages import reader_for, theme_choices
from adapters.web.waiting import waiting
from bot.kernel import i18n
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.prompts.models import PromptPost, PromptReply, PromptSchedule

AHEAD = timedelta(days=7)
SHOWN_AHEAD = 10  # prompts listed at most
WEEKS = 4


@dataclass(frozen=True)
class Week:
    starts: datetime
    replies: int
    people: int


def coming(app: App, found: Standing) -> list[tuple[datetime, PromptSchedule]]:
    """The posts the schedules will make in the next seven days, soonest first."""
    now = app.clock.now()
    with Session(app.store.engine) as s:
        rows = s.exec(
            select(PromptSchedule).where(
                *PromptSchedule.scope(found.community), col(PromptSchedule.active).is_(True)
            )
        ).all()
    fires = [(at, row) for row in rows for at in calendar.fires_between(row, now, now + AHEAD)]
    return sorted(fires, key=lambda pair: (pair[0], pair[1].id or 0))[:SHOWN_AHEAD]


def participation(app: App, found: Standing) -> list[Week]:
    """Answers in prompt threads and the members who gave them, week by week, newest first."""
    now = app.clock.now()
    weeks = []
    with Session(app.store.engine) as s:
        for back in range(WEEKS):
            end = now - timedelta(days=7 * back)
            start = end - timedelta(days=7)
            replies, people = s.exec(
                select(
                    func.count(col(PromptReply.id)),
                    func.count(func.distinct(PromptReply.user_id)),
                )
                .join(PromptPost, col(PromptPost.id) == col(PromptReply.post_id))
                .where(
                    *PromptPost.scope(found.community),
                    col(PromptReply.at) >= start,
                    col(PromptReply.at) < end if back else true(),  # this week: up to now
                )
            ).one()
            weeks.append(Week(start, int(replies), int(people)))
    return weeks


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/", community_page, name="community")


async def community_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MEMBER)
    app: App = request.app[APP]
    values: dict[str, Any] = {
        "title": found.community.name or found.community.community_id,
        **common(found),
    }
    if found.level >= Permission.MODERATOR:
        values["waiting"] = waiting(app, found.community)
    if found.level >= Permission.ORGANIZER:
        reader = reader_for(app, found)
        channels = await names.channels(request, found)
        themes = dict(theme_choices(app, reader))
        values["coming"] = [
            {
                "when": i18n.when(at, reader.locale, reader.zone, year=False),
                "theme": themes.get(row.theme, row.theme),
                "channel": channels.get(row.channel, row.channel),
                "schedule": row.id,
            }
            for at, row in coming(app, found)
        ]
        values["weeks"] = participation(app, found)
        zone = ZoneInfo(reader.zone)
        values["day"] = lambda moment: i18n.day(moment.astimezone(zone).date(), reader.locale)
    return await render(request, "community.html", values)
