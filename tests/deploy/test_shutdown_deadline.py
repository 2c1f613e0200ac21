"""A shutdown that cannot finish (a close blocked inside a library) ends the process after
`shutdown_seconds`, so a deploy or a supervisor never waits on it; a clean one is untouched."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.kernel.store import Store
from crossings.migrate import upgrade

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]


def stop_with(tmp_path: Path, shutdown: float, stuck: float) -> tuple[int, str, str, float]:
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(Store(url))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tests.deploy.stuck_stop", url, str(shutdown), str(stuck)],
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), "CROSSINGS_CONFIG": "/nonexistent.toml"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def test_a_stuck_shutdown_ends_the_process_after_the_deadline(tmp_path: Path) -> None:
    rc, out, err, took = stop_with(tmp_path, shutdown=1.0, stuck=60.0)
    assert "started" in out and "stopped cleanly" not in out
    assert rc == 70
    assert "did not finish in time" in err
    assert took < 45  # far short of the 60 s the close would have held it


def test_a_clean_shutdown_within_the_deadline_exits_normally(tmp_path: Path) -> None:
    rc, out, err, _ = stop_with(tmp_path, shutdown=30.0, stuck=0.2)
    assert rc == 0, err
    assert "stopped cleanly" in out and "did not finish in time" not in err
