"""HSDS feeds: the official examples, 3.0 JSON and tabular, 1.1 tabular, tolerance, refusals
with their place, dry run, upsert, export round trips, and place names."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.support import directory, hsds, places
from bot.support.directory import DIRECTORY_DIR as SHIPPED
from bot.support.hsds import jsonfeed, schemas
from bot.support.models import SupportOrganization, SupportService
from tests.conftest import RecordingConsole

pytestmark = pytest.mark.support

HERE = Path(__file__).parent
EXAMPLES = HERE / "fixtures" / "hsds-examples"  # Open Referral's own examples, unmodified
SAMPLE = HERE / "fixtures" / "sample"

# What each official example breaks in the standard itself (None: it imports).
BROKEN = {
    "base.json": None,
    "organization_list.json": None,
    "service_list.json": None,
    "taxonomy.json": None,
    "taxonomy_list.json": None,
    "taxonomy_term.json": None,
    "taxonomy_term_list.json": None,
    "location.json": {("latitude", "100")},
    "organization_full.json": {("latitude", "100")},
    "service_full.json": {("latitude", "100")},
    "service_at_location_full.json": {("latitude", "100")},
    "service_at_location_list.json": {("latitude", "100")},
    "csv": {
        ("latitude", "100"),
        ("organization_id", "985e4a42-bd9f-4edc-911d-0243a4640aca"),
        ("taxonomy_id", "07ff6aee-a219-438c-b694-d2fcb6c5373b"),
    },
    "tabular.json": {
        ("latitude", "100"),
        ("external_identifier", "10092008082"),
        ("organization_id", "985e4a42-bd9f-4edc-911d-0243a4640aca"),
        ("taxonomy_id", "07ff6aee-a219-438c-b694-d2fcb6c5373b"),
    },
}


def services(app: Any) -> dict[str, dict[str, Any]]:
    """The operator layer (what `crossings directory import` writes)."""
    with app.store.session() as s:
        query = select(SupportService).where(SupportService.community_id == "operator")
        return {x.id: x.model_dump() for x in s.exec(query).all()}


def organizations(app: Any) -> dict[str, dict[str, Any]]:
    with app.store.session() as s:
        query = select(SupportOrganization).where(SupportOrganization.community_id == "operator")
        return {x.id: x.model_dump() for x in s.exec(query).all()}


def run_import(app: Any, path: Path, **kw: Any) -> hsds.Changes:
    with app.store.session() as s:
        return directory.import_feed(s, path, **kw)


def refused(path: Path) -> list[hsds.Problem]:
    with pytest.raises(hsds.ImportFailed) as failed:
        hsds.load(path, directory.TOPICS)
    return failed.value.problems


def write_csv(folder: Path, name: str, text: str, bom: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # Records end in CRLF, as spreadsheets write them; "⏎" is a newline inside a quoted cell.
    data = text.strip("\n").replace("\n", "\r\n").replace("⏎", "\n") + "\r\n"
    (folder / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode())


def minimal_v3(folder: Path, bom: bool = False, **cells: str) -> Path:
    """A small 3.0 tabular feed: one organization, one service with a virtual and a physical place."""
    c = {"tz": "1", "age": "", "lang": "es", "langname": "", "number": "+34 910 000 000"} | cells
    write_csv(
        folder, "organizations.csv", "id,name,description\norg-1,Org One,An organization", bom
    )
    write_csv(
        folder,
        "services.csv",
        "id,organization_id,name,status,minimum_age,description,extra_column\n"
        f'svc-1,org-1,Legal aid,active,{c["age"]},"Line one⏎line two",ignored',
        bom,
    )
    write_csv(
        folder,
        "locations.csv",
        "id,location_type,name,latitude,longitude,url\n"
        "loc-1,physical,Madrid office,40.4168,-3.7038,\n"
        "loc-2,virtual,Video calls,,,https://meet.invalid/legal",
        bom,
    )
    write_csv(
        folder,
        "addresses.csv",
        "id,location_id,address_1,city,state_province,postal_code,country,address_type\n"
        "a-1,loc-1,Calle 1,Madrid,Madrid,28001,ES,physical",
        bom,
    )
    write_csv(
        folder,
        "service_at_location.csv",
        "id,service_id,location_id\nsal-1,svc-1,loc-1\nsal-2,svc-1,loc-2",
        bom,
    )
    write_csv(
        folder,
        "languages.csv",
        f"id,service_id,location_id,name,code\nl-1,svc-1,,{c['langname']},{c['lang']}",
        bom,
    )
    write_csv(folder, "phones.csv", f"id,location_id,number\np-1,loc-1,{c['number']}", bom)
    write_csv(
        folder,
        "schedules.csv",
        "id,service_id,freq,byday,opens_at,closes_at,valid_from,valid_to,timezone\n"
        f'h-1,svc-1,WEEKLY,"MO,TU",09:00,17:00,2020-01-01,2030-12-31,{c["tz"]}',
        bom,
    )
    write_csv(
        folder, "taxonomy_terms.csv", "id,code,name,description\nt-1,immigration-legal,Legal,Legal"
    )
    write_csv(
        folder,
        "attributes.csv",
        "id,link_id,taxonomy_term_id,link_entity\nat-1,svc-1,t-1,service",
    )
    return folder


# --- the official examples --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_every_official_example_imports_or_is_refused_for_what_it_breaks(name: str) -> None:
    expected = BROKEN[name]
    if expected is None:
        hsds.load(EXAMPLES / name, directory.TOPICS)
        return
    found = {(p.field, p.value) for p in refused(EXAMPLES / name)}
    assert found == expected


def _fixed_example(name: str, tmp_path: Path) -> Path:
    """The example with its own mistakes corrected (latitude/longitude in range, ids resolved)."""
    if name == "csv":
        target = tmp_path / "csv"
        shutil.copytree(EXAMPLES / "csv", target)
        locs = (target / "locations.csv").read_text()
        locs = locs.replace(",100,101,", ",51.5,-0.12,").replace(
            "985e4a42-bd9f-4edc-911d-0243a4640aca", "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
        )
        (target / "locations.csv").write_text(locs)
        (target / "taxonomies.csv").write_text(
            (target / "taxonomies.csv")
            .read_text()
            .replace("5c4d79d7-cc55-470e-9f1f-8cad074e4892", "07ff6aee-a219-438c-b694-d2fcb6c5373b")
        )
        return target
    text = (EXAMPLES / name).read_text()
    text = text.replace('"latitude": 100', '"latitude": 51.5')
    text = text.replace('"longitude": 101', '"longitude": -0.12')
    (tmp_path / name).write_text(text)
    return tmp_path / name


@pytest.mark.parametrize(
    "name",
    [
        "csv",
        "service_full.json",
        "organization_full.json",
        "service_at_location_full.json",
        "service_list.json",
        "service_at_location_list.json",
    ],
)
@pytest.mark.parametrize("fmt", ["hsds-json", "hsds-csv"])
def test_corrected_examples_export_valid_hsds_that_round_trips(
    name: str, fmt: str, tmp_path: Path, app: Any
) -> None:
    run_import(app, _fixed_example(name, tmp_path))
    before_services, before_orgs = services(app), organizations(app)
    assert before_services
    out = tmp_path / ("out.json" if fmt == "hsds-json" else "out")
    with app.store.session() as s:
        assert directory.export(s, out, fmt) == []  # type: ignore[arg-type]
    with app.store.session() as s:
        s.exec(select(SupportService)).all()
    run_import(app, out)
    assert services(app) == before_services
    assert organizations(app) == before_orgs


def test_exported_json_validates_against_the_official_schema_files(
    tmp_path: Path, app: Any
) -> None:
    import jsonschema
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    run_import(app, _fixed_example("service_full.json", tmp_path))
    with app.store.session() as s:
        directory.export(s, tmp_path / "out.json", "hsds-json")
    registry = Registry().with_resources(
        (f"https://x.invalid/{p.name}", DRAFT202012.create_resource(json.loads(p.read_text())))
        for p in schemas.SPEC.glob("*.json")
        if not p.name.startswith("datapackage")
    )
    schema = {
        "$id": "https://x.invalid/service.json",
        **json.loads((schemas.SPEC / "service.json").read_text()),
    }
    for doc in json.loads((tmp_path / "out.json").read_text()):
        jsonschema.Draft202012Validator(schema, registry=registry).validate(doc)


# --- HSDS 3 tabular and JSON -----------------------------------------------------------------


def test_tabular_feed_with_bom_crlf_quoted_newlines_and_extra_columns(
    tmp_path: Path, app: Any
) -> None:
    run_import(app, minimal_v3(tmp_path / "feed", bom=True))
    svc = services(app)["svc-1"]
    assert svc["description"] == "Line one\nline two"
    assert svc["topics"] == ["immigration-legal"] and svc["delivery"] == "both"
    assert [loc["location_type"] for loc in svc["locations"]] == ["physical", "virtual"]


def test_a_minimum_age_written_as_16_point_0_is_read(tmp_path: Path) -> None:
    _, found = hsds.load(minimal_v3(tmp_path / "feed", age="16.0"), directory.TOPICS)
    assert found[0].minimum_age == 16


def test_a_language_given_by_name_only_is_read(tmp_path: Path) -> None:
    _, found = hsds.load(minimal_v3(tmp_path / "f", lang="", langname="Tagalog"), directory.TOPICS)
    assert directory.language_tags(found[0]) == ["tl"]


def test_an_unknown_language_is_refused_at_its_row(tmp_path: Path) -> None:
    problems = refused(minimal_v3(tmp_path / "f", lang="", langname="Qwertyish"))
    assert [(p.file, p.place, p.field) for p in problems] == [("languages.csv", "row 2", "name")]


def test_a_mars_time_zone_is_refused_and_an_iana_zone_is_read(tmp_path: Path) -> None:
    problems = refused(minimal_v3(tmp_path / "bad", tz="Mars/Olympus"))
    assert [(p.file, p.place, p.field, p.value) for p in problems] == [
        ("schedules.csv", "row 2", "timezone", "Mars/Olympus")
    ]
    _, found = hsds.load(minimal_v3(tmp_path / "ok", tz="Europe/Madrid"), directory.TOPICS)
    monday_10_madrid = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Madrid
    assert directory.is_open(found[0], monday_10_madrid)
    assert not directory.is_open(found[0], datetime(2026, 3, 4, 9, 0, tzinfo=UTC))  # Wednesday


def test_a_phone_on_a_location_is_parsed_for_its_country(tmp_path: Path) -> None:
    _, found = hsds.load(minimal_v3(tmp_path / "ok", number="910 000 000"), directory.TOPICS)
    assert directory.phones(found[0])[0]["number"] == "910 000 000"  # Spanish, from the address
    problems = refused(minimal_v3(tmp_path / "bad", number="12"))
    assert [(p.file, p.field, p.value) for p in problems] == [("phones.csv", "number", "12")]


def test_a_json_feed_names_each_problem_by_json_pointer(tmp_path: Path) -> None:
    doc = {
        "id": "s1",
        "name": "Family line",
        "status": "open all day",
        "organization": {"id": "o1", "name": "Org", "description": "d"},
        "service_at_locations": [
            {
                "id": "sal",
                "location": {
                    "id": "l1",
                    "location_type": "physical",
                    "latitude": 95,
                    "longitude": 2,
                },
            }
        ],
        "schedules": [{"id": "h", "timezone": "Mars/Olympus"}],
    }
    (tmp_path / "feed.json").write_text(json.dumps(doc))
    found = {(p.place, p.field, p.value) for p in refused(tmp_path / "feed.json")}
    assert found == {
        ("/", "status", "open all day"),
        ("/service_at_locations/0/location", "latitude", "95"),
        ("/schedules/0", "timezone", "Mars/Olympus"),
    }


def test_a_folder_of_json_service_objects_is_one_feed(tmp_path: Path, app: Any) -> None:
    for i in range(3):
        doc = {
            "id": f"s{i}",
            "name": f"Online group {i}",
            "status": "active",
            "organization": {"id": "o1", "name": "Org", "description": "d"},
            "languages": [{"id": f"l{i}", "name": "Japanese"}],
            "phones": [{"id": f"p{i}", "number": "+81 3-1234-5678"}],
        }
        (tmp_path / f"s{i}.json").write_text(json.dumps(doc), encoding="utf-8-sig")
    run_import(app, tmp_path)
    assert sorted(services(app)) == ["s0", "s1", "s2"]


# --- HSDS 1.1 --------------------------------------------------------------------------------


def v11_feed(folder: Path) -> Path:
    write_csv(
        folder, "organizations.csv", "id,name,description,url\no1,Org,desc,https://org.invalid"
    )
    write_csv(
        folder, "services.csv", "id,organization_id,name,status\ns1,o1,Couples counselling,active"
    )
    write_csv(
        folder,
        "locations.csv",
        "id,organization_id,name,latitude,longitude\nl1,o1,Lisbon,38.72,-9.14\nl2,o1,Anywhere,,",
    )
    write_csv(folder, "services_at_location.csv", "id,service_id,location_id\nsl1,s1,l1\nsl2,s1,l2")
    write_csv(
        folder,
        "phones.csv",
        "id,location_id,number,type,language\np1,l1,213 000 000,voice,Portuguese",
    )
    write_csv(
        folder,
        "physical_addresses.csv",
        "id,location_id,address_1,city,state_province,postal_code,country\na1,l1,Rua 1,Lisboa,Lisboa,1000-001,PT",
    )
    write_csv(folder, "languages.csv", "id,service_id,language\nla1,s1,pt\nla2,s1,English")
    write_csv(
        folder,
        "regular_schedules.csv",
        "id,service_id,weekday,opens_at,closes_at\nr1,s1,1,09:00,17:00",
    )
    write_csv(folder, "taxonomy.csv", "id,name\ntx1,intercultural-couples")
    write_csv(folder, "services_taxonomy.csv", "id,service_id,taxonomy_id\nst1,s1,tx1")
    return folder


def test_an_hsds_1_1_feed_with_location_phones_and_no_coordinates_imports(
    tmp_path: Path, app: Any
) -> None:
    run_import(app, v11_feed(tmp_path / "v11"))
    svc = services(app)["s1"]
    assert svc["topics"] == ["intercultural-couples"]
    assert svc["locations"][0]["country"] == "PT" and svc["locations"][1]["lat"] is None
    assert svc["schedules"][0]["byday"] == "MO" and svc["schedules"][0]["freq"] == "WEEKLY"
    assert sorted(directory.language_tags(SupportService(**svc))) == ["en", "pt"]
    assert organizations(app)["o1"]["website"] == "https://org.invalid"


def test_an_hsds_1_1_feed_exports_as_hsds_3_and_round_trips(tmp_path: Path, app: Any) -> None:
    run_import(app, v11_feed(tmp_path / "v11"))
    before = services(app)
    with app.store.session() as s:
        assert directory.export(s, tmp_path / "out", "hsds-csv") == []
    assert (tmp_path / "out" / "service_at_location.csv").exists()
    run_import(app, tmp_path / "out")
    assert services(app) == before


def test_an_hsds_1_1_row_missing_a_required_column_is_refused(tmp_path: Path) -> None:
    folder = v11_feed(tmp_path / "v11")
    write_csv(folder, "services.csv", "id,organization_id,name,status\ns1,o1,Counselling,")
    assert [(p.file, p.place, p.field) for p in refused(folder)] == [
        ("services.csv", "row 2", "status")
    ]


# --- import modes ----------------------------------------------------------------------------


def test_all_or_nothing_keeps_the_previous_directory(tmp_path: Path, app: Any) -> None:
    run_import(app, SAMPLE)
    with pytest.raises(hsds.ImportFailed):
        run_import(app, minimal_v3(tmp_path / "bad", tz="Mars/Olympus"))
    assert len(services(app)) == 80


def test_dry_run_reports_added_updated_removed_and_writes_nothing(tmp_path: Path, app: Any) -> None:
    run_import(app, minimal_v3(tmp_path / "one"))
    second = minimal_v3(tmp_path / "two", age="18")
    (second / "services.csv").write_text(
        (second / "services.csv").read_text() + "svc-2,org-1,New service,active,,,\r\n"
    )
    before = services(app)
    changes = run_import(app, second, dry_run=True)
    assert (changes.added, changes.updated, changes.removed) == (["svc-2"], ["svc-1"], [])
    assert services(app) == before
    run_import(app, SAMPLE)
    changes = run_import(app, minimal_v3(tmp_path / "three"), dry_run=True)
    assert changes.added == ["svc-1"] and len(changes.removed) == 80


def test_upsert_updates_by_id_and_keeps_what_the_feed_does_not_mention(
    tmp_path: Path, app: Any
) -> None:
    run_import(app, SAMPLE)
    part = minimal_v3(tmp_path / "part", age="21")
    changes = run_import(app, part, mode="upsert")
    assert changes.added == ["svc-1"] and changes.removed == []
    assert len(services(app)) == 81
    run_import(app, minimal_v3(tmp_path / "again", age="30"), mode="upsert")
    assert services(app)["svc-1"]["minimum_age"] == 30 and len(services(app)) == 81
    run_import(app, part)  # replace: the directory becomes the feed
    assert list(services(app)) == ["svc-1"]


def test_the_cli_prints_json_problems_dry_run_changes_and_exports(
    tmp_path: Path, app: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crossings.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", app.store.url)
    bad = minimal_v3(tmp_path / "bad", tz="Mars/Olympus")
    assert main(["directory", "import", str(bad), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == [
        {
            "file": "schedules.csv",
            "place": "row 2",
            "field": "timezone",
            "value": "Mars/Olympus",
            "why": "not an IANA time zone or a UTC offset in hours",
        }
    ]
    ok = minimal_v3(tmp_path / "ok")
    assert main(["directory", "import", str(ok), "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["services"]["added"] == ["svc-1"] and services(app) == {}
    assert main(["directory", "import", str(ok)]) == 0
    assert "1 added" in capsys.readouterr().out and list(services(app)) == ["svc-1"]
    out = tmp_path / "export.json"
    layer = ["--layer", "operator"]
    assert main(["directory", "export", str(out), "--format", "hsds-json", "--json", *layer]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert [d["id"] for d in json.loads(out.read_text())] == ["svc-1"]
    # By default: what a community with no entries of its own sees, the shipped ones too.
    assert main(["directory", "export", str(out), "--format", "hsds-json", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    every = [d["id"] for d in json.loads(out.read_text())]
    assert "svc-1" in every and len(every) == 1 + len(json.loads(SHIPPED.read_text()))


def test_a_feed_in_parts_may_name_an_organization_stored_by_an_earlier_part(
    tmp_path: Path, app: Any
) -> None:
    run_import(app, minimal_v3(tmp_path / "first"))
    doc = {"id": "svc-9", "name": "Later part", "status": "active", "organization_id": "org-1"}
    (tmp_path / "part.json").write_text(json.dumps([doc]))
    with pytest.raises(hsds.ImportFailed):
        run_import(app, tmp_path / "part.json")  # replace: the organization must be in the feed
    run_import(app, tmp_path / "part.json", mode="upsert")
    assert sorted(services(app)) == ["svc-1", "svc-9"]


# --- search over HSDS data -------------------------------------------------------------------


def test_a_virtual_service_is_found_by_language_and_topic_and_shown_online(tmp_path: Path) -> None:
    doc = {
        "id": "s1",
        "name": "Video legal clinic",
        "status": "active",
        "organization": {"id": "o1", "name": "Org", "description": "d"},
        "languages": [{"id": "l", "code": "ko"}],
        "attributes": [
            {
                "id": "a",
                "taxonomy_term": {
                    "id": "t",
                    "code": "immigration-legal",
                    "name": "n",
                    "description": "d",
                },
            }
        ],
        "service_at_locations": [
            {
                "id": "sal",
                "location": {"id": "v", "location_type": "virtual", "url": "https://v.invalid"},
            }
        ],
    }
    (tmp_path / "f.json").write_text(json.dumps(doc))
    _, found = hsds.load(tmp_path / "f.json", directory.TOPICS)
    index = directory.Index(found)
    hits = index.search(
        directory.Query(
            topic="immigration-legal", lat=35.7, lon=139.7, country="JP", languages=("ko",)
        )
    )
    assert [m.service.id for m in hits] == ["s1"] and hits[0].distance_km is None
    assert hits[0].reasons[0] == "online"


def test_inactive_services_are_not_shown(tmp_path: Path) -> None:
    folder = minimal_v3(tmp_path / "f")
    (folder / "services.csv").write_text(
        (folder / "services.csv").read_text().replace(",active,", ",defunct,")
    )
    _, found = hsds.load(folder, directory.TOPICS)
    assert (
        directory.Index(found).search(directory.Query(topic="immigration-legal", languages=("es",)))
        == []
    )


def test_monthly_schedules_and_validity_dates() -> None:
    svc = SupportService(
        id="s",
        organization_id="o",
        name="n",
        schedules=[
            {
                "freq": "MONTHLY",
                "byday": "2MO",
                "opens_at": "18:00",
                "closes_at": "20:00",
                "timezone": 0,
                "valid_from": "2026-01-01",
                "valid_to": "2026-12-31",
            }
        ],
    )
    assert directory.is_open(svc, datetime(2026, 3, 9, 19, tzinfo=UTC))  # 2nd Monday of March
    assert not directory.is_open(svc, datetime(2026, 3, 2, 19, tzinfo=UTC))  # 1st Monday
    assert not directory.is_open(svc, datetime(2027, 3, 8, 19, tzinfo=UTC))  # after valid_to


# --- the shipped directory and place names -----------------------------------------------------


def test_the_shipped_directory_loads_and_holds_no_invented_entries() -> None:
    orgs, found = hsds.load(directory.DIRECTORY_DIR, directory.TOPICS)
    text = json.dumps([s.model_dump() for s in found] + [o.model_dump() for o in orgs])
    assert "SAMPLE" not in text and "example.org" not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Madrid, ES", ("Madrid", "ES")),
        ("Madrid, Spain", ("Madrid", "ES")),
        ("madrid,  españa", ("madrid", "ES")),
        ("London, Canada", ("London", "CA")),
        ("Washington, D.C.", ("Washington, D.C.", None)),
    ],
)
def test_place_names_with_a_country_code_or_name(
    text: str, expected: tuple[str, str | None]
) -> None:
    assert places.split_place(text) == expected


async def test_find_takes_a_country_and_refuses_options_it_does_not_have(
    community: RecordingConsole,
) -> None:
    with community.app.store.session() as s:
        directory.import_feed(s, SAMPLE)
    await community.type("/as Amira")
    out = await community.type('/support find topic:domestic-abuse city:"Madrid, ES"')
    assert "couldn't find" not in out and "Support that may fit" in out
    out = await community.type("/support find topic:domestic-abuse city:Madrid country:Spain")
    assert "Support that may fit" in out
    assert "Helplines (JP)" in await community.type("/support helplines country:Japan")
    assert "don't know a country" in await community.type("/support helplines country:Atlantis")
    out = await community.type("/support helplines country:ES colour:blue")
    assert "no option 'colour'" in out and "options are: country" in out


async def test_an_ambiguous_city_is_offered_as_a_choice_that_runs_the_search(
    community: RecordingConsole,
) -> None:
    with community.app.store.session() as s:
        directory.import_feed(s, SAMPLE)
    await community.type("/as Amira")
    out = await community.type("/support find topic:intercultural-couples city:London")
    assert "London, United Kingdom | London, Canada" in out
    out = await community.type('/click "London, Canada"')
    assert "Support that may fit" in out or "couldn't find a match" in out
    out = await community.type("/support location city:London")
    await community.type('/click "London, United Kingdom"')
    assert "Saved: London, GB" in community.output


def test_the_schemas_are_vendored_and_resolve_offline() -> None:
    assert schemas.validator("service").is_valid({"id": "x", "name": "n", "status": "active"})
    assert not schemas.validator("service").is_valid(
        {"id": "x", "name": "n", "status": "active", "phones": [{"id": "p"}]}
    )  # the nested phone needs its number: sibling $refs resolve from the vendored files
    assert jsonfeed.kind_of({"id": "x", "location_type": "virtual"}) == "location"
    assert jsonfeed.kind_of({"id": "x", "name": "n", "organization_id": "o"}) == "service"


@pytest.mark.parametrize(
    "row",
    [
        {"id": "s", "name": "n", "status": "active", "minimum_age": 16.0},
        {"id": "s", "name": "n", "status": "closed"},
        {"id": "s", "name": 5, "status": "active"},
        {"id": "s", "name": "n", "status": "active", "email": "not-an-address"},
        {"id": "s", "name": "n", "status": "active", "email": "a@b.invalid", "x-extra": [1]},
        {"id": "s", "name": "n", "status": "active", "minimum_age": "16"},
        {"id": "s", "name": "n", "status": "active", "phones": [{"id": "p"}]},
        {"id": "s", "name": "n", "status": "active", "minimum_age": True},
    ],
)
def test_the_fast_row_check_never_accepts_what_jsonschema_refuses(row: dict[str, Any]) -> None:
    valid = schemas.validator("service").is_valid(row)
    assert schemas.flat_row_is_valid(row, "service") is False or valid
    assert (schemas.check_row(row, "service", hsds.problems.Where("f", "row 2")) == []) == valid


@pytest.mark.parametrize("fmt", ["hsds-json", "hsds-csv"])
def test_a_named_time_zone_survives_export_and_import(fmt: str, tmp_path: Path, app: Any) -> None:
    run_import(app, minimal_v3(tmp_path / "feed", tz="Europe/Madrid", lang="", langname="Spanish"))
    before = services(app)
    out = tmp_path / ("out.json" if fmt == "hsds-json" else "out")
    with app.store.session() as s:
        assert directory.export(s, out, fmt) == []  # type: ignore[arg-type]
    run_import(app, out)
    assert services(app) == before
    assert before["svc-1"]["schedules"][0]["timezone_name"] == "Europe/Madrid"
