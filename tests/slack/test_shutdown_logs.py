"""Secrets never reach the log: `crossings run` on the Slack emulator, stopped with SIGTERM while
the Slack SDK waits out a 429, logs no token, no signing secret, no cookie and no member's words,
in the console format and in JSON."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.kernel.store import Store
from crossings.migrate import upgrade
from tests.deploy.test_service import free_port
from tests.emulators.slack.server import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SlackEmulator

pytestmark = [pytest.mark.slack, pytest.mark.deploy]

ROOT = Path(__file__).resolve().parents[2]
REPORT = "my cousin Halvard keeps sending me his photos, code word marigold-7731"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)


async def _until(check: object, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def _run_until_sigterm(tmp_path: Path, em: SlackEmulator, json_logs: bool) -> str:
    """Start the bot, DM it a report while chat.postMessage answers 429, SIGTERM it during the
    SDK's wait; its stderr."""
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(Store(url))
    env = {
        "CROSSINGS_DATABASE_URL": url,
        "CROSSINGS_METRICS__PORT": str(free_port()),
        "CROSSINGS_LOGGING__JSON_LOGS": "true" if json_logs else "false",
        "CROSSINGS_LOGGING__LEVEL": "INFO",  # as in production
        "CROSSINGS_SLACK__BOT_TOKEN": BOT_TOKEN,
        "CROSSINGS_SLACK__APP_TOKEN": APP_TOKEN,
        "CROSSINGS_SLACK__SIGNING_SECRET": SIGNING_SECRET,
        "CROSSINGS_SLACK__API_BASE_URL": em.base_url,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "crossings.cli",
        "run",
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.wait_for(em.connected.wait(), 60)
        em.add_user("UHALVA", "Ingrid")
        queue = em.command_payload("UADMIN", "C0GENERAL", "settings queue channel:<#C0MODS|x>")
        await em.acked(await em.push("slash_commands", queue))
        # The queue card waits in the SDK past the 5 s the adapter drains its work on SIGTERM,
        # then finds the HTTP session closed.
        em.retry_after = 7
        em.ratelimit["chat.postMessage"] = 1000
        await em.push("events_api", em.message_event("UHALVA", "D0HALVA", REPORT))
        await _until(lambda: any(c.error == "ratelimited" for c in em.calls))
        await asyncio.sleep(0.3)  # the SDK is now sleeping on Retry-After
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return err.decode()


@pytest.mark.parametrize("json_logs", [False, True], ids=["console", "json"])
async def test_sigterm_during_a_429_wait_logs_no_secret_and_no_member_text(
    tmp_path: Path, json_logs: bool
) -> None:
    em = SlackEmulator()
    await em.start()
    try:
        log = await _run_until_sigterm(tmp_path, em, json_logs)
    finally:
        await em.stop()
    assert any(c.method == "chat.postMessage" and c.error == "ratelimited" for c in em.calls)
    # The path under test: the queue card's send woke from its wait to a closed session.
    assert "Session is closed" in log
    for secret in SECRETS:
        assert secret not in log
    assert "Bearer" not in log
    assert "marigold" not in log and "Halvard" not in log
