"""A Discord community for tests: the emulator, the real discord.py client through our adapter,
and the core App on a temporary database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from adapters.discord import DiscordAdapter
from bot.kernel.app import App
from bot.kernel.clock import SimulatedClock
from bot.kernel.store import Store
from crossings import build_app
from crossings.settings import Settings
from tests.emulators.discord.server import GUILD_ID, TOKEN, DiscordEmulator, Interaction

START_ARGS: dict[str, Any] = {}


class DiscordCommunity:
    def __init__(self, emulator: DiscordEmulator, app: App, adapter: DiscordAdapter) -> None:
        self.emulator = emulator
        self.app = app
        self.adapter = adapter
        self.guild = GUILD_ID

    async def settle(self, check: Callable[[], object] | None = None, timeout: float = 5.0) -> None:
        """Let the client process what the emulator sent and the outbox deliver."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            await asyncio.sleep(0.02)
            await self.app.outbox.deliver_due(self.app.clock.now())
            if check is None or check():
                if check is None:
                    await asyncio.sleep(0.05)
                    await self.app.outbox.deliver_due(self.app.clock.now())
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")

    async def answered(self, it: Interaction, timeout: float = 5.0) -> dict[str, Any]:
        await self.settle(lambda: it.answered and (not it.deferred or it.followups), timeout)
        return it.response or {}

    def member(self, uid: str, name: str, roles: tuple[str, ...] = ()) -> str:
        self.emulator.add_member(uid, name, roles)
        return uid


@contextlib.asynccontextmanager
async def discord_community(
    tmp_path: Path,
    emulator: DiscordEmulator | None = None,
    prepare: Callable[[Store], None] | None = None,
    **settings: Any,
) -> AsyncIterator[DiscordCommunity]:
    """A community on `emulator` (a new one if None); `prepare` sees the store before the
    bot connects (what an earlier process left there)."""
    if emulator is None:
        emulator = DiscordEmulator()
        await emulator.start()
    store = Store(f"sqlite:///{tmp_path}/discord.db")
    config = Settings(
        database_url=store.url,
        discord={
            "token": TOKEN,
            "api_base_url": emulator.api_base,
            "gateway_url": emulator.gateway_url,
            "moderator_roles": {GUILD_ID: [emulator.role_id("Moderators")]},
            "organizer_roles": {GUILD_ID: [emulator.role_id("Organizers")]},
            **settings.pop("discord", {}),
        },
        **settings,
    )
    app = build_app(store, config, SimulatedClock())
    store.create_all()  # after the features are installed: their tables are known now
    if prepare is not None:
        prepare(store)
    adapter = DiscordAdapter(app, config)
    app.add_platform(adapter.platform)
    try:
        await asyncio.wait_for(adapter.start(), 15)
        await asyncio.wait_for(adapter.client.synced.wait(), 5)
        yield DiscordCommunity(emulator, app, adapter)
    finally:
        await adapter.stop()
        await emulator.stop()
        store.dispose()
