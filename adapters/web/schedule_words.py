"""A schedule's rule in words in the reader's language ("every Thursday at 19:00"), for the
rules members write (every day, some weekdays, the nth or last weekday of the month); other cron
expressions and one-off dates are shown as they are. Weekday names and times come from Babel."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time

from babel.dates import format_time, get_day_names

from bot.kernel import i18n

Translate = Callable[..., str]  # Reader.t: the web.prompts catalog in the reader's language
_CRON = re.compile(r"^(\d{1,2}) (\d{1,2}) \* \* (\*|[0-6](?:[,-][0-6])*|[0-6]#[1-4]|L[0-6])$")


def _weekday(cron_day: int, locale: str) -> str:
    # cron counts from Sunday (0), Babel from Monday (0).
    return str(get_day_names("wide", locale=i18n.babel_locale(locale))[(cron_day - 1) % 7])


def _days(field: str) -> list[int]:
    if "-" in field and "," not in field:
        first, last = (int(x) for x in field.split("-"))
        return list(range(first, last + 1))
    return [int(x) for x in field.split(",")]


def in_words(rule: str, locale: str, t: Translate) -> str | None:
    """The rule in words, or None when it is not one of the shapes put in words here."""
    found = _CRON.match(rule.strip())
    if found is None:
        return None
    minute, hour, field = int(found[1]), int(found[2]), found[3]
    if minute > 59 or hour > 23:
        return None
    at = format_time(time(hour, minute), "short", locale=i18n.babel_locale(locale))
    if field == "*":
        return t("words_daily", time=at)
    if "#" in field:
        day, nth = field.split("#")
        return t(f"words_nth_{nth}", day=_weekday(int(day), locale), time=at)
    if field.startswith("L"):
        return t("words_last", day=_weekday(int(field[1:]), locale), time=at)
    names = [_weekday(d, locale) for d in _days(field)]
    return t("words_weekly", days=i18n.join(names, locale), time=at)
