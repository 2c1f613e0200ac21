"""Refuse what Slack would never send with a 4xx and a short reason, never a traceback.

Bolt answers a body it cannot parse with a 500 and a traceback in the log. A request without
well-formed signing headers, with a body that is not UTF-8, JSON that is not an object, or an
interactive `payload` that is not a JSON object is refused here; Bolt then checks the signature
and age of what remains (401), and aiohttp refuses oversized bodies (413). After the signature
check, `refuse_incomplete` (a Bolt middleware, in both modes) refuses a request that lacks a
field its kind needs (400), before any listener or replay record sees it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refusal(status: int, reason: str) -> web.Response:
    log.info("refused a Slack request: %s", reason)
    return web.json_response({"error": reason}, status=status)


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def problem(headers: Any, content_type: str, raw: bytes) -> tuple[int, str] | None:
    """Why this request cannot be from Slack, or None."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or len(timestamp) > 12 or not signature.startswith("v0="):
        return 401, "missing or malformed signature headers"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return 400, "body is not UTF-8"
    if content_type == "application/json":
        return None if _json_object(text) else (400, "body is not a JSON object")
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(text, keep_blank_values=True)
        payload = form.get("payload")
        if payload is not None and not (len(payload) == 1 and _json_object(payload[0])):
            return 400, "payload is not a JSON object"
        return None
    return 415, "unsupported content type"


def refuse_malformed(path: str, signing_secret: str | None = None) -> Any:
    """An aiohttp middleware guarding Bolt's endpoint at `path`. With the signing secret, a
    correctly signed request that lacks a field its kind needs is refused here too: Slack's
    framework would otherwise fail on some of them (a view without its type) before any
    middleware of ours runs. A wrong signature is left to Bolt (401)."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        raw = await request.read()  # aiohttp keeps the body, so Bolt reads it again
        found = problem(request.headers, request.content_type, raw)
        if found is not None:
            return _refusal(*found)
        if verifier is not None and verifier.is_valid_request(raw, dict(request.headers)):
            field = missing_field(_parsed(request.content_type, raw.decode("utf-8")))
            if field is not None:
                return _refusal(400, f"missing field: {field}")
        return await handler(request)

    return middleware


def _parsed(content_type: str, text: str) -> dict[str, Any]:
    """The request's body as Bolt will see it (`problem` has checked its shape)."""
    if content_type == "application/json":
        return dict(json.loads(text))
    form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    return dict(json.loads(form["payload"])) if "payload" in form else form


# What each kind of request must carry for the adapter to act on it (dotted paths; a number is
# a list index). Slack always sends these; a signed request without one is refused with a 400
# naming the field, instead of failing inside a listener after a 200.
_ACTOR = ("team.id", "user.id")
REQUIRED: dict[str, tuple[str, ...]] = {
    "command": ("team_id", "user_id", "channel_id", "command"),
    "block_actions": (*_ACTOR, "trigger_id", "actions.0.action_id"),
    "message_action": (*_ACTOR, "trigger_id", "callback_id", "channel.id", "message.ts"),
    "shortcut": (*_ACTOR, "trigger_id", "callback_id"),
    "view_submission": (*_ACTOR, "view.id", "view.type", "view.callback_id", "view.state.values"),
    "view_closed": (*_ACTOR, "view.id", "view.type", "view.callback_id"),
    "event_callback": ("team_id", "event_id", "event.type"),
}
# Within an event callback, by the event's type (a message with a subtype is an edit, a
# deletion or a bot's post, each with its own shape).
EVENT_REQUIRED: dict[str, tuple[str, ...]] = {
    "message": ("event.channel", "event.ts", "event.user"),
    "message_changed": ("event.channel", "event.message.ts"),
    "member_joined_channel": ("event.channel", "event.user"),
    "app_home_opened": ("event.user",),
    "user_change": ("event.user.id",),
    "team_join": ("event.user.id",),
}


def _present(body: Any, path: str) -> bool:
    node = body
    for step in path.split("."):
        if isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return False
    return node not in (None, "", [], {}) or path.endswith(".values")


def _kind(body: dict[str, Any]) -> str:
    if "command" in body and "type" not in body:
        return "command"
    return str(body.get("type") or "")


def _event_kind(body: dict[str, Any]) -> str:
    event = body.get("event")
    if not isinstance(event, dict):
        return ""
    kind = str(event.get("type") or "")
    if kind == "message" and event.get("bot_id") and not event.get("subtype"):
        return ""  # another app's post: no member to act for
    if kind == "message" and event.get("subtype"):
        return "message_changed" if event["subtype"] == "message_changed" else ""
    return kind


def missing_field(body: Any) -> str | None:
    """The first field this request lacks, or None. Kinds the adapter does not handle pass
    (Bolt answers them itself)."""
    if not isinstance(body, dict):
        return None
    kind = _kind(body)
    paths = REQUIRED.get(kind, ())
    if kind == "event_callback":
        paths = (*paths, *EVENT_REQUIRED.get(_event_kind(body), ()))
    return next((p for p in paths if not _present(body, p)), None)


async def refuse_incomplete(req: Any, resp: Any, next: Callable[[], Awaitable[Any]]) -> Any:
    """A Bolt middleware (after the signature check): a request without a field its kind needs
    gets a 400 with the field's name, and no listener sees it."""
    field = missing_field(req.body)
    if field is None:
        return await next()
    log.info("refused a Slack request: missing field: %s", field)
    if getattr(req, "mode", "http") == "socket_mode":
        # Over a socket there is no status to send: only an acknowledgement stops Slack from
        # delivering the same broken envelope again, so it is acknowledged and dropped.
        return BoltResponse(status=200, body="")
    body = json.dumps({"error": f"missing field: {field}"})
    return BoltResponse(status=400, body=body, headers={"content-type": "application/json"})
