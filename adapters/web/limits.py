"""Sign-in rate limits. Per client address (sign-in starts and callbacks), counted in this
process before anything is asked of the provider; per account (sessions started), counted in
the database, so every replica sees the same count. The client's address is the connection's,
or what X-Forwarded-For says when the connection comes from a trusted reverse proxy."""

from __future__ import annotations

from collections import OrderedDict, deque
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from aiohttp import web

from adapters.web.settings import WebSettings

MAX_ADDRESSES = 10_000  # addresses remembered at once; the oldest go first


def client_address(request: web.Request, cfg: WebSettings) -> str:
    """The address this request came from, believing X-Forwarded-For only from our proxies."""
    peer = request.remote or ""
    proxies = [ip_network(p, strict=False) for p in cfg.trusted_proxies]
    if not proxies or not _within(peer, proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):  # the nearest hop the proxies did not add themselves
        if not _within(hop, proxies):
            return hop
    return hops[0] if hops else peer


def _within(address: str, networks: list[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


class AddressLimit:
    """At most `count` attempts per address in a sliding window of `seconds`."""

    def __init__(self, count: int, seconds: float) -> None:
        self.count = count
        self.seconds = seconds
        self.seen: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, address: str, now: float) -> int | None:
        """None when allowed (and counted); else the seconds until the next try may pass."""
        window = self.seen.pop(address, None) or deque()
        while window and now - window[0] >= self.seconds:
            window.popleft()
        self.seen[address] = window  # most recent last
        while len(self.seen) > MAX_ADDRESSES:
            self.seen.popitem(last=False)
        if len(window) >= self.count:
            return int(self.seconds - (now - window[0])) + 1
        window.append(now)
        return None
