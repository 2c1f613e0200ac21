"""The features this distribution installs, in order, and the app they make.

Each feature package exposes one `feature: Feature`; importing it registers its tables on
SQLModel.metadata (migrations and `Store.create_all` see them) and its handlers on the feature.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType

from bot.kernel.app import App
from bot.kernel.clock import Clock
from bot.kernel.config import Settings
from bot.kernel.feature import Feature
from bot.kernel.platform import Platform
from bot.kernel.store import Store

FEATURES = (
    "bot.settings",
    "bot.moderation",
    "bot.safety",
    "bot.support",
    "bot.prompts",
    "bot.peers",
    "bot.privacy",
)

MODULES: tuple[ModuleType, ...] = tuple(importlib.import_module(name) for name in FEATURES)


def features() -> list[Feature]:
    return [module.feature for module in MODULES]


def build_app(
    store: Store,
    settings: Settings | None = None,
    clock: Clock | None = None,
    platforms: Iterable[Platform] = (),
) -> App:
    """An app with every feature installed."""
    app = App(store, settings, clock, platforms)
    for feature in features():
        feature.install(app)
    return app
