"""One rate budget per bot token, shared by every process on one PostgreSQL database.

Discord counts its limits per bot token and Slack its method tiers per workspace and app, not
per process: three processes pacing themselves at 50 requests a second would together send 150.
`SharedLimiter` keeps each bucket (a platform overall, a lane, a method in a workspace) as one
row of `rate_buckets` holding the bucket's next free slot on the database's clock, and books a
slot with one statement (a generic cell rate algorithm: the slot is the later of now and the
row's time, and the row moves on by `per / count`). The pace is smooth, one send every
`per / count` seconds, so no window of `per` seconds ever holds more than `count` sends however
the processes interleave. A 429 seen by any process moves the bucket's row past `retry_after`,
so every process waits it out. SQLite keeps the in-process `Limiter` (one process per file).

It answers the same questions as `bot.kernel.pacing.Limiter`, so the outbox uses either.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

from bot.kernel.pacing import Limiter, Limits, Rate
from bot.kernel.store import Store

log = logging.getLogger(__name__)

# The database's clock, so processes on different machines agree on "now".
_NOW = "extract(epoch from clock_timestamp())"

# Book the slot at or after :at (never before the database's now): the row moves on by one
# interval. With :max_wait, nothing is booked (no row returned) when the slot is further away.
_BOOK = text(
    f"""
    INSERT INTO rate_buckets AS b (key, tat)
    VALUES (:key, GREATEST(:at, {_NOW}) + :step)
    ON CONFLICT (key) DO UPDATE
       SET tat = GREATEST(b.tat, :at, {_NOW}) + :step
     WHERE GREATEST(b.tat, :at, {_NOW}) - {_NOW} <= :max_wait
    RETURNING b.tat - :step AS slot, {_NOW} AS now
    """
)
_PEEK = text(
    f"SELECT GREATEST(MAX(tat), {_NOW}) - {_NOW} FROM rate_buckets WHERE key IN :keys"
).bindparams(bindparam("keys", expanding=True))
_BLOCK = text(
    f"""
    INSERT INTO rate_buckets AS b (key, tat) VALUES (:key, {_NOW} + :seconds)
    ON CONFLICT (key) DO UPDATE SET tat = GREATEST(b.tat, {_NOW} + :seconds)
    """
)
_CAPACITY = text(f"SELECT GREATEST(MAX(tat), {_NOW}) - {_NOW} FROM rate_buckets WHERE key = :key")
_FORGET = text(f"DELETE FROM rate_buckets WHERE tat < {_NOW} - :older_than")

_FAR = 1e9  # "no bound" for max_wait, in seconds
# Slots a hair wider than the rate: a request delayed on its way by a few milliseconds must
# not land in the same window as the one `count` slots after it.
SPACING = 1.02


def key_of(*parts: Hashable) -> str:
    return ":".join(str(p) for p in parts)[:200]


class SharedLimiter(Limiter):
    """Slots booked in the database, one statement per bucket. Methods run on the event loop
    thread and take a pooled connection each (a fraction of a millisecond on a local server)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def _keys(
        self, platform: str, lane: str, limits: Limits, channel: bool, kind: str, community: str
    ) -> list[tuple[str, Rate]]:
        """The buckets a send counts against, the overall one first (it binds most often)."""
        keys: list[tuple[str, Rate]] = []
        if limits.overall is not None:
            keys.append((key_of(platform, "overall"), limits.overall))
        method = limits.per_kind_rate(kind)
        if method is not None:
            keys.append((key_of(platform, "kind", community, kind), method))
        if limits.per_channel is not None and channel:
            keys.append((key_of(platform, "lane", lane), limits.per_channel))
        return keys

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
        """As `Limiter.reserve`; a send of `cost` requests takes that many intervals of the
        overall bucket (its requests follow one another, each within the pace)."""
        keys = self._keys(platform, lane, limits, channel, kind, community)
        if not keys:
            return 0.0
        overall = key_of(platform, "overall")
        steps = [
            (key, rate.per / rate.count * (cost if key == overall else 1)) for key, rate in keys
        ]
        with self.engine.begin() as conn:
            return _book_all(conn, steps, min(max_wait, _FAR))

    def wait_for(self, platform: str, lane: str, limits: Limits) -> float:
        keys = [key for key, _ in self._keys(platform, lane, limits, True, "", "")]
        if not keys:
            return 0.0
        with self.engine.connect() as conn:
            found = conn.execute(_PEEK, {"keys": keys}).scalar()
        return max(float(found or 0.0), 0.0)

    def block(self, platform: str, lane: str, seconds: float, limits: Limits) -> None:
        """A 429 for this lane: every process holds the lane for `seconds`."""
        self._block(key_of(platform, "lane", lane), seconds)

    def block_overall(self, platform: str, seconds: float) -> None:
        """A 429 for the whole bot token (Discord's global limit): every process waits."""
        self._block(key_of(platform, "overall"), seconds)

    def _block(self, key: str, seconds: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(_BLOCK, {"key": key, "seconds": max(seconds, 0.0)})

    def capacity(self, platform: str, limits: Limits, horizon: float) -> int | None:
        """Sends the shared overall bucket has room for within `horizon` seconds, counting what
        the other processes have booked already."""
        rate = limits.overall
        if rate is None:
            return None
        with self.engine.connect() as conn:
            ahead = conn.execute(_CAPACITY, {"key": key_of(platform, "overall")}).scalar()
        room = horizon - max(float(ahead or 0.0), 0.0)
        return max(0, int(room * rate.count / rate.per) + 1) if room > 0 else 0

    def forget_idle(self, older_than: float = 600.0) -> None:
        with self.engine.begin() as conn:
            conn.execute(_FORGET, {"older_than": older_than})

    def __len__(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM rate_buckets")).scalar() or 0)


def _book_all(conn: Any, keys: list[tuple[str, float]], max_wait: float) -> float | None:
    """Book one slot in every bucket at the first moment all of them allow. A bucket that makes
    the send later than an earlier bucket's slot books that earlier bucket again at the later
    time (the first slot is left unused: a send never goes before a slot it booked)."""
    at = 0.0
    now = 0.0
    booked: dict[str, float] = {}
    for _ in range(4):  # a later slot in one bucket can move another once; never for long
        for key, step in keys:
            if booked.get(key, -1.0) >= at:
                continue
            row = conn.execute(
                _BOOK, {"key": key, "at": at, "step": step * SPACING, "max_wait": max_wait}
            ).first()
            if row is None:
                return None
            booked[key], now = float(row.slot), float(row.now)
            at = max(at, booked[key])
        if all(slot >= at for slot in booked.values()):
            return max(at - now, 0.0)
    log.warning("rate budget: buckets %s kept moving; sending at the latest slot", keys)
    return max(at - now, 0.0)


def limiter_for(store: Store) -> Limiter:
    """The shared budget on PostgreSQL; in the process on SQLite (one process per file)."""
    return Limiter() if store.is_sqlite else SharedLimiter(store.engine)
