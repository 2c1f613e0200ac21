"""HTTP mode: refuse what Slack would never send with a 4xx, before Bolt parses anything.

Bolt answers a body it cannot parse with a 500 and a traceback in the log. A request without
well-formed signing headers, with a body that is not UTF-8, JSON that is not an object, or an
interactive `payload` that is not a JSON object is refused here; Bolt then checks the signature
and age of what remains (401), and aiohttp refuses oversized bodies (413).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

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


def refuse_malformed(path: str) -> Any:
    """An aiohttp middleware guarding Bolt's endpoint at `path`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        raw = await request.read()  # aiohttp keeps the body, so Bolt reads it again
        found = problem(request.headers, request.content_type, raw)
        if found is not None:
            return _refusal(*found)
        return await handler(request)

    return middleware
