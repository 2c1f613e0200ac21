"""The interactive console community for `crossings run` without platform tokens."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.text import Text

from adapters.console.session import build

if TYPE_CHECKING:
    from bot.runtime import Runtime

BANNER = """Crossings console community. You are Admin; channels: #general #prompts #support #moderators.
Type a message, or /help for the bot's commands and /console-help for console controls.
Ctrl-D (end of input) leaves."""


async def repl(runtime: Runtime, stdin: TextIO | None = None) -> None:
    stream = stdin or sys.stdin
    console = Console(highlight=False, soft_wrap=True)
    session = build(runtime.app, console)
    console.print(Text(BANNER, style="bold"))
    loop = asyncio.get_running_loop()
    while not runtime.stopping.is_set():
        reader = loop.run_in_executor(None, stream.readline)
        stopper = asyncio.ensure_future(runtime.stopping.wait())
        done, _ = await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if reader not in done:
            break
        line = reader.result()
        if line == "":
            console.print(Text("(end of input: goodbye)", style="dim"))
            break
        await session.feed(line)
