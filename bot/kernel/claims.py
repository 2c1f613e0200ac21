"""Exactly-once claims: insert a unique row before doing the work; a loser sees the conflict."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.kernel.store.models import Claim

if TYPE_CHECKING:
    from bot.kernel.app import App
    from bot.kernel.store import Store

log = logging.getLogger(__name__)

PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def claim(session: Session, kind: str, key: str, fire_at: datetime, now: datetime) -> bool:
    """True when this caller owns the run (kind, key, fire_at). Runs in a savepoint so a lost
    race leaves the caller's transaction usable."""
    try:
        with session.begin_nested():
            session.add(
                Claim(kind=kind, key=key, fire_at=fire_at, owner=PROCESS_ID, claimed_at=now)
            )
    except IntegrityError:
        return False
    return True


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Replay records (inbound events seen once) are kept this long: platforms retry within minutes
# (Slack: three retries over about an hour), so a day is ample.
REPLAY_KINDS = ("slack-request", "slack-event", "discord-interaction")
REPLAY_KEEP = timedelta(days=1)


_FIRST_SIGHT = insert(Claim)


def first_sight(store: Store, kind: str, key: str, now: datetime) -> bool:
    """True the first time an inbound event (by its platform id) is seen, on any process.
    It runs before every acknowledgement, so it is one Core INSERT in its own transaction
    (the ORM's unit of work and savepoint cost several times as much CPU)."""
    row = {"kind": kind, "key": key[:128], "fire_at": EPOCH, "owner": PROCESS_ID}
    try:
        with store.engine.begin() as conn:
            conn.execute(_FIRST_SIGHT, {**row, "claimed_at": now})
    except IntegrityError:
        return False
    return True


def prune_replays(store: Store, now: datetime, keep: timedelta = REPLAY_KEEP) -> int:
    """Forget replay records older than `keep`; returns how many were removed."""
    with store.session() as s:
        done = s.execute(
            delete(Claim).where(
                col(Claim.kind).in_(REPLAY_KINDS), col(Claim.claimed_at) < now - keep
            )
        )
        return int(done.rowcount)  # type: ignore[attr-defined]


PRUNE_EVERY = timedelta(hours=1)


def schedule_pruning(app: App) -> None:
    """Prune replay records from the app's tick, at most hourly (once per app)."""
    if any(hook.name == "replay-pruning" for hook in app.tick_hooks):
        return
    last: list[datetime] = []

    async def run(app: App, now: datetime) -> None:
        if last and now - last[0] < PRUNE_EVERY:
            return
        last[:] = [now]
        removed = prune_replays(app.store, now) + app.inbox.prune(now)
        if removed:
            log.info("pruned %d replay records", removed)

    # No due time of its own: it rides on ticks that happen anyway.
    app.on_tick("replay-pruning", run, lambda _app, _now: None)
