"""Configuration: TOML plus environment, one clear line for any invalid value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.kernel.config import ConfigError
from crossings.plugins import enabled_plugins
from crossings.settings import load_settings

pytestmark = pytest.mark.core


def test_toml_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "crossings.toml"
    cfg.write_text('[community]\ntimezone = "Europe/Madrid"\n[scheduler]\ntick_seconds = 5\n')
    monkeypatch.setenv("CROSSINGS_SCHEDULER__TICK_SECONDS", "7")
    monkeypatch.setenv("CROSSINGS_DISCORD__TOKEN", "secret-token")
    settings = load_settings(cfg)
    assert settings.community.timezone == "Europe/Madrid"
    assert settings.scheduler.tick_seconds == 7
    assert [p.name for p in enabled_plugins(settings)] == ["discord"]
    assert "secret-token" not in repr(settings)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[community]\ntimezone = "Europe/Berln"\n', "community.timezone"),
        ("[scheduler]\ntick_seconds = -1\n", "scheduler.tick_seconds"),
        ('[slack]\nmode = "carrier-pigeon"\n', "slack.mode"),
        ('database_url = "mysql://x"\n', "database_url"),
        ("[nonsense]\nx = 1\n", "nonsense"),
    ],
)
def test_invalid_values_name_the_key(tmp_path: Path, toml: str, key: str) -> None:
    cfg = tmp_path / "crossings.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    line = str(err.value)
    assert "\n" not in line
    assert line.startswith("config error: ") and key in line


def test_secrets_are_refused_in_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "crossings.toml"
    cfg.write_text('[discord]\ntoken = "abc"\n')
    with pytest.raises(
        ConfigError, match=r"discord.token: secrets are read only from the environment"
    ):
        load_settings(cfg)


def test_start_up_stops_with_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "crossings.toml"
    cfg.write_text("[metrics]\nport = 99999\n")
    proc = subprocess.run(
        [sys.executable, "-m", "crossings.cli", "--config", str(cfg), "config", "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "metrics.port" in proc.stderr
