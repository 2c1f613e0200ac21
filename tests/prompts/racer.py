"""One of two bot processes racing over the same prompt fire times (see test_race.py).

python -m tests.prompts.racer DATABASE_URL START_ISO MINUTES GO_FILE
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.kernel import actions as a
from bot.kernel.claims import PROCESS_ID
from bot.kernel.clock import SimulatedClock
from bot.kernel.delivery.idempotency import current
from bot.kernel.events import Actor
from bot.kernel.platform import Platform, handles
from bot.kernel.store import Store
from bot.prompts import tick
from crossings import build_app
from crossings.settings import Settings


class RecordingPlatform(Platform):
    name = "rec"

    def __init__(self, store: Store) -> None:
        self.store = store

    @handles(a.Post)
    async def accept(self, action: a.Action) -> a.ActionResult:
        """Creates a post, honouring the outbox's idempotency key as Discord honours a nonce
        with enforce_nonce, atomically: the same key twice, even at one instant, returns the
        post already created. (The racers'
        simulated clocks are not in step, so one can see the other's lease as expired and
        send the same entry again; the key is what keeps the platform from posting twice.)"""
        assert isinstance(action, a.Post)
        attempt = current()
        nonce = attempt.nonce("post") if attempt else None
        with self.store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO delivered (channel, body, owner, nonce) "
                    "VALUES (:c, :b, :o, CAST(:n AS TEXT)) ON CONFLICT (nonce) DO NOTHING"
                ),
                {"c": action.place.channel, "b": action.message.text, "o": PROCESS_ID, "n": nonce},
            )
        return a.ActionResult(ok=True, message_id="m", thread_id="t")

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this test platform cannot tell


async def main(url: str, start: datetime, minutes: int, go: Path) -> None:
    store = Store(url)
    clock = SimulatedClock(start)
    app = build_app(store, Settings(database_url=url), clock, [RecordingPlatform(store)])
    while not go.exists():  # both processes start together
        time.sleep(0.01)
    for minute in range(minutes + 1):
        now = start + timedelta(minutes=minute)
        clock.set(now)
        await tick.run_due(app, now)
        await app.outbox.deliver_due(now)
    # Drain only once both racers are through the minutes: a drain five simulated minutes ahead
    # would see the other racer's live leases as long expired and take its sends mid-flight.
    (go.parent / f"done-{PROCESS_ID.replace(':', '-')}").touch()
    deadline = time.monotonic() + 60
    while len(list(go.parent.glob("done-*"))) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await app.outbox.deliver_due(start + timedelta(minutes=minutes + 5))
    print(PROCESS_ID)


if __name__ == "__main__":
    asyncio.run(
        main(sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
    )
