"""Discord shows commands and options under names in the member's client language
(`name_localizations`), translated in content/locales/*/names.po and checked twice: by
`crossings content validate` against Discord's naming rule, and by the emulator, which refuses
an upsert exactly where Discord would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.kernel import i18n
from bot.kernel.catalog_check import check_catalogs
from bot.kernel.clock import SimulatedClock
from bot.kernel.store import Store
from crossings import build_app
from crossings.content import NAMES_PO, names_catalog
from tests.emulators.discord.commands import upsert_problems
from tests.emulators.discord.harness import DiscordCommunity, discord_community
from tests.emulators.discord.server import APP_ID, TOKEN
from tests.i18n.test_validation import write_catalog

pytestmark = pytest.mark.i18n

DISCORD_CATALOGS = {"pt-BR": "pt", "ja": "ja", "zh-CN": "zh-Hans", "de": "de", "es-419": "es"}


def _registry() -> Any:
    return build_app(Store("sqlite://"), clock=SimulatedClock()).registry


def _stored(dc: DiscordCommunity) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for scope in dc.emulator.commands.values() for c in scope}


def _option(command: dict[str, Any], *path: str) -> dict[str, Any]:
    for name in path:
        command = next(o for o in command["options"] if o["name"] == name)
    return command


def test_the_names_catalog_matches_the_registry() -> None:
    """English names are generated from the registry; a new command or option shows up as a
    key every language then lacks (regenerate with `crossings content commands --write`)."""
    text = NAMES_PO.read_text(encoding="utf-8")
    assert text == names_catalog(_registry())
    assert 'msgid "cmdname.post_now"\nmsgstr "post-now"' in text
    assert 'msgid "optname.when"\nmsgstr "when"' in text


@pytest.mark.discord
async def test_every_command_and_option_reaches_discord_with_localised_names(
    tmp_path: Path,
) -> None:
    async with discord_community(tmp_path) as dc:
        stored = _stored(dc)
    assert stored, "the emulator accepted no commands"
    for discord_locale, catalog in DISCORD_CATALOGS.items():
        schedule = _option(stored["prompt"], "schedule")
        assert schedule["name_localizations"][discord_locale] == i18n.translated(
            "cmdname.schedule", catalog
        )
        when = _option(stored["prompt"], "schedule", "when")
        assert when["name_localizations"][discord_locale] == i18n.translated(
            "optname.when", catalog
        )
    assert _option(stored["prompt"], "edit", "schedule")["name_localizations"]["pt-BR"] == (
        "agendamento"
    )
    assert stored["Report message"]["name_localizations"]["ja"] == "メッセージを通報"


@pytest.mark.discord
async def test_every_name_in_the_upsert_has_every_discord_language(tmp_path: Path) -> None:
    """No command, group or option is left without a name in a language Discord shows."""
    async with discord_community(tmp_path) as dc:
        stored = _stored(dc)

    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            out.append(item)
            out += walk(item.get("options") or [])
        return out

    missing = [
        item["name"]
        for item in walk(list(stored.values()))
        if set(DISCORD_CATALOGS) - set(item.get("name_localizations") or {})
    ]
    assert missing == []


async def _put(dc: DiscordCommunity, body: list[dict[str, Any]]) -> tuple[int, str]:
    url = f"{dc.emulator.api_base}/applications/{APP_ID}/commands"
    headers = {"Authorization": f"Bot {TOKEN}"}
    async with aiohttp.ClientSession() as http, http.put(url, json=body, headers=headers) as resp:
        return resp.status, await resp.text()


@pytest.mark.discord
async def test_the_emulator_refuses_what_discord_refuses(tmp_path: Path) -> None:
    base = {"type": 1, "description": "x"}
    async with discord_community(tmp_path) as dc:
        before = _stored(dc)
        upper = [{**base, "name": "help", "name_localizations": {"de": "Hilfe"}}]
        spaced = [{**base, "name": "help", "name_localizations": {"fr": "aide moi"}}]
        locale = [{**base, "name": "help", "name_localizations": {"pt": "ajuda"}}]
        twins = [
            {**base, "name": "help", "name_localizations": {"ja": "ヘルプ"}},
            {**base, "name": "guide", "name_localizations": {"ja": "ヘルプ"}},
        ]
        for body in (upper, spaced, locale, twins):
            status, text = await _put(dc, body)
            assert status == 400 and "50035" in text, body
        assert _stored(dc) == before


def test_upsert_problems_name_the_place() -> None:
    body = [
        {
            "type": 1,
            "name": "prompt",
            "description": "x",
            "options": [
                {"type": 1, "name": "a", "description": "x", "name_localizations": {"ko": "하나"}},
                {"type": 1, "name": "b", "description": "x", "name_localizations": {"ko": "하나"}},
            ],
        }
    ]
    assert upsert_problems(body) == ["0.options: '하나' is used twice (ko: a)"]


def test_validate_refuses_a_translated_name_discord_would_refuse(tmp_path: Path) -> None:
    root = tmp_path / "locales"
    write_catalog(root, "en", {"cmdname.post_now": "post-now", "cmdname.report": "Report it"})
    path = write_catalog(
        root, "fr", {"cmdname.post_now": "Publier maintenant", "cmdname.report": "Signaler ça"}
    )
    report = check_catalogs(root, code_dirs=[])
    errors = [str(e) for e in report.errors]
    assert any("cmdname.post_now (fr)" in e and "not a command name" in e for e in errors)
    assert str(path.name) in " ".join(errors)
    # A message-command label may hold spaces and capitals in every language.
    assert not any("cmdname.report (fr)" in e for e in errors)
