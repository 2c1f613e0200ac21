"""The explainable layer: per-language regular expressions for each category.

Text and patterns go through the same normalisation (NFKD, combining marks dropped, case
folded, a few letters that do not decompose mapped by hand), so "não", "nao" and "NAO" match
alike. Patterns are matched as substrings of the whole message, never word by word, so Chinese,
Japanese, Korean and Thai need no tokeniser. Every language's patterns run on every message:
members mix languages, and a cheap scan of all 20 costs less than a wrong guess of one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.paths import CONTENT_DIR

LEXICON_DIR = CONTENT_DIR / "safety" / "lexicon"
URGENT = "urgent"
CONCERN = "concern"
NONE = "none"

# Level of each category: imminent danger is urgent; passive ideation and control are concern.
CATEGORY_LEVEL = {
    "suicide.wish_dead": CONCERN,
    "suicide.thoughts": URGENT,
    "suicide.method": URGENT,
    "suicide.intent": URGENT,
    "suicide.plan": URGENT,
    "suicide.preparatory": URGENT,
    "self_harm": CONCERN,
    "danger.strangulation": URGENT,
    "danger.threat_to_kill": URGENT,
    "danger.weapon": URGENT,
    "danger.escalating_violence": URGENT,
    "danger.forced_sex": URGENT,
    "danger.threat_to_children": URGENT,
    "danger.stalking": CONCERN,
    "control.documents": CONCERN,
    "control.immigration_threat": CONCERN,
    "control.money": CONCERN,
    "control.isolation": CONCERN,
    "control.monitoring": CONCERN,
    "control.child_abduction_threat": CONCERN,
}
# Context that makes a hit someone else's story, news, the past, a general question or a joke.
GUARDS = ("quote", "news", "resolved", "question", "joke")
_BY_HAND = str.maketrans(
    {"ł": "l", "ı": "i", "đ": "d", "ø": "o", "ß": "ss", "ى": "ي", "ة": "ه", "’": "'", "‘": "'"}
)
_QUOTED = re.compile(r"[\"“”«»「」『』][^\"“”«»「」『』\n]{0,400}[\"“”«»「」『』]")


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_BY_HAND))
    bare = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
    return " ".join(unicodedata.normalize("NFC", bare).translate(_BY_HAND).split())


def own_words(text: str) -> str:
    """The member's own words: quoted lines (> ...) and text in quotation marks are dropped."""
    lines = (line for line in text.splitlines() if not line.lstrip().startswith(">"))
    return _QUOTED.sub(" ", "\n".join(lines))


@dataclass(frozen=True)
class Hit:
    category: str
    language: str
    match: str

    @property
    def level(self) -> str:
        return CATEGORY_LEVEL[self.category]


@dataclass(frozen=True)
class LexiconResult:
    hits: tuple[Hit, ...]
    guards: tuple[str, ...]

    @property
    def level(self) -> str:
        """Guards cancel concern-level hits; all but a general question cancel urgent ones."""
        levels = {h.level for h in self.hits}
        if URGENT in levels and not set(self.guards) - {"question"}:
            return URGENT
        if levels and not self.guards:
            return CONCERN
        return NONE


class Lexicon:
    def __init__(self, directory: Path = LEXICON_DIR) -> None:
        self._patterns: list[tuple[str, str, re.Pattern[str]]] = []
        self._guards: list[tuple[str, re.Pattern[str]]] = []
        self.languages: list[str] = []
        for path in sorted(directory.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            lang = path.stem
            self.languages.append(lang)
            for category, patterns in data.get("categories", {}).items():
                if category not in CATEGORY_LEVEL:
                    raise ValueError(f"{path.name}: unknown category {category}")
                self._patterns.append((category, lang, _compile(patterns)))
            for guard, patterns in data.get("guards", {}).items():
                if guard not in GUARDS:
                    raise ValueError(f"{path.name}: unknown guard {guard}")
                self._guards.append((guard, _compile(patterns)))

    def patterns(self) -> list[str]:
        """Every pattern's source text (for the test that keeps test-split text out)."""
        return [p.pattern for _, _, p in self._patterns] + [p.pattern for _, p in self._guards]

    def scan(self, text: str) -> LexiconResult:
        norm = normalise(text)
        own = normalise(own_words(text))
        hits = []
        for category, lang, pattern in self._patterns:
            found = pattern.search(own)
            if found:
                hits.append(Hit(category, lang, found.group(0)))
        guards = tuple(dict.fromkeys(g for g, p in self._guards if p.search(norm)))
        return LexiconResult(tuple(hits), guards)


def _compile(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{normalise(p)})" for p in patterns))


@cache
def lexicon() -> Lexicon:
    return Lexicon()
