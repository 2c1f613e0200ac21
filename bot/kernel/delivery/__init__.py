"""Delivering actions to platforms: now (an event's answer) or later (the outbox).

`Delivery.deliver` carries out an event's answer at once. It refuses, with a clear reason, any
action the platform has no handler for; a retryable failure (429, 5xx, timeout) moves the action
to the outbox so it is never dropped; a permanent one is logged and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.kernel import actions as a
from bot.kernel import metrics

if TYPE_CHECKING:
    from bot.kernel.app import App

log = logging.getLogger(__name__)


class Delivery:
    def __init__(self, app: App) -> None:
        self.app = app
        self._waker: Callable[[], None] | None = None

    # --- the outbox worker's wake-up -------------------------------------------------------
    def set_waker(self, waker: Callable[[], None]) -> None:
        self._waker = waker

    def kick(self) -> None:
        if self._waker is not None:
            self._waker()

    # --- now ----------------------------------------------------------------------------------
    async def deliver(self, actions: Iterable[a.Action]) -> list[a.ActionResult]:
        return [await self.deliver_one(action) for action in actions]

    async def deliver_one(self, action: a.Action) -> a.ActionResult:
        platform = self.app.platforms.get(action.place.platform)
        kind = type(action).__name__
        if platform is None:
            log.error("no platform %s for %s", action.place.platform, kind)
            return a.ActionResult.failed("no such platform")
        if not platform.can(type(action)):
            log.error("%s cannot %s; not sent", platform.name, kind)
            metrics.ACTIONS_FAILED.labels(platform.name, "False").inc()
            return a.ActionResult.failed(f"{platform.name} cannot {kind}")
        try:
            result = await platform.execute(action)
        except Exception as exc:
            log.exception("adapter raised executing %s", kind)
            result = a.ActionResult.failed(f"adapter error: {type(exc).__name__}")
        if result.ok:
            metrics.ACTIONS_SENT.labels(platform.name).inc()
            return result
        metrics.ACTIONS_FAILED.labels(platform.name, str(result.retryable)).inc()
        if result.retryable:
            with self.app.store.session() as s:
                self.app.outbox.enqueue(s, action, self.app.clock.now(), kind="retry")
            self.kick()
        else:
            log.error("%s failed: %s", kind, result.error)
        return result
