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

from bot.kernel.paths import CONTENT_DIR

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
    {
        "ł": "l",
        "ı": "i",
        "đ": "d",
        "ø": "o",
        "ß": "ss",
        "ى": "ي",
        "ة": "ه",
        "’": "'",
        "‘": "'",
        # Persian and Urdu letters read as their Arabic twins; a zero-width non-joiner as a space
        "ی": "ي",
        "ک": "ك",
        "ۍ": "ي",
        "\u200c": " ",
    }
)
_QUOTED = re.compile(r"[\"“”«»「」『』][^\"“”«»「」『』\n]{0,400}[\"“”«»「」『』]")


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_BY_HAND))
    bare = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
    return " ".join(unicodedata.normalize("NFC", bare).translate(_BY_HAND).split())


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """`normalise`, one character at a time, with the index in `text` each output character
    came from, so a span found in the normalised text can be cut from the original."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        piece = " " if ch.isspace() else normalise(ch)
        if piece == " " and (not out or out[-1] == " "):
            continue
        out.extend(piece)
        where.extend([i] * len(piece))
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


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
    # The message with idioms of exaggeration cut out ("I could kill for a coffee"): what the
    # learned layer reads. Equal to the message when it holds none.
    literal: str = ""
    idioms: int = 0
    # A word near a category's subject, quotes included (never enough to flag alone).
    cue: bool = False

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
        idioms: list[str] = []
        cues: list[str] = []
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
            idioms += data.get("idioms", [])
            cues += data.get("cues", [])
        # One pattern each for every language's idioms and cues: members mix languages.
        self._idioms = _compile(idioms) if idioms else None
        self._cues = _compile(cues) if cues else None

    def patterns(self) -> list[str]:
        """Every pattern's source text (for the test that keeps test-split text out)."""
        extra = [p.pattern for p in (self._idioms, self._cues) if p is not None]
        return (
            [p.pattern for _, _, p in self._patterns] + [p.pattern for _, p in self._guards] + extra
        )

    def literal(self, text: str) -> tuple[str, int]:
        """The text with every idiom of exaggeration cut out, and how many were cut."""
        if self._idioms is None or not self._idioms.search(normalise(text)):
            return text, 0  # the common case, without the character map
        norm, where = normalise_with_map(text)
        spans = [(where[m.start()], where[m.end() - 1] + 1) for m in self._idioms.finditer(norm)]
        if not spans:
            return text, 0
        kept, start = [], 0
        for begin, end in spans:
            kept.append(text[start:begin])
            start = end
        kept.append(text[start:])
        return " ".join(" ".join(kept).split()), len(spans)

    def has_cue(self, text: str) -> bool:
        return bool(self._cues and self._cues.search(normalise(text)))

    def scan(self, text: str) -> LexiconResult:
        norm = normalise(text)
        literal, idioms = self.literal(text)
        own = normalise(own_words(literal))
        hits = []
        for category, lang, pattern in self._patterns:
            found = pattern.search(own)
            if found:
                hits.append(Hit(category, lang, found.group(0)))
        guards = tuple(dict.fromkeys(g for g, p in self._guards if p.search(norm)))
        # Quotes count here: "he says 'I'll call immigration'" is the member's situation.
        cue = self.has_cue(literal)
        return LexiconResult(tuple(hits), guards, literal, idioms, cue)


def _compile(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{normalise(p)})" for p in patterns))


@cache
def lexicon() -> Lexicon:
    return Lexicon()
