"""The feature packages the App installs, in order. Each has `install(app)`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.community import App

FEATURES = (
    "bot.core_commands",
    "bot.moderation",
    "bot.safety",
    "bot.support",
    "bot.prompts",
    "bot.peers",
    "bot.privacy",
)

# Importing the packages registers their tables on SQLModel.metadata.
for _name in FEATURES:
    importlib.import_module(_name)


def install_all(app: App) -> None:
    for name in FEATURES:
        importlib.import_module(name).install(app)
