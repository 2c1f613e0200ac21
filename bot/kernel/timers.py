"""Timers: work due at a time (timed unbans, check-ins, purges), done exactly once across
processes and restarts. A timer is leased while it runs; its handler's writes and the timer's
completion commit together."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, func, select

from bot.kernel import metrics
from bot.kernel.claims import PROCESS_ID
from bot.kernel.store import Store, aware
from bot.kernel.store.models import Timer

if TYPE_CHECKING:
    from bot.kernel.context import Context

log = logging.getLogger(__name__)

TimerHandler = Callable[["Context", Timer], Awaitable[None]]
MAX_ATTEMPTS = 8


class LeaseLost(Exception):
    """Our lease on a timer ran out and another process took it: our work must not commit."""


@dataclass
class Timers:
    store: Store
    handlers: dict[str, TimerHandler] = field(default_factory=dict)
    lease: timedelta = timedelta(seconds=60)
    owner: str = PROCESS_ID

    def on(self, kind: str) -> Callable[[TimerHandler], TimerHandler]:
        def wrap(fn: TimerHandler) -> TimerHandler:
            self.handlers[kind] = fn
            return fn

        return wrap

    @staticmethod
    def schedule(
        session: Session,
        kind: str,
        key: str,
        due_at: datetime,
        *,
        platform: str = "",
        community_id: str = "",
        payload: dict[str, Any] | None = None,
    ) -> Timer:
        """Create or move the timer (kind, key); a done timer is re-armed."""
        timer = session.exec(select(Timer).where(Timer.kind == kind, Timer.key == key)).first()
        if timer is None:
            timer = Timer(kind=kind, key=key, due_at=due_at)
        timer.due_at = due_at
        timer.platform = platform
        timer.community_id = community_id
        timer.payload = dict(payload or {})
        timer.status = "pending"
        timer.attempts = 0
        timer.done_at = None
        session.add(timer)
        session.flush()
        return timer

    @staticmethod
    def cancel(session: Session, kind: str, key: str) -> bool:
        timer = session.exec(select(Timer).where(Timer.kind == kind, Timer.key == key)).first()
        if timer is None or timer.status != "pending":
            return False
        timer.status = "cancelled"
        session.add(timer)
        return True

    def next_due(self) -> datetime | None:
        with self.store.session() as s:
            q = select(func.min(Timer.due_at)).where(Timer.status == "pending")
            return aware(s.exec(q).one())

    def _lease(self, now: datetime) -> list[int]:
        taken: list[int] = []
        with self.store.session() as s:
            ids = s.exec(
                select(Timer.id)
                .where(
                    Timer.status == "pending",
                    col(Timer.due_at) <= now,
                    or_(col(Timer.lease_until).is_(None), col(Timer.lease_until) < now),
                )
                .order_by(col(Timer.due_at))
                .limit(20)
            ).all()
            for timer_id in ids:
                won = s.execute(
                    update(Timer)
                    .where(
                        col(Timer.id) == timer_id,
                        col(Timer.status) == "pending",
                        or_(col(Timer.lease_until).is_(None), col(Timer.lease_until) < now),
                    )
                    .values(lease_owner=self.owner, lease_until=now + self.lease)
                )
                if won.rowcount == 1 and timer_id is not None:  # type: ignore[attr-defined]
                    taken.append(timer_id)
        return taken

    async def run_due(self, now: datetime, make_context: Callable[..., Context]) -> int:
        done = 0
        for timer_id in self._lease(now):
            await self._run(timer_id, now, make_context)
            done += 1
        return done

    async def _run(
        self, timer_id: int, now: datetime, make_context: Callable[..., Context]
    ) -> None:
        with self.store.session() as s:
            timer = s.get(Timer, timer_id)
            if timer is None or timer.status != "pending":
                return
            handler = self.handlers.get(timer.kind)
            if handler is None:
                log.error("no handler for timer kind %s", timer.kind)
                timer.status = "failed"
                timer.last_error = "no handler"
                s.add(timer)
                return
        due_at = aware(timer.due_at) or now
        metrics.SCHEDULER_LAG.observe(max(0.0, (now - due_at).total_seconds()))
        ctx = make_context(platform=timer.platform, community_id=timer.community_id)
        try:
            await handler(ctx, timer)
            ctx.commit_with(lambda sess: _mark_done(sess, timer_id, now, self.owner))
        except LeaseLost:
            ctx.rollback()
            log.warning("timer %s/%s: lease lost to another process", timer.kind, timer.key)
            return
        except Exception as exc:
            ctx.rollback()
            log.exception("timer %s/%s failed", timer.kind, timer.key)
            _mark_failed_attempt(self.store, timer_id, now, exc)
            return
        await ctx.flush_actions()


def _mark_done(session: Session, timer_id: int, now: datetime, owner: str) -> None:
    """Done only if the lease is still ours; otherwise the handler's writes roll back."""
    result = session.execute(
        update(Timer)
        .where(
            col(Timer.id) == timer_id,
            col(Timer.status) == "pending",
            col(Timer.lease_owner) == owner,
        )
        .values(status="done", done_at=now, lease_owner=None, lease_until=None)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(timer_id)


def release(store: Store, owner: str) -> int:
    """Hand back timers we leased but did not start (shutdown)."""
    with store.session() as s:
        done = s.execute(
            update(Timer)
            .where(col(Timer.status) == "pending", col(Timer.lease_owner) == owner)
            .values(lease_owner=None, lease_until=None)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]


def _mark_failed_attempt(store: Store, timer_id: int, now: datetime, exc: Exception) -> None:
    with store.session() as s:
        timer = s.get(Timer, timer_id)
        if timer is None:
            return
        timer.attempts += 1
        timer.last_error = f"{type(exc).__name__}: {exc}"[:500]
        timer.lease_owner = None
        timer.lease_until = None
        if timer.attempts >= MAX_ATTEMPTS:
            timer.status = "failed"
        else:
            timer.due_at = now + timedelta(seconds=30 * 2**timer.attempts)
        s.add(timer)


class TickGate:
    """At most one tick at a time in a process. A tick that finds the previous one still
    running is skipped and counted (crossings_ticks_skipped_total), never queued behind it
    and never a warning per second: the running tick picks up whatever is due anyway."""

    def __init__(self) -> None:
        self.running = False
        self.skipped = 0

    async def run(self, tick: Callable[[], Awaitable[None]]) -> bool:
        """Run `tick` unless one is running; True when it ran."""
        if self.running:
            self.skipped += 1
            metrics.TICKS_SKIPPED.inc()
            log.debug("tick skipped: the previous one is still running")
            return False
        self.running = True
        try:
            await tick()
        finally:
            self.running = False
        return True
