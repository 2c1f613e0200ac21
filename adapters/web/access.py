"""Who is looking, and what they may do here, asked afresh on every request.

The session holds only who signed in (platform, user id, and the one community a sign-in is for
when the platform's sign-in holds for one only: its scope). Their
roles come from the platform now (`Platform.fetch_member`) and their level from the core's own
check (`bot.kernel.context.level_of`), the same one commands use; a role removed a minute ago counts.
The session also notes the roles each community's pages were opened with, so that the
platform's report of a change ends it (bot.kernel.signins.member_changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from sqlmodel import Session, col, func, select

from adapters.web import sessions
from adapters.web.keys import APP, BASE
from bot.kernel import signins
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.context import level_of
from bot.kernel.events import Actor, Place
from bot.kernel.store.models import Community


@dataclass(frozen=True)
class Viewer:
    platform: str
    user_id: str
    name: str
    scope: str | None = None  # the one community the sign-in is for, if the provider said so

    def as_dict(self) -> dict[str, Any]:
        # Kept as "team" (the sessions table's column) so that sessions made before still hold.
        return {
            "platform": self.platform,
            "id": self.user_id,
            "name": self.name,
            "team": self.scope,
        }


@dataclass(frozen=True)
class Standing:
    community: Community
    actor: Actor
    level: Permission

    @property
    def place(self) -> Place:
        """The community as a core place (no channel: the dashboard is not in one)."""
        return Place(self.community.platform, self.community.community_id)


async def viewer(request: web.Request) -> Viewer | None:
    session = await get_session(request)
    user = session.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        return None
    return Viewer(user["platform"], user["id"], user.get("name") or "", user.get("team") or None)


def communities_of(app: App, who: Viewer) -> list[Community]:
    """The communities on the viewer's platform the bot knows (only the sign-in's scope, if it
    has one)."""
    with Session(app.store.engine) as s:
        query = select(Community).where(Community.platform == who.platform)
        if who.scope is not None:
            query = query.where(Community.community_id == who.scope)
        return list(s.exec(query.order_by(Community.name, Community.community_id)).all())


async def standing(app: App, who: Viewer, platform: str, community_id: str) -> Standing | None:
    """The viewer's current standing in this community, or None when they have none here."""
    if platform != who.platform:
        return None
    if who.scope is not None and community_id != who.scope:
        return None
    live = app.platforms.get(platform)
    if live is None:
        return None
    with Session(app.store.engine, expire_on_commit=False) as s:
        row = s.exec(
            select(Community).where(
                Community.platform == platform, Community.community_id == community_id
            )
        ).first()
    if row is None:
        return None
    actor = await live.fetch_member(community_id, who.user_id)
    if actor is None:
        return None
    return Standing(row, actor, level_of(row, actor))


async def note(request: web.Request, found: Standing) -> None:
    """Remember in the session the roles this community was used with (once per change)."""
    session = await get_session(request)
    c = found.community
    where, now = (
        signins.seen_key(c.platform, c.community_id),
        [
            signins.fingerprint(found.actor),
            int(found.level),
        ],
    )
    seen = dict(session.get("seen") or {})
    if seen.get(where) != now:
        seen[where] = now
        session["seen"] = seen


ROLES_CHANGED = (
    "Your roles changed on your platform since you signed in, so this session has ended. "
    "Sign in again to continue."
)


async def require(request: web.Request, needed: Permission) -> tuple[Viewer, Standing]:
    """The viewer and their standing in the community named in the URL, or an HTTP error."""
    who = await viewer(request)
    if who is None:
        ended = sessions.loaded(request)
        if ended is not None and ended.ended == "roles":
            raise web.HTTPForbidden(text=ROLES_CHANGED)
        raise web.HTTPSeeOther(request.app[BASE] + "/")
    app: App = request.app[APP]
    found = await standing(
        app, who, request.match_info["platform"], request.match_info["community"]
    )
    if found is None or found.level < needed:
        # One answer for "no such community" and "not yours": nothing leaks about others.
        raise web.HTTPForbidden(text="You cannot open this page.")
    await note(request, found)
    return who, found


NOT_HERE = "There is nothing by that number here."
LARGEST_ID = 2**31 - 1  # an INTEGER column's largest value


def number(request: web.Request, name: str) -> int:
    """A numeric id from the URL; one no row can have is simply not here (404)."""
    value = int(request.match_info[name])
    if value > LARGEST_ID:
        raise web.HTTPNotFound(text=NOT_HERE)
    return value


def scoped(app: App, found: Standing, model: Any, *where: Any) -> None:
    """Raise 404 unless this community has a `model` row matching `where`: looked up through
    the community's scope before anything else reads it, so another community's id and an id
    that does not exist get the same status and the same words (no oracle)."""
    with Session(app.store.engine) as s:
        count = s.exec(
            select(func.count(col(model.id))).where(*model.scope(found.community), *where)
        ).one()
    if not count:
        raise web.HTTPNotFound(text=NOT_HERE)
