"""The interactive console community: `crossings run` when no platform is configured."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import TextIO

from rich.console import Console
from rich.text import Text

from adapters.console.people import add_people
from adapters.console.platform import ConsolePlatform
from adapters.console.session import build
from bot.kernel.app import App
from bot.kernel.config import Settings

BANNER = """Crossings console community. You are Admin; channels: #general #prompts #support #moderators.
Type a message, or /help for the bot's commands and /console-help for console controls.
Ctrl-D (end of input) leaves."""


class ConsoleAdapter:
    """Reads the terminal line by line; end of input finishes the adapter (and the process)."""

    def __init__(self, app: App, stdin: TextIO | None = None) -> None:
        self.console = Console(highlight=False, soft_wrap=True)
        self.session = build(app, self.console)
        self.platform: ConsolePlatform = self.session.platform
        add_people(self.platform)  # one of each standing, to sign in to the dashboard as
        self.stdin = stdin or sys.stdin
        self.finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.console.print(Text(BANNER, style="bold"))
        self._task = asyncio.create_task(self._read(), name="console")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                line = await loop.run_in_executor(None, self.stdin.readline)
                if line == "":
                    self.console.print(Text("(end of input: goodbye)", style="dim"))
                    return
                await self.session.feed(line)
        finally:
            self.finished.set()


def build_adapter(app: App, settings: Settings) -> ConsoleAdapter:
    return ConsoleAdapter(app)
