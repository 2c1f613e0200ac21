"""Discord's OAuth2 authorization-code flow for the dashboard's sign-in: /oauth2/authorize (no
consent screen: it signs in `next_login`), POST /api/v10/oauth2/token and GET /users/@me with a
Bearer token. It refuses what Discord refuses: an unknown client, a wrong secret, a redirect URI
that differs from the authorize request's, and a code used twice."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

CLIENT_ID = "900000000000000001"
CLIENT_SECRET = "emulator-oauth-secret"


@dataclass
class DiscordOAuth:
    api: str
    users: dict[str, dict[str, Any]]  # the emulator's members, by user id
    bot_rest: Callable[[web.Request], Awaitable[web.Response]]  # the bot's own API calls
    next_login: str | None = None
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (user, redirect)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> user
    refused: list[str] = field(default_factory=list)
    token_requests: int = 0  # every request that reached the token endpoint, good or bad

    def install(self, app: web.Application) -> None:
        app.router.add_get("/oauth2/authorize", self.authorize)
        app.router.add_post(self.api + "/oauth2/token", self.token)
        # Named `tail` like the REST catch-all's, so the bot's own calls can be handed to it.
        app.router.add_get(self.api + "/{tail:users/@me}", self.me)

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return web.Response(status=400, text="invalid client or response type")
        if "identify" not in q.get("scope", "").split() or not q.get("redirect_uri"):
            return web.Response(status=400, text="invalid scope or redirect")
        if self.next_login is None:
            return web.Response(status=401, text="nobody is signed in to Discord")
        code = secrets.token_urlsafe(16)
        self.codes[code] = (self.next_login, q["redirect_uri"])
        back = {"code": code, "state": q.get("state", "")}
        raise web.HTTPFound(q["redirect_uri"] + "?" + urlencode(back))

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        auth = request.headers.get("Authorization", "")
        client = aiohttp.BasicAuth.decode(auth) if auth.startswith("Basic ") else None
        if client is None or (client.login, client.password) != (CLIENT_ID, CLIENT_SECRET):
            self.refused.append("client")
            return web.json_response({"error": "invalid_client"}, status=401)
        found = self.codes.pop(str(form.get("code", "")), None)  # a code works once
        if found is None or form.get("grant_type") != "authorization_code":
            self.refused.append("code")
            return web.json_response({"error": "invalid_grant"}, status=400)
        user, redirect = found
        if form.get("redirect_uri") != redirect:
            self.refused.append("redirect_uri")
            return web.json_response({"error": "invalid_grant"}, status=400)
        access = secrets.token_urlsafe(24)
        self.tokens[access] = user
        return web.json_response(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 604800,
                "refresh_token": secrets.token_urlsafe(24),
                "scope": "identify",
            }
        )

    async def me(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        user = self.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        if user is None:  # not a user's token: the bot asking about itself
            return await self.bot_rest(request)
        return web.json_response(self.users[user]["user"])
