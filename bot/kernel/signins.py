"""Signing in to the dashboard: the providers platform adapters contribute, and the sessions
kept in the database (`web_sessions`), so that a session can end.

A platform adapter that can say who a browser's user is gives its `AdapterPlugin` a
`sign_in` (a `SignInProvider`): the dashboard sends the browser to its authorize URL and hands
the code that comes back to `exchange`, which answers who signed in, and for a sign-in that
holds for one community only (a Slack workspace) which one. The dashboard names no platform.

The browser holds a random id; the row is found by its keyed hash, so the table alone opens
nothing. A session ends when its member signs out (one or all of their sessions), when it has
been idle or alive too long, and when the platform reports that the member's roles changed
since the session used them for privileged work: the adapters call `member_changed` on
Discord's member updates and Slack's `user_change`, so a demoted or deactivated admin's
sessions end at once, on every replica. Time enters as `now` (wall time: a browser session
does not follow a simulated community clock).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from bot.kernel.commands import Permission
from bot.kernel.events import Actor
from bot.kernel.store import Store, aware
from bot.kernel.store.models import SignInSession


class SignInFailed(Exception):
    """The provider refused, or its answer was not what was asked for."""


@dataclass(frozen=True)
class SignedIn:
    """Who a provider says signed in."""

    user_id: str
    name: str
    # The one community this sign-in is for (a Slack workspace); None: any community of the
    # platform where the member is present (a Discord account).
    scope: str | None = None


class SignInProvider(Protocol):
    """A platform's sign-in (OAuth2 / OpenID Connect), as the dashboard uses it."""

    @property
    def name(self) -> str:
        """The platform's name (`Place.platform`), also the sign-in's URL segment."""
        ...

    @property
    def label(self) -> str:
        """Shown as "Sign in with <label>"."""
        ...

    @property
    def community_label(self) -> str:
        """What the platform calls a community ("Discord server")."""
        ...

    @property
    def roles_label(self) -> str:
        """What a community's permissions are granted to ("Roles", or "Members")."""
        ...

    @property
    def endpoint(self) -> str:
        """Where browsers are sent to sign in (allowed as a form action)."""
        ...

    def configured(self) -> bool:
        """Whether a client id and secret are set."""
        ...

    def authorize_url(self, state: str, nonce: str, redirect_uri: str) -> str: ...

    def install_url(self) -> str | None:
        """Where an administrator adds the bot to another community (None: the platform's
        deployment serves one community, or the bot cannot be invited there)."""
        ...

    async def exchange(self, code: str, nonce: str, redirect_uri: str) -> SignedIn:
        """The code from the redirect for who signed in; raises SignInFailed (or a network
        error) when the provider refuses or answers something else."""
        ...


@runtime_checkable
class LocalSignIn(SignInProvider, Protocol):
    """A sign-in for a community on this machine (the console's): the dashboard itself lists
    the people one may sign in as, to browsers on this machine only, and gets from the provider
    the code its callback exchanges."""

    local: bool

    def people(self) -> list[tuple[str, str]]:
        """(user id, label) of each person one may sign in as."""
        ...

    def code_for(self, user_id: str, nonce: str) -> str:
        """The code that signs this person in, for the sign-in with this nonce only."""
        ...


def loopback(host: str | None) -> bool:
    """Whether this host name or address is this machine (a local sign-in's only audience)."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


PRIVILEGED = int(Permission.ORGANIZER)  # organizers and up
TOUCH_EVERY = timedelta(seconds=30)  # seen_at is written at most this often per session
KEEP_ENDED = timedelta(days=1)


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta
    pending: timedelta = timedelta(minutes=10)  # a sign-in must come back from the provider


@dataclass(frozen=True)
class Found:
    """A session as loaded: its row, or why it is no longer usable."""

    row: SignInSession
    ended: str | None  # None while active; else the reason ("signed-out", "roles", ...)


def digest(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


def fingerprint(actor: Actor | None) -> str:
    """What decides a member's level on the platform's side: their roles and admin flags."""
    if actor is None:
        return "gone"
    held = ",".join(sorted(actor.roles))
    raw = f"{held}|{actor.is_admin}|{actor.is_owner}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def seen_key(platform: str, community: str) -> str:
    return f"{platform}:{community}"


def find(store: Store, key: str, now: datetime, life: Lifetimes) -> Found | None:
    """The session with this key; one found past a lifetime is ended here and now."""
    with Session(store.engine, expire_on_commit=False) as s:
        row = s.exec(select(SignInSession).where(SignInSession.key == key)).first()
        if row is None:
            return None
        if row.ended_at is not None:
            return Found(row, row.ended_why or "ended")
        created, seen = aware(row.created_at), aware(row.seen_at)
        assert created is not None and seen is not None
        limit = life.absolute if row.user_id else life.pending
        why = None
        if now - created > limit:
            why = "expired"
        elif now - seen > life.idle:
            why = "idle"
        if why is not None:
            row.ended_at, row.ended_why = now, why
        elif now - seen >= TOUCH_EVERY:
            row.seen_at = now
        else:
            return Found(row, None)
        s.add(row)
        s.commit()
        return Found(row, why)


def create(store: Store, key: str, data: dict[str, Any], now: datetime) -> int:
    row = SignInSession(key=key, created_at=now, seen_at=now)
    _fill(row, data)
    with Session(store.engine, expire_on_commit=False) as s:
        s.add(row)
        s.commit()
        assert row.id is not None
        return row.id


def save(store: Store, row_id: int, data: dict[str, Any]) -> None:
    with Session(store.engine) as s:
        row = s.get(SignInSession, row_id)
        if row is None or row.ended_at is not None:
            return  # ended meanwhile (signed out elsewhere): nothing brings it back
        _fill(row, data)
        s.add(row)
        s.commit()


def _fill(row: SignInSession, data: dict[str, Any]) -> None:
    user = data.get("user") if isinstance(data.get("user"), dict) else None
    row.platform = str(user["platform"]) if user else None
    row.user_id = str(user["id"]) if user else None
    row.team = (str(user.get("team") or "") or None) if user else None
    pending = data.get("oauth") if isinstance(data.get("oauth"), dict) else None
    row.oauth_state = str(pending["state"]) if pending and pending.get("state") else None
    row.data = dict(data)


def take_state(store: Store, row_id: int, state: str) -> bool:
    """Spend the sign-in state once: of any number of requests racing with it, one wins."""
    with Session(store.engine) as s:
        done = s.execute(
            update(SignInSession)
            .where(
                col(SignInSession.id) == row_id,
                col(SignInSession.oauth_state) == state,
                col(SignInSession.ended_at).is_(None),
            )
            .values(oauth_state=None)
        )
        s.commit()
        return bool(done.rowcount)  # type: ignore[attr-defined]


def end(store: Store, row_id: int, why: str, now: datetime) -> None:
    with Session(store.engine) as s:
        s.execute(
            update(SignInSession)
            .where(col(SignInSession.id) == row_id, col(SignInSession.ended_at).is_(None))
            .values(ended_at=now, ended_why=why, oauth_state=None)
        )
        s.commit()


def end_all(
    store: Store, platform: str, user_id: str, team: str | None, why: str, now: datetime
) -> int:
    """End every active session of this member (Slack: those for this workspace)."""
    with Session(store.engine) as s:
        query = update(SignInSession).where(
            col(SignInSession.platform) == platform,
            col(SignInSession.user_id) == user_id,
            col(SignInSession.ended_at).is_(None),
        )
        if team:
            query = query.where(col(SignInSession.team) == team)
        done = s.execute(query.values(ended_at=now, ended_why=why))
        s.commit()
        return int(done.rowcount)  # type: ignore[attr-defined]


def member_changed(
    store: Store, platform: str, community: str, user_id: str, actor: Actor | None, now: datetime
) -> int:
    """The platform says this member changed (roles, admin flags, deactivated, left). End each
    of their active sessions that did privileged work here under other roles, and every one
    of them when the member is gone. Returns how many ended."""
    new = fingerprint(actor)
    with Session(store.engine) as s:
        rows = s.exec(
            select(SignInSession).where(
                SignInSession.platform == platform,
                SignInSession.user_id == user_id,
                col(SignInSession.ended_at).is_(None),
            )
        ).all()
        ended = 0
        for row in rows:
            if _ends(row, platform, community, actor, new):
                row.ended_at, row.ended_why = now, "roles"
                s.add(row)
                ended += 1
        s.commit()
        return ended


def _ends(row: SignInSession, platform: str, community: str, actor: Actor | None, new: str) -> bool:
    if row.team is not None and row.team != community:
        return False  # a scoped session (a Slack workspace's) belongs to that community alone
    seen = (row.data.get("seen") or {}).get(seen_key(platform, community))
    if actor is None:  # deactivated or gone: a scoped session is for this community alone
        return row.team is not None or seen is not None
    return isinstance(seen, list) and len(seen) == 2 and seen[1] >= PRIVILEGED and seen[0] != new


def sign_ins_since(store: Store, platform: str, user_id: str, since: datetime) -> int:
    """Sessions this member started since then (the per-account sign-in limit)."""
    with Session(store.engine) as s:
        found = s.exec(
            select(func.count(col(SignInSession.id))).where(
                SignInSession.platform == platform,
                SignInSession.user_id == user_id,
                col(SignInSession.created_at) >= since,
            )
        ).one()
        return int(found)


def prune(store: Store, now: datetime, life: Lifetimes) -> int:
    """Delete sessions ended over a day ago, and those that can only have expired since."""
    with Session(store.engine) as s:
        done = s.execute(
            delete(SignInSession).where(
                (col(SignInSession.ended_at) < now - KEEP_ENDED)
                | (
                    col(SignInSession.user_id).is_(None)
                    & (col(SignInSession.created_at) < now - life.pending - KEEP_ENDED)
                )
                | (col(SignInSession.created_at) < now - life.absolute - KEEP_ENDED)
                | (col(SignInSession.seen_at) < now - life.idle - KEEP_ENDED)
            )
        )
        s.commit()
        return int(done.rowcount)  # type: ignore[attr-defined]
