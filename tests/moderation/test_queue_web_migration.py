"""Migration 0013_queue_on_the_web on SQLite and PostgreSQL: existing crisis alerts come through
unclaimed and existing appeals without a known card, and the columns go again on the way down."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.kernel.store import Store
from crossings.migrate import alembic_config, upgrade
from tests.conftest import table_columns

BEFORE = "0012_rate_buckets"
AFTER = "0013_queue_on_the_web"


def _round_trip(store: Store) -> None:
    upgrade(store, BEFORE)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO mod_appeals (case_id, user_id, text, status, created_at)"
                " VALUES (1, 'u1', 'please look again', 'open', '2026-03-02 08:00:00+00:00')"
            )
        )
    upgrade(store, AFTER)
    assert {"claimed_by", "claimed_at"} <= table_columns(store, "safety_signals")
    assert "card_message_id" in table_columns(store, "mod_appeals")
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT text, status, card_message_id FROM mod_appeals")).one()
    assert row == ("please look again", "open", None)
    command.downgrade(alembic_config(store), BEFORE)
    assert not {"claimed_by", "claimed_at"} & table_columns(store, "safety_signals")
    assert "card_message_id" not in table_columns(store, "mod_appeals")


def test_the_migration_round_trip(empty_store: Store) -> None:
    _round_trip(empty_store)
