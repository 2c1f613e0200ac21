"""The operator's window into a running bot: /healthz (the process is alive), /readyz (it can do
its work: database reachable and migrated, adapters connected, not shutting down) and /metrics
(Prometheus text format)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], "str | None"]  # None when ready, else the reason


async def _plain_server_header(request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp would name itself and its version: a gift to whoever scans for old releases.
    response.headers["Server"] = "crossings"


def _to_slash(prefix: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def redirect(request: web.Request) -> web.Response:
        query = f"?{request.query_string}" if request.query_string else ""
        raise web.HTTPPermanentRedirect(prefix + "/" + query)

    return redirect


class HealthServer:
    def __init__(
        self, host: str, port: int, readiness: ReadinessCheck, *, metrics: bool = True
    ) -> None:
        self.host = host
        self.port = port
        self.readiness = readiness
        self.metrics = metrics  # off: the server runs only for what is mounted on it
        self._runner: web.AppRunner | None = None
        self._mounted: list[tuple[str, web.Application]] = []

    def mount(self, prefix: str, app: web.Application) -> None:
        """Serve another application under `prefix` on this same server (the dashboard), so
        the process keeps one server and one event loop. Call before `start`."""
        self._mounted.append((prefix, app))

    def _app(self) -> web.Application:
        app = web.Application()
        app.on_response_prepare.append(_plain_server_header)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        if self.metrics:
            app.router.add_get("/metrics", self._metrics)
        for prefix, sub in self._mounted:
            # "/dashboard" as typed leads to the application at "/dashboard/".
            app.router.add_get(prefix, _to_slash(prefix))
            app.add_subapp(prefix, sub)
        return app

    async def start(self) -> int:
        """Start serving; returns the bound port (useful when configured as 0)."""
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("health and metrics on http://%s:%d", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        return _json({"status": "ok"}, 200)

    async def _readyz(self, request: web.Request) -> web.Response:
        try:
            reason = self.readiness()
        except Exception as exc:  # a failing check means not ready, never a 500
            reason = f"{type(exc).__name__}: {exc}"[:200]
        if reason is None:
            return _json({"status": "ready"}, 200)
        return _json({"status": "not ready", "reason": reason}, 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _json(payload: dict[str, str], status: int) -> web.Response:
    return web.Response(text=json.dumps(payload), status=status, content_type="application/json")
