"""`Feature`: how a feature plugs into the app, the way `AdapterPlugin` plugs in a platform.

A feature package holds one leaf module, `bot/<name>/feature.py`, that builds its `Feature` and
imports nothing else of the package, so no module imports back into the package that loads it.
The package's modules register module-level handlers on it with decorators
(`@feature.command`, `.component`, `.form`, `.on`, `.timer`, `.tick`, `.outbox_hook`, `.guard`,
`.personal_data`, `.home_section`); `Feature.load` imports them (the leaf names them, nothing
else does). The composition root finds features through the `crossings.features` entry-point
group and installs them into an `App`. A feature owns its settings section (`Feature.section`:
`[<name>]` in crossings.toml) and its per-process state (`Feature.slot`), so no string-keyed bag
is shared between features.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from bot.kernel.commands import CommandKind, Handler, Permission, command_of

if TYPE_CHECKING:
    from bot.kernel.actions import ActionResult
    from bot.kernel.app import App
    from bot.kernel.context import Context
    from bot.kernel.events import Actor
    from bot.kernel.message import Field
    from bot.kernel.personal import PersonalData
    from bot.kernel.store.models import OutboxEntry

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
TickRun = Callable[["App", datetime], Awaitable[None]]
TickDue = Callable[["App", datetime], "datetime | None"]
HomeSection = Callable[["Context", "Actor"], "list[Field]"]
OutboxHook = Callable[["App", "OutboxEntry", "ActionResult"], Awaitable[None]]


class Section(Generic[M]):
    """A feature's settings section: `section.of(app)` is the validated `[name]` table."""

    def __init__(self, name: str, model: type[M]) -> None:
        self.name, self.model = name, model

    def of(self, holder: Any) -> M:
        """From an app, a context's app or the settings object itself."""
        settings = getattr(holder, "settings", holder)
        found = getattr(settings, self.name, None)
        return found if isinstance(found, self.model) else self.model()


class Slot(Generic[T]):
    """Per-process state a feature keeps between events (an index, a cache), one per app."""

    def __init__(self, name: str, factory: Callable[[], T]) -> None:
        self.name, self.factory = name, factory

    def of(self, app: Any) -> T:
        states: dict[Slot[Any], Any] = app.feature_state
        if self not in states:
            states[self] = self.factory()
        return states[self]  # type: ignore[no-any-return]


@dataclass
class Feature:
    name: str
    # The package whose `modules` register on this feature (None: nothing to import).
    package: str | None = None
    modules: tuple[str, ...] = ()
    # `crossings <subcommand>`s of this feature, added to the command line by the root.
    register_cli: Callable[[Any], None] | None = None
    settings: Section[Any] | None = None
    _steps: list[Callable[[App], object]] = field(default_factory=list, repr=False)

    def load(self) -> Feature:
        """Import the package and the modules that register on this feature (once)."""
        if self.package is not None:
            importlib.import_module(self.package)
            for module in self.modules:
                importlib.import_module(f"{self.package}.{module}")
        return self

    def section(self, model: type[M]) -> Section[M]:
        """Declare this feature's settings section, `[<name>]`; returns its typed reader."""
        self.settings = Section(self.name, model)
        return self.settings

    def slot(self, factory: Callable[[], T], name: str = "state") -> Slot[T]:
        return Slot(f"{self.name}.{name}", factory)

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
        permission: Permission = Permission.MEMBER,
        kind: CommandKind = "slash",
        label: str | None = None,
        slow: bool = False,
    ) -> Callable[[Handler], Handler]:
        """A command whose options are the handler's parameters (`bot.kernel.commands.Opt`).
        They are read here, when the module is imported, so a parameter that cannot be an
        option fails at once, naming the command."""

        def wrap(fn: Handler) -> Handler:
            command = command_of(path, description, fn, permission, kind, label, slow)
            self._record(lambda app: app.registry.add(command))
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
    def on(
        self,
        *event_types: type,
        name: str | None = None,
        after: str | Sequence[str] = (),
        before: str | Sequence[str] = (),
    ) -> Callable[[F], F]:
        """A listener for message, member and reaction events. It runs after the listeners
        named in `after` and before those in `before` (names of other listeners, whichever
        feature installed them; a name nobody installed is ignored)."""

        def wrap(fn: F) -> F:
            listener = name or f"{self.name}.{fn.__name__}"
            order = (_names(after), _names(before))

            def add(app: App) -> None:
                for event_type in event_types:
                    app.add_listener(event_type, fn, listener, *order)

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


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)
