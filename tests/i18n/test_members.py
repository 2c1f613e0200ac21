"""Members read the bot in their language through the console community, end to end."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from bot.kernel import i18n
from bot.kernel.pseudo import is_pseudo
from bot.prompts.packs import load_library
from crossings.demo import run_demo
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.i18n


async def test_an_arabic_member_reads_arabic(community: RecordingConsole) -> None:
    await community.type("/as Amira")
    set_language = await community.type("/me language ar")
    # The language name arrives as a placeholder, isolated so it keeps its own direction.
    assert "سأتحدث معك بـ\u2068العربية\u2069." in set_language
    shown = await community.type("/privacy show")
    assert "ما يحتفظ به Crossings عنك هنا" in shown
    assert "التفضيلات: سجل واحد" in shown
    assert "لا يرى هذا أحد غيرك." in shown


async def test_a_japanese_member_reads_japanese_and_others_keep_english(
    community: RecordingConsole,
) -> None:
    await community.type("/as Kenji")
    assert "これからは日本語でお話しします。" in await community.type("/me language ja")
    assert "警告はありません。" in await community.type("/mywarnings")
    await community.type("/as Lucia")
    assert "You have no warnings." in await community.type("/mywarnings")


async def test_a_member_in_en_xa_sees_only_pseudo_text(community: RecordingConsole) -> None:
    await community.type("/as Tester")
    await community.type("/me language en-XA")
    out = await community.type("/mywarnings")
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    reply = [line for line in lines if not line.startswith(("[", "Crossings"))]
    assert reply and all(is_pseudo(line) for line in reply), reply


async def test_prompts_post_in_the_communitys_language(community: RecordingConsole) -> None:
    await community.type("/as Admin admin", "/settings language de")
    await community.type("/prompt post-now theme:red-flags channel:#prompts")
    post = next(
        m.text
        for m in community.platform.messages.values()
        if m.channel == "prompts" and m.thread is None and "Frage der Woche" in m.text
    )
    red = load_library().packs["red-flags"].prompts
    assert any(p.text["de"] in post for p in red)
    assert "Inhaltshinweis:" in post and red[0].content_note["de"] in post


def test_dates_follow_the_readers_language() -> None:
    moment = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    assert i18n.when(moment, "en", "Europe/Madrid") == "Mon 02 Mar 2026 19:00 CET"
    assert i18n.when(moment, "ja", "Asia/Tokyo") == "2026年3月3日(火) 3:00 JST"
    assert i18n.when(moment, "de", "Europe/Berlin") == "Mo., 2. März 2026, 19:00 CET"
    assert i18n.when(None, "fr") == "-"


def test_durations_lists_numbers_and_language_names() -> None:
    span = timedelta(days=1, hours=2)
    assert i18n.duration(span, "en") == "1 day, 2 hours"
    assert i18n.duration(span, "ja") == "1 日 2 時間"
    assert i18n.duration(timedelta(seconds=5), "es") == "5 segundos"
    assert i18n.join(["a", "b", "c"], "es") == "a, b y c"
    assert i18n.join(["a", "b"], "fr", style="or") == "a ou b"
    assert i18n.join([], "en") == "-"
    assert i18n.percent(0.5, "de") == "50\u00a0%"
    assert i18n.language_name("pt-BR", "ja") == "ポルトガル語 (ブラジル)"
    assert i18n.language_names(["es", "ja"], "fr") == "espagnol et japonais"
    assert i18n.language_name("not a code", "en") == "not a code"


@pytest.mark.parametrize(
    ("lang", "expected"), [("es", "Gracias. Tu reporte quedó guardado"), ("ja", "通報はケース #")]
)
async def test_the_demo_plays_in_another_language(lang: str, expected: str) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, highlight=False, color_system=None)
    assert await run_demo(console, only="20-moderation", lang=lang) == 0
    out = buffer.getvalue()
    assert expected in out
    # The English script still presses every button, now labelled in the demo's language.
    assert "no button or menu" not in out and "no form is open" not in out


async def test_the_demo_refuses_a_language_without_a_catalog() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, highlight=False, color_system=None)
    assert await run_demo(console, lang="xx") == 2
    assert "no catalog for 'xx'" in buffer.getvalue()
