"""Catalogs load for every locale, plural forms follow Babel's rules, locales resolve sensibly."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.kernel import i18n
from bot.kernel.i18n import candidates

pytestmark = pytest.mark.i18n

LOCALES = ["en", "es", "pt", "fr", "de", "ja", "zh-Hans", "ko", "vi", "tl", "id", "ar"]


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_loads_with_every_english_key(locale: str) -> None:
    assert locale in i18n.locales()
    english = i18n.catalogs()["en"]
    assert set(i18n.catalogs()[locale]) == set(english)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("es", "Lo que puedes hacer aquí"),
        ("pt", "O que você pode fazer aqui"),
        ("fr", "Ce que tu peux faire ici"),
        ("de", "Was du hier tun kannst"),
        ("ja", "ここでできること"),
        ("zh-Hans", "你可以在这里做什么"),
        ("ko", "여기서 할 수 있는 일"),
        ("vi", "Những gì bạn có thể làm ở đây"),
        ("tl", "Ang mga puwede mong gawin dito"),
        ("id", "Yang bisa kamu lakukan di sini"),
        ("ar", "ما يمكنك فعله هنا"),
    ],
)
def test_a_known_message_is_translated(locale: str, expected: str) -> None:
    assert i18n.t("core.help.title", locale) == expected
    assert i18n.t("core.help.title", "en") == "What you can do here"


def test_platform_locales_reach_the_right_catalog() -> None:
    assert i18n.t("core.help.title", "pt-BR") == i18n.t("core.help.title", "pt")
    assert i18n.t("core.help.title", "zh-CN") == "你可以在这里做什么"
    assert i18n.t("core.help.title", "es-419") == "Lo que puedes hacer aquí"
    assert i18n.t("core.help.title", "fil") == i18n.t("core.help.title", "tl")
    # Traditional Chinese is not sent to the Simplified catalog; English until it exists.
    assert "zh-Hans" not in candidates("zh-TW")
    assert i18n.t("core.help.title", "zh-TW") == "What you can do here"


def test_placeholders_survive_translation() -> None:
    text = i18n.t("mod.report.received", "ja", number=42)
    assert "#42" in text and "{" not in text


@pytest.mark.parametrize("locale", ["ja", "ar", "pl", "ru", "fr", "en", "tl", "vi"])
def test_each_cldr_category_takes_its_own_form(locale: str) -> None:
    """With one form per category, no two categories share a form and each count takes the
    form of its category (Babel's CLDR data, not a file's Plural-Forms line)."""
    categories = i18n.plural_categories(locale)
    assert categories[-1] == "other"
    for n in range(0, 300):
        category = Locale.parse(locale).plural_form(n)
        assert i18n.plural_index(locale, n) == categories.index(category), n


def test_a_category_without_a_form_takes_the_last() -> None:
    # French has one/many/other in CLDR; its catalogs give "one" and "other".
    assert [i18n.plural_index("fr", n, 2) for n in (0, 1, 2, 1_000_000)] == [0, 0, 1, 1]
    # Polish gettext catalogs give one/few/many: "many" shares the last form with "other".
    assert [i18n.plural_index("pl", n, 3) for n in (1, 2, 5, 22, 25)] == [0, 1, 2, 1, 2]


def test_japanese_has_one_form_and_arabic_six() -> None:
    assert {i18n.plural_index("ja", n) for n in range(200)} == {0}
    assert len(i18n.plural_categories("ar")) == 6
    assert i18n.t("privacy.count", "ja", count=1) == "1 件"
    assert i18n.t("privacy.count", "ja", count=7) == "7 件"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "لا سجلات"),
        (1, "سجل واحد"),
        (2, "سجلان"),
        (3, "3 سجلات"),
        (10, "10 سجلات"),
        (11, "11 سجلًا"),
        (99, "99 سجلًا"),
        (100, "100 سجل"),
        (103, "103 سجلات"),
    ],
)
def test_arabic_count_takes_the_form_its_cldr_category_needs(n: int, expected: str) -> None:
    assert i18n.t("privacy.count", "ar", count=n) == expected


def test_english_plurals_replace_the_old_parenthesised_s() -> None:
    assert i18n.t("privacy.count", "en", count=1) == "1 record"
    assert i18n.t("privacy.count", "en", count=0) == "0 records"
    assert i18n.t("mod.mine.title", "en", points=2) == "Your warnings (2 active points)"
    # French counts 0 and 1 as singular (CLDR "one": i in 0,1).
    assert i18n.t("prompts.import.done", "fr", count=0, theme="x") == "0 question importée dans x."


def test_a_polish_catalog_picks_its_three_forms_by_babels_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for locale, forms in {
        "en": ("{count} file", "{count} files"),
        "pl": ("{count} plik", "{count} pliki", "{count} plików"),
    }.items():
        cat = Catalog(locale=locale, fuzzy=False)
        cat.add(("demo.files", "count"), forms)
        (tmp_path / locale).mkdir()
        with (tmp_path / locale / "demo.po").open("wb") as fh:
            write_po(fh, cat, width=0)
    monkeypatch.setattr(i18n, "catalog_dir", lambda: tmp_path)
    i18n.reload()
    try:
        got = {n: i18n.t("demo.files", "pl", count=n) for n in (1, 2, 4, 5, 12, 22, 25, 112, 122)}
    finally:
        monkeypatch.undo()
        i18n.reload()
    assert got == {
        1: "1 plik",
        2: "2 pliki",
        4: "4 pliki",
        5: "5 plików",
        12: "12 plików",
        22: "22 pliki",
        25: "25 plików",
        112: "112 plików",
        122: "122 pliki",
    }


def test_translated_button_labels_match_the_english_script() -> None:
    assert i18n.same_label("Claim", i18n.t("mod.btn.claim", "es"))
    assert i18n.same_label("Delete my data", i18n.t("privacy.delete.yes", "ar"))
    assert not i18n.same_label("Claim", i18n.t("mod.btn.ban", "es"))
