"""At the platforms' own limits, from one process to many:

- outbox.burst_at_limit: 1,000 communities' prompts fall due at once (a message and a thread
  from it each: 2,000 requests) and go through the Discord emulator, which enforces Discord's
  global limit (50 requests a second per bot token) and its per-route buckets; with 1 and with
  3 delivering processes (bench/limits_worker.py) sharing one rate budget through PostgreSQL
  (CROSSINGS_BENCH_POSTGRES_URL or CROSSINGS_TEST_POSTGRES_URL; without one, 1 process on
  SQLite). `seconds` from the start to the last entry sent, `minimum_seconds` the requests at
  50 a second, `ratio` the two, `rate_limited` the 429s the emulator answered
  (`rate_limited_after_first_second` those after the burst's first second).
- outbox.cross_process_wake (PostgreSQL only): an entry committed by this process is sent by
  another (`crossings`' runtime, bench/wake_worker.py, its poll set to a minute): p50 and p99 ms
  from the commit to the platform call, woken by LISTEN/NOTIFY.

The machine's load average is recorded with each figure: they mean something on a quiet one.
The emulator runs in this process (its OpenAPI check off, as in bench_e2e.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.kernel import actions as a
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Place
from bot.kernel.message import Message
from bot.kernel.store import Store
from crossings.migrate import upgrade
from tests.emulators.discord import schema
from tests.emulators.discord.server import GUILD_ID, DiscordEmulator

HERE = Path(__file__).resolve().parent
COMMUNITIES = 1_000
GLOBAL_PER_SECOND = 50
WAKES = 100


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def postgres_url() -> str | None:
    return os.environ.get("CROSSINGS_BENCH_POSTGRES_URL") or os.environ.get(
        "CROSSINGS_TEST_POSTGRES_URL"
    )


def fresh_postgres(url: str, migrated: bool = False) -> tuple[Store, Any]:
    """A store on a schema of its own, dropped afterwards; `migrated`: brought to the latest
    revision as `crossings db upgrade` does (the runtime checks it), else its tables made."""
    schema_name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = Store(url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    sep = "&" if "?" in url else "?"
    store = Store(f"{url}{sep}options=-csearch_path%3D{schema_name}")
    if migrated:
        upgrade(store)
    else:
        store.create_all()

    def drop() -> None:
        store.dispose()
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()

    return store, drop


def prompts(store: Store, channels: list[str]) -> None:
    outbox = Outbox(store, {})
    now = datetime.now(UTC)
    with store.session() as s:
        for i, channel in enumerate(channels):
            action = a.Post(
                Place("discord", GUILD_ID, channel),
                Message(f"This week's prompt for community {i}"),
                thread_name="This week's prompt",
            )
            outbox.enqueue(s, action, now, kind="prompt")


async def burst(store: Store, processes: int, tmp: Path) -> dict[str, Any]:
    emulator = DiscordEmulator()
    await emulator.start()
    channels = [emulator.add_channel(f"community-{i}") for i in range(COMMUNITIES)]
    prompts(store, channels)
    go = tmp / f"go-{processes}"
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "limits_worker.py"),
            store.url,
            emulator.api_base,
            str(go),
            cwd=HERE.parent,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(HERE.parent)},
        )
        for _ in range(processes)
    ]
    await asyncio.sleep(2.0)  # every worker connected
    started = time.time()
    go.touch()
    outputs = [await w.communicate() for w in workers]
    await emulator.stop()
    found = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    ended = max(f["ended"] for f in found)
    requests = 2 * COMMUNITIES
    minimum = requests / GLOBAL_PER_SECOND
    late = [t for t in emulator.limits.limited_at if t > started + 1.0]
    return {
        "bench": "outbox.burst_at_limit",
        "processes": processes,
        "database": "sqlite" if store.is_sqlite else "postgresql",
        "communities": COMMUNITIES,
        "requests": requests,
        "sent": sum(f["sent"] for f in found),
        "seconds": round(ended - started, 2),
        "minimum_seconds": minimum,
        "ratio": round((ended - started) / minimum, 3),
        "rate_limited": emulator.limits.rate_limited,
        "rate_limited_after_first_second": len(late),
        "global_rate_limited": emulator.limits.global_limited,
        "invalid_requests": emulator.limits.invalid_requests,
        "loadavg": loadavg(),
    }


async def cross_process_wake(store: Store) -> dict[str, Any]:
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "wake_worker.py"),
        store.url,
        cwd=HERE.parent,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(HERE.parent)},
    )
    assert worker.stdout is not None and worker.stdin is not None
    await worker.stdout.readline()  # ready: listening
    outbox = Outbox(store, {})
    latencies = []
    for i in range(WAKES):
        with store.session() as s:
            outbox.enqueue(s, a.Post(Place("wake", "g", "c"), Message(str(i))), datetime.now(UTC))
        committed = time.time()
        line = json.loads(await asyncio.wait_for(worker.stdout.readline(), 30))
        latencies.append((line["at"] - committed) * 1000)
        await asyncio.sleep(0.05)
    worker.stdin.close()
    await worker.wait()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "bench": "outbox.cross_process_wake",
        "database": "postgresql",
        "samples": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(cuts[98], 2),
        "poll_seconds": 60,
        "loadavg": loadavg(),
    }


async def run() -> None:
    schema.errors = lambda path, method, body: []  # the emulator's own cost, not the bot's
    url = postgres_url()
    with tempfile.TemporaryDirectory() as tmp:
        for processes in (1, 3) if url else (1,):
            if url:
                store, drop = fresh_postgres(url)
            else:
                store = Store(f"sqlite:///{tmp}/burst.db")
                store.create_all()
                drop = store.dispose
            try:
                print(json.dumps(await burst(store, processes, Path(tmp))), flush=True)
            finally:
                drop()
    if url:
        store, drop = fresh_postgres(url, migrated=True)
        try:
            print(json.dumps(await cross_process_wake(store)), flush=True)
        finally:
            drop()


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
