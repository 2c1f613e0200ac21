"""The app this distribution makes: the kernel with every installed feature."""

from __future__ import annotations

from collections.abc import Iterable

from bot.kernel.app import App
from bot.kernel.clock import Clock
from bot.kernel.config import Settings
from bot.kernel.platform import Platform
from bot.kernel.store import Store
from crossings.features import features
from crossings.settings import Settings as Composed


def build_app(
    store: Store,
    settings: Settings | None = None,
    clock: Clock | None = None,
    platforms: Iterable[Platform] = (),
) -> App:
    """An app with every feature installed."""
    app = App(store, settings or Composed(), clock, platforms)
    for feature in features():
        feature.install(app)
    return app
