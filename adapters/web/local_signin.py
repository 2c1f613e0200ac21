"""Signing in as one of a local community's people (the console's, `make run` with no platform):
the page a `LocalSignIn` provider sends the browser to instead of another site.

It answers browsers on this machine only (the client address, through trusted proxies, must be
a loopback one), and only for a provider that is set up, which the console's is only when the
dashboard's own address is a loopback one and no platform is configured. Choosing a person asks
the provider for a code bound to this sign-in's nonce and goes on to the ordinary callback,
which checks the state and the limits as for any provider.
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web
from aiohttp_session import get_session

from adapters.web import pages
from adapters.web.keys import BASE, CFG, PROVIDERS
from adapters.web.limits import client_address
from adapters.web.security import csrf_token
from bot.kernel.signins import LocalSignIn, loopback

NOT_HERE = "That sign-in is not set up here."
ELSEWHERE = "Signing in as a console person works only in a browser on the machine running the bot."


def routes(sub: web.Application) -> None:
    sub.router.add_get("/login/{provider}/pick", pick_page, name="pick")
    sub.router.add_post("/login/{provider}/pick", picked, name="picked")


def _local(request: web.Request) -> LocalSignIn:
    found = request.app[PROVIDERS].get(request.match_info["provider"])
    if not isinstance(found, LocalSignIn) or not found.configured():
        raise web.HTTPNotFound(text=NOT_HERE)
    if not loopback(client_address(request, request.app[CFG])):
        raise web.HTTPForbidden(text=ELSEWHERE)
    return found


async def _pending(request: web.Request, provider: LocalSignIn) -> dict[str, object]:
    """The sign-in this browser started with this provider, or a page saying to start again."""
    pending = (await get_session(request)).get("oauth")
    if not isinstance(pending, dict) or pending.get("provider") != provider.name:
        raise web.HTTPBadRequest(
            text="This sign-in was not started here, or has ended. Start it again."
        )
    return pending


async def pick_page(request: web.Request) -> web.Response:
    provider = _local(request)
    await _pending(request, provider)
    values = {
        "title": "Sign in as",
        "people": provider.people(),
        "provider": provider.name,
        "state": request.query.get("state", ""),
        "pick_csrf": await csrf_token(request),
    }
    return await pages.render(request, "pick.html", values)


async def picked(request: web.Request) -> web.Response:
    provider = _local(request)
    pending = await _pending(request, provider)
    form = await request.post()
    person, state = str(form.get("person", "")), str(form.get("state", ""))
    if person not in {user_id for user_id, _ in provider.people()}:
        raise web.HTTPBadRequest(text="Choose one of the people listed.")
    code = provider.code_for(person, str(pending.get("nonce", "")))
    query = urlencode({"state": state, "code": code})
    raise web.HTTPSeeOther(f"{request.app[BASE]}/login/{provider.name}/callback?{query}")
