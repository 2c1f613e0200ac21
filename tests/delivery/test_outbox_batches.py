"""The outbox in batches, on SQLite and PostgreSQL: a batch is leased and settled in a few
statements, each channel's entries go out in order while channels go in parallel, a retry holds
back only its own channel, a process killed mid-batch leaves its entries to be sent again with
the same idempotency key, processes sharing a database keep a channel in order, and a paced
platform gets a burst without a 429."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlmodel import select

from bot.kernel import actions as a
from bot.kernel.delivery.idempotency import current
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Actor, Place
from bot.kernel.message import Message
from bot.kernel.pacing import Limits, Rate
from bot.kernel.platform import Platform, handles
from bot.kernel.store import Store
from bot.kernel.store.models import OutboxEntry

pytestmark = [pytest.mark.delivery, pytest.mark.scheduling]

ROOT = Path(__file__).resolve().parents[2]


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Sent:
    lane: str
    body: str
    key: str
    uncertain: bool


@dataclass
class Recorder(Platform):
    """Accepts posts and DMs after a short random delay, keeps what it got in order, honours
    the idempotency key as Discord honours a nonce, and fails the bodies it is told to."""

    name = "rec"
    limits: Limits = field(default_factory=Limits)
    latency: float = 0.004
    failures: dict[str, list[a.ActionResult]] = field(default_factory=dict)
    enforce: bool = False  # answer 429 to a send beyond the declared rates
    sent: list[Sent] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    repeats: int = 0
    rate_limited: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def pacing(self) -> Limits:
        return self.limits

    @handles(a.Post, a.SendPrivate)
    async def accept(self, action: a.Action) -> a.ActionResult:
        assert isinstance(action, a.Post | a.SendPrivate)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.rng.uniform(0, self.latency))
            return self._take(action)
        finally:
            self.in_flight -= 1

    def _take(self, action: a.Post | a.SendPrivate) -> a.ActionResult:
        lane = f"dm:{action.user_id}" if isinstance(action, a.SendPrivate) else action.place.channel
        body = action.message.text
        if self.enforce and self._over_rate(lane or ""):
            self.rate_limited += 1
            return a.ActionResult.failed("429", retryable=True, retry_after=0.5)
        if self.failures.get(body):
            return self.failures[body].pop(0)
        attempt = current()
        assert attempt is not None
        if attempt.key in self.keys:
            self.repeats += 1  # the platform returns what it already made
            return a.ActionResult(ok=True, message_id=f"m-{body}")
        self.keys.add(attempt.key)
        self.sent.append(Sent(lane or "", body, attempt.key, attempt.uncertain))
        return a.ActionResult(ok=True, message_id=f"m-{body}")

    def _over_rate(self, lane: str) -> bool:
        """As a platform counts: the sends it received in the last window. The windows are
        shortened by a fifth, the most a send may arrive late after its slot on a busy
        machine, so only a real storm counts."""
        t = time.monotonic()
        checks = [(lane, self.limits.per_channel), ("*", self.limits.overall)]
        for bucket, rate in checks:
            if rate is None:
                continue
            recent = [x for x in self.arrivals[bucket] if x > t - rate.per * 0.8]
            if len(recent) >= rate.count:
                return True
        for bucket, _ in checks:
            self.arrivals[bucket].append(t)
        return False

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this test platform cannot tell

    def bodies(self) -> dict[str, list[str]]:
        lanes: dict[str, list[str]] = defaultdict(list)
        for s in self.sent:
            lanes[s.lane].append(s.body)
        return dict(lanes)


def post(channel: str, body: str) -> a.Post:
    return a.Post(Place("rec", "c1", channel), Message(text=body))


def dm(user: str, body: str) -> a.SendPrivate:
    return a.SendPrivate(Place("rec", "c1"), user, Message(text=body))


def enqueue(store: Store, actions: list[a.Action], at: datetime | None = None) -> None:
    outbox = Outbox(store, {})
    with store.session() as s:
        for action in actions:
            outbox.enqueue(s, action, at or now(), kind="test")


def interleaved(channels: int, per_channel: int) -> list[a.Action]:
    """Round robin over the channels, so consecutive ids belong to different channels."""
    return [post(f"ch{c}", f"ch{c}-{i}") for i in range(per_channel) for c in range(channels)]


def statuses(store: Store) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    with store.session() as s:
        for entry in s.exec(select(OutboxEntry)).all():
            counts[entry.status] += 1
    return dict(counts)


@pytest.fixture
def count_statements(any_store: Store) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]).split()[0].upper())

    event.listen(any_store.engine, "before_cursor_execute", record)
    yield seen
    event.remove(any_store.engine, "before_cursor_execute", record)


async def test_a_batch_is_leased_and_settled_in_a_few_statements(
    any_store: Store, count_statements: list[str]
) -> None:
    enqueue(any_store, interleaved(20, 5))
    platform = Recorder(latency=0)
    outbox = Outbox(any_store, {"rec": platform})
    count_statements.clear()
    assert await outbox.deliver_due(now()) == 100
    assert len(platform.sent) == 100
    assert statuses(any_store) == {"sent": 100}
    # Leasing (lock, two reads, one UPDATE) and settling (one executemany, one UPDATE) for
    # the whole batch, a last lease that finds nothing: not three statements per entry.
    assert len(count_statements) <= 16, count_statements


async def test_each_channel_in_order_and_channels_in_parallel(any_store: Store) -> None:
    actions = interleaved(6, 8) + [dm(f"u{u}", f"dm{u}-{i}") for i in range(4) for u in range(2)]
    enqueue(any_store, actions)
    platform = Recorder(latency=0.01)
    assert await Outbox(any_store, {"rec": platform}).deliver_due(now()) == len(actions)
    lanes = platform.bodies()
    for c in range(6):
        assert lanes[f"ch{c}"] == [f"ch{c}-{i}" for i in range(8)]
    for u in range(2):
        assert lanes[f"dm:u{u}"] == [f"dm{u}-{i}" for i in range(4)]
    assert platform.most_in_flight > 1  # different channels were sent at the same time
    assert statuses(any_store) == {"sent": len(actions)}
    with any_store.session() as s:
        assert all(e.lease_owner is None for e in s.exec(select(OutboxEntry)).all())


async def test_a_429_holds_back_its_own_channel_and_no_other(any_store: Store) -> None:
    enqueue(any_store, interleaved(2, 4))
    limited = a.ActionResult.failed("429", retryable=True, retry_after=0.3)
    platform = Recorder(failures={"ch0-0": [limited]})
    outbox = Outbox(any_store, {"rec": platform})
    started = now()
    await outbox.deliver_due(started)
    assert platform.bodies() == {"ch1": ["ch1-0", "ch1-1", "ch1-2", "ch1-3"]}
    with any_store.session() as s:
        waiting = s.exec(select(OutboxEntry).where(OutboxEntry.status == "pending")).all()
    assert len(waiting) == 4 and all(e.lease_owner is None for e in waiting)
    assert await outbox.deliver_due(started) == 0  # the rest of ch0 waits behind its first
    await asyncio.sleep(0.35)  # the channel's own 429 window
    await outbox.deliver_due(started + timedelta(minutes=1))
    assert platform.bodies()["ch0"] == ["ch0-0", "ch0-1", "ch0-2", "ch0-3"]
    assert statuses(any_store) == {"sent": 8}


async def test_two_processes_keep_a_channel_in_order(any_store: Store) -> None:
    enqueue(any_store, [post("x", "x1"), post("x", "x2"), post("x", "x3")])
    enqueue(any_store, [post("y", "y1"), post("y", "y2")])
    first = Outbox(any_store, {"rec": Recorder()}, owner="first", batch_size=2)
    assert [e.payload.count("x1") + e.payload.count("x2") for e in first._lease_batch(now())] == [
        1,
        1,
    ]
    # The first process holds x1 and x2 (then stalls). The second takes y, never x3 ahead of them.
    platform = Recorder()
    second = Outbox(any_store, {"rec": platform}, owner="second")
    await second.deliver_due(now())
    assert platform.bodies() == {"y": ["y1", "y2"]}
    # Once the first one's lease has run out, the channel goes out in order, x1 and x2 as
    # entries another process may already have sent.
    await second.deliver_due(now() + timedelta(minutes=2))
    assert platform.bodies()["x"] == ["x1", "x2", "x3"]
    assert [s.uncertain for s in platform.sent if s.lane == "x"] == [True, True, False]


async def test_a_paced_platform_gets_a_burst_without_429s(any_store: Store) -> None:
    """Ninety posts over ten channels to a platform allowing 3 a channel per 0.3 s and 20
    overall per 0.2 s (Discord's rule, faster), which answers 429 beyond that."""
    enqueue(any_store, interleaved(10, 9))
    limits = Limits(per_channel=Rate(3, 0.3), overall=Rate(20, 0.2), concurrency=4)
    platform = Recorder(limits=limits, enforce=True, latency=0.002)
    outbox = Outbox(any_store, {"rec": platform})
    deadline = time.monotonic() + 60
    while outbox.depth() and time.monotonic() < deadline:
        await outbox.deliver_due(now())
        await asyncio.sleep(0.05)
    assert platform.rate_limited == 0
    assert sorted(platform.bodies()) == [f"ch{c}" for c in range(10)]
    for c in range(10):
        assert platform.bodies()[f"ch{c}"] == [f"ch{c}-{i}" for i in range(9)]
    assert statuses(any_store) == {"sent": 90}


def test_a_kill_mid_batch_leaves_the_rest_to_be_sent_with_the_same_keys(any_store: Store) -> None:
    """A process leases twenty posts, sends seven and is killed (SIGKILL) before settling the
    batch: nothing is marked sent, and the next process sends all twenty, the seven as
    uncertain under the keys they were first sent with (the platform keeps one of each)."""
    with any_store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE delivered (key VARCHAR(64), body VARCHAR(64))"))
    enqueue(any_store, interleaved(4, 5))
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.delivery.batch_worker", any_store.url, "7"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "stalled"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    with any_store.engine.connect() as conn:
        first = {body: key for key, body in conn.execute(text("SELECT key, body FROM delivered"))}
    assert len(first) == 7
    assert statuses(any_store) == {"pending": 20}

    platform = Recorder(keys=set(first.values()))
    heir = Outbox(any_store, {"rec": platform}, owner="heir")
    asyncio.run(heir.deliver_due(now() + timedelta(minutes=2)))  # the dead lease has run out
    assert platform.repeats == 7  # the seven again, under the same keys: the platform knew them
    assert sorted(s.body for s in platform.sent) == sorted(
        f"ch{c}-{i}" for c in range(4) for i in range(5) if f"ch{c}-{i}" not in first
    )
    assert statuses(any_store) == {"sent": 20}
    for c in range(4):  # what the heir sent of each channel still came in order
        bodies = platform.bodies().get(f"ch{c}", [])
        assert bodies == sorted(bodies, key=lambda b: int(b.split("-")[1]))


async def test_a_long_batch_records_what_it_sent_as_it_goes(any_store: Store) -> None:
    """A slow platform: entries sent early are marked sent while the batch is still sending,
    so a crash late in a long batch leaves little to send again as uncertain."""
    enqueue(any_store, [post("slow", f"slow-{i}") for i in range(6)])
    seen_sent: list[int] = []

    class Slow(Recorder):
        async def accept(self, action: a.Action) -> a.ActionResult:
            await asyncio.sleep(0.15)
            if isinstance(action, a.Post) and action.message.text == "slow-5":
                seen_sent.append(statuses(any_store).get("sent", 0))
            return await super().accept(action)

    outbox = Outbox(any_store, {"rec": Slow(latency=0)}, settle_every=0.2)
    assert await outbox.deliver_due(now()) == 6
    assert seen_sent and seen_sent[0] >= 3
    assert statuses(any_store) == {"sent": 6}
