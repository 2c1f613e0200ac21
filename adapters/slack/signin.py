"""Signing in to the dashboard with Slack: Sign in with Slack (OpenID Connect).

The ID token comes straight from Slack's token endpoint over TLS, which OpenID Connect Core
(3.1.3.7) accepts in place of checking its signature; its `nonce` and audience are checked. A
Slack sign-in holds for one workspace, the one the member signed in to: its scope.

The client is `[slack] signin_client_id` and `CROSSINGS_SLACK__SIGNIN_CLIENT_SECRET`, or when
those are not set the app's own `client_id` / `client_secret`. Until the keys moved here they
lived in `[web]` (`slack_client_id`, ...); those are still read, with a deprecation line.
"""

from __future__ import annotations

import base64
import hmac
import json
from typing import Any
from urllib.parse import urlencode

import aiohttp

from adapters.slack.settings import SlackSettings
from bot.kernel.config import Settings, moved_keys
from bot.kernel.signins import SignedIn, SignInFailed

TIMEOUT = aiohttp.ClientTimeout(total=10)
# [web] keys of earlier versions -> the [slack] keys that replace them.
MOVED = {
    "web.slack_client_id": "signin_client_id",
    "web.slack_client_secret": "signin_client_secret",
    "web.slack_authorize_url": "signin_authorize_url",
    "web.slack_api_base_url": "api_base_url",
}


class SlackSignIn:
    name = "slack"
    label = "Slack"
    community_label = "Slack workspace"
    roles_label = "Members"  # Slack has no roles: rights are granted to members

    def __init__(self, section: SlackSettings) -> None:
        self.section = section
        self.client_id = section.signin_client_id or section.client_id
        self.client_secret = section.signin_client_secret or section.client_secret
        self.api = section.api_base_url.rstrip("/")

    @property
    def endpoint(self) -> str:
        return self.section.signin_authorize_url

    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def install_url(self) -> str | None:
        return None  # the bot token is one workspace's: another needs its own deployment

    def authorize_url(self, state: str, nonce: str, redirect_uri: str) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "openid profile",
            "state": state,
            "nonce": nonce,
        }
        return self.section.signin_authorize_url + "?" + urlencode(query)

    async def exchange(self, code: str, nonce: str, redirect_uri: str) -> SignedIn:
        assert self.client_id and self.client_secret
        form = {
            "client_id": self.client_id,
            "client_secret": self.client_secret.get_secret_value(),
            "code": code,
            "redirect_uri": redirect_uri,
            "grant_type": "authorization_code",
        }
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            async with http.post(self.api + "/openid.connect.token", data=form) as r:
                token = await r.json()
            if not token.get("ok") or "id_token" not in token:
                raise SignInFailed(f"openid.connect.token: {token.get('error')}")
            claims = self._checked(id_token_claims(token["id_token"]), nonce)
            bearer = {"Authorization": f"Bearer {token['access_token']}"}
            async with http.post(self.api + "/openid.connect.userInfo", headers=bearer) as r:
                info = await r.json()
        return _who(info, claims)

    def _checked(self, claims: dict[str, Any], nonce: str) -> dict[str, Any]:
        if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInFailed("nonce mismatch")
        if claims.get("aud") != self.client_id:
            raise SignInFailed("the ID token is for another app")
        return claims


def _who(info: dict[str, Any], claims: dict[str, Any]) -> SignedIn:
    if not info.get("ok"):
        raise SignInFailed(f"openid.connect.userInfo: {info.get('error')}")
    user_id = info.get("https://slack.com/user_id") or info["sub"]
    team = info.get("https://slack.com/team_id") or claims.get("https://slack.com/team_id")
    if user_id != claims.get("https://slack.com/user_id", user_id):
        raise SignInFailed("the user info and the ID token disagree")
    if not team:  # the sign-in holds for one workspace: without it, for none
        raise SignInFailed("no workspace in the sign-in")
    return SignedIn(str(user_id), str(info.get("name") or user_id), str(team))


def id_token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT (not its signature: see the module's note)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise SignInFailed("not a JWT")
    body = parts[1] + "=" * (-len(parts[1]) % 4)
    claims = json.loads(base64.urlsafe_b64decode(body))
    if not isinstance(claims, dict):
        raise SignInFailed("JWT claims are not an object")
    return claims


def sign_in(settings: Settings) -> SlackSignIn:
    section: SlackSettings = getattr(settings, "slack", None) or SlackSettings()
    return SlackSignIn(moved_keys(settings, "slack", section, MOVED))
