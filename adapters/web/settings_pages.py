"""Community settings for administrators: the moderator queue channel, whether moderators see
who filed a report, moderator and organizer roles, language and time zone. The pickers list what the platform shows the bot right now
(names are only ever rendered escaped), and every change runs as the `/settings ...` command it
stands for, so the core's parser and errors apply; a refused value is shown next to its field."""

from __future__ import annotations

import hashlib
import zoneinfo
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from sqlmodel import select

from adapters.web import access, perform
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH
from adapters.web.pages import common, render, roles_label
from bot.kernel import i18n
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.platform import Survey
from bot.kernel.store.models import Community
from bot.moderation import prefs
from bot.moderation.models import ModerationPrefs

C = "/c/{platform}/{community}"
ZONES = sorted(zoneinfo.available_timezones())


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/settings", settings_page, name="settings")
    sub.router.add_post(C + "/settings", save_settings, name="save_settings")


def version(c: Community, moderation: ModerationPrefs) -> str:
    """A fingerprint of the settings this page edits: a form made from an older one is stale."""
    parts = (
        moderation.queue_channel,
        moderation.show_reporter_to_moderators,
        c.moderator_roles,
        c.organizer_roles,
        c.language,
        c.timezone,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _current(c: Community, moderation: ModerationPrefs) -> dict[str, Any]:
    return {
        "queue": moderation.queue_channel or "",
        "reporter": "shown" if moderation.show_reporter_to_moderators else "hidden",
        "moderators": list(c.moderator_roles),
        "organizers": list(c.organizer_roles),
        "language": c.language,
        "timezone": c.timezone,
    }


def _languages(locale: str) -> list[tuple[str, str]]:
    return [(code, i18n.language_name(code, locale)) for code in sorted(i18n.locales())]


async def _survey(app: App, found: Standing) -> Survey:
    platform = app.platforms.get(found.community.platform)
    seen = await platform.survey(found.community.community_id) if platform else None
    return seen or Survey(present=False)


def _options(survey: Survey, chosen: list[str]) -> list[dict[str, Any]]:
    """The platform's roles, and any mapped entry the platform no longer lists (kept visible so
    an administrator can take it away)."""
    known = [{"id": r.id, "name": r.name, "gone": False} for r in survey.roles]
    ids = {r.id for r in survey.roles}
    return known + [{"id": x, "name": x, "gone": True} for x in chosen if x not in ids]


async def settings_page(
    request: web.Request,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    _, found = await access.require(request, Permission.ADMIN)
    app: App = request.app[APP]
    community, moderation = _fresh(app, found)
    survey = await _survey(app, found)
    values = form or _current(community, moderation)
    page = {
        "title": "Settings",
        "form": values,
        "errors": errors or {},
        "version": (form or {}).get("version") or version(community, moderation),
        "channels": survey.channels,
        "reachable": survey.present,
        "moderator_options": _options(survey, values["moderators"]),
        "organizer_options": _options(survey, values["organizers"]),
        "languages": _languages(found.actor.locale or community.language),
        "zones": ZONES,
        "role_word": roles_label(request, found.community.platform),
        **common(found),
    }
    return await render(request, "settings.html", page, status=status)


def _fresh(app: App, found: Standing) -> tuple[Community, ModerationPrefs]:
    """The community as it is now, and its moderation settings."""
    with app.store.session() as s:
        row = s.exec(select(Community).where(Community.id == found.community.id)).one()
        moderation = prefs.of(s, row)
        s.expunge(row)
        if moderation in s:
            s.expunge(moderation)
        return row, moderation


def _posted(form: Any) -> dict[str, Any]:
    return {
        "queue": str(form.get("queue", "")).strip(),
        "reporter": str(form.get("reporter", "")),
        "moderators": [str(x) for x in form.getall("moderators", [])],
        "organizers": [str(x) for x in form.getall("organizers", [])],
        "language": str(form.get("language", "")).strip(),
        "timezone": str(form.get("timezone", "")).strip(),
        "version": str(form.get("version", "")),
    }


def _commands(
    before: dict[str, Any], after: dict[str, Any]
) -> list[tuple[str, tuple[str, ...], dict[str, Any]]]:
    """(form field, command path, options) for each thing the administrator changed."""
    out: list[tuple[str, tuple[str, ...], dict[str, Any]]] = []
    if after["queue"] and after["queue"] != before["queue"]:
        out.append(("queue", ("settings", "queue"), {"channel": after["queue"]}))
    for field, kind in (("moderators", "moderator"), ("organizers", "organizer")):
        for role in sorted(set(after[field]) - set(before[field])):
            out.append((field, ("settings", "role"), {"kind": kind, "role": role}))
        for role in sorted(set(before[field]) - set(after[field])):
            out.append((field, ("settings", "role"), {"kind": kind, "role": role, "remove": True}))
    if after["reporter"] in ("shown", "hidden") and after["reporter"] != before["reporter"]:
        visible = {"visible": after["reporter"] == "shown"}
        out.append(("reporter", ("settings", "reporter"), visible))
    if after["language"] != before["language"]:
        out.append(("language", ("settings", "language"), {"language": after["language"]}))
    if after["timezone"] != before["timezone"]:
        out.append(("timezone", ("settings", "timezone"), {"zone": after["timezone"]}))
    return out


def _picked(survey: Survey, before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """Values a picker never offered (a forged or stale form) are refused before anything runs."""
    errors: dict[str, str] = {}
    queue = after["queue"]
    if queue and queue != before["queue"] and queue not in {c.id for c in survey.channels}:
        errors["queue"] = "Choose a channel from the list."
    roles = {r.id for r in survey.roles}
    for field in ("moderators", "organizers"):
        if set(after[field]) - set(before[field]) - roles:
            errors[field] = "Choose roles from the list."
    return errors


async def save_settings(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ADMIN)
    app: App = request.app[APP]
    after = _posted(await request.post())
    current, moderation = _fresh(app, found)
    if version(current, moderation) != after["version"]:
        return await _flash(
            request,
            found,
            "error",
            "Someone else changed these settings since you opened this page. Nothing was "
            "changed; here they are as they are now.",
        )
    before = _current(current, moderation)
    errors = _picked(await _survey(app, found), before, after)
    if errors:
        return await settings_page(request, form=after, errors=errors, status=422)
    place = found.place
    done: list[str] = []
    for field, path, options in _commands(before, after):
        event = perform.command(place, found.actor, app, path, **options)
        outcome = await perform.perform(
            app, event, audit="web " + " ".join(path), target=options.get("role")
        )
        if outcome.ok:
            done.append(field)
        else:
            errors[field] = outcome.error or "Not saved."
    if errors:
        after["version"] = version(*_fresh(app, found))
        return await settings_page(request, form=after, errors=errors, status=422)
    text = "Saved: " + ", ".join(dict.fromkeys(done)) + "." if done else "Nothing to change."
    return await _flash(request, found, "ok", text)


async def _flash(request: web.Request, found: Standing, kind: str, text: str) -> web.Response:
    session = await get_session(request)
    session["flash"] = {"kind": kind, "text": text}
    raise web.HTTPSeeOther(request.app[BASE_PATH] + common(found)["here"] + "/settings")
