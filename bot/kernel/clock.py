"""Time enters the core as an argument; this module is where it comes from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to: tests, the demo and the console use it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("SimulatedClock needs an aware datetime")

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("SimulatedClock needs an aware datetime")
        self._now = when

    def advance(self, delta: timedelta) -> datetime:
        self._now = self._now + delta
        return self._now


class SteerableClock:
    """Real time plus an offset that only grows: the interactive console's clock, so
    `/clock +2h` can jump ahead while time keeps flowing."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        real = datetime.now(UTC)
        self._offset = max(self._offset, when - real)
