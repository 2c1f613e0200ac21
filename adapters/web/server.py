"""The dashboard's aiohttp application: sessions kept in the database (the cookie holds only
their id), templates with autoescape, security headers, and the cross-site and CSRF checks
every form post passes."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_sessions

from adapters.web import (
    audit,
    automod_pages,
    case_pages,
    directory_pages,
    local_signin,
    login,
    member_pages,
    overview,
    pages,
    prompt_pages,
    queue_pages,
    settings_pages,
)
from adapters.web.keys import APP, BASE, BASE_PATH, CFG, LIMITS, PROVIDERS, UPLOADS
from adapters.web.keys import CSP as CSP_KEY
from adapters.web.limits import AddressLimit
from adapters.web.names import MEMBERS, SURVEYS, Members, Surveys
from adapters.web.security import guard
from adapters.web.sessions import SESSIONS, DatabaseSessions
from adapters.web.settings import WebSettings
from bot.kernel.app import App
from bot.kernel.signins import SignInProvider

HERE = Path(__file__).parent
HTMX = "htmx-2.0.4.min.js"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self' {providers}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _key(cfg: WebSettings) -> bytes:
    assert cfg.session_secret is not None
    # 32 bytes that key the hashes of session ids kept in the database.
    return hashlib.sha256(cfg.session_secret.get_secret_value().encode()).digest()


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type != "text/plain":
            raise
        response = await _error_page(request, exc)
    response.headers.setdefault("Content-Security-Policy", request.app[CSP_KEY])
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.path.startswith(request.app[BASE_PATH] + "/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


async def _error_page(request: web.Request, exc: web.HTTPException) -> web.Response:
    response = await pages.render(
        request,
        "error.html",
        {"title": exc.reason, "status": exc.status, "message": exc.text or exc.reason},
    )
    response.set_status(exc.status)
    if "Retry-After" in exc.headers:
        response.headers["Retry-After"] = exc.headers["Retry-After"]
    return response


def dashboard(
    app: App, cfg: WebSettings, providers: Sequence[SignInProvider] = ()
) -> web.Application:
    """The dashboard, to be mounted at `cfg.prefix` on the bot's HTTP server; members sign in
    through the `providers` the platform adapters contribute."""
    sub = web.Application(middlewares=[headers])
    sub[APP] = app
    sub[CFG] = cfg
    sub[BASE] = cfg.base
    sub[BASE_PATH] = cfg.prefix
    sub[PROVIDERS] = {p.name: p for p in providers}
    endpoints = " ".join(p.endpoint for p in providers if p.configured())
    sub[CSP_KEY] = CSP.format(providers=endpoints)
    sub[UPLOADS] = {}
    sub[SURVEYS] = Surveys()
    sub[MEMBERS] = Members()
    sub[LIMITS] = AddressLimit(cfg.signin_per_address, cfg.signin_window_minutes * 60)
    storage = DatabaseSessions(app.store, _key(cfg), cfg)
    sub[SESSIONS] = storage
    setup_sessions(sub, storage)
    sub.middlewares.append(guard)
    env = aiohttp_jinja2.setup(
        sub,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["htmx"] = HTMX
    sub.router.add_static("/static", HERE / "static", name="static")
    login.routes(sub)
    local_signin.routes(sub)
    pages.routes(sub)
    overview.routes(sub)
    queue_pages.routes(sub)
    prompt_pages.routes(sub)
    audit.routes(sub)
    for extra in (case_pages, automod_pages, directory_pages, settings_pages, member_pages):
        extra.routes(sub)
    return sub
