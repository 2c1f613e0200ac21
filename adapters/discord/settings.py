"""The `[discord]` section of the configuration."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from bot.kernel.config import blank_is_unset


class DiscordSettings(BaseModel):
    token: SecretStr | None = None
    # The application's OAuth2 client, for signing in to the dashboard (adapters/discord/
    # signin.py); the secret only from the environment (CROSSINGS_DISCORD__CLIENT_SECRET).
    client_id: str | None = None
    client_secret: SecretStr | None = None
    authorize_url: str = "https://discord.com/oauth2/authorize"

    _blank_token = field_validator("token", "client_secret", mode="before")(blank_is_unset)
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


SECRETS = ("token", "client_secret")


def enabled(section: DiscordSettings) -> bool:
    return section.token is not None
