"""Discord's rate limits, as the emulator enforces them (discord.com/developers/docs/topics/
rate-limits): a global limit of 50 requests a second per bot token (interaction endpoints are not
counted), per-route buckets keyed by the route and its major parameter (a channel, a guild, a
webhook) with their `X-RateLimit-*` headers on every answer, and the invalid request limit:
10,000 answers of 401, 403 or 429 (except 429s of a shared bucket) in 10 minutes and the address
is banned for an hour (answered by the edge with a 429 carrying no rate-limit headers)."""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import dataclass, field

GLOBAL_PER_SECOND = 50
INVALID_LIMIT = 10_000
INVALID_WINDOW = 600.0
BAN_SECONDS = 3600.0
MAJOR = ("channels", "guilds", "webhooks")


@dataclass(frozen=True)
class RouteLimit:
    limit: int
    per: float


# Message creates: 5 per 5 s in a channel; reactions: 1 per 0.25 s; the rest generously.
ROUTE_LIMITS: dict[tuple[str, str], RouteLimit] = {
    ("POST", "/channels/{channel}/messages"): RouteLimit(5, 5.0),
    ("PUT", "/channels/{channel}/messages/{message}/reactions/{emoji}/@me"): RouteLimit(1, 0.25),
}
DEFAULT_ROUTE = RouteLimit(50, 1.0)


@dataclass
class _Bucket:
    limit: RouteLimit
    used: int = 0
    resets_at: float = 0.0


@dataclass
class Verdict:
    """What the limits say about one request: headers for its answer, or a 429 to send."""

    headers: dict[str, str] = field(default_factory=dict)
    limited: dict[str, object] | None = None  # the 429's body
    banned: bool = False


class RateLimits:
    def __init__(self, enforce: bool = True) -> None:
        self.enforce = enforce
        self.global_per_second = GLOBAL_PER_SECOND
        self.invalid_limit = INVALID_LIMIT
        self._buckets: dict[str, _Bucket] = {}
        self._global: deque[float] = deque()
        self._invalid: deque[float] = deque()
        self.banned_until = 0.0
        self.rate_limited = 0  # 429s answered, of any scope
        self.limited_at: list[float] = []  # when (wall clock) each was answered
        self.global_limited = 0

    @staticmethod
    def bucket_key(method: str, template: str, params: dict[str, str]) -> str:
        major = next((params[p[:-1]] for p in MAJOR if p[:-1] in params), "")
        return f"{method} {template} {major}"

    def check(self, method: str, template: str, params: dict[str, str], counted: bool) -> Verdict:
        """Before a request is carried out. `counted`: it counts against the global limit."""
        now = time.monotonic()
        if now < self.banned_until:
            return Verdict(banned=True)
        if not self.enforce:
            return Verdict()
        if counted and not self._global_room(now):
            self.global_limited += 1
            retry = max(self._global[0] + 1.0 - now, 0.001)
            return self._limited(retry, "global", {"X-RateLimit-Global": "true"})
        bucket = self._bucket(method, template, params, now)
        if bucket.used >= bucket.limit.limit:
            return self._limited(bucket.resets_at - now, "user", self._headers(bucket, now))
        bucket.used += 1
        if counted:
            self._global.append(now)
        return Verdict(headers=self._headers(bucket, now, template, method))

    def _global_room(self, now: float) -> bool:
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        return len(self._global) < self.global_per_second

    def _bucket(self, method: str, template: str, params: dict[str, str], now: float) -> _Bucket:
        key = self.bucket_key(method, template, params)
        bucket = self._buckets.get(key)
        if bucket is None:
            limit = ROUTE_LIMITS.get((method, template), DEFAULT_ROUTE)
            bucket = self._buckets[key] = _Bucket(limit)
        if now >= bucket.resets_at:
            bucket.used, bucket.resets_at = 0, now + bucket.limit.per
        return bucket

    @staticmethod
    def _headers(
        bucket: _Bucket, now: float, template: str = "", method: str = ""
    ) -> dict[str, str]:
        reset_after = max(bucket.resets_at - now, 0.0)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit.limit),
            "X-RateLimit-Remaining": str(max(bucket.limit.limit - bucket.used, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }
        if template:
            digest = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]
            headers["X-RateLimit-Bucket"] = digest
        return headers

    def _limited(self, retry: float, scope: str, headers: dict[str, str]) -> Verdict:
        self.rate_limited += 1
        self.limited_at.append(time.time())
        retry = round(max(retry, 0.001), 3)
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry,
            "global": scope == "global",
        }
        headers = {**headers, "Retry-After": str(retry), "X-RateLimit-Scope": scope}
        return Verdict(headers=headers, limited=body)

    def answered(self, status: int, headers: dict[str, str]) -> None:
        """After an answer: count it if Discord counts it as invalid."""
        shared = headers.get("X-RateLimit-Scope") == "shared"
        if status in (401, 403) or (status == 429 and not shared):
            now = time.monotonic()
            self._invalid.append(now)
            while self._invalid and self._invalid[0] <= now - INVALID_WINDOW:
                self._invalid.popleft()
            if len(self._invalid) >= self.invalid_limit:
                self.banned_until = now + BAN_SECONDS

    @property
    def invalid_requests(self) -> int:
        """Invalid answers within the last 10 minutes."""
        now = time.monotonic()
        return sum(1 for t in self._invalid if t > now - INVALID_WINDOW)
