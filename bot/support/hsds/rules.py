"""The checks that matter for search, beyond the schemas: coordinates, time zones, languages
and phone numbers. Each returns a problem's reason, or None when the value is fine."""

from __future__ import annotations

import math
import re
import zoneinfo
from functools import cache
from typing import Any

import langcodes
import phonenumbers
from phonenumbers import shortnumberinfo


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_zone(name: str) -> bool:
    return name in _zones()


def coordinate_problem(value: Any, limit: float) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "not a number of decimal degrees"
    if not -limit <= value <= limit:
        return f"outside -{limit:g}..{limit:g} degrees (WGS84)"
    return None


def offset_problem(value: Any) -> str | None:
    """HSDS 3 `timezone` is the UTC offset in hours."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "not an IANA time zone or a UTC offset in hours"
    if not -12 <= value <= 14:
        return "a UTC offset runs from -12 to +14 hours"
    return None


@cache
def language_tag(code: str | None, name: str | None) -> str | None:
    """A standard tag from an ISO 639 code ("ur", "urd", "pt-BR") or a name ("Urdu"), else None."""
    if code:
        try:
            tag = langcodes.standardize_tag(code)
            if langcodes.tag_is_valid(tag) and langcodes.Language.get(tag).is_valid():
                return tag
        except (ValueError, langcodes.tag_parser.LanguageTagError):
            return None
        return None
    if name:
        return _tag_for_name(name.strip())
    return None


@cache
def _tag_for_name(name: str) -> str | None:
    try:
        return str(langcodes.find(name).to_tag())
    except (LookupError, ImportError, ValueError):
        return None


_NATIONAL_SHORT = re.compile(r"\d{3,6}")


def phone_problem(number: str, country: str | None) -> str | None:
    """Parsed per country (the location's or organization's address); short codes allowed."""
    region = country.upper() if country and len(country) == 2 else None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        where = f"for {region}" if region else "in international form (+country code)"
        return f"not a phone number {where}"
    if phonenumbers.is_possible_number(parsed):
        return None
    if region and shortnumberinfo.is_valid_short_number_for_region(parsed, region):
        return None
    if region and _NATIONAL_SHORT.fullmatch(number.strip()):
        # Helplines' national short codes (Indonesia's 129, Colombia's 155) are missing from
        # phonenumbers' short-number data; a 3-6 digit number with a country is kept as given.
        return None
    return f"not a possible phone number for {region or 'any country'}"
