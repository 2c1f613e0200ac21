"""Resident memory of `crossings run` on a large data set: 100 communities, 100,000 members
(preferences and peer profiles), 10,000 prompt schedules spread over a week and 100 weekly peer
rounds, all on SQLite. The bot runs as its own process (the console, as without tokens); its
resident set is read after start-up and again after an hour of simulated time, advanced in
ten-minute steps so everything due in that hour runs (prompts posted, peer rounds matched).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import select

from bot.kernel.store import Store
from bot.kernel.store.models import Community, MemberPrefs
from bot.peers import TAGS
from bot.peers.models import PeerProfile, PeerRound, PeerSchedule
from bot.prompts.models import PromptPost, PromptSchedule

COMMUNITIES, MEMBERS, SCHEDULES = 100, 100_000, 10_000
ROOT = Path(__file__).resolve().parents[1]
LANGS = ["en", "es", "ja", "de", "pt", "fr"]
ZONES = ["Europe/Madrid", "Europe/Berlin", "Asia/Tokyo", "America/New_York", "UTC"]


def _table(model: Any) -> Any:
    return model.__table__


def seed(store: Store, now: datetime) -> None:
    rng = random.Random(9)
    communities = [f"c{i}" for i in range(COMMUNITIES)]
    with store.session() as s:
        for c in [*communities, "home"]:
            s.add(Community(platform="console", community_id=c, name=c, created_at=now))
    with store.engine.begin() as conn:
        members = [(communities[i % COMMUNITIES], f"u{i}") for i in range(MEMBERS)]
        conn.execute(
            insert(_table(MemberPrefs)),
            [
                {"platform": "console", "community_id": c, "user_id": u, "locale": "en"}
                for c, u in members
            ],
        )
        conn.execute(
            insert(_table(PeerProfile)),
            [
                {
                    "platform": "console",
                    "community_id": c,
                    "user_id": u,
                    "tags": rng.sample(sorted(TAGS), rng.randint(1, 3)),
                    "languages": rng.sample(LANGS, rng.randint(1, 2)),
                    "timezone": rng.choice(ZONES),
                    "active": True,
                    "joined_at": now,
                }
                for c, u in members
            ],
        )
        conn.execute(
            insert(_table(PromptSchedule)),
            [
                {
                    "platform": "console",
                    "community_id": communities[i % COMMUNITIES],
                    "channel": f"ch{i}",
                    "theme": "red-flags",
                    "rule": "0 19 * * 1",
                    "timezone": "Europe/Berlin",
                    "next_fire_at": now + timedelta(seconds=(i * 604_800) // SCHEDULES + 30),
                    "created_by": "org",
                    "created_at": now,
                }
                for i in range(SCHEDULES)
            ],
        )
        conn.execute(
            insert(_table(PeerSchedule)),
            [
                {
                    "platform": "console",
                    "community_id": c,
                    "channel": "general",
                    "every_days": 7,
                    "next_at": now + timedelta(hours=i * 168 / COMMUNITIES, minutes=1),
                    "active": True,
                }
                for i, c in enumerate(communities)
            ],
        )


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/memory.db"
        env = {**os.environ, "CROSSINGS_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        for key in [k for k in env if k.startswith(("CROSSINGS_DISCORD", "CROSSINGS_SLACK"))]:
            del env[key]
        cli = [sys.executable, "-m", "crossings.cli"]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        store = Store(url)
        seed(store, datetime.now(UTC))
        store.dispose()
        bot = subprocess.Popen(
            [*cli, "run"],
            env=env,
            cwd=tmp,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert bot.stdin is not None
        time.sleep(8)  # start-up and the first ticks
        started, _ = rss_mb(bot.pid)
        began = time.perf_counter()
        for _ in range(6):
            bot.stdin.write("/clock +10m\n")
            bot.stdin.flush()
            time.sleep(4)
        after, peak = rss_mb(bot.pid)
        simulated = time.perf_counter() - began
        bot.stdin.close()
        bot.wait(timeout=60)
        done = Store(url)
        with done.session() as s:
            posts = len(s.exec(select(PromptPost.id)).all())
            rounds = s.exec(select(PeerRound)).all()
        done.dispose()
        print(
            json.dumps(
                {
                    "bench": "memory.run",
                    "communities": COMMUNITIES,
                    "members": MEMBERS,
                    "schedules": SCHEDULES,
                    "rss_mb": round(max(started, after), 1),
                    "rss_mb_after_start": round(started, 1),
                    "rss_mb_after_an_hour": round(after, 1),
                    "peak_rss_mb": round(peak, 1),
                    "wall_seconds_for_the_hour": round(simulated, 1),
                    "prompts_claimed_in_the_hour": posts,
                    "peer_rounds_in_the_hour": len(rounds),
                    "members_matched": sum(r.members for r in rounds),
                }
            )
        )


if __name__ == "__main__":
    main()
