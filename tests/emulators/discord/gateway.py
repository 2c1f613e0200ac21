"""Gateway sessions as Discord keeps them.

Each IDENTIFY opens a session with its own id and sequence. Every event goes to every live
session: one with an open connection gets it at once; one whose connection dropped without a
clean close keeps it, for `resume_window` seconds, for a RESUME that names the session and the
last sequence the client saw, which replays what came after, in order, then says RESUMED. A
close with 1000 or 1001 ends the session (Discord: "your session will be invalidated"); a RESUME
of an ended, unknown or expired session gets INVALID_SESSION (op 9, not resumable).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

REPLAY_LIMIT = 10_000  # events a dropped session keeps; past that, the oldest are gone
_ids = itertools.count(1)

Frame = tuple[int, str, dict[str, Any]]


@dataclass
class Session:
    id: str
    ws: web.WebSocketResponse | None
    seq: int = 0
    ended: bool = False
    dropped_at: float | None = None
    kept: deque[Frame] = field(default_factory=lambda: deque(maxlen=REPLAY_LIMIT))

    def live(self, window: float) -> bool:
        if self.ended:
            return False
        return self.ws is not None or time.monotonic() - (self.dropped_at or 0.0) < window


class Sessions:
    def __init__(self) -> None:
        self.by_id: dict[str, Session] = {}
        self.resume_window = 120.0  # Discord does not say; resumes within minutes work
        self.resumed = 0
        self.replayed = 0  # events sent again by resumes
        self.refused = 0  # resumes answered with INVALID_SESSION

    def open(self, ws: web.WebSocketResponse) -> Session:
        session = Session(id=f"session-{next(_ids)}", ws=ws)
        self.by_id[session.id] = session
        return session

    async def send(self, session: Session, event: str, payload: dict[str, Any]) -> None:
        session.seq += 1
        session.kept.append((session.seq, event, payload))
        if session.ws is not None:
            await _frame(session.ws, session.seq, event, payload)

    async def dispatch(self, event: str, payload: dict[str, Any]) -> None:
        for session in list(self.by_id.values()):
            if session.live(self.resume_window):
                await self.send(session, event, payload)

    async def resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> bool:
        """Replay what the session got after `seq` on this connection; False: refused."""
        session = self.by_id.get(str(data.get("session_id")))
        if session is None or not session.live(self.resume_window):
            self.refused += 1
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return False
        if session.ws is not None and session.ws is not ws:
            await session.ws.close(code=4000)  # the old connection of a resumed session ends
        session.ws, session.dropped_at = ws, None
        after = int(data.get("seq") or 0)
        for seq, event, payload in list(session.kept):
            if seq > after:
                self.replayed += 1
                await _frame(ws, seq, event, payload)
        self.resumed += 1
        await self.send(session, "RESUMED", {})
        return True

    def closed(self, ws: web.WebSocketResponse) -> None:
        """The connection ended: a clean close by the client ends its session."""
        for session in self.by_id.values():
            if session.ws is ws:
                session.ws = None
                session.dropped_at = time.monotonic()
                session.ended = ws.close_code in (1000, 1001)

    def connected(self) -> list[web.WebSocketResponse]:
        return [s.ws for s in self.by_id.values() if s.ws is not None]


async def _frame(ws: web.WebSocketResponse, seq: int, event: str, payload: dict[str, Any]) -> None:
    # A connection that died meanwhile: the session keeps the event for a resume.
    with contextlib.suppress(ConnectionError):
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": seq, "d": payload}))
