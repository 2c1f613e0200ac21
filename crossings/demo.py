"""`crossings demo`: the scripted tour. Every feature adds a scene in content/demo/*.txt; the
scenes run in name order in one console community, on a fresh database and a simulated clock."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.text import Text

from adapters.console.session import build
from bot.kernel import i18n
from bot.kernel.clock import SimulatedClock
from bot.kernel.config import CommunityDefaults
from bot.kernel.i18n import normalize
from bot.kernel.paths import CONTENT_DIR
from bot.kernel.store import Store
from bot.privacy.feature import PrivacySettings
from crossings import build_app
from crossings.migrate import upgrade
from crossings.settings import Settings

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning


def scenes(directory: Path | None = None) -> list[Path]:
    return sorted((directory or CONTENT_DIR / "demo").glob("*.txt"))


async def run_demo(
    console: Console | None = None, only: str | None = None, lang: str | None = None
) -> int:
    """Play the scenes; `lang` makes it the community's language, so members who did not pick
    one, channel posts and moderator cards read the bot in it."""
    console = console or Console(highlight=False, soft_wrap=True, width=110)
    language = normalize(lang) if lang else "en"
    if language not in i18n.locales():
        console.print(f"no catalog for '{lang}'; available: {', '.join(i18n.locales())}")
        return 2
    with tempfile.TemporaryDirectory(prefix="crossings-demo-") as tmp:
        store = Store(f"sqlite:///{tmp}/demo.db")
        upgrade(store)
        # A scripted tour types far faster than people do: no per-member command limits here.
        settings = Settings(
            database_url=store.url,
            privacy=PrivacySettings(command_limits=[]),
            community=CommunityDefaults(language=language),
        )
        app = build_app(store, settings, SimulatedClock(START))
        session = build(app, console)
        for scene in scenes():
            if only and only not in scene.stem:
                continue
            console.print(Text(f"\n### {scene.stem}", style="bold magenta"))
            with scene.open(encoding="utf-8") as fh:
                await session.run_file(fh)
        store.dispose()
    console.print(Text("\nDemo finished.", style="bold"))
    return 0
