"""A Slack workspace for tests: the emulator, the real slack-bolt app through our adapter, and
the core App on a temporary database, in Socket Mode or HTTP mode."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from adapters.slack import SlackAdapter
from bot.kernel.app import App
from bot.kernel.clock import SimulatedClock
from bot.kernel.store import Store
from crossings import build_app
from crossings.settings import Settings
from tests.emulators.slack.server import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_ID,
    Envelope,
    SlackEmulator,
)


class SlackWorkspace:
    def __init__(self, emulator: SlackEmulator, app: App, adapter: SlackAdapter, mode: str) -> None:
        self.emulator = emulator
        self.app = app
        self.adapter = adapter
        self.mode = mode
        self.team = TEAM_ID

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.adapter.port}/slack/events"

    async def settle(self, check: Callable[[], object], timeout: float = 5.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            await asyncio.sleep(0.02)
            await self.app.outbox.deliver_due(self.app.clock.now())
            if check():
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")

    async def send(self, kind: str, payload: dict[str, Any]) -> Any:
        """Deliver as Slack would in this mode; returns the ack (socket) or (status, body) (HTTP)."""
        if self.mode == "socket":
            env: Envelope = await self.emulator.push(kind, payload)
            await self.emulator.acked(env)
            return env.response
        return await self.emulator.deliver_http(self.url, kind, payload)

    async def command(self, user: str, text: str, channel: str = "C0GENERAL") -> Any:
        return await self.send("slash_commands", self.emulator.command_payload(user, channel, text))

    async def say(
        self, user: str, text: str, channel: str = "C0GENERAL", thread_ts: str | None = None
    ) -> dict[str, Any]:
        payload = self.emulator.message_event(user, channel, text, thread_ts)
        await self.send("events_api", payload)
        return payload["event"]

    async def edit(self, original: dict[str, Any], text: str) -> None:
        await self.send("events_api", self.emulator.edit_event(original, text))


@contextlib.asynccontextmanager
async def slack_workspace(
    tmp_path: Path, mode: str = "socket", **slack: Any
) -> AsyncIterator[SlackWorkspace]:
    emulator = SlackEmulator()
    await emulator.start()
    store = Store(f"sqlite:///{tmp_path}/slack.db")
    config = Settings(
        database_url=store.url,
        slack={
            "bot_token": BOT_TOKEN,
            "app_token": APP_TOKEN,
            "signing_secret": SIGNING_SECRET,
            "mode": mode,
            "api_base_url": emulator.base_url,
            "http_host": "127.0.0.1",
            "http_port": 0,
            **slack,
        },
    )
    app = build_app(store, config, SimulatedClock())
    store.create_all()  # after the features are installed: their tables are known now
    adapter = SlackAdapter(app, config)
    app.add_platform(adapter.platform)
    try:
        await asyncio.wait_for(adapter.start(), 15)
        if mode == "socket":
            await asyncio.wait_for(emulator.connected.wait(), 10)
        yield SlackWorkspace(emulator, app, adapter, mode)
    finally:
        await adapter.stop()
        await emulator.stop()
        store.dispose()
