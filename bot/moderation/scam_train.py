"""`crossings automod train` and `crossings automod crossval`: automod's learned layer, fitted
and judged on labelled messages from many independent writers.

As for the crisis pathway (bot/safety/train.py): each writer is one fold, the release writer
was chosen by lot before any data arrived and is never trained or tuned on, and the threshold
is chosen on predictions for writers the head did not see. Here a false alarm holds a member's
own message about money or visas in public view of the moderators, so the threshold is the one
with the highest recall whose false alarms on the pass lines stay under MAX_FALSE_ALARMS.
Needs scikit-learn (the `train` extra).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.kernel.embeddings import DiskCache, Exemplars
from bot.kernel.paths import CONTENT_DIR, ROOT
from bot.moderation.automod import Message, RuleSet, load_rules
from bot.moderation.labelled import read_labelled
from bot.moderation.scam_model import HEAD, Cues, model_text

SEED = 20261207
EVAL = CONTENT_DIR / "automod" / "eval"
RELEASE_WRITER = "w10"  # as for the crisis pathway (bot/safety/train.py); w2 came first
MAX_FALSE_ALARMS = 0.015  # on the training writers' pass lines; the bar is 2%
GRID = tuple(round(float(t), 3) for t in np.arange(0.30, 0.991, 0.01))
CACHE = ROOT / ".cache" / "automod-embeddings.npz"


@dataclass
class Data:
    rows: list[dict[str, Any]]
    x: np.ndarray
    y: np.ndarray  # 1 flag, 0 pass
    rules: np.ndarray  # a rule fired
    cue: np.ndarray  # the learned layer would read it
    writer: np.ndarray

    def take(self, mask: np.ndarray) -> Data:
        keep = [i for i, m in enumerate(mask) if m]
        return Data([self.rows[i] for i in keep], self.x[mask], self.y[mask], self.rules[mask],
                    self.cue[mask], self.writer[mask])  # fmt: skip


def load_rows() -> list[dict[str, Any]]:
    rows = []
    for path in sorted((EVAL / "writers").glob("*.jsonl")):
        rows += [{**r, "writer": path.stem} for r in read_labelled(path)]
    rows += [{**r, "writer": "w0"} for r in read_labelled(EVAL / "messages.jsonl")]
    return rows


def prepare(rows: list[dict[str, Any]], ruleset: RuleSet | None = None) -> Data:
    ruleset = ruleset or RuleSet(load_rules())
    cues = Cues()
    texts = [model_text(r["text"]) for r in rows]
    fired = [bool(ruleset.check(Message(r["text"], f"eval-{i}"))) for i, r in enumerate(rows)]
    return Data(
        rows,
        DiskCache(CACHE).of(texts),
        np.array([r["expect"] == "flag" for r in rows], dtype=int),
        np.array(fired),
        np.array([cues.present(t) for t in texts]),
        np.array([r["writer"] for r in rows]),
    )


Fit = Callable[[Data], Callable[[np.ndarray], np.ndarray]]


def logistic(c: float) -> Fit:
    def fit(train: Data) -> Callable[[np.ndarray], np.ndarray]:
        clf = _logistic(train, c)
        return lambda x: clf.predict_proba(x)[:, 1]

    return fit


def _logistic(train: Data, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=SEED)
    clf.fit(train.x, train.y)
    return clf


def neighbours(k: int = 10, temperature: float = 0.05) -> Fit:
    """Exemplar bank: the similarity-weighted vote of the k most similar labelled lines."""

    def fit(train: Data) -> Callable[[np.ndarray], np.ndarray]:
        bank = Exemplars(train.x, train.y, k, temperature)
        return lambda x: bank.probabilities(x, 2)[:, 1]

    return fit


def blend(*fits: Fit) -> Fit:
    def fit(train: Data) -> Callable[[np.ndarray], np.ndarray]:
        models = [f(train) for f in fits]
        return lambda x: np.mean([m(x) for m in models], axis=0)

    return fit


# The shipped candidate's parts, which `train` writes out; its entry below is built from them.
SHIPPED = "head C=16 + neighbours"
SHIPPED_C, SHIPPED_K, SHIPPED_TEMPERATURE = 16.0, 10, 0.05
EXEMPLARS = "scam_exemplars.npz"
CANDIDATES: dict[str, Fit] = {
    "head C=4": logistic(4.0),
    "head C=16": logistic(16.0),
    "head C=64": logistic(64.0),
    SHIPPED: blend(logistic(SHIPPED_C), neighbours(SHIPPED_K, SHIPPED_TEMPERATURE)),
}


def said(data: Data, probs: np.ndarray, threshold: float) -> np.ndarray:
    return data.rules | (data.cue & (probs >= threshold))


def choose_threshold(data: Data, probs: np.ndarray) -> float:
    """The lowest threshold (the highest recall) whose false alarms stay under the bar."""
    passes = data.y == 0
    for t in GRID:
        flagged = said(data, probs, t)
        if np.sum(flagged & passes) / max(1, np.sum(passes)) <= MAX_FALSE_ALARMS:
            return t
    return GRID[-1]


def held_out_probs(data: Data, fit: Fit) -> np.ndarray:
    probs = np.zeros(len(data.rows))
    for w in sorted(set(data.writer)):
        out = data.writer == w
        probs[out] = fit(data.take(~out))(data.x[out])
    return probs


@dataclass
class Result:
    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[bool] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        from bot.moderation.labelled import Tally

        overall = Tally()
        by_writer: dict[str, Tally] = {}
        by_lang: dict[str, Tally] = {}
        by_category: dict[str, Tally] = {}
        for row, flag in zip(self.rows, self.flagged, strict=True):
            expected = row["expect"] == "flag"
            for tally in (
                overall,
                by_writer.setdefault(row["writer"], Tally()),
                by_lang.setdefault(row.get("lang", "?"), Tally()),
                by_category.setdefault(row.get("category", "?"), Tally()),
            ):
                tally.add(expected, flag)
        return {
            "overall": overall.figures(),
            "by_writer": {k: v.figures() for k, v in sorted(by_writer.items())},
            "by_lang": {k: v.figures() for k, v in sorted(by_lang.items())},
            "by_category": {k: v.figures() for k, v in sorted(by_category.items())},
            "thresholds": self.thresholds,
        }


def crossval(data: Data, names: Sequence[str], held_out: Sequence[str]) -> list[Result]:
    dev = data.take(data.writer != RELEASE_WRITER)
    results = []
    for name in names:
        result = Result(name)
        for w in held_out:
            test = data.take(data.writer == w)
            if name == "rules":
                flagged = test.rules
            else:
                train = dev.take(dev.writer != w)
                t = choose_threshold(train, held_out_probs(train, CANDIDATES[name]))
                flagged = said(test, CANDIDATES[name](train)(test.x), t)
                result.thresholds[w] = t
            result.rows += test.rows
            result.flagged += [bool(f) for f in flagged]
        results.append(result)
    return results


def train(out: Path = HEAD) -> float:
    """Fit the shipped candidate on every development writer, write its head and bank, and
    return its threshold."""
    data = prepare(load_rows())
    dev = data.take(data.writer != RELEASE_WRITER)
    t = choose_threshold(dev, held_out_probs(dev, CANDIDATES[SHIPPED]))
    clf = _logistic(dev, SHIPPED_C)
    out.parent.mkdir(parents=True, exist_ok=True)
    Exemplars.save(out.parent / EXEMPLARS, dev.x, dev.y)
    head = {
        "candidate": SHIPPED,
        "coef": [round(float(x), 6) for x in clf.coef_[0]],
        "intercept": round(float(clf.intercept_[0]), 6),
        "threshold": t,
        "exemplars": {"file": EXEMPLARS, "k": SHIPPED_K, "temperature": SHIPPED_TEMPERATURE},
        "trained_on": f"content/automod/eval (writers {', '.join(sorted(set(dev.writer)))})",
        "threshold_chosen_by": f"false alarms <= {MAX_FALSE_ALARMS} on held-out writers",
        "never_seen": RELEASE_WRITER,
    }
    out.write_text(json.dumps(head) + "\n", encoding="utf-8")
    return t
