"""A running process as an operator sees it: health, readiness, metrics, start-up checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.kernel import metrics
from bot.kernel.store import Store
from crossings.migrate import upgrade
from crossings.runtime import Runtime
from crossings.settings import Settings

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]


def crossings(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    return subprocess.run(
        [sys.executable, "-m", "crossings.cli", *args],
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


async def test_health_readiness_and_metrics_are_served(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(Store(url))
    runtime = Runtime(Settings(database_url=url, metrics={"port": 0}))
    await runtime.start()
    assert runtime.health is not None
    base = f"http://127.0.0.1:{runtime.health.port}"
    metrics.EVENTS.labels(platform="console", type="MessagePosted").inc()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as r:
            assert r.status == 200
        async with http.get(f"{base}/readyz") as r:
            assert r.status == 200
            assert (await r.json())["status"] == "ready"
        async with http.get(f"{base}/metrics") as r:
            body = await r.text()
            for name in (
                "crossings_events_total",
                "crossings_actions_sent_total",
                "crossings_actions_failed_total",
                "crossings_platform_429_total",
                "crossings_outbox_depth",
                "crossings_scheduler_lag_seconds",
                "crossings_automod_hits_total",
                "crossings_queue_open_items",
            ):
                assert name in body
        runtime.request_stop()
        async with http.get(f"{base}/readyz") as r:
            assert r.status == 503
            assert (await r.json())["reason"] == "shutting down"
    await runtime.stop()


def test_start_fails_fast_when_the_database_is_unreachable() -> None:
    done = crossings("run", CROSSINGS_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "database unreachable" in done.stderr


def test_start_fails_fast_when_migrations_are_behind(tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "new.db") as conn:  # tables, but no schema revision
        conn.execute("CREATE TABLE communities (id INTEGER PRIMARY KEY)")
        conn.execute("DROP TABLE communities")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    done = crossings("run", CROSSINGS_DATABASE_URL=f"sqlite:///{tmp_path}/new.db")
    assert done.returncode == 2
    assert "crossings db upgrade" in done.stderr
    upgraded = crossings("db", "upgrade", CROSSINGS_DATABASE_URL=f"sqlite:///{tmp_path}/new.db")
    assert upgraded.returncode == 0, upgraded.stderr
    checked = crossings("db", "check", CROSSINGS_DATABASE_URL=f"sqlite:///{tmp_path}/new.db")
    assert checked.returncode == 0, checked.stderr


def test_invalid_setting_stops_start_up_with_one_line() -> None:
    done = crossings("run", CROSSINGS_SCHEDULER__TICK_SECONDS="soon")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "scheduler.tick_seconds" in done.stderr
