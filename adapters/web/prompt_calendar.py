"""The prompts calendar: a week or a month of scheduled posts, in the reader's time zone.

The fire times come from the scheduler's own code (`bot.prompts.timing.next_fire`, stepped
from each schedule's stored next fire time exactly as `engine.fire_schedule` steps it), so the
calendar cannot disagree with what will be posted: a schedule in London viewed from New York
moves by an hour in the weeks when only one of the two has changed its clocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.prompts import engine
from bot.prompts.models import PromptSchedule
from bot.prompts.timing import next_fire
from bot.store import aware

KINDS = ("week", "month")
# An every-minute cron would fill a month with 44,640 posts; the page shows this many per
# schedule and says that there are more.
PER_SCHEDULE = 200


@dataclass(frozen=True)
class Entry:
    local: datetime  # in the reader's zone
    schedule: PromptSchedule


@dataclass
class Day:
    day: date
    in_range: bool  # a month view pads its first and last weeks with days of other months
    today: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass
class View:
    kind: str
    anchor: date
    start: date
    end: date  # exclusive
    zone: str
    days: list[Day]
    truncated: list[int]  # schedules with more posts than are shown

    @property
    def previous(self) -> date:
        if self.kind == "week":
            return self.anchor - timedelta(days=7)
        return (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)

    @property
    def following(self) -> date:
        if self.kind == "week":
            return self.anchor + timedelta(days=7)
        return (self.anchor.replace(day=28) + timedelta(days=4)).replace(day=1)

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]


def window(kind: str, anchor: date) -> tuple[date, date]:
    """The first and the day after the last day shown: whole weeks, Monday first."""
    if kind == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=7)
    first = anchor.replace(day=1)
    after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    end = after + timedelta(days=(7 - after.weekday()) % 7)
    return start, end


def fires_between(
    schedule: PromptSchedule, start: datetime, end: datetime, limit: int = PER_SCHEDULE
) -> list[datetime]:
    """The UTC instants in [start, end) at which the scheduler will post this schedule."""
    first = aware(schedule.next_fire_at)
    if not schedule.active or schedule.paused or first is None:
        return []
    rule, zone = engine.rule_of(schedule), ZoneInfo(schedule.timezone)
    left = schedule.occurrences_left
    at: datetime | None = first
    if left is None and first < start:
        # No series to count: start at the window (next_fire is a function of its `after`).
        at = next_fire(rule, zone, start - timedelta(microseconds=1))
    found: list[datetime] = []
    fired = 0
    while at is not None and at < end and len(found) <= limit:
        if left is not None and fired >= left:
            break
        if at >= start:
            found.append(at)
        fired += 1
        at = next_fire(rule, zone, at)
    return found


def build(
    schedules: Iterable[PromptSchedule], kind: str, anchor: date, zone: str, now: datetime
) -> View:
    """The calendar of `kind` around `anchor`, in `zone`; only posts still to come."""
    tz = ZoneInfo(zone)
    first, last = window(kind, anchor)
    start = max(datetime.combine(first, time(), tz), now)
    end = datetime.combine(last, time(), tz)
    today = now.astimezone(tz).date()
    days = [
        Day(
            first + timedelta(days=i),
            kind == "week" or (first + timedelta(days=i)).month == anchor.month,
            first + timedelta(days=i) == today,
        )
        for i in range((last - first).days)
    ]
    truncated: list[int] = []
    for schedule in schedules:
        fires = fires_between(schedule, start, end) if start < end else []
        if len(fires) > PER_SCHEDULE:
            truncated.append(schedule.id or 0)
            fires = fires[:PER_SCHEDULE]
        for at in fires:
            local = at.astimezone(tz)
            days[(local.date() - first).days].entries.append(Entry(local, schedule))
    for d in days:
        d.entries.sort(key=lambda e: (e.local, e.schedule.id or 0))
    return View(kind, anchor, first, last, zone, days, truncated)


def anchor_of(raw: str | None, now: datetime, zone: str) -> date:
    """The date asked for in the query string, or today in the reader's zone."""
    today = now.astimezone(ZoneInfo(zone)).date()
    try:
        asked = date.fromisoformat(raw or "")
    except ValueError:
        return today
    return asked if 2000 <= asked.year <= 2100 else today
