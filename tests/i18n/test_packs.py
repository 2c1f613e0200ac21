"""Every prompt pack reads in all twelve interface languages, notes and follow-ups included,
and speaks to both partners: the one who moved and the one at home."""

from __future__ import annotations

import re

import pytest

from bot.prompts.packs import Pack, load_library, parse_pack

pytestmark = pytest.mark.i18n

LANGUAGES = ["es", "pt", "fr", "de", "ja", "zh-Hans", "ko", "vi", "tl", "id", "ar"]
# Phrases that take the reader to be the partner who moved.
MOVER_ONLY = ("your new life", "back home", "new here", "locals")


@pytest.fixture(scope="module")
def packs() -> dict[str, Pack]:
    lib = load_library()
    assert lib.errors == []
    return lib.packs


def test_fifteen_packs_load(packs: dict[str, Pack]) -> None:
    assert len(packs) == 15
    for theme in ("faith-and-religion", "in-laws-extended-family"):
        assert len(packs[theme].prompts) >= 8, theme


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_pack_is_fully_written_in(packs: dict[str, Pack], locale: str) -> None:
    for pack in packs.values():
        assert locale in pack.title and pack.title[locale] != pack.title["en"], pack.theme
        assert locale in pack.description, pack.theme
        for prompt in pack.prompts:
            assert locale in prompt.text, prompt.id
            assert prompt.text_in(locale) == prompt.text[locale] != prompt.text["en"], prompt.id
            if prompt.follow_ups:
                assert len(prompt.follow_ups[locale]) == len(prompt.follow_ups["en"]), prompt.id
            if prompt.content_note:
                note = prompt.note_in(locale)
                assert note and note != prompt.content_note["en"], prompt.id
                for command in re.findall(r"/[a-z-]+(?: find)?", prompt.content_note["en"]):
                    assert command in note, (prompt.id, command)


def test_notes_keep_the_commands_they_point_to(packs: dict[str, Pack]) -> None:
    red = packs["red-flags"].prompts[0]
    for locale in LANGUAGES:
        note = red.note_in(locale) or ""
        # /help-now reaches a moderator privately; /support helplines lists the lines (/report
        # opens a case against someone, /support find searches the directory)
        assert "/help-now" in note and "/support helplines" in note, locale
        assert "/report" not in note and "/support find" not in note, locale


def test_platform_locales_pick_the_pack_language(packs: dict[str, Pack]) -> None:
    prompt = packs["money-transparency"].prompts[0]
    assert prompt.text_in("zh-CN") == prompt.text["zh-Hans"]
    assert prompt.text_in("pt-BR") == prompt.text["pt"]
    assert prompt.text_in("de-AT") == prompt.text["de"]
    assert prompt.text_in("vi") == prompt.text["vi"]
    assert prompt.text_in("fil-PH") == prompt.text["tl"]
    assert prompt.text_in("it") == prompt.text["en"]


def test_prompts_speak_to_both_partners(packs: dict[str, Pack]) -> None:
    for pack in packs.values():
        texts = [pack.title["en"], pack.description.get("en", "")]
        for prompt in pack.prompts:
            texts += [prompt.text["en"], *prompt.follow_ups.get("en", [])]
        for text in texts:
            assert not any(phrase in text.lower() for phrase in MOVER_ONLY), (pack.theme, text)


def test_a_pack_with_a_bad_locale_code_is_refused_with_its_line() -> None:
    text = (
        "theme: demo-theme\ntitle:\n  en: Demo\n  Spanish: Demostración\n"
        "prompts:\n- id: demo-01\n  text:\n    en: A question?\n"
    )
    pack, errors = parse_pack(text, "demo.yaml")
    assert pack is None
    assert [(e.line, "is not a locale code" in e.message) for e in errors] == [(2, True)]
