"""Alembic, configured in code: `crossings db upgrade` and the start-up check use this."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.kernel.store.db import Store

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseNotReady(Exception):
    """The database is unreachable or its schema is behind the code."""


def alembic_config(store: Store) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(rev)s")  # the id carries the slug already
    cfg.attributes["engine"] = store.engine
    return cfg


def upgrade(store: Store, revision: str = "head") -> None:
    command.upgrade(alembic_config(store), revision)


def head_revision(store: Store) -> str | None:
    return ScriptDirectory.from_config(alembic_config(store)).get_current_head()


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate_if_new(store: Store) -> bool:
    """A new, empty SQLite file is brought to the latest schema; anything else is left for
    `crossings db upgrade` (check_ready then explains what to do)."""
    if not store.url.startswith("sqlite"):
        return False
    try:
        with store.engine.connect() as conn:
            empty = not inspect(conn).get_table_names()
    except SQLAlchemyError:
        return False
    if empty:
        upgrade(store)
    return empty


def check_ready(store: Store) -> None:
    """Fail fast with a clear message instead of half-starting."""
    try:
        current = current_revision(store)
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise DatabaseNotReady(f"database unreachable ({reason})") from None
    except SQLAlchemyError as exc:
        raise DatabaseNotReady(f"database error ({type(exc).__name__})") from None
    head = head_revision(store)
    if current != head:
        raise DatabaseNotReady(
            f"database schema is at {current or 'nothing'}, the code needs {head}: "
            "run `crossings db upgrade`"
        )


def new_revision(message: str) -> Path:
    """Write the next migration, `NNNN_<slug>.py`, with the changes between the tables the
    installed features declare and the schema the existing migrations build (compared on a
    scratch SQLite database brought to head). Read it before committing: autogenerate misses
    renames and data moves."""
    # alembic_version holds 32 characters: "NNNN_" and at most 27 of the message.
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:27].strip("_") or "change"
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(f"sqlite:///{scratch}/head.db")
        try:
            upgrade(store)
            script = ScriptDirectory.from_config(alembic_config(store))
            head = script.get_current_head() or "0000"
            rev_id = f"{int(head.split('_', 1)[0]) + 1:04d}_{slug}"
            command.revision(alembic_config(store), message, autogenerate=True, rev_id=rev_id)
        finally:
            store.engine.dispose()
    return MIGRATIONS / "versions" / f"{rev_id}.py"
