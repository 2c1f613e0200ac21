"""The inbox: an inbound event that does work is stored before the platform is acknowledged,
then run by whichever process holds its lease.

An adapter calls `record` as an event arrives: one INSERT, in its own transaction, keyed by the
platform's event id; it acknowledges the platform only after that commit. A retry of an event
already recorded meets the row and is acknowledged without more; a retry of one never recorded
(the process died before the commit) is recorded and run, not dropped.

The worker is the outbox itself (bot.kernel.delivery.outbox.Outbox) on the `inbox` table, which
has the outbox's columns: entries leased in batches under a fencing token, renewed while they
run, taken over by another process when a lease runs out, one channel's events in order. Each
entry becomes a core event (stored as one, or decoded by its adapter) and runs through
`App.run(event, FROM_INBOX)`: everything the handler asks for is enqueued in the outbox, and the
entry is marked done, in the handler's own transaction. A crash before that commit runs the
event again from the start (nothing of the first run was kept); after it, never again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.kernel import actions as a
from bot.kernel import codec
from bot.kernel.config import OutboxSettings
from bot.kernel.delivery.idempotency import Attempt, current
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Event, Inbound
from bot.kernel.pacing import LANE_LENGTH
from bot.kernel.store import Store
from bot.kernel.store.models import InboxEntry

if TYPE_CHECKING:
    from bot.kernel.app import App

log = logging.getLogger(__name__)

# Turns a raw payload into the core event to run (None: nothing for the core to do; any work
# of the adapter's own is done by then, at least once).
Decoder = Callable[[Inbound], Awaitable[Event | None]]

# Done entries are kept this long, so that a platform's retry of an event already handled is
# recognised (Slack retries for about an hour; a resumed Discord session replays what it missed).
KEEP_DONE = timedelta(days=1)

_RECORD = insert(InboxEntry)


class LeaseLost(Exception):
    """The inbox entry was taken over while its handler ran: nothing of this run is kept."""


class Inbox:
    def __init__(
        self,
        app: App,
        store: Store,
        settings: OutboxSettings,
        *,
        lease: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self._runners: dict[str, _Runner] = {}
        self.worker = Outbox(
            store,
            self._runners,
            settings,
            lease=lease,
            clock=clock,
            model=InboxEntry,
            metered=False,
        )
        self._waker: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False

    # --- adapters ------------------------------------------------------------------------------
    def accept(self, platform: str, decoder: Decoder | None = None) -> None:
        """Run this platform's recorded events here; `decoder` turns its raw payloads into core
        events (events recorded with `record_event` need none)."""
        self._runners[platform] = _Runner(self.app, decoder)

    async def record(self, inbound: Inbound, key: str) -> bool:
        """Store an inbound event before the platform is acknowledged; False when its key (the
        platform's event id) was recorded before: a retry, already in hand. One Core INSERT in
        its own transaction, in a thread: on SQLite a handler of this process may hold the
        write lock across an await, and waiting for it on the event loop would keep that
        handler from ever releasing it."""
        place = inbound.place
        row = {
            "platform": place.platform,
            "community_id": place.community[:64],
            "lane": f"ch:{place.target or ''}"[:LANE_LENGTH],
            "kind": inbound.source[:32],
            "dedupe_key": f"{place.platform}:{key}"[:160],
            "payload": codec.dumps(inbound),
            "context": {},
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": inbound.at,
            "created_at": inbound.at,
            "result": {},
        }
        recorded = await asyncio.to_thread(self._insert, row)
        if recorded:
            self.kick()
        return recorded

    def _insert(self, row: dict[str, object]) -> bool:
        try:
            with self.store.engine.begin() as conn:
                conn.execute(_RECORD, row)
        except IntegrityError:
            return False
        return True

    async def record_event(self, event: Event, key: str) -> bool:
        """`record` for an event the adapter could build at once (Discord's gateway events)."""
        inbound = Inbound(event.place, "event", codec.dumps(event), event.at)
        return await self.record(inbound, key)

    # --- the worker ------------------------------------------------------------------------------
    def set_waker(self, waker: Callable[[], None]) -> None:
        self._waker = waker

    def kick(self) -> None:
        """Run what was recorded soon: the runtime's inbox loop when there is one, else a task
        of this event loop (an App driven by tests or a single adapter), which goes round again
        while kicks keep coming (an entry held back behind its lane's previous one)."""
        if self._waker is not None:
            self._waker()
            return
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run_now())

    async def _run_now(self) -> None:
        while self._again:
            self._again = False
            try:
                await self.run_due(self.clock())
            except Exception:
                log.exception("inbox work failed")

    async def drain(self, timeout: float = 5.0) -> None:
        """Let runs started by `kick` finish (an adapter stopping)."""
        if self._task is not None and not self._task.done():
            await asyncio.wait({self._task}, timeout=timeout)

    async def run_due(self, now: datetime) -> int:
        """Run what is due, batch after batch; returns how many entries were attempted."""
        return await self.worker.deliver_due(now)

    def depth(self) -> int:
        return self.worker.depth()

    def next_due(self) -> datetime | None:
        return self.worker.next_due() if self._runners else None

    def release(self) -> int:
        return self.worker.release()

    def prune(self, now: datetime, keep: timedelta = KEEP_DONE) -> int:
        """Forget entries done more than `keep` ago; returns how many were removed."""
        with self.store.session() as s:
            done = s.execute(
                delete(InboxEntry).where(
                    col(InboxEntry.status) != "pending", col(InboxEntry.created_at) < now - keep
                )
            )
            return int(done.rowcount)  # type: ignore[attr-defined]


class _Runner:
    """What the worker hands an entry to: its core event, run through `App.run`."""

    def __init__(self, app: App, decoder: Decoder | None) -> None:
        self.app = app
        self.decoder = decoder

    async def execute(self, inbound: Inbound) -> a.ActionResult:
        if inbound.source == "event":
            event: Event | None = codec.loads(inbound.body)
        elif self.decoder is not None:
            event = await self.decoder(inbound)
        else:
            return a.ActionResult.failed(f"no decoder for {inbound.source}")
        if event is None:
            return a.ActionResult(ok=True)
        if await self.app.run(event, FROM_INBOX):
            return a.ActionResult(ok=True)
        return a.ActionResult.failed("not finished: run again", retryable=True)


class FromInbox:
    """How an event from the inbox is answered: nobody is waiting on it, so everything the
    handler asks for goes to the outbox (exactly once from there), and the entry is marked done,
    all in the handler's own transaction. True when the work is done; False when it must run
    again (a row changed meanwhile) or is no longer ours (its lease was taken over)."""

    async def __call__(self, app: App, event: Event) -> bool:
        attempt = current()
        if attempt is None:
            raise RuntimeError("FROM_INBOX runs events the inbox worker leased")
        handled = await app.handled(
            event, after=lambda ctx: hand_over(app, ctx.session, ctx.actions, attempt)
        )
        if handled.conflict:
            return False
        if handled.refused is None:
            return True
        # Refused: the handler's writes were rolled back; its answer (why) still goes out once.
        try:
            with app.store.session() as s:  # committed at the end of the block
                hand_over(app, s, handled.actions, attempt)
        except LeaseLost:
            return False
        return True


FROM_INBOX = FromInbox()


def hand_over(app: App, session: Session, actions: Sequence[a.Action], attempt: Attempt) -> None:
    """Enqueue the event's actions and mark its entry done, in `session`'s transaction."""
    now = app.clock.now()
    for n, action in enumerate(actions):
        app.outbox.enqueue(
            session, action, now, kind="inbox.answer", dedupe_key=f"in:{attempt.key}:{n}"
        )
    if not attempt.finish_in(session):
        raise LeaseLost(attempt.key)
