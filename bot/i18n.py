"""Message catalogs: member-facing text lives in content/locales/<locale>/<domain>.po.

Message ids are keys ("prompts.scheduled"); English catalogs hold the source text. The member's
locale (from the platform) or the community's language picks the catalog, falling back to the
base language (pt-BR -> pt) and then to English. Texts use str.format placeholders: {name}.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import langcodes
from babel.messages.pofile import read_po

from bot.paths import CONTENT_DIR

log = logging.getLogger(__name__)
FALLBACK = "en"


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, str]]:
    """All catalogs, loaded once: {locale: {key: text}}."""
    root = CONTENT_DIR / "locales"
    out: dict[str, dict[str, str]] = {}
    for po in sorted(root.glob("*/*.po")):
        locale = po.parent.name.replace("_", "-")
        out.setdefault(locale, {}).update(_read(po))
    return out


def _read(path: Path) -> dict[str, str]:
    with path.open("rb") as fh:
        catalog = read_po(fh)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


def _chain(locale: str | None) -> list[str]:
    chain: list[str] = []
    if locale:
        norm = locale.replace("_", "-")
        chain.append(norm)
        base = norm.split("-")[0]
        if base != norm:
            chain.append(base)
    chain.append(FALLBACK)
    return chain


def t(key: str, locale: str | None = None, /, **values: object) -> str:
    """The text for `key` in the best available locale, formatted with `values`."""
    cats = catalogs()
    for loc in _chain(locale):
        text = cats.get(loc, {}).get(key)
        if text is not None:
            break
    else:
        log.warning("missing message %s", key)
        text = key
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        log.warning("bad placeholders in message %s (%s)", key, locale)
        return text


def has(key: str) -> bool:
    return key in catalogs().get(FALLBACK, {})


def locales() -> list[str]:
    return sorted(catalogs())


def language_tag(text: str) -> str | None:
    """A language code or name ("ja", "pt-BR", "Japanese") as a standard tag, or None."""
    try:
        tag = langcodes.standardize_tag(text)
        if langcodes.tag_is_valid(tag) and langcodes.Language.get(tag).is_valid():
            return tag
    except (ValueError, langcodes.tag_parser.LanguageTagError):
        pass
    try:
        return str(langcodes.find(text).to_tag())
    except (LookupError, ImportError, ValueError):
        return None
