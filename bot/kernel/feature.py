"""`Feature`: how a feature plugs into the app.

A feature's `__init__.py` builds one `Feature`; its modules register module-level handlers on
it with decorators (`@feature.command`, `.component`, `.form`, `.on`, `.timer`, `.tick`,
`.outbox_hook`, `.guard`, `.personal_data`, `.home_section`), and the composition root
installs it into an `App`. Nothing runs at import time except recording the registrations,
so every handler can be named, imported and tested on its own.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.kernel.commands import CommandKind, Handler, Option, Permission

if TYPE_CHECKING:
    from bot.kernel.actions import ActionResult
    from bot.kernel.app import App
    from bot.kernel.context import Context
    from bot.kernel.events import Actor
    from bot.kernel.message import Field
    from bot.kernel.personal import PersonalData
    from bot.kernel.store.models import OutboxEntry

F = TypeVar("F", bound=Callable[..., Any])
TickRun = Callable[["App", datetime], Awaitable[None]]
TickDue = Callable[["App", datetime], "datetime | None"]
HomeSection = Callable[["Context", "Actor"], "list[Field]"]
OutboxHook = Callable[["App", "OutboxEntry", "ActionResult"], Awaitable[None]]

# Listener order: lower runs first. The crisis pathway hears every message before automod can
# hide it; automod then acts before anything else sees the message.
ORDER = {"safety": 5, "automod": 10, "default": 50}


@dataclass
class Feature:
    name: str
    # `crossings <subcommand>`s of this feature, added to the command line by the root.
    register_cli: Callable[[Any], None] | None = None
    _steps: list[Callable[[App], object]] = field(default_factory=list, repr=False)

    def _record(self, step: Callable[[App], object]) -> None:
        self._steps.append(step)

    def install(self, app: App) -> None:
        for step in self._steps:
            step(app)

    def warm_up(self, fn: Callable[[App], object]) -> Callable[[App], object]:
        """Build something big before the bot takes events (run in a thread at start-up)."""
        self._record(lambda app: app.warm_ups.append(lambda: fn(app)))
        return fn

    def on_install(self, fn: Callable[[App], object]) -> Callable[[App], object]:
        """Run once when the feature is installed into an app (warm a cache, load a model)."""
        self._record(fn)
        return fn

    # --- commands and interactions ------------------------------------------------------
    def group(self, name: str, description: str) -> None:
        self._record(lambda app: app.registry.group(name, description))

    def command(
        self,
        path: str,
        description: str,
        *,
        options: Sequence[Option] = (),
        permission: Permission = Permission.MEMBER,
        kind: CommandKind = "slash",
        label: str | None = None,
        slow: bool = False,
    ) -> Callable[[Handler], Handler]:
        def wrap(fn: Handler) -> Handler:
            self._record(
                lambda app: app.registry.command(
                    path,
                    description,
                    options=options,
                    permission=permission,
                    kind=kind,
                    label=label,
                    slow=slow,
                )(fn)
            )
            return fn

        return wrap

    def component(
        self, prefix: str, permission: Permission = Permission.MEMBER
    ) -> Callable[[F], F]:
        def wrap(fn: F) -> F:
            self._record(lambda app: app.registry.component(prefix, permission)(fn))
            return fn

        return wrap

    def form(self, prefix: str, permission: Permission = Permission.MEMBER) -> Callable[[F], F]:
        def wrap(fn: F) -> F:
            self._record(lambda app: app.registry.form(prefix, permission)(fn))
            return fn

        return wrap

    def guard(self, fn: F) -> F:
        """A check every command passes through (e.g. a member's rate limit)."""
        self._record(lambda app: app.command_guards.append(fn))
        return fn

    # --- events and time ------------------------------------------------------------------
    def on(self, *event_types: type, order: str | int = "default") -> Callable[[F], F]:
        """A listener for message, member and reaction events, in `order` (see ORDER)."""
        rank = ORDER[order] if isinstance(order, str) else order

        def wrap(fn: F) -> F:
            def add(app: App) -> None:
                for event_type in event_types:
                    app.add_listener(event_type, fn, rank)

            self._record(add)
            return fn

        return wrap

    def timer(self, kind: str) -> Callable[[F], F]:
        def wrap(fn: F) -> F:
            self._record(lambda app: app.timers.on(kind)(fn))
            return fn

        return wrap

    def tick(self, name: str, run: TickRun, next_due: TickDue) -> None:
        """Work the clock makes due (scheduled prompts, peer rounds); `next_due` says when."""
        self._record(lambda app: app.on_tick(name, run, next_due))

    def outbox_hook(self, kind: str) -> Callable[[OutboxHook], OutboxHook]:
        """Run after an outbox entry of `kind` was accepted by the platform."""

        def wrap(fn: OutboxHook) -> OutboxHook:
            self._record(lambda app: app.outbox.hook(kind)(functools.partial(fn, app)))
            return fn

        return wrap

    def command_line(self, fn: F) -> F:
        """Decorator: `fn(subparsers)` adds this feature's `crossings` subcommands."""
        self.register_cli = fn
        return fn

    def on_delivery_failed(self, fn: OutboxHook) -> OutboxHook:
        """Run when the outbox gives up on an entry (after every retry)."""
        self._record(lambda app: app.outbox.on_failed.append(functools.partial(fn, app)))
        return fn

    # --- members ---------------------------------------------------------------------------
    def personal_data(self, entry: PersonalData) -> None:
        self._record(lambda app: app.personal_data.append(entry))

    def home_section(self, order: int = 50) -> Callable[[HomeSection], HomeSection]:
        """Fields this feature adds to a member's home view (Slack's App Home)."""

        def wrap(fn: HomeSection) -> HomeSection:
            self._record(lambda app: app.add_home_section(order, fn))
            return fn

        return wrap
