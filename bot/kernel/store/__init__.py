"""Storage: one SQLAlchemy engine (SQLite by default, PostgreSQL by URL), SQLModel tables."""

from bot.kernel.store.db import Store, aware, dt_column, json_column

__all__ = ["Store", "aware", "dt_column", "json_column"]
