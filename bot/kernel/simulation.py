"""Stepping a simulated clock: tests and `crossings demo` move time and everything due runs,
in order, exactly as it would have in real time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.kernel.app import App

MAX_STEPS = 100_000


async def advance_to(app: App, target: datetime) -> None:
    """Move the app's simulated clock to `target`, running everything due on the way."""
    set_clock = getattr(app.clock, "set", None)
    if set_clock is None:
        raise RuntimeError("advance_to needs a SimulatedClock")
    for _ in range(MAX_STEPS):
        now = app.clock.now()
        due = app.next_due(now)
        if due is None or due > target:
            break
        set_clock(max(due, now))
        await app.tick(app.clock.now())
        if due <= now and app.next_due(now) == due:
            # Nothing moved (a failing entry); step past it rather than spin.
            set_clock(now + timedelta(seconds=1))
    set_clock(target)
    await app.tick(target)
