"""Outbox delivery (stored -> platform -> marked sent): one process on SQLite, and three
processes sharing PostgreSQL when CROSSINGS_BENCH_POSTGRES_URL (or CROSSINGS_TEST_POSTGRES_URL)
names a server. The platform accepts everything at once and declares no rate limit, so the
figure is the outbox's own cost; every entry must be sent exactly once.

Each database gets one JSON object: `per_s` for the outbox as it is, `baseline_per_s` for the
outbox before batching (bench/legacy_outbox.py) on the same kind of data in the same run, and
the CPU time each spent per delivery (summed over its processes), which a busy machine
disturbs much less than the wall clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.kernel import actions as a
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Place
from bot.kernel.message import Message
from bot.kernel.store import Store

HERE = Path(__file__).resolve().parent
ENTRIES = 6_000
BASELINE_ENTRIES = 1_500  # the old outbox is slow enough that fewer give a steady rate


def fill(store: Store, n: int) -> None:
    """n posts over 20 communities and 200 channels, as bursts of prompts and cards look."""
    outbox = Outbox(store, {})
    now = datetime.now(UTC)
    with store.session() as s:
        for i in range(n):
            action = a.Post(Place("bench", f"c{i % 20}", f"ch{i % 200}"), Message(text=f"note {i}"))
            outbox.enqueue(s, action, now, kind="bench", dedupe_key=f"bench:{i}")


def deliver(url: str, processes: int, n: int, tmp: Path, legacy: bool) -> dict[str, Any]:
    go = tmp / f"go-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    flags = ["--legacy"] if legacy else []
    workers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "outbox_worker.py"), url, str(go), *flags],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    time.sleep(2)  # let every worker import and connect
    go.touch()
    reports = [json.loads(w.communicate(timeout=600)[0].splitlines()[-1]) for w in workers]
    sent = [r["sent"] for r in reports]
    assert sum(sent) == n, f"sent {sum(sent)} of {n}"
    elapsed = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    cpu = sum(r["cpu_s"] for r in reports)
    return {
        "per_s": round(n / elapsed),
        "cpu_us_per_delivery": round(cpu / n * 1e6),
        "per_process": sent,
    }


def measure(make_store: Callable[[], tuple[Store, Callable[[], None]]], processes: int) -> Any:
    """The current outbox, then the old one, each on a freshly filled store."""
    figures = {}
    for legacy, n in ((False, ENTRIES), (True, BASELINE_ENTRIES)):
        store, drop = make_store()
        try:
            fill(store, n)
            with tempfile.TemporaryDirectory() as tmp:
                figures[legacy] = {
                    "entries": n,
                    **deliver(store.url, processes, n, Path(tmp), legacy),
                }
        finally:
            drop()
    new, old = figures[False], figures[True]
    return {
        "bench": "outbox.delivery",
        "processes": processes,
        **new,
        "baseline_per_s": old["per_s"],
        "baseline_cpu_us_per_delivery": old["cpu_us_per_delivery"],
        "baseline_entries": old["entries"],
    }


def sqlite_store(tmp: Path) -> Callable[[], tuple[Store, Callable[[], None]]]:
    def make() -> tuple[Store, Callable[[], None]]:
        path = tmp / f"outbox-{uuid.uuid4().hex[:6]}.db"
        store = Store(f"sqlite:///{path}")
        store.create_all()
        return store, store.dispose

    return make


def postgres_store(url: str) -> Callable[[], tuple[Store, Callable[[], None]]]:
    def make() -> tuple[Store, Callable[[], None]]:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = Store(url)
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in url else "?"
        store = Store(f"{url}{sep}options=-csearch_path%3D{schema}")
        store.create_all()

        def drop() -> None:
            store.dispose()
            with admin.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

        return store, drop

    return make


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        figure = measure(sqlite_store(Path(tmp)), processes=1)
        print(json.dumps({**figure, "database": "sqlite"}), flush=True)
    url = os.environ.get("CROSSINGS_BENCH_POSTGRES_URL") or os.environ.get(
        "CROSSINGS_TEST_POSTGRES_URL"
    )
    if url:
        figure = measure(postgres_store(url), processes=3)
        print(json.dumps({**figure, "database": "postgresql"}), flush=True)


if __name__ == "__main__":
    main()
