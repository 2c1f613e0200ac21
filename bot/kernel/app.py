"""The kernel: registries, the one entry point for events, and time.

`App.run(event)` is what every adapter calls: the event is handled (command, button, form or
listeners), the answer is delivered, and the outbox worker is woken for anything durable.
`App` knows no platform and installs no feature: the composition root (`crossings`) builds it
and installs the features.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, overload

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from bot.kernel import actions as a
from bot.kernel import i18n, metrics, rate_budget, simulation
from bot.kernel.answering import DELIVER_NOW, Answering, Handled, Step
from bot.kernel.clock import Clock, SystemClock
from bot.kernel.commands import (
    Command,
    CommandError,
    CommandRegistry,
    FormErrors,
    Permission,
    Resolver,
    parse_options,
)
from bot.kernel.config import Settings
from bot.kernel.context import Context
from bot.kernel.delivery import Delivery
from bot.kernel.delivery.inbox import Inbox, LeaseLost
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import (
    Actor,
    CommandInvoked,
    ComponentClicked,
    Event,
    FormSubmitted,
    HomeOpened,
    Place,
)
from bot.kernel.home import home
from bot.kernel.listeners import NamedListener, in_order
from bot.kernel.message import Field, Message
from bot.kernel.personal import PersonalData
from bot.kernel.platform import Platform
from bot.kernel.store import Store
from bot.kernel.store.models import Community
from bot.kernel.timers import Timers

log = logging.getLogger(__name__)

Listener = Callable[[Context, Any], Awaitable[None]]
CommandGuard = Callable[[Context, Command], None]
TickRun = Callable[["App", datetime], Awaitable[None]]
TickDue = Callable[["App", datetime], "datetime | None"]
HomeSection = Callable[[Context, Actor], list[Field]]
T = TypeVar("T")


@dataclass
class TickHook:
    name: str
    run: TickRun
    next_due: TickDue


class App:
    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        clock: Clock | None = None,
        platforms: Iterable[Platform] = (),
    ) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.clock: Clock = clock or SystemClock()
        self.platforms: dict[str, Platform] = {p.name: p for p in platforms}
        self.registry = CommandRegistry()
        self.listeners: dict[type, list[Listener]] = {}
        self._declared: dict[type, list[NamedListener]] = {}
        self.command_guards: list[CommandGuard] = []
        self.tick_hooks: list[TickHook] = []
        self.home_sections: list[tuple[int, HomeSection]] = []
        self.personal_data: list[PersonalData] = []
        self.warm_ups: list[Callable[[], object]] = [i18n.load]
        # Each feature's per-process state, keyed by its `Slot` (bot.kernel.feature).
        self.feature_state: dict[Any, Any] = {}
        lease = timedelta(seconds=self.settings.scheduler.lease_seconds)
        self.outbox = Outbox(
            store,
            self.platforms,
            self.settings.outbox,
            lease=lease,
            clock=self.clock.now,
            limiter=rate_budget.limiter_for(store),
        )
        self.inbox = Inbox(self, store, self.settings.outbox, lease=lease, clock=self.clock.now)
        self.timers = Timers(store, lease=lease)
        self.delivery = Delivery(self)

    # --- registration --------------------------------------------------------------------
    def add_platform(self, platform: Platform) -> None:
        self.platforms[platform.name] = platform

    def add_listener(
        self,
        event_type: type,
        fn: Listener,
        name: str,
        after: tuple[str, ...] = (),
        before: tuple[str, ...] = (),
    ) -> None:
        """Listeners run in the order their `after`/`before` names ask, else as installed."""
        declared = self._declared.setdefault(event_type, [])
        declared.append(NamedListener(name, fn, after, before))
        self.listeners[event_type] = in_order(declared)

    def on_tick(self, name: str, run: TickRun, next_due: TickDue) -> None:
        self.tick_hooks.append(TickHook(name, run, next_due))

    def add_home_section(self, order: int, fn: HomeSection) -> None:
        self.home_sections.append((order, fn))
        self.home_sections.sort(key=lambda pair: pair[0])

    # --- communities ---------------------------------------------------------------------
    def community(self, session: Session, place: Place) -> Community:
        """The community row for this place, created with the configured defaults."""
        query = Community.of(place)
        row = session.exec(query).first()
        if row is not None:
            return row
        defaults = self.settings.community
        roles = self.settings.roles_for(place.platform, place.community)
        row = Community(
            platform=place.platform,
            community_id=place.community,
            name=defaults.name,
            timezone=defaults.timezone,
            language=defaults.language,
            created_at=self.clock.now(),
            moderator_roles=list(roles.get("moderator", [])),
            organizer_roles=list(roles.get("organizer", [])),
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            found = session.exec(query).first()
            if found is None:
                raise
            return found
        return row

    def context(self, place: Place, actor: Actor | None = None) -> Context:
        """A context for work outside an event (timers, ticks, the CLI, a page that reads): sends
        are durable. The one way to get a context besides `run`; use it as a context manager
        (`with app.context(place, actor) as ctx:`) and it closes its session."""
        return Context(self, self.clock.now(), place, actor)

    def system_context(self, platform: str = "", community_id: str = "") -> Context:
        return self.context(Place(platform, community_id))

    # --- events --------------------------------------------------------------------------
    @overload
    async def run(self, event: Event) -> list[a.ActionResult]: ...

    @overload
    async def run(self, event: Event, answering: Answering[T]) -> T: ...

    async def run(self, event: Event, answering: Answering[Any] = DELIVER_NOW) -> Any:
        """The one entry point for every adapter: handle the event and deliver its answer the
        way the platform wants it (`bot.kernel.answering`: now, within an interaction's
        deadline, or collected for a page), then wake the outbox for what is durable."""
        try:
            return await answering(self, event)
        finally:
            self.outbox_kick()

    async def handle(self, event: Event) -> list[a.Action]:
        """Handle one event into its answer. Never raises: problems become private answers."""
        return (await self.handled(event)).actions

    async def handled(
        self, event: Event, *, before: Step | None = None, after: Step | None = None
    ) -> Handled:
        """Handle one event in one transaction (`before` and `after` run in it around the
        handler). Never raises: a refusal rolls everything back and becomes the answer."""
        metrics.EVENTS.labels(event.place.platform, type(event).__name__).inc()
        ctx = Context(self, event.at, event.place, event.actor, event)
        refused: str | None = None
        conflict = False
        try:
            if before is not None:
                before(ctx)
            await self._dispatch(ctx, event)
            if after is not None:
                after(ctx)
            ctx.commit()
        except CommandError as exc:
            ctx.rollback()
            refused = exc.render(ctx.t)
            ctx.actions = []
            ctx.reply(Message(text=refused, tone="warning"))
        except FormErrors as exc:
            ctx.rollback()
            refused = " ".join(exc.errors.values())
            ctx.actions = [
                a.RejectForm(ctx.place, event.actor.user_id, event.interaction, exc.errors)
            ]
        except Exception as exc:
            refused = self._failed(ctx, event, exc)
            # Run again rather than finished: a row changed, the lease moved, or the database
            # was busy (SQLite answers "database is locked" at once where waiting could
            # deadlock); none of these is the event's fault.
            conflict = isinstance(exc, StaleDataError | LeaseLost | OperationalError)
        finally:
            ctx.close()
        self.outbox_kick()
        return Handled(ctx.actions, refused, conflict)

    def _failed(self, ctx: Context, event: Event, exc: Exception) -> str:
        ctx.rollback()
        if isinstance(exc, StaleDataError):  # a row changed under us: nothing was written
            log.info("%s met a concurrent change; rolled back", type(event).__name__)
        elif isinstance(exc, LeaseLost):  # another process runs this inbox entry now
            log.warning("%s: inbox lease lost; rolled back", type(event).__name__)
        elif isinstance(exc, OperationalError):  # busy or gone for a moment: run again
            log.warning("%s: database busy (%s); rolled back", type(event).__name__, exc.orig)
        else:
            metrics.EVENT_ERRORS.labels(type(event).__name__).inc()
            log.exception("error handling %s", type(event).__name__)
        ctx.actions = []
        text = ctx.t("core.error.unexpected")
        if event.interaction is not None or isinstance(event, CommandInvoked):
            ctx.reply(Message(text=text, tone="danger"))
        return text

    async def deliver(self, actions: Iterable[a.Action]) -> list[a.ActionResult]:
        results = await self.delivery.deliver(actions)
        self.outbox_kick()
        return results

    async def _dispatch(self, ctx: Context, event: Event) -> None:
        if isinstance(event, CommandInvoked):
            await self._command(ctx, event)
        elif isinstance(event, ComponentClicked):
            await self._route(ctx, self.registry.components, event.custom_id, event.values)
        elif isinstance(event, FormSubmitted):
            await self._route(ctx, self.registry.forms, event.custom_id, dict(event.fields))
        elif isinstance(event, HomeOpened):
            view = home(self, ctx, event.actor)
            ctx.act(a.PublishHome(ctx.place, event.actor.user_id, view))
        elif not event.actor.is_bot:
            await self._listeners(ctx, event)

    async def _command(self, ctx: Context, event: CommandInvoked) -> None:
        command = self.registry.get(event.path)
        if command is None:
            raise CommandError(ctx.t("core.error.unknown_command", name=" ".join(event.path)[:60]))
        self.require(ctx, command.permission)
        for guard in self.command_guards:
            guard(ctx, command)
        if command.kind == "message":
            if event.target is None:
                raise CommandError(ctx.t("core.error.no_target"))
            await command.handler(ctx, event.target)
            return
        options = parse_options(command, event.options, self.resolver(ctx), ctx.t)
        # Option names may have dashes (`follow-up`); handler parameters use underscores.
        await command.handler(ctx, **{k.replace("-", "_"): v for k, v in options.items()})

    def require(self, ctx: Context, needed: Permission) -> None:
        if ctx.level < needed:
            raise CommandError(ctx.t(f"core.error.needs_{needed.name.lower()}"))

    def resolver(self, ctx: Context) -> Resolver:
        platform = ctx.platform
        community = ctx.place.community
        if platform is None:
            return Resolver(timezone=ctx.community.timezone)
        return Resolver(
            member=lambda name: platform.lookup_member(community, name),
            channel=lambda name: platform.lookup_channel(community, name),
            mention_member=platform.mention_member,
            mention_channel=platform.mention_channel,
            timezone=ctx.community.timezone,
        )

    async def _route(self, ctx: Context, table: dict, custom_id: str, payload: Any) -> None:
        found = self.registry.route(table, custom_id)
        if found is None:
            raise CommandError(ctx.t("core.error.stale_button"))
        route, args = found
        self.require(ctx, route.permission)
        await route.handler(ctx, args, payload)

    async def _listeners(self, ctx: Context, event: Event) -> None:
        for listener in self.listeners.get(type(event), []):
            if ctx.stopped:
                break
            try:
                with ctx.session.begin_nested():
                    await listener(ctx, event)
            except OperationalError:
                raise  # the database, not the listener: the whole event runs again
            except Exception:
                metrics.EVENT_ERRORS.labels(type(event).__name__).inc()
                log.exception("listener %s failed", getattr(listener, "__qualname__", listener))

    async def warm_up(self) -> None:
        """Build the features' big read-only indexes off the event loop, before serving."""
        for fn in self.warm_ups:
            await asyncio.to_thread(fn)

    # --- the outbox ------------------------------------------------------------------------
    def outbox_kick(self) -> None:
        self.delivery.kick()

    def set_outbox_waker(self, waker: Callable[[], None]) -> None:
        self.delivery.set_waker(waker)

    # --- time ----------------------------------------------------------------------------
    async def tick(self, now: datetime | None = None) -> None:
        """Run everything due: the inbox, timers, feature tick hooks (scheduled prompts, rounds),
        the outbox."""
        now = now or self.clock.now()
        await self.inbox.run_due(now)
        await self.timers.run_due(now, self.system_context)
        for hook in self.tick_hooks:
            try:
                await hook.run(self, now)
            except Exception:
                log.exception("tick hook %s failed", hook.name)
        await self.outbox.deliver_due(now)

    def next_due(self, now: datetime) -> datetime | None:
        candidates = [self.inbox.next_due(), self.timers.next_due(), self.outbox.next_due()]
        for hook in self.tick_hooks:
            try:
                candidates.append(hook.next_due(self, now))
            except Exception:
                log.exception("next_due of %s failed", hook.name)
        due = [c for c in candidates if c is not None]
        return min(due) if due else None

    async def advance_to(self, target: datetime) -> None:
        """Move a simulated clock to `target`, running everything due on the way, in order."""
        await simulation.advance_to(self, target)
