"""The audit log for moderators: newest first, searched by member, moderator, action, date
range and text, a page at a time, and the same rows as CSV. Read-only; cells that a spreadsheet
would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from aiohttp import web
from sqlmodel import col

from adapters.web import access, names, search
from adapters.web.access import Standing
from adapters.web.keys import APP
from adapters.web.pages import common, render
from bot.kernel import i18n
from bot.kernel.app import App
from bot.kernel.commands import Permission
from bot.kernel.store import aware
from bot.moderation.models import AuditEntry

C = "/c/{platform}/{community}"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/audit", audit_page, name="audit")
    sub.router.add_get(C + "/audit.csv", audit_csv, name="audit_csv")


def _where(found: Standing, f: search.Filters) -> list[Any]:
    where: list[Any] = list(AuditEntry.scope(found.community))
    if f.member:
        where.append((AuditEntry.target_id == f.member) | (AuditEntry.actor_id == f.member))
    if f.moderator:
        where.append(AuditEntry.actor_id == f.moderator)
    if f.action:
        where.append(col(AuditEntry.action).startswith(f.action))
    if f.start:
        where.append(col(AuditEntry.at) >= f.start)
    if f.end:
        where.append(col(AuditEntry.at) < f.end)
    if f.text:
        where.append(col(AuditEntry.reason).ilike(search.like(f.text), escape="\\"))
    return where


def _rows(
    app: App, found: Standing, f: search.Filters, limit: int, offset: int = 0
) -> tuple[list[AuditEntry], int]:
    return search.page_of(
        app.store, AuditEntry, _where(found, f), col(AuditEntry.id).desc(), limit, offset
    )


async def audit_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    zone = found.community.timezone
    f = search.parse(request, zone)
    entries, total = (
        ([], 0) if f.errors else _rows(request.app[APP], found, f, search.PAGE_SIZE, f.offset)
    )
    locale = found.actor.locale or found.community.language
    rows = [{"entry": e, "when": i18n.when(aware(e.at), locale, zone)} for e in entries]
    ids = [i for e in entries for i in (e.actor_id, e.target_id) if i]
    values: dict[str, Any] = {
        "title": "Audit log",
        "rows": rows,
        "names": await names.members(request, found, ids),
        "filters": f,
        "pager": search.pager(f, total),
    }
    status = 422 if f.errors else 200
    return await render(request, "audit.html", {**values, **common(found)}, status=status)


def cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_response(
    name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(x) for x in row])
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def audit_csv(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    f = search.parse(request, found.community.timezone)
    if f.errors:
        raise web.HTTPBadRequest(text=" ".join(f.errors.values()))
    entries, _ = _rows(request.app[APP], found, f, search.CSV_LIMIT)
    c = found.community
    return csv_response(
        f"audit-{c.platform}-{c.community_id}.csv",
        ["at_utc", "actor", "action", "target", "case", "reason"],
        (
            (
                (aware(e.at) or e.at).isoformat(),
                e.actor_id,
                e.action,
                e.target_id,
                e.case_number,
                e.reason,
            )
            for e in entries
        ),
    )
