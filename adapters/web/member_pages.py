"""A member's own page: what the bot holds about them (`/privacy show`), export and delete
through the privacy feature, and their preferences (`/me language`, `/me timezone`), all in the
member's language from the catalogs (content/locales/*/web.po and the features' own).

These are the member's own requests, not moderation: like their chat counterparts they leave
no audit entry."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from adapters.web import access, perform
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH
from adapters.web.pages import common, render
from bot.kernel import i18n
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.events import Event
from bot.kernel.message import Message, to_plain

C = "/c/{platform}/{community}"
# The page's own words, from content/locales/*/web.po (keys "web.me.<word>").
WORDS = (
    *("export_heading", "export_text", "export_button", "delete_heading", "delete_check"),
    *("prefs_heading", "prefs_text", "language", "timezone", "same_as_community", "save"),
)


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/me", me_page, name="me")
    sub.router.add_post(C + "/me/{op}", me_action, name="me_action")


def _mine(app: App, found: Standing) -> tuple[str, str | None, str | None]:
    """The member's locale (their choice, their platform's, the community's: as in chat) and
    their own stored language and time zone, if any."""
    with app.context(found.place, found.actor) as ctx:
        prefs = ctx.prefs(create=False)
        return ctx.locale, prefs.locale if prefs else None, prefs.timezone if prefs else None


def _message_view(message: Message) -> dict[str, Any]:
    return {
        "title": to_plain(message.title or ""),
        "text": to_plain(message.text),
        "fields": [(to_plain(f.name), to_plain(f.value)) for f in message.fields],
        "footer": to_plain(message.footer or ""),
    }


async def me_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MEMBER)
    app: App = request.app[APP]
    event = perform.command(found.place, found.actor, app, ("privacy", "show"))
    outcome = await perform.perform(app, event, audit=None)
    shown = outcome.replies[0] if outcome.replies else None
    locale, language, zone = _mine(app, found)
    words = {w: i18n.t(f"web.me.{w}", locale) for w in WORDS}
    values = {
        # The tab title, and what browser history keeps: neutral, whoever looks at the device.
        "title": i18n.t("web.me.title", locale),
        "shown": _message_view(shown) if shown else None,
        "error": outcome.error,
        "lang": locale.replace("_", "-"),
        "words": words,
        "delete_text": i18n.t("privacy.delete.confirm", locale),
        "delete_button": i18n.t("privacy.delete.yes", locale),
        "languages": [(c, i18n.language_name(c, locale)) for c in sorted(i18n.locales())],
        "my_language": language or "",
        "my_zone": zone or "",
        "community_zone": found.community.timezone,
        **common(found),
    }
    return await render(request, "me.html", values)


def _event(op: str, found: Standing, app: App, form: Any, user: str) -> Event | list[Event]:
    place = found.place
    if op == "export":
        return perform.command(place, found.actor, app, ("privacy", "export"))
    if op == "delete":
        return perform.click(place, found.actor, app, f"privacy-delete:{user}")
    events: list[Event] = []
    language, zone = str(form.get("language", "")).strip(), str(form.get("timezone", "")).strip()
    if language:
        events.append(
            perform.command(place, found.actor, app, ("me", "language"), language=language)
        )
    if zone:
        events.append(perform.command(place, found.actor, app, ("me", "timezone"), zone=zone))
    return events


async def me_action(request: web.Request) -> web.Response:
    who, found = await access.require(request, Permission.MEMBER)
    app: App = request.app[APP]
    op = request.match_info["op"]
    if op not in ("export", "delete", "preferences"):
        raise web.HTTPNotFound(text="No such action.")
    form = await request.post()
    locale = _mine(app, found)[0]
    if op == "delete" and form.get("confirm") != "yes":
        return await _flash(request, found, "error", i18n.t("web.me.confirm_needed", locale))
    made = _event(op, found, app, form, who.user_id)
    texts: list[str] = []
    for event in made if isinstance(made, list) else [made]:
        outcome = await perform.perform(app, event, audit=None)
        if not outcome.ok:
            return await _flash(request, found, "error", outcome.error or "")
        texts += [to_plain(m.plain()) for m in outcome.replies]
    done = " ".join(texts) or i18n.t("web.me.done", _mine(app, found)[0])
    return await _flash(request, found, "ok", done)


async def _flash(request: web.Request, found: Standing, kind: str, text: str) -> web.Response:
    session = await get_session(request)
    session["flash"] = {"kind": kind, "text": text}
    raise web.HTTPSeeOther(request.app[BASE_PATH] + common(found)["here"] + "/me")
