"""What the web queue shows beside cases, as the chat queue gets it: crisis alerts (urgent ones
first, marked) and appeals, each with the chat card's own actions, which run through the same
handlers and edit the same card in chat.

An alert stays in the queue until a moderator claims it (one person takes the member on); an
appeal until it is decided.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlmodel import col, func, select

from adapters.web import access
from adapters.web.access import Standing
from bot.kernel.app import App
from bot.kernel.context import Context
from bot.kernel.message import Message, to_plain
from bot.moderation.commands import appeal_card
from bot.moderation.models import Appeal, ModCase
from bot.safety import alerts
from bot.safety.models import SafetySignal

RECENT = timedelta(days=7)  # older unclaimed alerts are history, not work waiting
VERDICTS = ("accept", "deny")


def _alert_rows(ctx: Context) -> list[SafetySignal]:
    urgent_first = (col(SafetySignal.level) != "urgent", col(SafetySignal.updated_at).desc())
    return list(
        ctx.session.exec(
            select(SafetySignal)
            .where(
                *SafetySignal.scope(ctx),
                col(SafetySignal.claimed_by).is_(None),
                col(SafetySignal.updated_at) >= ctx.now - RECENT,
            )
            .order_by(*urgent_first)
            .limit(50)
        ).all()
    )


def _appeal_rows(ctx: Context) -> list[tuple[Appeal, ModCase]]:
    rows = ctx.session.exec(
        select(Appeal, ModCase)
        .join(ModCase, col(ModCase.id) == col(Appeal.case_id))
        .where(*ModCase.scope(ctx), Appeal.status == "open")
        .order_by(col(Appeal.created_at))
        .limit(50)
    ).all()
    return [(entry, case) for entry, case in rows]


def collect(app: App, found: Standing) -> tuple[list[dict[str, Any]], list[Message]]:
    """Alerts then appeals, as views, and their chat cards (for the names they mention)."""
    items: list[dict[str, Any]] = []
    messages: list[Message] = []
    with app.context(found.place, found.actor) as ctx:
        for row in _alert_rows(ctx):
            message = alerts.card(ctx.t, row)
            messages.append(message)
            items.append({"kind": "alert", "id": row.id, "urgent": row.level == "urgent",
                          "message": message})  # fmt: skip
        for entry, case in _appeal_rows(ctx):
            message = appeal_card(ctx, case, entry)
            messages.append(message)
            items.append({"kind": "appeal", "id": entry.id, "urgent": False, "message": message})
    return items, messages


def view(item: dict[str, Any], plain: Any) -> dict[str, Any]:
    """What the template shows of an item; `plain` renders a field's text with names."""
    message: Message = item["message"]
    offered = {c.custom_id.split(":")[0] for row in message.rows for c in row}
    return {
        "kind": item["kind"],
        "id": item["id"],
        "urgent": item["urgent"],
        "title": to_plain(message.title or ""),
        "text": plain(message.text or ""),
        "fields": [(to_plain(f.name), plain(f.value)) for f in message.fields],
        "claimable": "safety-claim" in offered,
        "checkin": "safety-checkin" in offered,
    }


def appeal_here(app: App, found: Standing, number: int) -> None:
    """404 unless the appeal is about a case of this community (appeals hold no community)."""
    with app.context(found.place, found.actor) as ctx:
        count = ctx.session.exec(
            select(func.count(col(Appeal.id)))
            .join(ModCase, col(ModCase.id) == col(Appeal.case_id))
            .where(*ModCase.scope(ctx), Appeal.id == number)
        ).one()
    if not count:
        raise web.HTTPNotFound(text=access.NOT_HERE)
