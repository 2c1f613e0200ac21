"""Configuration: crossings.toml plus CROSSINGS_* environment variables.

Nested keys use a double underscore in the environment (CROSSINGS_DISCORD__API_BASE_URL);
the database URL is CROSSINGS_DATABASE_URL. Secrets (tokens, signing secrets) are read only
from the environment; finding one in the TOML file is an error. Any invalid value stops
start-up with one line naming the key.
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

log = logging.getLogger(__name__)


def blank_is_unset(value: Any) -> Any:
    """An empty secret (`CROSSINGS_DISCORD__TOKEN=` in an env file) means "not configured"."""
    return None if isinstance(value, str) and not value.strip() else value


Section = TypeVar("Section", bound=BaseModel)


def moved_keys(settings: object, name: str, section: Section, moved: dict[str, str]) -> Section:
    """`section` (the settings' `[name]`) with the keys still set in their old place and not in
    the new one carried over, each with a deprecation line. `moved` maps an old dotted key
    (`web.some_key`, in a section that keeps keys it no longer has) to its key in `section`."""
    carried = {}
    for was, now in moved.items():
        old_section, old_key = was.split(".", 1)
        old = getattr(settings, old_section, None)
        value = (old.model_extra or {}).get(old_key) if isinstance(old, BaseModel) else None
        if value is not None and now not in section.model_fields_set:
            log.warning("config key %s is deprecated: set %s.%s instead", was, name, now)
            carried[now] = value
    return section.model_validate(section.model_dump() | carried) if carried else section


class ConfigError(Exception):
    """An invalid configuration; str() is the one line shown at start-up."""


class CommunityDefaults(BaseModel):
    name: str = "Crossings"
    timezone: str = "UTC"
    language: str = "en"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class SchedulerSettings(BaseModel):
    tick_seconds: float = Field(default=20.0, gt=0)
    catch_up_grace_minutes: int = Field(default=60, ge=0)
    lease_seconds: int = Field(default=60, ge=5)


class OutboxSettings(BaseModel):
    max_attempts: int = Field(default=12, ge=1)
    base_delay_seconds: float = Field(default=2.0, gt=0)
    max_delay_seconds: float = Field(default=600.0, gt=0)
    # The fallback poll: on PostgreSQL a NOTIFY wakes the worker as soon as another process
    # enqueues (bot.kernel.delivery.wakeups), so this only bounds a lost notification.
    poll_seconds: float = Field(default=1.0, gt=0, le=60)


class LoggingSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_logs: bool = False


class MetricsSettings(BaseModel):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=9108, ge=0, le=65535)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CROSSINGS_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=os.environ.get("CROSSINGS_CONFIG", "crossings.toml"),
    )

    database_url: str = "sqlite:///crossings.db"
    # After SIGTERM, a shutdown still running this long ends the process: leases and the inbox
    # make a hard exit as safe as a kill -9, and a stuck close must never keep a deploy waiting.
    shutdown_seconds: float = Field(default=30.0, gt=0)
    community: CommunityDefaults = Field(default_factory=CommunityDefaults)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        if value.startswith("postgres:"):
            value = "postgresql:" + value.removeprefix("postgres:")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def roles_for(self, platform: str, community: str) -> dict[str, list[str]]:
        """Role ids a platform's settings seed into a new community, by role name
        (`moderator_roles` / `organizer_roles` keyed by community id)."""
        section = getattr(self, platform, None)
        seeded: dict[str, list[str]] = {}
        for role in ("moderator", "organizer"):
            by_community = getattr(section, f"{role}_roles", None) or {}
            seeded[role] = list(by_community.get(community, []))
        return seeded


def check_no_secrets(path: Path, secret_keys: set[tuple[str, str]]) -> None:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config error: {path}: not valid TOML ({exc})") from None
    for section, key in sorted(secret_keys):
        if isinstance(data.get(section), dict) and key in data[section]:
            env = f"CROSSINGS_{section.upper()}__{key.upper()}"
            raise ConfigError(
                f"config error: {section}.{key}: secrets are read only from the environment "
                f"(set {env}), remove it from {path}"
            )
