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


def cities(text: str, country: str | None) -> list[gazetteer.City]:
    """Cities matching what the member typed, biggest first; one per country is enough."""
    city, from_text = split_place(text)
    return gazetteer.lookup(city, country or from_text)
