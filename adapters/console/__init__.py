"""The console community: a local community in the terminal (and the demo's stage)."""

from adapters.console.platform import ConsolePlatform
from adapters.console.session import ConsoleSession, build

__all__ = ["ConsolePlatform", "ConsoleSession", "build"]
