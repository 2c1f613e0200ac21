"""Migration 0009_discreet_mode on SQLite and PostgreSQL: existing members and signals come
through as not discreet, and the columns go again on the way down."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.kernel.store import Store
from crossings.migrate import alembic_config, upgrade

BEFORE = "0007_web_sessions"


def _columns(store: Store, table: str) -> set[str]:
    return {c["name"] for c in inspect(store.engine).get_columns(table)}


def _round_trip(store: Store) -> None:
    upgrade(store, BEFORE)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO member_prefs (platform, community_id, user_id, locale)"
                " VALUES ('discord', 'g1', 'u1', 'es')"
            )
        )
    upgrade(store, "0009_discreet_mode")
    assert "discreet" in _columns(store, "member_prefs")
    assert "discreet" in _columns(store, "safety_signals")
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT locale, discreet FROM member_prefs")).one()
    assert row == ("es", False)  # nobody is made discreet, nobody loses their language
    command.downgrade(alembic_config(store), BEFORE)
    assert "discreet" not in _columns(store, "member_prefs")
    assert "discreet" not in _columns(store, "safety_signals")


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
    finally:
        drop_postgres_store(store)
