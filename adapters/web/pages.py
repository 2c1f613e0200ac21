"""The dashboard's pages: communities you may manage, and what every page shares (the moderator
queue is in queue_pages.py, a member's own page in member_pages.py, the prompts pages in
prompt_pages.py, cases, automod, directory and settings in their own modules). Reading and
every form work without JavaScript; with it, htmx swaps the page in place (hx-boost) instead of
reloading it."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from adapters.web import access, health, login, perform, sessions
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH, CFG, PROVIDERS
from adapters.web.security import csrf_token
from adapters.web.waiting import Waiting, waiting
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.message import to_plain

C = "/c/{platform}/{community}"


def routes(sub: web.Application) -> None:
    sub.router.add_get("/", index, name="index")


# --- rendering ------------------------------------------------------------------------------


async def render(
    request: web.Request, template: str, values: dict[str, Any], status: int = 200
) -> web.Response:
    session = await get_session(request)
    who = await access.viewer(request)
    page = {
        "base": request.app[BASE_PATH],
        "viewer": who,
        # Only a signed-in page has forms; a visitor gets no session row just for looking.
        "csrf": await csrf_token(request) if who is not None else "",
        "flash": session.pop("flash", None),
        "providers": _providers(request),
        "community": None,
        "level": None,
        "lang": "en",
        **values,
    }
    page["waiting"] = page.get("waiting") or _waiting(request, page)
    return aiohttp_jinja2.render_template(template, request, page, status=status)


def _waiting(request: web.Request, page: dict[str, Any]) -> Waiting | None:
    """For a moderator's page of a community: what waits in its queue (the navigation's count)."""
    level = page.get("level")
    if page.get("community") is None or level is None or level < Permission.MODERATOR:
        return None
    return waiting(request.app[APP], page["community"])


def _providers(request: web.Request) -> list[dict[str, str]]:
    return [{"name": p.name, "label": p.label} for p in login.providers(request)]


def platform_labels(request: web.Request) -> dict[str, str]:
    """What each platform calls a community, as its adapter's sign-in says."""
    return {name: p.community_label for name, p in request.app[PROVIDERS].items()}


def roles_label(request: web.Request, platform: str) -> str:
    """What a community's rights are granted to on this platform ("Roles" unless it says)."""
    found = request.app[PROVIDERS].get(platform)
    return found.roles_label if found is not None else "Roles"


async def flash_and_return(request: web.Request, kind: str, text: str, where: str) -> web.Response:
    session = await get_session(request)
    session["flash"] = {"kind": kind, "text": text}
    raise web.HTTPSeeOther(request.app[BASE_PATH] + where)


def here(found: Standing) -> str:
    return f"/c/{found.community.platform}/{found.community.community_id}"


def answer(outcome: perform.Outcome) -> tuple[str, str]:
    if not outcome.ok:
        return "error", outcome.error or "That did not work."
    text = " ".join(to_plain(m.plain()) for m in outcome.replies)
    return "ok", text or "Done."


def common(found: Standing) -> dict[str, Any]:
    return {"community": found.community, "level": found.level, "here": here(found)}


# --- communities ----------------------------------------------------------------------------


async def index(request: web.Request) -> web.Response:
    who = await access.viewer(request)
    if who is None:
        ended = sessions.loaded(request)
        why = ended.ended if ended is not None else None
        flash = {"kind": "error", "text": access.ROLES_CHANGED} if why == "roles" else None
        if request.app[CFG].cookie_dropped:
            flash = {"kind": "error", "text": login.PLAIN_HTTP}
        return await render(request, "login.html", {"title": "Sign in", "flash": flash})
    app: App = request.app[APP]
    rows = []
    for row in access.communities_of(app, who):
        found = await access.standing(app, who, row.platform, row.community_id)
        if found is not None:
            await access.note(request, found)
            # Health only for those who can act on it (moderators and up).
            checked = (
                await health.check(app, found.community)
                if found.level >= Permission.MODERATOR
                else None
            )
            rows.append({"standing": found, "health": checked})
    values = {
        "title": "Your communities",
        "rows": rows,
        "labels": platform_labels(request),
        "install": _install(request, who.platform),
    }
    return await render(request, "communities.html", values)


def _install(request: web.Request, platform: str) -> dict[str, str] | None:
    """The link that adds the bot to another community of the viewer's platform, if any."""
    provider = request.app[PROVIDERS].get(platform)
    url = provider.install_url() if provider is not None else None
    return {"url": url, "label": provider.community_label} if provider and url else None
