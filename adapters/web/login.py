"""Signing in: Discord OAuth2 (`identify`) and Sign in with Slack (OpenID Connect).

`state` is random and only its hash is kept, in the server-side session of the browser it was
made for; it is spent in the database before anything is sent to the provider, so a callback
whose state was never issued, or is replayed, makes no outbound request. Slack's `nonce` is
checked in the ID token. The ID token comes straight from Slack's token endpoint over TLS, which
OpenID Connect Core (3.1.3.7) accepts in place of checking its signature. Sign-in is rate
limited per client address and per account. After signing in the session starts afresh (a new
id; the old session ends), so nothing from before the sign-in carries over.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from aiohttp_session import get_session, new_session

from adapters.web import sessions
from adapters.web.access import Viewer
from adapters.web.keys import APP, CFG, LIMITS
from adapters.web.limits import client_address
from adapters.web.settings import WebSettings
from bot.kernel import signins
from bot.kernel.app import App

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=10)


class SignInFailed(Exception):
    """The provider refused, or the answer was not what was asked for."""


def routes(sub: web.Application) -> None:
    sub.router.add_get("/login/{provider}", start, name="login")
    sub.router.add_get("/login/{provider}/callback", callback, name="callback")
    sub.router.add_post("/logout", logout, name="logout")
    sub.router.add_post("/logout/everywhere", logout_everywhere, name="logout_everywhere")


def providers(cfg: WebSettings) -> list[str]:
    found = []
    if cfg.discord_client_id and cfg.discord_client_secret:
        found.append("discord")
    if cfg.slack_client_id and cfg.slack_client_secret:
        found.append("slack")
    return found


def _redirect_uri(cfg: WebSettings, provider: str) -> str:
    return f"{cfg.base}/login/{provider}/callback"


def _hashed(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _limit_address(request: web.Request) -> None:
    """Refuse an address over its sign-in limit (429) before any work is done for it."""
    wait = request.app[LIMITS].check(client_address(request, request.app[CFG]), time.monotonic())
    if wait is not None:
        raise web.HTTPTooManyRequests(
            text=f"Too many sign-in attempts from your address. Try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )


async def start(request: web.Request) -> web.Response:
    cfg: WebSettings = request.app[CFG]
    provider = request.match_info["provider"]
    if provider not in providers(cfg):
        raise web.HTTPNotFound(text="That sign-in is not set up here.")
    _limit_address(request)
    session = await get_session(request)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session["oauth"] = {
        "provider": provider,
        "state": _hashed(state),
        "nonce": nonce,
        "at": time.time(),
    }
    if provider == "discord":
        url = (
            cfg.discord_authorize_url
            + "?"
            + urlencode(
                {
                    "client_id": cfg.discord_client_id,
                    "redirect_uri": _redirect_uri(cfg, provider),
                    "response_type": "code",
                    "scope": "identify",
                    "state": state,
                    "prompt": "none",
                }
            )
        )
    else:
        url = (
            cfg.slack_authorize_url
            + "?"
            + urlencode(
                {
                    "client_id": cfg.slack_client_id,
                    "redirect_uri": _redirect_uri(cfg, provider),
                    "response_type": "code",
                    "scope": "openid profile",
                    "state": state,
                    "nonce": nonce,
                }
            )
        )
    raise web.HTTPSeeOther(url)


def _spend_state(request: web.Request, pending: object, provider: str) -> bool:
    """True once for the state this browser's session was given; spent in the database first,
    so that of any number of replays of this callback at most one reaches the provider."""
    row = sessions.active_row_id(request)
    state, code = request.query.get("state", ""), request.query.get("code", "")
    if row is None or not isinstance(pending, dict) or not state or not code:
        return False
    age = time.time() - float(pending.get("at") or 0)
    expected = str(pending.get("state", ""))
    if pending.get("provider") != provider or not 0 <= age <= 600:
        return False
    if not hmac.compare_digest(expected, _hashed(state)):
        return False
    return signins.take_state(request.app[APP].store, row, expected)


async def callback(request: web.Request) -> web.Response:
    cfg: WebSettings = request.app[CFG]
    provider = request.match_info["provider"]
    _limit_address(request)
    session = await get_session(request)
    pending = session.pop("oauth", None)  # used once, whatever happens next
    if not _spend_state(request, pending, provider):
        raise web.HTTPBadRequest(text="This sign-in link has expired or was not started here.")
    assert isinstance(pending, dict)
    code = request.query.get("code", "")
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            if provider == "discord":
                who = await _discord(http, cfg, code)
            else:
                who = await _slack(http, cfg, code, str(pending.get("nonce", "")))
    except (SignInFailed, aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
        log.warning("sign-in with %s failed: %s", provider, exc)
        raise web.HTTPBadRequest(text="Signing in did not work. Please try again.") from None
    _limit_account(request, who)
    fresh = await new_session(request)
    fresh["user"] = who.as_dict()
    fresh["csrf"] = secrets.token_urlsafe(32)
    raise web.HTTPSeeOther(cfg.base + "/")


async def _discord(http: aiohttp.ClientSession, cfg: WebSettings, code: str) -> Viewer:
    assert cfg.discord_client_id and cfg.discord_client_secret
    secret = cfg.discord_client_secret.get_secret_value()
    pair = base64.b64encode(f"{cfg.discord_client_id}:{secret}".encode()).decode()
    auth = {"Authorization": f"Basic {pair}"}
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": _redirect_uri(cfg, "discord"),
    }
    async with http.post(cfg.discord_api_base_url + "/oauth2/token", data=form, headers=auth) as r:
        token = await r.json()
        if r.status != 200 or "access_token" not in token:
            raise SignInFailed(f"token: {r.status}")
    if "identify" not in str(token.get("scope", "")).split():
        raise SignInFailed("the identify scope was not granted")
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    async with http.get(cfg.discord_api_base_url + "/users/@me", headers=bearer) as r:
        user = await r.json()
        if r.status != 200:
            raise SignInFailed(f"users/@me: {r.status}")
    return Viewer("discord", str(user["id"]), user.get("global_name") or user["username"])


async def _slack(http: aiohttp.ClientSession, cfg: WebSettings, code: str, nonce: str) -> Viewer:
    assert cfg.slack_client_id and cfg.slack_client_secret
    form = {
        "client_id": cfg.slack_client_id,
        "client_secret": cfg.slack_client_secret.get_secret_value(),
        "code": code,
        "redirect_uri": _redirect_uri(cfg, "slack"),
        "grant_type": "authorization_code",
    }
    async with http.post(cfg.slack_api_base_url + "/openid.connect.token", data=form) as r:
        token = await r.json()
    if not token.get("ok") or "id_token" not in token:
        raise SignInFailed(f"openid.connect.token: {token.get('error')}")
    claims = id_token_claims(token["id_token"])
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignInFailed("nonce mismatch")
    if claims.get("aud") != cfg.slack_client_id:
        raise SignInFailed("the ID token is for another app")
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    async with http.post(cfg.slack_api_base_url + "/openid.connect.userInfo", headers=bearer) as r:
        info = await r.json()
    if not info.get("ok"):
        raise SignInFailed(f"openid.connect.userInfo: {info.get('error')}")
    user_id = info.get("https://slack.com/user_id") or info["sub"]
    team = info.get("https://slack.com/team_id") or claims.get("https://slack.com/team_id")
    if user_id != claims.get("https://slack.com/user_id", user_id):
        raise SignInFailed("the user info and the ID token disagree")
    return Viewer("slack", str(user_id), str(info.get("name") or user_id), str(team or ""))


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


def _limit_account(request: web.Request, who: Viewer) -> None:
    """At most so many new sessions per account in the window, counted across replicas."""
    cfg: WebSettings = request.app[CFG]
    app: App = request.app[APP]
    since = sessions.now(request) - timedelta(minutes=cfg.signin_window_minutes)
    if (
        signins.sign_ins_since(app.store, who.platform, who.user_id, since)
        >= cfg.signin_per_account
    ):
        log.warning("sign-in limit reached for a %s account", who.platform)
        raise web.HTTPTooManyRequests(
            text="Too many sign-ins to this account lately. Try again later.",
            headers={"Retry-After": str(cfg.signin_window_minutes * 60)},
        )


async def logout(request: web.Request) -> web.Response:
    """Ends this session in the database: a copy of its cookie opens nothing afterwards."""
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther(request.app[CFG].base + "/")


async def logout_everywhere(request: web.Request) -> web.Response:
    """Ends every session of the member signed in here (Slack: for this workspace)."""
    session = await get_session(request)
    user = session.get("user")
    if isinstance(user, dict) and user.get("id"):
        app: App = request.app[APP]
        ended = signins.end_all(
            app.store,
            str(user["platform"]),
            str(user["id"]),
            str(user.get("team") or "") or None,
            "signed-out-all",
            sessions.now(request),
        )
        log.info("signed out everywhere: %d sessions ended", ended)
    session.invalidate()
    raise web.HTTPSeeOther(request.app[CFG].base + "/")
