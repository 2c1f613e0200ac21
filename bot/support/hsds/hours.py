"""Opening hours as HSDS 3 writes them: RFC 5545 style `freq`/`byday`, `opens_at`/`closes_at`,
`valid_from`/`valid_to`, and a `timezone` offset in hours (or an IANA zone name)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def zone_of(schedule: dict[str, Any]) -> tzinfo:
    name = schedule.get("timezone_name")
    if name:
        return ZoneInfo(str(name))
    offset = schedule.get("timezone")
    if isinstance(offset, int | float):
        return timezone(timedelta(hours=float(offset)))
    return UTC


def _minutes(text: str) -> int:
    clock = _OFFSET.sub("", text)
    hours, minutes = clock.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _day_matches(token: str, local: date, monthly: bool) -> bool:
    found = _DAY.match(token)
    if not found or DAYS[local.weekday()] != found.group(2):
        return False
    if not monthly or not found.group(1):
        return True
    nth = int(found.group(1))  # "2MO": the second Monday; "-1FR": the last Friday
    if nth > 0:
        return (local.day - 1) // 7 + 1 == nth
    days_left = (date(local.year + local.month // 12, local.month % 12 + 1, 1) - local).days
    return (days_left - 1) // 7 + 1 == -nth


def _valid(schedule: dict[str, Any], local: date) -> bool:
    for key, test in (("valid_from", lambda d: local >= d), ("valid_to", lambda d: local <= d)):
        value = schedule.get(key)
        if value:
            try:
                if not test(date.fromisoformat(str(value)[:10])):
                    return False
            except ValueError:
                continue
    return True


def open_at(schedule: dict[str, Any], at: datetime) -> bool:
    """Whether one schedule has the service open at `at` (an aware datetime)."""
    if not schedule.get("opens_at") or not schedule.get("closes_at"):
        return False
    local = at.astimezone(zone_of(schedule))
    if not _valid(schedule, local.date()):
        return False
    days = [d.strip() for d in str(schedule.get("byday") or "").upper().split(",") if d.strip()]
    monthly = schedule.get("freq") == "MONTHLY"
    if days and not any(_day_matches(d, local.date(), monthly) for d in days):
        return False
    now = local.hour * 60 + local.minute
    opens, closes = _minutes(str(schedule["opens_at"])), _minutes(str(schedule["closes_at"]))
    if closes <= opens:  # open past midnight
        return now >= opens or now < closes
    return opens <= now < closes
