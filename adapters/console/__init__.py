"""The console community: a local community in the terminal (and the demo's stage)."""

from adapters.console.platform import ConsolePlatform
from adapters.console.repl import ConsoleAdapter, build_adapter
from adapters.console.session import ConsoleSession, build
from adapters.console.signin import sign_in
from bot.kernel.plugin import AdapterPlugin

plugin = AdapterPlugin(
    name="console",
    settings=None,
    build=build_adapter,
    enabled=lambda _section: True,
    fallback=True,
    sign_in=sign_in,
)

__all__ = ["ConsoleAdapter", "ConsolePlatform", "ConsoleSession", "build", "plugin"]
