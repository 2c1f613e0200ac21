"""Adapters installed as plug-ins: the `crossings.adapters` entry-point group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from bot.kernel.config import Settings
from bot.kernel.plugin import AdapterPlugin
from bot.kernel.signins import SignInProvider, loopback

GROUP = "crossings.adapters"


@cache
def adapter_plugins() -> tuple[AdapterPlugin, ...]:
    """Every installed adapter, the fallback (the console) last."""
    found: dict[str, AdapterPlugin] = {}
    for entry in entry_points(group=GROUP):
        plugin = entry.load()
        if not isinstance(plugin, AdapterPlugin):
            raise TypeError(f"entry point {entry.name} ({entry.value}) is not an AdapterPlugin")
        found.setdefault(plugin.name, plugin)
    return tuple(sorted(found.values(), key=lambda p: (p.fallback, p.name)))


def section(settings: object, plugin: AdapterPlugin) -> object:
    """The plug-in's settings section (its defaults when the settings were built without it)."""
    found = getattr(settings, plugin.name, None)
    if found is None and plugin.settings is not None:
        found = plugin.settings()
    return found


def enabled_plugins(settings: object) -> list[AdapterPlugin]:
    """The adapters configured to run; the fallback only when no other is."""
    chosen = [
        p
        for p in adapter_plugins()
        if not p.fallback and p.mount is None and p.enabled(section(settings, p))
    ]
    return chosen or [p for p in adapter_plugins() if p.fallback][:1]


def enabled_services(settings: object) -> list[AdapterPlugin]:
    """Web services (the dashboard) configured to run on the bot's HTTP server."""
    return [p for p in adapter_plugins() if p.mount is not None and p.enabled(section(settings, p))]


def local_services(settings: Settings) -> Settings:
    """The settings for `crossings run` with no platform configured: each web service that can
    run on this machine alone (the dashboard) on, at the HTTP server's loopback address."""
    host = settings.metrics.host if loopback(settings.metrics.host) else "127.0.0.1"
    origin = f"http://{f'[{host}]' if ':' in host else host}:{settings.metrics.port}"
    changed = {
        p.name: p.local(section(settings, p), origin)
        for p in adapter_plugins()
        if p.mount is not None and p.local is not None
    }
    return settings.model_copy(update=changed)


def sign_in_providers(settings: Settings) -> list[SignInProvider]:
    """Every installed adapter's dashboard sign-in, configured or not; the fallback's (the
    console's people) only when no platform is configured and no platform's sign-in is set
    up, so never next to a real one."""
    running = {p.name for p in enabled_plugins(settings)}
    real = [p.sign_in(settings) for p in adapter_plugins() if p.sign_in and not p.fallback]
    if any(p.configured() for p in real):
        return real
    local = [
        p.sign_in(settings)
        for p in adapter_plugins()
        if p.sign_in and p.fallback and p.name in running
    ]
    return real + local
