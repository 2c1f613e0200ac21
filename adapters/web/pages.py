"""The dashboard's pages: communities you may manage and the moderator queue (a member's own
page is in member_pages.py, the prompts pages in prompt_pages.py, cases, automod, directory and
settings in their own modules). Reading and every form work without JavaScript; with it, htmx
swaps the page in place (hx-boost) instead of reloading it."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from sqlmodel import col, select

from adapters.web import access, health, login, perform, sessions
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH, CFG, PROVIDERS
from adapters.web.security import csrf_token
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.message import Message, to_plain, tokenize
from bot.moderation import queue
from bot.moderation.models import ModCase

OPEN = ("open", "claimed", "escalated")
C = "/c/{platform}/{community}"
# Queue card actions the dashboard offers: those taking a reason (a claim takes none).
REASONED = ("dismiss", "warn", "note", "escalate", "delete", "kick", "ban", "restore")


def routes(sub: web.Application) -> None:
    sub.router.add_get("/", index, name="index")
    sub.router.add_get(C + "/", community_page, name="community")
    sub.router.add_get(C + "/queue", queue_page, name="queue")
    sub.router.add_post(C + "/queue/{number:\\d+}/claim", claim, name="claim")
    sub.router.add_post(C + "/queue/{number:\\d+}/act", act, name="act")


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
    return aiohttp_jinja2.render_template(template, request, page, status=status)


def _providers(request: web.Request) -> list[dict[str, str]]:
    return [{"name": p.name, "label": p.label} for p in login.providers(request)]


def platform_labels(request: web.Request) -> dict[str, str]:
    """What each platform calls a community, as its adapter's sign-in says."""
    return {name: p.community_label for name, p in request.app[PROVIDERS].items()}


def roles_label(request: web.Request, platform: str) -> str:
    """What a community's rights are granted to on this platform ("Roles" unless it says)."""
    found = request.app[PROVIDERS].get(platform)
    return found.roles_label if found is not None else "Roles"


async def _flash_and_return(request: web.Request, kind: str, text: str, where: str) -> web.Response:
    session = await get_session(request)
    session["flash"] = {"kind": kind, "text": text}
    raise web.HTTPSeeOther(request.app[BASE_PATH] + where)


def _here(found: Standing) -> str:
    return f"/c/{found.community.platform}/{found.community.community_id}"


def _answer(outcome: perform.Outcome) -> tuple[str, str]:
    if not outcome.ok:
        return "error", outcome.error or "That did not work."
    text = " ".join(to_plain(m.plain()) for m in outcome.replies)
    return "ok", text or "Done."


def common(found: Standing) -> dict[str, Any]:
    return {"community": found.community, "level": found.level, "here": _here(found)}


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
    values = {"title": "Your communities", "rows": rows, "labels": platform_labels(request)}
    return await render(request, "communities.html", values)


async def community_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MEMBER)
    values = {"title": found.community.name or found.community.community_id, **common(found)}
    return await render(request, "community.html", values)


# --- the moderator queue --------------------------------------------------------------------


def _cases(app: App, found: Standing) -> list[tuple[Message, ModCase]]:
    """Open cases as the chat queue shows them: the same card, so the same anonymity."""
    with app.context(found.place, found.actor) as ctx:
        cases = ctx.session.exec(
            select(ModCase)
            .where(*ModCase.scope(found.community), col(ModCase.status).in_(OPEN))
            .order_by(col(ModCase.number))
            .limit(50)
        ).all()
        return [(queue.card(ctx, case), case) for case in cases]


async def _names(app: App, found: Standing, cards: list[tuple[Message, ModCase]]) -> dict[str, str]:
    """Display names for the members the cards mention (as chat renders a mention)."""
    platform = app.platforms.get(found.community.platform)
    wanted = {
        tok.text
        for message, _ in cards
        for f in message.fields
        for tok in tokenize(f.value)
        if tok.kind == "mention"
    }
    names: dict[str, str] = {}
    for uid in sorted(wanted)[:100]:
        member = (
            await platform.fetch_member(found.community.community_id, uid) if platform else None
        )
        if member is not None and member.display_name:
            names[uid] = member.display_name
    return names


def _plain(text: str, names: dict[str, str]) -> str:
    out = []
    for tok in tokenize(text):
        if tok.kind == "mention":
            out.append(f"{names[tok.text]} (@{tok.text})" if tok.text in names else f"@{tok.text}")
        elif tok.kind == "link":
            out.append(f"{tok.text} ({tok.url})")
        elif tok.kind == "channel":
            out.append(f"#{tok.text}")
        else:
            out.append(tok.text)
    return "".join(out)


def _card_view(message: Message, case: ModCase, names: dict[str, str]) -> dict[str, Any]:
    offered = [
        c.custom_id.split(":")[1]
        for row in message.rows
        for c in row
        if getattr(c, "custom_id", "").startswith("mod-card:")
    ]
    return {
        "number": case.number,
        "title": to_plain(message.title or ""),
        "fields": [(to_plain(f.name), _plain(f.value, names)) for f in message.fields],
        "footer": to_plain(message.footer or ""),
        "claimable": "claim" in offered and case.status != "claimed",
        "actions": [x for x in REASONED if x in offered],
    }


async def queue_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    cases = _cases(app, found)
    names = await _names(app, found, cases)
    cards = [_card_view(message, case, names) for message, case in cases]
    return await render(
        request, "queue.html", {"title": "Moderator queue", "cards": cards, **common(found)}
    )


async def claim(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    number = request.match_info["number"]
    access.scoped(app, found, ModCase, ModCase.number == access.number(request, "number"))
    event = perform.click(found.place, found.actor, app, f"mod-card:claim:{number}")
    outcome = await perform.perform(app, event, audit=f"web claim #{number}")
    return await _flash_and_return(request, *_answer(outcome), _here(found) + "/queue")


async def act(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    app: App = request.app[APP]
    form = await request.post()
    action, number = str(form.get("action", "")), request.match_info["number"]
    if action not in REASONED:
        raise web.HTTPBadRequest(text="Unknown action.")
    access.scoped(app, found, ModCase, ModCase.number == access.number(request, "number"))
    event = perform.submit(
        found.place,
        found.actor,
        app,
        f"mod-act:{action}:{number}",
        reason=str(form.get("reason", "")),
    )
    outcome = await perform.perform(app, event, audit=f"web {action} #{number}")
    return await _flash_and_return(request, *_answer(outcome), _here(found) + "/queue")
