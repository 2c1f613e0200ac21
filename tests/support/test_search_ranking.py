"""Search that ranks like a person would, through the console community and the shipped
directory: a place name that belongs to one city needs no question, "Paris, TX" still works,
the member's country gives its national lines first, the member's languages raise a service
without hiding the others, and "nothing nearby" says so and lists the nearest places and the
national lines."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.support import directory, gazetteer, places
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.support

SHIPPED: list[dict[str, Any]] = json.loads(directory.DIRECTORY_DIR.read_text(encoding="utf-8"))
# A result line: "Name: 3 km · languages · fees" (a national line reads "online" instead).
LOCAL = re.compile(r"^\s+(.+): \d+ km · ", re.MULTILINE)
RESULT = re.compile(r"^\s+(.+): (?:\d+ km|online) · ", re.MULTILINE)


def _results(out: str) -> list[str]:
    assert "Support that may fit" in out, out
    return RESULT.findall(out.split("Support that may fit", 1)[1])


def _feed(tmp_path: Path, services: list[dict[str, Any]]) -> Path:
    path = tmp_path / "operator.json"
    path.write_text(json.dumps(services), encoding="utf-8")
    return path


def _service(sid: str, name: str, topic: str, language: str, **extra: Any) -> dict[str, Any]:
    """An invented operator entry (tests only), reached online unless `extra` places it."""
    return {
        "id": sid,
        "name": name,
        "status": "active",
        "organization": {"id": f"org-{sid}", "name": name, "description": "invented"},
        "languages": [{"id": f"lang-{sid}", "code": language}],
        "attributes": [
            {
                "id": f"attr-{sid}",
                "taxonomy_term": {
                    "id": f"term-{topic}",
                    "code": topic,
                    "name": topic,
                    "description": topic,
                },
            }
        ],
        "assured_date": "2026-12-01",
        **extra,
    }


def _import(community: RecordingConsole, path: Path) -> None:
    with community.app.store.session() as s:
        directory.import_feed(s, path)


# --- place names -------------------------------------------------------------------------------


async def test_berlin_resolves_to_germany_without_a_question(community: RecordingConsole) -> None:
    await community.type("/as Amira")
    out = await community.type("/support location city:Berlin")
    assert "Saved: Berlin, DE" in out and "more than one" not in out
    out = await community.type("/support find topic:domestic-abuse city:Berlin language:de")
    assert "more than one" not in out
    assert "BIG Hotline – Berliner Hilfetelefon bei häuslicher Gewalt" in LOCAL.findall(out)


async def test_paris_is_paris_france_and_paris_tx_still_works(community: RecordingConsole) -> None:
    await community.type("/as Amira")
    assert "Saved: Paris, FR" in await community.type("/support location city:Paris")
    assert "Saved: Paris, US" in await community.type('/support location city:"Paris, TX"')
    (saved,) = gazetteer.lookup("Paris", "US", "TX")[:1]
    assert saved.region == "TX" and abs(saved.longitude + 95.55) < 0.5  # Paris, Texas
    assert "Saved: Paris, US" in await community.type('/support location city:"Paris, Texas"')
    # A state that has no city of the name is no match, never a guess elsewhere.
    assert "couldn't find a city" in await community.type('/support location city:"Paris, AK"')


async def test_a_shared_name_asks_unless_the_members_own_country_has_it(
    community: RecordingConsole,
) -> None:
    await community.type("/as Amira")
    assert "more than one 'London'" in await community.type("/support location city:London")
    await community.type("/support location city:Toronto")
    assert "Saved: London, CA" in await community.type("/support location city:London")
    await community.type('/support location city:"Leeds, GB"')
    assert "Saved: London, GB" in await community.type("/support location city:London")


def test_a_name_dominates_only_over_small_towns() -> None:
    berlin = places.cities("Berlin", None)
    assert len({c.country for c in berlin}) > 1  # the name is shared...
    assert places.most_likely(berlin, None).country == "DE"  # type: ignore[union-attr]
    assert places.most_likely(places.cities("London", None), None) is None  # ...London asks
    assert places.most_likely(places.cities("London", None), "CA").country == "CA"  # type: ignore[union-attr]
    assert places.split_region("Portland, Oregon") == ("Portland", "US", "OR")
    assert places.split_region("Madrid, ES") == ("Madrid", "ES", None)


# --- the member's country, then their languages ------------------------------------------------


async def test_a_us_members_domestic_abuse_search_lists_the_us_line_first(
    community: RecordingConsole,
) -> None:
    await community.type(
        "/as Amira", '/support location city:"New York"', "/support languages languages:es"
    )
    out = await community.type("/support find topic:domestic-abuse")
    found = _results(out)
    assert found[0] == "National Domestic Violence Hotline", found
    assert "serves your country" in out
    # The member's city is still served: local services follow the national line.
    assert len(LOCAL.findall(out)) >= 3
    # For a topic that is not a helpline's, nearness ranks first.
    out = await community.type("/support find topic:immigration-legal")
    assert _results(out)[0] in LOCAL.findall(out)


async def test_online_services_in_the_members_language_rank_above_the_others(
    community: RecordingConsole, tmp_path: Path
) -> None:
    _import(
        community,
        _feed(
            tmp_path,
            [
                _service(
                    "online-en", "Bilingual parenting circle (English)", "parenting-bilingual", "en"
                ),
                _service(
                    "online-ja",
                    "Bilingual parenting circle (Japanese)",
                    "parenting-bilingual",
                    "ja",
                ),
            ],
        ),
    )
    await community.type("/as Amira", "/support languages languages:ja")
    out = await community.type("/support find topic:parenting-bilingual online:true")
    assert _results(out)[:2] == [
        "Bilingual parenting circle (Japanese)",
        "Bilingual parenting circle (English)",  # not hidden: ranked below
    ]
    assert out.count("speaks your language") == 1
    await community.type("/support languages languages:en")
    out = await community.type("/support find topic:parenting-bilingual online:true")
    assert _results(out)[:2] == [
        "Bilingual parenting circle (English)",
        "Bilingual parenting circle (Japanese)",
    ]


# --- nothing nearby ------------------------------------------------------------------------------


async def test_nothing_nearby_says_so_and_lists_the_nearest_places_and_national_lines(
    community: RecordingConsole, tmp_path: Path
) -> None:
    place = {
        "service_at_locations": [
            {
                "id": "sal-ba",
                "location": {
                    "id": "loc-ba",
                    "location_type": "physical",
                    "name": "Office",
                    "latitude": -34.61,
                    "longitude": -58.38,
                },
            }
        ],
        "service_areas": [
            {
                "id": "area-ba",
                "name": "Buenos Aires",
                "extent": "AR",
                "extent_type": "iso3166-1-alpha-2",
            }
        ],
    }
    _import(
        community,
        _feed(
            tmp_path,
            [_service("ba", "Familias bilingües BA", "parenting-bilingual", "es", **place)],
        ),
    )
    await community.type("/as Amira")
    out = await community.type('/support find topic:parenting-bilingual city:"Ushuaia, AR"')
    assert "Nothing for this is listed within 300 km of Ushuaia" in out
    entry = out.split("Familias bilingües BA", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"\d{3,4} km away, in Buenos Aires", entry), entry
    assert "the nearest listed" in entry and "close to you" not in entry
    # Then Argentina's own lines, as `/support helplines country:AR` lists them.
    helplines = await community.type("/support helplines country:AR")
    first_line = helplines.split("Helplines (AR)", 1)[1].split(":", 1)[0].strip()
    assert first_line and first_line in out


# --- the acceptance search in Madrid -------------------------------------------------------------


def _madrid_intercultural_entries() -> list[str]:
    madrid = gazetteer.lookup("Madrid", "ES")[0]
    found = []
    for record in SHIPPED:
        topics = {a["taxonomy_term"].get("code") for a in record.get("attributes", [])}
        for sal in record.get("service_at_locations", []):
            loc = sal["location"]
            far = gazetteer.distance_km(
                madrid.latitude, madrid.longitude, loc["latitude"], loc["longitude"]
            )
            if "intercultural-couples" in topics and far <= directory.NEAR_KM:
                found.append(record["name"])
    return found


@pytest.mark.xfail(
    not _madrid_intercultural_entries(),
    reason="the shipped directory has no intercultural-couples service near Madrid yet",
    strict=True,
)
async def test_a_member_in_madrid_finds_local_intercultural_counselling_in_spanish(
    community: RecordingConsole,
) -> None:
    await community.type("/as Amira", "/support location city:Madrid")
    out = await community.type("/support find topic:intercultural-couples language:es")
    local = LOCAL.findall(out)
    assert local, out
    assert "works with intercultural couples" in out.split(local[0], 1)[1]
