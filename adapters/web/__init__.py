"""The dashboard: server-rendered pages for organizers, moderators and members, served by the
bot process on its own HTTP server (next to /healthz and /metrics).

It is a plug-in like the platform adapters (its `[web]` settings section, found through the
`crossings.adapters` entry point) but mounts a web application instead of connecting to a
platform. Every page asks the platforms for the member's current roles and goes through the
core's own permission check and handlers; nothing here decides who may do what on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.web.server import dashboard
from adapters.web.settings import SECRETS, WebSettings, enabled, local, summary
from bot.kernel.app import App
from bot.kernel.config import Settings
from bot.kernel.plugin import AdapterPlugin
from bot.kernel.signins import SignInProvider


def mount(app: App, settings: Settings, providers: Sequence[SignInProvider]) -> tuple[str, Any]:
    cfg: WebSettings = getattr(settings, "web", None) or WebSettings()
    return cfg.prefix, dashboard(app, cfg, providers)


def _not_a_platform(app: App, settings: Settings) -> Any:
    raise TypeError("the dashboard is mounted on the HTTP server, not built as a platform")


plugin = AdapterPlugin(
    name="web",
    settings=WebSettings,
    build=_not_a_platform,
    enabled=enabled,
    secrets=SECRETS,
    summary=summary,
    mount=mount,
    local=local,
)

__all__ = ["WebSettings", "dashboard", "plugin"]
