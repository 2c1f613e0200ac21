"""Channels by name: what the platform's survey says, kept a minute per community so a page of
schedules asks the platform once, not once per row. Ids stay what is stored and sent; names are
what people read (with the id on hover), and what they may type (`#prompts`)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiohttp import web

from adapters.web.access import Standing
from adapters.web.keys import APP
from bot.kernel.app import App
from bot.kernel.platform import Survey

FRESH_FOR = 60.0  # seconds a survey is used before the platform is asked again


@dataclass
class Surveys:
    """The newest survey of each community, with when it was taken."""

    kept: dict[tuple[str, str], tuple[float, Survey | None]] = field(default_factory=dict)

    async def of(self, app: App, found: Standing) -> Survey | None:
        c = found.community
        where, now = (c.platform, c.community_id), time.monotonic()
        taken = self.kept.get(where)
        if taken is not None and now - taken[0] < FRESH_FOR:
            return taken[1]
        platform = app.platforms.get(c.platform)
        survey = await platform.survey(c.community_id) if platform else None
        self.kept[where] = (now, survey)
        return survey


@dataclass
class Members:
    """Display names of members, each kept a minute (None: the platform knows no such member,
    e.g. "automod" or someone who left)."""

    kept: dict[tuple[str, str, str], tuple[float, str | None]] = field(default_factory=dict)

    async def of(self, app: App, found: Standing, user_id: str) -> str | None:
        c = found.community
        where, now = (c.platform, c.community_id, user_id), time.monotonic()
        taken = self.kept.get(where)
        if taken is not None and now - taken[0] < FRESH_FOR:
            return taken[1]
        platform = app.platforms.get(c.platform)
        member = await platform.fetch_member(c.community_id, user_id) if platform else None
        name = member.display_name if member is not None and member.display_name else None
        self.kept[where] = (now, name)
        return name


SURVEYS = web.AppKey("surveys", Surveys)
MEMBERS = web.AppKey("members", Members)
MOST = 100  # member names looked up for one page at most


async def members(request: web.Request, found: Standing, ids: Iterable[str]) -> dict[str, str]:
    """Member id -> display name for those the platform can name (at most MOST per page)."""
    app, cache = request.app[APP], request.app[MEMBERS]
    named: dict[str, str] = {}
    for user_id in sorted({i for i in ids if i})[:MOST]:
        name = await cache.of(app, found, user_id)
        if name:
            named[user_id] = name
    return named


async def channels(request: web.Request, found: Standing) -> dict[str, str]:
    """Channel id -> name in this community (empty when the platform cannot say)."""
    survey = await request.app[SURVEYS].of(request.app[APP], found)
    return {c.id: c.name for c in survey.channels} if survey else {}


async def channel_id(request: web.Request, found: Standing, typed: str) -> str:
    """A channel as typed (`#prompts`, `prompts`, or its id) as the id the platform knows; what
    matches no channel's name is passed on as typed, for the core to judge."""
    text = typed.strip()
    name = text.removeprefix("#")
    if not name:
        return text
    known = await channels(request, found)
    if name in known:
        return name
    by_name = [cid for cid, cname in known.items() if cname.lower() == name.lower()]
    return by_name[0] if len(by_name) == 1 else text
