"""The privacy feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.community import App


def install(app: App) -> None:
    """Register this feature's commands, listeners and hooks on the app."""
