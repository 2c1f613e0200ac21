"""The audit log for moderators: newest first, filtered by member and action, and the same
rows as CSV. Read-only; cells that a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web
from sqlmodel import Session, col, select

from adapters.web import access
from adapters.web.access import Standing
from adapters.web.keys import APP
from adapters.web.pages import common, render
from bot import l10n
from bot.app import App
from bot.commands import Permission
from bot.moderation.models import AuditEntry
from bot.store import aware

C = "/c/{platform}/{community}"
LIMIT = 500
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def routes(sub: web.Application) -> None:
    sub.router.add_get(C + "/audit", audit_page, name="audit")
    sub.router.add_get(C + "/audit.csv", audit_csv, name="audit_csv")


def _filters(request: web.Request) -> dict[str, str]:
    return {
        "member": request.query.get("member", "").strip()[:64],
        "action": request.query.get("action", "").strip().lower()[:24],
    }


def _rows(app: App, found: Standing, filters: dict[str, str]) -> list[AuditEntry]:
    query = select(AuditEntry).where(*AuditEntry.scope(found.community))
    if filters["member"]:
        who = filters["member"]
        query = query.where((AuditEntry.target_id == who) | (AuditEntry.actor_id == who))
    if filters["action"]:
        query = query.where(col(AuditEntry.action).startswith(filters["action"]))
    with Session(app.store.engine) as s:
        return list(s.exec(query.order_by(col(AuditEntry.id).desc()).limit(LIMIT)).all())


async def audit_page(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    filters = _filters(request)
    zone = found.community.timezone
    locale = found.actor.locale or found.community.language
    rows = [
        {"entry": e, "when": l10n.when(aware(e.at), locale, zone)}
        for e in _rows(request.app[APP], found, filters)
    ]
    values: dict[str, Any] = {"title": "Audit log", "rows": rows, "filters": filters}
    return await render(request, "audit.html", {**values, **common(found)})


def cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


async def audit_csv(request: web.Request) -> web.Response:
    _, found = await access.require(request, Permission.MODERATOR)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at_utc", "actor", "action", "target", "case", "reason"])
    for e in _rows(request.app[APP], found, _filters(request)):
        writer.writerow(
            [
                cell(x)
                for x in (
                    (aware(e.at) or e.at).isoformat(),
                    e.actor_id,
                    e.action,
                    e.target_id,
                    e.case_number,
                    e.reason,
                )
            ]
        )
    name = f"audit-{found.community.platform}-{found.community.community_id}.csv"
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
