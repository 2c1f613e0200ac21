"""Shared pieces for the delivery tests: outbox entries enqueued the way features enqueue them,
and a second outbox standing in for another process (or the same one after a restart)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.kernel import actions as a
from bot.kernel.app import App
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Place
from bot.kernel.message import Message
from bot.kernel.store.models import OutboxEntry


def real_now() -> datetime:
    return datetime.now(UTC)


def enqueue(app: App, action: a.Action, kind: str = "test", at: datetime | None = None) -> int:
    with app.store.session() as s:
        entry = app.outbox.enqueue(s, action, at or real_now(), kind=kind)
        assert entry is not None and entry.id is not None
        return entry.id


def prompt_post(platform: str, community: str, channel: str, n: int = 1) -> a.Post:
    """A weekly prompt as the scheduler sends it: a post, its thread, a first reply."""
    return a.Post(
        Place(platform, community, channel),
        Message(title=f"This week's question {n}", text="What did your families cook?"),
        thread_name=f"Answers {n}",
        first_reply=Message(text="Share yours here."),
    )


def card(platform: str, community: str, channel: str, n: int = 1) -> a.Post:
    return a.Post(Place(platform, community, channel), Message(title=f"Report {n}", text="card"))


def process(
    app: App,
    owner: str,
    lease: timedelta = timedelta(seconds=10),
    clock: Callable[[], datetime] = real_now,
) -> Outbox:
    """Another process delivering from the same database with the same platforms."""
    return Outbox(
        app.store, app.platforms, app.settings.outbox, lease=lease, owner=owner, clock=clock
    )


def entry(app: App, entry_id: int) -> OutboxEntry:
    with app.store.session() as s:
        row = s.get(OutboxEntry, entry_id)
        assert row is not None
        return row
