"""Typed command lines follow one grammar on the console and on Slack: the last free-text option
takes the rest of the line unless a later option is named; a line that is no command is
answered in the member's language."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.kernel import i18n
from bot.prompts.models import PromptSchedule
from tests.conftest import RecordingConsole
from tests.emulators.slack.harness import SlackWorkspace
from tests.slack.test_slack import text_of, ws

pytestmark = [pytest.mark.slack]
__all__ = ["ws"]

LINE = "/prompt schedule everyday-miscommunication #prompts every monday 19:00"


def schedules(app: object) -> list[PromptSchedule]:
    with app.store.session() as s:  # type: ignore[attr-defined]
        return list(s.exec(select(PromptSchedule)))


async def test_an_unquoted_when_on_the_console(community: RecordingConsole) -> None:
    await community.type("/as Lucia organizer")
    out = await community.type(LINE)
    assert "Scheduled #1" in out, out
    (row,) = schedules(community.app)
    assert row.rule == "0 19 * * 1" and row.theme == "everyday-miscommunication"


async def test_a_later_option_named_ends_the_free_text(community: RecordingConsole) -> None:
    await community.type("/as Lucia organizer")
    out = await community.type(f"{LINE} timezone:Asia/Manila weeks:4")
    assert "Scheduled #1" in out, out
    (row,) = schedules(community.app)
    assert (row.rule, row.timezone, row.occurrences_left) == ("0 19 * * 1", "Asia/Manila", 4)


async def test_an_unquoted_when_on_slack(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.command("ULUCIA", LINE.removeprefix("/"), channel="C0PROMPTS")
    await ws.settle(lambda: em.ephemerals)
    assert "Scheduled #1" in text_of(em.ephemerals[-1]), text_of(em.ephemerals[-1])
    (row,) = schedules(ws.app)
    assert row.rule == "0 19 * * 1" and row.channel == "C0PROMPTS"


@pytest.mark.parametrize("locale", ["es-ES", "pt-BR"])
async def test_an_unknown_command_on_slack_is_answered_in_the_members_language(
    ws: SlackWorkspace, locale: str
) -> None:
    em = ws.emulator
    em.locales["UAMIRA"] = locale
    await ws.command("UAMIRA", "mywarnings")  # users.info answers once; the locale is known
    await ws.settle(lambda: em.ephemerals)
    await ws.command("UAMIRA", "frobnicate now")
    await ws.settle(lambda: len(em.ephemerals) >= 2)
    expected = i18n.t("core.line.unknown", locale[:2], name="frobnicate")
    assert expected != i18n.t("core.line.unknown", "en", name="frobnicate")
    assert expected in text_of(em.ephemerals[-1])


async def test_an_unknown_command_on_the_console_is_answered_in_the_members_language(
    community: RecordingConsole,
) -> None:
    await community.type("/me language es")
    out = await community.type("/frobnicate now")
    assert i18n.t("core.line.unknown", "es", name="frobnicate") in out, out
