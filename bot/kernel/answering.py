"""How an event's answer reaches the member: the strategies `App.run(event, answering=...)` takes.

Every adapter hands its events to `App.run`; what differs is how the platform wants the answer.
- `DeliverNow` (the default): handle the event, deliver its answer first, queue durable sends.
- `WithinDeadline`: an interaction must be acknowledged within the platform's deadline (Discord
  3 s, Slack 3 s, trigger ids expire after 3 s). If the answer is ready in time (and the command
  is not marked `slow`) the adapter's `acknowledge` gets it, and may carry part of it in the
  acknowledgement itself (Slack's ack body, a modal's errors); otherwise the platform is
  acknowledged at the deadline (Discord's deferral, Slack's plain ack) and the answer follows.
- `ForPage`: a dashboard form. The handler's private answer becomes the page's notice, a refusal
  becomes the page's error, and everything else the handler asked for is delivered as usual.
- `FROM_INBOX` (bot.kernel.delivery.inbox): an event recorded before the platform was
  acknowledged. Nobody waits on it: everything it asks for goes to the outbox, and its inbox
  entry is marked done, in the handler's own transaction.

The member's answer leaves before anything slow: DMs, posts and threads an event produces can be
slow (a 500 that discord.py retries for half a minute) and must arrive exactly once, so they are
enqueued (the outbox gives them an idempotency key and retries them) instead of sent inline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.kernel import actions as a
from bot.kernel.events import CommandInvoked, Event
from bot.kernel.message import Message

if TYPE_CHECKING:
    from bot.kernel.app import App
    from bot.kernel.context import Context

ANSWERS = (a.Respond, a.OpenForm, a.RejectForm, a.PublishHome)
DURABLE = (a.SendPrivate, a.Post, a.StartThread)
# Answers meant for the chat interaction itself; a page shows them instead.
PAGE_ONLY = (a.Respond, a.OpenForm, a.RejectForm)

T_co = TypeVar("T_co", covariant=True)

# Given the answer when it is ready in time, or None at the deadline; returns what is left to
# deliver of the answer it was given (what the acknowledgement did not carry).
Acknowledge = Callable[[list[a.Action] | None], Awaitable[list[a.Action]]]
Step = Callable[["Context"], None]


@dataclass
class Handled:
    """One event handled: its answer, and why its work was refused (then nothing was kept)."""

    actions: list[a.Action]
    refused: str | None = None
    conflict: bool = False  # refused because a row changed meanwhile (optimistic locking)


class Answering(Protocol[T_co]):
    """A way to answer: `App.run` hands it the event, and wakes the outbox after it."""

    async def __call__(self, app: App, event: Event) -> T_co: ...


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
    _queue(app, durable)
    results += await app.deliver(other)
    return results


def _queue(app: App, actions: list[a.Action]) -> None:
    if not actions:
        return
    with app.store.session() as s:
        for action in actions:
            app.outbox.enqueue(s, action, app.clock.now(), kind="answer.followup")


def is_slow(app: App, event: Event) -> bool:
    """Commands marked `slow` are acknowledged at once rather than at the deadline."""
    if not isinstance(event, CommandInvoked):
        return False
    command = app.registry.get(event.path)
    return command is not None and command.slow


# --- deliver now ----------------------------------------------------------------------------


class DeliverNow:
    """Handle the event, deliver its answer first, queue what is durable."""

    async def __call__(self, app: App, event: Event) -> list[a.ActionResult]:
        handled = await app.handled(event)
        return await answer_first(app, handled.actions)


DELIVER_NOW = DeliverNow()


# --- acknowledge within a deadline ------------------------------------------------------------


@dataclass
class Answered:
    """An interaction's answer, what delivering it gave, and whether the platform was
    acknowledged before the answer was ready."""

    actions: list[a.Action]
    results: list[a.ActionResult]
    early: bool


@dataclass
class WithinDeadline:
    """Acknowledge the platform within `seconds` (at once for a slow command): with the
    answer when it is ready by then, without it otherwise."""

    seconds: float
    acknowledge: Acknowledge

    async def __call__(self, app: App, event: Event) -> Answered:
        task = asyncio.ensure_future(app.handled(event))
        early = is_slow(app, event)
        if not early:
            done, _ = await asyncio.wait({task}, timeout=max(self.seconds, 0.05))
            early = not done
        if early:
            await self.acknowledge(None)
            actions = (await task).actions
            rest = actions
        else:
            actions = task.result().actions
            rest = await self.acknowledge(actions)
        return Answered(actions, await answer_first(app, rest), early)


# --- collect the answer for a page ------------------------------------------------------------


@dataclass
class PageAnswer:
    """What a dashboard page shows: the handler's private answers, or why it refused."""

    ok: bool
    replies: list[Message] = field(default_factory=list)
    error: str | None = None
    conflict: bool = False  # a row it changes was changed meanwhile: nothing was kept


@dataclass
class ForPage:
    """A change made on a page. `before` runs in the handler's transaction first (a concurrent-
    edit check, which may refuse with CommandError); `after` runs in it last (the audit entry)."""

    before: Step | None = None
    after: Step | None = None

    async def __call__(self, app: App, event: Event) -> PageAnswer:
        handled = await app.handled(event, before=self.before, after=self.after)
        if handled.refused is not None:
            return PageAnswer(False, error=handled.refused, conflict=handled.conflict)
        replies = [x.message for x in handled.actions if isinstance(x, a.Respond)]
        await answer_first(app, [x for x in handled.actions if not isinstance(x, PAGE_ONLY)])
        return PageAnswer(True, replies)
