"""The checks every state-changing request passes: it comes from this site (`Origin`,
`Sec-Fetch-Site`) and carries this session's CSRF token (a form field or, for htmx, a header)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import get_session

from adapters.web.keys import CFG

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SAFE = ("GET", "HEAD", "OPTIONS")


async def csrf_token(request: web.Request) -> str:
    """This session's CSRF token (made on first use); every form and htmx request carries it."""
    session = await get_session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _cross_site(request: web.Request, origin: str) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    sent = request.headers.get("Origin")
    return sent is not None and sent != origin


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse form posts from other sites and posts without this session's CSRF token."""
    if request.method not in SAFE:
        if _cross_site(request, request.app[CFG].origin):
            raise web.HTTPForbidden(text="Refused: this request came from another site.")
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sent = str((await request.post()).get("csrf", ""))
        expected = (await get_session(request)).get("csrf")
        if not isinstance(expected, str) or not hmac.compare_digest(sent or "", expected):
            raise web.HTTPForbidden(text="Refused: the form was out of date. Reload and try again.")
    return await handler(request)
