"""Pacing outbox sends at each platform's own rates, and the lanes that keep them in order.

A platform declares its limits (`Platform.pacing()`): how many messages a channel may take in a
window (Discord: 5 per 5 s; Slack: about one a second), how many requests the bot may make
overall (Discord: 50 a second), and how many sends may be in flight at once. The outbox asks the
`Limiter` for a slot before each send, so a burst goes out at the platform's pace instead of
running into 429s; a 429 that still comes back blocks only its own channel for `retry_after`.

A *lane* is what must stay in order: one channel (or thread), one member's DMs. Entries of one
lane go out one after another in the order they were stored; different lanes go in parallel.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.kernel import actions as a


@dataclass(frozen=True)
class Rate:
    """At most `count` sends in any `per` seconds (a sliding window, as Discord counts)."""

    count: int
    per: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.per <= 0:
            raise ValueError("a rate needs count >= 1 and per > 0")


@dataclass(frozen=True)
class Limits:
    """What a platform accepts: per channel (lane), overall, per kind of action in a community
    (Slack's method tiers, counted per workspace), and sends in flight at once."""

    per_channel: Rate | None = None
    overall: Rate | None = None
    concurrency: int = 8
    per_kind: tuple[tuple[str, Rate], ...] = ()

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")

    def per_kind_rate(self, kind: str) -> Rate | None:
        """The rate of this kind of action (an action's class name) in one community."""
        return dict(self.per_kind).get(kind) if kind else None


NO_LIMITS = Limits()


_EPSILON = 1e-9  # (t + per) - t can come out a hair short of per in floating point


@dataclass
class _Window:
    """Grant times of one bucket, sorted. A bucket may book a slot later than slots booked
    after it (the overall bucket, when one channel is waiting for its own window), so a new
    slot is checked against its neighbours on both sides, not only the last one."""

    rate: Rate
    grants: list[float] = field(default_factory=list)
    blocked_until: float = 0.0

    def earliest(self, at: float) -> float:
        """The first moment at or after `at` where one more grant keeps every window of
        `rate.per` seconds at `rate.count` grants or fewer."""
        at = max(at, self.blocked_until)
        while True:
            crowded = self._crowded_since(at)
            if crowded is None:
                return at
            at = crowded + self.rate.per

    def _crowded_since(self, at: float) -> float | None:
        """The first booked grant of a run that, with one more at `at`, would put `count` + 1
        grants within less than `per`; moving `at` to it plus `per` ends that run."""
        count, per = self.rate.count, self.rate.per
        where = bisect.bisect_right(self.grants, at)
        merged = [*self.grants[max(0, where - count) : where], at]
        merged += self.grants[where : where + count]
        spot = min(where, count)  # the index of `at` in merged
        for first in range(max(0, spot - count), spot + 1):
            last = first + count
            if last < len(merged) and merged[last] - merged[first] < per - _EPSILON:
                return merged[first] if first != spot else merged[first + 1]
        return None

    def grant(self, at: float, now: float) -> None:
        bisect.insort(self.grants, at)
        keep = bisect.bisect_left(self.grants, now - self.rate.per)
        if keep:
            del self.grants[:keep]

    def last_used(self) -> float:
        return max(self.grants[-1] if self.grants else 0.0, self.blocked_until)


class Limiter:
    """Sliding-window slots per bucket, handed out in order. Not thread-safe: one event loop.

    `reserve` books a slot in every bucket a send counts against (its lane and the platform
    overall) at the first moment all of them allow, and says how long to wait for it. A slot
    further away than `max_wait` is not booked. A channel waiting for its own window books its
    overall slot then, and the sends of other channels still fit in before it.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._windows: dict[Hashable, _Window] = {}
        self._held: dict[str, float] = {}  # platform -> nothing goes before (a global 429)

    def _window(self, key: Hashable, rate: Rate) -> _Window:
        window = self._windows.get(key)
        if window is None or window.rate != rate:
            window = self._windows[key] = _Window(rate)
        return window

    def _buckets(
        self,
        platform: str,
        lane: str,
        limits: Limits,
        channel: bool = True,
        kind: str = "",
        community: str = "",
    ) -> list[_Window]:
        buckets = []
        method = limits.per_kind_rate(kind)
        if method is not None:
            buckets.append(self._window((platform, "kind", community, kind), method))
        if limits.per_channel is not None and channel:
            buckets.append(self._window((platform, "lane", lane), limits.per_channel))
        if limits.overall is not None:
            buckets.append(self._window((platform, "overall"), limits.overall))
        return buckets

    def reserve(
        self,
        platform: str,
        lane: str,
        limits: Limits,
        max_wait: float = float("inf"),
        channel: bool = True,
        *,
        kind: str = "",
        community: str = "",
        cost: int = 1,
    ) -> float | None:
        """Seconds to wait before sending (0 for now), the slot booked; None when the first
        slot is more than `max_wait` away (nothing booked). `channel=False`: a request that is
        not a new message, which only the overall bucket counts. `kind` and `community`: the
        action's class name and its community, for the per-kind rates. `cost`: the requests
        the send makes; the overall bucket books one slot for each, the send waits for the
        last."""
        buckets = self._buckets(platform, lane, limits, channel, kind, community)
        now = self.monotonic()
        at = self._first_fit(buckets, max(now, self._held.get(platform, 0.0)))
        if at - now > max_wait:
            return None
        for bucket in buckets:
            bucket.grant(at, now)
        overall = [self._window((platform, "overall"), limits.overall)] if limits.overall else []
        for _ in range(cost - 1 if overall else 0):
            at = self._first_fit(overall, at)
            for bucket in overall:
                bucket.grant(at, now)
        return at - now

    def wait_for(self, platform: str, lane: str, limits: Limits) -> float:
        """Seconds until a send in this lane could go, without booking it."""
        now = self.monotonic()
        held = max(now, self._held.get(platform, 0.0))
        return self._first_fit(self._buckets(platform, lane, limits), held) - now

    @staticmethod
    def _first_fit(buckets: list[_Window], now: float) -> float:
        """The first moment every bucket has room, found by moving to each one's next fit."""
        at = now
        while True:
            later = max((b.earliest(at) for b in buckets), default=at)
            if later == at:
                return at
            at = later

    def block(self, platform: str, lane: str, seconds: float, limits: Limits) -> None:
        """A 429 for this lane: nothing more goes to it for `seconds`; other lanes carry on."""
        rate = limits.per_channel or Rate(1, 1.0)
        window = self._window((platform, "lane", lane), rate)
        window.blocked_until = max(window.blocked_until, self.monotonic() + max(seconds, 0.0))

    def block_overall(self, platform: str, seconds: float) -> None:
        """A 429 for the whole bot token (Discord's global limit): nothing goes for `seconds`."""
        until = self.monotonic() + max(seconds, 0.0)
        self._held[platform] = max(self._held.get(platform, 0.0), until)

    def capacity(self, platform: str, limits: Limits, horizon: float) -> int | None:
        """How many sends the overall bucket allows within `horizon` seconds (None: no bound),
        so a batch is not leased bigger than it can send."""
        rate = limits.overall
        if rate is None:
            return None
        window = self._window((platform, "overall"), rate)
        now = self.monotonic()
        used = sum(1 for t in window.grants if t > now - rate.per)
        return max(0, rate.count - used) + int(rate.count * horizon / rate.per)

    def forget_idle(self, older_than: float = 600.0) -> None:
        """Drop buckets nobody used for a while, so a bot in many channels stays small."""
        cutoff = self.monotonic() - older_than
        for key in [k for k, w in self._windows.items() if self._idle(w, cutoff)]:
            del self._windows[key]

    @staticmethod
    def _idle(window: _Window, cutoff: float) -> bool:
        return window.last_used() < cutoff

    def __len__(self) -> int:
        return len(self._windows)


# --- lanes ------------------------------------------------------------------------------------
LANE_LENGTH = 120


def lane_of(action: a.Action) -> str:
    """What this action must stay in order with (and is paced as)."""
    user = getattr(action, "user_id", None)
    if isinstance(action, a.SendPrivate | a.PublishHome) and user:
        return _clip(f"dm:{user}")
    target = action.place.target
    if target:
        return _clip(f"ch:{target}")
    return _clip(f"member:{user}") if user else ""


# Actions that post a new message: the only ones a channel's rate counts (Slack's one a second
# and Discord's five in five seconds are about posting; an edit of the queue card, a deletion or
# a reaction keeps its lane's order but not its pace).
MESSAGE_ACTIONS = (a.Post, a.SendPrivate, a.StartThread)


def posts_a_message(action: a.Action | object) -> bool:
    """Whether an action posts a new message (anything that is not an action counts, to be
    safe)."""
    return isinstance(action, MESSAGE_ACTIONS) or not isinstance(action, a.Action)


def lane_of_payload(payload: str) -> str:
    """The lane of a stored action (codec JSON), read without building the action."""
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    return _lane_of_json(data) if isinstance(data, dict) else ""


def _lane_of_json(data: dict[str, Any]) -> str:
    user = data.get("user_id")
    if data.get("__t") in ("SendPrivate", "PublishHome") and user:
        return _clip(f"dm:{user}")
    place = data.get("place") or {}
    target = place.get("thread") or place.get("channel") if isinstance(place, dict) else None
    if target:
        return _clip(f"ch:{target}")
    return _clip(f"member:{user}") if user else ""


def _clip(lane: str) -> str:
    return lane[:LANE_LENGTH]


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def lanes_in_order(items: Iterable[tuple[K, V]]) -> dict[K, list[V]]:
    """Group (lane, item) pairs by lane, keeping each lane's items in the order given."""
    grouped: dict[K, list[V]] = {}
    for lane, item in items:
        grouped.setdefault(lane, []).append(item)
    return grouped
