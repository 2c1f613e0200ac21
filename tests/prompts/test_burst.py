"""A burst: 10,000 prompts due at the same moment, two bot processes on one PostgreSQL
database, every prompt posted exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlmodel import select

from bot.kernel.store import Store
from bot.kernel.store.models import Community
from bot.prompts.models import PromptPost, PromptSchedule
from tests.conftest import drop_postgres_store, fresh_postgres_store

pytestmark = [pytest.mark.scheduling, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # Monday 19:00 in Berlin
DUE = 10_000


@pytest.fixture
def shared() -> Iterator[Store]:
    store = fresh_postgres_store()
    with store.engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE delivered (channel TEXT, body TEXT, owner TEXT, nonce TEXT)")
        )
        # Unique: the recording platform dedupes by nonce atomically, as Discord does.
        conn.execute(text("CREATE UNIQUE INDEX delivered_nonce ON delivered (nonce)"))
    yield store
    drop_postgres_store(store)


def seed(store: Store) -> None:
    with store.session() as s:
        for c in range(10):
            s.add(Community(platform="rec", community_id=f"c{c}", created_at=START))
    rows = [
        {
            "platform": "rec",
            "community_id": f"c{i % 10}",
            "channel": f"ch{i}",
            "theme": "red-flags",
            "rule": "0 19 * * 1",
            "timezone": "Europe/Berlin",
            "next_fire_at": START,
            "created_by": "org",
            "created_at": START,
        }
        for i in range(DUE)
    ]
    with store.engine.begin() as conn:
        conn.execute(insert(PromptSchedule.__table__), rows)  # type: ignore[attr-defined]


@pytest.mark.timeout(900)  # the outbox delivers 10,000 posts one by one
def test_ten_thousand_prompts_due_together_are_each_posted_once(
    shared: Store, tmp_path: Path
) -> None:
    seed(shared)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.prompts.racer", shared.url, START.isoformat(), "0"]
    racers = [
        subprocess.Popen(
            [*command, str(go)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    go.touch()
    results = [r.communicate(timeout=600) for r in racers]
    assert all(r.returncode == 0 for r in racers), [err for _, err in results]

    with shared.session() as s:
        posts = s.exec(select(PromptPost)).all()
        left = s.exec(select(PromptSchedule).where(PromptSchedule.next_fire_at <= START)).all()
    assert len(posts) == DUE
    assert {p.status for p in posts} == {"posted"}
    assert len({p.schedule_id for p in posts}) == DUE
    assert left == []  # every schedule moved on to next week
    with shared.engine.connect() as conn:
        delivered = conn.execute(text("SELECT channel, owner FROM delivered")).all()
    per_channel = Counter(ch for ch, _ in delivered)
    assert len(delivered) == DUE  # no duplicates, nothing lost
    assert set(per_channel.values()) == {1}
    assert len({owner for _, owner in delivered}) == 2, "both processes should have delivered"
