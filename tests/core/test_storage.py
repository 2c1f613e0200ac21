"""Claims, the outbox and timers on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect
from sqlmodel import select

from bot.kernel import actions as a
from bot.kernel.app import App
from bot.kernel.claims import claim
from bot.kernel.clock import SimulatedClock
from bot.kernel.config import OutboxSettings
from bot.kernel.context import Context
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Actor, Place
from bot.kernel.message import Message
from bot.kernel.platform import Platform, handles
from bot.kernel.store import Store
from bot.kernel.store.models import OutboxEntry, Timer
from crossings import build_app
from crossings.settings import Settings
from tests.conftest import START

pytestmark = pytest.mark.core

PLACE = Place("fake", "c1", "general")


class FakePlatform(Platform):
    """Accepts actions, or fails them as told: a list of results to give first."""

    name = "fake"

    def __init__(self, *failures: a.ActionResult) -> None:
        self.failures = list(failures)
        self.accepted: list[a.Action] = []

    @handles(
        a.Post,
        a.Respond,
        a.SendPrivate,
        a.StartThread,
        a.EditMessage,
        a.DeleteMessage,
        a.TimeoutMember,
        a.KickMember,
        a.BanMember,
        a.UnbanMember,
    )
    async def accept(self, action: a.Action) -> a.ActionResult:
        if self.failures:
            return self.failures.pop(0)
        self.accepted.append(action)
        return a.ActionResult(True, message_id=f"m{len(self.accepted)}")

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this test platform cannot tell


def post(text: str) -> a.Post:
    return a.Post(PLACE, Message(text=text))


def test_a_claim_is_won_once(any_store: Store) -> None:
    with any_store.session() as s:
        assert claim(s, "prompt", "7", START, START)
        assert not claim(s, "prompt", "7", START, START)
        assert claim(s, "prompt", "7", START + timedelta(days=7), START)
    with any_store.session() as s:
        assert not claim(s, "prompt", "7", START, START)


async def test_outbox_delivers_once_and_dedupes(any_store: Store) -> None:
    platform = FakePlatform()
    outbox = Outbox(any_store, {"fake": platform})
    with any_store.session() as s:
        assert outbox.enqueue(s, post("hello"), START, dedupe_key="k1") is not None
        assert outbox.enqueue(s, post("hello again"), START, dedupe_key="k1") is None
    assert await outbox.deliver_due(START) == 1
    assert await outbox.deliver_due(START) == 0
    assert [x.message.text for x in platform.accepted] == ["hello"]  # type: ignore[attr-defined]
    with any_store.session() as s:
        entry = s.exec(select(OutboxEntry)).one()
        assert entry.status == "sent" and entry.result["message_id"] == "m1"


async def test_rate_limits_delay_but_never_lose(any_store: Store) -> None:
    platform = FakePlatform(
        a.ActionResult.failed("429", retryable=True, retry_after=30),
        a.ActionResult.failed("502", retryable=True),
    )
    outbox = Outbox(any_store, {"fake": platform})
    with any_store.session() as s:
        outbox.enqueue(s, post("hi"), START)
    await outbox.deliver_due(START)
    assert platform.accepted == []
    due = outbox.next_due()
    assert due is not None and due >= START + timedelta(seconds=30)
    await outbox.deliver_due(due)
    await outbox.deliver_due(outbox.next_due() or due)
    assert len(platform.accepted) == 1


async def test_permanent_failures_are_reported(any_store: Store) -> None:
    platform = FakePlatform(a.ActionResult.failed("Missing Permissions"))
    reports: list[str] = []
    outbox = Outbox(any_store, {"fake": platform}, OutboxSettings(max_attempts=3))

    async def report(entry: OutboxEntry, result: a.ActionResult) -> None:
        reports.append(result.error or "")

    outbox.on_failed.append(report)
    with any_store.session() as s:
        outbox.enqueue(s, post("x"), START)
    await outbox.deliver_due(START)
    assert reports == ["Missing Permissions"]
    with any_store.session() as s:
        assert s.exec(select(OutboxEntry)).one().status == "failed"


async def test_an_expired_lease_is_taken_over(any_store: Store) -> None:
    """A process that leased a row and died: another delivers it once the lease runs out."""
    dead = Outbox(any_store, {"fake": FakePlatform()}, owner="dead-process")
    with any_store.session() as s:
        dead.enqueue(s, post("x"), START)
    assert len(dead._lease_batch(START)) == 1  # leased, then the process "dies"
    alive_platform = FakePlatform()
    alive = Outbox(any_store, {"fake": alive_platform}, owner="alive")
    assert await alive.deliver_due(START + timedelta(seconds=10)) == 0
    assert await alive.deliver_due(START + timedelta(minutes=2)) == 1
    assert len(alive_platform.accepted) == 1


async def test_timers_fire_once_and_survive_a_restart(any_store: Store) -> None:
    fired: list[str] = []

    def make_app() -> App:
        clock = SimulatedClock(START)
        app = build_app(any_store, Settings(database_url=any_store.url), clock, [FakePlatform()])

        @app.timers.on("test.unban")
        async def unban(ctx: Context, timer: Timer) -> None:
            fired.append(timer.key)
            ctx.send(a.UnbanMember(Place("fake", "c1"), timer.payload["user"], "time served"))

        return app

    first = make_app()
    with any_store.session() as s:
        first.timers.schedule(
            s, "test.unban", "u1", START + timedelta(hours=1), payload={"user": "u1"}
        )
    await first.advance_to(START + timedelta(minutes=30))
    assert fired == []
    second = make_app()  # "restart": a new app on the same database
    await second.advance_to(START + timedelta(hours=2))
    await second.advance_to(START + timedelta(hours=3))
    assert fired == ["u1"]
    platform = second.platforms["fake"]
    assert isinstance(platform, FakePlatform)
    assert [type(x).__name__ for x in platform.accepted] == ["UnbanMember"]


def test_migrations_match_the_models(tmp_path: object) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from crossings.migrate import check_ready, upgrade

    store = Store(f"sqlite:///{tmp_path}/migrated.db")
    upgrade(store)
    check_ready(store)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    assert "outbox" in inspect(store.engine).get_table_names()
