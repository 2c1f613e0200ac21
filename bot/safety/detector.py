"""The detector's public surface: `Assessment` and `SafetyDetector.assess()`.

Two layers. The lexicon (bot/safety/lexicon.py) is precise and explains itself; the learned
layer (bot/safety/model.py) catches what no phrase list foresaw. A message is urgent or concern
when the lexicon says so, or when the model is confident and the message carries none of the
context that makes it someone else's story, news, the past, a general question or a joke.
Without the model the lexicon works alone. Inference runs on a worker thread: `assess()` is
awaitable and never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from bot.safety import language
from bot.safety.lexicon import CONCERN, NONE, URGENT, Lexicon, LexiconResult, lexicon
from bot.safety.model import EmbeddingModel, Prediction, load_model

LEVELS = (NONE, CONCERN, URGENT)
MODEL_CATEGORY = "model"  # category named when only the learned layer flagged a message
MIN_LITERAL = 4  # letters or digits left after idioms are cut, below which nothing is read


@dataclass(frozen=True)
class Assessment:
    level: str  # urgent | concern | none
    categories: tuple[str, ...]
    language: str | None
    explanation: str  # category and layer names only, never the message text

    @property
    def flagged(self) -> bool:
        return self.level != NONE

    @property
    def urgent(self) -> bool:
        return self.level == URGENT


class SafetyDetector:
    def __init__(
        self,
        lex: Lexicon | None = None,
        model: EmbeddingModel | None = None,
        loader: Callable[[], EmbeddingModel | None] | None = None,
    ) -> None:
        """`loader`, when given, loads the model on first use, on the worker thread."""
        self.lexicon = lex or lexicon()
        self._model = model
        self._loader = loader
        # One worker: the embedding engine is single-threaded, and a queue keeps latency fair.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safety")

    @property
    def model(self) -> EmbeddingModel | None:
        if self._loader is not None:
            self._model, self._loader = self._loader(), None
        return self._model

    @property
    def layers(self) -> str:
        return "lexicon+model" if self.model else "lexicon"

    def assess_sync(self, text: str) -> Assessment:
        lex = self.lexicon.scan(text)
        model = self.model
        pred = model.predict(lex.literal) if model and needs_model(lex) else None
        return combine(text, lex, pred)

    def load(self) -> None:
        """Load everything a message can need: the model, and the language identifier that
        only flagged messages use (so the first of them does not wait for it)."""
        _ = self.model
        language.detect("warm up")

    def warm_up(self) -> None:
        """Start loading on the worker now, so the first message does not wait."""
        self._pool.submit(self.load)

    async def assess(self, text: str) -> Assessment:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.assess_sync, text)


def needs_model(lex: LexiconResult) -> bool:
    """The model reads what the lexicon could not settle: no hit, no guard, and something
    left once idioms are cut out ("dying to see you!" leaves nothing to read)."""
    if lex.level != NONE or lex.hits or lex.guards:
        return False
    return sum(ch.isalnum() for ch in lex.literal) >= MIN_LITERAL


def combine(text: str, lex: LexiconResult, pred: Prediction | None) -> Assessment:
    # The language only chooses the reply, so it is detected for flagged messages alone.
    if lex.level != NONE:
        cats = tuple(dict.fromkeys(h.category for h in lex.hits if h.level == lex.level))
        lang = language.detect(text, _hint(lex))[0]
        return Assessment(lex.level, cats, lang, "lexicon: " + ", ".join(cats))
    if pred is not None and pred.level_given(lex.cue) != NONE and not lex.hits and not lex.guards:
        level = pred.level_given(lex.cue)
        lang = language.detect(text)[0]
        cue = " with cue" if lex.cue else ""
        return Assessment(level, (MODEL_CATEGORY,), lang, f"model: p={pred.p_flag:.2f}{cue}")
    why = "guarded: " + ", ".join(lex.guards) if lex.guards else "no signal"
    if lex.idioms and not lex.guards:
        why = "idiom"
    return Assessment(NONE, (), None, why)


def _hint(lex: LexiconResult) -> str | None:
    langs = {h.language for h in lex.hits}
    return langs.pop() if len(langs) == 1 else None


def model_wanted() -> bool:
    """CROSSINGS_SAFETY_MODEL=off runs the lexicon alone (e.g. on very small machines)."""
    return os.environ.get("CROSSINGS_SAFETY_MODEL", "on").lower() not in {"off", "0", "false"}


@cache
def safety_detector() -> SafetyDetector:
    """The process-wide detector; its model loads on the worker thread at the first message."""
    return SafetyDetector(loader=load_model if model_wanted() else None)
