"""Migration 0009_discreet_mode on SQLite and PostgreSQL: existing members and signals come
through as not discreet, and the columns go again on the way down."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.kernel.store import Store
from crossings.migrate import alembic_config, upgrade
from tests.conftest import table_columns

BEFORE = "0007_web_sessions"


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
    assert "discreet" in table_columns(store, "member_prefs")
    assert "discreet" in table_columns(store, "safety_signals")
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT locale, discreet FROM member_prefs")).one()
    assert row == ("es", False)  # nobody is made discreet, nobody loses their language
    command.downgrade(alembic_config(store), BEFORE)
    assert "discreet" not in table_columns(store, "member_prefs")
    assert "discreet" not in table_columns(store, "safety_signals")


def test_the_migration_round_trip(empty_store: Store) -> None:
    _round_trip(empty_store)
