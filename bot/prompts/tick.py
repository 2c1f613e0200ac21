"""The prompts tick: every due schedule fires, in batches (bot/prompts/burst.py) and, for a
batch that fails, one by one (bot/prompts/engine.py), each in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from bot.kernel.store import aware
from bot.prompts import burst, engine
from bot.prompts.models import PromptSchedule

if TYPE_CHECKING:
    from bot.kernel.context import Kernel

log = logging.getLogger(__name__)


async def run_due(app: Kernel, now: datetime) -> None:
    """Tick hook: fire every due schedule, each in its own transaction."""
    grace = timedelta(minutes=app.settings.scheduler.catch_up_grace_minutes)
    with app.store.session() as s:
        due = s.exec(
            select(PromptSchedule.id)
            .where(
                col(PromptSchedule.active).is_(True),
                col(PromptSchedule.paused).is_(False),
                col(PromptSchedule.next_fire_at) <= now,
            )
            .order_by(col(PromptSchedule.next_fire_at), col(PromptSchedule.id))  # due order
        ).all()
    # Within one tick the themes' prompt lists don't change: look each up once.
    engine.STATE.of(app).tick_memo = {}
    try:
        await _fire_all(app, due, now, grace)
    finally:
        engine.STATE.of(app).tick_memo = None
    app.outbox_kick()


async def _fire_all(
    app: Kernel, due: Sequence[int | None], now: datetime, grace: timedelta
) -> None:
    slow: list[int | None] = []
    for start in range(0, len(due), burst.BATCH):
        batch = due[start : start + burst.BATCH]
        try:
            slow += burst.fire_batch(app, batch, now, grace)
        except Exception:
            log.exception("a batch of prompt schedules failed; firing them one by one")
            slow += batch
    for schedule_id in slow:
        try:
            with app.store.session() as s:
                schedule = s.get(PromptSchedule, schedule_id)
                if schedule is None or not schedule.active or schedule.paused:
                    continue
                missed = engine.fire_schedule(app, s, schedule, now, grace)
                if missed:
                    engine.report_missed(app, s, schedule, missed, now)
        except Exception:
            log.exception("prompt schedule %s failed to fire", schedule_id)


def next_due(app: Kernel, now: datetime) -> datetime | None:
    with app.store.session() as s:
        return aware(
            s.exec(
                select(func.min(PromptSchedule.next_fire_at)).where(
                    col(PromptSchedule.active).is_(True), col(PromptSchedule.paused).is_(False)
                )
            ).one()
        )
