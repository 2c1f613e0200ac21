"""Moderation cases for moderators: every case of the community (not only the open queue),
searched by member, moderator, kind, date range and text, a page at a time, and as CSV.

Who filed a report is never shown or exported here: the chat queue hides it where the community
chose so, and a list of every case is no place to reveal it."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import or_
from sqlmodel import col

from adapters.web import access, search
from adapters.web.access import Standing
from adapters.web.audit import csv_response
from adapters.web.keys import APP
from adapters.web.pages import common, render
from bot.kernel import i18n
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.store import aware
from bot.moderation.models import ModCase

C = "/c/{platform}/{community}"
HEADER = [
    "case",
    "opened_utc",
    "kind",
    "status",
    "member",
    "moderator",
    "reason",
    "rule",
    "outcome",
    "closed_utc",
]


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/cases", cases_page, name="cases")
    sub.router.add_get(C + "/cases.csv", cases_csv, name="cases_csv")


def _where(found: Standing, f: search.Filters) -> list[Any]:
    where: list[Any] = list(ModCase.scope(found.community))
    if f.member:
        where.append(ModCase.target_id == f.member)
    if f.moderator:
        where.append((ModCase.moderator_id == f.moderator) | (ModCase.claimed_by == f.moderator))
    if f.action:
        where.append((ModCase.kind == f.action) | (ModCase.status == f.action))
    if f.start:
        where.append(col(ModCase.created_at) >= f.start)
    if f.end:
        where.append(col(ModCase.created_at) < f.end)
    if f.text:
        pattern = search.like(f.text)
        where.append(
            or_(
                *(
                    col(c).ilike(pattern, escape="\\")
                    for c in (ModCase.details, ModCase.excerpt, ModCase.outcome, ModCase.reason)
                )
            )
        )
    return where


def _rows(
    app: App, found: Standing, f: search.Filters, limit: int, offset: int = 0
) -> tuple[list[ModCase], int]:
    return search.page_of(
        app.store, ModCase, _where(found, f), col(ModCase.number).desc(), limit, offset
    )


def _view(case: ModCase, locale: str, zone: str) -> dict[str, Any]:
    return {
        "number": case.number,
        "opened": i18n.when(aware(case.created_at), locale, zone),
        "kind": case.kind,
        "status": case.status,
        "member": case.target_id or "",
        "moderator": case.moderator_id or case.claimed_by or "",
        "reason": case.reason,
        "rule": case.rule_id or "",
        "outcome": case.outcome or "",
    }


async def cases_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    zone = found.community.timezone
    f = search.parse(request, zone)
    cases, total = (
        ([], 0) if f.errors else _rows(request.app[APP], found, f, search.PAGE_SIZE, f.offset)
    )
    locale = found.actor.locale or found.community.language
    values: dict[str, Any] = {
        "title": "Cases",
        "rows": [_view(c, locale, zone) for c in cases],
        "filters": f,
        "pager": search.pager(f, total),
    }
    status = 422 if f.errors else 200
    return await render(request, "cases.html", {**values, **common(found)}, status=status)


async def cases_csv(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    f = search.parse(request, found.community.timezone)
    if f.errors:
        raise web.HTTPBadRequest(text=" ".join(f.errors.values()))
    cases, _ = _rows(request.app[APP], found, f, search.CSV_LIMIT)
    c = found.community
    return csv_response(
        f"cases-{c.platform}-{c.community_id}.csv",
        HEADER,
        (
            (
                x.number,
                (aware(x.created_at) or x.created_at).isoformat(),
                x.kind,
                x.status,
                x.target_id,
                x.moderator_id or x.claimed_by,
                x.reason,
                x.rule_id,
                x.outcome,
                (aware(x.closed_at) or x.closed_at).isoformat() if x.closed_at else "",
            )
            for x in cases
        ),
    )
