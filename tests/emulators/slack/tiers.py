"""Slack's Web API method tiers, as the emulator enforces them (api.slack.com/apis/rate-limits):
each method's calls are counted per app per workspace in a sliding minute, at the floor of its
tier (Tier 2: 20, Tier 3: 50, Tier 4: 100 a minute); past it the call is answered 429
`ratelimited` with Retry-After. chat.postMessage's own limit (about one a second in a channel,
short bursts allowed) is not a tier and is left to the tests that inject it."""

from __future__ import annotations

import math
import time
from collections import deque

TIER_2, TIER_3, TIER_4 = 20, 50, 100
WINDOW = 60.0

METHOD_TIERS: dict[str, int] = {
    "conversations.list": TIER_2,
    "users.list": TIER_2,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.open": TIER_3,
    "conversations.kick": TIER_3,
    "reactions.add": TIER_3,
    "chat.postEphemeral": TIER_4,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.update": TIER_4,
    "users.info": TIER_4,
}


class Tiers:
    def __init__(self, enforce: bool = True) -> None:
        self.enforce = enforce
        self.limits = dict(METHOD_TIERS)
        self._calls: dict[tuple[str, str], deque[float]] = {}
        self.rate_limited = 0

    def retry_after(self, workspace: str, method: str) -> int | None:
        """None when the call may go (and it is counted); else the seconds Slack would ask for."""
        limit = self.limits.get(method)
        if not self.enforce or limit is None:
            return None
        now = time.monotonic()
        calls = self._calls.setdefault((workspace, method), deque())
        while calls and calls[0] <= now - WINDOW:
            calls.popleft()
        if len(calls) >= limit:
            self.rate_limited += 1
            return max(1, math.ceil(calls[0] + WINDOW - now))
        calls.append(now)
        return None
