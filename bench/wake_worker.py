"""The receiving process of bench_limits.py's cross-process wake-up: `crossings`' runtime
(outbox worker, LISTEN connection, its poll set to a minute so only a notification sends in
time) with a platform that prints, per post it is given, the post's text and the wall-clock time.

    python bench/wake_worker.py DATABASE_URL
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from bot.kernel import actions as a
from bot.kernel.events import Actor
from bot.kernel.platform import Platform, handles
from crossings.runtime import Runtime
from crossings.settings import Settings


class Printing(Platform):
    name = "wake"

    @handles(a.Post)
    async def accept(self, action: a.Action) -> a.ActionResult:
        assert isinstance(action, a.Post)
        print(json.dumps({"text": action.message.text, "at": time.time()}), flush=True)
        return a.ActionResult(ok=True, message_id=action.message.text)

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this bench platform cannot tell


async def main(url: str) -> None:
    settings = Settings(
        database_url=url,
        metrics={"enabled": False},
        outbox={"poll_seconds": 60},
        scheduler={"tick_seconds": 3600},
    )
    runtime = Runtime(settings, plugins=[])
    runtime.app.add_platform(Printing())
    await runtime.start()
    assert runtime.wakeups is not None
    await runtime.wakeups.listening.wait()
    print(json.dumps({"ready": True}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
