"""Answer first: the deadline rules both interaction platforms share.

An interaction must be acknowledged within the platform's deadline (Discord 3 s, Slack 3 s,
trigger ids expire after 3 s). `answer_within` (Discord) handles the event and, if the answer
is not ready by the deadline (or the command is marked `slow`), acknowledges first and answers
as a follow-up; Slack's HTTP acknowledgement can carry the answer itself, so its adapter uses
`is_slow` and `answer_first` here and does its own acking (adapters/slack/acking.py). The member's answer leaves before anything slow: DMs, posts and threads an event
produces can be slow (a 500 that discord.py retries for half a minute) and must arrive exactly
once, so they are enqueued (the outbox gives them an idempotency key and retries them) instead
of being sent inline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from bot.kernel import actions as a
from bot.kernel.events import CommandInvoked, Event

if TYPE_CHECKING:
    from bot.kernel.app import App

ANSWERS = (a.Respond, a.OpenForm, a.RejectForm, a.PublishHome)
DURABLE = (a.SendPrivate, a.Post, a.StartThread)

Acknowledge = Callable[[], Awaitable[object]]


def split(actions: Iterable[a.Action]) -> tuple[list[a.Action], list[a.Action], list[a.Action]]:
    """(answers to the member, durable sends for the outbox, everything else), in order."""
    answers: list[a.Action] = []
    durable: list[a.Action] = []
    other: list[a.Action] = []
    for action in actions:
        if isinstance(action, ANSWERS):
            answers.append(action)
        elif isinstance(action, DURABLE):
            durable.append(action)
        else:
            other.append(action)
    return answers, durable, other


async def answer_first(app: App, actions: list[a.Action]) -> list[a.ActionResult]:
    """Deliver the answers now, queue the durable sends, then run the rest (edits, removals)."""
    answers, durable, other = split(actions)
    results = await app.deliver(answers)
    queue(app, durable)
    results += await app.deliver(other)
    return results


def queue(app: App, actions: list[a.Action]) -> None:
    if not actions:
        return
    with app.store.session() as s:
        for action in actions:
            app.outbox.enqueue(s, action, app.clock.now(), kind="answer.followup")
    app.outbox_kick()


def is_slow(app: App, event: Event) -> bool:
    """Commands marked `slow` are deferred at once rather than after the deadline."""
    if not isinstance(event, CommandInvoked):
        return False
    command = app.registry.get(event.path)
    return command is not None and command.slow


async def handled_within(
    app: App, event: Event, deadline: float, acknowledge: Acknowledge
) -> tuple[list[a.Action], bool]:
    """Handle the event. If its answer is not ready within `deadline` seconds (at once for a
    slow command) the platform is acknowledged first (Discord's deferral, Slack's ack), and the
    answer follows. Returns the answer and whether it was acknowledged already."""
    task = asyncio.ensure_future(app.handle(event))
    if is_slow(app, event):
        await acknowledge()
        return await task, True
    try:
        return await asyncio.wait_for(asyncio.shield(task), max(deadline, 0.05)), False
    except TimeoutError:
        await acknowledge()
        return await task, True


async def answer_within(
    app: App, event: Event, deadline: float, acknowledge: Acknowledge
) -> tuple[list[a.Action], list[a.ActionResult]]:
    """`handled_within`, then the answer delivered first and durable sends queued."""
    actions, _ = await handled_within(app, event, deadline, acknowledge)
    return actions, await answer_first(app, actions)
