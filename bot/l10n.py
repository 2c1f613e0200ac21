"""Locale-aware formatting through Babel (CLDR): dates, times, durations, lists, numbers and
language names, so no member reads an English weekday, "a, b, c" lists or a bare "es".

English keeps the bot's established date style ("Mon 02 Mar 2026 19:00"); every other language
gets CLDR's pattern for the same fields, in its own order and words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_timedelta
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from bot.locales import babel_locale, normalize

# The bot's English style, kept so English output does not change under localisation.
_ENGLISH = {"datetime": "EEE dd MMM y HH:mm", "datetime_short": "EEE dd MMM HH:mm"}
_SKELETONS = {"datetime": "yMMMEd", "datetime_short": "MMMEd"}
_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def when(
    moment: datetime | None, locale: str | None, zone: str | None = None, *, year: bool = True
) -> str:
    """A date and time for a member, in `zone` (the moment's own zone if None), zone named."""
    if moment is None:
        return "-"
    local = moment.astimezone(ZoneInfo(zone)) if zone else moment
    loc = babel_locale(locale)
    kind = "datetime" if year else "datetime_short"
    if loc.language == "en":
        text = format_datetime(local, _ENGLISH[kind], tzinfo=local.tzinfo, locale=loc)
    else:
        date_part = format_skeleton(_SKELETONS[kind], local, tzinfo=local.tzinfo, locale=loc)
        time_part = format_skeleton("Hm", local, tzinfo=local.tzinfo, locale=loc)
        pattern = str(loc.datetime_formats.get("medium", "{1} {0}"))
        text = pattern.replace("{1}", date_part).replace("{0}", time_part)
    name = local.tzname()
    return f"{text} {name}" if name else text


def day(moment: date, locale: str | None) -> str:
    """A calendar date, medium length ("Mar 2, 2026", "2026/03/02", "2 mars 2026")."""
    return format_date(moment, "medium", locale=babel_locale(locale))


def duration(delta: timedelta, locale: str | None) -> str:
    """An exact duration in words: "1 day, 2 hours"; "1日2時間"."""
    loc = babel_locale(locale)
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in _UNITS:
        if seconds >= size:
            amount, seconds = divmod(seconds, size)
            parts.append(
                format_timedelta(
                    timedelta(seconds=amount * size), threshold=1, format="long", locale=loc
                )
                if unit != "second"
                else format_timedelta(
                    timedelta(seconds=amount), granularity="second", format="long", locale=loc
                )
            )
    if not parts:
        return format_timedelta(timedelta(0), granularity="second", format="long", locale=loc)
    return _list(parts, "unit", loc)


def join(items: Iterable[str], locale: str | None, *, style: str = "standard") -> str:
    """A list in the language's way: "a, b and c", "a、b、c", "a, b ou c" (style="or")."""
    values = [i for i in items if i]
    if not values:
        return "-"
    return _list(values, style, babel_locale(locale))


def _list(values: list[str], style: str, loc: Locale) -> str:
    """format_list, falling back to the standard style where a locale's data lacks one."""
    for candidate in (style, "standard"):
        try:
            return format_list(values, style=candidate, locale=loc)  # type: ignore[arg-type]
        except (KeyError, ValueError):
            continue
    return ", ".join(values)


def number(value: float, locale: str | None) -> str:
    return format_decimal(value, locale=babel_locale(locale))


def percent(ratio: float, locale: str | None) -> str:
    """A ratio (0.5) as a percentage in the language's form: "50%", "50 %", "٥٠٪"."""
    return format_percent(ratio, locale=babel_locale(locale))


def language_name(code: str, locale: str | None) -> str:
    """A language code in words, in the reader's language: ("pt-BR", "ja") -> "ポルトガル語 (ブラジル)"."""
    try:
        spoken = Locale.parse(normalize(code), sep="-")
    except (UnknownLocaleError, ValueError):
        return code
    return spoken.get_display_name(babel_locale(locale)) or code


def language_names(codes: Iterable[str], locale: str | None) -> str:
    return join((language_name(c, locale) for c in codes), locale)
