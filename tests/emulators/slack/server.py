"""A loopback Slack: Web API, Socket Mode and signed HTTP delivery for the real slack-bolt.

It records every call, answers errors the way Slack names them (`invalid_auth`,
`channel_not_found`, `msg_too_long`, `invalid_blocks`, `ratelimited` with Retry-After), validates
Block Kit (block types, text limits, 50 blocks, 25 elements per actions block, modal limits) and
checks that Socket Mode envelopes are acknowledged within 3 seconds.

Events are retried as Slack retries them: an Events API envelope not acknowledged is sent again
with the same `event_id`, `retry_attempt` counting up and `retry_reason` "timeout" (Bolt turns
them into X-Slack-Retry-Num), three times, to whichever connection is open by then (a
restarted app gets it). Slack retries nearly at once, after a minute and after five; here
after `resend_after`, 10 and 30 times that (`resend_after` None: never).

Faults as Slack's edge produces them: 5xx with an HTML body, a post carried out whose response
is then lost, slow methods (users.info under load), channels the bot is not in. Message metadata
is stored and returned by conversations.history/replies with include_all_metadata; response_url
posts and files upload v2 (getUploadURLExternal, the upload, completeUploadExternal) are kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import WSMsgType, web

from tests.emulators.slack.oidc import SlackOIDC
from tests.emulators.slack.tiers import Tiers

BOT_TOKEN = "xoxb-emulator"
APP_TOKEN = "xapp-emulator"
SIGNING_SECRET = "emulator-signing-secret"
TEAM_ID = "T0001"
BOT_USER = "UBOT"
BOT_ID = "BBOT"  # the app's bot id, on every message it posts (auth.test gives it)
ACK_DEADLINE = 3.0
RETRY_SPACING = (1, 10, 30)  # Slack: nearly at once, after 1 minute, after 5 (compressed)

BLOCK_TYPES = {"section", "context", "actions", "divider", "header", "input", "image", "rich_text"}
_ts = itertools.count(1)
_ids = itertools.count(100)


def new_ts() -> str:
    return f"1772438400.{next(_ts):06d}"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    ok: bool = True
    error: str | None = None


@dataclass
class Envelope:
    id: str
    kind: str
    payload: dict[str, Any]
    sent: float
    acked: float | None = None
    response: Any = None
    attempts: int = 1  # deliveries, retries included


@dataclass
class Upload:
    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    shared_to: str | None = None
    title: str | None = None


@dataclass
class Workspace:
    team_id: str
    bot_token: str
    users: dict[str, dict[str, Any]] = field(default_factory=dict)


class SlackEmulator:
    def __init__(self) -> None:
        self.locales: dict[str, str] = {}  # user id -> locale users.info gives (include_locale)
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []
        # Members who turned off the app's Messages tab: a DM answers messages_tab_disabled.
        self.closed_dms: set[str] = set()
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # posts to response_url
        self.kicked: list[tuple[str, str]] = []
        self.envelopes: dict[str, Envelope] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.connections = 0
        self.connected = asyncio.Event()
        self.ratelimit: dict[str, int] = {}
        self.retry_after = 1  # seconds a ratelimited answer asks the client to wait
        self.tiers = Tiers()  # each method's tier, per workspace (by its bot token)
        self.html_errors: dict[str, list[int]] = {}  # method -> statuses still to answer
        self.losses: dict[str, int] = {}  # method -> responses still to lose after the work
        self.delays: dict[str, float] = {}  # method -> seconds before answering
        self.latency = 0.0  # seconds between doing a call's work and answering it
        self.absent: set[str] = set()  # channels the bot is not a member of
        self.uploads: dict[str, Upload] = {}
        self.triggers: dict[str, float] = {}  # trigger_id -> when it was issued
        # Events API envelopes not acknowledged within this many seconds are sent again (None:
        # never, as most tests want a single delivery).
        self.resend_after: float | None = None
        self.max_retries = 3
        self._retrying: set[asyncio.Task[None]] = set()
        self.channels = {"C0GENERAL": "general", "C0PROMPTS": "prompts", "C0MODS": "moderators"}
        self.workspaces = {TEAM_ID: Workspace(TEAM_ID, BOT_TOKEN)}
        self.add_user("UADMIN", "Admin", admin=True)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.oidc = SlackOIDC()

    def add_user(self, uid: str, name: str, admin: bool = False, team: str = TEAM_ID) -> None:
        self.workspaces[team].users[uid] = {
            "id": uid,
            "team_id": team,
            "name": name.lower(),
            "real_name": name,
            "is_admin": admin,
            "is_owner": admin,
            "is_bot": False,
            "deleted": False,
            "tz": "Europe/Madrid",
            "profile": {"display_name": name, "real_name": name},
            "updated": 1772438400,
        }

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self.oidc.install(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for task in list(self._retrying):
            task.cancel()
        for ws in list(self.sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # --- Web API ----------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(parse_qsl(await request.text())))
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ") or args.get(
            "token", ""
        )
        call = Call(method, args)
        self.calls.append(call)
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        if self.html_errors.get(method):
            status = self.html_errors[method].pop(0)
            call.ok, call.error = False, f"http {status}"
            return web.Response(
                status=status,
                text="<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                content_type="text/html",
            )
        retry = self.tiers.retry_after(token, method)
        if retry is not None:
            call.ok, call.error = False, "ratelimited"
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(retry)},
            )
        if self.ratelimit.get(method, 0) > 0:
            self.ratelimit[method] -= 1
            call.ok, call.error = False, "ratelimited"
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        if method.startswith("openid.connect."):  # the dashboard's sign-in
            users = {u: v for w in self.workspaces.values() for u, v in w.users.items()}
            answer = self.oidc.call(method, args, token, users)
            call.ok, call.error = answer["ok"], answer.get("error")
            return web.json_response(answer)
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            call.ok, call.error = False, "unknown_method"
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        if method == "apps.connections.open":
            authed = token == APP_TOKEN
        elif method == "oauth.v2.access":  # the app authenticates with its client id and secret
            authed = bool(
                args.get("client_id") and args.get("client_secret")
            ) or request.headers.get("Authorization", "").startswith("Basic ")
        else:
            authed = any(w.bot_token == token for w in self.workspaces.values())
        if not authed:
            call.ok, call.error = False, "invalid_auth"
            return web.json_response({"ok": False, "error": "invalid_auth"})
        team = next((w.team_id for w in self.workspaces.values() if w.bot_token == token), TEAM_ID)
        result = handler(args, team)
        if self.latency:  # the work is done; the answer is still on its way
            await asyncio.sleep(self.latency)
        if not result.get("ok", True):
            call.ok, call.error = False, result.get("error")
        elif self.losses.get(method, 0) > 0:
            self.losses[method] -= 1
            call.error = "response lost"
            assert request.transport is not None
            request.transport.abort()
            raise ConnectionResetError("response lost (injected)")
        return web.json_response({"ok": True, **result} if result.get("ok", True) else result)

    # --- fault injection --------------------------------------------------------------------
    def fail_html(self, method: str, status: int = 503, times: int = 1) -> None:
        """The next `times` calls get `status` with an HTML body, as Slack's edge sends."""
        self.html_errors.setdefault(method, []).extend([status] * times)

    def lose_response(self, method: str, times: int = 1) -> None:
        """Carry out the next `times` calls, then drop the connection before answering."""
        self.losses[method] = self.losses.get(method, 0) + times

    def _users(self, team: str) -> dict[str, dict[str, Any]]:
        return self.workspaces[team].users

    def _channel_ok(self, channel: str, team: str) -> bool:
        return channel in self.channels or channel.startswith("D") or channel in self._users(team)

    def _check_blocks(self, blocks: Any, limit: int = 50) -> str | None:
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except json.JSONDecodeError:
                return "invalid_blocks_format"
        if not isinstance(blocks, list) or len(blocks) > limit:
            return "invalid_blocks"
        for b in blocks:
            kind = b.get("type")
            if kind not in BLOCK_TYPES:
                return "invalid_blocks"
            if kind == "section":
                text = (b.get("text") or {}).get("text", "")
                fields = b.get("fields") or []
                if (
                    len(text) > 3000
                    or len(fields) > 10
                    or any(len(f.get("text", "")) > 2000 for f in fields)
                ):
                    return "invalid_blocks"
                if not text and not fields:
                    return "invalid_blocks"
            if kind == "header" and len((b.get("text") or {}).get("text", "")) > 150:
                return "invalid_blocks"
            if kind == "actions":
                elements = b.get("elements") or []
                if not 1 <= len(elements) <= 25:
                    return "invalid_blocks"
                for e in elements:
                    if (
                        e.get("type") == "button"
                        and len((e.get("text") or {}).get("text", "")) > 75
                    ):
                        return "invalid_blocks"
                    if len(e.get("action_id", "")) > 255:
                        return "invalid_blocks"
            if kind == "context" and not 1 <= len(b.get("elements") or []) <= 10:
                return "invalid_blocks"
        return None

    def _post(self, args: dict[str, Any], team: str, store: list[dict[str, Any]]) -> dict[str, Any]:
        channel = args.get("channel", "")
        if not self._channel_ok(channel, team) or channel in self.absent:
            return {"ok": False, "error": "channel_not_found"}
        text = args.get("text") or ""
        if len(text) > 40000:
            return {"ok": False, "error": "msg_too_long"}
        blocks = args.get("blocks")
        if blocks is not None:
            problem = self._check_blocks(blocks)
            if problem:
                return {"ok": False, "error": problem}
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        msg = {
            "ts": new_ts(),
            "channel": channel,
            "text": text,
            "blocks": blocks or [],
            "team": team,
            "thread_ts": args.get("thread_ts"),
            "user": args.get("user"),
        }
        if store is self.messages:
            msg["bot_id"] = BOT_ID  # as Slack marks every message an app posts
        metadata = args.get("metadata")
        if metadata:
            msg["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        store.append(msg)
        return {"channel": channel, "ts": msg["ts"], "message": msg}

    def api_auth_test(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        return {
            "url": "https://emulator.slack.com/",
            "team": "Crossings",
            "user": "crossings",
            "team_id": team,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def api_apps_connections_open(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        return {"url": f"ws://127.0.0.1:{self.port}/socket"}

    def api_chat_postMessage(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel.startswith("D") and channel[1:] in self.closed_dms:
            return {"ok": False, "error": "messages_tab_disabled"}
        return self._post(args, team, self.messages)

    def api_chat_postEphemeral(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        if args.get("user") not in self._users(team):
            return {"ok": False, "error": "user_not_in_channel"}
        result = self._post(args, team, self.ephemerals)
        return {"message_ts": result["ts"]} if result.get("ok", True) else result

    def api_chat_update(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        msg = next(
            (
                m
                for m in self.messages
                if m["ts"] == args.get("ts") and m["channel"] == args.get("channel")
            ),
            None,
        )
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        blocks = args.get("blocks")
        if blocks is not None:
            problem = self._check_blocks(blocks)
            if problem:
                return {"ok": False, "error": problem}
            msg["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
        msg["text"] = args.get("text", msg["text"])
        msg["edited"] = True
        return {"channel": msg["channel"], "ts": msg["ts"]}

    def api_chat_delete(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        msg = next(
            (
                m
                for m in self.messages
                if m["ts"] == args.get("ts") and m["channel"] == args.get("channel")
            ),
            None,
        )
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        if msg["channel"].startswith("D") and not msg.get("bot_id"):
            return {"ok": False, "error": "cant_delete_message"}  # a member's own, in a DM
        self.messages.remove(msg)
        return {"channel": msg["channel"], "ts": msg["ts"]}

    def api_conversations_open(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        users = str(args.get("users", "")).split(",")
        if not users or any(u not in self._users(team) for u in users):
            return {"ok": False, "error": "user_not_found"}
        return {"channel": {"id": "D" + "_".join(users)}}

    def api_conversations_replies(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        ts, channel = args.get("ts"), args.get("channel")
        found = [
            m
            for m in self.messages
            if m["channel"] == channel and (m["ts"] == ts or m.get("thread_ts") == ts)
        ]
        return {"messages": self._shown(found, args), "has_more": False}

    def api_conversations_history(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        channel = args.get("channel", "")
        if not self._channel_ok(channel, team) or channel in self.absent:
            return {"ok": False, "error": "channel_not_found"}
        limit = int(args.get("limit") or 100)
        latest = float(args.get("latest") or "inf")  # only messages before it, as Slack pages
        top = [
            m
            for m in self.messages
            if m["channel"] == channel and not m.get("thread_ts") and float(m["ts"]) < latest
        ]
        newest_first = list(reversed(top))[:limit]
        return {"messages": self._shown(newest_first, args), "has_more": len(top) > limit}

    @staticmethod
    def _shown(messages: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
        """Metadata is only returned when asked for, as Slack does."""
        if str(args.get("include_all_metadata", "")).lower() in ("1", "true"):
            return messages
        return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]

    def api_conversations_kick(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        if args.get("channel") not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        self.kicked.append((args["channel"], args.get("user", "")))
        return {}

    def api_users_info(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        u = self._users(team).get(args.get("user", ""))
        if not u:
            return {"ok": False, "error": "user_not_found"}
        # Slack returns a user's locale only when asked for it.
        include = str(args.get("include_locale", "")).lower() in ("1", "true")
        return {"user": {**u, "locale": self.locales.get(u["id"], "en-US")} if include else u}

    def api_reactions_add(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        return {}

    def api_files_getUploadURLExternal(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        length = int(args.get("length") or 0)
        if not args.get("filename") or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(_ids)}"
        self.uploads[file_id] = Upload(file_id, str(args["filename"]), length)
        url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
        return {"upload_url": url, "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown file")
        data = await request.read()
        if request.content_type.startswith("multipart/"):
            data = await self._multipart_file(request, data)
        upload.data = data
        return web.Response(status=200, text="OK - " + str(len(data)))

    @staticmethod
    async def _multipart_file(request: web.Request, raw: bytes) -> bytes:
        boundary = request.content_type and request.headers["Content-Type"].split("boundary=")[-1]
        parts = raw.split(b"--" + boundary.strip('"').encode())
        for part in parts:
            if b"\r\n\r\n" in part and b"filename" in part.split(b"\r\n\r\n", 1)[0]:
                return part.split(b"\r\n\r\n", 1)[1].rstrip(b"\r\n")
        return raw

    def api_files_completeUploadExternal(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        done = []
        for item in files:
            upload = self.uploads.get(item.get("id", ""))
            if upload is None or upload.data is None:
                return {"ok": False, "error": "file_not_found"}
            if len(upload.data) != upload.length:
                return {"ok": False, "error": "file_size_mismatch"}
            upload.title = item.get("title")
            upload.shared_to = args.get("channel_id") or args.get("channels")
            done.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        return {"files": done}

    def _check_view(self, view: Any) -> str | None:
        view = json.loads(view) if isinstance(view, str) else view
        title = (view.get("title") or {}).get("text", "")
        if view.get("type") != "modal" or not 1 <= len(title) <= 24:
            return "invalid_arguments"
        if len((view.get("submit") or {}).get("text", "")) > 24:
            return "invalid_arguments"
        return self._check_blocks(view.get("blocks"), limit=100)

    def _trigger(self) -> str:
        trigger = f"trig-{next(_ids)}"
        self.triggers[trigger] = time.monotonic()
        return trigger

    def trigger_age(self, trigger: str) -> float:
        return time.monotonic() - self.triggers[trigger]

    def api_users_list(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        users = list(self._users(team).values())
        return {"members": users, "response_metadata": {"next_cursor": ""}}

    def api_conversations_list(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        found = [
            {"id": cid, "name": name, "is_member": cid not in self.absent}
            for cid, name in self.channels.items()
        ]
        return {"channels": found, "response_metadata": {"next_cursor": ""}}

    def api_views_open(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        issued = self.triggers.get(args["trigger_id"])
        if issued is not None and time.monotonic() - issued > ACK_DEADLINE:
            return {"ok": False, "error": "expired_trigger_id"}
        problem = self._check_view(args.get("view"))
        if problem:
            return {"ok": False, "error": problem}
        view = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
        view = {**view, "id": f"V{next(_ids)}", "team_id": team}
        self.views.append(view)
        return {"view": view}

    def api_views_update(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        problem = self._check_view(args.get("view"))
        return {"ok": False, "error": problem} if problem else {"view": args.get("view")}

    def api_views_publish(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        self.views.append(
            {
                "home_for": args.get("user_id"),
                **(
                    json.loads(args["view"])
                    if isinstance(args.get("view"), str)
                    else args.get("view") or {}
                ),
            }
        )
        return {"view": args.get("view")}

    def api_oauth_v2_access(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        code = args.get("code", "")
        if not code.startswith("code-"):
            return {"ok": False, "error": "invalid_code"}
        new_team = code.removeprefix("code-")
        token = f"xoxb-{new_team}"
        self.workspaces.setdefault(new_team, Workspace(new_team, token))
        return {
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": BOT_USER,
            "app_id": "A0001",
            "team": {"id": new_team, "name": new_team},
            "enterprise": None,
            "authed_user": {"id": "UINSTALLER"},
            "is_enterprise_install": False,
        }

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        problem = self._check_blocks(body["blocks"]) if "blocks" in body else None
        if problem:
            return web.json_response({"ok": False, "error": problem})
        self.responses.append({"key": request.match_info["key"], **body})
        return web.json_response({"ok": True})

    # --- Socket Mode ------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        self.connections += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "emulator"},
                    "connection_info": {"app_id": "A0001"},
                }
            )
        )
        self.connected.set()
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                data = json.loads(frame.data)
                env = self.envelopes.get(data.get("envelope_id", ""))
                if env is not None and env.acked is None:
                    env.acked = time.monotonic()
                    env.response = data.get("payload")
                    if env.kind == "slash_commands":
                        self.command_answered(env.payload, env.response)
        finally:
            if ws in self.sockets:
                self.sockets.remove(ws)
            if not self.sockets:
                self.connected.clear()
        return ws

    async def push(
        self, kind: str, payload: dict[str, Any], accepts_response: bool = False
    ) -> Envelope:
        await asyncio.wait_for(self.connected.wait(), 10)
        env = Envelope(f"env-{next(_ids)}", kind, payload, time.monotonic())
        self.envelopes[env.id] = env
        frame = {
            "envelope_id": env.id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self._send_frame(frame)
        if kind == "events_api" and self.resend_after is not None:
            task = asyncio.get_running_loop().create_task(self._retry(env, frame))
            self._retrying.add(task)
            task.add_done_callback(self._retrying.discard)
        return env

    async def _send_frame(self, frame: dict[str, Any]) -> bool:
        """To the newest connection; False when it was gone (the app died meanwhile)."""
        if not self.sockets:
            return False
        try:
            await self.sockets[-1].send_str(json.dumps(frame))
        except (ConnectionError, RuntimeError):
            return False
        return True

    async def _retry(self, env: Envelope, frame: dict[str, Any]) -> None:
        """Slack's retries of an unacknowledged event: same event, a new envelope each time."""
        assert self.resend_after is not None
        for attempt, factor in enumerate(RETRY_SPACING[: self.max_retries], start=1):
            await asyncio.sleep(self.resend_after * factor)
            if env.acked is not None:
                return
            await self.connected.wait()
            again = {
                **frame,
                "envelope_id": f"env-{next(_ids)}",
                "retry_attempt": attempt,
                "retry_reason": "timeout",
            }
            self.envelopes[again["envelope_id"]] = env  # its ack acknowledges the event
            env.attempts += 1
            await self._send_frame(again)

    async def disconnect(self) -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        for ws in list(self.sockets):
            await ws.send_str(json.dumps({"type": "disconnect", "reason": "refresh_requested"}))

    async def acked(self, env: Envelope, timeout: float = ACK_DEADLINE) -> Envelope:
        deadline = time.monotonic() + timeout
        while env.acked is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"envelope {env.kind} not acknowledged within {timeout}s")
            await asyncio.sleep(0.01)
        return env

    # --- payload builders (what Slack would send) --------------------------------------------
    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/response/{next(_ids)}"

    def command_payload(
        self, user: str, channel: str, text: str, command: str = "/crossings", team: str = TEAM_ID
    ) -> dict[str, Any]:
        return {
            "token": "legacy",
            "team_id": team,
            "team_domain": "crossings",
            "channel_id": channel,
            "channel_name": self.channels.get(channel, "directmessage"),
            "user_id": user,
            "user_name": self._users(team)[user]["name"],
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "response_url": self.response_url(),
            "trigger_id": self._trigger(),
        }

    def edit_event(self, original: dict[str, Any], text: str) -> dict[str, Any]:
        """`message` with subtype `message_changed`, as Slack sends an edit."""
        envelope = self.message_event(original["user"], original["channel"], text)
        event = envelope["event"]
        self.messages.pop()  # an edit is not a new message
        envelope["event"] = {
            "type": "message",
            "subtype": "message_changed",
            "channel": original["channel"],
            "channel_type": original.get("channel_type", "channel"),
            "hidden": True,
            "ts": event["ts"],
            "event_ts": event["ts"],
            "message": {**original, "text": text, "edited": {"user": original["user"]}},
            "previous_message": original,
        }
        return envelope

    def message_event(
        self, user: str, channel: str, text: str, thread_ts: str | None = None, team: str = TEAM_ID
    ) -> dict[str, Any]:
        ts = new_ts()
        event = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": channel,
            "team": team,
            "channel_type": "im" if channel.startswith("D") else "channel",
            "event_ts": ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        self.messages.append(
            {
                "ts": ts,
                "channel": channel,
                "text": text,
                "user": user,
                "thread_ts": thread_ts,
                "blocks": [],
            }
        )
        return {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(_ids)}",
            "event_time": 1772438400,
            "authorizations": [
                {"team_id": team, "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}
            ],
        }

    def change_user(self, uid: str, team: str = TEAM_ID, **changes: Any) -> dict[str, Any]:
        """Change a member as a workspace admin would (`is_admin=False` to demote,
        `deleted=True` to deactivate). users.info answers the new state at once; returns the
        `user_change` event Slack sends for it (deliver it with `push` or `deliver_http`)."""
        user = self._users(team)[uid]
        profile = changes.pop("profile", None)
        if changes.get("is_admin") is False:
            changes.setdefault("is_owner", False)  # an owner is an admin too: demoted from both
        user.update(changes)
        if profile:
            user["profile"].update(profile)
        user["updated"] = int(time.time())
        return self.user_event("user_change", uid, team)

    def join_user(
        self, uid: str, name: str, admin: bool = False, team: str = TEAM_ID
    ) -> dict[str, Any]:
        """A new member of the workspace, and the `team_join` event Slack sends for them."""
        self.add_user(uid, name, admin, team)
        return self.user_event("team_join", uid, team)

    def user_event(self, kind: str, uid: str, team: str = TEAM_ID) -> dict[str, Any]:
        """`user_change` / `team_join` as the Events API carries them: the whole user object."""
        user = self._users(team)[uid]
        now = int(time.time())
        return {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A0001",
            "event": {
                "type": kind,
                "user": {**user, "profile": dict(user["profile"])},
                "cache_ts": now,
                "event_ts": new_ts(),
            },
            "type": "event_callback",
            "event_id": f"Ev{next(_ids)}",
            "event_time": now,
            "authorizations": [
                {"team_id": team, "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}
            ],
        }

    def _user(self, user: str, team: str) -> dict[str, Any]:
        return {"id": user, "username": self._users(team)[user]["name"], "team_id": team}

    def block_action(
        self,
        user: str,
        message: dict[str, Any],
        action_id: str,
        value: str | None = None,
        team: str = TEAM_ID,
    ) -> dict[str, Any]:
        action: dict[str, Any] = {"action_id": action_id, "block_id": "b", "action_ts": new_ts()}
        if value is None:
            action.update(
                {"type": "button", "value": action_id, "text": {"type": "plain_text", "text": "x"}}
            )
        else:
            action.update(
                {
                    "type": "static_select",
                    "selected_option": {
                        "value": value,
                        "text": {"type": "plain_text", "text": value},
                    },
                }
            )
        return {
            "type": "block_actions",
            "team": {"id": team, "domain": "crossings"},
            "user": self._user(user, team),
            "api_app_id": "A0001",
            "token": "legacy",
            "trigger_id": self._trigger(),
            "channel": {
                "id": message["channel"],
                "name": self.channels.get(message["channel"], ""),
            },
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": message["channel"],
            },
            "message": message,
            "response_url": self.response_url(),
            "actions": [action],
        }

    def shortcut(
        self, user: str, callback_id: str, message: dict[str, Any], team: str = TEAM_ID
    ) -> dict[str, Any]:
        return {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": team, "domain": "crossings"},
            "user": self._user(user, team),
            "channel": {
                "id": message["channel"],
                "name": self.channels.get(message["channel"], ""),
            },
            "message": {**message, "user": message.get("user")},
            "message_ts": message["ts"],
            "trigger_id": self._trigger(),
            "response_url": self.response_url(),
            "token": "legacy",
            "action_ts": new_ts(),
        }

    def view_submission(
        self, user: str, view: dict[str, Any], values: dict[str, str], team: str = TEAM_ID
    ) -> dict[str, Any]:
        state = {
            "values": {
                b["block_id"]: {
                    b["element"]["action_id"]: {
                        "type": "plain_text_input",
                        "value": values.get(b["element"]["action_id"]),
                    }
                }
                for b in view.get("blocks", [])
                if b.get("type") == "input"
            }
        }
        return {
            "type": "view_submission",
            "team": {"id": team, "domain": "crossings"},
            "user": self._user(user, team),
            "api_app_id": "A0001",
            "token": "legacy",
            "trigger_id": self._trigger(),
            "view": {
                **view,
                "state": state,
                "hash": "h",
                "private_metadata": view.get("private_metadata", ""),
            },
            "response_urls": [],
        }

    # --- signed HTTP delivery (HTTP mode) ----------------------------------------------------
    @staticmethod
    def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
        base = f"v0:{timestamp}:{body}".encode()
        return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()

    async def deliver_http(
        self,
        url: str,
        kind: str,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        body: str | None = None,
        retry: int = 0,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST a request to the bot's HTTP endpoint the way Slack signs it."""
        if body is None:
            if kind == "slash_commands":
                body = urlencode(payload)
            elif kind == "interactive":
                body = urlencode({"payload": json.dumps(payload)})
            else:
                body = json.dumps(payload)
        ts = timestamp if timestamp is not None else int(time.time())
        content_type = (
            "application/json" if kind == "events_api" else "application/x-www-form-urlencoded"
        )
        sent = {
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": self.sign(body, ts, secret),
            "Content-Type": content_type,
        }
        if retry:  # Slack resends an event it got no 200 for, with the same event_id
            sent.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        sent.update(headers or {})
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=body.encode(), headers=sent) as r,
        ):
            text = await r.text()
        if kind == "slash_commands" and r.status == 200 and r.content_type == "application/json":
            self.command_answered(payload, json.loads(text))
        return r.status, text

    def command_answered(self, command: dict[str, Any], ack: Any) -> dict[str, Any] | None:
        """A slash command's ack may carry a message (its response body, or the Socket Mode
        ack's payload): Slack shows it at once, to the member alone unless `response_type` is
        `in_channel`, wherever the command was typed. Returns the message as recorded."""
        if not isinstance(ack, dict) or not (ack.get("text") or ack.get("blocks")):
            return None
        problem = self._check_blocks(ack["blocks"]) if "blocks" in ack else None
        self.calls.append(Call("ack.response", ack, ok=problem is None, error=problem))
        if problem:
            return None
        public = ack.get("response_type") == "in_channel"
        msg = {
            "ts": new_ts(),
            "channel": command.get("channel_id", ""),
            "text": ack.get("text") or "",
            "blocks": ack.get("blocks") or [],
            "team": command.get("team_id", TEAM_ID),
            "thread_ts": None,
            "user": None if public else command.get("user_id"),
            "via": "ack",
        }
        (self.messages if public else self.ephemerals).append(msg)
        return msg

    # --- reading ----------------------------------------------------------------------------
    def posted(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel"] == channel and m.get("user") is None]

    def dms(self, user: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel"] == f"D{user}"]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]
