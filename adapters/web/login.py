"""Signing in through the providers the platform adapters contribute (bot.kernel.signins).

`state` is random and only its hash is kept, in the server-side session of the browser it was
made for; it is spent in the database before anything is sent to the provider, so a callback
whose state was never issued, or is replayed, makes no outbound request. The `nonce` goes to the
provider, which checks it where its protocol has one (an OpenID Connect ID token). Sign-in is
rate limited per client address and per account. After signing in the session starts afresh (a
new id; the old session ends), so nothing from before the sign-in carries over.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from datetime import timedelta

import aiohttp
from aiohttp import web
from aiohttp_session import get_session, new_session

from adapters.web import sessions
from adapters.web.access import Viewer
from adapters.web.keys import APP, CFG, LIMITS, PROVIDERS
from adapters.web.limits import client_address
from adapters.web.settings import WebSettings
from bot.kernel import signins
from bot.kernel.app import App
from bot.kernel.signins import SignInFailed, SignInProvider

log = logging.getLogger(__name__)


PLAIN_HTTP = (
    "Signing in cannot work at this address: the dashboard is served over plain http, and "
    "browsers keep its session cookie (marked Secure) only over https or on this machine. "
    "Serve the dashboard over https and set [web] public_url to that address."
)


def routes(sub: web.Application) -> None:
    sub.router.add_get("/login/{provider}", start, name="login")
    sub.router.add_get("/login/{provider}/callback", callback, name="callback")
    sub.router.add_post("/logout", logout, name="logout")
    sub.router.add_post("/logout/everywhere", logout_everywhere, name="logout_everywhere")


def providers(request: web.Request) -> list[SignInProvider]:
    """The sign-ins set up here, in the order the adapters are installed."""
    return [p for p in request.app[PROVIDERS].values() if p.configured()]


def _provider(request: web.Request) -> SignInProvider:
    found = request.app[PROVIDERS].get(request.match_info["provider"])
    if found is None or not found.configured():
        raise web.HTTPNotFound(text="That sign-in is not set up here.")
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
    provider = _provider(request)
    if cfg.cookie_dropped:
        raise web.HTTPBadRequest(text=PLAIN_HTTP)
    _limit_address(request)
    session = await get_session(request)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session["oauth"] = {
        "provider": provider.name,
        "state": _hashed(state),
        "nonce": nonce,
        "at": time.time(),
    }
    raise web.HTTPSeeOther(provider.authorize_url(state, nonce, _redirect_uri(cfg, provider.name)))


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
    provider = _provider(request)
    _limit_address(request)
    session = await get_session(request)
    pending = session.pop("oauth", None)  # used once, whatever happens next
    if not _spend_state(request, pending, provider.name):
        expired = "This sign-in link has expired or was not started here."
        raise web.HTTPBadRequest(text=PLAIN_HTTP if cfg.cookie_dropped else expired)
    assert isinstance(pending, dict)
    code, nonce = request.query.get("code", ""), str(pending.get("nonce", ""))
    try:
        found = await provider.exchange(code, nonce, _redirect_uri(cfg, provider.name))
    except (SignInFailed, aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
        log.warning("sign-in with %s failed: %s", provider.name, exc)
        raise web.HTTPBadRequest(text="Signing in did not work. Please try again.") from None
    who = Viewer(provider.name, found.user_id, found.name, found.scope)
    _limit_account(request, who)
    fresh = await new_session(request)
    fresh["user"] = who.as_dict()
    fresh["csrf"] = secrets.token_urlsafe(32)
    raise web.HTTPSeeOther(cfg.base + "/")


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
    """Ends every session of the member signed in here (for a scoped sign-in: in its scope)."""
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
