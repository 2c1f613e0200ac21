"""Signing in to the dashboard with Discord: OAuth2 with the `identify` scope only.

The client id and secret are the Discord application's (`[discord] client_id`, and
`CROSSINGS_DISCORD__CLIENT_SECRET`); the token and `users/@me` calls go to `api_base_url`, so a
REST proxy or the test emulator sits in front of them as for the bot's own calls. Until the keys
moved here they lived in `[web]` (`discord_client_id`, ...); those are still read, with a
deprecation line in the log.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import aiohttp

from adapters.discord.settings import DiscordSettings
from adapters.discord.survey import NEEDED
from bot.kernel.config import Settings, moved_keys
from bot.kernel.signins import SignedIn, SignInFailed

TIMEOUT = aiohttp.ClientTimeout(total=10)
# [web] keys of earlier versions -> the [discord] keys that replace them.
MOVED = {
    "web.discord_client_id": "client_id",
    "web.discord_client_secret": "client_secret",
    "web.discord_authorize_url": "authorize_url",
    "web.discord_api_base_url": "api_base_url",
}


class DiscordSignIn:
    name = "discord"
    label = "Discord"
    community_label = "Discord server"
    roles_label = "Roles"

    def __init__(self, section: DiscordSettings) -> None:
        self.section = section

    @property
    def endpoint(self) -> str:
        return self.section.authorize_url

    def configured(self) -> bool:
        return bool(self.section.client_id and self.section.client_secret)

    def authorize_url(self, state: str, nonce: str, redirect_uri: str) -> str:
        query = {
            "client_id": self.section.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "identify",
            "state": state,
            "prompt": "none",
        }
        return self.section.authorize_url + "?" + urlencode(query)

    def install_url(self) -> str | None:
        """Discord's invite for the bot user and its commands, asking for the permissions the
        features use (the ones the dashboard's health check looks for)."""
        if not self.section.client_id:
            return None
        query = {
            "client_id": self.section.client_id,
            "scope": "bot applications.commands",
            "permissions": str(sum(NEEDED)),
        }
        return self.section.authorize_url + "?" + urlencode(query)

    async def exchange(self, code: str, nonce: str, redirect_uri: str) -> SignedIn:
        s = self.section
        assert s.client_id and s.client_secret
        pair = f"{s.client_id}:{s.client_secret.get_secret_value()}"
        auth = {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            async with http.post(s.api_base_url + "/oauth2/token", data=form, headers=auth) as r:
                token = await r.json()
                if r.status != 200 or "access_token" not in token:
                    raise SignInFailed(f"token: {r.status}")
            if "identify" not in str(token.get("scope", "")).split():
                raise SignInFailed("the identify scope was not granted")
            bearer = {"Authorization": f"Bearer {token['access_token']}"}
            async with http.get(s.api_base_url + "/users/@me", headers=bearer) as r:
                user = await r.json()
                if r.status != 200:
                    raise SignInFailed(f"users/@me: {r.status}")
        return SignedIn(str(user["id"]), user.get("global_name") or user["username"])


def sign_in(settings: Settings) -> DiscordSignIn:
    section: DiscordSettings = getattr(settings, "discord", None) or DiscordSettings()
    return DiscordSignIn(moved_keys(settings, "discord", section, MOVED))
