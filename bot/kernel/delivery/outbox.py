"""The outbox: what must reach a platform is stored first and delivered until it is accepted.

Enqueue inside the same transaction as the state change it belongs to (a claimed prompt, a
filed report), so a crash between the two loses nothing. Delivery leases due rows in batches
(one statement per batch, bot.kernel.delivery.batch) for a while; if a process dies mid-delivery, another
takes the rows over when the lease expires. Retryable errors (429, 5xx, timeouts) back off
exponentially and honour `retry_after`; permanent ones are reported, never dropped silently.

A batch is sent by lanes (bot.kernel.pacing): the entries of one channel, or of one member's DMs, go
out one after another in the order they were stored, different lanes in parallel through a
bounded pool per platform, each send paced at the platform's declared rates. An entry that must
wait for a retry holds back the rest of its lane. What happened to the whole batch is written
in one transaction at its end.

Exactly once on the platform, not only in the database: every lease carries a fencing token
(stored as `lease_owner`, "<process>#<token>", one per batch); renewing, recording a step and
marking an entry sent all require the token to still be ours, so a send that outlived its lease
cannot be completed twice. The batch's lease is renewed in the background while sends wait on
the platform, and before any send once a third of it has gone by. Adapters get an `Attempt`
(bot.kernel.delivery.idempotency) with a key stable across processes and the steps already done, and reconcile
before resending anything whose outcome is unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.kernel import codec, metrics
from bot.kernel.actions import Action, ActionResult, Respond, SendPrivate
from bot.kernel.claims import PROCESS_ID
from bot.kernel.config import OutboxSettings
from bot.kernel.delivery import batch as outbox_batch
from bot.kernel.delivery import wakeups
from bot.kernel.delivery.batch import Batch, Leased, Outcome
from bot.kernel.delivery.idempotency import Attempt, attempting
from bot.kernel.message import Message
from bot.kernel.pacing import (
    NO_LIMITS,
    Limiter,
    Limits,
    lane_of,
    lanes_in_order,
    posts_a_message,
)
from bot.kernel.store import Store, aware
from bot.kernel.store.models import OutboxEntry

log = logging.getLogger(__name__)

# The connection a deliver_due call (one asyncio task and the lanes it starts) works on.
_CONNECTION: ContextVar[Connection | None] = ContextVar("crossings_outbox_conn", default=None)

# A paced send woken this much (or half its rate's spacing) after its slot books another slot,
# at most LATE_REBOOKS times.
LATE_SECONDS = 0.05
LATE_REBOOKS = 3

DeliveredHook = Callable[[OutboxEntry, ActionResult], Awaitable[None]]


class Executor(Protocol):
    """What carries an entry out: a Platform for the outbox, a runner for the inbox."""

    async def execute(self, action: Any) -> ActionResult: ...


FailedHook = Callable[[OutboxEntry, ActionResult], Awaitable[None]]
Entry = OutboxEntry | Leased  # a row read through the ORM, or one leased by a batch


@dataclass
class Outbox:
    store: Store
    platforms: Mapping[str, Executor]
    settings: OutboxSettings = field(default_factory=OutboxSettings)
    lease: timedelta = timedelta(seconds=60)
    owner: str = PROCESS_ID
    on_delivered: dict[str, DeliveredHook] = field(default_factory=dict)
    on_failed: list[FailedHook] = field(default_factory=list)
    batch_size: int = 200
    # Where "now" comes from while a batch is worked through (lease renewals).
    clock: Callable[[], datetime] | None = None
    stopping: Callable[[], bool] = lambda: False
    # Paced platforms: a send whose slot is further away than this waits in the database.
    pace_horizon: float = 2.0
    # A batch still sending after this long records what it has done so far.
    settle_every: float = 0.5
    limiter: Limiter = field(default_factory=Limiter)
    # The table worked on: the outbox, or the inbox (same columns, bot.kernel.delivery.inbox),
    # and whether its entries count as platform sends in the metrics.
    model: Any = OutboxEntry
    metered: bool = True
    _taken_over: dict[int | None, bool] = field(default_factory=dict, repr=False)
    _pools: dict[str, asyncio.Semaphore] = field(default_factory=dict, repr=False)
    _pool_sizes: dict[str, int] = field(default_factory=dict, repr=False)

    def enqueue(
        self,
        session: Session,
        action: Action,
        now: datetime,
        *,
        kind: str = "",
        dedupe_key: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> OutboxEntry | None:
        """Add an action; None when `dedupe_key` was already enqueued (exactly once)."""
        entry = OutboxEntry(
            platform=action.place.platform,
            community_id=action.place.community,
            lane=lane_of(action),
            kind=kind,
            dedupe_key=dedupe_key,
            payload=codec.dumps(action),
            context=dict(context or {}),
            next_attempt_at=now,
            created_at=now,
        )
        wakeups.notify(session)
        if dedupe_key is None:
            session.add(entry)
            session.flush()
            return entry
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            return None
        return entry

    def forget_private(self, session: Session, platform: str, user_id: str) -> int:
        """The member cleared their DM: the copies the outbox keeps of DMs already sent to
        them lose their text, so nothing they asked to clear stays here either. What was sent,
        when and of which kind stays (the delivery record moderation relies on)."""
        query = select(OutboxEntry).where(
            OutboxEntry.platform == platform,
            OutboxEntry.status != "pending",
            col(OutboxEntry.payload).contains(f'"user_id":{json.dumps(user_id)}'),
        )
        forgotten = 0
        for entry in session.exec(query):
            action = codec.loads(entry.payload)
            if isinstance(action, SendPrivate | Respond) and action.user_id == user_id:
                entry.payload = codec.dumps(replace(action, message=Message()))
                session.add(entry)
                forgotten += 1
        return forgotten

    def hook(self, kind: str) -> Callable[[DeliveredHook], DeliveredHook]:
        """Decorator: run after an entry of `kind` was accepted (e.g. record a thread id)."""

        def wrap(fn: DeliveredHook) -> DeliveredHook:
            self.on_delivered[kind] = fn
            return fn

        return wrap

    @property
    def table(self) -> Any:
        return self.model.__table__

    def depth(self) -> int:
        with self.store.session() as s:
            q = select(func.count()).select_from(self.model).where(self.model.status == "pending")
            return int(s.exec(q).one())

    def next_due(self) -> datetime | None:
        with self.store.session() as s:
            q = select(func.min(self.model.next_attempt_at)).where(self.model.status == "pending")
            return aware(s.exec(q).one())

    # --- leasing -----------------------------------------------------------------------------
    def _token(self) -> str:
        return f"{self.owner}#{uuid.uuid4().hex[:10]}"

    def _ours(self) -> Any:
        """Rows leased by this process under any of its fencing tokens."""
        return or_(
            col(self.model.lease_owner) == self.owner,
            col(self.model.lease_owner).like(f"{self.owner}#%"),
        )

    def limits(self, platform: str) -> Limits:
        found = self.platforms.get(platform)
        pacing = getattr(found, "pacing", None)
        return pacing() if callable(pacing) else NO_LIMITS

    def _lease(self, now: datetime) -> Batch:
        """One batch under one fencing token: one statement for the platforms that declare no
        limits, one per paced platform (leased no bigger than it can send soon)."""
        token = self._token()
        until = now + self.lease
        free = [p for p in sorted(self.platforms) if self.limits(p) == NO_LIMITS]
        groups: list[tuple[list[str], int, bool]] = [(free, self.batch_size, True)] if free else []
        for name in sorted(set(self.platforms) - set(free)):
            room = self.limiter.capacity(name, self.limits(name), self.pace_horizon)
            size = self.batch_size if room is None else min(self.batch_size, room)
            groups.append(([name], size, False))
        batch = Batch(token, [], full=False, confirmed_until=until)
        for names, limit, whole_lanes in groups:
            leased = outbox_batch.lease(
                self._conn(), names, now, until, token, limit, whole_lanes=whole_lanes,
                table=self.table,
            )  # fmt: skip
            batch.full = batch.full or (limit > 0 and len(leased) >= limit)
            for entry, taken_over in leased:
                batch.entries.append(entry)
                batch.ours.add(entry.id)
                # A lease that ran out (rather than being handed back or finished) means
                # its holder died or stalled, possibly after the platform acted.
                self._taken_over[entry.id] = taken_over
        return batch

    def _lease_batch(self, now: datetime) -> list[Leased]:
        """Lease a batch and keep it (as a process that then dies would)."""
        with self._connected():
            return self._lease(now).entries

    # --- delivering ---------------------------------------------------------------------------
    async def deliver_due(self, now: datetime) -> int:
        """Deliver what is due, batch after batch; returns how many entries were attempted."""
        attempted = 0
        with self._connected():
            while not self.stopping():
                batch = self._lease(now)
                if not batch.entries:
                    break
                attempted += await self._work(batch, now)
                if not batch.full:
                    break
        self.limiter.forget_idle()
        return attempted

    @contextlib.contextmanager
    def _connected(self) -> Iterator[Connection]:
        """One connection for a whole deliver_due (no pool checkout per statement)."""
        with self.store.engine.connect() as conn:
            token = _CONNECTION.set(conn)
            try:
                yield conn
            finally:
                _CONNECTION.reset(token)

    def _conn(self) -> Connection:
        conn = _CONNECTION.get()
        if conn is None:
            raise RuntimeError("outbox statements run inside deliver_due")
        return conn

    async def _work(self, batch: Batch, now: datetime) -> int:
        """Send the batch (lanes in parallel, each in order) and settle it: at its end, and
        every `settle_every` seconds while it lasts (a paced or slow platform), so a crash
        leaves little sent but unrecorded."""
        lanes = lanes_in_order(((e.platform, e.lane or ""), e) for e in batch.entries)
        beat = asyncio.create_task(self._heartbeat(batch, now))
        finished = asyncio.Event()
        settler = asyncio.create_task(self._settle_while(batch, now, finished))
        try:
            await asyncio.gather(
                *(self._run_lane(batch, lane, entries, now) for lane, entries in lanes.items())
            )
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            finished.set()
            await asyncio.shield(settler)  # a settle in progress finishes its hooks
            outcomes, marked = self._settle(batch, now)
            for entry in batch.entries:
                self._taken_over.pop(entry.id, None)
        await self._after(outcomes, marked)
        return batch.executed

    async def _settle_while(self, batch: Batch, now: datetime, finished: asyncio.Event) -> None:
        while not finished.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finished.wait(), self.settle_every)
            if not finished.is_set():
                await self._after(*self._settle(batch, now))

    async def _run_lane(
        self, batch: Batch, lane: tuple[str, str], entries: list[Leased], now: datetime
    ) -> None:
        platform, name = lane
        limits = self.limits(platform)
        for index, entry in enumerate(entries):
            if self.stopping():
                batch.settle_as(entries[index:])
                return
            action = _decoded(entry)
            if not await self._slot(platform, name, limits, entry, action):
                # The lane is full for a while: the rest wait in the database.
                later = self.limiter.wait_for(platform, name, limits)
                batch.settle_as(entries[index:], at=now + timedelta(seconds=later))
                return
            if not self._still_ours(batch, entry, now):
                continue  # our lease ran out and another process took the row
            async with self._pool(platform, limits):
                result = await self._execute(entry, action)
            batch.executed += 1
            if not self._outcome(batch, entry, result, now, limits):
                batch.settle_as(entries[index + 1 :])  # kept behind the one that must wait
                return

    async def _slot(
        self,
        platform: str,
        lane: str,
        limits: Limits,
        entry: Leased,
        action: Action | ActionResult,
    ) -> bool:
        """Book a slot at the platform's pace and wait for it; False when none is free within
        `pace_horizon`. A send woken well after its slot (a stalled event loop, a busy machine)
        books a new one: the sends woken together after a stall would otherwise go out
        together, more of them within a window than the platform takes."""
        if limits == NO_LIMITS:
            return True
        for _ in range(LATE_REBOOKS + 1):
            wait = self.limiter.reserve(
                platform,
                lane,
                limits,
                self.pace_horizon,
                posts_a_message(action),
                kind=type(action).__name__,
                community=entry.community_id,
                cost=self._requests_for(platform, action),
            )
            if wait is None:
                return False
            if wait <= 0:
                return True
            due = time.monotonic() + wait
            await asyncio.sleep(wait)
            if time.monotonic() - due < _late_after(limits):
                return True
        return True

    def _requests_for(self, platform: str, action: Action | ActionResult) -> int:
        found = self.platforms.get(platform)
        count = getattr(found, "requests_for", None)  # platforms count; the inbox's runner not
        return count(action) if count is not None and isinstance(action, Action) else 1

    def _pool(self, platform: str, limits: Limits) -> asyncio.Semaphore:
        """The bounded pool of sends in flight to one platform."""
        pool = self._pools.get(platform)
        if pool is None or self._pool_sizes.get(platform) != limits.concurrency:
            pool = self._pools[platform] = asyncio.Semaphore(limits.concurrency)
            self._pool_sizes[platform] = limits.concurrency
        return pool

    def _clock_now(self, batch_now: datetime) -> datetime:
        return max(self.clock() if self.clock else batch_now, batch_now)

    def _still_ours(self, batch: Batch, entry: Leased, batch_now: datetime) -> bool:
        """Before a send: renew the batch's lease when less than two thirds of it is left, so
        a batch that got slow (a paused process, a slow platform) cannot double-send."""
        now = self._clock_now(batch_now)
        left = (batch.confirmed_until or now) - now
        if left < self.lease * 2 / 3:
            self._renew(batch, now)
        if entry.id in batch.ours:
            return True
        self._taken_over.pop(entry.id, None)
        return False

    def _renew(self, batch: Batch, now: datetime) -> None:
        until = now + self.lease
        batch.ours &= outbox_batch.renew(self._conn(), batch.token, until, self.table)
        batch.confirmed_until = until

    async def _heartbeat(self, batch: Batch, batch_now: datetime) -> None:
        """Keep the batch's lease while the platform makes us wait (rate limits, slow answers)."""
        interval = max(self.lease.total_seconds() / 3, 0.2)
        while batch.ours:
            await asyncio.sleep(interval)
            self._renew(batch, self._clock_now(batch_now))

    def release(self, entries: list[Entry] | None = None) -> int:
        """Hand leased, unsent rows back (shutdown) so another process sends them at once."""
        with self.store.session() as s:
            query = update(self.model).where(col(self.model.status) == "pending", self._ours())
            if entries is not None:
                query = query.where(col(self.model.id).in_([e.id for e in entries]))
            done = s.execute(query.values(lease_owner=None, lease_until=None))
            return int(done.rowcount)  # type: ignore[attr-defined]

    def attempt_for(self, entry: Entry) -> Attempt:
        """The idempotency handle adapters use for this entry (see bot.kernel.delivery.idempotency)."""
        recorded = dict((entry.result or {}).get("steps") or {})
        return Attempt(
            key=entry_key(entry),
            steps=recorded,
            uncertain=entry.attempts > 0 or self._taken_over.pop(entry.id, False),
            recorder=lambda step, data: self._record_step(entry, step, data),
            finisher=lambda session: self._finish_in(entry, session),
        )

    def _record_step(self, entry: Entry, step: str, data: dict[str, Any]) -> bool:
        """Store a finished step while we still hold the lease; False when fenced off."""
        steps = {**((entry.result or {}).get("steps") or {}), step: data}
        result = {**(entry.result or {}), "steps": steps}
        with self.store.session() as s:
            won = s.execute(
                update(self.model)
                .where(
                    col(self.model.id) == entry.id,
                    col(self.model.status) == "pending",
                    col(self.model.lease_owner) == entry.lease_owner,
                )
                .values(result=result)
            )
        entry.result = result
        if won.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("outbox entry %s: lease lost while recording %s", entry.id, step)
            return False
        return True

    def _finish_in(self, entry: Entry, session: Session) -> bool:
        """Mark the entry sent inside the caller's transaction, while we still hold its lease:
        the work and its "done" commit together or not at all (the inbox's handlers)."""
        due = aware(entry.next_attempt_at)
        assert due is not None
        won = session.execute(
            update(self.model)
            .where(
                col(self.model.id) == entry.id,
                col(self.model.status) == "pending",
                col(self.model.lease_owner) == entry.lease_owner,
            )
            .values(status="sent", sent_at=self._clock_now(due), lease_until=None)
        )
        return bool(won.rowcount == 1)  # type: ignore[attr-defined]

    async def _execute(self, entry: Leased, action: Action | ActionResult) -> ActionResult:
        if isinstance(action, ActionResult):  # the stored action did not decode
            return action
        platform = self.platforms[entry.platform]
        try:
            with attempting(self.attempt_for(entry)):
                return await platform.execute(action)
        except Exception as exc:  # an adapter bug must not wedge the queue
            log.exception("outbox entry %s raised in the adapter", entry.id)
            return ActionResult.failed(f"adapter error: {type(exc).__name__}", retryable=True)

    def _outcome(
        self,
        batch: Batch,
        entry: Leased,
        result: ActionResult,
        now: datetime,
        limits: Limits,
    ) -> bool:
        """Record what the platform said; False when the rest of the lane must wait."""
        if result.ok:
            if self.metered:
                metrics.ACTIONS_SENT.labels(entry.platform).inc()
            batch.outcomes.append(Outcome(entry, "sent", result))
            return True
        if self.metered:
            metrics.ACTIONS_FAILED.labels(entry.platform, str(result.retryable)).inc()
        attempts = entry.attempts + 1
        if result.retryable and attempts < self.settings.max_attempts:
            delay = self._backoff(attempts, result.retry_after)
            log.warning(
                "outbox entry %s: %s; retry %d in %.1fs", entry.id, result.error, attempts, delay
            )
            if result.retry_after is not None:  # a 429: this lane's bucket waits it out
                self.limiter.block(entry.platform, entry.lane or "", result.retry_after, limits)
            at = now + timedelta(seconds=delay)
            batch.outcomes.append(Outcome(entry, "retry", result, attempts, at, result.error))
            return False
        status = "dead" if result.retryable else "failed"
        log.error("outbox entry %s (%s) %s: %s", entry.id, entry.kind, status, result.error)
        batch.outcomes.append(Outcome(entry, status, result, attempts))
        return True

    def _backoff(self, attempts: int, retry_after: float | None) -> float:
        base = self.settings.base_delay_seconds * (2 ** (attempts - 1))
        delay = min(self.settings.max_delay_seconds, base) * random.uniform(0.8, 1.2)
        return max(delay, retry_after or 0.0)

    # --- settling -----------------------------------------------------------------------------
    def _settle(self, batch: Batch, now: datetime) -> tuple[list[Outcome], set[int]]:
        """Write the outcomes gathered so far in one transaction; returns them and the ids it
        marked. A failure leaves the entries leased: when the lease runs out they are
        delivered again, as after a crash."""
        outcomes, batch.outcomes = batch.outcomes, []
        if not outcomes:
            return outcomes, set()
        try:
            marked = outbox_batch.settle(self._conn(), batch.token, outcomes, now, self.table)
        except Exception:
            log.exception("outbox: settling a batch of %d failed", len(outcomes))
            return outcomes, set()
        for outcome in outcomes:
            if outcome.final and outcome.entry.id not in marked:
                metrics.OUTBOX_FENCED.inc()
                log.warning(
                    "outbox entry %s: lease lost before marking it %s",
                    outcome.entry.id,
                    outcome.status,
                )
        return outcomes, marked

    async def _after(self, outcomes: list[Outcome], marked: set[int]) -> None:
        """Delivery hooks and failure reports, for the entries this batch did finish."""
        for outcome in outcomes:
            entry, result = outcome.entry, outcome.result
            if entry.id not in marked or result is None:
                continue
            hook = self.on_delivered.get(entry.kind) if outcome.status == "sent" else None
            if hook is None and (outcome.status == "sent" or not self.on_failed):
                continue
            row = entry.row()
            row.status, row.lease_owner = outcome.status, None
            row.result = outbox_batch.result_of(outcome)
            if hook is not None:
                await self._run_hook(hook, row, result)
            else:
                await self._report(row, result)

    async def _run_hook(self, hook: DeliveredHook, row: OutboxEntry, result: ActionResult) -> None:
        try:
            await hook(row, result)
        except Exception:
            log.exception("delivery hook for %s failed (entry %s)", row.kind, row.id)

    async def _report(self, row: OutboxEntry, result: ActionResult) -> None:
        for report in self.on_failed:
            try:
                await report(row, result)
            except Exception:
                log.exception("failure report for outbox entry %s failed", row.id)


def _late_after(limits: Limits) -> float:
    """How late a woken send may be: half the overall rate's spacing, at most LATE_SECONDS."""
    rate = limits.overall or limits.per_channel
    return min(LATE_SECONDS, rate.per / rate.count / 2) if rate else LATE_SECONDS


def entry_key(entry: Entry) -> str:
    """Stable for an entry on any process; distinct across databases sharing one bot."""
    created = entry.created_at.isoformat() if entry.created_at else ""
    seed = f"{entry.id}|{created}|{entry.dedupe_key or ''}"
    return f"ob{entry.id}-{hashlib.sha256(seed.encode()).hexdigest()[:12]}"


def _decoded(entry: Leased) -> Action | ActionResult:
    """The stored action, decoded once for pacing and sending; a row that no longer decodes
    fails like an adapter error (retried, then reported), never wedging its lane."""
    try:
        return codec.loads(entry.payload)  # type: ignore[no-any-return]
    except Exception as exc:
        log.exception("outbox entry %s does not decode", entry.id)
        return ActionResult.failed(f"adapter error: {type(exc).__name__}", retryable=True)
