"""kill -9 around inbound DM reports: members report by DM on Slack and Discord while
`crossings run` is killed at random moments, from before the event is acknowledged to two
seconds after; afterwards every report must have one queue card and one confirmation.

Each round starts the bot, lets it handle one channel message per platform (a process's first
event is slow: what the handlers read is loaded then), sends a few DM reports (each from its own
member, each with a marker in its text), and kills the process `uniform(0, 2)` seconds after
the last one (a third of the kills within 30 ms, where the acknowledgement is still being
decided). The Slack emulator retries an event that was not acknowledged (same `event_id`,
`retry_attempt` counting up, spaced 1, 10 and 30 s apart) to whichever process is connected
then, as Slack does; a short lease (5 s) lets the next process take over the inbox entries and
outbox sends a killed one held. A last clean run finishes the work. Then the emulators are
read: per report, the cards in the moderators' channel carrying its marker and the bot's
messages in the reporter's DMs.

Discord's gateway has no acknowledgement and does not replay events to a new session, so a
Discord DM whose process died before writing it to the inbox is gone (counted as
`never_recorded`: the inbox has no row for it); every one that was recorded must come out
exactly once.

It can fail: against the code before the inbox (`CROSSINGS_KILL9_ROOT` pointing at a checkout
of it), the same harness with 6 kills on SQLite (seed 27, a loaded machine where a cold
process takes seconds over its first events) lost all 12 Slack reports (card and
confirmation: the work after the ack never ran, and Slack's retries were dropped as replays)
and all 12 Discord ones. Runnable by hand:

    python -m tests.delivery.kill9_inbound sqlite:////tmp/k.db --kills 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select
from sqlmodel import col

from bot.kernel.store import Store
from bot.kernel.store.models import Community, InboxEntry, OutboxEntry
from bot.moderation import prefs
from tests.delivery.kill9 import Harness
from tests.emulators.discord.server import GUILD_ID
from tests.emulators.slack.server import TEAM_ID

ROOT = Path(os.environ.get("CROSSINGS_KILL9_ROOT") or Path(__file__).resolve().parents[2])
LEASE_SECONDS = 5  # the shortest the settings allow
REPORTS_PER_ROUND = 2  # per platform
READY_WITHIN = 120.0  # seconds for `crossings run` to start (a loaded machine is slow)
WARM_UP_WITHIN = 30.0
FINISH_WITHIN = 120.0  # the last process: Slack's last retry comes 30 s after the one before
DISCORD_MEMBER = "111"
SLACK_QUEUE = "C0MODS"


class InboundHarness(Harness):
    def __init__(self, database_url: str, seed: int) -> None:
        super().__init__(database_url, seed)
        self.reports: dict[str, list[str]] = {"slack": [], "discord": []}
        self.reporters: dict[str, str] = {}  # marker -> member id
        self.kill_points: list[float] = []
        self.busy: tuple[int, int, int] = (0, 0, 0)  # outbox, inbox, Slack events (last look)

    async def start(self) -> None:
        await self.discord.start()
        await self.slack.start()
        self.discord.add_member(DISCORD_MEMBER, "Amira")
        self.slack.resend_after = 1.0  # Slack: 3 s; shorter keeps the run short
        self.discord.latency = self.slack.latency = 0.02
        # The bot's own tree builds the database (`CROSSINGS_KILL9_ROOT` may be older code).
        migrate = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "crossings.cli", "db", "upgrade",
            cwd=ROOT, env=self.env(), stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        if await migrate.wait() != 0:
            raise RuntimeError("crossings db upgrade failed")
        self.store = Store(self.url)
        self._queues()

    def _queues(self) -> None:
        """The moderators' channel of each community. A Discord DM's community is "dm", which
        has no queue in a real deployment (README, Known limits); it gets the moderators'
        channel here so that its cards can be counted like Slack's."""
        assert self.store is not None
        moderators = self.discord.channel_id("moderators")
        now = datetime.now(UTC)
        with self.store.session() as s:
            for platform, community, channel in (
                ("slack", TEAM_ID, SLACK_QUEUE),
                ("discord", GUILD_ID, moderators),
                ("discord", "dm", moderators),
            ):
                row = Community(platform=platform, community_id=community, created_at=now)
                s.add(row)
                s.flush()
                prefs.update(s, row, queue_channel=channel)

    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            "PYTHONPATH": str(ROOT),
            "CROSSINGS_SCHEDULER__LEASE_SECONDS": str(LEASE_SECONDS),
        }

    # --- reports ---------------------------------------------------------------------------
    async def report(self, platform: str, n: int) -> None:
        marker = f"{platform[0]}rep{n}x"
        text = f"Someone in my DMs keeps asking me for money {marker}"
        if platform == "slack":
            user = f"UREP{n:03d}"
            self.slack.add_user(user, f"Reporter {n}")
            await self.slack.push("events_api", self.slack.message_event(user, f"D{user}", text))
        else:
            user = f"9{n:05d}"
            self.discord.add_member(user, f"reporter{n}")
            await self.discord.dm_bot(user, text)
        self.reports[platform].append(marker)
        self.reporters[marker] = user

    async def round(self, first: int) -> None:
        """Start the bot, send this round's reports, kill it at a random moment after the last
        one (the earlier ones are further along by then)."""
        proc = await self._spawn()
        try:
            await asyncio.wait_for(self._ready(proc), READY_WITHIN)
            await self.warm_up(first)
            kill_after = (
                self.random.uniform(0, 0.03)
                if self.random.random() < 1 / 3
                else self.random.uniform(0.03, 2.0)
            )
            self.kill_points.append(kill_after)
            for i in range(REPORTS_PER_ROUND):
                for platform in self.random.sample(("slack", "discord"), 2):
                    await self.report(platform, first + i)
                    await asyncio.sleep(self.random.uniform(0, 0.05))
            await asyncio.sleep(kill_after)
            proc.send_signal(signal.SIGKILL)
            self.kills += 1
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    async def warm_up(self, n: int) -> None:
        """A channel message on each platform, run before the reports: a process's first
        event loads what the handlers read (seconds on a loaded machine), and the kills must
        land at every stage of a report, not only there. What killed processes left is taken
        over meanwhile (its leases run out)."""
        general = self.discord.channel_id("general")
        await self.slack.push("events_api", self.slack.message_event("UADMIN", "C0GENERAL", "hi"))
        await self.discord.post(DISCORD_MEMBER, general, f"hello {n}")
        deadline = asyncio.get_running_loop().time() + WARM_UP_WITHIN
        while self.inbox_pending() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.2)

    async def finish(self, timeout: float) -> None:
        """A last process, until the inbox, the outbox and Slack's retries are all done."""
        proc = await self._spawn()
        try:
            await asyncio.wait_for(self._ready(proc), READY_WITHIN)
            try:
                await asyncio.wait_for(self._settled(), timeout)
            except TimeoutError:
                print(f"not settled: outbox, inbox, Slack {self.busy}", file=sys.stderr)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    async def _spawn(self) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "crossings.cli", "run",
            cwd=ROOT, env=self.env(),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    async def _settled(self) -> None:
        quiet = 0
        while quiet < 3:  # three looks in a row with nothing left to do
            await asyncio.sleep(0.5)
            busy = (self.pending(), self.inbox_pending(), self.unacked_events())
            quiet = 0 if any(busy) else quiet + 1
            self.busy = busy

    def inbox_pending(self) -> int:
        return self._count(InboxEntry, pending=True)

    def has_inbox(self) -> bool:
        """False for a tree from before the inbox (the comparison run)."""
        assert self.store is not None
        return inspect(self.store.engine).has_table("inbox")

    def unacked_events(self) -> int:
        """Slack events not acknowledged yet that Slack would still retry."""
        limit = self.slack.max_retries + 1
        waiting = {id(e) for e in self.slack.envelopes.values() if e.acked is None}
        return len([e for e in self.envelopes() if id(e) in waiting and e.attempts < limit])

    def envelopes(self) -> list[Any]:
        """Each event's envelope once (a retry is filed under its new id too)."""
        return list({id(e): e for e in self.slack.envelopes.values()}.values())

    def _count(self, model: Any, pending: bool) -> int:
        assert self.store is not None
        if model is InboxEntry and not self.has_inbox():
            return 0
        query = select(func.count()).select_from(model)
        if pending:
            query = query.where(model.status == "pending")
        with self.store.session() as s:
            return int(s.execute(query).scalar_one())

    def recorded(self) -> set[str]:
        """The markers of the reports the inbox holds a row for."""
        assert self.store is not None
        if not self.has_inbox():
            return set()
        with self.store.session() as s:
            payloads = s.execute(select(col(InboxEntry.payload))).scalars().all()
        return {m for m in self.reporters if any(m in p for p in payloads)}

    # --- what the platforms hold -------------------------------------------------------------
    def cards(self) -> Counter[str]:
        found: Counter[str] = Counter()
        texts = [json.dumps(m.get("blocks")) for m in self.slack.posted(SLACK_QUEUE)]
        queue = self.discord.channel_id("moderators")
        texts += [json.dumps(m.get("embeds")) for m in self.discord.in_channel(queue)]
        for text in texts:
            for marker in self.reporters:
                if marker in text:
                    found[marker] += 1
        return found

    def confirmations(self) -> Counter[str]:
        found: Counter[str] = Counter()
        for marker, user in self.reporters.items():
            if marker.startswith("s"):
                found[marker] = len([m for m in self.slack.dms(user) if m.get("user") is None])
            else:
                mine = self.discord.dm_messages(user)
                found[marker] = len([m for m in mine if m["author"]["id"] != user])
        return found


def problems(harness: InboundHarness) -> dict[str, Any]:
    cards, confirmations = harness.cards(), harness.confirmations()
    recorded = harness.recorded()
    result: dict[str, Any] = {}
    for platform, markers in harness.reports.items():
        result[platform] = {
            "reports": len(markers),
            "lost_cards": [m for m in markers if cards[m] == 0],
            "lost_confirmations": [m for m in markers if confirmations[m] == 0],
            "duplicated": [f"{m}:{cards[m]}/{confirmations[m]}" for m in markers if max(cards[m], confirmations[m]) > 1],
        }  # fmt: skip
    discord = result["discord"]
    discord["never_recorded"] = [m for m in harness.reports["discord"] if m not in recorded]
    return result


async def run(database_url: str, kills: int, seed: int) -> dict[str, Any]:
    """A round per kill, then a clean run to finish."""
    harness = InboundHarness(database_url, seed)
    await harness.start()
    try:
        n = 0
        while harness.kills < kills:
            await harness.round(n)
            n += REPORTS_PER_ROUND
        await harness.finish(timeout=FINISH_WITHIN)
        result = problems(harness)
        before_ack = sum(1 for k in harness.kill_points if k < 0.03)
        result.update(
            kills=harness.kills,
            seed=seed,
            kills_within_30ms=before_ack,
            slack_retried_events=sum(1 for e in harness.envelopes() if e.attempts > 1),
            slack_events_never_acked=sum(1 for e in harness.envelopes() if e.acked is None),
            # Dead processes' gateway sessions resumed by the next one, and what they replayed:
            discord_sessions_resumed=harness.discord.sessions.resumed,
            discord_events_replayed=harness.discord.sessions.replayed,
            discord_resumes_refused=harness.discord.sessions.refused,
            inbox_rows=harness._count(InboxEntry, pending=False),
            outbox_rows=harness._count(OutboxEntry, pending=False),
            median_startup_s=round(sorted(harness.startup)[len(harness.startup) // 2], 2),
        )  # fmt: skip
        return result
    finally:
        await harness.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.database_url, args.kills, args.seed))))


if __name__ == "__main__":
    main()
