"""`App.run(event, answering=...)`: the one entry point, answering as each kind of caller needs
(now, within an interaction's deadline, or collected for a dashboard page)."""

from __future__ import annotations

import asyncio

import pytest

from bot.kernel import actions as a
from bot.kernel.answering import ForPage, WithinDeadline
from bot.kernel.commands import CommandError
from bot.kernel.context import Context
from bot.kernel.events import Actor, CommandInvoked, Place
from bot.kernel.message import Message
from tests.conftest import START, RecordingConsole

pytestmark = pytest.mark.core

PLACE = Place("console", "home", "general")


def _greet(community: RecordingConsole, *, slow: float = 0.0) -> None:
    @community.app.registry.command("greet", "says hello")
    async def greet(ctx: Context) -> None:
        await asyncio.sleep(slow)
        ctx.community.timezone = "Asia/Tokyo"
        ctx.session.add(ctx.community)
        ctx.reply("hello, you")
        ctx.act(a.SendPrivate(ctx.place, "bob", Message("a note for Bob")))


def _event(interaction: str | None = None) -> CommandInvoked:
    return CommandInvoked(
        PLACE, Actor("ann", "Ann"), START, interaction=interaction, path=("greet",)
    )


async def _outbox(community: RecordingConsole) -> str:
    """What the console printed once the outbox delivered what was due."""
    await community.app.outbox.deliver_due(community.app.clock.now())
    return community.output


def _timezone(community: RecordingConsole) -> str:
    with community.app.store.session() as s:
        return community.app.community(s, PLACE).timezone


async def test_a_page_shows_the_private_answer_and_the_rest_is_delivered(
    community: RecordingConsole,
) -> None:
    _greet(community)
    written: list[str] = []
    answer = await community.app.run(_event(), ForPage(after=lambda ctx: written.append("audit")))
    assert answer.ok and [m.text for m in answer.replies] == ["hello, you"]
    assert written == ["audit"] and _timezone(community) == "Asia/Tokyo"
    assert "hello, you" not in community.output  # the page shows it, not the platform
    assert "a note for Bob" in await _outbox(community)


async def test_a_page_is_told_why_nothing_was_kept(community: RecordingConsole) -> None:
    _greet(community)

    def stale(ctx: Context) -> None:
        raise CommandError("Someone changed this meanwhile.")

    answer = await community.app.run(_event(), ForPage(before=stale))
    assert not answer.ok and answer.error == "Someone changed this meanwhile."

    def broken(ctx: Context) -> None:
        raise RuntimeError("the audit could not be written")

    answer = await community.app.run(_event(), ForPage(after=broken))
    assert not answer.ok and "something went wrong" in (answer.error or "")
    assert _timezone(community) == "UTC"  # the handler's write went with the audit's failure
    assert "a note for Bob" not in await _outbox(community)


async def test_an_answer_ready_in_time_is_handed_to_the_acknowledgement(
    community: RecordingConsole,
) -> None:
    _greet(community)
    seen: list[list[a.Action] | None] = []

    async def acknowledge(ready: list[a.Action] | None) -> list[a.Action]:
        seen.append(ready)
        assert ready is not None
        return [x for x in ready if not isinstance(x, a.Respond)]  # the ack carried the reply

    answered = await community.app.run(_event("i-1"), WithinDeadline(2.0, acknowledge))
    assert not answered.early
    [given] = seen
    assert given is not None and any(isinstance(x, a.Respond) for x in given)
    assert "hello, you" not in community.output  # carried by the ack, not sent again
    assert "a note for Bob" in await _outbox(community)


async def test_a_slow_answer_is_acknowledged_first_and_follows(
    community: RecordingConsole,
) -> None:
    _greet(community, slow=0.5)
    order: list[str] = []

    async def acknowledge(ready: list[a.Action] | None) -> list[a.Action]:
        order.append("ack" if ready is None else "ack with answer")
        return ready or []

    answered = await community.app.run(_event("i-2"), WithinDeadline(0.05, acknowledge))
    assert order == ["ack"] and answered.early
    assert "hello, you" in community.output  # delivered after the acknowledgement
    assert all(r.ok for r in answered.results)
