"""Acknowledging Slack requests without waiting on anything slow.

Bolt runs with `process_before_response=True`: a listener's return is the moment Slack gets its
acknowledgement (the HTTP response, or the Socket Mode envelope ack), with no polling loop in
between. So each listener does only what the ack needs (for a slash command, the member's answer
when it is ready within the deadline) and hands everything else to `Background`, which keeps
the tasks referenced, logs their failures and lets `stop()` finish them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from adapters.slack import render
from bot.kernel import actions as a

log = logging.getLogger(__name__)


class Background:
    """Work that continues after Slack has its acknowledgement."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack work after the ack failed", exc_info=task.exception())

    async def drain(self, timeout: float) -> None:
        """Let running work finish (answers already promised), then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def in_ack(action: a.Action, interaction: str) -> bool:
    """Can this action be the body of the slash command's ack? Slack shows an ephemeral
    response body to the member at once, in any channel (the bot need not be a member there).
    Files cannot ride on it, and public answers are posted so that they get an idempotency key."""
    return (
        isinstance(action, a.Respond)
        and action.private
        and action.interaction == interaction
        and not action.message.attachments
        and action.place.thread is None
    )


def ack_body(action: a.Respond) -> dict[str, Any]:
    """The keyword arguments of Bolt's `ack()` that answer the member privately."""
    return {
        "text": render.fallback_text(action.message),
        "blocks": render.blocks_for(action.message),
        "response_type": "ephemeral",
    }


def take_answer(
    actions: list[a.Action], interaction: str
) -> tuple[a.Respond | None, list[a.Action]]:
    """The first answer that can ride on the ack, and the actions left to deliver after it."""
    for i, action in enumerate(actions):
        if in_ack(action, interaction):
            assert isinstance(action, a.Respond)
            return action, actions[:i] + actions[i + 1 :]
    return None, actions
