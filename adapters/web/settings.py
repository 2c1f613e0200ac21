"""The `[web]` section: the dashboard's public address, its session secret and the two sign-in
providers. Off unless both `public_url` and `session_secret` are set."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr, field_validator

from bot.config import blank_is_unset


class WebSettings(BaseModel):
    # Where browsers reach the dashboard, e.g. https://bot.example.org/dashboard. Its path is
    # where the dashboard is mounted on the bot's HTTP server (default /dashboard).
    public_url: str | None = None
    # Encrypts the session cookie; environment only (CROSSINGS_WEB__SESSION_SECRET).
    session_secret: SecretStr | None = None
    session_hours: int = 8
    discord_client_id: str | None = None
    discord_client_secret: SecretStr | None = None
    discord_authorize_url: str = "https://discord.com/oauth2/authorize"
    discord_api_base_url: str = "https://discord.com/api/v10"
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_authorize_url: str = "https://slack.com/openid/connect/authorize"
    slack_api_base_url: str = "https://slack.com/api"

    _blank = field_validator(
        "session_secret", "discord_client_secret", "slack_client_secret", mode="before"
    )(blank_is_unset)

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @property
    def prefix(self) -> str:
        """The path the dashboard is mounted under."""
        return urlsplit(self.public_url or "").path.rstrip("/") or "/dashboard"

    @property
    def base(self) -> str:
        """The dashboard's address as browsers see it, without a trailing slash."""
        parts = urlsplit(self.public_url or "")
        return f"{parts.scheme}://{parts.netloc}{self.prefix}"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.public_url or "")
        return f"{parts.scheme}://{parts.netloc}"


SECRETS = ("session_secret", "discord_client_secret", "slack_client_secret")


def enabled(section: WebSettings) -> bool:
    return section.public_url is not None and section.session_secret is not None


def summary(section: WebSettings) -> str:
    return section.base + "/"
