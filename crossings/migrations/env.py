"""Alembic environment: uses the engine the project already built."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import bot.kernel.store.models  # noqa: F401
from crossings.features import features

features()  # loading every installed feature puts its tables on the metadata

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from bot.kernel.store.db import Store

        engine = Store(config.get_main_option("sqlalchemy.url") or "").engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
