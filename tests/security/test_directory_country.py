"""Country and language first for online and national services. Replayed as the issue found it
and as an attacker would try to get round it, with a Discord server and a Slack workspace on the
project's own emulators: a member's own `/support find` on each platform, through the real
adapters. A national service only matches its own country; an international service matches
everywhere but ranks below a national one that fits; and no community's entry, whatever it
claims, reaches the other community's members."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.support import directory
from tests.emulators.discord.server import GUILD_ID, OWNER_ID
from tests.emulators.slack.server import TEAM_ID
from tests.security.directory_world import (
    FOUND,
    attribute,
    discord_fields,
    import_through_the_dashboard,
    remove,
    rows,
    shipped,
    slack_command,
)
from tests.web.conftest import needs_chromium, sign_in_discord
from tests.web.world import MEMBER, WebWorld

pytestmark = [pytest.mark.security, pytest.mark.web, needs_chromium]

SHIPPED_ALL = json.loads(directory.DIRECTORY_DIR.read_text(encoding="utf-8"))
US_LINE = shipped("National Domestic Violence Hotline")
GB_LINE = shipped("National Domestic Abuse Helpline")
JP_LINE = shipped("よりそいホットライン (Yorisoi Hotline)")
# The lines a US search returned before: national lines of other countries, online, no places.
ELSEWHERE = [
    shipped(name)["name"]
    for name in (
        "Gender-Based Violence Command Centre",  # South Africa
        "3919 Violences Femmes Info",  # France
        "Shakti Crisisline",  # New Zealand
        "Women's Refuge crisis line",  # New Zealand
        "National Domestic Abuse Helpline",  # the United Kingdom
    )
]


def shipped_national(country: str) -> list[dict[str, Any]]:
    """The shipped services of a country with no place to visit: its national lines."""
    return [
        s
        for s in SHIPPED_ALL
        if not s.get("service_at_locations")
        and {a.get("extent") for a in s.get("service_areas", [])} == {country}
    ]


def entry(name: str, topics: tuple[str, ...], countries: tuple[str, ...] = ()) -> dict[str, Any]:
    """An entry of the attacker's own: online (no place), in English and Japanese."""
    sid = str(uuid.uuid4())
    return {
        "id": sid,
        "name": name,
        "status": "active",
        "organization": {"id": f"org-{sid}", "name": name, "description": "invented"},
        "phones": [{"id": f"ph-{sid}", "number": "+1 202-555-0123"}],
        "languages": [{"id": f"l-{sid}-{c}", "code": c} for c in ("en", "ja")],
        "attributes": [attribute(code) for code in topics],
        "service_areas": [
            {"id": f"a-{sid}-{c}", "extent": c, "extent_type": "iso3166-1-alpha-2"}
            for c in countries
        ],
    }


# An international line that claims every topic that could lift it, and a national line of
# another country that claims the same (put there to be shown to US members).
WORLDWIDE = entry(
    "Worldwide couples line", ("domestic-abuse", "crisis", "intercultural-couples", "lgbtq")
)
BRITISH = entry("British couples line", ("domestic-abuse", "intercultural-couples"), ("GB",))


@pytest.fixture(scope="module")
def imported(world: WebWorld, browser: Any) -> Iterator[None]:
    """The Discord owner imports both through the dashboard; removed again after the module."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_discord(world, page, OWNER_ID)
    import_through_the_dashboard(page, world, [WORLDWIDE, BRITISH])
    context.close()
    yield
    remove(world, ("discord", GUILD_ID), [WORLDWIDE["id"], BRITISH["id"]])


def slack_found(world: WebWorld, text: str) -> str:
    answer = slack_command(world, "UMEMBER", f"support find {text}")
    assert FOUND in answer, answer
    return answer.split(FOUND, 1)[1]


def names(fields: list[tuple[str, str]]) -> list[str]:
    return [name for name, _ in fields]


# --- the search the issue replayed ----------------------------------------------------------------


def test_a_us_domestic_abuse_search_lists_the_us_national_line_first_on_slack(
    world: WebWorld,
) -> None:
    found = slack_found(world, "topic:domestic-abuse country:US")
    assert found.lstrip(" *\n").startswith(US_LINE["name"]), found
    assert "+1 800-799-7233" in found and "serves your country" in found
    for other in ELSEWHERE:
        assert other not in found


def test_a_us_domestic_abuse_search_lists_the_us_national_line_first_on_discord(
    world: WebWorld, imported: None
) -> None:
    fields = discord_fields(world, MEMBER, "find", topic="domestic-abuse", country="US")
    assert names(fields)[0] == US_LINE["name"]
    assert "+1 800-799-7233" in fields[0][1]
    for other in ELSEWHERE:
        assert other not in names(fields)


# --- an international entry ranks below a national one that fits ----------------------------------


def test_an_international_entry_ranks_below_the_national_line_where_it_was_imported(
    world: WebWorld, imported: None
) -> None:
    """It claims more topics (intercultural couples too) than the national line: still below."""
    for country, national in (("US", US_LINE), ("GB", GB_LINE)):
        found = names(
            discord_fields(world, MEMBER, "find", topic="domestic-abuse", country=country)
        )
        assert found[0] in (national["name"], BRITISH["name"]), country
        if WORLDWIDE["name"] in found:  # it matches everywhere, below every national line
            assert found.index(national["name"]) < found.index(WORLDWIDE["name"]), country
    # Where one national line fits, the international entry follows it.
    us = names(discord_fields(world, MEMBER, "find", topic="domestic-abuse", country="US"))
    assert us[:2] == [US_LINE["name"], WORLDWIDE["name"]]


def test_an_international_entry_ranks_below_the_national_line_in_its_language(
    world: WebWorld, imported: None
) -> None:
    """The issue's second search: crisis and abuse support in Japanese, in Japan."""
    fields = discord_fields(
        world, MEMBER, "find", topic="domestic-abuse", country="JP", language="ja"
    )
    found = names(fields)
    assert found[0] == JP_LINE["name"] and WORLDWIDE["name"] in found
    # Every national line of Japan shown (online, Japanese) comes before the international one.
    national = {s["name"] for s in shipped_national("JP")}
    assert all(n in national for n in found[: found.index(WORLDWIDE["name"])])


def test_where_no_national_line_fits_the_international_entry_is_offered(
    world: WebWorld, imported: None
) -> None:
    fields = discord_fields(world, MEMBER, "find", topic="lgbtq", country="CL")
    assert names(fields) == [WORLDWIDE["name"]]


# --- a national entry only matches its own country -----------------------------------------------


def test_a_national_entry_of_another_country_is_not_shown_to_us_members(
    world: WebWorld, imported: None
) -> None:
    us = discord_fields(world, MEMBER, "find", topic="domestic-abuse", country="US")
    assert BRITISH["name"] not in names(us)
    # In its own country it is a national line like the shipped one (and claims a topic more).
    gb = discord_fields(world, MEMBER, "find", topic="domestic-abuse", country="GB")
    found = names(gb)
    assert found[:2] == [BRITISH["name"], GB_LINE["name"]]  # it claims intercultural couples too
    if WORLDWIDE["name"] in found:
        assert found.index(WORLDWIDE["name"]) > found.index(GB_LINE["name"])


def test_no_country_named_means_no_national_line_of_a_chosen_country(world: WebWorld) -> None:
    """A member with no country (none given, none saved, none set for the bot) is offered what
    serves anywhere and what serves where they are, never a guess at another country."""
    answer = slack_command(world, "UMEMBER", "support find topic:domestic-abuse")
    found = answer.split(FOUND, 1)[1] if FOUND in answer else ""
    for other in ELSEWHERE:
        assert other not in found


# --- nothing crosses to the other community -------------------------------------------------------


def test_the_other_communitys_members_never_see_either_entry(
    world: WebWorld, imported: None
) -> None:
    assert {WORLDWIDE["id"], BRITISH["id"]} <= set(rows(world, "discord", GUILD_ID))
    assert rows(world, "slack", TEAM_ID) == {}
    for text in (
        "topic:domestic-abuse country:US",
        "topic:domestic-abuse country:GB",
        "topic:domestic-abuse country:JP language:ja",
        "topic:lgbtq country:CL",
        "topic:crisis",
    ):
        answer = slack_command(world, "UMEMBER", f"support find {text}")
        assert WORLDWIDE["name"] not in answer and BRITISH["name"] not in answer, text
        assert "202-555-0123" not in answer, text
