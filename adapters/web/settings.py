"""The `[web]` section: the dashboard's public address, its session secret and its limits.
Off unless both `public_url` and `session_secret` are set. How members sign in is each platform
adapter's own setting (its sign-in provider)."""

from __future__ import annotations

import secrets
from ipaddress import ip_network
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.kernel.config import blank_is_unset
from bot.kernel.signins import loopback


class WebSettings(BaseModel):
    # Keys this section no longer has are kept, not dropped: a platform adapter reads its
    # sign-in keys from here while they are deprecated (bot.kernel.config.moved_keys).
    model_config = ConfigDict(extra="allow")

    # Where browsers reach the dashboard, e.g. https://bot.example.org/dashboard. Its path is
    # where the dashboard is mounted on the bot's HTTP server (default /dashboard).
    public_url: str | None = None
    # Keys the session ids kept in the database; environment only (CROSSINGS_WEB__SESSION_SECRET).
    session_secret: SecretStr | None = None
    # A session ends this long after sign-in, or after this long without a request.
    session_hours: int = Field(default=8, ge=1, le=24 * 30)
    session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # Sign-in attempts (starts and callbacks) per client address, and sign-ins per account,
    # within the window; more are answered 429 before anything is asked of the provider.
    signin_per_address: int = Field(default=20, ge=1)
    signin_per_account: int = Field(default=10, ge=1)
    signin_window_minutes: int = Field(default=10, ge=1)
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks).
    trusted_proxies: list[str] = Field(default_factory=list)
    # How often an open queue page asks whether the queue changed (it then offers a reload).
    queue_poll_seconds: float = Field(default=20.0, ge=0.5, le=600)

    _blank = field_validator("session_secret", mode="before")(blank_is_unset)

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ip_network(item, strict=False)  # ValueError names the bad entry
        return value

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
    def cookie_dropped(self) -> bool:
        """Over plain http at an address other than this machine's, browsers drop the Secure
        session cookie (they keep it over http on loopback): no sign-in can work."""
        parts = urlsplit(self.public_url or "")
        return parts.scheme == "http" and not loopback(parts.hostname)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.public_url or "")
        return f"{parts.scheme}://{parts.netloc}"


SECRETS = ("session_secret",)


def enabled(section: WebSettings) -> bool:
    return section.public_url is not None and section.session_secret is not None


def local(section: WebSettings, origin: str) -> WebSettings:
    """Served next to the console community (`make run` with no platform): at this machine's
    address with a secret made for this run, unless the section sets the dashboard up itself."""
    if enabled(section):
        return section
    return section.model_copy(
        update={
            "public_url": origin + section.prefix,
            "session_secret": SecretStr(secrets.token_urlsafe(32)),
        }
    )


def summary(section: WebSettings) -> str:
    return section.base + "/"
