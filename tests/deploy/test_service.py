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
from pathlib import Path

import pytest
from sqlmodel import select

from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import OutboxEntry

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
        [sys.executable, "-m", "bot.cli", "run"],
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
