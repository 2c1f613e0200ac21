"""Text normalisation for automod: defeat the usual evasions without flagging innocent words.

`words(text)` returns the message as normalised words; matching is done on whole words of that
form, so "assistance" never matches "ass" while "s.c.a.m", "ｓｃａｍ", "sc4m", "s\u200bcam",
"ѕсаm" (Cyrillic) and "scaaaam" all become "scam".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Invisible characters: zero-width, soft hyphen, bidi controls, variation selectors, keycaps.
ZERO_WIDTH = dict.fromkeys(
    [
        *map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f\u200e\u200f\u20e3"),
        *range(0x2061, 0x2065),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        *range(0xFE00, 0xFE10),
    ],
    None,
)

# Letters of other scripts that look like Latin ones (Cyrillic "а", Greek "ο", Armenian "ս"...):
# Unicode's confusables (UTS #39) as shipped by confusable-homoglyphs, kept to the scripts that
# imitate Latin so Chinese, Japanese and other text is never rewritten.
_LATIN_LOOKALIKE_SCRIPTS = (
    "CYRILLIC",
    "GREEK",
    "ARMENIAN",
    "CHEROKEE",
    "COPTIC",
    "LATIN",
    "MODIFIER LETTER",
    "LISU",
    "SCRIPT SMALL",
    "DOUBLE-STRUCK",
    "MATHEMATICAL",
)
# Letters written with emoji: regional indicators and negative circled/squared capitals, which
# NFKC leaves alone.
_EMOJI_LETTERS = {
    base + i: chr(ord("a") + i) for base in (0x1F1E6, 0x1F150, 0x1F170) for i in range(26)
}


def _confusables() -> dict[int, str]:
    from confusable_homoglyphs import confusables

    table: dict[int, str] = {}
    for source, glyphs in confusables.confusables_data.items():
        if len(source) != 1 or source.isascii():
            continue
        name = unicodedata.name(source, "")
        if not name.startswith(_LATIN_LOOKALIKE_SCRIPTS):
            continue
        latin = [g["c"].lower() for g in glyphs if len(g["c"]) == 1 and g["c"].isascii()]
        letters = [c for c in latin if c.isalpha()]
        if letters:
            table[ord(source)] = letters[0]
    table[ord("ı")] = "i"  # dotless i: a Turkish letter, and the usual stand-in for "i"
    # Greek small letters used as Latin ones that UTS #39 does not list as confusable.
    table.update({ord(k): v for k, v in zip("ηωτκχυβεας", "nwtkxubeas", strict=True)})
    return {**table, **_EMOJI_LETTERS}


CONFUSABLES: dict[int, str] = _confusables()

# Digits and symbols used as letters, applied only inside words that also contain letters, so
# numbers ("call me at 555") stay numbers.
LEET = str.maketrans(
    {
        "4": "a",
        "@": "a",
        "3": "e",
        "1": "i",
        "!": "i",
        "|": "i",
        "0": "o",
        "5": "s",
        "$": "s",
        "7": "t",
        "+": "t",
        "8": "b",
        "9": "g",
    }
)

_INNER_SEPARATORS = re.compile(r"(?<=\w)[.\-_*~'`’·•]+(?=\w)")
_ANY_SEPARATOR = re.compile(r"[.\-_*~'`’·•]")  # a quick look before the slower search above
_TOKEN = re.compile(r"[\w@$!|+]+")
# The same tokens for ASCII text, found by bytes.translate + split: every byte that cannot be in
# a token (not \w, @ $ ! | +) becomes a space.
_ASCII_TOKEN_BYTES = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "_@$!|+") else 32 for c in range(256)
)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_RUNS = re.compile(r"([^\W\d_])\1{2,}")


# One table for both, applied after case folding: case folding neither makes nor removes
# invisible characters, and no confusable is one, so one pass does the work of two.
_INVISIBLE_AND_CONFUSABLE = {**ZERO_WIDTH, **CONFUSABLES}
# str.translate pays a failed dictionary lookup for every character it leaves alone; asking
# first whether any character needs it is several times cheaper, and most text needs none.
INVISIBLE = frozenset(map(chr, ZERO_WIDTH))
_INVISIBLE_OR_CONFUSABLE = frozenset(map(chr, _INVISIBLE_AND_CONFUSABLE))
_LATIN_ACCENTS = re.compile("[\u0300-\u036f]+")  # combining marks U+0300-036F


def fold(text: str) -> str:
    """NFKC, case-folded, zero-width characters gone, confusables mapped, accents dropped."""
    if text.isascii():  # the common case: nothing to fold but case
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    if not _INVISIBLE_OR_CONFUSABLE.isdisjoint(text):
        text = text.translate(_INVISIBLE_AND_CONFUSABLE)
    if text.isascii():  # only look-alike letters and invisible characters were in the way
        return text
    # Only the Latin-style accents go (U+0300-036F): Japanese voicing marks are letters' meaning.
    stripped = _LATIN_ACCENTS.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", stripped)


@lru_cache(maxsize=65536)  # words repeat a lot in real messages
def _word(token: str) -> str:
    token = token.strip("!|+")  # "card!!!" is "card", not "cardiii"
    if _HAS_LETTER.search(token):
        token = token.translate(LEET)
    token = re.sub(r"[@$!|+]", "", token)
    return _RUNS.sub(r"\1", token)  # "scaaaam" -> "scam"; "assistance" keeps its "ss"


MAX_SPELLED = 16  # longer runs of single letters are not words anyone spells out


def _spelled_out(tokens: list[str]) -> list[str]:
    """Words spelled out letter by letter ('s c a m'): every run of three or more single
    characters, and its sub-runs, since a real one-letter word may sit next to it
    ('a s c a m' holds 'scam')."""
    found: list[str] = []
    if list(map(len, tokens)).count(1) < 3:  # most messages: no run to look at
        return found
    run: list[str] = []
    for tok in [*tokens, ""]:
        if len(tok) == 1:
            run.append(tok)
            continue
        if 3 <= len(run) <= MAX_SPELLED:
            found.extend(
                "".join(run[i:j]) for i in range(len(run)) for j in range(i + 3, len(run) + 1)
            )
        run = []
    return found


def unseparated(folded: str) -> str:
    """Dots, dashes and the like inside words removed ("s.c.a.m", "b-u-y" -> "scam", "buy")."""
    if _ANY_SEPARATOR.search(folded) is None:  # most messages: nothing to remove
        return folded
    return _INNER_SEPARATORS.sub("", folded)


def _tokens(joined: str) -> list[str]:
    if joined.isascii():
        return joined.encode("ascii").translate(_ASCII_TOKEN_BYTES).decode("ascii").split()
    return _TOKEN.findall(joined)


def words(text: str, folded: str | None = None, joined: str | None = None) -> list[str]:
    """The message as normalised words (see the module docstring). Pass `folded` (`fold`) or
    `joined` (`unseparated(fold(text))`) when the caller already has them."""
    if joined is None:
        joined = unseparated(fold(text) if folded is None else folded)
    return [w for w in map(_word, _tokens(joined)) if w]


def match_text(text: str, folded: str | None = None, joined: str | None = None) -> str:
    """The form automod scans: ' word word ... | spelled out variants ', space-padded so
    that keywords (' word ') only match whole words."""
    tokens = words(text, folded, joined)
    variants = _spelled_out(tokens)
    tail = " | " + " ".join(variants) if variants else ""
    return " " + " ".join(tokens) + tail + " "


def normalise_phrase(phrase: str) -> str:
    """A keyword or phrase in the same form as `words`, space-joined."""
    return " ".join(words(phrase))


# --- the form that request and pitch patterns read ------------------------------------------

# Single characters separated by one space ("s e n d  m e"); two spaces end a spelled word.
_SPELLED_RUN = re.compile(r"(?<!\S)(?:\w ){1,}\w(?!\S)")
# Every such run starts with one of these (or at the very start: "x y..."); a search that begins
# with a character class is quick where one that begins with a look-behind is not.
_SPELLED_PAIR = re.compile(r"\s\w \w(?!\S)")
# Amounts and units written against a number ("500usdt", "24h", "3rd") are not leetspeak.
_UNIT = re.compile(
    r"^(?:\d+(?:k|m|rb|jt|usd|usdt|eur|btc|php|idr|brl|h|x|st|nd|rd|th|am|pm|kg)|"
    r"(?:usd|usdt|eur|btc|php|idr|brl|rp|rs|us)\d+)$"
)
_EDGE = re.compile(r"^([^\w@$]*)(.*?)([^\w]*)$", re.DOTALL)


@lru_cache(maxsize=65536)
def _pitch_word(token: str) -> str:
    """A token mixing letters with digits or symbols: leetspeak decoded, unless it is an
    @handle, a $cashtag, a link or an amount with its unit ("500usdt")."""
    if "/" in token:
        return token
    lead, core, tail = _EDGE.match(token).groups()  # type: ignore[union-attr]
    if (core[:1] in ("@", "$") and core[1:2].isalpha()) or _UNIT.match(core):
        return token
    return lead + core.translate(LEET) + tail.replace("!", "")


# A digit or symbol touching a letter ("s3nd", "c4rd"): the only tokens that need a closer look.
_LEETABLE = re.compile(r"[a-z][0-9@$|!+]|[0-9@$|!+][a-z]")
_LEET_CHARACTER = re.compile(r"[0-9@$|!+]")  # a quick look before the slower search above
_DOUBLES = re.compile(r"(?<!\\)([a-z])\1+")


def _joined_letters(m: re.Match[str]) -> str:
    return m.group(0).replace(" ", "")


def pitch_text(text: str, folded: str | None = None, joined: str | None = None) -> str:
    """The message as request and pitch patterns read it: folded, words spelled out letter by
    letter joined again, dots and dashes inside words removed, leetspeak decoded; punctuation,
    numbers, @handles and $cashtags kept. Repeated letters and spacing are left to the patterns
    (see `pitch_pattern`), which keeps this to three passes over clean messages."""
    if joined is None:
        joined = unseparated(fold(text) if folded is None else folded)
    folded = joined
    if folded[1:2] == " " or _SPELLED_PAIR.search(folded):  # far cheaper than the sub
        folded = _SPELLED_RUN.sub(_joined_letters, folded)
    if _LEET_CHARACTER.search(folded) and _LEETABLE.search(folded):
        folded = " ".join(_pitch_word(t) if _LEETABLE.search(t) else t for t in folded.split())
    return folded


def pitch_pattern(pattern: str) -> str:
    """A request/pitch pattern made to read `pitch_text`: accents dropped; every letter may
    repeat ("guaranteed" also matches "guaranteeeed" and "guaranted"); a space matches any run
    of spaces. Letters after a backslash and inside [...] are regex syntax and stay."""
    decomposed = unicodedata.normalize("NFD", pattern)  # written in lower case (\S is not \s)
    plain = unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    )
    plain = _DOUBLES.sub(r"\1", plain)
    out: list[str] = []
    escaped = in_class = False
    for i, ch in enumerate(plain):
        if escaped or in_class or not ("a" <= ch <= "z" or ch == " "):
            in_class = (in_class and not (ch == "]" and not escaped)) or (ch == "[" and not escaped)
            escaped = ch == "\\" and not escaped
            out.append(ch)
            continue
        atom = "\\s+" if ch == " " else ch + "+"
        follows = plain[i + 1 : i + 2]
        out.append(f"(?:{atom})" if follows and follows in "?*{" else atom)
    return "".join(out)


class Forms:
    """The normalised forms of one message, each made at most once and only when a rule reads
    it: every rule of a rule set shares them, so no Unicode work is done twice per message."""

    __slots__ = ("_folded", "_joined", "_match", "_pitch", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: str | None = None
        self._joined: str | None = None
        self._match: str | None = None
        self._pitch: str | None = None

    @property
    def folded(self) -> str:
        """`fold(text)`: what regex rules read."""
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded

    @property
    def joined(self) -> str:
        """`unseparated(fold(text))`: where words and pitches start from."""
        if self._joined is None:
            self._joined = unseparated(self.folded)
        return self._joined

    @property
    def match(self) -> str:
        """`match_text(text)`: what keyword rules read."""
        if self._match is None:
            self._match = match_text(self.text, joined=self.joined)
        return self._match

    @property
    def pitch(self) -> str:
        """`pitch_text(text)`: what request and pitch signals read."""
        if self._pitch is None:
            self._pitch = pitch_text(self.text, joined=self.joined)
        return self._pitch


# --- the form the learned layer reads -------------------------------------------------------

_LATIN = re.compile(r"[a-z]")
_MIXED_TOKEN = re.compile(r"\S+")


def _readable_token(token: str) -> str:
    """One word with its disguise removed, if it is a Latin word in disguise: look-alike
    letters from other scripts inside a Latin word ("dіscord"), leetspeak ("fr33"). Words
    wholly in another script are left alone (Russian stays Russian)."""
    if token.isascii():  # most words: no look-alike letters, at most leetspeak
        return _pitch_word(token) if _LEETABLE.search(token) else token
    if not _LATIN.search(token):
        mapped = token.translate(_INVISIBLE_AND_CONFUSABLE)
        if not _LATIN.search(mapped) or not mapped.isascii():
            return token.translate(ZERO_WIDTH)
        token = mapped  # a whole word of look-alike letters ("ѕсаm")
    token = token.translate(_INVISIBLE_AND_CONFUSABLE)
    return _pitch_word(token) if _LEETABLE.search(token) else token


def readable(text: str) -> str:
    """The message as a reader would see it once its disguises are undone, in its own script:
    NFKC (full-width and styled letters), lower case, invisible characters gone, letters
    spelled out one by one joined again, dots and dashes inside words removed, look-alike
    letters and leetspeak decoded inside Latin words. What automod's learned layer reads."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
        text = "".join(_EMOJI_LETTERS.get(ord(c), c) for c in text)
    text = unseparated(text)
    if text[1:2] == " " or _SPELLED_PAIR.search(text):
        text = _SPELLED_RUN.sub(_joined_letters, text)
    return " ".join(_readable_token(t) for t in _MIXED_TOKEN.findall(text))
