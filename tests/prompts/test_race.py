"""Two bot processes on one PostgreSQL database race for 200 fire times."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.kernel.store import Store
from bot.kernel.store.models import Community
from bot.prompts.models import PromptPost, PromptSchedule
from tests.conftest import drop_postgres_store, fresh_postgres_store

pytestmark = [pytest.mark.scheduling, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCHEDULES, MINUTES = 4, 50  # 4 schedules firing every minute for 50 minutes: 200 fire times


@pytest.fixture
def shared() -> Iterator[Store]:
    store = fresh_postgres_store()
    with store.engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE delivered (channel TEXT, body TEXT, owner TEXT, nonce TEXT)")
        )
        # Unique, as the platform's own nonce check is atomic: two sends of one entry at the
        # same instant must not both post (sends without a key, NULL, stay distinct).
        conn.execute(text("CREATE UNIQUE INDEX delivered_nonce ON delivered (nonce)"))
    yield store
    drop_postgres_store(store)


def test_two_processes_post_every_fire_exactly_once(shared: Store, tmp_path: Path) -> None:
    with shared.session() as s:
        s.add(Community(platform="rec", community_id="c1", created_at=START))
        for i in range(SCHEDULES):
            s.add(
                PromptSchedule(
                    platform="rec",
                    community_id="c1",
                    channel=f"ch{i}",
                    theme="red-flags",
                    rule="* * * * *",
                    timezone="Europe/Berlin",
                    next_fire_at=START,
                    created_by="org",
                    created_at=START,
                )
            )
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.prompts.racer",
                shared.url,
                START.isoformat(),
                str(MINUTES - 1),
                str(go),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    go.touch()
    results = [r.communicate(timeout=120) for r in racers]
    assert all(r.returncode == 0 for r in racers), [err for _, err in results]

    with shared.session() as s:
        posts = s.exec(select(PromptPost)).all()
    assert len(posts) == SCHEDULES * MINUTES  # zero misses
    assert {p.status for p in posts} == {"posted"}
    assert len({(p.schedule_id, p.fire_at) for p in posts}) == len(posts)
    with shared.engine.connect() as conn:
        delivered = conn.execute(text("SELECT channel, owner FROM delivered")).all()
    assert len(delivered) == SCHEDULES * MINUTES  # zero duplicates
    assert Counter(ch for ch, _ in delivered) == {f"ch{i}": MINUTES for i in range(SCHEDULES)}
    owners = {owner for _, owner in delivered}
    claimers = {p.claimed_by for p in posts}
    assert len(owners | claimers) >= 2, "both processes should have taken part"
