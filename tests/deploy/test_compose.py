"""The deployment files are accepted by the tools that read them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.deploy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_file_is_accepted() -> None:
    command = compose_command()
    if command is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must provide docker compose to validate deploy/compose.yaml")
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    done = subprocess.run(
        [*command, "-f", str(DEPLOY / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("CROSSINGS_")},
    )
    assert done.returncode == 0, done.stderr
    # The bot waits for migrations, which wait for a healthy database.
    assert "service_completed_successfully" in done.stdout
    assert "service_healthy" in done.stdout


def test_env_example_names_only_known_settings() -> None:
    from crossings.settings import settings_class

    Settings = settings_class()
    sections = set(Settings.model_fields)
    for line in (DEPLOY / "env.example").read_text().splitlines():
        line = line.lstrip("# ").strip()
        if not line.startswith("CROSSINGS_") or "=" not in line:
            continue
        key = line.split("=", 1)[0].removeprefix("CROSSINGS_").lower()
        section, _, field = key.partition("__")
        assert section in sections, key
        if field:
            model = Settings.model_fields[section].annotation
            assert field in model.model_fields, key  # type: ignore[union-attr]


def test_systemd_unit_runs_the_bot_after_checking_the_database() -> None:
    unit = (DEPLOY / "crossings.service").read_text()
    assert "ExecStartPre=/opt/crossings/bin/crossings db check" in unit
    assert "ExecStart=/opt/crossings/bin/crossings run" in unit
    assert "KillSignal=SIGTERM" in unit
