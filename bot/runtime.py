"""Running the bot: the store, the app, the adapters whose tokens are configured (or the console
community), APScheduler ticking the core, the outbox worker, and a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any, Protocol, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import answering, metrics, timers
from bot.clock import Clock, SteerableClock, SystemClock
from bot.community import App
from bot.config import Settings
from bot.health import HealthServer
from bot.platform import Platform
from bot.store import Store
from bot.store.migrate import check_ready

log = logging.getLogger(__name__)


class Adapter(Protocol):
    """What an adapter package's `build(app, settings)` returns."""

    platform: Platform

    async def start(self) -> None:
        """Connect and start taking events; returns once running (or raises)."""
        ...

    async def stop(self) -> None:
        """Stop taking events and close connections."""
        ...


def adapter_modules(settings: Settings) -> list[str]:
    modules = []
    if settings.has_discord:
        modules.append("adapters.discord")
    if settings.has_slack:
        modules.append("adapters.slack")
    return modules


class Runtime:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.store = Store(settings.database_url)
        self.clock: Clock = clock or SystemClock()
        self.app = App(self.store, settings, self.clock)
        self.adapters: list[Adapter] = []
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stopping = asyncio.Event()
        self._kick = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self.on_started: list[Callable[[Runtime], Awaitable[None]]] = []
        self.health: HealthServer | None = None
        self.ready = False
        self.app.outbox.stopping = self.stopping.is_set
        self.tick_gate = timers.TickGate()

    def readiness(self) -> str | None:
        """None when this process can do its work; else why not (served on /readyz)."""
        if self.stopping.is_set():
            return "shutting down"
        if not self.ready:
            return "starting"
        check_ready(self.store)  # raises DatabaseNotReady with the reason
        return None

    async def start(self) -> None:
        check_ready(self.store)
        if self.settings.metrics.enabled:
            m = self.settings.metrics
            self.health = HealthServer(m.host, m.port, self.readiness)
            await self.health.start()
        # Build the big indexes before taking events (in a thread, so /healthz still answers):
        # built lazily, the first look-up would stall every event behind it; built in the
        # background while serving, the thread would hold the GIL away from the event loop.
        await answering.warm_indexes()
        for name in adapter_modules(self.settings):
            adapter: Adapter = importlib.import_module(name).build(self.app, self.settings)
            self.app.add_platform(adapter.platform)
            self.adapters.append(adapter)
        self.app.set_outbox_waker(self._kick.set)
        for adapter in self.adapters:
            await adapter.start()
        self.scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.settings.scheduler.tick_seconds, timezone=UTC),
            id="tick",
            coalesce=True,
            max_instances=2,  # the second finds the gate closed and is counted as skipped
            misfire_grace_time=None,
        )
        self.scheduler.start()
        self._tasks.append(asyncio.create_task(self._outbox_loop(), name="outbox"))
        self._kick.set()  # work left by a previous process goes out now, not a second later
        for hook in self.on_started:
            await hook(self)
        self.ready = True
        log.info("crossings running with %s", ", ".join(self.app.platforms) or "the console")

    async def _tick(self) -> None:
        await self.tick_gate.run(self._tick_once)

    async def _tick_once(self) -> None:
        try:
            await self.app.tick(self.clock.now())
        except Exception:
            log.exception("tick failed")

    async def _outbox_loop(self) -> None:
        """Deliver as soon as something is enqueued, and at least every second."""
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=1.0)
            self._kick.clear()
            try:
                await self.app.outbox.deliver_due(self.clock.now())
                metrics.OUTBOX_DEPTH.set(self.app.outbox.depth())
            except Exception:
                log.exception("outbox delivery failed")

    def request_stop(self) -> None:
        self.stopping.set()

    async def stop(self) -> None:
        """Stop taking events, finish the delivery in flight, hand the rest back, close."""
        self.stopping.set()
        self._kick.set()
        for adapter in self.adapters:
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping %s failed", adapter.platform.name)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in self._tasks:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(task, timeout=10)
        handed_back = self.app.outbox.release() + timers.release(self.store, self.app.timers.owner)
        pending = self.app.outbox.depth()
        if self.health is not None:
            await self.health.stop()
        self.store.dispose()
        log.info(
            "crossings stopped (%d leases handed back, %d outbox entries pending)",
            handed_back,
            pending,
        )

    def handle_signals(self) -> None:
        """SIGTERM and SIGINT start a clean shutdown (console mode included)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)

    async def serve_forever(self) -> None:
        self.handle_signals()
        await self.stopping.wait()


async def run(settings: Settings, stdin: TextIO | None = None) -> int:
    """`crossings run`: the configured platforms, or the console community without tokens."""
    console_mode = not adapter_modules(settings)
    runtime = Runtime(settings, SteerableClock() if console_mode else None)
    await runtime.start()
    try:
        if console_mode:
            runtime.handle_signals()
            from adapters.console.repl import repl

            await repl(runtime, stdin)
        else:
            await runtime.serve_forever()
    finally:
        await runtime.stop()
    return 0
