"""The `[slack]` section of the configuration."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from bot.kernel.config import blank_is_unset


class SlackSettings(BaseModel):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    user_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    mode: Literal["socket", "http"] = "socket"
    # Sign in with Slack for the dashboard (adapters/slack/signin.py): the app's client unless
    # these name another; the secret only from the environment.
    signin_client_id: str | None = None
    signin_client_secret: SecretStr | None = None
    signin_authorize_url: str = "https://slack.com/openid/connect/authorize"

    _blank_secrets = field_validator(
        "bot_token",
        "app_token",
        "user_token",
        "signing_secret",
        "client_secret",
        "signin_client_secret",
        mode="before",
    )(blank_is_unset)
    api_base_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port (tests)
    command: str = "/crossings"
    # How long a member read from users.info is trusted; `user_change` and `team_join` clear
    # it at once. 0 reads users.info for every event and page.
    member_cache_seconds: float = Field(default=30.0, ge=0, le=3600)


SECRETS = (
    "bot_token",
    "app_token",
    "user_token",
    "signing_secret",
    "client_secret",
    "signin_client_secret",
)


def enabled(section: SlackSettings) -> bool:
    return section.bot_token is not None or (
        section.client_id is not None and section.client_secret is not None
    )
