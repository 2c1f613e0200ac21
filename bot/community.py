"""The dispatcher: a platform event in, actions out.

`App` holds the registry, the listeners, the timers, the outbox and the platforms. Each event
gets a `Context`: the community's settings, the actor's permission level and locale, one
database session (committed before any action leaves, so what a member is told has been
stored), and the list of actions to send back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import actions as a
from bot import i18n, metrics
from bot.clock import Clock, SystemClock
from bot.commands import (
    Command,
    CommandError,
    CommandRegistry,
    FormErrors,
    Permission,
    Resolver,
    parse_options,
)
from bot.config import Settings
from bot.events import (
    Actor,
    CommandInvoked,
    ComponentClicked,
    Event,
    FormSubmitted,
    Place,
)
from bot.forms import Form
from bot.message import Message, as_message
from bot.outbox import Outbox
from bot.platform import Capability, Platform
from bot.store import Store
from bot.store.models import Community, MemberPrefs, OutboxEntry
from bot.timers import Timers

log = logging.getLogger(__name__)

Listener = Callable[["Context", Any], Awaitable[None]]
CommandGuard = Callable[["Context", Command], None]
TickRun = Callable[["App", datetime], Awaitable[None]]
TickDue = Callable[["App", datetime], "datetime | None"]


@dataclass(frozen=True)
class Subject:
    """Whose data: one member of one community on one platform."""

    platform: str
    community_id: str
    user_id: str


@dataclass
class PersonalData:
    """A feature's share of what the bot holds about a member (see bot.privacy).

    `export` returns JSON-able records (everything `/privacy show` counts); `erase` removes the
    member's free text and personal settings, keeping only what safety needs (ids, timestamps,
    outcomes) and returns how many rows it touched; `purge` applies retention to everyone and
    returns how many rows lost their free text (dry_run counts without changing anything).
    """

    name: str
    export: Callable[[Session, Subject], list[dict[str, Any]]]
    erase: Callable[[Session, Subject], int]
    purge: Callable[[Session, datetime, bool], int] | None = None


@dataclass
class TickHook:
    name: str
    run: TickRun
    next_due: TickDue


def level_of(community: Community, actor: Actor | None) -> Permission:
    """The actor's permission in this community, from its role mapping. Entries may be role ids
    or `user:<id>` (Slack, which has no roles)."""
    if actor is None:
        return Permission.MEMBER
    held = set(actor.roles) | {f"user:{actor.user_id}"}
    if actor.is_owner or actor.is_admin or held & set(community.admin_roles):
        return Permission.ADMIN
    if held & set(community.moderator_roles):
        return Permission.MODERATOR
    if held & set(community.organizer_roles):
        return Permission.ORGANIZER
    return Permission.MEMBER


class Context:
    def __init__(
        self,
        app: App,
        now: datetime,
        place: Place,
        actor: Actor | None = None,
        event: Event | None = None,
    ) -> None:
        self.app = app
        self.now = now
        self.place = place
        self.actor = actor
        self.event = event
        self.actions: list[a.Action] = []
        self.stopped = False
        self._session: Session | None = None
        self._community: Community | None = None
        self._locale: str | None = None

    # --- state ---------------------------------------------------------------------------
    @property
    def actor_id(self) -> str:
        if self.actor is None:
            raise RuntimeError("this context has no actor")
        return self.actor.user_id

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.app.store.engine, expire_on_commit=False)
        return self._session

    @property
    def community(self) -> Community:
        if self._community is None:
            self._community = self.app.community(self.session, self.place)
        return self._community

    @property
    def level(self) -> Permission:
        return level_of(self.community, self.actor)

    @property
    def interaction(self) -> str | None:
        return self.event.interaction if self.event else None

    @property
    def locale(self) -> str:
        if self._locale is None:
            prefs = self.prefs(create=False) if self.actor else None
            self._locale = (
                (prefs.locale if prefs else None)
                or (self.actor.locale if self.actor else None)
                or self.community.language
            )
        return self._locale

    def prefs(self, user_id: str | None = None, *, create: bool = True) -> MemberPrefs | None:
        uid = user_id or (self.actor.user_id if self.actor else None)
        if uid is None:
            return None
        row = self.session.exec(
            select(MemberPrefs).where(
                MemberPrefs.platform == self.place.platform,
                MemberPrefs.community_id == self.place.community,
                MemberPrefs.user_id == uid,
            )
        ).first()
        if row is None and create:
            row = MemberPrefs(
                platform=self.place.platform, community_id=self.place.community, user_id=uid
            )
            self.session.add(row)
        return row

    @property
    def platform(self) -> Platform | None:
        return self.app.platforms.get(self.place.platform)

    def can(self, capability: Capability) -> bool:
        platform = self.platform
        return platform is not None and capability in platform.capabilities

    def t(self, key: str, /, **values: object) -> str:
        return i18n.t(key, self.locale, **values)

    # --- answering -----------------------------------------------------------------------
    def respond(self, message: str | Message, *, private: bool = True) -> None:
        """Answer the member who triggered this event (ephemeral / DM when private)."""
        if self.actor is None:
            raise RuntimeError("respond() needs an actor")
        self.emit(
            a.Respond(
                self.place,
                user_id=self.actor.user_id,
                message=as_message(message),
                interaction=self.interaction,
                private=private,
            )
        )

    def open_form(self, form: Form) -> None:
        if self.actor is None:
            raise RuntimeError("open_form() needs an actor")
        if form.submit_label == Form.submit_label:  # the untranslated default
            form = replace(form, submit_label=self.t("core.form.submit"))
        self.emit(a.OpenForm(self.place, self.actor.user_id, self.interaction, form))

    def send_private(self, user_id: str, message: str | Message) -> None:
        self.emit(a.SendPrivate(self.place, user_id, as_message(message)))

    def emit(self, action: a.Action) -> None:
        """Send an action back with this event's answer. Without an event (timers, ticks)
        there is nobody waiting for an answer, so the action goes through the outbox."""
        if self.event is None:
            self.enqueue(action)
        else:
            self.actions.append(action)

    def enqueue(
        self,
        action: a.Action,
        *,
        kind: str = "",
        dedupe_key: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> OutboxEntry | None:
        """Deliver through the outbox, atomically with this context's writes."""
        return self.app.outbox.enqueue(
            self.session, action, self.now, kind=kind, dedupe_key=dedupe_key, context=context
        )

    def stop(self) -> None:
        """Later listeners skip this message (e.g. automod removed it)."""
        self.stopped = True

    # --- transaction ---------------------------------------------------------------------
    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()

    def commit_with(self, fn: Callable[[Session], None]) -> None:
        fn(self.session)
        self.session.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        self._community = None
        self._locale = None

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    async def flush_actions(self) -> None:
        self.close()
        self.app.outbox_kick()


class App:
    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        clock: Clock | None = None,
        platforms: Iterable[Platform] = (),
        *,
        install_features: bool = True,
    ) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.clock: Clock = clock or SystemClock()
        self.platforms: dict[str, Platform] = {p.name: p for p in platforms}
        self.registry = CommandRegistry()
        self.listeners: dict[type, list[tuple[int, Listener]]] = {}
        self.command_guards: list[CommandGuard] = []
        self.tick_hooks: list[TickHook] = []
        lease = timedelta(seconds=self.settings.scheduler.lease_seconds)
        self.outbox = Outbox(
            store, self.platforms, self.settings.outbox, lease=lease, clock=self.clock.now
        )
        self.outbox.on_failed.append(self._report_failure)
        self.timers = Timers(store, lease=lease)
        self._outbox_waker: Callable[[], None] | None = None
        self.services: dict[str, Any] = {}
        self.personal_data: list[PersonalData] = []
        if install_features:
            from bot.features import install_all

            install_all(self)

    # --- registration --------------------------------------------------------------------
    def add_platform(self, platform: Platform) -> None:
        self.platforms[platform.name] = platform

    def on(self, event_type: type, priority: int = 50) -> Callable[[Listener], Listener]:
        """Decorator: a listener for MessagePosted, MessageEdited, ReactionAdded, MemberJoined.
        Lower priority runs first (automod 10, safety 20, features 50)."""

        def wrap(fn: Listener) -> Listener:
            self.listeners.setdefault(event_type, []).append((priority, fn))
            self.listeners[event_type].sort(key=lambda pair: pair[0])
            return fn

        return wrap

    def on_tick(self, name: str, run: TickRun, next_due: TickDue) -> None:
        self.tick_hooks.append(TickHook(name, run, next_due))

    def holds_personal_data(self, entry: PersonalData) -> None:
        """Every feature that stores member data registers here, so export/delete see it all."""
        self.personal_data.append(entry)

    # --- communities ---------------------------------------------------------------------
    def community(self, session: Session, place: Place) -> Community:
        """The community row for this place, created with the configured defaults."""
        query = select(Community).where(
            Community.platform == place.platform, Community.community_id == place.community
        )
        row = session.exec(query).first()
        if row is not None:
            return row
        defaults = self.settings.community
        row = Community(
            platform=place.platform,
            community_id=place.community,
            name=defaults.name,
            timezone=defaults.timezone,
            language=defaults.language,
            created_at=self.clock.now(),
        )
        if place.platform == "discord":
            row.moderator_roles = list(
                self.settings.discord.moderator_roles.get(place.community, [])
            )
            row.organizer_roles = list(
                self.settings.discord.organizer_roles.get(place.community, [])
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

    # --- events --------------------------------------------------------------------------
    async def handle(self, event: Event) -> list[a.Action]:
        """Handle one event. Never raises: problems become private answers and logs."""
        metrics.EVENTS.labels(event.place.platform, type(event).__name__).inc()
        ctx = Context(self, event.at, event.place, event.actor, event)
        try:
            await self._dispatch(ctx, event)
            ctx.commit()
        except CommandError as exc:
            ctx.rollback()
            ctx.actions = []
            ctx.respond(Message(text=exc.message, tone="warning"))
        except FormErrors as exc:
            ctx.rollback()
            ctx.actions = [
                a.RejectForm(ctx.place, event.actor.user_id, event.interaction, exc.errors)
            ]
        except Exception:
            metrics.EVENT_ERRORS.labels(type(event).__name__).inc()
            log.exception("error handling %s", type(event).__name__)
            ctx.rollback()
            ctx.actions = []
            if event.interaction is not None or isinstance(event, CommandInvoked):
                ctx.respond(Message(text=ctx.t("core.error.unexpected"), tone="danger"))
        finally:
            ctx.close()
        self.outbox_kick()
        return ctx.actions

    async def _dispatch(self, ctx: Context, event: Event) -> None:
        if isinstance(event, CommandInvoked):
            await self._command(ctx, event)
        elif isinstance(event, ComponentClicked):
            await self._route(ctx, self.registry.components, event.custom_id, event.values)
        elif isinstance(event, FormSubmitted):
            await self._route(ctx, self.registry.forms, event.custom_id, dict(event.fields))
        else:
            if event.actor.is_bot:
                return
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
        options = parse_options(command, event.options, self.resolver(ctx))
        # Option names may have dashes (`follow-up`); handler parameters use underscores.
        await command.handler(ctx, **{k.replace("-", "_"): v for k, v in options.items()})

    def require(self, ctx: Context, needed: Permission) -> None:
        if ctx.level < needed:
            raise CommandError(ctx.t(f"core.error.needs_{needed.name.lower()}"))

    def resolver(self, ctx: Context) -> Resolver:
        platform = ctx.platform
        lookup_member = getattr(platform, "lookup_member", None)
        lookup_channel = getattr(platform, "lookup_channel", None)
        community = ctx.place.community
        return Resolver(
            member=(lambda n: lookup_member(community, n)) if lookup_member else (lambda n: None),
            channel=(lambda n: lookup_channel(community, n))
            if lookup_channel
            else (lambda n: None),
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
        for _priority, listener in self.listeners.get(type(event), []):
            if ctx.stopped:
                break
            try:
                with ctx.session.begin_nested():
                    await listener(ctx, event)
            except Exception:
                metrics.EVENT_ERRORS.labels(type(event).__name__).inc()
                log.exception("listener %s failed", getattr(listener, "__qualname__", listener))

    # --- delivery ------------------------------------------------------------------------
    async def deliver(self, actions: Iterable[a.Action]) -> list[a.ActionResult]:
        """Execute actions now (answers to an event). A retryable failure moves the action to
        the outbox; a permanent one is logged and counted."""
        results = []
        for action in actions:
            platform = self.platforms.get(action.place.platform)
            if platform is None:
                log.error("no platform %s for %s", action.place.platform, type(action).__name__)
                results.append(a.ActionResult.failed("no such platform"))
                continue
            try:
                result = await platform.execute(action)
            except Exception as exc:
                log.exception("adapter raised executing %s", type(action).__name__)
                result = a.ActionResult.failed(f"adapter error: {type(exc).__name__}")
            if result.ok:
                metrics.ACTIONS_SENT.labels(platform.name).inc()
            else:
                metrics.ACTIONS_FAILED.labels(platform.name, str(result.retryable)).inc()
                if result.retryable:
                    with self.store.session() as s:
                        self.outbox.enqueue(s, action, self.clock.now(), kind="retry")
                    self.outbox_kick()
                else:
                    log.error("%s failed: %s", type(action).__name__, result.error)
            results.append(result)
        return results

    def system_context(self, platform: str = "", community_id: str = "") -> Context:
        """A context for work nobody is waiting on (timers, ticks): emits go to the outbox."""
        return Context(self, self.clock.now(), Place(platform, community_id))

    def outbox_kick(self) -> None:
        if self._outbox_waker is not None:
            self._outbox_waker()

    def set_outbox_waker(self, waker: Callable[[], None]) -> None:
        self._outbox_waker = waker

    async def _report_failure(self, entry: OutboxEntry, result: a.ActionResult) -> None:
        """Tell the community's moderators that something could not be delivered."""
        if entry.kind.startswith("alert"):
            return
        with self.store.session() as s:
            place = Place(entry.platform, entry.community_id)
            community = self.community(s, place)
            if not community.queue_channel:
                return
            text = i18n.t(
                "core.alert.delivery_failed",
                community.language,
                kind=entry.kind or "message",
                error=(result.error or "unknown")[:200],
            )
            alert = a.Post(
                place.at_channel(community.queue_channel), Message(text=text, tone="danger")
            )
            self.outbox.enqueue(s, alert, self.clock.now(), kind="alert.failure")

    # --- time ----------------------------------------------------------------------------
    async def tick(self, now: datetime | None = None) -> None:
        """Run everything due: timers, feature tick hooks (scheduled prompts, rounds), the outbox."""
        now = now or self.clock.now()
        await self.timers.run_due(now, self.system_context)
        for hook in self.tick_hooks:
            try:
                await hook.run(self, now)
            except Exception:
                log.exception("tick hook %s failed", hook.name)
        await self.outbox.deliver_due(now)

    def next_due(self, now: datetime) -> datetime | None:
        candidates = [self.timers.next_due(), self.outbox.next_due()]
        for hook in self.tick_hooks:
            try:
                candidates.append(hook.next_due(self, now))
            except Exception:
                log.exception("next_due of %s failed", hook.name)
        due = [c for c in candidates if c is not None]
        return min(due) if due else None

    async def advance_to(self, target: datetime) -> None:
        """Move a simulated clock to `target`, running everything due on the way, in order."""
        set_clock = getattr(self.clock, "set", None)
        if set_clock is None:
            raise RuntimeError("advance_to needs a SimulatedClock")
        for _ in range(100_000):
            now = self.clock.now()
            due = self.next_due(now)
            if due is None or due > target:
                break
            set_clock(max(due, now))
            await self.tick(self.clock.now())
            if due <= now and self.next_due(now) == due:
                # Nothing moved (a failing entry); step past it rather than spin.
                set_clock(now + timedelta(seconds=1))
        set_clock(target)
        await self.tick(target)
