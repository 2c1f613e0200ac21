"""A delivering process that dies in the middle of a batch (see test_outbox_batches.py).

    python -m tests.delivery.batch_worker DATABASE_URL SENDS

It leases a batch and sends it to a platform that writes each post, with the outbox's
idempotency key, to the `delivered` table as it is accepted; after SENDS posts it stalls with
the lease held, so the test can kill it (SIGKILL) before the batch is settled.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.kernel import actions as a
from bot.kernel.delivery.idempotency import current
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Actor
from bot.kernel.platform import Platform, handles
from bot.kernel.store import Store


class DyingPlatform(Platform):
    name = "rec"

    def __init__(self, store: Store, sends: int) -> None:
        self.store = store
        self.left = sends

    @handles(a.Post)
    async def accept(self, action: a.Action) -> a.ActionResult:
        assert isinstance(action, a.Post)
        if self.left <= 0:
            print("stalled", flush=True)
            await asyncio.Event().wait()  # killed here, the batch never settled
        self.left -= 1
        attempt = current()
        with self.store.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO delivered (key, body) VALUES (:k, :b)"),
                {"k": attempt.key if attempt else None, "b": action.message.text},
            )
        return a.ActionResult(ok=True, message_id=f"m-{action.message.text}")

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this test platform cannot tell


async def main(url: str, sends: int) -> None:
    store = Store(url)
    outbox = Outbox(store, {"rec": DyingPlatform(store, sends)}, lease=timedelta(seconds=60))
    await outbox.deliver_due(datetime.now(UTC))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
