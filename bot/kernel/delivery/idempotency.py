"""What an adapter needs to send an outbox entry exactly once on the platform itself.

The outbox sets an `Attempt` around each delivery. Adapters read it with `current()`:

- `key` is stable for the entry across processes and restarts. Discord creates carry a nonce
  derived from it (with `enforce_nonce`, a resend returns the message already created); Slack
  posts carry it in message metadata so the channel's history can be searched for it.
- `steps` are what earlier attempts finished and recorded (a post's ts, its thread's id): a
  restart continues from there instead of starting over.
- `uncertain` is true when an earlier attempt may have reached the platform without its outcome
  being recorded (a crash, a lost response, a lease that ran out): the adapter reconciles before
  sending again.
- `finish_in(session)` marks the entry done inside the caller's own transaction, fenced by the
  lease (the inbox: a handler's writes and its event's "done" commit together).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

METADATA_EVENT = "crossings_outbox"  # Slack message metadata event_type

StepRecorder = Callable[[str, dict[str, Any]], bool]
# Marks the entry done inside the caller's transaction; False when its lease was lost.
Finisher = Callable[[Session], bool]


@dataclass
class Attempt:
    key: str
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    uncertain: bool = False
    recorder: StepRecorder | None = None
    finisher: Finisher | None = None

    def nonce(self, step: str, part: int = 0) -> str:
        """A Discord nonce (at most 25 characters) unique to this entry, step and part."""
        digest = hashlib.sha256(f"{self.key}|{step}|{part}".encode()).digest()
        return base64.b32encode(digest).decode().lower()[:25]

    def done(self, step: str) -> dict[str, Any] | None:
        return self.steps.get(step)

    def record(self, step: str, data: dict[str, Any]) -> None:
        """Remember a finished step so no later attempt repeats it."""
        self.steps[step] = data
        if self.recorder is not None:
            self.recorder(step, data)

    def finish_in(self, session: Session) -> bool:
        """Mark the entry done in `session`'s transaction, fenced by the lease: the caller's
        writes and the entry's "done" then commit together, and a process whose lease ran out
        cannot finish it (False: roll back)."""
        if self.finisher is None:
            raise RuntimeError("this attempt cannot be finished in a transaction")
        return self.finisher(session)

    def metadata(self, step: str) -> dict[str, Any]:
        """Slack message metadata naming this entry and step."""
        return {"event_type": METADATA_EVENT, "event_payload": {"key": self.key, "step": step}}

    def matches(self, message: dict[str, Any], step: str) -> bool:
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        return (
            meta.get("event_type") == METADATA_EVENT
            and payload.get("key") == self.key
            and payload.get("step") == step
        )


_CURRENT: ContextVar[Attempt | None] = ContextVar("crossings_attempt", default=None)


def current() -> Attempt | None:
    return _CURRENT.get()


@contextmanager
def attempting(attempt: Attempt | None) -> Iterator[Attempt | None]:
    token = _CURRENT.set(attempt)
    try:
        yield attempt
    finally:
        _CURRENT.reset(token)
