"""Links that pretend to be someone they are not, and links that hide where they go.

Each host's registrable domain comes from the public suffix list (tldextract's bundled snapshot;
never fetched). A domain that is not a brand's own yet looks like the brand is a lookalike:
the same Unicode confusable skeleton (UTS #39: "pаypal" with a Cyrillic "а", "paypa1"), a typo
one or two edits away (rapidfuzz), or the brand's name as a word of it or of a subdomain
("discord-nitro-gift.com", "paypal.com.account-check.info"). Known shorteners are reported as
hiding their target. Results are cached per host: the same links come back again and again.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import tldextract
import yaml
from confusable_homoglyphs import confusables
from rapidfuzz.distance import OSA

from bot.kernel.paths import CONTENT_DIR
from bot.moderation.normalize import CONFUSABLES, INVISIBLE, ZERO_WIDTH

DEFAULT_BRANDS = CONTENT_DIR / "automod" / "brands.yaml"

# The bundled public suffix list only: no download, no cache directory.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
_HOST = re.compile(r"(?<![\w@.-])(?:https?://)?((?:[\w-]+\.)+[\w-]{2,})(?=[/:?#\s)\],!]|$)")
_DIGITS_AS_LETTERS = str.maketrans("01345789", "oleastbg")
FUZZY_MIN = 7  # shorter names are too close to ordinary words ("steam", "stream") for typos


@dataclass(frozen=True)
class Brands:
    official: dict[str, tuple[str, ...]]  # brand -> its registrable domains, main one first
    shorteners: frozenset[str]
    all_official: frozenset[str]
    skeletons: tuple[tuple[str, str], ...]  # (brand, its skeleton)


@lru_cache(maxsize=4)
def load_brands(path: Path = DEFAULT_BRANDS) -> Brands:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    official = {str(b): tuple(ds) for b, ds in (data.get("brands") or {}).items()}
    return Brands(
        official,
        frozenset(data.get("shorteners") or ()),
        frozenset(d for ds in official.values() for d in ds),
        tuple((b, skeleton(b)) for b in official),
    )


@dataclass(frozen=True)
class LinkFinding:
    host: str
    registrable: str
    kind: str  # lookalike, shortener, mixed-scripts
    why: str


def hosts(text: str) -> list[str]:
    """Hosts of the links in a message, with or without a scheme ("bit.ly/x" counts)."""
    if "." not in text:
        return []
    if text.isascii():  # NFKC and the invisible characters cannot change ASCII text
        plain = text.lower()
    else:
        plain = unicodedata.normalize("NFKC", text)
        if not INVISIBLE.isdisjoint(plain):
            plain = plain.translate(ZERO_WIDTH)
        plain = plain.casefold()
    return [h.strip(".-") for h in _HOST.findall(plain)]


def skeleton(label: str) -> str:
    """A label reduced to the Latin letters it imitates (UTS #39 confusables, digits read as
    letters; "rn", "vv" and "cl" as "m", "w" and "d"; "i", "1" and "l" as one letter), hyphens
    dropped. Brand names go through the same, so both sides compare alike."""
    label = unicodedata.normalize("NFKC", label).casefold().translate(CONFUSABLES)
    label = label.translate(_DIGITS_AS_LETTERS).replace("i", "l")
    label = label.replace("rn", "m").replace("vv", "w").replace("cl", "d")
    return label.replace("-", "").replace("_", "")


@lru_cache(maxsize=8192)
def registrable(host: str) -> tuple[str, str, str] | None:
    """(subdomain, domain label, registrable domain), or None when it is no real domain."""
    if "xn--" in host:
        with contextlib.suppress(UnicodeError):
            host = host.encode("ascii").decode("idna")
    ext = _EXTRACT(host)
    if not ext.suffix or not ext.domain or ext.domain.isdigit():
        return None
    return ext.subdomain, ext.domain, f"{ext.domain}.{ext.suffix}"


def _imitates(label: str, name: str, brand: str, whole_label: bool) -> str | None:
    skel = skeleton(label)
    if skel == brand:
        # the name itself, or the name imitated with other letters
        return "name" if label.replace("-", "") == name else "same letters"
    if whole_label and len(brand) >= FUZZY_MIN:
        distance = OSA.distance(skel, brand, score_cutoff=2)  # a swap of two letters is one
        if distance <= (1 if len(brand) < 10 else 2):
            return f"{distance} letter{'s' if distance > 1 else ''} away"
        if brand in skel:
            return "name"
    return None


def _brand_in(subdomain: str, domain: str, brands: Brands) -> tuple[str, str] | None:
    words = [(domain, True), *((w, False) for w in domain.split("-") if w != domain)]
    for label in subdomain.split(".") if subdomain else ():
        words += [(label, False), *((w, False) for w in label.split("-") if w != label)]
    for name, brand in brands.skeletons:
        for word, whole in words:
            if word and (how := _imitates(word, name, brand, whole)):
                return name, how
    return None


@lru_cache(maxsize=8192)
def inspect(host: str, allow: frozenset[str] = frozenset()) -> LinkFinding | None:
    """What is wrong with one host, if anything."""
    parts = registrable(host)
    if parts is None:
        return None
    subdomain, domain, reg = parts
    brands = load_brands()
    if reg in allow or reg in brands.all_official:
        return None
    if reg in brands.shorteners:
        return LinkFinding(
            host, reg, "shortener", f"{reg} is a link shortener: it hides the target"
        )
    found = _brand_in(subdomain, domain, brands)
    if found is not None:
        brand, how = found
        own = brands.official[brand][0]
        why = _WHY[how.split()[-1]].format(reg=reg, own=own, how=how, brand=brand)
        return LinkFinding(host, reg, "lookalike", why)
    if not domain.isascii() and confusables.is_mixed_script(domain):
        return LinkFinding(host, reg, "lookalike", f"{reg} mixes letters of different alphabets")
    return None


_WHY = {
    "letters": "{reg} imitates {own} with look-alike letters",
    "away": "{reg} is {how} from {own}",
    "name": "{reg} uses the name {brand} but is not {own}",
}
