"""One rate budget per bot token across processes (PostgreSQL), and the outbox's wake-ups.

Two delivering processes share Discord's 50 requests a second through the database, so the
emulator (which enforces Discord's limits) answers them without 429s; each pacing itself, as
before, they draw many. An entry enqueued by one process is sent by another at once, woken by
LISTEN/NOTIFY, though the worker's poll is set far longer than the test waits.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.kernel import actions as a
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Actor, Place
from bot.kernel.message import Message
from bot.kernel.pacing import Limits, Rate
from bot.kernel.platform import Platform, handles
from bot.kernel.rate_budget import SharedLimiter, limiter_for
from bot.kernel.store import Store
from crossings.migrate import upgrade
from crossings.runtime import Runtime
from crossings.settings import Settings
from tests.conftest import drop_postgres_store, fresh_postgres_store
from tests.emulators.discord.server import GUILD_ID, DiscordEmulator

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_store() -> Iterator[Store]:
    store = fresh_postgres_store()
    yield store
    drop_postgres_store(store)


def post(channel: str, text: str) -> a.Post:
    return a.Post(Place("discord", GUILD_ID, channel), Message(text))


def test_postgres_shares_one_budget_and_sqlite_keeps_its_own(
    pg_store: Store, tmp_path: Path
) -> None:
    assert isinstance(limiter_for(pg_store), SharedLimiter)
    assert not isinstance(limiter_for(Store(f"sqlite:///{tmp_path}/b.db")), SharedLimiter)


def test_limiters_on_one_database_pace_together(pg_store: Store) -> None:
    """Two limiters (as two processes) booking one bucket get slots one interval apart, and a
    429 one of them meets holds the other too."""
    limits = Limits(overall=Rate(10, 1.0))
    first, second = SharedLimiter(pg_store.engine), SharedLimiter(pg_store.engine)
    waits = [
        limiter.reserve("discord", f"ch:{i}", limits, channel=False)
        for i, limiter in enumerate([first, second] * 10)
    ]
    assert all(w is not None for w in waits)
    # 20 sends at 10 a second: the last is booked about 1.9 s after the first.
    assert 1.7 < waits[-1] - waits[0] < 2.1  # type: ignore[operator]
    assert first.reserve("discord", "ch:x", limits, max_wait=0.5, channel=False) is None
    second.block_overall("discord", 30.0)
    assert first.wait_for("discord", "ch:y", limits) > 25
    assert first.capacity("discord", limits, horizon=2.0) == 0


def test_a_blocked_lane_holds_in_every_process(pg_store: Store) -> None:
    limits = Limits(per_channel=Rate(5, 5.0))
    SharedLimiter(pg_store.engine).block("discord", "ch:1", 20.0, limits)
    other = SharedLimiter(pg_store.engine)
    assert other.reserve("discord", "ch:1", limits, max_wait=2.0) is None
    assert other.reserve("discord", "ch:2", limits, max_wait=2.0) == 0.0


def test_slack_method_tiers_are_counted_per_workspace(pg_store: Store) -> None:
    limits = Limits(per_kind=(("EditMessage", Rate(50, 60.0)),))
    limiter = SharedLimiter(pg_store.engine)
    waits = [
        limiter.reserve(
            "slack", f"ch:{i}", limits, channel=False, kind="EditMessage", community="T1"
        )
        for i in range(3)
    ]
    assert waits[0] == 0.0 and waits[2] == pytest.approx(2 * 60 / 50, abs=0.2)
    other_team = limiter.reserve(
        "slack", "ch:9", limits, channel=False, kind="EditMessage", community="T2"
    )
    assert other_team == 0.0


async def _two_processes(
    store: Store, tmp_path: Path, *flags: str
) -> tuple[DiscordEmulator, list[dict]]:
    emulator = DiscordEmulator()
    await emulator.start()
    channels = [emulator.add_channel(f"c{i}") for i in range(150)]
    outbox = Outbox(store, {})
    with store.session() as s:
        for i, channel in enumerate(channels):
            outbox.enqueue(s, post(channel, f"prompt {i}"), datetime.now(UTC))
    go = tmp_path / "go"
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.delivery.budget_worker",
            store.url,
            emulator.api_base,
            str(go),
            *flags,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    await asyncio.sleep(1.0)  # both connected
    go.touch()
    outputs = [await asyncio.wait_for(w.communicate(), 120) for w in workers]
    await emulator.stop()
    return emulator, [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]


async def test_two_processes_together_stay_within_discords_global_limit(
    pg_store: Store, tmp_path: Path
) -> None:
    emulator, found = await _two_processes(pg_store, tmp_path)
    assert sum(f["sent"] for f in found) == 150
    assert all(f["sent"] > 0 for f in found)  # both processes did send
    assert emulator.limits.rate_limited <= 2  # a request delayed on the way, at most
    assert emulator.limits.invalid_requests == emulator.limits.rate_limited


async def test_two_processes_pacing_alone_draw_429s(pg_store: Store, tmp_path: Path) -> None:
    """What the shared budget prevents: each process within 50 a second, together over it."""
    emulator, found = await _two_processes(pg_store, tmp_path, "--own-budget")
    assert sum(f["sent"] for f in found) == 150  # retried until accepted
    assert emulator.limits.global_limited > 0


class Recording(Platform):
    name = "rec"

    def __init__(self) -> None:
        self.got = asyncio.Event()

    @handles(a.Post)
    async def accept(self, action: a.Action) -> a.ActionResult:
        self.got.set()
        return a.ActionResult(ok=True, message_id="m1")

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this test platform cannot tell


ENQUEUE = """
import sys
from datetime import UTC, datetime
from bot.kernel import actions as a
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Place
from bot.kernel.message import Message
from bot.kernel.store import Store
store = Store(sys.argv[1])
with store.session() as s:
    Outbox(store, {}).enqueue(s, a.Post(Place("rec", "g", "c1"), Message("hi")), datetime.now(UTC))
"""


async def test_an_entry_enqueued_elsewhere_is_sent_at_once_not_at_the_next_poll() -> None:
    store = fresh_postgres_store(create=False)
    try:
        upgrade(store)  # the migrations, rate_buckets included
        settings = Settings(
            database_url=store.url,
            metrics={"enabled": False},
            outbox={"poll_seconds": 60},
            scheduler={"tick_seconds": 3600},  # the tick delivers too: not within this test
        )
        runtime = Runtime(settings, plugins=[])
        platform = Recording()
        runtime.app.add_platform(platform)
        await runtime.start()
        assert runtime.wakeups is not None
        await asyncio.wait_for(runtime.wakeups.listening.wait(), 10)
        await asyncio.sleep(0.5)  # the start-up rounds are done: only a wake-up sends now
        enqueuer = await asyncio.create_subprocess_exec(
            sys.executable, "-c", ENQUEUE, store.url, cwd=ROOT
        )
        assert await enqueuer.wait() == 0
        await asyncio.wait_for(platform.got.wait(), 15)  # far less than the 60 s poll
        await runtime.stop()
    finally:
        drop_postgres_store(store)
