"""Sessions with a server side: the cookie carries a random id and nothing else; the session's
data lives in the `web_sessions` table (bot.kernel.signins), found by the id's keyed hash.

So a session can end for good: signing out ends it in the database and a copy of the cookie
replayed afterwards finds an ended row and gets the sign-in page; "sign out everywhere" ends
all of a member's sessions; a role change reported by the platform ends their privileged
ones; idle and absolute lifetimes are settings. Visitors who have not started a sign-in get no
row and no cookie. Signing in always starts a new session and ends the one before it.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp_session import AbstractStorage, Session, SessionData

from adapters.web.settings import WebSettings
from bot.kernel import signins
from bot.kernel.clock import Clock, SystemClock
from bot.kernel.signins import Found, Lifetimes
from bot.kernel.store import Store, aware

LOADED = web.RequestKey("crossings_session", Found)  # the session row as loaded
COOKIE = "crossings_dashboard"
PRUNE_EVERY = 300.0  # seconds between deletions of long-ended rows


def lifetimes(cfg: WebSettings) -> Lifetimes:
    return Lifetimes(
        idle=timedelta(minutes=cfg.session_idle_minutes),
        absolute=timedelta(hours=cfg.session_hours),
    )


def now(request: web.Request) -> datetime:
    """The time as the sessions keep it (wall time)."""
    return request.app[SESSIONS].clock.now()


def loaded(request: web.Request) -> Found | None:
    """This request's session row as loaded, active or ended (None: no row at all)."""
    return request.get(LOADED)


def active_row_id(request: web.Request) -> int | None:
    found = loaded(request)
    return found.row.id if found is not None and found.ended is None else None


class DatabaseSessions(AbstractStorage):
    """aiohttp_session's storage, on `web_sessions`."""

    def __init__(
        self, store: Store, secret: bytes, cfg: WebSettings, clock: Clock | None = None
    ) -> None:
        self.life = lifetimes(cfg)
        super().__init__(
            cookie_name=COOKIE,
            max_age=int(self.life.absolute.total_seconds()),
            path=cfg.prefix + "/",
            secure=True,  # browsers keep it over http on this machine (127.0.0.1, localhost) too
            httponly=True,
            samesite="Lax",
        )
        self.store = store
        self.secret = secret
        self.clock = clock or SystemClock()
        self._pruned = 0.0

    def key(self, token: str) -> str:
        return signins.digest(self.secret, token)

    async def load_session(self, request: web.Request) -> Session:
        token = self.load_cookie(request)
        found = None
        if token and len(token) <= 64:
            found = signins.find(self.store, self.key(token), self.clock.now(), self.life)
        if found is not None:
            request[LOADED] = found
        if found is None or found.ended is not None:
            return Session(None, data=None, new=True, max_age=self.max_age)
        created = aware(found.row.created_at)
        stamp = int(created.timestamp()) if created else int(time.time())
        data: SessionData = {"created": stamp, "session": dict(found.row.data)}
        return Session(token, data=data, new=False, max_age=self.max_age)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: Session
    ) -> None:
        found = loaded(request)
        active = found if found is not None and found.ended is None else None
        now = self.clock.now()
        if session.empty:  # signed out (or nothing to keep)
            if active is not None and active.row.id is not None:
                signins.end(self.store, active.row.id, "signed-out", now)
            self.save_cookie(response, "", max_age=session.max_age)
            return
        data: dict[str, Any] = self._get_session_data(session).get("session") or {}
        if active is not None and active.row.id is not None and session.identity is not None:
            signins.save(self.store, active.row.id, data)
            return
        # A new session gets a new id, and the one it replaces ends: no fixation.
        token = secrets.token_urlsafe(32)
        signins.create(self.store, self.key(token), data, now)
        if active is not None and active.row.id is not None:
            signins.end(self.store, active.row.id, "replaced", now)
        self.save_cookie(response, token, max_age=session.max_age)
        self.prune()

    def prune(self) -> None:
        if time.monotonic() - self._pruned >= PRUNE_EVERY:
            self._pruned = time.monotonic()
            signins.prune(self.store, self.clock.now(), self.life)


SESSIONS = web.AppKey("sessions", DatabaseSessions)
