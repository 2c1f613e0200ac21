"""What the attacks share: delivering Slack events to the running bot, copying a browser's
session cookie, reading and ageing session rows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.kernel.store.models import SignInSession
from tests.web.world import WebWorld

COOKIE = "crossings_dashboard"


def until(check: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the bot")
        time.sleep(0.05)


def on_own_loop(work: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
    """Run a coroutine on a loop of its own: the browser's driver holds this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result(timeout)


def slack_event(world: WebWorld, payload: dict[str, Any]) -> None:
    """Deliver an Events API payload over Socket Mode and wait for the bot's ack."""

    async def go() -> None:
        env = await world.slack.push("events_api", payload)
        await world.slack.acked(env)

    world.call(go())


def cookie_of(page: Any) -> dict[str, Any]:
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    return dict(cookie)


def sessions_of(world: WebWorld, platform: str, user: str) -> list[SignInSession]:
    with Session(world.app.store.engine) as s:
        return list(
            s.exec(
                select(SignInSession)
                .where(SignInSession.platform == platform, SignInSession.user_id == user)
                .order_by(col(SignInSession.id))
            ).all()
        )


def active(world: WebWorld, platform: str, user: str) -> list[SignInSession]:
    return [r for r in sessions_of(world, platform, user) if r.ended_at is None]


def age(world: WebWorld, row_id: int, **back: timedelta) -> None:
    """Move a session's times into the past (`created_at=...`, `seen_at=...`)."""
    now = datetime.now(UTC)
    with Session(world.app.store.engine) as s:
        s.execute(
            update(SignInSession)
            .where(col(SignInSession.id) == row_id)
            .values(**{name: now - delta for name, delta in back.items()})
        )
        s.commit()
