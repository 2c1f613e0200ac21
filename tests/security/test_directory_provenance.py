"""Provenance a member can see. Every entry a member is shown says who vouches for it: shipped
with Crossings and checked on a date, listed by the bot's operator, or added by this community's
moderators; a shipped or operator entry not checked for a year is marked, and `crossings
directory check` reports it. Written as an attacker would: the owner of a Discord server
imports, through the dashboard, a copy of a shipped national hotline with another number and a
later check date, and an entry whose feed claims to be shipped; a Slack workspace's members and
the Discord server's own members then ask `/support` through the real adapters."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from bot.support import layers
from tests.emulators.discord.server import GUILD_ID, OWNER_ID
from tests.emulators.slack.server import TEAM_ID
from tests.security.directory_world import (
    DISCORD,
    FOUND,
    SHIPPED,
    SLACK,
    attribute,
    discord_fields,
    import_through_the_dashboard,
    remove,
    rows,
    shipped,
    slack_command,
)
from tests.web.conftest import needs_chromium, sign_in_discord, sign_in_slack
from tests.web.world import MEMBER, WebWorld

pytestmark = [pytest.mark.security, pytest.mark.web, needs_chromium]

HOTLINE = shipped("National Domestic Violence Hotline")
REAL_NUMBER = "+1 800-799-7233"
FAKE_NUMBER = "+1 202-555-0188"
SHIPPED_CHECK = "Shipped with Crossings · last checked Dec 1, 2026"
OURS = "Added by this community's moderators"
# Who vouches, as the last line of every entry a member is shown.
VOUCH = re.compile(
    r"(Shipped with Crossings · last checked \w{3} \d{1,2}, \d{4}"
    r"|Listed by this bot's operator · (last checked \w{3} \d{1,2}, \d{4}|no check date)"
    r"|Added by this community's moderators( · \w{3} \d{1,2}, \d{4})?)"
    r"( · ⚠ not checked for over a year)?$"
)


def hotline_copy() -> dict[str, Any]:
    """The shipped hotline with the attacker's number and a check date later than the real."""
    doc = json.loads(json.dumps(HOTLINE))
    doc["phones"][0]["number"] = FAKE_NUMBER
    doc["assured_date"] = "2027-01-01"
    return doc


def posing_as_shipped() -> dict[str, Any]:
    """An entry whose feed claims the shipped layer, an owner and a recent check."""
    sid = str(uuid.uuid4())
    return {
        "id": sid,
        "name": "Official couples crisis line",
        "status": "active",
        "assured_date": "2026-03-01",
        "platform": "",
        "community_id": "shipped",
        "added_by": "crossings",
        "organization": {"id": f"org-{sid}", "name": "Crossings", "description": "invented"},
        "phones": [{"id": f"ph-{sid}", "number": "+1 202-555-0177"}],
        "languages": [{"id": f"l-{sid}", "code": "en"}],
        "attributes": [attribute("crisis"), attribute("intercultural-couples")],
    }


POSING = posing_as_shipped()


@pytest.fixture(scope="module")
def imported(world: WebWorld, browser: Any) -> Iterator[None]:
    """The Discord owner's import; removed again after the module."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_discord(world, page, OWNER_ID)
    import_through_the_dashboard(page, world, [hotline_copy(), POSING])
    context.close()
    yield
    remove(world, ("discord", GUILD_ID), [HOTLINE["id"], POSING["id"]])


def field(fields: list[tuple[str, str]], name: str) -> str:
    found = [value for n, value in fields if n == name]
    assert found, (name, fields)
    return found[0]


# --- a community's copy of a shipped line -------------------------------------------------------


def test_a_communitys_copy_of_a_shipped_line_says_it_is_the_communitys(
    world: WebWorld, imported: None
) -> None:
    fields = discord_fields(world, MEMBER, "find", topic="domestic-abuse", country="US")
    copy = field(fields, HOTLINE["name"])
    assert FAKE_NUMBER in copy
    assert copy.splitlines()[-1] == f"{OURS} · Mar 2, 2026"  # the day it was imported
    assert "Shipped with Crossings" not in copy and "2027" not in copy


def test_the_other_community_still_sees_the_shipped_line_and_its_check_date(
    world: WebWorld, imported: None
) -> None:
    answer = slack_command(world, "UMEMBER", "support find topic:domestic-abuse country:US")
    first = answer.split(FOUND, 1)[1].split(HOTLINE["name"], 1)[1]
    first = first.split("\n\n")[0] if "\n\n" in first else first
    assert REAL_NUMBER in first and SHIPPED_CHECK in first and OURS not in answer
    with world.app.store.session() as s:
        row = layers.find(s, layers.SHIPPED, HOTLINE["id"])
    assert row is not None and row.extra["assured_date"] == HOTLINE["assured_date"]
    assert [p["number"] for p in row.phones] == [p["number"] for p in HOTLINE["phones"]]


def test_a_feed_cannot_claim_to_be_shipped_or_checked(world: WebWorld, imported: None) -> None:
    assert POSING["id"] in rows(world, "discord", GUILD_ID)
    assert POSING["id"] not in rows(world, "", "shipped")
    assert rows(world, "discord", GUILD_ID)[POSING["id"]].added_by == OWNER_ID
    fields = discord_fields(world, MEMBER, "find", topic="crisis", country="US")
    posing = field(fields, POSING["name"])
    assert posing.splitlines()[-1] == f"{OURS} · Mar 2, 2026"
    assert "Shipped" not in posing and "operator" not in posing


def test_the_dashboard_lists_it_among_the_communitys_own_entries(
    world: WebWorld, imported: None, new_page: Any
) -> None:
    page = new_page()
    sign_in_discord(world, page, OWNER_ID)
    page.goto(world.base + DISCORD + "/directory")
    own = page.locator("[aria-labelledby=own-heading]").inner_text()
    shared = page.locator("[aria-labelledby=base-heading]").inner_text()
    assert POSING["name"] in own and POSING["name"] not in shared
    # The shared list shows its first entries; the name filter finds the hotline, stood in for.
    page.goto(world.base + DISCORD + "/directory?find=" + quote(HOTLINE["name"]))
    shared = page.locator("[aria-labelledby=base-heading]").inner_text()
    assert "see your entry with this id instead" in shared


# --- every entry shown says who vouches for it ---------------------------------------------------


SEARCHES = (
    {"topic": "domestic-abuse", "country": "US"},
    {"topic": "domestic-abuse", "country": "JP", "language": "ja"},
    {"topic": "crisis", "country": "US"},
    {"topic": "intercultural-couples", "country": "US"},
)


def test_every_result_on_discord_says_who_vouches_for_it(world: WebWorld, imported: None) -> None:
    shown = 0
    for search in SEARCHES:
        for name, value in discord_fields(world, MEMBER, "find", **search):
            assert VOUCH.fullmatch(value.splitlines()[-1]), (search, name, value)
            shown += 1
    for name, value in discord_fields(world, MEMBER, "helplines", country="US"):
        assert VOUCH.fullmatch(value.splitlines()[-1]), (name, value)
        shown += 1
    assert shown >= 8


def test_every_result_on_slack_says_who_vouches_for_it(world: WebWorld, imported: None) -> None:
    for text in ("topic:domestic-abuse country:US", "topic:domestic-abuse country:JP"):
        answer = slack_command(world, "UMEMBER", f"support find {text}")
        vouched = [line for line in answer.splitlines() if VOUCH.fullmatch(line.strip())]
        assert len(vouched) >= 1 and all("Shipped with Crossings" in v for v in vouched), text
    lines = slack_command(world, "UMEMBER", "support helplines country:US")
    assert lines.count("Shipped with Crossings · last checked") >= 2 and OURS not in lines


# --- not checked for a year: marked for members, reported to the operator --------------------------


@pytest.fixture
def operator_entry(
    world: WebWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """An entry the operator imports with the CLI while the bot runs, last checked long ago."""
    from crossings.cli import main

    sid = str(uuid.uuid4())
    doc = {
        "id": sid,
        "name": "Bilingual parents line",
        "status": "active",
        "assured_date": "2024-11-02",
        "organization": {"id": f"org-{sid}", "name": "Parents", "description": "a test entry"},
        "phones": [{"id": f"ph-{sid}", "number": "+1 202-555-0166"}],
        "languages": [{"id": f"l-{sid}", "code": "en"}],
        "attributes": [attribute("parenting-bilingual")],
        "service_areas": [{"id": f"a-{sid}", "extent": "US", "extent_type": "iso3166-1-alpha-2"}],
    }
    path = tmp_path / "operator.json"
    path.write_text(json.dumps([doc]), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", world.app.store.url)
    assert main(["directory", "import", str(path), "--upsert"]) == 0
    yield doc
    remove(world, layers.OPERATOR, [sid])


def test_an_entry_not_checked_for_a_year_is_marked_for_every_community(
    world: WebWorld, operator_entry: dict[str, Any]
) -> None:
    stale = (
        "Listed by this bot's operator · last checked Nov 2, 2024 · ⚠ not checked for over a year"
    )
    fields = discord_fields(world, MEMBER, "find", topic="parenting-bilingual", country="US")
    assert field(fields, operator_entry["name"]).splitlines()[-1] == stale
    answer = slack_command(world, "UMEMBER", "support find topic:parenting-bilingual country:US")
    assert operator_entry["name"] in answer and stale in answer


def test_an_entry_not_checked_for_a_year_is_marked_on_the_dashboard(
    world: WebWorld, operator_entry: dict[str, Any], new_page: Any
) -> None:
    page = new_page()
    sign_in_slack(world, page, "UADMIN")
    page.goto(world.base + SLACK + "/directory?find=Bilingual parents")
    row = page.locator(f"#entry-{operator_entry['id']}").inner_text()
    assert "This bot's operator" in row and "2024-11-02" in row and "over a year ago" in row


def test_directory_check_reports_what_was_not_checked_for_a_year(
    world: WebWorld,
    operator_entry: dict[str, Any],
    imported: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from crossings.cli import main

    today = world.app.clock.now().date().isoformat()
    assert main(["directory", "check", "--today", today, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(r["layer"], r["id"]) for r in report["unchecked"]] == [
        ("operator", operator_entry["id"])
    ]
    # A community's own entries are its moderators' to check: a forged date changes nothing.
    assert not {HOTLINE["id"], POSING["id"]} & {r["id"] for r in report["unchecked"]}
    # A year after the shipped entries and helplines were checked, each is reported.
    assert main(["directory", "check", "--today", "2028-01-01", "--json"]) == 1
    later = json.loads(capsys.readouterr().out)["unchecked"]
    reported = {r["id"] for r in later if r["layer"] == "shipped" and r["kind"] == "directory"}
    assert reported == {s["id"] for s in SHIPPED}
    assert any(r["kind"] == "helplines" for r in later)
    assert main(["directory", "log", "--json"]) == 0
    logged = json.loads(capsys.readouterr().out)
    assert logged[0]["action"] == "import" and logged[0]["actor"].startswith("cli")
    assert not any(TEAM_ID in e["layer"] or GUILD_ID in e["layer"] for e in logged)
