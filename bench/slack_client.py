"""Slack's side of e2e.slack_command, run in its own process by bench_e2e.py so that signing
and sending requests does not take CPU from the bot being measured.

Reads one JSON object from stdin: {"url", "secret", "rate", "warm_up", "bodies"} (urlencoded
slash-command bodies). Sends the first `warm_up` bodies, prints `measuring`, then sends the
rest at `rate` per second, each signed at the moment it is sent, over kept-alive connections
as Slack does, without waiting for earlier answers. Prints one JSON object: the latency of each
measured request (seconds, request sent -> HTTP response read), the HTTP statuses, how many
acks carried an answer for the member, and the wall time the sending took.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
from typing import Any

import aiohttp


def sign(body: str, timestamp: int, secret: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class Client:
    def __init__(self, http: aiohttp.ClientSession, url: str, secret: str) -> None:
        self.http, self.url, self.secret = http, url, secret
        self.reset()

    def reset(self) -> None:
        self.latencies: list[float] = []
        self.statuses: list[int] = []
        self.answered = 0

    async def send(self, body: str) -> None:
        t0 = time.perf_counter()
        ts = int(time.time())
        headers = {
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(body, ts, self.secret),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        async with self.http.post(self.url, data=body.encode(), headers=headers) as r:
            raw = await r.read()
            status = r.status
        self.latencies.append(time.perf_counter() - t0)
        self.statuses.append(status)
        if raw and b'"response_type"' in raw:
            self.answered += 1

    async def steady(self, bodies: list[str], rate: float) -> float:
        began = time.perf_counter()
        tasks = []
        for i, body in enumerate(bodies):
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.send(body)))
        await asyncio.gather(*tasks)
        return time.perf_counter() - began


async def run(config: dict[str, Any]) -> dict[str, Any]:
    bodies: list[str] = config["bodies"]
    warm_up = int(config["warm_up"])
    async with aiohttp.ClientSession() as http:
        client = Client(http, config["url"], config["secret"])
        await client.steady(bodies[:warm_up], config["rate"])
        client.reset()
        print("measuring", flush=True)
        elapsed = await client.steady(bodies[warm_up:], config["rate"])
    return {
        "latencies": client.latencies,
        "statuses": client.statuses,
        "answered_in_ack": client.answered,
        "elapsed": elapsed,
    }


def main() -> None:
    config = json.loads(sys.stdin.readline())
    print(json.dumps(asyncio.run(run(config))), flush=True)


if __name__ == "__main__":
    main()
