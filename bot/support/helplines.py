"""Helplines by country from content/helplines/, with the international fallback.

`for_signal` picks the lines a reply lists: for suicide and self-harm a crisis or suicide line
(else the international directory; and the directory too when every crisis line serves only
one region, its `area`), then the local emergency number; for danger from a
partner the emergency number first, then abuse lines; for coercive control abuse and
immigrant services. A line's `hours` are shown as its source states them; a line with a
`schedule` is marked open when it is open at the moment of the reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.kernel.message import Field, escape
from bot.kernel.paths import CONTENT_DIR

FALLBACK = "XX"
ALWAYS = "24/7"
CRISIS = ("crisis", "suicide")
ABUSE = ("abuse", "domestic-abuse")
IMMIGRANT = ("immigrant",)
MAX_FIELDS = 6
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Line = dict[str, Any]


@cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(
        (CONTENT_DIR / "helplines" / "helplines.yaml").read_text(encoding="utf-8")
    )


@dataclass(frozen=True)
class Selection:
    """The lines a reply lists, and what its text may promise about them."""

    country: str
    lines: tuple[Line, ...]
    crisis_line: bool  # a crisis or suicide line is among them (not only the directory)

    @property
    def always_open(self) -> bool:
        """Every listed line answers round the clock, as its source states."""
        return bool(self.lines) and all(line.get("hours") == ALWAYS for line in self.lines)


def for_country(country: str | None, topics: tuple[str, ...] = ()) -> tuple[str, list[Line]]:
    """(the country used, its lines), filtered by topic; the fallback when there are none.
    When none of a country's lines serves the topics, the international lines that do come
    first and the country's own follow (for `/support helplines` and the directory)."""
    lines = _data()["lines"]
    code = (country or "").upper()
    found = lines.get(code, [])
    if not found:
        return FALLBACK, list(lines[FALLBACK])
    if topics:
        matching = [x for x in found if _serves(x, topics)]
        if not matching:
            return code, [x for x in lines[FALLBACK] if _serves(x, topics)] + list(found)
        found = matching
    return code, list(found)


def for_signal(country: str | None, family: str | None) -> Selection:
    """The lines for a reply of `family` ("suicide", "danger", "control"; None for
    `/help-now`, which lists crisis lines, the emergency number and abuse lines)."""
    code = (country or "").upper()
    own = list(_data()["lines"].get(code, [])) if code != FALLBACK else []
    used = code if own else FALLBACK
    crisis = [x for x in own if _serves(x, CRISIS)]
    abuse = [x for x in own if _serves(x, ABUSE) and x not in crisis]
    first_aid = crisis or [_directory()]
    if crisis and all(x.get("area") for x in crisis):
        first_aid = [*crisis, _directory()]  # a member elsewhere in the country is not left out
    emergency = [_emergency(used)]
    if family == "danger":
        chosen = emergency + (abuse or [_directory()])
    elif family == "control":
        immigrant = [x for x in own if _serves(x, IMMIGRANT)]
        rest = [x for x in abuse if x not in immigrant]
        chosen = (immigrant + rest) or [_directory()]
    elif family == "suicide":
        chosen = first_aid + emergency
    else:
        chosen = first_aid + emergency + abuse
    return Selection(used, tuple(_unique(chosen)[:MAX_FIELDS]), bool(crisis))


def _unique(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        if line not in out:
            out.append(line)
    return out


def _directory() -> Line:
    return next(x for x in _data()["lines"][FALLBACK] if x.get("role") == "directory")


def _emergency(country: str) -> Line:
    """The country's emergency number as a line; the fallback's entry for no country."""
    generic = next(x for x in _data()["lines"][FALLBACK] if x.get("role") == "emergency")
    table = _data()["emergency"]
    numbers = table["numbers"].get(country)
    if not numbers:
        return generic
    return {
        "name": "Emergency services",
        "role": "emergency",
        "topics": ["crisis", "abuse"],
        "contact": dict(numbers),
        "languages": [],
        "hours": ALWAYS,
        "source": table["source"],
        "source_kind": table["source_kind"],
        "checked_on": table["checked_on"],
    }


def emergency_numbers() -> dict[str, dict[str, str]]:
    """Every country's emergency numbers as shipped (for audits and tests)."""
    return {c: dict(n) for c, n in _data()["emergency"]["numbers"].items()}


def _serves(line: Line, topics: tuple[str, ...]) -> bool:
    return bool(set(line.get("topics", [])) & set(topics))


def open_now(line: Line, now: datetime, zone: str | None = None) -> bool | None:
    """Whether a line with a stated schedule is open at `now`, read in the member's time zone
    (`zone`) when known, else the line's own; None when the source gives no schedule."""
    schedule = line.get("schedule")
    if not schedule:
        return True if line.get("hours") == ALWAYS else None
    local = now.astimezone(ZoneInfo(zone or schedule["timezone"]))
    start, end = _clock(schedule["from"]) or time(0), _clock(schedule["to"])
    if DAYS[local.weekday()] not in schedule["days"]:
        return False
    current = local.time()
    return start <= current and (end is None or current < end)


def _clock(value: str) -> time | None:
    """ "08:00" -> 08:00; "24:00" (the end of the day) -> None."""
    hours, minutes = (int(p) for p in value.split(":"))
    return None if hours == 24 else time(hours, minutes)


def all_lines() -> dict[str, list[Line]]:
    """Every country's lines, the fallback included, as shipped (for audits and exports)."""
    return {country: list(lines) for country, lines in _data()["lines"].items()}


def countries() -> list[str]:
    return sorted(c for c in _data()["lines"] if c != FALLBACK)


def as_fields(
    lines: list[Line] | tuple[Line, ...],
    *,
    now: datetime | None = None,
    zone: str | None = None,
    open_label: str = "",
    vouch: Callable[[Line], str] | None = None,
) -> tuple[Field, ...]:
    """One field per line: contacts, hours as the source states them (with `open_label`
    where a stated schedule is open at `now`), languages and the note; `vouch` adds who
    vouches for the line and when it was checked (what `/support helplines` shows)."""
    fields = []
    for line in list(lines)[:MAX_FIELDS]:
        contact = " · ".join(
            f"{k.replace('_alt', '')}: {escape(str(v))}" for k, v in line["contact"].items()
        )
        hours = str(line.get("hours", ""))
        if open_label and now is not None and line.get("schedule") and open_now(line, now, zone):
            hours = f"{hours} · {open_label}"
        extra = " · ".join(p for p in (hours, ", ".join(line.get("languages", []))) if p)
        # The note carries what a caller must know to get through (an option to press, a keyword).
        note = f"\n{escape(line['note'])}" if line.get("note") else ""
        checked = f"\n{vouch(line)}" if vouch else ""
        fields.append(Field(escape(line["name"]), f"{contact}\n{escape(extra)}{note}{checked}"))
    return tuple(fields)
