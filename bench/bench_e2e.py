"""Commands end to end at a steady 50 per second, through the real client libraries:
- e2e.discord_command: slash-command interactions sent down the Discord emulator's gateway,
  handled by discord.py and the adapter; time until the interaction callback reaches the
  emulator's REST API;
- e2e.slack_command: signed slash-command requests to slack-bolt's HTTP endpoint; time until
  the signed request's HTTP response (Slack's 3-second acknowledgement, which carries the
  member's answer: `answered_in_ack` counts those). Slack's side (signing, sending, reading)
  runs in its own process (bench/slack_client.py), as it does not share the bot's CPU in
  production; `server_p50_ms` / `server_p99_ms` time Bolt's dispatch inside the bot (signature
  and replay checks, the listener until its ack) and `server_cpu_ms_per_command` the bot
  process's CPU per command, which are less sensitive to other load on the machine
  (`loadavg_1m`).
- e2e.slack_socket_command: the same command in Socket Mode, envelope pushed -> ack received.
The emulators run in the same process and event loop as the bot, as in the tests, so their own
work is counted too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_bolt.async_app import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from tests.emulators.discord import schema
from tests.emulators.discord.harness import discord_community
from tests.emulators.slack.harness import slack_workspace
from tests.emulators.slack.server import SIGNING_SECRET, Envelope

RATE = 50  # commands per second
COUNT = 500  # ten seconds of commands
WARM_UP = 20
# The command: a member sets their language (a stored preference and a reply), as in
# core.command_dispatch, so the two figures compare.
HERE = Path(__file__).resolve().parent
LANGUAGE_OPTIONS = [
    {"type": 1, "name": "language", "options": [{"type": 3, "name": "language", "value": "ja"}]}
]


def summary(name: str, latencies: list[float], sent: int, elapsed: float) -> dict[str, object]:
    latencies.sort()
    return {
        "bench": name,
        "rate_per_s": RATE,
        "achieved_per_s": round(sent / elapsed, 1),
        "commands": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
    }


async def steady(send: Callable[[int], Awaitable[None]], count: int) -> float:
    """Start `send(i)` at i / RATE seconds (not waiting for answers, as users don't); returns
    the wall time taken."""
    began = time.perf_counter()
    tasks = []
    for i in range(count):
        delay = began + i / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - began


async def bench_discord(tmp: Path) -> dict[str, object]:
    async with discord_community(tmp) as dc:
        em = dc.emulator
        answered: dict[str, float] = {}
        done: dict[str, asyncio.Event] = {}
        routes = em._routes
        for k, (method, template, handler) in enumerate(routes):
            if handler == em.interaction_callback:

                async def stamped(request: Any, p: dict[str, str], inner: Any = handler) -> Any:
                    response = await inner(request, p)
                    answered[p["id"]] = time.monotonic()
                    done.setdefault(p["id"], asyncio.Event()).set()
                    return response

                routes[k] = (method, template, stamped)
        channel = em.channel_id("general")
        for i in range(50):
            dc.member(f"9{i:03d}", f"Member {i}")
        sent: list[Any] = []

        async def send(i: int) -> None:
            it = await em.slash(f"9{i % 50:03d}", channel, "me", LANGUAGE_OPTIONS)
            sent.append(it)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.setdefault(it.id, asyncio.Event()).wait(), 10)

        await steady(send, WARM_UP)
        # Warm-up requests were checked against Discord's OpenAPI schema; from here on the
        # emulator skips that check, which costs it ~25 ms of the shared CPU per request and
        # is no part of the bot's latency on the real platform.
        schema.errors = lambda path, method, body: []
        sent.clear()
        elapsed = await steady(send, COUNT)
        latencies = [answered[it.id] - it.created for it in sent if it.id in answered]
        return summary("e2e.discord_command", latencies, len(sent), elapsed)


async def bench_slack(tmp: Path) -> dict[str, object]:
    async with slack_workspace(tmp, "http") as ws:
        em = ws.emulator
        for i in range(50):
            em.add_user(f"U{i:04d}", f"Member {i}")
        bodies = [
            urlencode(em.command_payload(f"U{i % 50:04d}", "C0GENERAL", "me language ja"))
            for i in range(WARM_UP + COUNT)
        ]
        served: list[float] = []
        dispatch = ws.adapter.bolt.async_dispatch

        async def timed(request: AsyncBoltRequest) -> BoltResponse:
            t0 = time.perf_counter()
            try:
                return await dispatch(request)
            finally:
                served.append(time.perf_counter() - t0)

        ws.adapter.bolt.async_dispatch = timed  # type: ignore[method-assign,assignment]
        client = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "slack_client.py"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert client.stdin is not None and client.stdout is not None
        config = {"url": ws.url, "secret": SIGNING_SECRET, "rate": RATE, "warm_up": WARM_UP}
        client.stdin.write((json.dumps({**config, "bodies": bodies}) + "\n").encode())
        await client.stdin.drain()
        assert (await client.stdout.readline()).strip() == b"measuring"
        served.clear()
        cpu = time.process_time()
        result = json.loads(await client.stdout.readline())
        cpu = time.process_time() - cpu
        await client.wait()
        line = summary("e2e.slack_command", result["latencies"], COUNT, result["elapsed"])
        served.sort()
        line.update(
            non_200=sum(s != 200 for s in result["statuses"]),
            answered_in_ack=result["answered_in_ack"],
            server_p50_ms=round(statistics.median(served) * 1000, 1),
            server_p99_ms=round(served[int(len(served) * 0.99) - 1] * 1000, 1),
            server_cpu_ms_per_command=round(cpu / COUNT * 1000, 2),
            loadavg_1m=os.getloadavg()[0],
        )
        return line


async def bench_slack_socket(tmp: Path) -> dict[str, object]:
    """The same command in Socket Mode: envelope pushed -> envelope ack received (Slack's side
    is the emulator, in this process, as in the tests)."""
    async with slack_workspace(tmp, "socket") as ws:
        em = ws.emulator
        for i in range(50):
            em.add_user(f"U{i:04d}", f"Member {i}")
        envelopes: list[Envelope] = []

        async def send(i: int) -> None:
            payload = em.command_payload(f"U{i % 50:04d}", "C0GENERAL", "me language ja")
            envelopes.append(await em.acked(await em.push("slash_commands", payload)))

        await steady(send, WARM_UP)
        envelopes.clear()
        elapsed = await steady(send, COUNT)
        latencies = [env.acked - env.sent for env in envelopes if env.acked is not None]
        line = summary("e2e.slack_socket_command", latencies, COUNT, elapsed)
        line["answered_in_ack"] = sum(bool((e.response or {}).get("text")) for e in envelopes)
        line["loadavg_1m"] = os.getloadavg()[0]
        return line


async def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "d").mkdir()
        (Path(tmp) / "s").mkdir()
        (Path(tmp) / "k").mkdir()
        print(json.dumps(await bench_discord(Path(tmp) / "d")), flush=True)
        print(json.dumps(await bench_slack(Path(tmp) / "s")), flush=True)
        print(json.dumps(await bench_slack_socket(Path(tmp) / "k")), flush=True)


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
