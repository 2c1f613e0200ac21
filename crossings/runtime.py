"""Running the bot: the store, the app, the adapters whose tokens are configured (or the console
community), APScheduler ticking the core, the outbox worker, and a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.kernel import metrics, timers
from bot.kernel.clock import Clock, SteerableClock, SystemClock
from bot.kernel.config import Settings
from bot.kernel.delivery.wakeups import Wakeups
from bot.kernel.health import HealthServer
from bot.kernel.plugin import Adapter, AdapterPlugin
from bot.kernel.store import Store
from crossings import build_app
from crossings.migrate import check_ready, migrate_if_new
from crossings.plugins import (
    enabled_plugins,
    enabled_services,
    local_services,
    section,
    sign_in_providers,
)

log = logging.getLogger(__name__)


class Runtime:
    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        plugins: list[AdapterPlugin] | None = None,
    ) -> None:
        self.settings = settings
        # By default the configured platforms only; `run` adds the console when there are none.
        self.plugins = (
            plugins
            if plugins is not None
            else [p for p in enabled_plugins(settings) if not p.fallback]
        )
        self.store = Store(settings.database_url)
        self.clock: Clock = clock or SystemClock()
        self.app = build_app(self.store, settings, self.clock)
        self.adapters: list[Adapter] = []
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stopping = asyncio.Event()
        self._deadline: threading.Timer | None = None
        self._kick = asyncio.Event()
        self._inbox_kick = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self.on_started: list[Callable[[Runtime], Awaitable[None]]] = []
        self.health: HealthServer | None = None
        self.ready = False
        self.app.outbox.stopping = self.stopping.is_set
        self.app.inbox.worker.stopping = self.stopping.is_set
        self.tick_gate = timers.TickGate()
        self.wakeups: Wakeups | None = None

    def readiness(self) -> str | None:
        """None when this process can do its work; else why not (served on /readyz)."""
        if self.stopping.is_set():
            return "shutting down"
        if not self.ready:
            return "starting"
        check_ready(self.store)  # raises DatabaseNotReady with the reason
        return None

    async def start(self) -> None:
        migrate_if_new(self.store)
        check_ready(self.store)
        await self._serve_http()
        # Build the big indexes before taking events (in a thread, so /healthz still answers):
        # built lazily, the first look-up would stall every event behind it.
        await self.app.warm_up()
        for plugin in self.plugins:
            adapter = plugin.build(self.app, self.settings)
            self.app.add_platform(adapter.platform)
            self.adapters.append(adapter)
        self.app.set_outbox_waker(self._kick.set)
        if not self.store.is_sqlite:  # another process's enqueue wakes this one's worker
            self.wakeups = Wakeups(self.store.engine, self._kick.set)
            self.wakeups.start()
        self.app.inbox.set_waker(self._inbox_kick.set)
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
        self._tasks.append(asyncio.create_task(self._inbox_loop(), name="inbox"))
        # Work left by a previous process goes out now, not a second later.
        self._kick.set()
        self._inbox_kick.set()
        for hook in self.on_started:
            await hook(self)
        self.ready = True
        log.info("crossings running with %s", ", ".join(self.app.platforms))

    async def _serve_http(self) -> None:
        """/healthz, /readyz, /metrics and any web service (the dashboard) on one server."""
        services = enabled_services(self.settings)
        if not (self.settings.metrics.enabled or services):
            return
        m = self.settings.metrics
        self.health = HealthServer(m.host, m.port, self.readiness, metrics=m.enabled)
        for service in services:
            assert service.mount is not None
            providers = sign_in_providers(self.settings)
            self.health.mount(*service.mount(self.app, self.settings, providers))
        await self.health.start()
        for service in services:
            where = section(self.settings, service)
            log.info("%s on %s", service.name, service.summary(where) if service.summary else "")

    async def _tick(self) -> None:
        await self.tick_gate.run(self._tick_once)

    async def _tick_once(self) -> None:
        try:
            await self.app.tick(self.clock.now())
        except Exception:
            log.exception("tick failed")

    async def _outbox_loop(self) -> None:
        """Deliver as soon as something is enqueued (here, or in another process on PostgreSQL),
        and at least every `outbox.poll_seconds`."""
        poll = self.settings.outbox.poll_seconds
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=poll)
            self._kick.clear()
            try:
                await self.app.outbox.deliver_due(self.clock.now())
                metrics.OUTBOX_DEPTH.set(self.app.outbox.depth())
            except Exception:
                log.exception("outbox delivery failed")

    async def _inbox_loop(self) -> None:
        """Run recorded events as soon as one is recorded, and at least every second (entries
        whose lease ran out, retries)."""
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._inbox_kick.wait(), timeout=1.0)
            self._inbox_kick.clear()
            try:
                await self.app.inbox.run_due(self.clock.now())
            except Exception:
                log.exception("inbox work failed")

    def request_stop(self) -> None:
        self.stopping.set()
        self._start_deadline()

    def _start_deadline(self) -> None:
        """From the first stop request, `shutdown_seconds` for a clean stop; then a hard exit
        from a thread of its own, which a blocked event loop cannot hold up."""
        if self._deadline is None:
            self._deadline = threading.Timer(self.settings.shutdown_seconds, _exit_now)
            self._deadline.daemon = True
            self._deadline.start()

    async def stop(self) -> None:
        """Stop taking events, finish the delivery in flight, hand the rest back, close."""
        self.stopping.set()
        self._start_deadline()
        self._kick.set()
        self._inbox_kick.set()
        for adapter in self.adapters:
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping %s failed", adapter.platform.name)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.wakeups is not None:
            await self.wakeups.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(task, timeout=10)
        handed_back = (
            self.app.outbox.release()
            + self.app.inbox.release()
            + timers.release(self.store, self.app.timers.owner)
        )
        pending = self.app.outbox.depth()
        if self.health is not None:
            await self.health.stop()
        self.store.dispose()
        if self._deadline is not None:
            self._deadline.cancel()
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
        """Until a signal, or until an adapter finishes (the console at end of input)."""
        self.handle_signals()
        waits = [asyncio.ensure_future(self.stopping.wait())]
        waits += [asyncio.ensure_future(a.finished.wait()) for a in self.adapters]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()


def _exit_now() -> None:
    log.critical("the clean shutdown did not finish in time; exiting (leases will expire)")
    logging.shutdown()
    os._exit(70)  # EX_SOFTWARE: a supervisor's log shows that the stop was not clean


def _say_where(settings: Settings) -> None:
    """Print where the web services run (the console's terminal shows no log lines)."""
    for service in enabled_services(settings):
        where = section(settings, service)
        if service.summary is not None:
            print(f"Dashboard: {service.summary(where)}", flush=True)


async def run(settings: Settings) -> int:
    """`crossings run`: the configured platforms, or the console community without them."""
    plugins = enabled_plugins(settings)
    console_mode = all(p.fallback for p in plugins)
    if console_mode:
        settings = local_services(settings)
    runtime = Runtime(settings, SteerableClock() if console_mode else None, plugins)
    await runtime.start()
    if console_mode:
        _say_where(settings)
    try:
        await runtime.serve_forever()
    finally:
        await runtime.stop()
    return 0
