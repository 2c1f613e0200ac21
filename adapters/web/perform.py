"""Changes made on the dashboard run through the core's own handlers.

A form on the web becomes the core event its chat counterpart would (`/prompt schedule` as a
CommandInvoked, a queue card's reason form as a FormSubmitted), with the member as the platform
reports them now. The core checks the permission, runs its guards and parser, and the handler
does exactly what it does in chat; this module adds one audit entry "via dashboard" in the same
transaction, delivers what the handler asked for, and turns its private answer into the page's
notice instead of a chat message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.kernel import actions as a
from bot.kernel.app import App
from bot.kernel.commands import CommandError, FormErrors, parse_options
from bot.kernel.context import Context
from bot.kernel.events import Actor, CommandInvoked, ComponentClicked, Event, FormSubmitted, Place
from bot.kernel.message import Message
from bot.moderation import service as moderation

# Answers meant for the chat interaction itself; the page shows them instead.
_PAGE_ONLY = (a.Respond, a.OpenForm, a.RejectForm)


@dataclass
class Outcome:
    ok: bool
    replies: list[Message] = field(default_factory=list)
    error: str | None = None
    form_errors: dict[str, str] = field(default_factory=dict)


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
    """Run `event` through its core handler as a dashboard change; `check` runs first in the
    same transaction (the concurrent-edit check) and may raise CommandError. `audit` is None
    only for a member's own privacy requests, which are not moderation."""
    ctx = Context(app, event.at, event.place, event.actor, event)
    try:
        if check is not None:
            check(ctx)
        await _dispatch(app, ctx, event)
        if audit is not None:
            moderation.audit(
                ctx, audit[:24], actor=event.actor.user_id, target=target, reason="via dashboard"
            )
        ctx.commit()
    except CommandError as exc:
        ctx.rollback()
        text = exc.render(ctx.t)
        return Outcome(False, error=text, form_errors={exc.option: text} if exc.option else {})
    except FormErrors as exc:
        ctx.rollback()
        return Outcome(False, error=" ".join(exc.errors.values()), form_errors=dict(exc.errors))
    finally:
        ctx.close()
    replies = [x.message for x in ctx.actions if isinstance(x, a.Respond)]
    await app.deliver([x for x in ctx.actions if not isinstance(x, _PAGE_ONLY)])
    return Outcome(True, replies)


async def _dispatch(app: App, ctx: Context, event: Event) -> None:
    """What `App.handle` does for these three kinds of event, minus the chat answer."""
    if isinstance(event, CommandInvoked):
        found = app.registry.get(event.path)
        if found is None:
            raise CommandError(ctx.t("core.error.unknown_command", name=" ".join(event.path)))
        app.require(ctx, found.permission)
        for guard in app.command_guards:
            guard(ctx, found)
        options = parse_options(found, event.options, app.resolver(ctx), ctx.t)
        await found.handler(ctx, **{k.replace("-", "_"): v for k, v in options.items()})
        return
    if isinstance(event, ComponentClicked):
        table, payload = app.registry.components, event.values
    elif isinstance(event, FormSubmitted):
        table, payload = app.registry.forms, dict(event.fields)  # type: ignore[assignment]
    else:
        raise TypeError(f"the dashboard does not send {type(event).__name__}")
    routed = app.registry.route(table, event.custom_id)
    if routed is None:
        raise CommandError(ctx.t("core.error.stale_button"))
    route, args = routed
    app.require(ctx, route.permission)
    await route.handler(ctx, args, payload)
