"""A delivering process for test_rate_budget.py: drains the outbox to the Discord emulator's
REST API (plain HTTP, Discord's limits declared as the adapter declares them) and prints how
many entries it sent and how many 429s it met.

    python -m tests.delivery.budget_worker DATABASE_URL API_BASE GO_FILE [--own-budget]

`--own-budget` paces with a limiter of its own, as every process did before the shared budget.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from adapters.discord import LIMITS
from bot.kernel import actions as a
from bot.kernel.delivery.outbox import Outbox
from bot.kernel.events import Actor
from bot.kernel.pacing import Limiter, Limits
from bot.kernel.platform import Platform, handles
from bot.kernel.rate_budget import limiter_for
from bot.kernel.store import Store
from tests.emulators.discord.server import TOKEN


class RestPlatform(Platform):
    name = "discord"

    def __init__(self, http: aiohttp.ClientSession, api: str) -> None:
        self.http = http
        self.api = api
        self.sent = 0
        self.limited = 0

    def pacing(self) -> Limits:
        return LIMITS

    @handles(a.Post)
    async def post(self, action: a.Action) -> a.ActionResult:
        assert isinstance(action, a.Post)
        url = f"{self.api}/channels/{action.place.channel}/messages"
        headers = {"Authorization": f"Bot {TOKEN}"}
        async with self.http.post(url, json={"content": action.message.text}, headers=headers) as r:
            if r.status == 429:
                self.limited += 1
                retry = float(r.headers.get("Retry-After", "1"))
                return a.ActionResult.failed("rate limited", retryable=True, retry_after=retry)
            if r.status >= 300:
                return a.ActionResult.failed(f"{r.status}", retryable=r.status >= 500)
            self.sent += 1
            return a.ActionResult(ok=True, message_id=(await r.json())["id"])

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this test platform cannot tell


async def drain(url: str, api: str, go: Path, own_budget: bool) -> dict[str, float]:
    store = Store(url)
    async with aiohttp.ClientSession() as http:
        platform = RestPlatform(http, api)
        limiter = Limiter() if own_budget else limiter_for(store)
        outbox = Outbox(store, {"discord": platform}, limiter=limiter)
        outbox.settings.base_delay_seconds = 0.05
        outbox.depth()
        while not go.exists():
            await asyncio.sleep(0.005)
        began = time.time()
        while outbox.depth():
            if not await outbox.deliver_due(datetime.now(UTC) + timedelta(seconds=0.5)):
                await asyncio.sleep(0.01)
        return {"sent": platform.sent, "limited": platform.limited, "seconds": time.time() - began}


if __name__ == "__main__":
    found = asyncio.run(
        drain(sys.argv[1], sys.argv[2], Path(sys.argv[3]), "--own-budget" in sys.argv)
    )
    print(json.dumps(found), flush=True)
