"""Core throughput on SQLite: commands through the dispatcher, and outbox delivery.

Prints one JSON object per figure. Run with `make bench` or `python bench/run.py core`.
"""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from adapters.console.platform import ConsolePlatform
from bot.kernel import actions as a
from bot.kernel.app import App
from bot.kernel.clock import SimulatedClock
from bot.kernel.events import Actor, CommandInvoked, Place
from bot.kernel.message import Message
from bot.kernel.store import Store
from crossings import build_app
from crossings.settings import Settings

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _app(tmp: Path) -> tuple[App, ConsolePlatform]:
    store = Store(f"sqlite:///{tmp}/bench.db")
    store.create_all()
    platform = ConsolePlatform(Console(file=io.StringIO(), width=120, color_system=None))
    app = build_app(store, Settings(database_url=store.url), SimulatedClock(START), [platform])
    return app, platform


async def bench_commands(app: App, n: int = 2000) -> dict[str, object]:
    place = Place("console", "home", "general")
    latencies = []
    began = time.perf_counter()
    for i in range(n):
        actor = Actor(f"member{i % 200}", f"Member {i % 200}")
        event = CommandInvoked(
            place, actor, START, path=("me", "language"), options={"language": "ja"}
        )
        t0 = time.perf_counter()
        actions = await app.handle(event)
        latencies.append(time.perf_counter() - t0)
        if not actions:
            raise RuntimeError("the command produced no reply")
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "bench": "core.command_dispatch",
        "commands": n,
        "per_second": round(n / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[int(n * 0.99)] * 1000, 3),
    }


async def bench_outbox(app: App, n: int = 2000) -> dict[str, object]:
    place = Place("console", "home", "general")
    clock = app.clock
    with app.store.session() as session:
        for i in range(n):
            app.outbox.enqueue(session, a.Post(place, Message(text=f"note {i}")), clock.now())
        session.commit()
    began = time.perf_counter()
    sent = 0
    while True:
        done = await app.outbox.deliver_due(clock.now() + timedelta(seconds=1))
        if not done:
            break
        sent += done
    elapsed = time.perf_counter() - began
    return {
        "bench": "core.outbox_delivery",
        "entries": n,
        "delivered": sent,
        "per_second": round(sent / elapsed),
        "left_in_outbox": app.outbox.depth(),
    }


async def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, _ = _app(Path(tmp))
        print(json.dumps(await bench_commands(app)))
        print(json.dumps(await bench_outbox(app)))
        app.store.dispose()


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
