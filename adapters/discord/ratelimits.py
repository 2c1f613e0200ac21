"""What Discord's rate-limit headers say, passed on to the outbox's limiter (shared by every
process on PostgreSQL, bot.kernel.rate_budget).

discord.py keeps Discord's buckets per process: it waits out a bucket whose
`X-RateLimit-Remaining` reached 0 and retries a 429 itself. Other processes on the same token
know nothing of either. Each response's headers are read here (an aiohttp trace on the client's
session) and the outbox's budget told: a global 429 holds every send of the bot for
`retry_after`, a route's 429 or an exhausted bucket holds that channel's lane until it resets.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp

from bot.kernel.pacing import Limiter, Limits

log = logging.getLogger(__name__)

_CHANNEL = re.compile(r"/channels/(\d{1,20})(?:/|$)")


def channel_of(url: str) -> str | None:
    m = _CHANNEL.search(url)
    return m.group(1) if m else None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class HeaderWatch:
    """Reads one response's rate-limit headers and holds the outbox's buckets accordingly."""

    def __init__(self, platform: str, limiter: Callable[[], Limiter], limits: Limits) -> None:
        self.platform = platform
        self.limiter = limiter  # looked up per response: the outbox may be given another
        self.limits = limits
        self.global_429s = 0
        self.route_429s = 0

    def seen(self, url: str, status: int, headers: Any) -> None:
        channel = channel_of(url)
        if status == 429:
            self._rate_limited(channel, headers)
        elif headers.get("X-RateLimit-Remaining") == "0" and channel is not None:
            reset = _seconds(headers.get("X-RateLimit-Reset-After"))
            if reset:
                self.limiter().block(self.platform, f"ch:{channel}", reset, self.limits)

    def _rate_limited(self, channel: str | None, headers: Any) -> None:
        retry = _seconds(headers.get("Retry-After")) or _seconds(
            headers.get("X-RateLimit-Reset-After")
        )
        if retry is None:
            return
        scope = headers.get("X-RateLimit-Scope", "")
        if scope == "global" or headers.get("X-RateLimit-Global", "").lower() == "true":
            self.global_429s += 1
            log.warning("discord: global rate limit; every process holds %.2fs", retry)
            self.limiter().block_overall(self.platform, retry)
        elif channel is not None:
            self.route_429s += 1
            self.limiter().block(self.platform, f"ch:{channel}", retry, self.limits)

    def trace(self) -> aiohttp.TraceConfig:
        """The trace to give discord.py's HTTP session (`Client(http_trace=...)`)."""
        config = aiohttp.TraceConfig()

        async def on_end(
            _session: aiohttp.ClientSession,
            _context: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            response = params.response
            self.seen(str(params.url), response.status, response.headers)

        config.on_request_end.append(on_end)
        return config
