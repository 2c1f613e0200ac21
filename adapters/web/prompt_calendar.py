"""The prompts calendar: a week or a month of prompt posts, in the reader's time zone: those
made (or skipped, or missed) from the posts table, those to come from the schedules.

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

from bot.kernel.store import aware
from bot.prompts import engine
from bot.prompts.models import PromptPost, PromptSchedule
from bot.prompts.timing import next_fire

KINDS = ("week", "month")
# An every-minute cron would fill a month with 44,640 posts; the page shows this many per
# schedule and says that there are more.
PER_SCHEDULE = 200


@dataclass(frozen=True)
class Entry:
    local: datetime  # in the reader's zone
    schedule_id: int | None  # None: posted with /prompt post-now
    theme: str
    channel: str
    status: str = "planned"  # or a PromptPost status: queued, posted, skipped, missed


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


def bounds(kind: str, anchor: date, zone: str) -> tuple[datetime, datetime]:
    """The instants the calendar of `kind` around `anchor` spans, in `zone`."""
    first, last = window(kind, anchor)
    tz = ZoneInfo(zone)
    return datetime.combine(first, time(), tz), datetime.combine(last, time(), tz)


def build(
    schedules: Iterable[PromptSchedule],
    kind: str,
    anchor: date,
    zone: str,
    now: datetime,
    history: Iterable[PromptPost] = (),
) -> View:
    """The calendar of `kind` around `anchor`, in `zone`: `history` (the posts table's rows in
    the window) and, from `now` on, what the schedules will post."""
    tz = ZoneInfo(zone)
    first, last = window(kind, anchor)
    begin, end = bounds(kind, anchor, zone)
    start = max(begin, now)
    today = now.astimezone(tz).date()
    days = [
        Day(
            first + timedelta(days=i),
            kind == "week" or (first + timedelta(days=i)).month == anchor.month,
            first + timedelta(days=i) == today,
        )
        for i in range((last - first).days)
    ]
    entries: dict[tuple[int | None, datetime], Entry] = {}
    for post in history:
        at = aware(post.fire_at)
        if at is not None and begin <= at < end:
            local = at.astimezone(tz)
            entries[(post.schedule_id, at)] = Entry(
                local, post.schedule_id, post.theme, post.channel, post.status
            )
    truncated: list[int] = []
    for schedule in schedules:
        fires = fires_between(schedule, start, end) if start < end else []
        if len(fires) > PER_SCHEDULE:
            truncated.append(schedule.id or 0)
            fires = fires[:PER_SCHEDULE]
        for at in fires:
            entry = Entry(at.astimezone(tz), schedule.id, schedule.theme, schedule.channel)
            entries.setdefault((schedule.id, at), entry)  # a row already made wins
    for entry in sorted(entries.values(), key=lambda e: (e.local, e.schedule_id or 0)):
        days[(entry.local.date() - first).days].entries.append(entry)
    return View(kind, anchor, first, last, zone, days, truncated)


def anchor_of(raw: str | None, now: datetime, zone: str) -> date:
    """The date asked for in the query string, or today in the reader's zone."""
    today = now.astimezone(ZoneInfo(zone)).date()
    try:
        asked = date.fromisoformat(raw or "")
    except ValueError:
        return today
    return asked if 2000 <= asked.year <= 2100 else today
