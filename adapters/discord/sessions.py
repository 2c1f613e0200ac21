"""Gateway sessions kept across restarts, so that a crash loses no member's message.

Discord sends a gateway event once, to the session it is for. A process killed after a DM
report reached it and before the inbox recorded it would lose the report: the next process
IDENTIFYs and gets a new session. But Discord keeps a dropped session's events for a while and
replays them to a RESUME that names the last sequence number the client has. So each process
keeps, per shard, its session id, resume URL and a checkpoint (every event up to that sequence
is in the inbox) in `gateway_sessions`, refreshed every second. Any process that finds a row
gone quiet (its holder died) resumes that session on a side connection, runs the replayed
events through the client as if they had just arrived, and closes the connection with 1000,
which ends the old session. An event both sessions saw is recorded once: the inbox is keyed by
message id.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import yarl
from sqlmodel import col, delete, select, update

from bot.kernel.claims import PROCESS_ID
from bot.kernel.store import Store
from bot.kernel.store.models import GatewaySession

log = logging.getLogger(__name__)

PLATFORM = "discord"
BEAT = 1.0  # seconds between a holder's checkpoints
QUIET = 5.0  # a row not refreshed for this long belongs to a dead process
RESUMABLE = 120.0  # older rows are past Discord's resume window: dropped, not resumed
# The events that do work (the handlers that write to the inbox); others are not replayed.
REPLAYED = {
    "MESSAGE_CREATE",
    "MESSAGE_UPDATE",
    "GUILD_MEMBER_ADD",
    "GUILD_MEMBER_UPDATE",
    "GUILD_MEMBER_REMOVE",
}
RECORDED = {"message", "raw_message_edit", "member_join", "member_update", "raw_member_remove"}


class Checkpoints:
    """Counts events handed to handlers and not yet recorded. When none are, every event up
    to each shard's current sequence number is in the inbox: that is the checkpoint."""

    def __init__(self) -> None:
        self.unrecorded = 0

    def dispatched(self, event: str) -> None:
        if event in RECORDED:
            self.unrecorded += 1

    def recorded(self) -> None:
        self.unrecorded = max(0, self.unrecorded - 1)

    @property
    def settled(self) -> bool:
        return self.unrecorded == 0


def recorded(
    handler: Callable[..., Awaitable[None]],
) -> Callable[..., Coroutine[Any, Any, None]]:
    """For a client handler of a RECORDED event: counts it done however it ends."""

    @functools.wraps(handler)
    async def run(client: Any, *args: Any) -> None:
        try:
            await handler(client, *args)
        finally:
            client.keeper.checkpoints.recorded()

    return run


class Keeper:
    """Writes this process's checkpoints and resumes the sessions of processes that died."""

    def __init__(
        self,
        store: Store,
        token: Callable[[], str | None],
        shards: Callable[[], list[tuple[int, Any]]],
        feed: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self.store = store
        self.token = token  # the bot token, known once logged in
        self.shards = shards  # (shard id, discord.py's gateway websocket) for each shard run here
        self.feed = feed  # runs one replayed event through the client
        self.checkpoints = Checkpoints()
        self.replayed = 0

    async def run(self) -> None:
        """Every second: checkpoint; every QUIET seconds: look for dead sessions to resume."""
        beats = 0
        while True:
            try:
                await self._beat()
            except Exception:  # the next beat tries again; the last checkpoint stands
                log.warning("writing the gateway checkpoint failed", exc_info=True)
            if beats % int(QUIET / BEAT) == 0:
                try:
                    await self._rescue()
                except Exception:
                    log.exception("resuming a dead process's gateway session failed")
            beats += 1
            await asyncio.sleep(BEAT)

    async def _beat(self) -> None:
        if not self.checkpoints.settled:  # keep the last checkpoint; only refresh its time
            await asyncio.to_thread(self._touch, [sid for sid, _, _, _ in self._held()])
            return
        await asyncio.to_thread(self._save, self._held())

    def _held(self) -> list[tuple[str, int, str, int]]:
        held = []
        for shard, ws in self.shards():
            if ws is not None and ws.session_id and ws.sequence is not None:
                held.append((ws.session_id, shard, str(ws.gateway), int(ws.sequence)))
        return held

    def _save(self, held: list[tuple[str, int, str, int]]) -> None:
        now = datetime.now(UTC)
        with self.store.session() as s:
            for session_id, shard, url, seq in held:
                row = s.get(GatewaySession, session_id)
                if row is None:
                    row = GatewaySession(
                        session_id=session_id,
                        platform=PLATFORM,
                        shard=shard,
                        resume_url=url,
                        owner=PROCESS_ID,
                        seen_at=now,
                    )
                row.seq, row.owner, row.seen_at, row.resume_url = seq, PROCESS_ID, now, url
                s.add(row)

    def _touch(self, sessions: list[str]) -> None:
        with self.store.session() as s:
            s.exec(
                update(GatewaySession)
                .where(col(GatewaySession.session_id).in_(sessions))
                .values(seen_at=datetime.now(UTC))
            )

    def forget(self) -> None:
        """A clean stop ends this process's sessions (closed with 1000): nothing to resume."""
        held = [sid for sid, _, _, _ in self._held()]
        with self.store.session() as s:
            s.exec(delete(GatewaySession).where(col(GatewaySession.session_id).in_(held)))

    async def _rescue(self) -> None:
        mine = {shard for shard, _ in self.shards()}
        for row in await asyncio.to_thread(self._claim_dead, mine):
            replayed = await self._replay(row)
            self.replayed += replayed
            log.info("resumed a dead gateway session: %d events replayed", replayed)
            await asyncio.to_thread(self._drop, row.session_id)

    def _claim_dead(self, shards: set[int]) -> list[GatewaySession]:
        """Rows gone quiet on our shards, each claimed by one process (a conditional update);
        rows past the resume window are dropped."""
        now = datetime.now(UTC)
        quiet, expired = now - timedelta(seconds=QUIET), now - timedelta(seconds=RESUMABLE)
        claimed = []
        with self.store.session() as s:
            s.exec(delete(GatewaySession).where(col(GatewaySession.seen_at) < expired))
            rows = s.exec(
                select(GatewaySession).where(
                    col(GatewaySession.platform) == PLATFORM,
                    col(GatewaySession.shard).in_(shards),
                    col(GatewaySession.seen_at) < quiet,
                )
            ).all()
            for row in rows:
                taken = s.exec(
                    update(GatewaySession)
                    .where(
                        col(GatewaySession.session_id) == row.session_id,
                        col(GatewaySession.seen_at) == row.seen_at,
                    )
                    .values(seen_at=now, owner=PROCESS_ID)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(GatewaySession.model_validate(row.model_dump()))
        return claimed

    def _drop(self, session_id: str) -> None:
        with self.store.session() as s:
            s.exec(delete(GatewaySession).where(col(GatewaySession.session_id) == session_id))

    async def _replay(self, row: GatewaySession) -> int:
        """RESUME the dead session on a connection of our own, run what it replays, end it."""
        url = yarl.URL(row.resume_url).with_query(v=10, encoding="json")
        replayed = 0
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            await ws.receive_json(timeout=10)  # HELLO
            resume = {"token": self.token(), "session_id": row.session_id, "seq": row.seq}
            await ws.send_json({"op": 6, "d": resume})
            last = row.seq
            while True:
                frame = await ws.receive_json(timeout=15)
                last = frame.get("s") or last
                if frame.get("op") == 1:  # the gateway asks for a heartbeat
                    await ws.send_json({"op": 1, "d": last})
                elif frame.get("op") != 0 or frame.get("t") == "RESUMED":
                    break  # replay done, or the session could not be resumed (op 9)
                elif frame.get("t") in REPLAYED:
                    self.feed(frame["t"], frame["d"])
                    replayed += 1
            await ws.close(code=1000)  # ends the old session: no second replay
        return replayed
