"""Automod's learned layer: pitches that no rule names, read by a linear head over the shared
sentence embeddings (bot/kernel/embeddings.py).

Rules stay the first, explainable layer. A message no rule flagged is read by the head only
when it carries a cue (a word near money, payment, contact, jobs, visa services, prizes or a
link: content/automod/cues.yaml, plus numbers, links and @handles), so most chat costs one
Aho-Corasick pass. The head reads the message with its disguises undone (spacing, dots,
look-alike letters, leetspeak: `normalize.readable`). Its threshold was chosen by
leave-one-writer-out cross-validation for the false-alarm bar on members' own money and visa
talk (bot/moderation/scam_train.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np
import yaml

from bot.kernel.embeddings import Embedder, Exemplars, shared_embedder
from bot.kernel.paths import CONTENT_DIR
from bot.moderation.normalize import readable

log = logging.getLogger(__name__)
HEAD = CONTENT_DIR / "automod" / "model" / "scam_head.json"
CUES = CONTENT_DIR / "automod" / "cues.yaml"
RULE_ID = "scam-model"
# Numbers, links, @handles and currency signs: cues in every language.
_GENERIC_CUE = re.compile(r"\d|https?://|www\.|\.[a-z]{2,4}/|@\w|[$€£¥₱₹₦₩₫฿₺₽]")


class Cues:
    """Whether a message is worth the learned layer's time: one Aho-Corasick pass over the
    lower-cased, accent-free message for every language's cue words at once."""

    def __init__(self, path: Path = CUES) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        self._automaton = ahocorasick.Automaton()
        for lang, words in data.items():
            for word in words or ():
                form = plain(str(word))
                if form:
                    self._automaton.add_word(form, (lang, form))
        self._automaton.make_automaton()

    def present(self, text: str) -> bool:
        if _GENERIC_CUE.search(text):
            return True
        for _ in self._automaton.iter(plain(text)):
            return True
        return False


def plain(text: str) -> str:
    """Lower case without Latin accents (the form cue words are written in)."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    )


@dataclass(frozen=True)
class Verdict:
    p_scam: float
    flagged: bool


class ScamModel:
    """The probability of a scam is the mean of a logistic head's and an exemplar bank's."""

    def __init__(
        self, embedder: Embedder, head: dict[str, Any], cues: Cues, bank: Exemplars | None = None
    ) -> None:
        self.embedder = embedder
        self.coef = np.asarray(head["coef"], dtype=np.float32)
        self.intercept = float(head["intercept"])
        self.threshold = float(head["threshold"])
        self.cues = cues
        self.bank = bank

    def read(self, text: str) -> str | None:
        """What the head reads of a message, or None when it carries no cue."""
        undone = model_text(text)
        return undone if self.cues.present(undone) else None

    def score(self, text: str) -> float:
        """The probability of a scam, whatever the message carries."""
        return self.score_read(model_text(text))

    def score_read(self, undone: str) -> float:
        return self.scores(self.embedder.embed([undone]))[0]

    def scores(self, vectors: np.ndarray) -> list[float]:
        logits = vectors @ self.coef + self.intercept
        probs = 1.0 / (1.0 + np.exp(-logits))
        if self.bank is not None:
            probs = (probs + self.bank.probabilities(vectors, 2)[:, 1]) / 2
        return [float(x) for x in probs]

    def verdict(self, p: float) -> Verdict:
        return Verdict(p, p >= self.threshold)

    def assess_sync(self, text: str) -> Verdict | None:
        """None when the message carries no cue (the head does not read it)."""
        undone = self.read(text)
        return None if undone is None else self.verdict(self.score_read(undone))


def model_text(text: str) -> str:
    """What the head reads: the message with its disguises undone, or the message itself
    when it wore none (then its embedding is the one the crisis pathway already made)."""
    undone = readable(text)
    return text if undone == " ".join(text.casefold().split()) else undone


class ScamReader:
    """The layer as automod uses it: loaded on first use, run on its own worker thread so the
    event loop never waits for an embedding."""

    def __init__(self) -> None:
        self._model: ScamModel | bool | None = False  # False: not loaded yet
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="automod-model")

    def warm_up(self) -> None:
        """Start loading on the worker now, so the first message does not wait."""
        self._pool.submit(self.model)

    def model(self) -> ScamModel | None:
        if self._model is False:
            self._model = load_model()
        return self._model if isinstance(self._model, ScamModel) else None

    async def assess(self, text: str) -> Verdict | None:
        """None when the layer is unavailable or the message carries no cue. The cue is
        looked for here (a few microseconds); only the embedding goes to the worker."""
        loop = asyncio.get_running_loop()
        if self._model is False:  # loading takes a second or two: never on the event loop
            await loop.run_in_executor(self._pool, self.model)
        model = self.model()
        undone = model.read(text) if model else None
        if model is None or undone is None:
            return None
        return model.verdict(await loop.run_in_executor(self._pool, model.score_read, undone))


def load_model(path: Path = HEAD) -> ScamModel | None:
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
        embedder = shared_embedder()
        if embedder is None:
            return None
        return ScamModel(embedder, head, Cues(), Exemplars.of_head(head, path.parent))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("automod's learned layer unavailable: %s", type(exc).__name__)
        return None


@cache
def reader() -> ScamReader:
    return ScamReader()
