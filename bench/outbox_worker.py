"""One delivering process for bench_outbox.py: drains the outbox to a platform that accepts
everything, then prints how many entries it sent.

python bench/outbox_worker.py DATABASE_URL GO_FILE
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import actions as a
from bot.events import Actor
from bot.outbox import Outbox
from bot.platform import Platform, handles
from bot.store import Store


class AcceptingPlatform(Platform):
    """Takes every action at once, so the figure is the outbox's own cost."""

    name = "bench"

    def __init__(self) -> None:
        self.sent = 0

    @handles(a.Post, a.SendPrivate)
    async def accept(self, action: a.Action) -> a.ActionResult:
        self.sent += 1
        return a.ActionResult(ok=True, message_id=f"m{self.sent}")

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None


async def drain(outbox: Outbox) -> None:
    """Until nothing is pending: a round that leased nothing (the others had the rows) is not
    the end while rows are still out with another process."""
    while True:
        if not await outbox.deliver_due(datetime.now(UTC) + timedelta(seconds=1)):
            if outbox.depth() == 0:
                return
            await asyncio.sleep(0.01)


def main(url: str, go: Path) -> None:
    platform = AcceptingPlatform()
    outbox = Outbox(Store(url), {"bench": platform})  # type: ignore[dict-item]
    while not go.exists():
        time.sleep(0.005)
    asyncio.run(drain(outbox))
    print(platform.sent)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
