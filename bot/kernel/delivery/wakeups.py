"""Waking the outbox worker of every process when one of them enqueues (PostgreSQL).

`notify` runs inside the enqueueing transaction: PostgreSQL delivers a NOTIFY only when that
transaction commits, so a worker never wakes for a row it cannot see yet. `Wakeups` holds one
listening connection per process and calls the worker's waker for each notification. The
worker's poll stays as the fallback (a dropped connection, SQLite, which has no notifications).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)

CHANNEL = "crossings_outbox"
_NOTIFY = text(f"NOTIFY {CHANNEL}")
RECONNECT_SECONDS = 2.0
WAIT_SECONDS = 1.0  # the longest one wait on notifications lasts, so a stop is seen
STOP_WITHIN = 3.0


def notify(session: Session) -> None:
    """Tell the other processes' workers, when this transaction commits, that work is due.
    Identical notifications of one transaction reach listeners once."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(_NOTIFY)


def conninfo(engine: Engine) -> str:
    """The engine's URL as libpq takes it (no SQLAlchemy driver name)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Wakeups:
    """One LISTEN connection, reconnected when it drops, calling `waker` per notification."""

    def __init__(self, engine: Engine, waker: Callable[[], None]) -> None:
        self.conninfo = conninfo(engine)
        self.waker = waker
        self.listening = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-wakeups")

    async def stop(self) -> None:
        """End listening. The listener notices within a second (it never waits on notifications
        longer); cancelling it inside psycopg's notification wait can hang the connection's
        close, so it is asked, then cancelled only if it does not end in time."""
        self._stopping.set()
        if self._task is None:
            return
        done, _ = await asyncio.wait({self._task}, timeout=STOP_WITHIN)
        if not done:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=STOP_WITHIN)

    async def _run(self) -> None:
        import psycopg  # only on PostgreSQL: a SQLite deployment never loads the driver

        while not self._stopping.is_set():
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                self.listening.clear()
                log.warning("outbox wake-ups: %s; polling until reconnected", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), RECONNECT_SECONDS)

    async def _listen(self) -> None:
        import psycopg

        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            self.waker()  # anything enqueued while we were not listening
            while not self._stopping.is_set():
                async for _ in conn.notifies(timeout=WAIT_SECONDS):
                    self.waker()
