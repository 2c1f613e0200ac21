"""The inbound replay check on both stores: each platform id is seen first exactly once, by
one caller even when several race for it, and the store stays usable after a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.kernel.claims import first_sight, prune_replays
from bot.kernel.clock import SimulatedClock
from bot.kernel.store import Store
from tests.conftest import drop_postgres_store, fresh_postgres_store

pytestmark = [pytest.mark.delivery]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        pg = fresh_postgres_store()
        yield pg
        drop_postgres_store(pg)
        return
    lite = Store(f"sqlite:///{tmp_path}/replays.db")
    lite.create_all()
    yield lite
    lite.dispose()


def test_an_id_is_seen_first_once_per_kind(store: Store) -> None:
    now = SimulatedClock().now()
    assert first_sight(store, "slack-request", "v0=abc", now)
    assert not first_sight(store, "slack-request", "v0=abc", now)
    assert first_sight(store, "slack-event", "v0=abc", now)  # kinds are separate
    assert first_sight(store, "slack-request", "v0=abd", now)
    assert prune_replays(store, now) == 0  # recorded with the time they were seen


def test_racers_for_one_id_have_exactly_one_winner(store: Store) -> None:
    now = SimulatedClock().now()
    with ThreadPoolExecutor(max_workers=8) as pool:
        wins = list(pool.map(lambda _: first_sight(store, "slack-event", "T1:Ev9", now), range(8)))
    assert wins.count(True) == 1


def test_long_keys_are_cut_to_the_column(store: Store) -> None:
    now = SimulatedClock().now()
    assert first_sight(store, "slack-request", "x" * 300, now)
    assert not first_sight(store, "slack-request", "x" * 128 + "y", now)  # same first 128
