"""The outbox as it was before batch leasing (bot/kernel/delivery/outbox.py at commit 092f60f), kept unchanged
but for this paragraph so bench_outbox.py can measure it next to the current one, on the same
data, in the same run: one conditional UPDATE per entry to lease it, one to renew it, one to mark
it, and one heartbeat task per send. Not used by the bot.

The outbox: what must reach a platform is stored first and delivered until it is accepted.

Enqueue inside the same transaction as the state change it belongs to (a claimed prompt, a
filed report), so a crash between the two loses nothing. Delivery leases each row for a while;
if a process dies mid-delivery, another takes the row over when the lease expires. Retryable
errors (429, 5xx, timeouts) back off exponentially and honour `retry_after`; permanent ones are
reported, never dropped silently.

Exactly once on the platform, not only in the database: every lease carries a fencing token
(stored as `lease_owner`, "<process>#<token>"); renewing, recording a step and marking an entry
sent all require the token to still be ours, so a send that outlived its lease cannot be
completed twice. While a send waits on the platform (a 429 inside the client's own retry loop)
the lease is renewed in the background. Adapters get an `Attempt` (bot.kernel.delivery.idempotency) with a key
stable across processes and the steps already done, and reconcile before resending anything
whose outcome is unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.kernel import codec, metrics
from bot.kernel.actions import Action, ActionResult
from bot.kernel.claims import PROCESS_ID
from bot.kernel.config import OutboxSettings
from bot.kernel.delivery.idempotency import Attempt, attempting
from bot.kernel.platform import Platform
from bot.kernel.store import Store, aware
from bot.kernel.store.models import OutboxEntry

log = logging.getLogger(__name__)

DeliveredHook = Callable[[OutboxEntry, ActionResult], Awaitable[None]]
FailedHook = Callable[[OutboxEntry, ActionResult], Awaitable[None]]


@dataclass
class Outbox:
    store: Store
    platforms: Mapping[str, Platform]
    settings: OutboxSettings = field(default_factory=OutboxSettings)
    lease: timedelta = timedelta(seconds=60)
    owner: str = PROCESS_ID
    on_delivered: dict[str, DeliveredHook] = field(default_factory=dict)
    on_failed: list[FailedHook] = field(default_factory=list)
    batch_size: int = 20
    # Where "now" comes from while a batch is worked through; leases are renewed per entry.
    clock: Callable[[], datetime] | None = None
    stopping: Callable[[], bool] = lambda: False
    _taken_over: dict[int | None, bool] = field(default_factory=dict, repr=False)

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
            kind=kind,
            dedupe_key=dedupe_key,
            payload=codec.dumps(action),
            context=dict(context or {}),
            next_attempt_at=now,
            created_at=now,
        )
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

    def hook(self, kind: str) -> Callable[[DeliveredHook], DeliveredHook]:
        """Decorator: run after an entry of `kind` was accepted (e.g. record a thread id)."""

        def wrap(fn: DeliveredHook) -> DeliveredHook:
            self.on_delivered[kind] = fn
            return fn

        return wrap

    def depth(self) -> int:
        with self.store.session() as s:
            q = select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == "pending")
            return int(s.exec(q).one())

    def next_due(self) -> datetime | None:
        with self.store.session() as s:
            q = select(func.min(OutboxEntry.next_attempt_at)).where(OutboxEntry.status == "pending")
            return aware(s.exec(q).one())

    def _lease_batch(self, now: datetime) -> list[OutboxEntry]:
        """Take up to batch_size due rows; a row is ours only if our conditional UPDATE won."""
        taken: list[OutboxEntry] = []
        with self.store.session() as s:
            candidates = s.exec(
                select(OutboxEntry.id, OutboxEntry.lease_until)
                .where(
                    OutboxEntry.status == "pending",
                    col(OutboxEntry.next_attempt_at) <= now,
                    or_(col(OutboxEntry.lease_until).is_(None), col(OutboxEntry.lease_until) < now),
                    col(OutboxEntry.platform).in_(list(self.platforms)),
                )
                .order_by(col(OutboxEntry.next_attempt_at), col(OutboxEntry.id))
                .limit(self.batch_size)
            ).all()
            for entry_id, expired in candidates:
                token = self._token()
                won = s.execute(
                    update(OutboxEntry)
                    .where(
                        col(OutboxEntry.id) == entry_id,
                        col(OutboxEntry.status) == "pending",
                        or_(
                            col(OutboxEntry.lease_until).is_(None),
                            col(OutboxEntry.lease_until) < now,
                        ),
                    )
                    .values(lease_owner=token, lease_until=now + self.lease)
                )
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    row = s.get(OutboxEntry, entry_id)
                    if row is not None:
                        # A lease that ran out (rather than being handed back or finished) means
                        # its holder died or stalled, possibly after the platform acted.
                        self._taken_over[row.id] = expired is not None
                        taken.append(row)
        return taken

    def _token(self) -> str:
        return f"{self.owner}#{uuid.uuid4().hex[:10]}"

    def _ours(self) -> Any:
        """Rows leased by this process under any of its fencing tokens."""
        return or_(
            col(OutboxEntry.lease_owner) == self.owner,
            col(OutboxEntry.lease_owner).like(f"{self.owner}#%"),
        )

    async def deliver_due(self, now: datetime) -> int:
        """Deliver what is due; returns how many entries were attempted."""
        attempted = 0
        while True:
            batch = self._lease_batch(now)
            if not batch:
                return attempted
            for index, entry in enumerate(batch):
                if self.stopping():
                    self.release(batch[index:])
                    return attempted
                if not self._renew(entry, now):
                    self._taken_over.pop(entry.id, None)
                    continue  # our lease ran out and another process took the row
                await self._deliver(entry, now)
                attempted += 1
            if len(batch) < self.batch_size:
                return attempted

    def _renew(self, entry: OutboxEntry, batch_now: datetime) -> bool:
        """Extend our lease just before sending, so a slow batch cannot double-send."""
        now = self.clock() if self.clock else batch_now
        with self.store.session() as s:
            won = s.execute(
                update(OutboxEntry)
                .where(
                    col(OutboxEntry.id) == entry.id,
                    col(OutboxEntry.status) == "pending",
                    col(OutboxEntry.lease_owner) == entry.lease_owner,
                )
                .values(lease_until=max(now, batch_now) + self.lease)
            )
            return bool(won.rowcount == 1)  # type: ignore[attr-defined]

    def release(self, entries: list[OutboxEntry] | None = None) -> int:
        """Hand leased, unsent rows back (shutdown) so another process sends them at once."""
        with self.store.session() as s:
            query = update(OutboxEntry).where(col(OutboxEntry.status) == "pending", self._ours())
            if entries is not None:
                query = query.where(col(OutboxEntry.id).in_([e.id for e in entries]))
            done = s.execute(query.values(lease_owner=None, lease_until=None))
            return int(done.rowcount)  # type: ignore[attr-defined]

    def attempt_for(self, entry: OutboxEntry) -> Attempt:
        """The idempotency handle adapters use for this entry (see bot.kernel.delivery.idempotency)."""
        recorded = dict((entry.result or {}).get("steps") or {})
        return Attempt(
            key=entry_key(entry),
            steps=recorded,
            uncertain=entry.attempts > 0 or self._taken_over.pop(entry.id, False),
            recorder=lambda step, data: self._record_step(entry, step, data),
        )

    def _record_step(self, entry: OutboxEntry, step: str, data: dict[str, Any]) -> bool:
        """Store a finished step while we still hold the lease; False when fenced off."""
        steps = {**((entry.result or {}).get("steps") or {}), step: data}
        result = {**(entry.result or {}), "steps": steps}
        with self.store.session() as s:
            won = s.execute(
                update(OutboxEntry)
                .where(
                    col(OutboxEntry.id) == entry.id,
                    col(OutboxEntry.status) == "pending",
                    col(OutboxEntry.lease_owner) == entry.lease_owner,
                )
                .values(result=result)
            )
        entry.result = result
        if won.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("outbox entry %s: lease lost while recording %s", entry.id, step)
            return False
        return True

    async def _heartbeat(self, entry: OutboxEntry, now: datetime) -> None:
        """Keep the lease while the platform makes us wait (rate limits, slow answers)."""
        interval = max(self.lease.total_seconds() / 3, 0.2)
        while True:
            await asyncio.sleep(interval)
            if not self._renew(entry, now):
                return

    async def _execute(self, entry: OutboxEntry, now: datetime) -> ActionResult:
        platform = self.platforms[entry.platform]
        beat = asyncio.create_task(self._heartbeat(entry, now))
        try:
            action = codec.loads(entry.payload)
            with attempting(self.attempt_for(entry)):
                return await platform.execute(action)
        except Exception as exc:  # an adapter bug must not wedge the queue
            log.exception("outbox entry %s raised in the adapter", entry.id)
            return ActionResult.failed(f"adapter error: {type(exc).__name__}", retryable=True)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _deliver(self, entry: OutboxEntry, now: datetime) -> None:
        result = await self._execute(entry, now)
        if result.ok:
            metrics.ACTIONS_SENT.labels(entry.platform).inc()
            if not self._finish(entry, now, status="sent", result=result):
                return  # fenced off: whoever holds the lease now finishes (and reconciles)
            hook = self.on_delivered.get(entry.kind)
            if hook is not None:
                try:
                    await hook(entry, result)
                except Exception:
                    log.exception("delivery hook for %s failed (entry %s)", entry.kind, entry.id)
            return
        metrics.ACTIONS_FAILED.labels(entry.platform, str(result.retryable)).inc()
        attempts = entry.attempts + 1
        if result.retryable and attempts < self.settings.max_attempts:
            delay = self._backoff(attempts, result.retry_after)
            log.warning(
                "outbox entry %s: %s; retry %d in %.1fs", entry.id, result.error, attempts, delay
            )
            self._reschedule(entry, attempts, now + timedelta(seconds=delay), result.error)
            return
        status = "dead" if result.retryable else "failed"
        log.error("outbox entry %s (%s) %s: %s", entry.id, entry.kind, status, result.error)
        self._finish(entry, now, status=status, result=result, attempts=attempts)
        for report in self.on_failed:
            try:
                await report(entry, result)
            except Exception:
                log.exception("failure report for outbox entry %s failed", entry.id)

    def _backoff(self, attempts: int, retry_after: float | None) -> float:
        base = self.settings.base_delay_seconds * (2 ** (attempts - 1))
        delay = min(self.settings.max_delay_seconds, base) * random.uniform(0.8, 1.2)
        return max(delay, retry_after or 0.0)

    def _reschedule(
        self, entry: OutboxEntry, attempts: int, at: datetime, error: str | None
    ) -> None:
        with self.store.session() as s:
            s.execute(
                update(OutboxEntry)
                .where(
                    col(OutboxEntry.id) == entry.id,
                    col(OutboxEntry.lease_owner) == entry.lease_owner,
                )
                .values(
                    attempts=attempts,
                    next_attempt_at=at,
                    lease_owner=None,
                    lease_until=None,
                    last_error=(error or "")[:500],
                    result=entry.result or {},
                )
            )

    def _finish(
        self,
        entry: OutboxEntry,
        now: datetime,
        *,
        status: str,
        result: ActionResult,
        attempts: int | None = None,
    ) -> bool:
        """Mark the entry done; only while our fencing token still holds the lease."""
        values: dict[str, Any] = {
            "status": status,
            "lease_owner": None,
            "lease_until": None,
            "sent_at": now if status == "sent" else None,
            "last_error": (result.error or "")[:500] or None,
            "result": {
                **(entry.result or {}),
                "message_id": result.message_id,
                "channel_id": result.channel_id,
                "thread_id": result.thread_id,
            },
        }
        if attempts is not None:
            values["attempts"] = attempts
        with self.store.session() as s:
            won = s.execute(
                update(OutboxEntry)
                .where(
                    col(OutboxEntry.id) == entry.id,
                    col(OutboxEntry.status) == "pending",
                    col(OutboxEntry.lease_owner) == entry.lease_owner,
                )
                .values(**values)
            )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            metrics.OUTBOX_FENCED.inc()
            log.warning("outbox entry %s: lease lost before marking it %s", entry.id, status)
            return False
        entry.status = status
        entry.result = values["result"]
        return True


def entry_key(entry: OutboxEntry) -> str:
    """Stable for an entry on any process; distinct across databases sharing one bot."""
    created = entry.created_at.isoformat() if entry.created_at else ""
    seed = f"{entry.id}|{created}|{entry.dedupe_key or ''}"
    return f"ob{entry.id}-{hashlib.sha256(seed.encode()).hexdigest()[:12]}"
