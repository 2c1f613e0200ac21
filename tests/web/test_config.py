"""The dashboard as an operator configures it: off unless configured, its secret only from the
environment, on the bot's own HTTP server next to /healthz, and its address logged at start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import pytest

from bot.kernel.config import ConfigError
from bot.kernel.store import Store
from crossings.migrate import upgrade
from crossings.plugins import enabled_plugins, enabled_services
from crossings.runtime import Runtime
from crossings.settings import Settings, load_settings

pytestmark = pytest.mark.web
ROOT = Path(__file__).resolve().parents[2]
SECRET = "x" * 40


def test_off_unless_both_address_and_secret_are_set() -> None:
    assert enabled_services(Settings()) == []
    assert enabled_services(Settings(web={"public_url": "https://bot.example.org"})) == []
    on = Settings(web={"public_url": "https://bot.example.org/dash/", "session_secret": SECRET})
    assert [p.name for p in enabled_services(on)] == ["web"]
    assert on.web.prefix == "/dash" and on.web.base == "https://bot.example.org/dash"  # type: ignore[attr-defined]
    # The dashboard is not a platform: the console still runs when no platform is configured.
    assert [p.name for p in enabled_plugins(on)] == ["console"]


def test_the_session_secret_is_refused_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "crossings.toml"
    config.write_text(
        f'[web]\npublic_url = "https://bot.example.org"\nsession_secret = "{SECRET}"\n'
    )
    with pytest.raises(ConfigError, match="session_secret"):
        load_settings(config)


def test_a_short_secret_stops_start_up_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"web\.session_secret: .*at least 32"):
        load_settings(tmp_path / "none.toml", web={"session_secret": "short"})


def test_served_on_the_health_server_and_refusing_cross_site_posts(tmp_path: Path) -> None:
    # Its own loop on its own thread: the browser tests' driver holds this thread's loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _serve_and_probe(tmp_path)).result(60)


async def _serve_and_probe(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(Store(url))
    settings = Settings(
        database_url=url,
        metrics={"port": 0, "enabled": False},  # the dashboard alone still gets its server
        web={"public_url": "http://127.0.0.1/dashboard", "session_secret": SECRET},
    )
    runtime = Runtime(settings, plugins=[])
    await runtime.start()
    assert runtime.health is not None
    base = f"http://127.0.0.1:{runtime.health.port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200
            async with http.get(f"{base}/metrics") as r:
                assert r.status == 404  # metrics stay off when the operator turned them off
            async with http.get(f"{base}/dashboard/") as r:
                assert r.status == 200
                assert "Sign in" in await r.text()
                assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
            headers = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
            async with http.post(f"{base}/dashboard/logout", headers=headers) as r:
                assert r.status == 403
            async with http.get(f"{base}/dashboard/c/discord/1/queue", allow_redirects=False) as r:
                assert r.status == 303  # signed out: to the sign-in page
    finally:
        await runtime.stop()


def test_sign_in_secrets_are_refused_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "crossings.toml"
    moved = ("web", "slack_client_secret")  # its old place, still read: still a secret
    for section, key in (("discord", "client_secret"), ("slack", "signin_client_secret"), moved):
        config.write_text(f'[{section}]\n{key} = "s3cret"\n')
        with pytest.raises(ConfigError, match=rf"{section}\.{key}: secrets are read only"):
            load_settings(config)


def test_sign_ins_come_from_the_platform_adapters_and_old_web_keys_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord's sign-in set in its own section, Slack's still in `[web]` as before (read, with
    a deprecation line); the dashboard offers both, and sends the browser to each one's own
    authorize URL with its own client id."""
    monkeypatch.setenv("CROSSINGS_WEB__SLACK_CLIENT_ID", "4000.5000")
    monkeypatch.setenv("CROSSINGS_WEB__SLACK_CLIENT_SECRET", "old-place-secret")
    monkeypatch.setenv("CROSSINGS_DISCORD__CLIENT_SECRET", "discord-secret")
    url = f"sqlite:///{tmp_path}/bot.db"
    settings = load_settings(
        tmp_path / "none.toml",
        database_url=url,
        metrics={"port": 0, "enabled": False},
        web={"public_url": "http://127.0.0.1/dashboard", "session_secret": SECRET},
        discord={"client_id": "900000000000000777"},
    )
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _sign_in_pages(settings)).result(60)
    assert "config key web.slack_client_id is deprecated: set slack.signin_client_id" in caplog.text


async def _sign_in_pages(settings: object) -> None:
    upgrade(Store(settings.database_url))  # type: ignore[attr-defined]
    runtime = Runtime(settings, plugins=[])  # type: ignore[arg-type]
    await runtime.start()
    assert runtime.health is not None
    base = f"http://127.0.0.1:{runtime.health.port}/dashboard"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/") as r:
                page = await r.text()
                csp = r.headers["Content-Security-Policy"]
            assert "Sign in with Discord" in page and "Sign in with Slack" in page
            assert "https://discord.com/oauth2/authorize" in csp
            assert "https://slack.com/openid/connect/authorize" in csp
            async with http.get(f"{base}/login/discord", allow_redirects=False) as r:
                assert r.headers["Location"].startswith("https://discord.com/oauth2/authorize?")
                assert "client_id=900000000000000777" in r.headers["Location"]
            async with http.get(f"{base}/login/slack", allow_redirects=False) as r:
                assert "client_id=4000.5000" in r.headers["Location"]
                assert "nonce=" in r.headers["Location"]
            async with http.get(f"{base}/login/console", allow_redirects=False) as r:
                assert r.status == 404  # a platform without a sign-in offers none
    finally:
        await runtime.stop()


def test_crossings_run_logs_the_dashboard_address(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    env = {
        **clean,
        "PYTHONPATH": str(ROOT),
        "CROSSINGS_CONFIG": str(tmp_path / "none.toml"),
        "CROSSINGS_DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "CROSSINGS_METRICS__PORT": "0",
        "CROSSINGS_WEB__PUBLIC_URL": "https://crossings.example.org/dashboard",
        "CROSSINGS_WEB__SESSION_SECRET": SECRET,
    }
    done = subprocess.run(
        [sys.executable, "-m", "crossings.cli", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "web on https://crossings.example.org/dashboard/" in done.stdout + done.stderr


def test_the_readme_shows_screenshots_the_browser_tests_save() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\((docs/screenshots/[\w.-]+\.png)\)", readme)
    assert len(shown) >= 2
    assert all((ROOT / path).is_file() for path in shown)
    assert any(p.endswith("-360.png") for p in shown)  # one at phone width
