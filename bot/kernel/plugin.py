"""What an adapter package gives the composition root, found through the `crossings.adapters`
entry-point group: its settings section, whether it is configured, how to build it, and any
command-line subcommands of its own. Adding a platform touches no core file."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from bot.kernel.app import App
    from bot.kernel.config import Settings
    from bot.kernel.platform import Platform
    from bot.kernel.signins import SignInProvider

Subparsers = argparse._SubParsersAction  # type: ignore[type-arg]


class Adapter(Protocol):
    """A running connection to one platform: what `AdapterPlugin.build` returns."""

    @property
    def platform(self) -> Platform: ...

    @property
    def finished(self) -> asyncio.Event:
        """Set when the adapter ends on its own (the console at end of input)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class AdapterPlugin:
    name: str
    # The `[name]` section of crossings.toml and CROSSINGS_NAME__* variables.
    settings: type[BaseModel] | None
    build: Callable[[App, Settings], Adapter]
    # Whether this adapter is configured to run (e.g. a token is set), given its section.
    enabled: Callable[[Any], bool]
    # Keys of its section read only from the environment.
    secrets: tuple[str, ...] = ()
    register_cli: Callable[[Subparsers], None] | None = None
    # The console: runs only when no other adapter is enabled.
    fallback: bool = False
    summary: Callable[[Any], object] | None = None
    # A web service rather than a platform (the dashboard): given the app, the settings and
    # every adapter's sign-in provider, it returns (path prefix, aiohttp sub-application)
    # mounted on the bot's own HTTP server next to /healthz and /metrics. `build` is never
    # called for it.
    mount: Callable[[App, Settings, Sequence[SignInProvider]], tuple[str, Any]] | None = None
    # How members of this platform sign in to the dashboard, from the settings.
    sign_in: Callable[[Settings], SignInProvider] | None = None
    # Keys that moved into this section: old dotted key -> key here. Still read, with a
    # deprecation line (bot.kernel.config.moved_keys); refused in the config file if secret.
    moved: dict[str, str] = field(default_factory=dict)
    # A web service's section for `crossings run` with no platform configured, given its own
    # section and this machine's address (http://127.0.0.1:PORT): on even when not set up.
    local: Callable[[Any, str], Any] | None = None
