"""The schedule's version column: added by migration 0004_schedule_version with existing rows at
1, raised by the ORM on every change a command writes (so a change made in chat makes an open
dashboard form stale), and left alone by the scheduler's own advancing."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.kernel.store import Store
from bot.prompts.models import PromptSchedule
from crossings.migrate import alembic_config, upgrade
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.scheduling
INSERT = (
    "INSERT INTO prompt_schedules (platform, community_id, channel, theme, rule, timezone, forum,"
    " paused, active, created_by, created_at) VALUES ('console', 'c', 'x', 'red-flags',"
    " '0 9 * * *', 'UTC', 0, 0, 1, 'u', '2026-03-02 08:00:00')"
)


def test_the_migration_gives_existing_schedules_version_one(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/v.db")
    upgrade(store, "0002_support_hsds")
    with store.engine.begin() as conn:
        conn.execute(text(INSERT))
    upgrade(store, "0004_schedule_version")
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM prompt_schedules")).scalar_one() == 1
    command.downgrade(alembic_config(store), "0002_support_hsds")
    columns = {c["name"] for c in inspect(store.engine).get_columns("prompt_schedules")}
    assert "version" not in columns and "rule" in columns


def _version(community: RecordingConsole) -> int:
    with community.app.store.session() as s:
        return s.exec(select(PromptSchedule.version)).one()


async def test_every_command_change_raises_the_version_and_firing_does_not(
    organizer: RecordingConsole,
) -> None:
    await organizer.type(
        '/prompt schedule theme:red-flags channel:#prompts when:"every day 09:00" timezone:UTC'
    )
    assert _version(organizer) == 1
    await organizer.type("/clock 2026-03-04 10:00")  # two posts made: the scheduler advanced
    assert _version(organizer) == 1
    for line in (
        "/prompt pause schedule:1",
        "/prompt resume schedule:1",
        "/prompt skip schedule:1",
        '/prompt edit schedule:1 when:"every day 10:00"',
        "/prompt delete schedule:1",
    ):
        before = _version(organizer)
        await organizer.type(line)
        assert _version(organizer) == before + 1, line
