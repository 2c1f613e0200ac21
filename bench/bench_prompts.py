"""Prompt scheduling at scale (SQLite):
- start-up with 10,000 schedules: a fresh App finds the next due time and runs a first tick;
- 1,000 prompts due at the same moment: lag from due time to claim (wall clock), batched and
  one by one.
"""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy import update
from sqlmodel import select

from adapters.console.platform import ConsolePlatform
from bot.kernel.app import App
from bot.kernel.clock import SystemClock
from bot.kernel.store import Store, aware
from bot.kernel.store.models import Community
from bot.prompts import burst, tick
from bot.prompts.models import PromptPost, PromptSchedule
from crossings import build_app
from crossings.settings import Settings


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


async def _claim_lags(tmp: Path, name: str, due: int) -> list[float]:
    store = _store(tmp, name)
    _schedules(store, due, datetime.now(UTC) + timedelta(days=1), spread=False)
    app = _app(store)
    await app.warm_up()  # as `crossings run` does before serving
    # The running bot wakes at the due time: make them all due now, then tick at once.
    due_at = datetime.now(UTC)
    with store.session() as s:
        s.execute(update(PromptSchedule).values(next_fire_at=due_at))
    await tick.run_due(app, datetime.now(UTC))
    with store.session() as s:
        posts = s.exec(select(PromptPost)).all()
    assert len(posts) == due, f"{len(posts)} of {due} prompts claimed"
    store.dispose()
    return sorted((aware(p.claimed_at) - aware(p.fire_at)).total_seconds() for p in posts)  # type: ignore[operator]


def _one_by_one(
    app: App, ids: Sequence[int | None], now: datetime, grace: timedelta
) -> list[int | None]:
    """The baseline: hand every schedule back to the per-schedule path (as before batching)."""
    return list(ids)


async def bench_claim_lag(tmp: Path, due: int = 1_000) -> dict[str, object]:
    """Lag from due time to claim when `due` prompts fall due at the same moment: batched
    claiming, and the one-transaction-per-schedule path as the baseline, in one run."""
    lags = await _claim_lags(tmp, "burst", due)
    batched = burst.fire_batch
    burst.fire_batch = _one_by_one  # type: ignore[assignment]
    try:
        base = await _claim_lags(tmp, "burst_baseline", due)
    finally:
        burst.fire_batch = batched  # type: ignore[assignment]
    return {
        "bench": "prompts.claim_lag",
        "database": "sqlite",
        "due": due,
        "p50_s": round(statistics.median(lags), 3),
        "p99_s": round(lags[int(len(lags) * 0.99) - 1], 3),
        "max_s": round(lags[-1], 3),
        "baseline": "one transaction per schedule",
        "baseline_p50_s": round(statistics.median(base), 3),
        "baseline_p99_s": round(base[int(len(base) * 0.99) - 1], 3),
    }


async def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(await bench_startup(Path(tmp))))
        print(json.dumps(await bench_claim_lag(Path(tmp))))


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
