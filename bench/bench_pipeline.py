"""pipeline.inbound: a stream of gateway messages through the whole inbound pipeline of one
process: the Discord emulator's gateway, discord.py, the adapter, automod and the crisis
detector, to the moderators' queue cards (committed to the outbox, in the same transaction).

The stream mixes languages: members' own messages from the automod evaluation set (those it
must pass), 2% scams from the same set (those it must flag) and 1% crisis messages from the
safety evaluation set, offered at a steady `OFFERED_PER_S`, from 500 members in one channel.
`per_s`: messages the process finished per second over the stream; `p99_ms`: from the gateway
event to its queue card committed (scams and crises), `all_p99_ms` the same for every message.
The emulator runs in the same process (as in bench_e2e.py, its OpenAPI check off after the
set-up), so its own work is counted too; the load average is recorded with the figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.kernel.events import MessagePosted
from bot.kernel.store.models import OutboxEntry
from tests.emulators.discord import schema
from tests.emulators.discord.harness import DiscordCommunity, discord_community
from tests.emulators.discord.server import OWNER_ID

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 1_000
OFFERED_PER_S = 300
MEMBERS = 500
# The outbox kinds of new queue cards: moderation's (a scam held) and the crisis pathway's.
CARD_KINDS = {"mod.card", "safety.alert", "safety.concern"}


def texts() -> tuple[list[str], list[str], list[str]]:
    """Members' own messages, scams, crises: each in many languages."""
    automod = ROOT / "content/automod/eval/messages.jsonl"
    rows = [json.loads(line) for line in automod.read_text().splitlines() if line.strip()]
    clean = [r["text"] for r in rows if r["expect"] == "pass"]
    scams = [r["text"] for r in rows if r["expect"] == "flag"]
    safety = ROOT / "content/safety/eval/test.jsonl"
    found = [json.loads(line) for line in safety.read_text().splitlines() if line.strip()]
    crises = [r["text"] for r in found if r.get("level") == "urgent"]
    return clean, scams, crises


def stream(rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) for every message: 2 in 100 scams, 1 in 100 a crisis."""
    clean, scams, crises = texts()
    out = []
    for i in range(MESSAGES):
        if i % 100 == 50:
            out.append(("crisis", rng.choice(crises)))
        elif i % 50 == 25:
            out.append(("scam", rng.choice(scams)))
        else:
            out.append(("clean", rng.choice(clean)))
    return out


async def set_queue(dc: DiscordCommunity) -> None:
    queue = dc.emulator.channel_id("moderators")
    option = {"type": 7, "name": "channel", "value": queue}
    it = await dc.emulator.slash(
        OWNER_ID, queue, "settings", [{"type": 1, "name": "queue", "options": [option]}]
    )
    await dc.answered(it)


def stamp_runs(dc: DiscordCommunity, done: dict[str, float]) -> None:
    """When the app finished each message's event (its queue card, if any, committed)."""
    inner = dc.app.run

    async def run(event: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await inner(event, *args, **kwargs)
        finally:
            if isinstance(event, MessagePosted):
                done[event.message_id] = time.monotonic()

    dc.app.run = run  # type: ignore[method-assign]


def cards_enqueued(dc: DiscordCommunity) -> int:
    """Queue cards and moderator alerts written to the outbox (sent or still pending)."""
    with dc.app.store.session() as s:
        kinds = s.exec(select(OutboxEntry.kind)).all()
    return sum(1 for kind in kinds if kind in CARD_KINDS)


async def measure(tmp: Path) -> dict[str, Any]:
    rng = random.Random(7)
    messages = stream(rng)
    async with discord_community(tmp) as dc:
        em = dc.emulator
        await set_queue(dc)
        schema.errors = lambda path, method, body: []  # the emulator's cost, not the bot's
        members = [dc.member(f"5{i:05d}", f"Member {i}") for i in range(MEMBERS)]
        channel = em.channel_id("general")
        done: dict[str, float] = {}
        posted: dict[str, tuple[str, float]] = {}
        stamp_runs(dc, done)
        began = time.monotonic()
        for i, (kind, text) in enumerate(messages):
            due = began + i / OFFERED_PER_S
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            at = time.monotonic()
            msg = await em.post(members[i % MEMBERS], channel, text)
            posted[msg["id"]] = (kind, at)
        deadline = time.monotonic() + 240
        while len(done) < len(posted) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        finished = [done[m] for m in posted if m in done]
        flagged = [done[m] - at for m, (k, at) in posted.items() if k != "clean" and m in done]
        every = [done[m] - at for m, (_, at) in posted.items() if m in done]
        cards = len(em.in_channel(em.channel_id("moderators")))
        enqueued = cards_enqueued(dc)
    return {
        "bench": "pipeline.inbound",
        "messages": len(posted),
        "handled": len(finished),
        "offered_per_s": OFFERED_PER_S,
        "per_s": round(len(finished) / (max(finished) - began), 1) if finished else 0.0,
        "p99_ms": round(statistics.quantiles(flagged, n=100)[98] * 1000, 1),
        "p50_ms": round(statistics.median(flagged) * 1000, 1),
        "all_p99_ms": round(statistics.quantiles(every, n=100)[98] * 1000, 1),
        "flagged": len(flagged),
        "cards_enqueued": enqueued,
        "queue_messages_posted": cards,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(asyncio.run(measure(Path(tmp)))), flush=True)


if __name__ == "__main__":
    main()
