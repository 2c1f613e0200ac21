"""kill -9 at random moments while `crossings run` delivers due prompts, queue cards and DMs to
the Discord and Slack emulators; afterwards every piece of work must be on the platforms once.

The emulators answer each request only after a pause (`latency`), so a kill often lands
between the platform doing the work and the bot hearing about it: the case that only
idempotent sends survive. Used by test_kill9.py and runnable by hand:

    python -m tests.delivery.kill9 sqlite:///tmp/k.db --kills 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select

from bot.kernel import actions as a
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Place
from bot.kernel.message import Message
from bot.kernel.store import Store
from bot.kernel.store.models import OutboxEntry
from crossings.migrate import upgrade
from tests.emulators.discord.server import GUILD_ID, TOKEN, DiscordEmulator
from tests.emulators.slack.server import APP_TOKEN, BOT_TOKEN, TEAM_ID, SlackEmulator

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 5
DRAIN_CAP = 600.0  # seconds the last run may take in all, however steadily it sends
DM_USER_DISCORD = "111"
DM_USER_SLACK = "UAMIRA"


@dataclass
class Tally:
    """What the platforms hold, per piece of work."""

    posts: Counter[str] = field(default_factory=Counter)
    threads: Counter[str] = field(default_factory=Counter)
    replies: Counter[str] = field(default_factory=Counter)
    dms: Counter[str] = field(default_factory=Counter)

    def problems(self, expected: dict[str, list[str]]) -> dict[str, Any]:
        lost, doubled = [], []
        for kind, keys in expected.items():
            seen: Counter[str] = getattr(self, kind)
            lost += [f"{kind}:{k}" for k in keys if seen[k] == 0]
            doubled += [f"{kind}:{k}x{seen[k]}" for k in keys if seen[k] > 1]
            doubled += [f"{kind}:{k}?" for k in seen if k not in keys]
        return {"lost": lost, "duplicated": doubled}


def _work(round_no: int) -> list[tuple[str, str, a.Action]]:
    """(platform, key, action) for one round: prompts with threads, cards and DMs."""
    work: list[tuple[str, str, a.Action]] = []
    for platform, community, prompts, queue, dm_user in (
        ("discord", GUILD_ID, "prompts", "moderators", DM_USER_DISCORD),
        ("slack", TEAM_ID, "C0PROMPTS", "C0MODS", DM_USER_SLACK),
    ):
        for n in range(2):
            key = f"{platform[0]}p{round_no}-{n}"
            work.append((platform, key, prompt(platform, community, prompts, key)))
        key = f"{platform[0]}c{round_no}"
        work.append(
            (
                platform,
                key,
                a.Post(Place(platform, community, queue), Message(title=key, text="card")),
            )
        )
        key = f"{platform[0]}d{round_no}"
        work.append(
            (
                platform,
                key,
                a.SendPrivate(Place(platform, community), dm_user, Message(title=key, text="dm")),
            )
        )
    return work


def prompt(platform: str, community: str, channel: str, key: str) -> a.Post:
    return a.Post(
        Place(platform, community, channel),
        Message(title=key, text="This week's question"),
        thread_name=f"t-{key}",
        first_reply=Message(text=f"r-{key}"),
    )


class Harness:
    def __init__(self, database_url: str, seed: int) -> None:
        self.url = database_url
        self.random = random.Random(seed)
        self.discord = DiscordEmulator()
        self.slack = SlackEmulator()
        self.expected: dict[str, list[str]] = {"posts": [], "threads": [], "replies": [], "dms": []}
        self.kills = 0
        self.startup: list[float] = []
        self.progress: list[tuple[int, int]] = []  # pending entries before and after each run
        self.store: Store | None = None
        self.undrained: list[str] = []  # entries still pending when the last run gave up
        self.hung_stops = 0

    async def start(self) -> None:
        await self.discord.start()
        await self.slack.start()
        self.discord.add_member(DM_USER_DISCORD, "Amira")
        self.slack.add_user(DM_USER_SLACK, "Amira")
        self.discord.latency = self.slack.latency = 0.04
        self.store = Store(self.url)
        upgrade(self.store)
        self.store.create_all()

    async def stop(self) -> None:
        await self.discord.stop()
        await self.slack.stop()
        if self.store is not None:
            self.store.dispose()

    def channel(self, platform: str, name: str) -> str:
        return self.discord.channel_id(name) if platform == "discord" else name

    def enqueue_round(self, round_no: int) -> None:
        assert self.store is not None
        outbox = Outbox(self.store, {})
        now = datetime.now(UTC)
        with self.store.session() as s:
            for platform, key, action in _work(round_no):
                if platform == "discord":
                    place = action.place
                    target = place.channel and self.discord.channel_id(place.channel)
                    action = _with_channel(action, target)
                outbox.enqueue(s, action, now, kind="kill9", dedupe_key=f"kill9:{key}")
                if isinstance(action, a.SendPrivate):
                    self.expected["dms"].append(key)
                else:
                    self.expected["posts"].append(key)
                if isinstance(action, a.Post) and action.thread_name:
                    self.expected["threads"].append(f"t-{key}")
                    self.expected["replies"].append(f"r-{key}")

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CROSSINGS_DATABASE_URL": self.url,
            "CROSSINGS_DISCORD__TOKEN": TOKEN,
            "CROSSINGS_DISCORD__API_BASE_URL": self.discord.api_base,
            "CROSSINGS_DISCORD__GATEWAY_URL": self.discord.gateway_url,
            "CROSSINGS_DISCORD__COMMAND_SYNC": "off",
            "CROSSINGS_SLACK__BOT_TOKEN": BOT_TOKEN,
            "CROSSINGS_SLACK__APP_TOKEN": APP_TOKEN,
            "CROSSINGS_SLACK__API_BASE_URL": self.slack.base_url,
            "CROSSINGS_SCHEDULER__TICK_SECONDS": "0.5",
            "CROSSINGS_SCHEDULER__LEASE_SECONDS": str(LEASE_SECONDS),
            "CROSSINGS_METRICS__ENABLED": "false",
            "CROSSINGS_LOGGING__LEVEL": "INFO",
            "CROSSINGS_CONFIG": "/nonexistent/crossings.toml",
        }

    async def run_bot(self, kill_after: float | None, timeout: float = 60.0) -> None:
        """`crossings run` until killed `kill_after` s after it is ready (or all is sent)."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "crossings.cli", "run",
            cwd=ROOT, env=self.env(),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await asyncio.wait_for(self._ready(proc), 30)
            if kill_after is not None:
                await asyncio.sleep(kill_after)
                proc.send_signal(signal.SIGKILL)
                self.kills += 1
            else:
                try:
                    await asyncio.wait_for(self._drained(stalled_after=timeout), DRAIN_CAP)
                except TimeoutError:
                    self.undrained = self.pending_entries()
                proc.send_signal(signal.SIGTERM)
        finally:
            await self._ended(proc)

    async def _ended(self, proc: asyncio.subprocess.Process) -> None:
        """Wait for the bot to exit, a minute at most (its own shutdown deadline is 30 s):
        a stop that hangs is a finding, never a hung test run."""
        if proc.returncode is not None:
            return
        try:
            await asyncio.wait_for(proc.wait(), 60)
        except TimeoutError:
            self.hung_stops += 1
            proc.kill()
            await proc.wait()

    async def _ready(self, proc: asyncio.subprocess.Process) -> None:
        started = asyncio.get_running_loop().time()
        assert proc.stderr is not None
        while True:
            line = (await proc.stderr.readline()).decode()
            if not line:
                raise RuntimeError(f"the bot exited before it was ready (rc={await proc.wait()})")
            if "crossings running" in line:
                self.startup.append(asyncio.get_running_loop().time() - started)
                asyncio.get_running_loop().create_task(_drain_pipe(proc))
                return

    async def _drained(self, stalled_after: float) -> None:
        """Until nothing is pending; TimeoutError once nothing was sent for `stalled_after`
        seconds (a backlog in one channel goes out at Discord's 5 in 5 s, so its size, not a
        fixed time, says how long the last run takes)."""
        loop = asyncio.get_running_loop()
        last, moved = self.pending(), loop.time()
        while last:
            await asyncio.sleep(0.2)
            now_pending = self.pending()
            if now_pending < last:
                moved = loop.time()
            elif loop.time() - moved > stalled_after:
                raise TimeoutError
            last = now_pending

    def pending_entries(self) -> list[str]:
        assert self.store is not None
        with self.store.session() as s:
            rows = s.exec(select(OutboxEntry).where(col(OutboxEntry.status) == "pending")).all()
            return [
                f"{r.id}:{r.lane}:attempts={r.attempts}:due={r.next_attempt_at}"
                f":lease={r.lease_owner}/{r.lease_until}:{r.last_error}"
                for r in rows
            ]

    def pending(self) -> int:
        assert self.store is not None
        with self.store.session() as s:
            query = select(func.count()).where(col(OutboxEntry.status) == "pending")
            return int(s.exec(query).one())

    def tally(self) -> Tally:
        t = Tally()
        bot_created = [
            m for m in self.discord.messages.values() if m["author"]["id"] != DM_USER_DISCORD
        ]
        dm_channels = {c["id"] for c in self.discord.channels.values() if c.get("type") == 1}
        for m in bot_created:
            title = (m.get("embeds") or [{}])[0].get("title") or ""
            text = json.dumps(m.get("embeds"))
            if m["channel_id"] in dm_channels:
                t.dms[title] += 1
            elif title:
                t.posts[title] += 1
            elif "r-" in text:
                t.replies[_marker(text, "r-")] += 1
        for c in self.discord.channels.values():
            if c.get("type") in (11, 12):
                t.threads[c["name"]] += 1
        for m in self.slack.messages:
            text = json.dumps(m.get("blocks")) + (m.get("text") or "")
            if m["channel"].startswith("D"):
                t.dms[_marker(text, "sd")] += 1
            elif m.get("thread_ts"):
                t.replies[_marker(text, "r-")] += 1
            else:
                key = _marker(text, "sp") or _marker(text, "sc")
                t.posts[key] += 1
                if self._slack_has_thread(m):
                    t.threads[f"t-{key}"] += 1
        return t

    def _slack_has_thread(self, message: dict[str, Any]) -> bool:
        return any(r.get("thread_ts") == message["ts"] for r in self.slack.messages)


def _marker(text: str, prefix: str) -> str:
    """The work key (e.g. `sp3-1`, `r-dp3-1`) found in a rendered message."""
    import re

    found = re.search(rf"({re.escape(prefix)}[a-z]*\d+(?:-\d+)?)", text)
    return found.group(1) if found else ""


def _with_channel(action: a.Action, channel: str | None) -> a.Action:
    from dataclasses import replace

    if channel is None:
        return action
    return replace(action, place=replace(action.place, channel=channel))


async def _drain_pipe(proc: asyncio.subprocess.Process) -> None:
    """Keep reading the bot's stderr so a full pipe never blocks it."""
    assert proc.stderr is not None
    while await proc.stderr.readline():
        pass


async def run(database_url: str, kills: int, seed: int) -> dict[str, Any]:
    """Rounds of work, a kill -9 at a random moment in each, then a clean run to finish."""
    harness = Harness(database_url, seed)
    await harness.start()
    try:
        round_no = 0
        while harness.kills < kills:
            if round_no % 2 == 0:
                harness.enqueue_round(round_no // 2)
            round_no += 1
            before = harness.pending()
            await harness.run_bot(kill_after=harness.random.uniform(0.05, 2.5))
            after = harness.pending()
            harness.progress.append((before, after))
        await harness.run_bot(kill_after=None, timeout=LEASE_SECONDS * 6)
        result = harness.tally().problems(harness.expected)
        result.update(
            kills=harness.kills,
            undrained=harness.undrained,
            hung_stops=harness.hung_stops,
            pieces=sum(len(v) for v in harness.expected.values()),
            seed=seed,
            # How often a kill hit the window only idempotent sends survive:
            discord_nonce_returned_existing=harness.discord.nonce_hits,
            discord_thread_already_created=len(
                [
                    r
                    for r in harness.discord.requests
                    if r.path.endswith("/threads") and r.status == 400
                ]
            ),
            slack_reconciliation_reads=len(harness.slack.called("conversations.history"))
            + len(harness.slack.called("conversations.replies")),
            # Kills that landed with work started and unfinished (pending went down, not to 0):
            kills_mid_work=sum(1 for b, a in harness.progress if a < b and a > 0),
            median_startup_s=round(sorted(harness.startup)[len(harness.startup) // 2], 2),
        )
        return result
    finally:
        await harness.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.database_url, args.kills, args.seed))))


if __name__ == "__main__":
    main()
