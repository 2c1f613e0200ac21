"""`crossings run` as an operator runs it: a subprocess that serves /metrics and stops cleanly on
SIGTERM without losing outbox entries."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from bot.kernel.store import Store
from bot.kernel.store.models import OutboxEntry
from crossings.migrate import upgrade

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(url: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def start(env: dict[str, str]) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "crossings.cli", "run"],
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_console_service_serves_metrics_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(Store(url))
    port = free_port()
    proc = start({"CROSSINGS_DATABASE_URL": url, "CROSSINGS_METRICS__PORT": str(port)})
    try:
        assert proc.stdin is not None
        proc.stdin.write("hello from the console\n")
        proc.stdin.flush()
        body = scrape(f"http://127.0.0.1:{port}/metrics")
        assert "crossings_outbox_depth" in body
        assert scrape(f"http://127.0.0.1:{port}/readyz").startswith('{"status": "ready"')
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "crossings stopped" in err
    with Store(url).session() as s:
        entries = s.exec(select(OutboxEntry)).all()
    assert all(e.lease_owner is None for e in entries)


async def until(check: Callable[[], object], *, tries: int, pause: float) -> None:
    import asyncio

    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(pause)
    raise AssertionError("timed out")


async def metrics_showing(port: int, needle: str) -> str:
    import asyncio

    body = ""
    for _ in range(100):
        body = await asyncio.to_thread(scrape, f"http://127.0.0.1:{port}/metrics")
        if needle in body:
            break
        await asyncio.sleep(0.1)
    return body


async def test_service_against_the_emulators_keeps_its_outbox_on_sigterm(tmp_path: Path) -> None:
    """`crossings run` with Discord and Slack configured: it connects to both emulators, serves
    metrics, and on SIGTERM exits cleanly with undelivered work still in the outbox."""
    import asyncio

    from tests.emulators.discord.server import OWNER_ID, DiscordEmulator
    from tests.emulators.discord.server import TOKEN as DISCORD_TOKEN
    from tests.emulators.slack.server import APP_TOKEN, BOT_TOKEN, SlackEmulator

    discord_em, slack_em = DiscordEmulator(), SlackEmulator()
    await discord_em.start()
    await slack_em.start()
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(Store(url))
    port = free_port()
    env = {
        "CROSSINGS_DATABASE_URL": url,
        "CROSSINGS_METRICS__PORT": str(port),
        "CROSSINGS_SCHEDULER__TICK_SECONDS": "0.5",
        "CROSSINGS_DISCORD__TOKEN": DISCORD_TOKEN,
        "CROSSINGS_DISCORD__API_BASE_URL": discord_em.api_base,
        "CROSSINGS_DISCORD__GATEWAY_URL": discord_em.gateway_url,
        "CROSSINGS_SLACK__BOT_TOKEN": BOT_TOKEN,
        "CROSSINGS_SLACK__APP_TOKEN": APP_TOKEN,
        "CROSSINGS_SLACK__API_BASE_URL": slack_em.base_url,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "crossings.cli",
        "run",
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.wait_for(discord_em.identified.wait(), 30)
        await asyncio.wait_for(slack_em.connected.wait(), 30)
        await asyncio.to_thread(scrape, f"http://127.0.0.1:{port}/readyz")
        while not discord_em.commands:
            await asyncio.sleep(0.05)
        general = discord_em.channel_id("general")
        discord_em.fail("POST", f"/channels/{general}/messages", 503, times=1000)
        it = await discord_em.slash(
            OWNER_ID,
            general,
            "prompt",
            [
                {
                    "type": 1,
                    "name": "post-now",
                    "options": [{"type": 3, "name": "theme", "value": "red-flags"}],
                }
            ],
        )
        await until(lambda: it.answered, tries=200, pause=0.05)
        body = await metrics_showing(
            port, 'crossings_actions_failed_total{platform="discord",retryable="True"}'
        )
        assert 'crossings_events_total{platform="discord",type="CommandInvoked"}' in body
        assert 'crossings_actions_failed_total{platform="discord",retryable="True"}' in body
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
        await discord_em.stop()
        await slack_em.stop()
    assert proc.returncode == 0, err.decode()[-2000:]
    with Store(url).session() as s:
        entries = s.exec(select(OutboxEntry).where(OutboxEntry.kind == "prompt.post")).all()
    assert len(entries) == 1 and entries[0].status == "pending"  # not lost
    assert entries[0].lease_owner is None  # handed back for the next process
