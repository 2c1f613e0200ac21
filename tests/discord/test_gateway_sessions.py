"""A process that died holding a gateway session: the next one resumes it and runs what the dead
one never recorded. Discord sends a gateway event to one session only, so without this a DM
report that reached a dying process would be gone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.kernel.store import Store
from bot.kernel.store.models import GatewaySession
from tests.emulators.discord.harness import DiscordCommunity, discord_community
from tests.emulators.discord.server import TOKEN, DiscordEmulator

pytestmark = [pytest.mark.discord, pytest.mark.e2e]

REPORT = "Someone keeps asking me for money in DMs"


async def dead_process(em: DiscordEmulator) -> dict[str, Any]:
    """A process that identified, saw READY, and was killed: its connection ends without a
    clean close, so Discord keeps its session for a resume."""
    async with aiohttp.ClientSession() as http, http.ws_connect(em.gateway_url) as ws:
        await ws.receive_json()  # HELLO
        identify = {"token": TOKEN, "intents": 0, "properties": {}, "shard": [0, 1]}
        await ws.send_json({"op": 2, "d": identify})
        ready = await ws.receive_json()
        await ws.close(code=4000)
    return {"session_id": ready["d"]["session_id"], "seq": ready["s"], "url": em.gateway_url}


def left_behind(dead: dict[str, Any], quiet_for: float) -> Any:
    """The row the dead process wrote before it died, last refreshed `quiet_for` s ago."""

    def prepare(store: Store) -> None:
        with store.session() as s:
            s.add(
                GatewaySession(
                    session_id=dead["session_id"],
                    platform="discord",
                    shard=0,
                    resume_url=dead["url"],
                    seq=dead["seq"],
                    owner="dead-process",
                    seen_at=datetime.now(UTC) - timedelta(seconds=quiet_for),
                )
            )

    return prepare


def rows(dc: DiscordCommunity) -> list[GatewaySession]:
    with dc.app.store.session() as s:
        return list(s.exec(select(GatewaySession)).all())


def confirmed(em: DiscordEmulator, uid: str) -> bool:
    return any("saved as case" in json.dumps(m) for m in em.dm_messages(uid))


async def test_a_dm_sent_to_a_dead_process_is_run_by_the_next(tmp_path: Path) -> None:
    em = DiscordEmulator()
    await em.start()
    em.add_member("111", "Amira")
    dead = await dead_process(em)
    await em.dm_bot("111", REPORT)  # reaches only the dead session
    async with discord_community(tmp_path, em, prepare=left_behind(dead, 30)) as dc:
        await dc.settle(lambda: confirmed(em, "111"), timeout=15)
        assert em.sessions.resumed == 1 and em.sessions.replayed >= 1
        await dc.settle(lambda: dead["session_id"] not in [r.session_id for r in rows(dc)])
        assert em.sessions.by_id[dead["session_id"]].ended  # closed with 1000: no second replay


async def test_without_the_row_the_dm_is_lost(tmp_path: Path) -> None:
    """What the rows are for: the same DM, no row left behind, nothing ever answers it."""
    em = DiscordEmulator()
    await em.start()
    em.add_member("111", "Amira")
    await dead_process(em)
    await em.dm_bot("111", REPORT)
    async with discord_community(tmp_path, em) as dc:
        with pytest.raises(AssertionError, match="timed out"):
            await dc.settle(lambda: confirmed(em, "111"), timeout=8)
        assert em.sessions.resumed == 0


async def test_a_live_process_is_left_alone_and_a_clean_stop_ends_its_session(
    tmp_path: Path,
) -> None:
    em = DiscordEmulator()
    await em.start()
    em.add_member("111", "Amira")
    async with discord_community(tmp_path, em) as dc:
        await dc.settle(lambda: rows(dc), timeout=5)  # its own checkpoint
        [own] = rows(dc)
        assert own.session_id in em.sessions.by_id and own.seq >= 2
        await dc.adapter.stop()
        assert rows(dc) == []
        assert em.sessions.by_id[own.session_id].ended
        assert em.sessions.resumed == 0  # nobody resumed a session still in use


async def test_a_session_past_discords_resume_window_is_dropped(tmp_path: Path) -> None:
    em = DiscordEmulator()
    await em.start()
    dead = await dead_process(em)
    em.sessions.resume_window = 0.0  # Discord has forgotten it
    async with discord_community(tmp_path, em, prepare=left_behind(dead, 30)) as dc:
        await dc.settle(lambda: em.sessions.refused == 1, timeout=10)
        await dc.settle(lambda: dead["session_id"] not in [r.session_id for r in rows(dc)])
        assert em.sessions.replayed == 0
