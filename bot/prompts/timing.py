"""When schedules fire: friendly rules ("every monday 19:00", "first sunday of the month 10:00"),
cron expressions and one-off dates, evaluated on the community's wall clock.

DST is handled deliberately. Rules are evaluated on naive local wall-clock times (croniter), and
each wall time is then placed in the zone with `fold=0`:
- a time that does not exist (02:30 on the spring-forward day) fires once, shifted forward by
  the gap (03:30 local, the same instant as 02:30 on the old offset);
- a time that happens twice (02:30 on the fall-back day) fires once, at its first occurrence.
So a daily 02:30 schedule posts exactly once on both days, in every zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from bot.kernel.commands import CommandError

_DAYS = {
    "monday": 1,
    "mon": 1,
    "tuesday": 2,
    "tue": 2,
    "tues": 2,
    "wednesday": 3,
    "wed": 3,
    "thursday": 4,
    "thu": 4,
    "thurs": 4,
    "friday": 5,
    "fri": 5,
    "saturday": 6,
    "sat": 6,
    "sunday": 0,
    "sun": 0,
}
_NTH = {"first": "{d}#1", "second": "{d}#2", "third": "{d}#3", "fourth": "{d}#4", "last": "L{d}"}
_TIME = r"(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"
_EVERY_DAY = re.compile(rf"^(?:every\s+day|daily)\s+{_TIME}$")
_WEEKDAYS = re.compile(rf"^every\s+weekday\s+{_TIME}$")
_EVERY = re.compile(rf"^every\s+([a-z,\s]+?)\s+{_TIME}$")
_NTH_RE = re.compile(
    rf"^(first|second|third|fourth|last)\s+([a-z]+)\s+of\s+(?:the|each|every)\s+month\s+{_TIME}$"
)
_ONCE = re.compile(r"^(?:once\s+)?(\d{4}-\d{2}-\d{2})[ t](\d{1,2}):(\d{2})$")

EXAMPLES = "every monday 19:00 · every day 9:30 · first sunday of the month 10:00 · 2026-03-09 19:00 · 0 19 * * 1"


@dataclass(frozen=True)
class Rule:
    """A recurring cron expression on the wall clock, or a single local date and time."""

    cron: str | None = None
    once: datetime | None = None  # naive, local wall time

    @property
    def text(self) -> str:
        return self.cron if self.cron else f"once {self.once:%Y-%m-%d %H:%M}"


def _hour_minute(hour: str, minute: str | None, meridiem: str | None) -> tuple[int, int]:
    h, m = int(hour), int(minute or 0)
    if meridiem:
        if not 1 <= h <= 12:
            raise CommandError.of("prompts.rule.not_a_time", time=f"{h}{meridiem}")
        h = h % 12 + (12 if meridiem == "pm" else 0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise CommandError.of("prompts.rule.not_a_time", time=f"{hour}:{minute or '00'}")
    return h, m


def _day(word: str) -> int:
    try:
        return _DAYS[word.strip()]
    except KeyError:
        raise CommandError.of("prompts.rule.not_a_day", day=word.strip()[:30]) from None


def parse_rule(text: str) -> Rule:
    """A member's description of when, as a Rule; CommandError with examples otherwise."""
    raw = " ".join(text.strip().lower().split())
    if m := _ONCE.match(raw):
        try:
            when = datetime.strptime(f"{m[1]} {int(m[2]):02d}:{m[3]}", "%Y-%m-%d %H:%M")
        except ValueError:
            raise CommandError.of("prompts.rule.not_a_date", text=text.strip()[:60]) from None
        return Rule(once=when)
    if m := _EVERY_DAY.match(raw):
        h, mi = _hour_minute(m[1], m[2], m[3])
        return Rule(cron=f"{mi} {h} * * *")
    if m := _WEEKDAYS.match(raw):
        h, mi = _hour_minute(m[1], m[2], m[3])
        return Rule(cron=f"{mi} {h} * * 1-5")
    if m := _NTH_RE.match(raw):
        h, mi = _hour_minute(m[3], m[4], m[5])
        day = _day(m[2])
        return Rule(cron=f"{mi} {h} * * " + _NTH[m[1]].format(d=day))
    if m := _EVERY.match(raw):
        days = sorted({_day(d) for d in re.split(r"[,\s]+|\s+and\s+", m[1]) if d and d != "and"})
        h, mi = _hour_minute(m[2], m[3], m[4])
        return Rule(cron=f"{mi} {h} * * {','.join(map(str, days))}")
    if len(raw.split()) == 5 and croniter.is_valid(raw):
        return Rule(cron=raw)
    raise CommandError.of("prompts.rule.unreadable", text=text.strip()[:60], examples=EXAMPLES)


def to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time as a UTC instant (fold=0: see the module docstring)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_fires(rule: Rule, zone: ZoneInfo, after: datetime, count: int = 1) -> list[datetime]:
    """The next `count` fire times strictly after `after` (aware), as UTC instants."""
    if rule.once is not None:
        at = to_utc(rule.once, zone)
        return [at] if at > after else []
    assert rule.cron is not None
    # Start a minute back so a wall time that maps to `after` itself is seen and skipped.
    start = after.astimezone(zone).replace(tzinfo=None) - timedelta(minutes=1)
    it = croniter(rule.cron, start)
    found: list[datetime] = []
    for _ in range(count * 4 + 10):
        at = to_utc(it.get_next(datetime), zone)
        if at > after and (not found or at > found[-1]):
            found.append(at)
            if len(found) == count:
                break
    return found


def next_fire(rule: Rule, zone: ZoneInfo, after: datetime) -> datetime | None:
    fires = next_fires(rule, zone, after, 1)
    return fires[0] if fires else None
