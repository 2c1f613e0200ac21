"""Locale codes: which catalog or pack language answers a platform's locale.

Platforms name locales their own way (Discord "pt-BR", "zh-CN", "es-ES"; Slack "ja-JP"; a member
may type "zh_hans"). Our catalogs and packs use language codes with a script where it matters
(zh-Hans). `candidates` lists what to try, best first, ending with English.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

FALLBACK = "en"
PSEUDO = "en-XA"

# Platform codes whose best match is not their base language.
_ALIASES = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "fil": "tl",
    "fil-ph": "tl",
    "in": "id",
    "nb": "no",
}
# Traditional Chinese readers are not sent to the Simplified catalog.
_TRADITIONAL = {"zh-tw", "zh-hk", "zh-mo", "zh-hant"}


def normalize(code: str) -> str:
    """'pt_br' -> 'pt-BR', 'zh-hans' -> 'zh-Hans', 'en-xa' -> 'en-XA'."""
    parts = [p for p in code.strip().replace("_", "-").split("-") if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) in (2, 3):
            out.append(part.upper())
        else:
            out.append(part)
    return "-".join(out)


@lru_cache(maxsize=512)
def candidates(code: str | None) -> tuple[str, ...]:
    """Locales to try for `code`, best first, always ending with English."""
    chain: list[str] = []
    if code:
        norm = normalize(code)
        alias = _ALIASES.get(norm.lower())
        base = norm.split("-")[0]
        base_alias = None if norm.lower() in _TRADITIONAL else _ALIASES.get(base)
        for item in (norm, alias, base, base_alias):
            if item and item not in chain:
                chain.append(item)
    if FALLBACK not in chain:
        chain.append(FALLBACK)
    return tuple(chain)


def babel_locale(code: str | None) -> Locale:
    """The Babel locale for a code, for formatting; English when Babel has no data for it."""
    if code and normalize(code) == PSEUDO:
        return Locale.parse(FALLBACK)
    for candidate in candidates(code):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(FALLBACK)
