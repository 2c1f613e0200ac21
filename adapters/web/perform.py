"""Changes made on the dashboard run through the core's own handlers.

A form on the web becomes the core event its chat counterpart would (`/prompt schedule` as a
CommandInvoked, a queue card's reason form as a FormSubmitted), with the member as the platform
reports them now, and goes through `App.run` like any chat event: the core checks the
permission, runs its guards and parser, and the handler does exactly what it does in chat. The
answering strategy `ForPage` adds one audit entry "via dashboard" in the same transaction and
turns the handler's private answer into the page's notice instead of a chat message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.kernel.answering import ForPage, PageAnswer
from bot.kernel.app import App
from bot.kernel.context import Context
from bot.kernel.events import Actor, CommandInvoked, ComponentClicked, Event, FormSubmitted, Place
from bot.moderation import service as moderation

Outcome = PageAnswer


def command(place: Place, actor: Actor, app: App, path: tuple[str, ...], **options: Any) -> Event:
    return CommandInvoked(place, actor, app.clock.now(), path=path, options=options)


def click(place: Place, actor: Actor, app: App, custom_id: str) -> Event:
    return ComponentClicked(place, actor, app.clock.now(), custom_id=custom_id)


def submit(place: Place, actor: Actor, app: App, custom_id: str, **fields: str) -> Event:
    return FormSubmitted(place, actor, app.clock.now(), custom_id=custom_id, fields=fields)


async def perform(
    app: App,
    event: Event,
    *,
    audit: str | None,
    target: str | None = None,
    check: Callable[[Context], None] | None = None,
) -> Outcome:
    """Run `event` through `App.run` as a dashboard change; `check` runs first in the same
    transaction (the concurrent-edit check) and may raise CommandError. `audit` is None only
    for a member's own privacy requests, which are not moderation."""

    def audited(ctx: Context) -> None:
        if audit is not None:
            actor = event.actor.user_id
            moderation.audit(ctx, audit[:24], actor=actor, target=target, reason="via dashboard")

    return await app.run(event, ForPage(before=check, after=audited))
