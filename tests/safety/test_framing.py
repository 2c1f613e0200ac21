"""Idioms of exaggeration, lexicon cues and the supplement, through the detector's surface.

A model fooled by a word is the failure these guard against: "I could kill for a coffee" reads
like a threat to an embedding. The fake model here flags any message holding a given word, so
the tests show the idiom is cut before the model reads, and the same word in earnest is not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bot.safety.corpus import SUPPLEMENT_DIR, load_sources, load_split
from bot.safety.detector import MAX_WINDOWS, WINDOW_BYTES, SafetyDetector
from bot.safety.lexicon import normalise
from bot.safety.model import EmbeddingModel, Prediction

pytestmark = pytest.mark.safety

# language: (an idiom holding the word, the word, the word in earnest)
IDIOMS = {
    "en": ("I could kill for a coffee after that flight", "kill", "I think he will kill me"),
    "es": ("me muero de hambre, ¿cenamos ya?", "muer", "prefiero estar muerta"),
    "pt": ("tô morrendo de fome, bora almoçar", "morrendo", "estou morrendo por dentro"),
    "fr": ("je meurs de faim, on mange quand ?", "meurs", "je meurs à petit feu avec lui"),
    "de": ("ich bin fast gestorben vor Lachen", "gestorben", "ich wäre lieber gestorben"),
    "it": ("sono morta dal ridere con quel video", "morta", "vorrei essere morta"),
    "nl": ("ik ga bijna dood van verveling op kantoor", "dood", "ik wil gewoon dood"),
    "pl": ("umieram z nudów na tym spotkaniu", "umieram", "umieram w środku, nie mam siły"),
    "ru": ("я умираю со скуки на этой лекции", "умираю", "я умираю внутри, больше не могу"),
    "uk": ("я помираю з нудьги на цій нараді", "помираю", "я помираю всередині, не можу"),
    "tr": (
        "utancımdan öldüm, herkes bana baktı",
        "oldum",
        "içimden öldüm, hiçbir şey hissetmiyorum",
    ),
    "ar": ("رح أموت من الضحك على هالفيديو", "موت", "بدي موت، ما عاد فيني"),
    "hi": ("sharam se mar gayi main jab sabne dekha", "mar gayi", "kaash main mar gayi hoti"),
    "zh": ("今天热死了，不想出门", "死", "我真的想死"),
    "ja": ("暑くて死にそう、エアコンつけて", "死", "もう死にたい"),
    "ko": ("배고파 죽겠어, 밥 먹자", "죽", "정말 죽고 싶어"),
    "vi": ("nóng muốn chết, bật điều hòa đi", "chet", "tôi muốn chết"),
    "th": ("ร้อนจะตาย เปิดแอร์หน่อย", "ตาย", "อยากตาย"),
    "tl": ("mamamatay na ako sa gutom, kain na tayo", "mamatay", "gusto ko nang mamatay"),
    "id": ("malu setengah mati aku tadi", "mati", "aku ingin mati saja"),
}


class WordModel:
    """Stands in for a model fooled by one word: flags (urgent) any text holding it."""

    def __init__(self, word: str) -> None:
        self.word = normalise(word)
        self.read: list[str] = []

    def predict(self, text: str) -> Prediction:
        self.read.append(text)
        hit = self.word in normalise(text)
        level = "urgent" if hit else "none"
        return Prediction(0.99 if hit else 0.01, 0.99 if hit else 0.01, level, "suicide")

    def predict_all(self, texts: list[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]


def test_every_language_has_an_idiom_case() -> None:
    from bot.safety.language import SAFETY_LANGUAGES

    assert set(IDIOMS) == set(SAFETY_LANGUAGES[:20])  # fa ur bn sw: see test_new_languages


@pytest.mark.parametrize("lang", sorted(IDIOMS))
def test_idioms_are_cut_before_the_model_reads(lang: str) -> None:
    idiom, word, _ = IDIOMS[lang]
    model = WordModel(word)
    got = SafetyDetector(model=model).assess_sync(idiom)  # type: ignore[arg-type]
    assert got.level == "none", (lang, got.explanation)
    assert all(model.word not in normalise(text) for text in model.read)


@pytest.mark.parametrize("lang", sorted(IDIOMS))
def test_the_same_word_in_earnest_still_counts(lang: str) -> None:
    _, word, earnest = IDIOMS[lang]
    got = SafetyDetector(model=WordModel(word)).assess_sync(earnest)  # type: ignore[arg-type]
    assert got.flagged, (lang, got.explanation)


def test_an_idiom_beside_a_real_sign_leaves_the_sign() -> None:
    model = WordModel("vanish")
    text = "dying to see you all, though some days I wish I could just vanish"
    assert SafetyDetector(model=model).assess_sync(text).flagged  # type: ignore[arg-type]
    assert model.read and "dying to see" not in model.read[0] and "vanish" in model.read[0]


class FixedEmbedder:
    """Every text embeds to the same vector: the head then gives every text one score."""

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 2), dtype=np.float32)


def unsure_model(p_flag: float) -> EmbeddingModel:
    """A head whose flag probability is p_flag for any text (concern); it flags at 0.7."""
    logit = float(np.log(p_flag / (1 - p_flag)))
    classes = ["none", "suicide.concern", "suicide.urgent", "danger.concern", "danger.urgent",
               "control.concern"]  # fmt: skip
    head: dict[str, Any] = {
        "classes": classes,
        "coef": [[0.0, 0.0]] * len(classes),
        "intercept": [0.0, -30.0, -30.0, -30.0, -30.0, logit],
        "threshold": 0.7,
        "urgent_threshold": 0.6,
    }
    return EmbeddingModel(FixedEmbedder(), head)  # type: ignore[arg-type]


def test_a_confident_model_speaks_without_any_cue_word() -> None:
    """No cue word gates the learned layer: a complaint with no word near any category is
    flagged when the model is sure, and left alone when it is not."""
    text = "Sam keeps posting rude comments under every photo I share"
    sure = SafetyDetector(model=unsure_model(0.8)).assess_sync(text)
    assert sure.level == "concern" and sure.categories == ("control.model",)
    assert not SafetyDetector(model=unsure_model(0.6)).assess_sync(text).flagged


def test_the_supplement_reaches_train_and_dev_only() -> None:
    extra = {normalise(r.text) for r in load_sources(SUPPLEMENT_DIR)}
    assert len(extra) >= 400
    test = {normalise(r.text) for r in load_split("test")}
    seen = {normalise(r.text) for name in ("train", "dev") for r in load_split(name)}
    assert not extra & test
    assert extra <= seen


def test_a_sign_in_the_middle_of_a_long_post_is_read_in_its_window() -> None:
    """The whole post and its windows of whole sentences are read; the sign in the middle is
    in one window of at most WINDOW_BYTES."""
    model = WordModel("passport")
    filler = "We went to the market and then had lunch with friends. " * 4
    text = filler + "The passport thing came up again tonight and I feel sick. " + filler
    detector = SafetyDetector(model=model)  # type: ignore[arg-type]
    assert detector.lexicon.scan(text).level == "none"
    assert detector.assess_sync(text).flagged
    windows = model.read[1:]
    assert model.read[0] == text and len(windows) >= 3
    assert all(len(part.encode()) <= WINDOW_BYTES for part in windows)
    assert any("passport" in part for part in windows)


def test_a_very_long_message_costs_a_bounded_number_of_readings() -> None:
    model = WordModel("vanish")
    text = "We went to the market and then had lunch. " * 60 + "Some days I wish I could vanish."
    assert SafetyDetector(model=model).assess_sync(text).flagged  # type: ignore[arg-type]
    assert len(model.read) <= MAX_WINDOWS  # too long to be read whole
    assert any(part.endswith("vanish.") for part in model.read)
