"""Configuration: crossings.toml plus CROSSINGS_* environment variables.

Nested keys use a double underscore in the environment (CROSSINGS_DISCORD__API_BASE_URL);
the database URL is CROSSINGS_DATABASE_URL. Secrets (tokens, signing secrets) are read only
from the environment; finding one in the TOML file is an error. Any invalid value stops
start-up with one line naming the key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SECRET_KEYS = {
    ("discord", "token"),
    ("slack", "bot_token"),
    ("slack", "app_token"),
    ("slack", "signing_secret"),
    ("slack", "client_secret"),
    ("slack", "user_token"),
}


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


def _blank_is_unset(value: Any) -> Any:
    """An empty token (`CROSSINGS_DISCORD__TOKEN=` in an env file) means "not configured"."""
    return None if isinstance(value, str) and not value.strip() else value


class DiscordSettings(BaseModel):
    token: SecretStr | None = None

    _blank_token = field_validator("token", mode="before")(_blank_is_unset)
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str | None = None
    command_sync: Literal["global", "guild", "off"] = "global"
    guild_ids: list[str] = Field(default_factory=list)
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None
    members_intent: bool = True
    message_content_intent: bool = True
    # role ids per guild, seeded into community settings on first sight
    moderator_roles: dict[str, list[str]] = Field(default_factory=dict)
    organizer_roles: dict[str, list[str]] = Field(default_factory=dict)


class SlackSettings(BaseModel):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    user_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    mode: Literal["socket", "http"] = "socket"

    _blank_secrets = field_validator(
        "bot_token", "app_token", "user_token", "signing_secret", "client_secret", mode="before"
    )(_blank_is_unset)
    api_base_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port (tests)
    command: str = "/crossings"


class SchedulerSettings(BaseModel):
    tick_seconds: float = Field(default=20.0, gt=0)
    catch_up_grace_minutes: int = Field(default=60, ge=0)
    lease_seconds: int = Field(default=60, ge=5)


class OutboxSettings(BaseModel):
    max_attempts: int = Field(default=12, ge=1)
    base_delay_seconds: float = Field(default=2.0, gt=0)
    max_delay_seconds: float = Field(default=600.0, gt=0)


class LoggingSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_logs: bool = False


class MetricsSettings(BaseModel):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=9108, ge=0, le=65535)


class EscalationStep(BaseModel):
    points: int = Field(ge=1)
    action: Literal["timeout", "ban"]
    duration_hours: float | None = Field(default=None, gt=0)  # None: a permanent ban


class ModerationSettings(BaseModel):
    warning_expiry_days: int = Field(default=90, ge=1)
    # Points counted over this window decide escalation.
    escalation_window_days: int = Field(default=30, ge=1)
    escalation: list[EscalationStep] = Field(
        default_factory=lambda: [
            EscalationStep(points=3, action="timeout", duration_hours=24),
            EscalationStep(points=5, action="ban"),
        ]
    )
    # Per-reporter report limits as (count, seconds): 1 per 5 s, 3 per 5 min, 10 per hour, 24 a day.
    report_limits: list[tuple[int, int]] = Field(
        default_factory=lambda: [(1, 5), (3, 300), (10, 3600), (24, 86400)]
    )
    # Closed cases keep their free text (details, excerpts) this long, then lose it.
    retention_days: int = Field(default=30, ge=1)


class PrivacySettings(BaseModel):
    retention_days: int = Field(default=30, ge=1)
    purge_hour_utc: int = Field(default=3, ge=0, le=23)  # the daily retention purge
    # Per-member command limits as (count, seconds): a burst, then a sustained rate.
    command_limits: list[tuple[int, int]] = Field(default_factory=lambda: [(8, 10), (60, 300)])


class PromptsSettings(BaseModel):
    pass


class SupportSettings(BaseModel):
    default_country: str | None = None


class PeersSettings(BaseModel):
    no_repeat_rounds: int = Field(default=6, ge=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CROSSINGS_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=os.environ.get("CROSSINGS_CONFIG", "crossings.toml"),
    )

    database_url: str = "sqlite:///crossings.db"
    community: CommunityDefaults = Field(default_factory=CommunityDefaults)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    prompts: PromptsSettings = Field(default_factory=PromptsSettings)
    support: SupportSettings = Field(default_factory=SupportSettings)
    peers: PeersSettings = Field(default_factory=PeersSettings)

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

    @property
    def has_discord(self) -> bool:
        return self.discord.token is not None

    @property
    def has_slack(self) -> bool:
        s = self.slack
        return s.bot_token is not None or (s.client_id is not None and s.client_secret is not None)


def _check_no_secrets(path: Path) -> None:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config error: {path}: not valid TOML ({exc})") from None
    for section, key in SECRET_KEYS:
        if isinstance(data.get(section), dict) and key in data[section]:
            env = f"CROSSINGS_{section.upper()}__{key.upper()}"
            raise ConfigError(
                f"config error: {section}.{key}: secrets are read only from the environment "
                f"(set {env}), remove it from {path}"
            )


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Load and validate settings, raising ConfigError with one readable line."""
    path = Path(config_file or os.environ.get("CROSSINGS_CONFIG", "crossings.toml"))
    if path.exists():
        _check_no_secrets(path)
    try:

        class _Loaded(Settings):
            model_config = SettingsConfigDict(toml_file=path)

        return _Loaded(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(root)"
            problems.append(f"{key}: {err['msg']}")
        raise ConfigError("config error: " + "; ".join(problems)) from None
