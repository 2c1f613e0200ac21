"""Outbox delivery (stored -> platform -> marked sent) with the outbox as it is: one process on
SQLite, and three processes sharing PostgreSQL when CROSSINGS_BENCH_POSTGRES_URL (or
CROSSINGS_TEST_POSTGRES_URL) names a server. The platform accepts everything at once, so the
figure is the outbox's own cost; every entry must be sent exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bot import actions as a
from bot.events import Place
from bot.message import Message
from bot.outbox import Outbox
from bot.store import Store

HERE = Path(__file__).resolve().parent


def fill(store: Store, n: int) -> None:
    outbox = Outbox(store, {})
    now = datetime.now(UTC)
    with store.session() as s:
        for i in range(n):
            action = a.Post(Place("bench", f"c{i % 20}", f"ch{i % 200}"), Message(text=f"note {i}"))
            outbox.enqueue(s, action, now, kind="bench", dedupe_key=f"bench:{i}")


def deliver(url: str, processes: int, n: int, tmp: Path) -> dict[str, object]:
    go = tmp / f"go-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    workers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "outbox_worker.py"), url, str(go)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    time.sleep(2)  # let every worker import and connect
    began = time.perf_counter()
    go.touch()
    sent = [int(w.communicate(timeout=600)[0].split()[-1]) for w in workers]
    elapsed = time.perf_counter() - began
    assert sum(sent) == n, f"sent {sum(sent)} of {n}"
    return {
        "bench": "outbox.delivery",
        "entries": n,
        "per_s": round(n / elapsed),
        "processes": processes,
        "per_process": sent,
    }


def sqlite(tmp: Path, n: int = 1_500) -> dict[str, object]:
    store = Store(f"sqlite:///{tmp}/outbox.db")
    store.create_all()
    fill(store, n)
    store.dispose()
    return {**deliver(store.url, 1, n, tmp), "database": "sqlite"}


def postgres(url: str, tmp: Path, n: int = 1_500) -> dict[str, object]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = Store(url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    store = Store(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        store.create_all()
        fill(store, n)
        return {**deliver(store.url, 3, n, tmp), "database": "postgresql"}
    finally:
        store.dispose()
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(sqlite(Path(tmp))), flush=True)
        url = os.environ.get("CROSSINGS_BENCH_POSTGRES_URL") or os.environ.get(
            "CROSSINGS_TEST_POSTGRES_URL"
        )
        if url:
            print(json.dumps(postgres(url, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
