"""Migration 0010 on SQLite and PostgreSQL: the queue channel and reporter visibility move from
`communities` (the kernel's table) to the moderation feature's own table with their values, the
bot reads them from there, and they come back on the way down."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from bot.kernel.store import Store
from bot.kernel.store.models import Community
from bot.moderation import prefs
from crossings.migrate import alembic_config, upgrade
from tests.conftest import table_columns

BEFORE = "0009_discreet_mode"
AFTER = "0010_moderation_prefs"
COMMUNITIES = """
INSERT INTO communities (platform, community_id, name, timezone, language, moderator_roles,
                         organizer_roles, admin_roles, queue_channel, show_reporter_to_moderators,
                         extra)
VALUES (:platform, :cid, '', 'UTC', 'en', '[]', '[]', '[]', :queue, :shown, '{}')
"""


def _seed(store: Store) -> None:
    rows = [
        {"platform": "discord", "cid": "g1", "queue": "C-mods", "shown": False},
        {"platform": "slack", "cid": "T1", "queue": None, "shown": False},
        {"platform": "discord", "cid": "g2", "queue": "C-queue", "shown": True},
        {"platform": "console", "cid": "local", "queue": None, "shown": True},
    ]
    with store.engine.begin() as conn:
        for row in rows:
            conn.execute(text(COMMUNITIES), row)


def _read(store: Store) -> dict[str, tuple[str | None, bool]]:
    with Session(store.engine) as s:
        found = {}
        for c in s.exec(select(Community)).all():
            mod = prefs.of(s, c)
            found[c.community_id] = (mod.queue_channel, mod.show_reporter_to_moderators)
        return found


def _round_trip(store: Store) -> None:
    upgrade(store, BEFORE)
    _seed(store)
    upgrade(store, AFTER)
    assert {"queue_channel", "show_reporter_to_moderators"}.isdisjoint(
        table_columns(store, "communities")
    )
    assert _read(store) == {
        "g1": ("C-mods", False),
        "T1": (None, False),
        "g2": ("C-queue", True),
        "local": (None, True),  # never changed: no row, the defaults hold
    }
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mod_community_settings")).scalar() == 3
    command.downgrade(alembic_config(store), BEFORE)
    with store.engine.connect() as conn:
        back = conn.execute(
            text(
                "SELECT community_id, queue_channel, show_reporter_to_moderators"
                " FROM communities ORDER BY community_id"
            )
        ).all()
    assert [(cid, queue, bool(shown)) for cid, queue, shown in back] == [
        ("T1", None, False),
        ("g1", "C-mods", False),
        ("g2", "C-queue", True),
        ("local", None, True),
    ]
    assert "mod_community_settings" not in inspect(store.engine).get_table_names()


def test_the_migration_round_trip(empty_store: Store) -> None:
    _round_trip(empty_store)
