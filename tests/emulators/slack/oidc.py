"""Sign in with Slack (OpenID Connect) for the dashboard: /openid/connect/authorize (no consent
screen: it signs in `next_login`), openid.connect.token (an ID token carrying the request's
nonce) and openid.connect.userInfo. It refuses an unknown client, a wrong secret, a redirect
URI that differs from the authorize request's, and a code used twice, the way Slack names them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

CLIENT_ID = "1000000000.2000000000"
CLIENT_SECRET = "emulator-oidc-secret"
_SIGNING = secrets.token_bytes(32)


@dataclass
class Grant:
    user: str
    team: str
    redirect: str
    nonce: str


@dataclass
class SlackOIDC:
    next_login: tuple[str, str] | None = None  # (user id, team id)
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    nonce_override: str | None = None  # an ID token made for another sign-in (a replay)

    def install(self, app: web.Application) -> None:
        app.router.add_get("/openid/connect/authorize", self.authorize)

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return web.Response(status=400, text="invalid_client_id")
        if "openid" not in q.get("scope", "").split() or not q.get("redirect_uri"):
            return web.Response(status=400, text="invalid_scope")
        if self.next_login is None:
            return web.Response(status=401, text="nobody is signed in to Slack")
        code = secrets.token_urlsafe(16)
        user, team = self.next_login
        self.codes[code] = Grant(user, team, q["redirect_uri"], q.get("nonce", ""))
        raise web.HTTPFound(
            q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
        )

    def call(
        self, method: str, args: dict[str, Any], token: str, users: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """The Web API methods of the sign-in, as the emulator's dispatcher hands them over."""
        if method == "openid.connect.token":
            return self.token(args, users)
        if method == "openid.connect.userInfo":
            return self.user_info(token, users)
        return {"ok": False, "error": "unknown_method"}

    def token(self, args: dict[str, Any], users: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """openid.connect.token, called by the emulator's Web API dispatcher."""
        if (args.get("client_id"), args.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            self.refused.append("client")
            return {"ok": False, "error": "invalid_client"}
        grant = self.codes.pop(str(args.get("code", "")), None)  # a code works once
        if grant is None:
            self.refused.append("code")
            return {"ok": False, "error": "invalid_code"}
        if args.get("redirect_uri") != grant.redirect:
            self.refused.append("redirect_uri")
            return {"ok": False, "error": "bad_redirect_uri"}
        access = "xoxp-" + secrets.token_urlsafe(16)
        self.tokens[access] = grant
        now = int(time.time())
        claims = {
            "iss": "https://slack.com",
            "sub": grant.user,
            "aud": CLIENT_ID,
            "exp": now + 3600,
            "iat": now,
            "nonce": self.nonce_override or grant.nonce,
            "https://slack.com/user_id": grant.user,
            "https://slack.com/team_id": grant.team,
            "name": users.get(grant.user, {}).get("real_name", grant.user),
        }
        return {
            "ok": True,
            "access_token": access,
            "token_type": "Bearer",
            "id_token": _jwt(claims),
        }

    def user_info(self, token: str, users: dict[str, dict[str, Any]]) -> dict[str, Any]:
        grant = self.tokens.get(token)
        if grant is None:
            return {"ok": False, "error": "invalid_auth"}
        user = users.get(grant.user, {})
        return {
            "ok": True,
            "sub": grant.user,
            "https://slack.com/user_id": grant.user,
            "https://slack.com/team_id": grant.team,
            "name": user.get("real_name", grant.user),
        }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(claims: dict[str, Any]) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    sig = hmac.new(_SIGNING, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"
