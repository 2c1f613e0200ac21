"""A platform nobody wrote the core for: it plugs in through the `crossings.adapters` entry
point, brings its own settings section, and runs a command end to end. No core file knows it."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.kernel import actions as a
from bot.kernel.app import App
from bot.kernel.events import Actor, CommandInvoked, Place
from bot.kernel.platform import Platform, handles
from bot.kernel.plugin import AdapterPlugin
from crossings.settings import Settings

pytestmark = pytest.mark.core


class ToySettings(BaseModel):
    enabled: bool = False
    greeting: str = "toy"


class ToyPlatform(Platform):
    name = "toy"

    def __init__(self) -> None:
        self.said: list[str] = []

    @handles(a.Respond)
    async def respond(self, action: a.Respond) -> a.ActionResult:
        self.said.append(action.message.plain())
        return a.ActionResult(ok=True)

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return Actor(user_id, user_id, is_owner=user_id == "u1")

    async def survey(self, community: str) -> None:
        return None  # a toy cannot tell which channels it has


class ToyAdapter:
    """Takes one typed line from its users: `/help`, as the community's owner."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.platform = ToyPlatform()
        self.finished = asyncio.Event()

    async def start(self) -> None:
        owner = Actor("u1", "Owner", is_owner=True)
        now = datetime.now(UTC)
        await self.app.run(CommandInvoked(Place("toy", "c1", "lobby"), owner, now, path=("help",)))
        self.finished.set()

    async def stop(self) -> None:
        return None


def build(app: App, settings: Settings) -> ToyAdapter:
    return ToyAdapter(app)


plugin = AdapterPlugin(
    name="toy", settings=ToySettings, build=build, enabled=lambda s: bool(s and s.enabled)
)


def install_entry_point(where: Path) -> None:
    info = where / "crossings_toy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crossings-toy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[crossings.adapters]\ntoy = tests.core.test_toy_platform:plugin\n"
    )


async def test_a_toy_platform_plugs_in_through_the_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crossings.plugins import adapter_plugins, enabled_plugins
    from crossings.runtime import Runtime
    from crossings.settings import load_settings, settings_class

    install_entry_point(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for cached in (adapter_plugins, settings_class):
        cached.cache_clear()
        monkeypatch.setattr(sys.modules[cached.__module__], cached.__name__, cached)
    monkeypatch.setenv("CROSSINGS_TOY__ENABLED", "true")
    try:
        settings = load_settings(
            tmp_path / "none.toml",
            database_url=f"sqlite:///{tmp_path}/toy.db",
            metrics={"enabled": False},
        )
        assert settings.toy.greeting == "toy"  # type: ignore[attr-defined]
        chosen = enabled_plugins(settings)
        assert [p.name for p in chosen] == ["toy"]
        runtime = Runtime(settings, plugins=chosen)
        await runtime.start()
        await asyncio.wait_for(runtime.serve_forever(), 10)
        toy = runtime.app.platforms["toy"]
        await runtime.stop()
    finally:
        adapter_plugins.cache_clear()
        settings_class.cache_clear()
    assert isinstance(toy, ToyPlatform)
    assert any("/help" in said for said in toy.said)


class Forgetful(Platform):
    """A platform that forgot how to resolve a member: the dashboard would refuse everyone."""

    name = "forgetful"

    async def survey(self, community: str) -> None:
        return None


def test_a_platform_that_lacks_a_required_method_cannot_be_made() -> None:
    with pytest.raises(TypeError, match="fetch_member"):
        Forgetful()  # type: ignore[abstract]
    assert ToyPlatform().name == "toy"
