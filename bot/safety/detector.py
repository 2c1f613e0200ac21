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
import re
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
# A message longer than WINDOW_BYTES is also read in windows of whole sentences: a sign in
# the middle of a long post is diluted in the embedding of the whole. The whole message is
# read up to MAX_WHOLE_BYTES, and at most MAX_WINDOWS windows (an embedding's cost grows with
# the text, so this bounds a long message's cost at about that of 1,500 bytes).
WINDOW_BYTES = 160
MAX_WHOLE_BYTES = 600
MAX_WINDOWS = 8
_SENTENCE_END = re.compile(r"(?<=[.!?;。！？؟۔।\n])\s*")


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
        # One worker: the engine takes one call at a time (on every core it was given), and a
        # queue keeps latency fair.
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
        pred = None
        if model and needs_model(lex):
            preds = model.predict_all(self.model_input(lex.literal))
            pred = max(preds, key=lambda p: p.p_flag)
        return combine(text, lex, pred)

    def model_input(self, literal: str) -> list[str]:
        """What the model reads of a message: the whole of it when it is short enough, and
        the windows of a long one (those with a cue first, then the last ones)."""
        windows = windows_of(literal)
        whole = [literal] if _size(literal) <= MAX_WHOLE_BYTES else []
        if len(windows) > MAX_WINDOWS:
            cued = [w for w in windows if self.lexicon.has_cue(w)]
            rest = [w for w in windows if w not in cued]
            windows = (cued + rest[::-1])[:MAX_WINDOWS]
        return whole + windows

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


def _size(text: str) -> int:
    """UTF-8 bytes: a rough count of the model's tokens across scripts (a Latin letter is a
    byte and a quarter of a token, a Chinese character three bytes and about one token)."""
    return len(text.encode("utf-8"))


def _fitting(text: str, limit: int) -> int:
    """How many of the text's first characters fit in `limit` bytes."""
    size = 0
    for i, ch in enumerate(text):
        size += _size(ch)
        if size > limit:
            return i
    return len(text)


def windows_of(text: str, limit: int = WINDOW_BYTES) -> list[str]:
    """Whole sentences packed into windows of at most `limit` bytes (a longer sentence is cut
    into pieces of that size); none for a text that fits in one."""
    if _size(text) <= limit:
        return []
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        while sentence:
            n = max(1, _fitting(sentence, limit))
            pieces.append(sentence[:n].strip())
            sentence = sentence[n:]
    out: list[str] = []
    for piece in filter(None, pieces):
        if out and _size(out[-1]) + 1 + _size(piece) <= limit:
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def needs_model(lex: LexiconResult) -> bool:
    """The model reads every message the lexicon did not already call urgent, as long as
    something is left once idioms are cut out ("dying to see you!" leaves nothing to read).
    No cue word is needed: the urgent categories are never gated behind one."""
    if lex.level == URGENT:
        return False
    return sum(ch.isalnum() for ch in lex.literal) >= MIN_LITERAL


def combine(text: str, lex: LexiconResult, pred: Prediction | None) -> Assessment:
    """The higher of the two layers' levels. The lexicon names its categories; the model
    names the family it found ("suicide.model"). Guards (someone else's story, news, a
    resolved past) cancel lexicon hits; the model learned those framings from data itself."""
    model_level = pred.level if pred is not None else NONE
    if LEVELS.index(lex.level) >= LEVELS.index(model_level) and lex.level != NONE:
        cats = tuple(dict.fromkeys(h.category for h in lex.hits if h.level == lex.level))
        lang = language.detect(text, _hint(lex))[0]
        return Assessment(lex.level, cats, lang, "lexicon: " + ", ".join(cats))
    if pred is not None and model_level != NONE:
        lang = language.detect(text, _hint(lex))[0]
        why = f"model: p={pred.p_flag:.2f} urgent={pred.p_urgent:.2f}"
        return Assessment(model_level, (f"{pred.family}.{MODEL_CATEGORY}",), lang, why)
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
