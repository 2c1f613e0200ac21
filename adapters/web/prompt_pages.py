"""The prompts pages: a calendar of the posts to come, the schedules with create / edit / pause /
skip / delete, themes with their stats and a preview of each prompt in every language of its
pack, members' suggestions to approve or reject, and the member's own page to suggest one.

Every change is the core's own command or button (`perform`), so the parser, its errors and the
permission check are those of `/prompt schedule` and friends, and each organizer change is one
audit entry "via dashboard". A schedule form carries the schedule's version; a form made from an
older version is refused and the page shows what the schedule is now next to what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from babel.dates import format_date, format_time
from sqlmodel import Session, col, func, select

from adapters.web import access, names, perform
from adapters.web import prompt_calendar as calendar
from adapters.web.access import Standing
from adapters.web.keys import APP, BASE_PATH
from adapters.web.pages import common, render
from adapters.web.schedule_words import in_words
from bot.kernel import i18n
from bot.kernel.app import App
from bot.kernel.commands import CommandError, Permission
from bot.kernel.context import Context
from bot.kernel.i18n import normalize
from bot.kernel.message import to_plain
from bot.kernel.store import aware
from bot.prompts import engine
from bot.prompts.models import PromptPost, PromptReply, PromptSchedule, PromptSuggestion

C = "/c/{platform}/{community}/prompts"
OPS = ("pause", "resume", "skip", "delete", "edit")
EDITABLE = ("when", "timezone", "channel", "theme")
RTL = ("ar", "he", "fa", "ur")


def routes(sub: web.Application) -> None:
    sub.router.add_get(C, prompts_page, name="prompts")
    sub.router.add_post(C, create_schedule, name="create_schedule")
    sub.router.add_post(C + "/{id:\\d+}/{op}", change_schedule, name="change_schedule")
    sub.router.add_get(C + "/themes", themes_page, name="prompt_themes")
    sub.router.add_get(C + "/themes/{theme}", preview_page, name="prompt_preview")
    sub.router.add_get(C + "/suggestions", suggestions_page, name="prompt_suggestions")
    sub.router.add_post(C + "/suggestions/{id:\\d+}/{verdict}", decide, name="prompt_decide")
    sub.router.add_get(C + "/suggest", suggest_page, name="prompt_suggest")
    sub.router.add_post(C + "/suggest", suggest, name="prompt_suggest_post")


# --- who is reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """The reader's language and time zone, as the bot would use them in chat."""

    locale: str
    zone: str

    def t(self, name: str, **values: object) -> str:
        return i18n.t(f"web.prompts.{name}", self.locale, **values)

    @property
    def lang(self) -> str:
        return self.locale.replace("_", "-")


def reader_for(app: App, found: Standing) -> Reader:
    with app.context(found.place, found.actor) as ctx:
        prefs = ctx.prefs(create=False)
        zone = (prefs.timezone if prefs else None) or found.community.timezone
        return Reader(normalize(ctx.locale), zone)


def _here(found: Standing) -> str:
    return f"/c/{found.community.platform}/{found.community.community_id}/prompts"


def _values(found: Standing, reader: Reader, title: str, **more: Any) -> dict[str, Any]:
    return {
        "title": title,
        "t": reader.t,
        "lang": reader.lang,
        "prompts": _here(found),
        **common(found),
        **more,
    }


async def _flash(request: web.Request, outcome: perform.Outcome, where: str) -> web.Response:
    session = await get_session(request)
    if outcome.ok:
        text = " ".join(to_plain(m.plain()) for m in outcome.replies) or "Done."
        session["flash"] = {"kind": "ok", "text": text}
    else:
        session["flash"] = {"kind": "error", "text": outcome.error or "That did not work."}
    raise web.HTTPSeeOther(request.app[BASE_PATH] + where)


# --- the calendar and the schedules ---------------------------------------------------------


def _active(app: App, found: Standing) -> list[PromptSchedule]:
    with Session(app.store.engine, expire_on_commit=False) as s:
        return list(
            s.exec(
                select(PromptSchedule)
                .where(*PromptSchedule.scope(found.community), col(PromptSchedule.active).is_(True))
                .order_by(col(PromptSchedule.id))
            ).all()
        )


def _calendar_view(
    request: web.Request, found: Standing, rows: list[PromptSchedule], reader: Reader
) -> calendar.View:
    """The calendar asked for in the query string: the posts made and those to come."""
    app: App = request.app[APP]
    kind = request.query.get("view", "week")
    kind = kind if kind in calendar.KINDS else "week"
    now = app.clock.now()
    anchor = calendar.anchor_of(request.query.get("date"), now, reader.zone)
    begin, end = calendar.bounds(kind, anchor, reader.zone)
    with Session(app.store.engine) as s:
        history = s.exec(
            select(PromptPost).where(
                *PromptPost.scope(found.community),
                col(PromptPost.fire_at) >= begin,
                col(PromptPost.fire_at) < end,
            )
        ).all()
    return calendar.build(rows, kind, anchor, reader.zone, now, history)


def _dates(reader: Reader) -> dict[str, Callable[..., str]]:
    """Date and time formats in the reader's language (Babel, CLDR)."""
    loc = i18n.babel_locale(reader.locale)
    return {
        "day_name": lambda d: format_date(d, "EEEE d MMMM", locale=loc),
        "short_day": lambda d: format_date(d, "EEE d", locale=loc),
        "month_name": lambda d: format_date(d, "LLLL y", locale=loc),
        "long_day": lambda d: format_date(d, "full", locale=loc),
        "hm": lambda moment: format_time(moment, "HH:mm", locale=loc),
    }


async def prompts_page(
    request: web.Request,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    problem: dict[str, Any] | None = None,
) -> web.Response:
    _, found = await access.require(request, Permission.ORGANIZER)
    app: App = request.app[APP]
    reader = reader_for(app, found)
    rows = _active(app, found)
    schedules = [
        {
            "row": r,
            "next": i18n.when(aware(r.next_fire_at), reader.locale, r.timezone),
            "words": in_words(r.rule, reader.locale, reader.t),
        }
        for r in rows
    ]
    values = _values(
        found,
        reader,
        reader.t("title"),
        view=_calendar_view(request, found, rows, reader),
        linked={r.id for r in rows},
        zone=reader.zone,
        schedules=schedules,
        channels=await names.channels(request, found),
        themes=theme_choices(app, reader),
        form=form or {"timezone": found.community.timezone},
        error=error,
        problem=problem,
        **_dates(reader),
    )
    status = 409 if problem and problem["stale"] else 422 if error else 200
    return await render(request, "prompts.html", values, status=status)


def theme_choices(app: App, reader: Reader) -> list[tuple[str, str]]:
    packs = engine.library(app).packs
    return [(slug, packs[slug].title_in(reader.locale)) for slug in sorted(packs)]


async def create_schedule(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ORGANIZER)
    app: App = request.app[APP]
    posted = await request.post()
    fields = ("theme", "channel", "when", "timezone", "weeks")
    form = {k: str(posted.get(k, "")).strip() for k in fields}
    options: dict[str, Any] = {k: v for k, v in form.items() if v}
    if "channel" in options:  # `#prompts` as well as the channel's id
        options["channel"] = await names.channel_id(request, found, options["channel"])
    event = perform.command(found.place, found.actor, app, ("prompt", "schedule"), **options)
    outcome = await perform.perform(app, event, audit="web prompt schedule")
    if not outcome.ok:
        return await prompts_page(request, form=form, error=outcome.error)
    return await _flash(request, outcome, _here(found))


@dataclass
class VersionCheck:
    """The concurrent-edit check, run first in the change's own transaction with the row
    locked (PostgreSQL; SQLite serialises writers): the form's version must be the row's."""

    number: int
    seen: int | None
    reader: Reader
    stale: bool = field(default=False)

    def __call__(self, ctx: Context) -> None:
        row = ctx.session.exec(
            select(PromptSchedule)
            .where(*PromptSchedule.scope(ctx), PromptSchedule.id == self.number)
            .with_for_update()
        ).first()
        if row is not None and row.version != self.seen:
            self.stale = True
            raise CommandError(self.reader.t("conflict", id=self.number))


def _version(raw: object) -> int | None:
    text = str(raw or "")
    return int(text) if text.isdigit() else None


async def change_schedule(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ORGANIZER)
    app: App = request.app[APP]
    op, number = request.match_info["op"], access.number(request, "id")
    if op not in OPS:
        raise web.HTTPNotFound(text="No such change.")
    active = col(PromptSchedule.active).is_(True)
    access.scoped(app, found, PromptSchedule, PromptSchedule.id == number, active)
    posted = await request.post()
    if op == "delete" and posted.get("confirm") != "yes":
        return await _confirm_delete(request, found, number, str(posted.get("version", "")))
    options: dict[str, Any] = {"schedule": number}
    typed = {k: str(posted.get(k, "")).strip() for k in EDITABLE}
    before = {k: str(posted.get(f"was_{k}", "")).strip() for k in EDITABLE}
    # Only what the organizer changed: `/prompt edit` takes the fields to change.
    mine = {k: v for k, v in typed.items() if v != before[k]}
    if op == "edit":
        options |= {k: v for k, v in mine.items() if v}
        if options.get("channel"):
            options["channel"] = await names.channel_id(request, found, options["channel"])
    reader = reader_for(app, found)
    check = VersionCheck(number, _version(posted.get("version")), reader)
    event = perform.command(found.place, found.actor, app, ("prompt", op), **options)
    outcome = await perform.perform(app, event, audit=f"web prompt {op} #{number}", check=check)
    if outcome.conflict:  # changed between our check and our write
        check.stale = True
        outcome = perform.Outcome(False, error=reader.t("conflict", id=number))
    if check.stale or (op == "edit" and not outcome.ok):
        # Shown in place: a refused edit keeps what was typed, next to the schedule as it is.
        problem = {"id": number, "stale": check.stale, "mine": mine if op == "edit" else None}
        return await prompts_page(request, error=outcome.error, problem=problem)
    return await _flash(request, outcome, _here(found))


async def _confirm_delete(
    request: web.Request, found: Standing, number: int, version: str
) -> web.Response:
    """Deleting cannot be undone: a second step that names the schedule, posting the same form
    with `confirm=yes` (its version too, so a schedule changed meanwhile is still caught)."""
    app: App = request.app[APP]
    reader = reader_for(app, found)
    with app.context(found.place, found.actor) as ctx:
        row = ctx.session.get(PromptSchedule, number)
        assert row is not None  # scoped by the caller
        words = in_words(row.rule, reader.locale, reader.t)
        rule = f"{words} [{row.rule}]" if words else row.rule
        theme, channel, when = row.theme, row.channel, f"{rule} ({row.timezone})"
    channel = (await names.channels(request, found)).get(channel, channel)
    base = request.app[BASE_PATH] + _here(found)
    values = _values(
        found,
        reader,
        reader.t("confirm_delete_title", id=number),
        question=reader.t(
            "confirm_delete_text", id=number, theme=theme, channel=f"#{channel}", when=when
        ),
        details=[],
        action=f"{base}/{number}/delete",
        hidden=[("version", version)],
        yes=reader.t("confirm_delete_yes", id=number),
        cancel=reader.t("cancel"),
        cancel_href=f"{base}#schedule-{number}",
    )
    return await render(request, "confirm.html", values)


# --- themes: stats and previews -------------------------------------------------------------


def theme_stats(app: App, found: Standing) -> dict[str, dict[str, int]]:
    """Per theme: posts made, threads opened, replies and distinct repliers (counts only)."""
    scope = PromptPost.scope(found.community)
    made = col(PromptPost.status).in_(["queued", "posted"])
    with Session(app.store.engine) as s:
        posts = s.exec(
            select(
                PromptPost.theme,
                func.count(col(PromptPost.id)),
                func.count(col(PromptPost.thread_id)),
            )
            .where(*scope, made)
            .group_by(col(PromptPost.theme))
        ).all()
        replies = s.exec(
            select(
                PromptPost.theme,
                func.count(col(PromptReply.id)),
                func.count(func.distinct(PromptReply.user_id)),
            )
            .join(PromptReply, col(PromptReply.post_id) == col(PromptPost.id))
            .where(*scope, made)
            .group_by(col(PromptPost.theme))
        ).all()
    out: dict[str, dict[str, int]] = {}
    for theme, count, threads in posts:
        out[theme] = {"posts": int(count), "threads": int(threads), "replies": 0, "people": 0}
    for theme, count, people in replies:
        row = out.setdefault(theme, {"posts": 0, "threads": 0, "replies": 0, "people": 0})
        row |= {"replies": int(count), "people": int(people)}
    return out


async def themes_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ORGANIZER)
    app: App = request.app[APP]
    reader = reader_for(app, found)
    stats = theme_stats(app, found)
    empty = {"posts": 0, "threads": 0, "replies": 0, "people": 0}
    themes = [
        {
            "slug": slug,
            "title": pack.title_in(reader.locale),
            "prompts": len(pack.prompts),
            "languages": i18n.language_names(sorted(pack.locales), reader.locale),
            "stats": stats.get(slug, empty),
        }
        for slug, pack in sorted(engine.library(app).packs.items())
    ]
    values = _values(found, reader, reader.t("themes_title"), themes=themes)
    return await render(request, "prompt_themes.html", values)


def _language(code: str, reader: Reader) -> dict[str, Any]:
    return {
        "code": code,
        "lang": code,
        "own": i18n.language_name(code, code),
        "yours": i18n.language_name(code, reader.locale),
        "rtl": code.split("-")[0] in RTL,
    }


async def preview_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ORGANIZER)
    app: App = request.app[APP]
    reader = reader_for(app, found)
    theme = request.match_info["theme"]
    pack = engine.library(app).packs.get(theme)
    if pack is None:
        raise web.HTTPNotFound(text="No such theme.")
    c = found.community
    with Session(app.store.engine) as s:
        prompts = engine.theme_prompts(app, s, c.platform, c.community_id, theme)
    if not prompts:
        raise web.HTTPNotFound(text="This theme has no prompts.")
    chosen = next((p for p in prompts if p.id == request.query.get("prompt")), prompts[0])
    shown = []
    for code in sorted(pack.locales, key=lambda x: (x != "en", x)):
        message, _, first = engine.prompt_message(app, chosen, theme, code)
        shown.append(
            {
                **_language(code, reader),
                "title": to_plain(message.title or ""),
                "text": to_plain(message.text),
                "follow_ups": to_plain(first.text) if first else "",
                "footer": to_plain(message.footer or ""),
                "fallback": code not in chosen.text and code != "en",
            }
        )
    values = _values(
        found,
        reader,
        reader.t("preview_title", theme=pack.title_in(reader.locale)),
        theme=theme,
        prompt_choices=[(p.id, _question(p.text, reader.locale)) for p in prompts],
        chosen=chosen.id,
        shown=shown,
    )
    return await render(request, "prompt_preview.html", values)


def _question(text: dict[str, str], locale: str) -> str:
    """A prompt as the picker lists it: its question in the reader's language (else English),
    cut to a line."""
    found = text.get(locale) or text.get(locale.split("_")[0]) or text.get("en") or ""
    line = " ".join(found.split())
    return line if len(line) <= 90 else line[:89].rstrip() + "…"


# --- members' suggestions -------------------------------------------------------------------


def _open_suggestions(app: App, found: Standing) -> list[PromptSuggestion]:
    with Session(app.store.engine) as s:
        return list(
            s.exec(
                select(PromptSuggestion)
                .where(*PromptSuggestion.scope(found.community), PromptSuggestion.status == "open")
                .order_by(col(PromptSuggestion.id))
                .limit(50)
            ).all()
        )


async def suggestions_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ORGANIZER)
    app: App = request.app[APP]
    reader = reader_for(app, found)
    packs = engine.library(app).packs
    rows = [
        {
            "row": r,
            "theme": packs[r.theme].title_in(reader.locale) if r.theme in packs else r.theme,
            "similar": int(r.similarity * 100) if r.similar_to else None,
        }
        for r in _open_suggestions(app, found)
    ]
    values = _values(found, reader, reader.t("suggestions_title"), rows=rows)
    return await render(request, "prompt_suggestions.html", values)


async def decide(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.ORGANIZER)
    app: App = request.app[APP]
    verdict, number = request.match_info["verdict"], request.match_info["id"]
    if verdict not in ("approve", "reject"):
        raise web.HTTPNotFound(text="No such decision.")
    access.scoped(app, found, PromptSuggestion, PromptSuggestion.id == access.number(request, "id"))
    event = perform.click(found.place, found.actor, app, f"prompts-sugg:{verdict}:{number}")
    outcome = await perform.perform(app, event, audit=f"web prompt {verdict} #{number}")
    return await _flash(request, outcome, _here(found) + "/suggestions")


async def suggest_page(
    request: web.Request, *, form: dict[str, str] | None = None, error: str | None = None
) -> web.Response:
    _, found = await access.require(request, Permission.MEMBER)
    app: App = request.app[APP]
    reader = reader_for(app, found)
    values = _values(
        found,
        reader,
        reader.t("suggest_title"),
        themes=theme_choices(app, reader),
        form=form or {},
        error=error,
    )
    return await render(request, "prompt_suggest.html", values, status=422 if error else 200)


async def suggest(request: web.Request) -> web.Response:
    """A member's suggestion, through `/prompt suggest`. Not audited: like their own data
    requests it is no moderation, and the audit log would name them to moderators."""
    _, found = await access.require(request, Permission.MEMBER)
    app: App = request.app[APP]
    posted = await request.post()
    form = {k: str(posted.get(k, "")).strip() for k in ("theme", "text")}
    event = perform.command(found.place, found.actor, app, ("prompt", "suggest"), **form)
    outcome = await perform.perform(app, event, audit=None)
    if not outcome.ok:
        return await suggest_page(request, form=form, error=outcome.error)
    return await _flash(request, outcome, _here(found) + "/suggest")


__all__ = ["routes", "theme_stats"]
