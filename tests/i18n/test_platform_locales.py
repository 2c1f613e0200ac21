"""The member's language comes from the platform: Discord's interaction locale, Slack's
users.info locale; `/me language` still overrides both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.kernel import i18n
from tests.discord.test_discord import texts
from tests.emulators.discord.harness import DiscordCommunity, discord_community
from tests.emulators.slack.harness import SlackWorkspace, slack_workspace
from tests.slack.test_slack import text_of

pytestmark = pytest.mark.i18n


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordCommunity]:
    async with discord_community(tmp_path) as community:
        community.member("111", "Amira")
        yield community


@pytest.fixture
async def ws(tmp_path: Path) -> AsyncIterator[SlackWorkspace]:
    async with slack_workspace(tmp_path, "http") as workspace:
        workspace.emulator.add_user("UKENJI", "Kenji")
        yield workspace


@pytest.mark.discord
async def test_a_discord_member_with_pt_br_gets_portuguese(dc: DiscordCommunity) -> None:
    dc.emulator.locales["111"] = "pt-BR"
    reply = await dc.answered(
        await dc.emulator.slash("111", dc.emulator.channel_id("general"), "mywarnings")
    )
    assert i18n.t("mod.mine.none", "pt") in texts([reply.get("data") or {}])[0]


@pytest.mark.discord
async def test_me_language_overrides_the_discord_locale(dc: DiscordCommunity) -> None:
    em = dc.emulator
    em.locales["111"] = "pt-BR"
    general = em.channel_id("general")
    await dc.answered(
        await em.slash(
            "111",
            general,
            "me",
            [
                {
                    "type": 1,
                    "name": "language",
                    "options": [{"type": 3, "name": "language", "value": "ja"}],
                }
            ],
        )
    )
    reply = await dc.answered(await em.slash("111", general, "mywarnings"))
    assert i18n.t("mod.mine.none", "ja") in texts([reply.get("data") or {}])[0]


@pytest.mark.slack
async def test_a_slack_user_with_ja_jp_gets_japanese(ws: SlackWorkspace) -> None:
    em = ws.emulator
    em.locales["UKENJI"] = "ja-JP"
    await ws.command("UKENJI", "mywarnings")
    await ws.settle(lambda: em.ephemerals)
    assert i18n.t("mod.mine.none", "ja") in text_of(em.ephemerals[-1])
    info = [c for c in em.called("users.info") if c.args.get("user") == "UKENJI"]
    assert info and str(info[-1].args.get("include_locale")).lower() in ("1", "true")


def test_the_command_catalog_matches_the_registry() -> None:
    """Command descriptions are translated from content/locales/en/commands.po, which must say
    exactly what the registry says (regenerate with `crossings content commands --write`)."""
    from bot.kernel.clock import SimulatedClock
    from bot.kernel.store import Store
    from crossings import build_app
    from crossings.content import COMMANDS_PO, commands_catalog

    registry = build_app(Store("sqlite://"), clock=SimulatedClock()).registry
    assert COMMANDS_PO.read_text(encoding="utf-8") == commands_catalog(registry)
    assert 'msgid "cmd.prompt.schedule.opt.when"' in COMMANDS_PO.read_text(encoding="utf-8")


@pytest.mark.discord
async def test_command_localisations_reach_the_discord_upsert(dc: DiscordCommunity) -> None:
    """Descriptions in every catalog that Discord has a client language for, accepted by the
    emulator's check of the bulk upsert against Discord's API description."""
    stored = {c["name"]: c for scope in dc.emulator.commands.values() for c in scope}
    assert stored["help"]["description_localizations"]["pt-BR"] == i18n.translated("cmd.help", "pt")
    assert stored["help"]["description_localizations"]["ja"] == i18n.translated("cmd.help", "ja")
    schedule = next(o for o in stored["prompt"]["options"] if o["name"] == "schedule")
    when = next(o for o in schedule["options"] if o["name"] == "when")
    assert when["description_localizations"]["de"] == i18n.translated(
        "cmd.prompt.schedule.opt.when", "de"
    )


ARABIC_REPLY = "سأتحدث معك بـ\u2068العربية\u2069."


@pytest.mark.discord
async def test_an_arabic_member_reads_right_to_left_text_on_discord(dc: DiscordCommunity) -> None:
    """Discord has no Arabic client language: the member chooses it, and the reply comes in
    Arabic with the interpolated name isolated (U+2068..U+2069) so it cannot reorder."""
    em = dc.emulator
    option = [
        {"type": 1, "name": "language", "options": [{"type": 3, "name": "language", "value": "ar"}]}
    ]
    reply = await dc.answered(await em.slash("111", em.channel_id("general"), "me", option))
    assert ARABIC_REPLY in texts([reply.get("data") or {}])[0]
    reply = await dc.answered(await em.slash("111", em.channel_id("general"), "mywarnings"))
    assert i18n.t("mod.mine.none", "ar") in texts([reply.get("data") or {}])[0]


@pytest.mark.slack
async def test_an_arabic_member_reads_right_to_left_text_on_slack(ws: SlackWorkspace) -> None:
    em = ws.emulator
    await ws.command("UKENJI", "me language ar")
    await ws.settle(lambda: em.ephemerals)
    assert ARABIC_REPLY in text_of(em.ephemerals[-1])


def test_placeholders_are_isolated_only_in_right_to_left_languages() -> None:
    assert i18n.right_to_left("ar") and not i18n.right_to_left("ja")
    assert "\u2068" not in i18n.t("core.me.language_set", "ja", language="日本語")
    arabic = i18n.t("core.me.language_set", "ar", language="English")
    assert "\u2068English\u2069" in arabic
