"""A process whose adapter never finishes stopping (a close blocked in a library call):
`python -m tests.deploy.stuck_stop DB_URL SHUTDOWN_SECONDS STUCK_SECONDS`."""

from __future__ import annotations

import asyncio
import sys
import time

from bot.kernel.app import App
from bot.kernel.plugin import AdapterPlugin
from crossings.runtime import Runtime
from crossings.settings import Settings
from tests.core.test_toy_platform import ToyPlatform


class StuckAdapter:
    def __init__(self, app: App, stuck: float) -> None:
        self.platform = ToyPlatform()
        self.finished = asyncio.Event()
        self.stuck = stuck

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        time.sleep(self.stuck)  # blocks the event loop itself, as a synchronous close does


async def main(url: str, shutdown: float, stuck: float) -> None:
    plugin = AdapterPlugin(
        name="stuck",
        settings=None,
        build=lambda app, _: StuckAdapter(app, stuck),
        enabled=lambda _: True,
    )
    settings = Settings(database_url=url, metrics={"enabled": False}, shutdown_seconds=shutdown)
    runtime = Runtime(settings, plugins=[plugin])
    await runtime.start()
    print("started", flush=True)
    runtime.request_stop()
    await runtime.stop()
    print("stopped cleanly", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
