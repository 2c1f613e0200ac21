"""Prompt scheduling at scale (SQLite):
- start-up with 10,000 schedules: a fresh App finds the next due time and runs a first tick;
- 1,000 prompts due in the same minute: lag from due time to claim (wall clock).
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
from sqlmodel import select

from adapters.console.platform import ConsolePlatform
from bot.app import App
from bot.clock import SystemClock
from bot.config import Settings
from bot.prompts import engine
from bot.prompts.models import PromptPost, PromptSchedule
from bot.store import Store, aware
from bot.store.models import Community
from crossings import build_app


def _store(tmp: Path, name: str) -> Store:
    store = Store(f"sqlite:///{tmp}/{name}.db")
    store.create_all()
    return store


def _schedules(store: Store, n: int, first: datetime, spread: bool) -> None:
    with store.session() as s:
        s.add(Community(platform="console", community_id="home", created_at=first))
        for i in range(n):
            at = first + timedelta(minutes=i % 10_080) if spread else first
            s.add(
                PromptSchedule(
                    platform="console",
                    community_id="home",
                    channel=f"c{i}",
                    theme="red-flags",
                    rule="0 19 * * 1",
                    timezone="Europe/Berlin",
                    next_fire_at=at,
                    created_by="org",
                    created_at=first,
                )
            )


def _app(store: Store) -> App:
    platform = ConsolePlatform(Console(file=io.StringIO(), color_system=None))
    return build_app(store, Settings(database_url=store.url), SystemClock(), [platform])


async def bench_startup(tmp: Path) -> dict[str, object]:
    store = _store(tmp, "startup")
    _schedules(store, 10_000, datetime.now(UTC) + timedelta(hours=1), spread=True)
    began = time.perf_counter()
    app = _app(store)
    due = app.next_due(datetime.now(UTC))
    await app.tick()
    elapsed = time.perf_counter() - began
    assert due is not None
    return {
        "bench": "prompts.startup_10k_schedules",
        "schedules": 10_000,
        "seconds": round(elapsed, 3),
    }


async def bench_same_minute(tmp: Path) -> dict[str, object]:
    store = _store(tmp, "burst")
    due_at = datetime.now(UTC).replace(microsecond=0)
    _schedules(store, 1_000, due_at, spread=False)
    app = _app(store)
    await engine.run_due(app, datetime.now(UTC))
    with store.session() as s:
        posts = s.exec(select(PromptPost)).all()
    lags = sorted((aware(p.claimed_at) - aware(p.fire_at)).total_seconds() for p in posts)  # type: ignore[operator]
    return {
        "bench": "prompts.claim_lag_1000_same_minute",
        "prompts": len(posts),
        "p50_ms": round(statistics.median(lags) * 1000, 1),
        "p99_ms": round(lags[int(len(lags) * 0.99) - 1] * 1000, 1),
        "max_ms": round(lags[-1] * 1000, 1),
    }


async def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(await bench_startup(Path(tmp))))
        print(json.dumps(await bench_same_minute(Path(tmp))))


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
