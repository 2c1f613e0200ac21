"""Local support: import, gazetteer, ranking, privacy, helplines and the crisis pathway."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from bot.support import directory, gazetteer, helplines
from bot.support.models import SupportService
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.support

SAMPLE = directory.SAMPLE_DIR


def copy_sample(tmp_path: Path) -> Path:
    target = tmp_path / "hsds"
    shutil.copytree(SAMPLE, target)
    return target


def edit(folder: Path, table: str, row: int, column: str, value: str) -> None:
    path = folder / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        fields = list(rows[0].keys())
    rows[row][column] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_the_sample_directory_imports(app: object) -> None:
    _orgs, services = directory.read_folder(SAMPLE)
    assert len(services) >= 60
    assert len({loc["country"] for s in services for loc in s.locations}) >= 10


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("locations", "latitude", "north", "locations.csv:2: columns latitude/longitude"),
        ("locations", "longitude", "200", "locations.csv:2: columns latitude/longitude"),
        (
            "languages",
            "code",
            "klingonish",
            "languages.csv:2: column code: 'klingonish' is not an ISO 639",
        ),
        (
            "services",
            "organization_id",
            "org-999",
            "services.csv:2: column organization_id: no organization 'org-999'",
        ),
        (
            "service_at_locations",
            "location_id",
            "loc-999",
            "service_at_locations.csv:2: column location_id",
        ),
        ("services", "delivery", "carrier-pigeon", "services.csv:2: column delivery"),
    ],
)
def test_a_bad_row_is_rejected_with_its_place_and_nothing_is_written(
    tmp_path: Path, app: object, table: str, column: str, value: str, message: str
) -> None:
    folder = copy_sample(tmp_path)
    edit(folder, table, 0, column, value)
    store = app.store  # type: ignore[attr-defined]
    with store.session() as s:
        directory.import_folder(s, SAMPLE)
    with pytest.raises(directory.ImportFailed) as failed, store.session() as s:
        directory.import_folder(s, folder)
    assert any(message in e for e in failed.value.errors), failed.value.errors
    with store.session() as s:
        assert len(s.exec(select(SupportService)).all()) == 80  # the previous directory is intact


def test_export_round_trips(tmp_path: Path, app: object) -> None:
    store = app.store  # type: ignore[attr-defined]
    with store.session() as s:
        directory.import_folder(s, SAMPLE)
    with store.session() as s:
        directory.export_folder(s, tmp_path / "out")
    _orgs, services = directory.read_folder(tmp_path / "out")
    original = {s.id: s for s in directory.read_folder(SAMPLE)[1]}
    assert {s.id for s in services} == set(original)
    some = services[0]
    assert sorted(some.languages) == sorted(original[some.id].languages)
    assert some.locations[0]["lat"] == original[some.id].locations[0]["lat"]


def test_gazetteer_disambiguation_and_other_names() -> None:
    londons = {c.country for c in gazetteer.lookup("London")}
    assert {"GB", "CA"} <= londons
    assert gazetteer.lookup("London", "GB")[0].population > 1_000_000
    assert gazetteer.lookup("München")[0].name == "Munich"
    assert gazetteer.lookup("sao paulo")[0].country == "BR"  # accents optional
    assert gazetteer.lookup("Qwertyville") == []


def test_language_fit_and_ranking() -> None:
    assert directory.language_fits("pt-BR", ["pt"]) and directory.language_fits("pt", ["pt-BR"])
    assert not directory.language_fits("ja", ["en", "es"])
    _, services = directory.read_folder(SAMPLE)
    index = directory.Index(services)
    london = gazetteer.lookup("London", "GB")[0]
    q = directory.Query(
        topic="intercultural-couples",
        lat=london.latitude,
        lon=london.longitude,
        country="GB",
        languages=("ja",),
        limit=5,
    )
    results = index.search(q)
    assert results and all(directory.language_fits("ja", m.service.languages) for m in results)
    assert results[0].distance_km is not None and results[0].distance_km < 50
    assert [m.score for m in results] == sorted((m.score for m in results), reverse=True)
    far = index.search(
        directory.Query(
            topic="domestic-abuse",
            lat=london.latitude,
            lon=london.longitude,
            country="GB",
            languages=("ko",),
        )
    )
    assert all(m.service.delivery != "in_person" or (m.distance_km or 0) < 300 for m in far)


async def test_search_results_are_never_posted_in_a_channel(community: RecordingConsole) -> None:
    await community.type(
        "/as Amira", "/support location city:Tokyo", "/support languages languages:ja"
    )
    out = await community.type("/support find topic:intercultural-couples")
    assert "only Amira sees this" in out and "Tokyo" in out
    channel_posts = [
        m
        for m in community.platform.messages.values()
        if m.channel == "general" and m.author_id == "crossings-bot"
    ]
    assert channel_posts == []


async def test_support_errors_are_private_and_helpful(community: RecordingConsole) -> None:
    await community.type("/as Amira")
    assert "more than one 'London'" in await community.type("/support location city:London")
    assert "couldn't find a city" in await community.type("/support location city:Qwertyville")
    assert "not a language" in await community.type('/support languages languages:"elvish"')


def test_helplines_with_fallback() -> None:
    country, lines = helplines.for_country("es", ("abuse",))
    assert country == "ES" and any("016" in str(x["contact"]) for x in lines)
    country, lines = helplines.for_country("ZZ")
    assert country == "XX" and lines
    for code in helplines.countries():
        _, found = helplines.for_country(code)
        assert all(x.get("source", "").startswith(("https://", "http://")) for x in found)


async def test_helplines_command_works_for_anyone(community: RecordingConsole) -> None:
    await community.type("/as Visitor")
    out = await community.type("/support helplines country:DE")
    assert "TelefonSeelsorge" in out and "only Visitor sees this" in out


async def test_member_data_can_be_cleared(community: RecordingConsole) -> None:
    await community.type("/as Amira", "/support location city:Osaka")
    assert "cleared" in await community.type("/support forget")
    from bot.support.models import MemberPlace

    with community.app.store.session() as s:
        assert s.exec(select(MemberPlace)).all() == []


# --- the crisis pathway ----------------------------------------------------------------------


async def test_crisis_pathway_is_private_and_alerts_moderators(community: RecordingConsole) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators")
    await community.type("/as Amira", "/support location city:Madrid country:ES", "/in #general")
    await community.type("He took my passport and threatens to call immigration if I leave")
    dms = [m.text for m in community.platform.messages.values() if m.channel == "@amira"]
    assert any("not your fault" in t and "016" in t for t in dms)  # Spain's abuse line
    general = [
        m
        for m in community.platform.messages.values()
        if m.channel == "general" and m.author_id == "crossings-bot"
    ]
    assert general == []  # nothing public
    queue = [m.text for m in community.platform.messages.values() if m.channel == "moderators"]
    assert any("may need support" in t for t in queue)  # coercive control: an ordinary card
    # The same member is not told again within the cooldown
    await community.type("He took my passport again")
    assert (
        len(
            [
                m
                for m in community.platform.messages.values()
                if m.channel == "@amira" and "not your fault" in m.text
            ]
        )
        == 1
    )


async def test_crisis_messages_are_not_hidden_by_automod(community: RecordingConsole) -> None:
    await community.type(
        "/as Admin admin", "/settings queue #moderators", "/as Sam", "/in #general"
    )
    await community.type("kill yourself is what they told me, and now I want to kill myself")
    queue = [m.text for m in community.platform.messages.values() if m.channel == "moderators"]
    assert any("Urgent" in t for t in queue)


async def test_help_now_and_talk_to_a_moderator(community: RecordingConsole) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators", "/as Amira")
    out = await community.type("/help-now")
    assert "only Amira sees this" in out
    await community.type('/click "Talk to a moderator"')
    queue = [m.text for m in community.platform.messages.values() if m.channel == "moderators"]
    assert any("would like to talk" in t for t in queue)


async def test_an_edit_reaches_the_crisis_pathway_on_the_console(
    community: RecordingConsole,
) -> None:
    await community.type("/as Admin admin", "/settings queue #moderators", "/as Amira")
    await community.type("/in #general", "We made dumplings with my mother-in-law today")
    assert not [m for m in community.platform.messages.values() if m.channel == "@amira"]
    await community.type("/edit I want to kill myself tonight")
    assert [m for m in community.platform.messages.values() if m.channel == "@amira"]
    queue = [m.text for m in community.platform.messages.values() if m.channel == "moderators"]
    assert any("Urgent" in t for t in queue)
