"""Shared fixtures: a store on SQLite (and PostgreSQL when configured), a simulated clock, an
app with every feature installed, and a console community that records what it printed."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import inspect, text

from adapters.console import ConsoleSession, build
from bot.kernel.app import App
from bot.kernel.clock import SimulatedClock
from bot.kernel.store import Store
from crossings import build_app
from crossings.settings import Settings

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
POSTGRES_ENV = "CROSSINGS_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """The PostgreSQL server for tests; under CI it must exist."""
    url = os.environ.get(POSTGRES_ENV)
    if not url and os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: PostgreSQL tests cannot be skipped")
    return url


def fresh_postgres_store(*, create: bool = True) -> Store:
    """A store on a schema of its own, so tests never see each other's rows."""
    url = postgres_url()
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://user@127.0.0.1/db)")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = Store(url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    store = Store(f"{url}{sep}options=-csearch_path%3D{schema}")
    if create:
        store.create_all()
    store.pg_schema = schema  # type: ignore[attr-defined]
    return store


def drop_postgres_store(store: Store) -> None:
    schema = getattr(store, "pg_schema", None)
    store.dispose()
    url = postgres_url()
    if schema and url:
        admin = Store(url)
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path}/test.db")
    store.create_all()
    yield store
    store.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The storage tests run on both databases."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path}/test.db")
        store.create_all()
        yield store
        store.dispose()
    else:
        store = fresh_postgres_store()
        yield store
        drop_postgres_store(store)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty database of each kind, no tables: where a migration test starts."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path}/empty.db")
        yield store
        store.dispose()
    else:
        store = fresh_postgres_store(create=False)
        yield store
        drop_postgres_store(store)


def table_columns(store: Store, table: str) -> set[str]:
    return {c["name"] for c in inspect(store.engine).get_columns(table)}


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    return sqlite_store


@pytest.fixture
def settings(store: Store) -> Settings:
    return Settings(database_url=store.url)


@pytest.fixture
def app(store: Store, settings: Settings, clock: SimulatedClock) -> App:
    return build_app(store, settings, clock)


class RecordingConsole:
    """A console community whose output can be read back in tests."""

    def __init__(self, app: App) -> None:
        self.buffer = io.StringIO()
        self.console = Console(file=self.buffer, width=200, highlight=False, color_system=None)
        self.session: ConsoleSession = build(app, self.console)
        self.platform = self.session.platform
        self.app = app

    async def type(self, *lines: str) -> str:
        """Feed lines; return what was printed while handling them."""
        start = self.buffer.tell()
        for line in lines:
            await self.session.feed(line)
        self.buffer.seek(start)
        out = self.buffer.read()
        self.buffer.seek(0, io.SEEK_END)
        return out

    @property
    def output(self) -> str:
        return self.buffer.getvalue()


@pytest.fixture
def community(app: App) -> RecordingConsole:
    return RecordingConsole(app)
