"""A bot process for the multi-process tests: the real Runtime (scheduler tick, outbox loop,
leases) on a shared database, with a platform that records each delivery in a table.

    python -m tests.deploy.worker DATABASE_URL [--hang-timer KEY] [--hang-delivery KEY]

`--hang-*` makes this process stall forever on one piece of work after leasing it, so a test
can kill it mid-work and watch another process take the work over when the lease expires.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from sqlalchemy import text

from bot.kernel import actions as a
from bot.kernel.claims import PROCESS_ID
from bot.kernel.context import Context
from bot.kernel.events import Actor, Place
from bot.kernel.message import Message
from bot.kernel.platform import Platform, handles
from bot.kernel.store.models import Timer
from crossings.runtime import Runtime
from crossings.settings import Settings

PLATFORM = "rec"


class RecordingPlatform(Platform):
    """Writes every delivered Post to `delivered` (not unique: duplicates must show up)."""

    name = PLATFORM

    def __init__(self, runtime: Runtime, hang_on: str | None) -> None:
        self.runtime = runtime
        self.hang_on = hang_on

    @handles(a.Post)
    async def accept(self, action: a.Action) -> a.ActionResult:
        assert isinstance(action, a.Post)
        key = action.message.text
        if key == self.hang_on:
            await asyncio.Event().wait()  # stalls with the lease held, until killed
        with self.runtime.store.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO delivered (key, owner) VALUES (:k, :o)"),
                {"k": key, "o": PROCESS_ID},
            )
        return a.ActionResult(ok=True, message_id=f"m-{key}")

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this test platform cannot tell


def install_jobs(runtime: Runtime, hang_on: str | None) -> None:
    @runtime.app.timers.on("job")
    async def job(ctx: Context, timer: Timer) -> None:
        if timer.key == hang_on:
            await asyncio.Event().wait()
        ctx.session.execute(
            text("INSERT INTO ran (key, owner) VALUES (:k, :o)"),
            {"k": timer.key, "o": PROCESS_ID},
        )
        ctx.send(a.Post(Place(PLATFORM, "c1", "general"), Message(text=timer.key)))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--hang-timer")
    parser.add_argument("--hang-delivery")
    args = parser.parse_args()
    settings = Settings(
        database_url=args.database_url,
        scheduler={"tick_seconds": 0.2, "lease_seconds": int(os.environ.get("LEASE", "5"))},
        metrics={"enabled": False},
    )
    runtime = Runtime(settings)
    runtime.app.add_platform(RecordingPlatform(runtime, args.hang_delivery))
    install_jobs(runtime, args.hang_timer)
    await runtime.start()
    print(f"ready {PROCESS_ID}", flush=True)
    try:
        await runtime.serve_forever()
    finally:
        await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
