"""Text normalisation for automod: defeat the usual evasions without flagging innocent words.

`words(text)` returns the message as normalised words; matching is done on whole words of that
form, so "assistance" never matches "ass" while "s.c.a.m", "ｓｃａｍ", "sc4m", "s\u200bcam",
"ѕсаm" (Cyrillic) and "scaaaam" all become "scam".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f"), None)

# Letters from other scripts that look like Latin ones (a practical subset of Unicode's
# confusables for Cyrillic, Greek and symbols; NFKC already folds full-width and styled forms).
CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ԁ": "d",
        "ɡ": "g",
        "ո": "n",
        "ս": "u",
        "ӏ": "l",
        "һ": "h",
        "ԛ": "q",
        "ԝ": "w",
        "ү": "y",
        "ᴄ": "c",
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        "ς": "s",
        "ℓ": "l",
        "ı": "i",
    }
)

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
_TOKEN = re.compile(r"[\w@$!|+]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_RUNS = re.compile(r"([^\W\d_])\1{2,}")


def fold(text: str) -> str:
    """NFKC, case-folded, zero-width characters gone, confusables mapped, accents dropped."""
    if text.isascii():  # the common case: nothing to fold but case
        return text.lower()
    text = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).casefold()
    text = text.translate(CONFUSABLES)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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


def words(text: str, folded: str | None = None) -> list[str]:
    """The message as normalised words (see the module docstring). Pass `folded` when the
    caller already has `fold(text)`."""
    folded = _INNER_SEPARATORS.sub("", fold(text) if folded is None else folded)
    return [w for w in (_word(t) for t in _TOKEN.findall(folded)) if w]


def match_text(text: str, folded: str | None = None) -> str:
    """The form automod scans: ' word word ... | spelled out variants ', space-padded so
    that keywords (' word ') only match whole words."""
    tokens = words(text, folded)
    variants = _spelled_out(tokens)
    tail = " | " + " ".join(variants) if variants else ""
    return " " + " ".join(tokens) + tail + " "


def normalise_phrase(phrase: str) -> str:
    """A keyword or phrase in the same form as `words`, space-joined."""
    return " ".join(words(phrase))
