"""One delivering process for bench_outbox.py: drains the outbox to a platform that accepts
everything (and declares no rate limit, so the figure is the outbox's own cost), then prints
one JSON line: how many entries it sent, when it began and ended (wall clock, comparable across
processes), and the CPU time it used.

python bench/outbox_worker.py DATABASE_URL GO_FILE [--legacy]

`--legacy` drains with the outbox as it was before batching (bench/legacy_outbox.py).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.kernel import actions as a
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Actor
from bot.kernel.platform import Platform, handles
from bot.kernel.store import Store


class AcceptingPlatform(Platform):
    """Takes every action at once and declares no pacing (Platform.pacing's default)."""

    name = "bench"

    def __init__(self) -> None:
        self.sent = 0

    @handles(a.Post, a.SendPrivate)
    async def accept(self, action: a.Action) -> a.ActionResult:
        self.sent += 1
        return a.ActionResult(ok=True, message_id=f"m{self.sent}")

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this test platform cannot tell


async def drain(outbox: Any) -> None:
    """Until nothing is pending: a round that leased nothing (the others had the rows) is not
    the end while rows are still out with another process."""
    while True:
        if not await outbox.deliver_due(datetime.now(UTC) + timedelta(seconds=1)):
            if outbox.depth() == 0:
                return
            await asyncio.sleep(0.01)


def build(url: str, legacy: bool, platform: AcceptingPlatform) -> Any:
    if legacy:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from legacy_outbox import Outbox as LegacyOutbox

        return LegacyOutbox(Store(url), {"bench": platform})
    return Outbox(Store(url), {"bench": platform})


def main(url: str, go: Path, legacy: bool) -> None:
    platform = AcceptingPlatform()
    outbox = build(url, legacy, platform)
    outbox.depth()  # connect before the start
    while not go.exists():
        time.sleep(0.002)
    began, cpu = time.time(), time.process_time()
    asyncio.run(drain(outbox))
    ended, cpu = time.time(), time.process_time() - cpu
    print(json.dumps({"sent": platform.sent, "began": began, "ended": ended, "cpu_s": cpu}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), "--legacy" in sys.argv[3:])
