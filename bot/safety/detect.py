"""Crisis-signal detection: weighted phrases per language, with negation and quotes handled.

Plans and means weigh more than single words: a phrase list of specific expressions ("kill
myself", "took my passport") rather than words ("kill", "die"), so everyday speech ("this
commute is killing me", "I could die laughing") passes, while amplifiers ("tonight", "pills")
only strengthen a message that already carries a signal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ahocorasick
import yaml

from bot.moderation.normalize import normalise_phrase, words
from bot.paths import CONTENT_DIR

SIGNALS = CONTENT_DIR / "safety" / "signals.yaml"
NEGATION_WINDOW = 3  # words before a phrase that can negate it
_QUOTED = re.compile(r"[\"“”«»「」『』][^\"“”«»「」『』]{0,400}[\"“”«»「」『』]")


@dataclass(frozen=True)
class Finding:
    score: int
    categories: tuple[str, ...]
    phrases: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return self.score > 0


@dataclass(frozen=True)
class _Entry:
    phrase: str
    weight: int
    category: str
    negations: frozenset[str]
    amplifier: bool = False


class Detector:
    def __init__(self, path: Path = SIGNALS) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.threshold = int(data.get("threshold", 3))
        self._ac = ahocorasick.Automaton()
        entries: dict[str, list[_Entry]] = {}
        for lang in data["languages"].values():
            negations = frozenset(normalise_phrase(n) for n in lang.get("negations", []))
            for s in lang.get("signals", []):
                key = normalise_phrase(s["phrase"])
                entries.setdefault(key, []).append(
                    _Entry(key, int(s["weight"]), s["category"], negations)
                )
            for amp in lang.get("amplifiers", []):
                key = normalise_phrase(amp)
                entries.setdefault(key, []).append(
                    _Entry(key, 1, "amplifier", negations, amplifier=True)
                )
        for key, found in entries.items():
            self._ac.add_word(f" {key} ", found)
        self._ac.make_automaton()

    def check(self, text: str) -> Finding:
        own = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
        own = _QUOTED.sub(" ", own)
        tokens = words(own)
        joined = " " + " ".join(tokens) + " "
        starts = _word_starts(joined)
        score, amplify = 0, 0
        categories: list[str] = []
        phrases: list[str] = []
        for end, found in self._ac.iter(joined):
            for entry in found:
                first_word = starts.get(end - len(entry.phrase) - 1, 0)
                before = set(tokens[max(0, first_word - NEGATION_WINDOW) : first_word])
                if before & entry.negations:
                    continue
                if entry.amplifier:
                    amplify += entry.weight
                    continue
                score += entry.weight
                phrases.append(entry.phrase)
                if entry.category not in categories:
                    categories.append(entry.category)
        if score == 0:
            return Finding(0, (), ())
        total = score + amplify
        return Finding(total if total >= self.threshold else 0, tuple(categories), tuple(phrases))


def _word_starts(joined: str) -> dict[int, int]:
    """Character offset of each word's first letter (minus one: the space) -> word index."""
    out: dict[int, int] = {}
    index = 0
    for pos, ch in enumerate(joined[:-1]):
        if ch == " ":
            out[pos] = index
            index += 1
    return out


@cache
def detector() -> Detector:
    return Detector()
