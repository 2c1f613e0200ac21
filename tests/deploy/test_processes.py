"""Several bot processes on one PostgreSQL database: scheduled work and deliveries happen exactly
once, and work held by a process that dies is taken over once its lease expires."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.kernel import actions as a
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Place
from bot.kernel.message import Message
from bot.kernel.store import Store
from bot.kernel.store.models import OutboxEntry, Timer
from bot.kernel.timers import Timers
from crossings.migrate import upgrade
from tests.conftest import drop_postgres_store, fresh_postgres_store

pytestmark = [pytest.mark.deploy, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 5


@pytest.fixture
def shared_db() -> Iterator[Store]:
    store = fresh_postgres_store(create=False)
    upgrade(store)  # the schema as `crossings db upgrade` makes it
    store.create_all()  # plus tables no migration has yet, if any
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE ran (key VARCHAR(64), owner VARCHAR(96))"))
        conn.execute(text("CREATE TABLE delivered (key VARCHAR(64), owner VARCHAR(96))"))
    yield store
    drop_postgres_store(store)


class Worker:
    def __init__(self, store: Store, *flags: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LEASE": str(LEASE_SECONDS)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.deploy.worker", store.url, *flags],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("ready "):
            self.proc.kill()
            raise AssertionError(f"worker did not start: {line}{self.proc.stderr.read()}")
        self.owner = line.split()[1]

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def rows(store: Store, table: str) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(text(f"SELECT key, owner FROM {table}"))]


def schedule_jobs(store: Store, keys: list[str], start: datetime) -> None:
    with store.session() as s:
        for i, key in enumerate(keys):
            Timers.schedule(s, "job", key, start + timedelta(milliseconds=50 * i))


def test_three_processes_do_scheduled_work_exactly_once(shared_db: Store) -> None:
    workers = [Worker(shared_db) for _ in range(3)]
    try:
        keys = [f"job-{i:03d}" for i in range(90)]
        schedule_jobs(shared_db, keys, datetime.now(UTC))
        wait_for(lambda: len(rows(shared_db, "delivered")) >= len(keys))
        time.sleep(LEASE_SECONDS)  # long enough for any duplicate to show up
    finally:
        codes = [w.terminate() for w in workers]

    ran, delivered = rows(shared_db, "ran"), rows(shared_db, "delivered")
    assert sorted(k for k, _ in ran) == keys  # each job ran once: no gaps, no repeats
    assert sorted(k for k, _ in delivered) == keys  # and its message was sent once
    assert len({owner for _, owner in ran}) >= 2, "the work should be shared between processes"
    assert codes == [0, 0, 0]
    with shared_db.session() as s:
        assert all(t.status == "done" for t in s.exec(select(Timer)).all())
        assert {e.status for e in s.exec(select(OutboxEntry)).all()} == {"sent"}


def test_work_of_a_killed_process_is_taken_over_after_its_lease(shared_db: Store) -> None:
    now = datetime.now(UTC)
    with shared_db.session() as s:
        Timers.schedule(s, "job", "slow-job", now)
        outbox = Outbox(shared_db, {})
        outbox.enqueue(s, a.Post(Place("rec", "c1", "general"), Message(text="stuck-post")), now)

    doomed = Worker(shared_db, "--hang-timer", "slow-job", "--hang-delivery", "stuck-post")

    def both_leased() -> bool:
        with shared_db.session() as s:
            timer = s.exec(select(Timer)).one()
            entry = s.exec(select(OutboxEntry)).one()
            # An outbox lease is "<process>#<fencing token>" (bot/kernel/delivery/outbox.py).
            entry_owner = (entry.lease_owner or "").split("#")[0]
            return timer.lease_owner == doomed.owner and entry_owner == doomed.owner

    wait_for(both_leased, timeout=30)
    doomed.kill()
    killed_at = time.monotonic()

    heir = Worker(shared_db)
    try:
        wait_for(lambda: len(rows(shared_db, "delivered")) >= 2, timeout=60)
        taken_over_after = time.monotonic() - killed_at
        time.sleep(1)
    finally:
        assert heir.terminate() == 0

    assert rows(shared_db, "ran") == [("slow-job", heir.owner)]
    assert sorted(rows(shared_db, "delivered")) == [
        ("slow-job", heir.owner),
        ("stuck-post", heir.owner),
    ]
    # Nothing was taken while the dead process's lease still ran.
    assert taken_over_after >= LEASE_SECONDS - 1
