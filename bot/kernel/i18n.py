"""Message catalogs: member-facing text lives in content/locales/<locale>/<domain>.po.

Message ids are keys ("prompts.scheduled"); English catalogs hold the source text. The member's
locale (from the platform) or the community's language picks the catalog, falling back to the
base language (pt-BR -> pt, zh-CN -> zh-Hans) and then to English. Texts use str.format
placeholders: {name}.

A plural message has `msgid_plural` set to the name of the placeholder that counts
("count", "points"); t() picks the form by the value's CLDR plural category in the language, from
Babel's locale data (never from a file's Plural-Forms line, which tools read but the bot does
not). A message's forms follow the CLDR order zero, one, two, few, many, with `other` last; a
category without a form of its own takes the last (French has "one" and "other": a million
takes "other"). The pseudo-locale en-XA is built from English.

Locale codes: platforms name locales their own way (Discord "pt-BR", "zh-CN"; Slack "ja-JP"; a
member may type "zh_hans"); catalogs and packs use language codes with a script where it matters
(zh-Hans). `candidates` lists what to try, best first, ending with English.

Formatting through Babel (CLDR): dates, times, durations, lists, numbers and language names, so no
member reads an English weekday, "a, b, c" lists or a bare "es". English keeps the bot's
established date style ("Mon 02 Mar 2026 19:00"); every other language gets CLDR's pattern.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import langcodes
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_timedelta
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.plural import PluralRule

from bot.kernel.paths import CONTENT_DIR
from bot.kernel.pseudo import pseudo

# --- locale codes ----------------------------------------------------------------------
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


# --- catalogs --------------------------------------------------------------------------
log = logging.getLogger(__name__)


@dataclass
class Plural:
    """A plural message: the counting placeholder and one text per gettext plural form."""

    var: str
    forms: tuple[str, ...]


@dataclass
class LocaleCatalog:
    texts: dict[str, str] = field(default_factory=dict)
    plurals: dict[str, Plural] = field(default_factory=dict)

    def __contains__(self, key: object) -> bool:
        return key in self.texts or key in self.plurals


def catalog_dir() -> Path:
    return CONTENT_DIR / "locales"


@lru_cache(maxsize=1)
def _all() -> dict[str, LocaleCatalog]:
    out: dict[str, LocaleCatalog] = {}
    for po in sorted(catalog_dir().glob("*/*.po")):
        locale = normalize(po.parent.name)
        _merge(out.setdefault(locale, LocaleCatalog()), _read(po))
    if FALLBACK in out:
        out[PSEUDO] = _pseudo_catalog(out[FALLBACK])
    return out


def _read(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def _merge(target: LocaleCatalog, catalog: Catalog) -> None:
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            forms = tuple(str(s) for s in (m.string or ()))
            if all(forms):
                target.plurals[str(m.id[0])] = Plural(str(m.id[1]), forms)
        elif m.string:
            target.texts[str(m.id)] = str(m.string)


def _pseudo_catalog(english: LocaleCatalog) -> LocaleCatalog:
    return LocaleCatalog(
        texts={k: pseudo(v) for k, v in english.texts.items()},
        plurals={
            k: Plural(p.var, tuple(pseudo(f) for f in p.forms)) for k, p in english.plurals.items()
        },
    )


def catalogs() -> dict[str, dict[str, str]]:
    """All catalogs as {locale: {key: text}}; a plural message shows its last (plural) form."""
    return {
        loc: cat.texts | {k: p.forms[-1] for k, p in cat.plurals.items()}
        for loc, cat in _all().items()
    }


def load() -> None:
    """Parse every catalog now (about half a second), so the first message does not wait."""
    _all()


def catalog(locale: str) -> LocaleCatalog | None:
    return _all().get(normalize(locale))


def reload() -> None:
    """Forget loaded catalogs (after content changes)."""
    _all.cache_clear()
    _english_by_text.cache_clear()


# CLDR's plural categories in the order a message's forms follow.
CATEGORIES = ("zero", "one", "two", "few", "many", "other")


@lru_cache(maxsize=64)
def _plural_rule(locale: str) -> PluralRule:
    """Babel's CLDR plural rule for a language (English's for one CLDR does not know)."""
    for name in (normalize(locale).replace("-", "_"), normalize(locale).split("-")[0], "en"):
        with contextlib.suppress(UnknownLocaleError, ValueError):
            return Locale.parse(name).plural_form
    raise LookupError(locale)  # unreachable: CLDR knows English


@lru_cache(maxsize=64)
def plural_categories(locale: str) -> tuple[str, ...]:
    """The CLDR plural categories of a language, in form order (`other` always last)."""
    tags = _plural_rule(locale).tags
    return tuple(c for c in CATEGORIES if c in tags or c == "other")


def plural_index(locale: str, n: int, forms: int | None = None) -> int:
    """Which of a message's `forms` forms `n` takes in `locale`: the form of its CLDR category,
    else the last. `forms` defaults to one per category."""
    categories = plural_categories(locale)
    count = forms or len(categories)
    named = [c for c in categories if c != "other"][: count - 1]
    slots = [*named, "other"]
    category = _plural_rule(locale)(abs(int(n)))
    return slots.index(category) if category in slots else count - 1


def _lookup(key: str, locale: str | None, values: dict[str, object]) -> tuple[str, str] | None:
    """The text of `key` and the locale it was found in, along the fallback chain."""
    cats = _all()
    for loc in candidates(locale):
        cat = cats.get(loc)
        if cat is None:
            continue
        text = cat.texts.get(key)
        if text is not None:
            return text, loc
        plural = cat.plurals.get(key)
        if plural is not None:
            return _form(plural, loc, values), loc
    return None


def _form(plural: Plural, locale: str, values: dict[str, object]) -> str:
    n = values.get(plural.var)
    index = len(plural.forms) - 1
    if isinstance(n, int | float | str):
        with contextlib.suppress(ValueError):
            index = plural_index(locale, int(n), len(plural.forms))
    return plural.forms[index]


# First strong isolate .. pop directional isolate (Unicode bidi, UAX #9).
FSI, PDI = "\u2068", "\u2069"


@lru_cache(maxsize=64)
def right_to_left(locale: str) -> bool:
    """Whether CLDR writes this locale's script right to left (ar, he, fa, ur...)."""
    try:
        return bool(Locale.parse(locale.replace("-", "_")).character_order == "right-to-left")
    except (ValueError, UnknownLocaleError):
        return False


def _isolated(values: dict[str, object]) -> dict[str, object]:
    """Names, channels, numbers-as-text and commands set into right-to-left text keep their own
    direction (a '#12' or 'Amira.' does not jump to the wrong end of an Arabic sentence)."""
    return {
        k: f"{FSI}{v}{PDI}" if isinstance(v, str) and v and "\n" not in v else v
        for k, v in values.items()
    }


def t(key: str, locale: str | None = None, /, **values: object) -> str:
    """The text for `key` in the best available locale, formatted with `values`."""
    found = _lookup(key, locale, values)
    if found is None:
        log.warning("missing message %s", key)
        text = key
    else:
        text, used = found
        if values and right_to_left(used):
            values = _isolated(values)
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        log.warning("bad placeholders in message %s (%s)", key, locale)
        return text


@lru_cache(maxsize=1)
def _english_by_text() -> dict[str, set[str]]:
    """Every catalog text (lower case) -> the English texts of the messages it translates."""
    english = _all().get(FALLBACK)
    out: dict[str, set[str]] = {}
    if english is None:
        return out
    for cat in _all().values():
        for key, text in cat.texts.items():
            source = english.texts.get(key)
            if source is not None:
                out.setdefault(text.lower(), set()).add(source.lower())
    return out


def same_label(wanted: str, shown: str) -> bool:
    """Whether `shown` is `wanted` or its translation: scripts written in English (the demo,
    tests) can then press buttons labelled in the member's language."""
    if wanted.lower() == shown.lower():
        return True
    return wanted.lower() in _english_by_text().get(shown.lower(), set())


def has(key: str) -> bool:
    english = _all().get(FALLBACK)
    return english is not None and key in english


def locales() -> list[str]:
    return sorted(_all())


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


def translated(key: str, locale: str) -> str | None:
    """The text of `key` in exactly this locale's catalog, or None (no English fallback)."""
    entry = _all().get(normalize(locale))
    if entry is None or key not in entry.texts:
        return None
    return entry.texts[key]


# --- formatting ------------------------------------------------------------------------
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
