"""The core never imports a platform library; the CLI works end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.core

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_IMPORT = re.compile(r"^\s*(import|from)\s+(discord|slack_bolt|slack_sdk)\b", re.M)


def test_core_imports_no_platform_library() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "bot").rglob("*.py")
        if PLATFORM_IMPORT.search(p.read_text())
    ]
    assert offenders == []


def _cli(
    *args: str, stdin: str = "", cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossings.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or ROOT,
        env=env,
    )


def test_help_lists_every_subcommand() -> None:
    out = _cli("--help").stdout
    for name in ("run", "demo", "db", "config"):
        assert re.search(rf"^\s+{name}\s+\S", out, re.M), name


def test_demo_exits_zero_with_a_transcript() -> None:
    proc = _cli("demo")
    assert proc.returncode == 0, proc.stderr
    assert "Demo finished." in proc.stdout
    assert "Crossings (only Amira sees this)" in proc.stdout
    # Every scene plays as written: no step of the script misses its button, form or answer.
    for trouble in (
        "no button or menu",
        "no form is open",
        "something went wrong",
        "Traceback",
        "very quickly",
    ):
        assert trouble not in proc.stdout, trouble
    for scene in ("10-prompts", "20-moderation", "30-support", "40-peers", "50-privacy"):
        assert f"### {scene}" in proc.stdout


def test_run_opens_the_console_and_leaves_on_end_of_input(tmp_path: Path) -> None:
    import os

    env = {
        **os.environ,
        "CROSSINGS_DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CROSSINGS_DISCORD__TOKEN", None)
    env.pop("CROSSINGS_SLACK__BOT_TOKEN", None)
    assert _cli("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    proc = _cli("run", stdin="/help\nhello there\n", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Crossings console community" in proc.stdout
    assert "What you can do here" in proc.stdout
    assert "end of input" in proc.stdout


def test_run_in_an_empty_folder_migrates_and_opens_the_console(tmp_path: Path) -> None:
    """`crossings run` as a newcomer types it: no config, no database, stdin closed."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-m", "crossings.cli", "run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Crossings console community" in proc.stdout
    assert (tmp_path / "crossings.db").exists()


def test_run_refuses_a_database_that_is_behind(tmp_path: Path) -> None:
    """A database that has tables but not the current schema is never changed behind the
    operator's back: run refuses and says what to do."""
    import os
    import sqlite3

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE communities (id INTEGER PRIMARY KEY)")
    env = {
        **os.environ,
        "CROSSINGS_DATABASE_URL": f"sqlite:///{db}",
        "PYTHONPATH": str(ROOT),
    }
    proc = _cli("run", stdin="", cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert "crossings db upgrade" in proc.stderr
