"""One delivering process for bench_limits.py's burst: drains the outbox to the Discord
emulator's REST API as the Discord adapter would (a prompt is a message, then a thread started
from it: two requests, both counted against the bot's 50 a second), paced by the outbox with the
adapter's declared limits: the rate budget shared through PostgreSQL, or the process's own on
SQLite. Prints one JSON line: entries sent, 429s met, when it began and ended (wall clock).

    python bench/limits_worker.py DATABASE_URL API_BASE GO_FILE
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
from bot.kernel.pacing import Limits
from bot.kernel.platform import Platform, handles
from bot.kernel.rate_budget import limiter_for
from bot.kernel.store import Store

TOKEN = "emulator-token"


class RestDiscord(Platform):
    name = "discord"

    def __init__(self, http: aiohttp.ClientSession, api: str) -> None:
        self.http = http
        self.api = api
        self.sent = 0
        self.limited = 0

    def pacing(self) -> Limits:
        return LIMITS

    def requests_for(self, action: a.Action) -> int:
        return 2 if isinstance(action, a.Post) and action.thread_name else 1

    async def _call(self, path: str, body: dict[str, object]) -> tuple[int, dict, float | None]:
        headers = {"Authorization": f"Bot {TOKEN}"}
        async with self.http.post(f"{self.api}{path}", json=body, headers=headers) as r:
            if r.status == 429:
                self.limited += 1
                return 429, {}, float(r.headers.get("Retry-After", "1"))
            return r.status, (await r.json() if r.status < 300 else {}), None

    @handles(a.Post)
    async def post(self, action: a.Action) -> a.ActionResult:
        assert isinstance(action, a.Post)
        channel = action.place.channel
        status, msg, retry = await self._call(
            f"/channels/{channel}/messages", {"content": action.message.text}
        )
        if status == 200 and action.thread_name:
            status, _, retry = await self._call(
                f"/channels/{channel}/messages/{msg['id']}/threads", {"name": action.thread_name}
            )
        if status >= 300:  # a real adapter records the step done; the bench simply retries
            return a.ActionResult.failed(str(status), retryable=True, retry_after=retry)
        self.sent += 1
        return a.ActionResult(ok=True, message_id=msg["id"])

    async def fetch_member(self, community: str, user_id: str) -> Actor | None:
        return None

    async def survey(self, community: str) -> None:
        return None  # this bench platform cannot tell


async def drain(url: str, api: str, go: Path) -> dict[str, float]:
    store = Store(url)
    async with aiohttp.ClientSession() as http:
        platform = RestDiscord(http, api)
        outbox = Outbox(store, {"discord": platform}, limiter=limiter_for(store))
        outbox.depth()
        while not go.exists():
            await asyncio.sleep(0.002)
        began = time.time()
        while outbox.depth():
            if not await outbox.deliver_due(datetime.now(UTC) + timedelta(seconds=0.2)):
                await asyncio.sleep(0.01)
        ended = time.time()
    return {"sent": platform.sent, "limited": platform.limited, "began": began, "ended": ended}


if __name__ == "__main__":
    figures = asyncio.run(drain(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
    print(json.dumps(figures), flush=True)
