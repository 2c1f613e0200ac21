"""`Context`: everything one piece of work (an event, a timer, a tick) needs.

A context carries the community's settings, the actor's permission level and locale, one
database session (committed before any action leaves, so what a member is told has been
stored) and the answer being built. Two ways out, never a mode switch:
- `reply(...)`, `open_form(...)` and `act(...)` are this event's answer, delivered as soon as the
  handler returns (an interaction is acknowledged with them);
- `send(...)` and `send_private(...)` are durable: written to the outbox in the same
  transaction as the context's other writes and delivered, with retries, after the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlmodel import Session, col, select

from bot.kernel import actions as a
from bot.kernel import i18n
from bot.kernel.commands import Permission
from bot.kernel.events import Actor, Event, MessagePosted, Place
from bot.kernel.forms import Form
from bot.kernel.message import Message, as_message
from bot.kernel.store.models import Community, MemberPrefs, OutboxEntry

if TYPE_CHECKING:
    from bot.kernel.clock import Clock
    from bot.kernel.commands import CommandRegistry
    from bot.kernel.config import Settings
    from bot.kernel.delivery.outbox import Outbox
    from bot.kernel.personal import PersonalData
    from bot.kernel.platform import Platform
    from bot.kernel.store import Store
    from bot.kernel.timers import Timers


class Kernel(Protocol):
    """What a context and the features see of the app (`bot.kernel.app.App` implements it)."""

    store: Store
    settings: Settings
    clock: Clock
    outbox: Outbox
    timers: Timers
    platforms: dict[str, Platform]
    registry: CommandRegistry
    personal_data: list[PersonalData]
    feature_state: dict[Any, Any]

    def community(self, session: Session, place: Place) -> Community: ...

    def outbox_kick(self) -> None: ...

    def system_context(self, platform: str = "", community_id: str = "") -> Context: ...


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
        app: Kernel,
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
        """The member's own choice, then the platform's locale for them, then the community's."""
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
            select(MemberPrefs).where(*MemberPrefs.scope(self.place), MemberPrefs.user_id == uid)
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

    def can(self, action_type: type[a.Action]) -> bool:
        """Whether this community's platform can carry out this kind of action."""
        platform = self.platform
        return platform is not None and platform.can(action_type)

    def t(self, key: str, /, **values: object) -> str:
        return i18n.t(key, self.locale, **values)

    # --- the answer to this event -------------------------------------------------------
    def reply(self, message: str | Message, *, private: bool = True) -> None:
        """Answer the member who triggered this event (ephemeral / DM when private)."""
        if self.actor is None:
            raise RuntimeError("reply() needs an actor")
        self.act(
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
        self.act(a.OpenForm(self.place, self.actor.user_id, self.interaction, form))

    def act(self, action: a.Action) -> None:
        """An action that is part of this event's answer (a moderator's timeout, automod's
        delete). Work nobody is waiting on uses `send`."""
        if self.event is None:
            raise RuntimeError("act() answers an event; use send() for background work")
        self.actions.append(action)

    # --- durable sends -------------------------------------------------------------------
    def send(
        self,
        action: a.Action,
        *,
        kind: str = "",
        dedupe_key: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> OutboxEntry | None:
        """Deliver through the outbox, atomically with this context's writes. A DM to a
        member in discreet mode that they did not ask for is not sent (None)."""
        if isinstance(action, a.SendPrivate) and not self.may_write_to(action.user_id):
            return None
        return self.app.outbox.enqueue(
            self.session, action, self.now, kind=kind, dedupe_key=dedupe_key, context=context
        )

    def send_private(self, user_id: str, message: str | Message, *, kind: str = "dm") -> bool:
        """A DM through the outbox; False when discreet mode kept it back."""
        return (
            self.send(a.SendPrivate(self.place, user_id, as_message(message)), kind=kind)
            is not None
        )

    def is_discreet(self, user_id: str) -> bool:
        """Discreet mode holds across every community on the platform: a phone that is watched
        shows every DM, and on Discord a DM to the bot belongs to no server at all."""
        query = select(MemberPrefs.id).where(
            MemberPrefs.platform == self.place.platform,
            MemberPrefs.user_id == user_id,
            col(MemberPrefs.discreet).is_(True),
        )
        return self.session.exec(query).first() is not None

    def may_write_to(self, user_id: str) -> bool:
        """Discreet mode: the bot never writes to the member first. It answers what they asked
        for themselves (a command, a click, a DM to the bot); a message they posted in a
        channel, a moderator's action or a timer is not a request to be written to."""
        if not self.is_discreet(user_id):
            return True
        event = self.event
        if event is None or event.actor.user_id != user_id:
            return False
        if isinstance(event, MessagePosted):
            return event.is_dm
        return True

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

    # `with app.context(place, actor) as ctx:` closes the session (nothing is committed unless
    # the block commits).
    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def flush_actions(self) -> None:
        self.close()
        self.app.outbox_kick()
