"""Answer first: the member's answer leaves before anything slow, durable sends go through the
outbox afterwards.

An interaction must be acknowledged within the platform's deadline (Discord 3 s, Slack 3 s,
trigger ids expire after 3 s). DMs and channel posts an event produces can be slow (a 500 that
discord.py retries for half a minute) and must arrive exactly once, so they are enqueued (the
outbox gives them an idempotency key and retries them) instead of being sent inline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot import actions as a

if TYPE_CHECKING:
    from bot.community import App

ANSWERS = (a.Respond, a.OpenForm, a.RejectForm)
DURABLE = (a.SendPrivate, a.Post, a.StartThread)


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


async def warm_indexes() -> None:
    """Build the big read-only indexes before serving, off the event loop (the gazetteer
    takes over a second; built lazily it would stall every event behind the first lookup)."""
    from bot.support import gazetteer

    await asyncio.to_thread(gazetteer.lookup, "warm-up")
