"""Migration 0012_rate_buckets on SQLite and PostgreSQL: the table the shared rate budget books
its slots in comes, works, and goes again on the way down."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from bot.kernel.pacing import Limits, Rate
from bot.kernel.rate_budget import SharedLimiter
from bot.kernel.store import Store
from crossings.migrate import alembic_config, upgrade

BEFORE = "0011_support_suggestions"

pytestmark = pytest.mark.delivery


def _round_trip(store: Store) -> None:
    upgrade(store, BEFORE)
    assert "rate_buckets" not in inspect(store.engine).get_table_names()
    upgrade(store)
    assert "rate_buckets" in inspect(store.engine).get_table_names()
    command.downgrade(alembic_config(store), BEFORE)
    assert "rate_buckets" not in inspect(store.engine).get_table_names()


def test_the_migration_on_sqlite(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/m.db")
    try:
        _round_trip(store)
    finally:
        store.dispose()


@pytest.mark.postgres
def test_the_migration_on_postgresql() -> None:
    from tests.conftest import drop_postgres_store, fresh_postgres_store

    store = fresh_postgres_store(create=False)
    try:
        _round_trip(store)
        upgrade(store)
        limiter = SharedLimiter(store.engine)
        limits = Limits(overall=Rate(50, 1.0))
        assert limiter.reserve("discord", "ch:1", limits, channel=False) == 0.0
        assert len(limiter) == 1
    finally:
        drop_postgres_store(store)
