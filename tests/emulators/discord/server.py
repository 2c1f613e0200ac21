"""A loopback Discord: enough REST and gateway for an unmodified discord.py client.

It records every request, rejects what Discord rejects (unknown routes, a bad token, bodies that
do not match Discord's OpenAPI description, over-long content, too many embeds or rows, an
interaction answered twice or late) and can inject faults (429, 500, stalls, dropped gateway,
a request carried out whose response is then lost).

Message creates honour `nonce` with `enforce_nonce` as Discord documents it: a create by the
same author with the same nonce within a few minutes returns the existing message and creates
nothing. A thread started from a message has the message's id; a second one is refused (160004).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.emulators.discord import schema
from tests.emulators.discord.commands import upsert_problems
from tests.emulators.discord.gateway import Sessions
from tests.emulators.discord.oauth import DiscordOAuth
from tests.emulators.discord.ratelimits import RateLimits

API = "/api/v10"
TOKEN = "emulator-token"
APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "800000000000000001"
OWNER_ID = "700000000000000001"
INTERACTION_DEADLINE = 3.0
NONCE_WINDOW = 300.0  # seconds a nonce is remembered ("a few minutes")

Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.Response]]
_ids = itertools.count(1_000_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def jresp(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only parses bodies whose content type is exactly application/json.
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error(status: int, message: str, code: int = 0) -> web.Response:
    return jresp({"message": message, "code": code}, status)


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    status: int = 0


@dataclass
class Fault:
    status: int
    times: int
    retry_after: float = 0.05
    stall: float = 0.0


@dataclass
class Interaction:
    id: str
    token: str
    created: float
    user_id: str
    channel_id: str
    answered: bool = False
    answered_at: float | None = None
    deferred: bool = False
    response: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)


def user(uid: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": uid,
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


class DiscordEmulator:
    def __init__(self, enforce_limits: bool = True) -> None:
        self.locales: dict[str, str] = {}  # user id -> the client's locale in interactions
        self.guild_locale = "en-US"
        self.requests: list[Recorded] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.sent_payloads: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.bans: set[str] = set()
        self.faults: dict[str, list[Fault]] = {}
        # Discord's global and per-route limits and its count of invalid requests.
        self.limits = RateLimits(enforce=enforce_limits)
        self.losses: dict[str, int] = {}  # "METHOD prefix" -> responses still to lose
        self.nonces: dict[tuple[str, str, str], tuple[str, float]] = {}
        self.dm_delay = 0.0
        self.latency = 0.0  # seconds between doing a request's work and answering it
        self.nonce_hits = 0  # creates answered with the message an earlier one made
        self.dm_failures = 0  # DM creates still to answer with a 500
        # Members who do not accept DMs from the server's members: Discord answers 403, 50007.
        self.closed_dms: set[str] = set()
        self.sessions = Sessions()
        self.identified = asyncio.Event()
        self.identifies = 0
        self.shards_seen: list[Any] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._routes: list[tuple[str, str, Handler]] = []
        self._setup_guild()
        self._register_routes()
        self.oauth = DiscordOAuth(API, self.members, self._rest)

    # --- world ------------------------------------------------------------------------------
    def _setup_guild(self) -> None:
        for name, kind in (("general", 0), ("prompts", 0), ("moderators", 0), ("stories", 15)):
            self.add_channel(name, kind)
        for name, pos in (("Moderators", 5), ("Organizers", 3)):
            rid = snowflake()
            self.roles[rid] = {
                "id": rid,
                "name": name,
                "position": pos,
                "permissions": "0",
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        self.roles[GUILD_ID] = {
            "id": GUILD_ID,
            "name": "@everyone",
            "position": 0,
            "permissions": "0",
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        self.add_member(OWNER_ID, "Owner")
        self.add_member(BOT_ID, "Crossings", bot=True)

    def add_channel(self, name: str, kind: int = 0, parent: str | None = None) -> str:
        cid = snowflake()
        self.channels[cid] = {
            "id": cid,
            "type": kind,
            "name": name,
            "position": len(self.channels),
            "guild_id": GUILD_ID,
            "permission_overwrites": [],
            "parent_id": parent,
            "available_tags": [
                {
                    "id": snowflake(),
                    "name": "Holidays, food and family traditions",
                    "moderated": False,
                    "emoji_id": None,
                    "emoji_name": None,
                }
            ]
            if kind == 15
            else [],
        }
        return cid

    def channel_id(self, name: str) -> str:
        return next(c["id"] for c in self.channels.values() if c["name"] == name)

    def role_id(self, name: str) -> str:
        return next(r["id"] for r in self.roles.values() if r["name"] == name)

    def add_member(
        self, uid: str, name: str, roles: tuple[str, ...] = (), bot: bool = False
    ) -> dict[str, Any]:
        member = {
            "user": user(uid, name, bot),
            "roles": [self.role_id(r) for r in roles],
            "flags": 0,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "nick": None,
            "communication_disabled_until": None,
        }
        self.members[uid] = member
        return member

    def guild_payload(self) -> dict[str, Any]:
        return {
            "id": GUILD_ID,
            "name": "Crossings test",
            "owner_id": OWNER_ID,
            "icon": None,
            "roles": list(self.roles.values()),
            "channels": list(self.channels.values()),
            "members": list(self.members.values()),
            "member_count": len(self.members),
            "threads": [],
            "features": [],
            "emojis": [],
            "stickers": [],
            "large": False,
            "unavailable": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "nsfw_level": 0,
            "afk_timeout": 300,
        }

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        self.oauth.install(app)  # before the catch-all below
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @property
    def sockets(self) -> list[web.WebSocketResponse]:
        return self.sessions.connected()

    @property
    def resumed(self) -> int:
        return self.sessions.resumed

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- fault injection --------------------------------------------------------------------
    def fail(
        self,
        method: str,
        prefix: str,
        status: int,
        times: int = 1,
        retry_after: float = 0.05,
        stall: float = 0.0,
    ) -> None:
        """The next `times` requests whose path starts with `prefix` get `status`."""
        self.faults.setdefault(f"{method} {prefix}", []).append(
            Fault(status, times, retry_after, stall)
        )

    def lose_response(self, method: str, prefix: str, times: int = 1) -> None:
        """Carry out the next `times` matching requests, then drop the connection unanswered."""
        self.losses[f"{method} {prefix}"] = self.losses.get(f"{method} {prefix}", 0) + times

    def _lose(self, method: str, path: str) -> bool:
        for key, left in self.losses.items():
            m, prefix = key.split(" ", 1)
            if m == method and path.startswith(prefix) and left > 0:
                self.losses[key] = left - 1
                return True
        return False

    def _fault(self, method: str, path: str) -> Fault | None:
        for key, faults in self.faults.items():
            m, prefix = key.split(" ", 1)
            if m == method and path.startswith(prefix) and faults:
                fault = faults[0]
                fault.times -= 1
                if fault.times <= 0:
                    faults.pop(0)
                return fault
        return None

    # --- REST -------------------------------------------------------------------------------
    def _register_routes(self) -> None:
        r = self._routes
        r += [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/oauth2/applications/@me", self.get_app),
            ("GET", "/gateway/bot", self.gateway_bot),
            ("GET", "/gateway", self.gateway_info),
            ("PUT", "/applications/{app}/commands", self.put_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self.put_commands),
            ("POST", "/channels/{channel}/messages", self.create_message),
            ("GET", "/channels/{channel}/messages", self.list_messages),
            ("GET", "/channels/{channel}/messages/{message}", self.get_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self.edit_message),
            ("DELETE", "/channels/{channel}/messages/{message}", self.delete_message),
            ("POST", "/channels/{channel}/messages/{message}/threads", self.thread_from_message),
            ("POST", "/channels/{channel}/threads", self.thread_in_channel),
            ("PUT", "/channels/{channel}/thread-members/{user}", self.no_content),
            (
                "PUT",
                "/channels/{channel}/messages/{message}/reactions/{emoji}/@me",
                self.no_content,
            ),
            ("GET", "/channels/{channel}", self.get_channel),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user}", self.get_user),
            ("GET", "/guilds/{guild}/members/{user}", self.get_member),
            ("GET", "/guilds/{guild}/roles", self.get_roles),
            ("GET", "/guilds/{guild}/threads/active", self.active_threads),
            ("GET", "/guilds/{guild}/channels", self.get_channels),
            ("PATCH", "/guilds/{guild}/members/{user}", self.edit_member),
            ("DELETE", "/guilds/{guild}/members/{user}", self.kick),
            ("PUT", "/guilds/{guild}/bans/{user}", self.ban),
            ("DELETE", "/guilds/{guild}/bans/{user}", self.unban),
            ("POST", "/interactions/{id}/{token}/callback", self.interaction_callback),
            ("POST", "/webhooks/{app}/{token}", self.followup),
            ("PATCH", "/webhooks/{app}/{token}/messages/@original", self.edit_original),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self.edit_original),
        ]

    def _route(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
        parts = path.strip("/").split("/")
        for m, template, handler in self._routes:
            tparts = template.strip("/").split("/")
            if m != method or len(tparts) != len(parts):
                continue
            params: dict[str, str] = {}
            for t, p in zip(tparts, parts, strict=True):
                if t.startswith("{"):
                    params[t[1:-1]] = p
                elif t != p:
                    break
            else:
                return template, handler, params
        return None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
            elif request.content_type.startswith("multipart/"):
                body = await self._multipart(request)
        record = Recorded(request.method, path, body)
        self.requests.append(record)
        response = await self._handle(request, path, body)
        record.status = response.status
        if self.latency:  # the work is done; the answer is still on its way
            await asyncio.sleep(self.latency)
        if response.status < 300 and self._lose(request.method, path):
            record.status = -1  # done, but the client never hears about it
            assert request.transport is not None
            request.transport.abort()
            raise ConnectionResetError("response lost (injected)")
        return response

    async def _multipart(self, request: web.Request) -> dict[str, Any]:
        body: dict[str, Any] = {"files": []}
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":  # type: ignore[union-attr]
                body.update(json.loads(await part.text()))  # type: ignore[union-attr]
            else:
                body["files"].append({"name": part.filename, "size": len(await part.read())})  # type: ignore[union-attr]
        return body

    async def _handle(self, request: web.Request, path: str, body: Any) -> web.Response:
        """Discord's checks in its order, then the route; every answer is counted as Discord
        counts invalid requests (401, 403, 429)."""
        response = await self._checked(request, path, body)
        self.limits.answered(response.status, dict(response.headers))
        return response

    async def _checked(self, request: web.Request, path: str, body: Any) -> web.Response:
        found = self._route(request.method, path)
        if found is None:
            return error(404, "404: Not Found", 0)
        template, handler, params = found
        webhook = path.startswith(("/interactions/", "/webhooks/"))
        verdict = self.limits.check(request.method, template, params, counted=not webhook)
        if verdict.banned:  # the edge answers, with none of Discord's headers
            return web.Response(status=429, text="error code: 1015")
        if not webhook and request.headers.get("Authorization") != f"Bot {TOKEN}":
            return error(401, "401: Unauthorized", 0)
        if verdict.limited is not None:
            return jresp(verdict.limited, 429, {"Via": "1.1 google", **verdict.headers})
        response = await self._answer(request, path, body, handler, params)
        response.headers.update(verdict.headers)
        return response

    async def _answer(
        self, request: web.Request, path: str, body: Any, handler: Handler, params: dict[str, str]
    ) -> web.Response:
        fault = self._fault(request.method, path)
        if fault is not None:
            if fault.stall:
                await asyncio.sleep(fault.stall)
            if fault.status == 429:
                return jresp(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": fault.retry_after,
                        "global": False,
                    },
                    429,
                    {
                        "Via": "1.1 google",
                        "Retry-After": str(fault.retry_after),
                        "X-RateLimit-Scope": "user",
                    },
                )
            if fault.status:
                return error(fault.status, f"{fault.status}: injected", 0)
        if body is not None and not isinstance(body, dict | list):
            return error(400, "Invalid Form Body", 50035)
        if isinstance(body, dict | list) and "files" not in (
            body if isinstance(body, dict) else {}
        ):
            problems = schema.errors(path, request.method, body)
            if problems:
                return jresp(
                    {"message": "Invalid Form Body", "code": 50035, "errors": problems}, 400
                )
        return await handler(request, params)

    async def no_content(self, request: web.Request, p: dict[str, str]) -> web.Response:
        return web.Response(status=204)

    async def get_me(self, request: web.Request, p: dict[str, str]) -> web.Response:
        return jresp(
            {
                **user(BOT_ID, "Crossings", bot=True),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
            }
        )

    async def get_app(self, request: web.Request, p: dict[str, str]) -> web.Response:
        return jresp(
            {
                "id": APP_ID,
                "name": "Crossings",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user(OWNER_ID, "Owner"),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def gateway_bot(self, request: web.Request, p: dict[str, str]) -> web.Response:
        return jresp(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def gateway_info(self, request: web.Request, p: dict[str, str]) -> web.Response:
        return jresp({"url": self.gateway_url})

    async def put_commands(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = await request.json()
        problems = upsert_problems(body)
        if problems:
            return error(400, "Invalid Form Body: " + "; ".join(problems[:10]), 50035)
        scope = p.get("guild", "global")
        self.commands[scope] = [
            {
                **c,
                "id": snowflake(),
                "application_id": APP_ID,
                "version": "1",
                "default_member_permissions": c.get("default_member_permissions"),
            }
            for c in body
        ]
        return jresp(self.commands[scope])

    def _check_message(self, body: dict[str, Any]) -> web.Response | None:
        content = body.get("content") or ""
        if len(content) > 2000:
            return jresp(
                {
                    "message": "Invalid Form Body",
                    "code": 50035,
                    "errors": {
                        "content": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 2000 or fewer in length.",
                                }
                            ]
                        }
                    },
                },
                400,
            )
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            return error(400, "Invalid Form Body: embeds: Must be 10 or fewer in length.", 50035)
        for e in embeds:
            if len(e.get("description") or "") > 4096 or len(e.get("title") or "") > 256:
                return error(400, "Invalid Form Body: embed too long", 50035)
        rows = body.get("components") or []
        if len(rows) > 5 or any(len(r.get("components", [])) > 5 for r in rows):
            return error(400, "Invalid Form Body: components: Must be 5 or fewer in length.", 50035)
        if not content and not embeds and not body.get("files") and not body.get("components"):
            return error(400, "Cannot send an empty message", 50006)
        return None

    def _message(
        self,
        channel_id: str,
        body: dict[str, Any],
        author: dict[str, Any] | None = None,
        mid: str | None = None,
    ) -> dict[str, Any]:
        mid = mid or snowflake()
        msg = {
            "id": mid,
            "channel_id": channel_id,
            "type": 0,
            "content": body.get("content") or "",
            "author": author or user(BOT_ID, "Crossings", bot=True),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [
                {
                    "id": snowflake(),
                    "filename": f["name"],
                    "size": f["size"],
                    "url": "http://x/f",
                    "proxy_url": "http://x/f",
                }
                for f in body.get("files", [])
            ],
            "timestamp": "2026-03-02T08:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "flags": body.get("flags", 0) or 0,
        }
        if channel_id in self.channels and self.channels[channel_id].get("guild_id"):
            msg["guild_id"] = GUILD_ID
        self.messages[mid] = msg
        return msg

    async def create_message(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = self.requests[-1].body or {}
        if p["channel"] not in self.channels:
            return error(404, "Unknown Channel", 10003)
        problem = self._check_message(body)
        if problem:
            return problem
        if self.channels[p["channel"]].get("type") == 1:
            if self.channels[p["channel"]].get("recipient") in self.closed_dms:
                return error(403, "Cannot send messages to this user", 50007)
            await asyncio.sleep(self.dm_delay)
            if self.dm_failures > 0:
                self.dm_failures -= 1
                return error(500, "500: Internal Server Error", 0)
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > 25:
            return error(400, "Invalid Form Body: nonce: Must be 25 or fewer in length.", 50035)
        key = (BOT_ID, p["channel"], str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            seen = self.nonces.get(key)
            if seen and time.monotonic() - seen[1] < NONCE_WINDOW and seen[0] in self.messages:
                self.nonce_hits += 1
                return jresp(self.messages[seen[0]])
        msg = self._message(p["channel"], body)
        if nonce is not None:
            msg["nonce"] = str(nonce)
            self.nonces[key] = (msg["id"], time.monotonic())
        return jresp(msg)

    async def get_message(self, request: web.Request, p: dict[str, str]) -> web.Response:
        msg = self.messages.get(p["message"])
        return jresp(msg) if msg else error(404, "Unknown Message", 10008)

    async def edit_message(self, request: web.Request, p: dict[str, str]) -> web.Response:
        msg = self.messages.get(p["message"])
        if msg is None:
            return error(404, "Unknown Message", 10008)
        body = self.requests[-1].body or {}
        problem = self._check_message({**msg, **body})
        if problem:
            return problem
        msg.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        msg["edited_timestamp"] = "2026-03-02T08:00:01+00:00"
        return jresp(msg)

    async def list_messages(self, request: web.Request, p: dict[str, str]) -> web.Response:
        """A channel's history, newest first, as Discord pages it (`limit` 1-100, `before`).
        Ephemeral messages are never part of it."""
        if p["channel"] not in self.channels:
            return error(404, "Unknown Channel", 10003)
        try:
            limit = int(request.query.get("limit", "50"))
        except ValueError:
            return error(400, "Invalid Form Body: limit", 50035)
        if not 1 <= limit <= 100:
            return error(400, "Invalid Form Body: limit: must be between 1 and 100", 50035)
        before = request.query.get("before")
        found = [
            m
            for m in self.messages.values()
            if m["channel_id"] == p["channel"]
            and not (m.get("flags") or 0) & 64
            and (before is None or int(m["id"]) < int(before))
        ]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return jresp(found[:limit])

    async def delete_message(self, request: web.Request, p: dict[str, str]) -> web.Response:
        msg = self.messages.get(p["message"])
        if msg is None or msg["channel_id"] != p["channel"]:
            return error(404, "Unknown Message", 10008)
        channel = self.channels.get(p["channel"]) or {}
        if channel.get("type") == 1 and msg["author"]["id"] != BOT_ID:
            # In a DM a bot may delete only its own messages.
            return error(403, "Cannot execute action on a DM channel", 50003)
        del self.messages[p["message"]]
        return web.Response(status=204)

    def _thread(self, parent: str, name: str, kind: int, tid: str | None = None) -> dict[str, Any]:
        if not 1 <= len(name) <= 100:
            raise web.HTTPBadRequest(
                text='{"message":"name: 1-100 characters","code":50035}',
                content_type="application/json",
            )
        made = self.add_channel(name, kind, parent)
        if tid is not None:  # a thread started from a message carries the message's id
            self.channels[tid] = {**self.channels.pop(made), "id": tid}
        tid = tid or made
        thread = self.channels[tid]
        thread.update(
            {
                "owner_id": BOT_ID,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": "2026-03-02T08:00:00+00:00",
                    "locked": False,
                },
                "message_count": 0,
                "member_count": 1,
                "rate_limit_per_user": 0,
                "flags": 0,
                "total_message_sent": 0,
            }
        )
        return thread

    async def thread_from_message(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = self.requests[-1].body or {}
        if p["message"] not in self.messages:
            return error(404, "Unknown Message", 10008)
        if self.messages[p["message"]].get("thread_id"):
            return error(400, "A thread has already been created for this message", 160004)
        thread = self._thread(p["channel"], body.get("name", ""), 11, p["message"])
        self.messages[p["message"]]["thread_id"] = thread["id"]
        return jresp(thread)

    async def thread_in_channel(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = self.requests[-1].body or {}
        parent = self.channels.get(p["channel"])
        if parent is None:
            return error(404, "Unknown Channel", 10003)
        kind = body.get("type", 11) if parent["type"] != 15 else 11
        thread = self._thread(p["channel"], body.get("name", ""), kind)
        if parent["type"] == 15:  # a forum post: the thread with its first message
            first = body.get("message") or {}
            problem = self._check_message(first)
            if problem:
                return problem
            thread["applied_tags"] = body.get("applied_tags", [])
            msg = self._message(thread["id"], first, mid=thread["id"])  # the starter's id
            return jresp({**thread, "message": msg})
        return jresp(thread)

    async def active_threads(self, request: web.Request, p: dict[str, str]) -> web.Response:
        """The guild's threads that are not archived, forum posts included."""
        threads = [
            c
            for c in self.channels.values()
            if c.get("type") in (10, 11, 12)
            and not (c.get("thread_metadata") or {}).get("archived")
        ]
        return jresp({"threads": threads, "members": []})

    async def get_channel(self, request: web.Request, p: dict[str, str]) -> web.Response:
        ch = self.channels.get(p["channel"])
        return jresp(ch) if ch else error(404, "Unknown Channel", 10003)

    async def create_dm(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = self.requests[-1].body or {}
        uid = str(body.get("recipient_id"))
        if uid not in self.members:
            return error(400, "Unknown User", 10013)
        existing = next((c for c in self.channels.values() if c.get("recipient") == uid), None)
        if existing is None:
            cid = snowflake()
            existing = self.channels[cid] = {
                "id": cid,
                "type": 1,
                "recipient": uid,
                "last_message_id": None,
                "recipients": [self.members[uid]["user"]],
            }
        return jresp({k: v for k, v in existing.items() if k != "recipient"})

    def dm_messages(self, uid: str) -> list[dict[str, Any]]:
        ids = {c["id"] for c in self.channels.values() if c.get("recipient") == uid}
        return [m for m in self.messages.values() if m["channel_id"] in ids]

    async def get_user(self, request: web.Request, p: dict[str, str]) -> web.Response:
        member = self.members.get(p["user"])
        return jresp(member["user"]) if member else error(404, "Unknown User", 10013)

    async def get_member(self, request: web.Request, p: dict[str, str]) -> web.Response:
        member = self.members.get(p["user"])
        return jresp(member) if member else error(404, "Unknown Member", 10007)

    async def get_roles(self, request: web.Request, p: dict[str, str]) -> web.Response:
        if p["guild"] != GUILD_ID:
            return error(404, "Unknown Guild", 10004)
        return jresp(list(self.roles.values()))

    async def get_channels(self, request: web.Request, p: dict[str, str]) -> web.Response:
        if p["guild"] != GUILD_ID:
            return error(404, "Unknown Guild", 10004)
        return jresp([c for c in self.channels.values() if c.get("guild_id") == GUILD_ID])

    async def edit_member(self, request: web.Request, p: dict[str, str]) -> web.Response:
        member = self.members.get(p["user"])
        if member is None:
            return error(404, "Unknown Member", 10007)
        body = self.requests[-1].body or {}
        if "communication_disabled_until" in body:
            member["communication_disabled_until"] = body["communication_disabled_until"]
        return jresp(member)

    async def kick(self, request: web.Request, p: dict[str, str]) -> web.Response:
        if self.members.pop(p["user"], None) is None:
            return error(404, "Unknown Member", 10007)
        return web.Response(status=204)

    async def ban(self, request: web.Request, p: dict[str, str]) -> web.Response:
        self.bans.add(p["user"])
        self.members.pop(p["user"], None)
        return web.Response(status=204)

    async def unban(self, request: web.Request, p: dict[str, str]) -> web.Response:
        if p["user"] not in self.bans:
            return error(404, "Unknown Ban", 10026)
        self.bans.discard(p["user"])
        return web.Response(status=204)

    async def interaction_callback(self, request: web.Request, p: dict[str, str]) -> web.Response:
        it = self.interactions.get(p["id"])
        if it is None or it.token != p["token"]:
            return error(404, "Unknown interaction", 10062)
        if it.answered:
            return error(400, "Interaction has already been acknowledged.", 40060)
        if time.monotonic() - it.created > INTERACTION_DEADLINE:
            return error(404, "Unknown interaction", 10062)
        body = self.requests[-1].body or {}
        data = body.get("data") or {}
        if body.get("type") in (4, 7):
            problem = self._check_message(data)
            if problem:
                return problem
        if body.get("type") == 9 and len(data.get("components", [])) > 5:
            return error(400, "Invalid Form Body: a modal holds at most 5 components", 50035)
        it.answered, it.response, it.answered_at = True, body, time.monotonic()
        it.deferred = body.get("type") in (5, 6)
        msg = self._message(it.channel_id, data) if body.get("type") == 4 else None
        return jresp(
            {
                "interaction": {
                    "id": it.id,
                    "type": 2,
                    "activity_instance_id": None,
                    "response_message_id": msg["id"] if msg else None,
                    "response_message_loading": False,
                    "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
                },
                "resource": {"type": body.get("type"), "message": msg}
                if msg
                else {"type": body.get("type")},
            }
        )

    def _interaction_by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    async def followup(self, request: web.Request, p: dict[str, str]) -> web.Response:
        it = self._interaction_by_token(p["token"])
        if it is None or not it.answered:
            return error(404, "Unknown Webhook", 10015)
        body = self.requests[-1].body or {}
        problem = self._check_message(body)
        if problem:
            return problem
        it.followups.append(body)
        return jresp(self._message(it.channel_id, body))

    async def edit_original(self, request: web.Request, p: dict[str, str]) -> web.Response:
        it = self._interaction_by_token(p["token"])
        if it is None or not it.answered:
            return error(404, "Unknown Webhook", 10015)
        body = self.requests[-1].body or {}
        it.followups.append(body)
        return jresp(self._message(it.channel_id, body))

    # --- gateway ----------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                data = json.loads(frame.data)
                op = data.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op in (2, 6) and not _token_ok(data):
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                elif op == 2:
                    await self._identify(ws, data["d"])
                elif op == 6 and await self.sessions.resume(ws, data["d"]):
                    self.identified.set()
        finally:
            self.sessions.closed(ws)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        self.identifies += 1
        self.shards_seen.append(d.get("shard"))
        session = self.sessions.open(ws)
        ready = {
            "v": 10,
            "user": user(BOT_ID, "Crossings", bot=True),
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "shard": d.get("shard") or [0, 1],
            "application": {"id": APP_ID, "flags": 0},
        }
        await self.sessions.send(session, "READY", ready)
        await self.sessions.send(session, "GUILD_CREATE", self.guild_payload())
        self.identified.set()

    async def redeliver(self, it: Interaction) -> None:
        """Send an interaction's INTERACTION_CREATE again (as after a resumed session)."""
        await self.dispatch("INTERACTION_CREATE", self.sent_payloads[it.id])

    async def dispatch(self, event: str, payload: dict[str, Any]) -> None:
        await self.sessions.dispatch(event, payload)

    async def drop(self) -> None:
        """Close the gateway connection the way a network blip does (the client resumes)."""
        self.identified.clear()
        for ws in list(self.sockets):
            await ws.close(code=4000, message=b"Unknown error")

    async def request_reconnect(self) -> None:
        self.identified.clear()
        for ws in list(self.sockets):
            await ws.send_str(json.dumps({"op": 7, "d": None}))

    # --- helpers for tests: members doing things ---------------------------------------------
    async def post(self, uid: str, channel: str, content: str) -> dict[str, Any]:
        member = self.members[uid]
        msg = self._message(channel, {"content": content}, member["user"])
        await self.dispatch(
            "MESSAGE_CREATE",
            {
                **msg,
                "guild_id": GUILD_ID,
                "member": {k: v for k, v in member.items() if k != "user"},
            },
        )
        return msg

    async def edit(self, msg: dict[str, Any], content: str) -> None:
        """The author edits a message: MESSAGE_UPDATE carries the whole updated message."""
        msg["content"] = content
        msg["edited_timestamp"] = "2026-03-02T08:00:00.000000+00:00"
        update = dict(msg)
        if self.channels.get(msg["channel_id"], {}).get("type") != 1:
            member = self.members[msg["author"]["id"]]
            update["guild_id"] = GUILD_ID
            update["member"] = {k: v for k, v in member.items() if k != "user"}
        await self.dispatch("MESSAGE_UPDATE", update)

    async def dm_bot(self, uid: str, content: str) -> dict[str, Any]:
        cid = next((c["id"] for c in self.channels.values() if c.get("recipient") == uid), None)
        if cid is None:
            cid = snowflake()
            self.channels[cid] = {
                "id": cid,
                "type": 1,
                "recipient": uid,
                "recipients": [self.members[uid]["user"]],
            }
        msg = self._message(cid, {"content": content}, self.members[uid]["user"])
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def join(self, uid: str, name: str) -> None:
        member = self.add_member(uid, name)
        await self.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": GUILD_ID})

    def _interaction(
        self,
        uid: str,
        channel: str,
        kind: int,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> tuple[Interaction, dict[str, Any]]:
        it = Interaction(snowflake(), "tok" + snowflake(), time.monotonic(), uid, channel)
        self.interactions[it.id] = it
        member = self.members[uid]
        payload = {
            "id": it.id,
            "application_id": APP_ID,
            "type": kind,
            "data": data,
            "guild_id": GUILD_ID,
            "channel_id": channel,
            "channel": self.channels[channel],
            "member": {**member, "permissions": "0"},
            "token": it.token,
            "version": 1,
            "locale": self.locales.get(uid, "en-US"),
            "guild_locale": self.guild_locale,
            "app_permissions": "0",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": 0,
            "attachment_size_limit": 10485760,
        }
        if message is not None:
            payload["message"] = message
        if self.channels[channel].get("type") == 1:  # in a DM: no guild, a user not a member
            for key in ("guild_id", "member", "guild_locale"):
                payload.pop(key, None)
            payload["user"] = member["user"]
            payload["context"] = 1
            payload["channel"] = {
                k: v for k, v in self.channels[channel].items() if k != "recipient"
            }
        self.sent_payloads[it.id] = payload
        return it, payload

    async def slash(
        self,
        uid: str,
        channel: str,
        name: str,
        options: list[dict[str, Any]] | None = None,
        resolved: dict[str, Any] | None = None,
    ) -> Interaction:
        cmd = next(c for scope in self.commands.values() for c in scope if c["name"] == name)
        data = {
            "id": cmd["id"],
            "name": name,
            "type": 1,
            "options": options or [],
            "guild_id": GUILD_ID,
        }
        if resolved:
            data["resolved"] = resolved
        it, payload = self._interaction(uid, channel, 2, data)
        await self.dispatch("INTERACTION_CREATE", payload)
        return it

    async def context_menu(self, uid: str, name: str, message: dict[str, Any]) -> Interaction:
        cmd = next(c for scope in self.commands.values() for c in scope if c["name"] == name)
        data = {
            "id": cmd["id"],
            "name": name,
            "type": 3,
            "target_id": message["id"],
            "guild_id": GUILD_ID,
            "resolved": {"messages": {message["id"]: message}},
        }
        it, payload = self._interaction(uid, message["channel_id"], 2, data)
        await self.dispatch("INTERACTION_CREATE", payload)
        return it

    async def click(
        self, uid: str, message: dict[str, Any], custom_id: str, values: list[str] | None = None
    ) -> Interaction:
        comp_type = 3 if values is not None else 2
        data = {"custom_id": custom_id, "component_type": comp_type}
        if values is not None:
            data["values"] = values
        it, payload = self._interaction(uid, message["channel_id"], 3, data, message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return it

    async def submit(
        self, uid: str, channel: str, custom_id: str, fields: dict[str, str]
    ) -> Interaction:
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in fields.items()
        ]
        it, payload = self._interaction(
            uid, channel, 5, {"custom_id": custom_id, "components": rows}
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return it

    # --- reading what the bot did -----------------------------------------------------------
    def in_channel(self, name_or_id: str) -> list[dict[str, Any]]:
        cid = name_or_id if name_or_id in self.channels else self.channel_id(name_or_id)
        return [m for m in self.messages.values() if m["channel_id"] == cid]

    def created(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages the bot created in a channel or thread (by id)."""
        return [
            m
            for m in self.messages.values()
            if m["channel_id"] == channel_id and m["author"]["id"] == BOT_ID
        ]

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]


def _token_ok(data: dict[str, Any]) -> bool:
    return str((data.get("d") or {}).get("token") or "").removeprefix("Bot ") == TOKEN
