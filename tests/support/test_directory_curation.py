"""The operator's curation commands on the shipped data: `crossings directory stats` (table,
JSON and the SVG coverage map), `crossings directory check` (nothing to report on what ships;
each kind of problem found when it is there), and the export of the shipped directory as HSDS 3
JSON and CSV that re-imports unchanged and validates against the official schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.kernel.store import Store
from bot.support import coverage, directory, helplines, layers
from bot.support.hsds import schemas
from crossings.migrate import upgrade

pytestmark = pytest.mark.support

SHIPPED: list[dict[str, Any]] = json.loads(directory.DIRECTORY_DIR.read_text(encoding="utf-8"))
TODAY = "2026-12-07"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """`crossings ...` against a fresh, migrated SQLite database; returns (exit status, output)."""
    from crossings.cli import main

    store = Store(f"sqlite:///{tmp_path}/curation.db")
    upgrade(store)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", store.url)

    def run(*args: str) -> tuple[int, str]:
        status = main(list(args))
        return status, capsys.readouterr().out

    yield run
    store.dispose()


def _feed(tmp_path: Path, name: str, services: list[dict[str, Any]]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(services), encoding="utf-8")
    return path


def _service(sid: str, name: str, country: str, number: str, **extra: Any) -> dict[str, Any]:
    """An invented operator entry (tests only)."""
    return {
        "id": sid,
        "name": name,
        "status": "active",
        "organization": {"id": f"org-{sid}", "name": name, "description": "invented"},
        "phones": [{"id": f"ph-{sid}", "number": number}],
        "languages": [{"id": f"l-{sid}", "code": "en"}],
        "attributes": [
            {
                "id": f"a-{sid}",
                "taxonomy_term": {
                    "id": "t-crisis",
                    "code": "crisis",
                    "name": "crisis",
                    "description": "crisis",
                },
            }
        ],
        "service_areas": [
            {
                "id": f"area-{sid}",
                "name": country,
                "extent": country,
                "extent_type": "iso3166-1-alpha-2",
            }
        ],
        "assured_date": "2026-11-01",
        **extra,
    }


# --- stats ---------------------------------------------------------------------------------------


def test_stats_json_reports_coverage_by_country_topic_language_and_city(cli: Any) -> None:
    status, out = cli("directory", "stats", "--json")
    assert status == 0
    report = json.loads(out)
    assert report["services"] == len([s for s in SHIPPED if s["status"] == "active"])
    assert isinstance(report["countries_with_crisis_and_dv_lines"], int)
    assert report["countries_with_crisis_and_dv_lines"] == len(report["countries_with_both_lines"])
    assert sum(report["by_topic"].values()) >= report["services"]
    assert set(report["by_topic"]) == set(directory.TOPICS)
    assert report["by_language"]["en"] >= 1
    # The 25 cities of content/directory/cities.yaml, each placed by the gazetteer.
    listed = yaml.safe_load(coverage.CITIES_FILE.read_text(encoding="utf-8"))["cities"]
    assert [(c["name"], c["country"]) for c in report["cities"]] == [
        (c["name"], c["country"]) for c in listed
    ]
    assert len(report["cities"]) == 25 and all(c["found"] for c in report["cities"])
    assert report["cities_with_3_local_services"] == sum(
        c["local_services"] >= 3 for c in report["cities"]
    )
    # A local service counts for its city, as the search places it; a national line does not.
    london = next(c for c in report["cities"] if c["name"] == "London")
    in_london = {
        s["name"]
        for s in SHIPPED
        if s.get("service_at_locations") and s["service_areas"][0]["name"] == "London"
    }
    assert set(london["services"]) == in_london
    assert "National Domestic Violence Hotline" not in {
        n for c in report["cities"] for n in c["services"]
    }
    # A country counts with a national crisis line and a domestic-violence line.
    us = report["by_country"]["US"]
    assert us["crisis_line"] and us["dv_line"] and "US" in report["countries_with_both_lines"]
    for code, kinds in report["countries_missing_a_line"].items():
        assert code not in report["countries_with_both_lines"] and kinds


def test_stats_count_what_members_see_and_the_shipped_files_alone(cli: Any, tmp_path: Path) -> None:
    _, shipped = cli("directory", "stats", "--shipped", "--json")
    _, seen = cli("directory", "stats", "--json")
    assert json.loads(shipped) == json.loads(seen)
    # An operator's entry in Toronto counts for Toronto and for Canada.
    place = {
        "service_at_locations": [
            {
                "id": "sal-to",
                "location": {
                    "id": "loc-to",
                    "location_type": "physical",
                    "name": "Office",
                    "latitude": 43.70,
                    "longitude": -79.42,
                },
            }
        ]
    }
    feed = _feed(
        tmp_path, "op", [_service("to", "Toronto office", "CA", "+1 416 408 4357", **place)]
    )
    assert cli("directory", "import", str(feed))[0] == 0
    after = json.loads(cli("directory", "stats", "--json")[1])
    before = json.loads(seen)
    toronto = [next(c for c in r["cities"] if c["name"] == "Toronto") for r in (before, after)]
    assert toronto[1]["local_services"] == toronto[0]["local_services"] + 1
    assert after["by_country"]["CA"]["local"] == before["by_country"]["CA"]["local"] + 1
    assert after["services"] == before["services"] + 1


def test_stats_table_and_coverage_map(cli: Any, tmp_path: Path) -> None:
    svg = tmp_path / "coverage.svg"
    status, out = cli("directory", "stats", "--svg", str(svg))
    assert status == 0
    for title in ("Coverage", "By country", "By topic", "By language", "Member cities"):
        assert title in out
    assert "countries with a crisis line and a domestic-violence line" in out
    root = ElementTree.fromstring(svg.read_text(encoding="utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    report = json.loads(cli("directory", "stats", "--json")[1])
    discs = root.findall(f"{ns}circle[{ns}title]")
    assert len(discs) == len([c for c in report["by_country"] if c != coverage.INTERNATIONAL])
    assert len(root.findall(f"{ns}rect[{ns}title]")) == 25  # the member cities
    heading = "".join(root.itertext())
    assert f"{report['services']} services in {report['countries']} countries" in heading


def test_the_readme_map_is_drawn_from_the_shipped_data(cli: Any, tmp_path: Path) -> None:
    """docs/coverage.svg is what `make coverage-map` draws now: redraw it when the data moves."""
    fresh = tmp_path / "coverage.svg"
    assert cli("directory", "stats", "--shipped", "--svg", str(fresh))[0] == 0
    shipped = Path(__file__).resolve().parents[2] / "docs" / "coverage.svg"
    assert shipped.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")


# --- check ---------------------------------------------------------------------------------------


def test_check_finds_no_problem_in_what_ships(cli: Any) -> None:
    status, out = cli("directory", "check", "--today", TODAY, "--json")
    report = json.loads(out)
    assert report["problems"] == [] and report["ok"] is True, report["problems"][:10]
    assert status == 0
    status, out = cli("directory", "check", "--today", TODAY)
    assert status == 0 and "no problems" in out


def test_check_reports_each_kind_of_problem(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = _feed(
        tmp_path,
        "op",
        [
            _service("fine", "Crisis line", "US", "+1 800 273 8255"),
            _service("copy", "Crisis  Line", "US", "+1 800 273 8255"),  # the same, typed again
            _service("unreal", "Unreal line", "US", "+1 123 456 7890"),  # no such area code
            _service("old", "Old line", "US", "988", assured_date="2025-01-02"),
        ],
    )
    assert cli("directory", "import", str(feed))[0] == 0
    # A shipped record without its source page, and a helpline listed twice.
    unsourced = [dict(SHIPPED[0], source=""), *SHIPPED[1:]]
    monkeypatch.setattr(directory, "DIRECTORY_DIR", _feed(tmp_path, "shipped", unsourced))
    lines = helplines.all_lines()
    doubled = {**lines, "US": lines["US"] + [dict(lines["US"][0], name="Same line again")]}
    monkeypatch.setattr(helplines, "_data", lambda: {"lines": doubled})
    status, out = cli("directory", "check", "--today", TODAY, "--json")
    assert status == 1
    found = {(p["kind"], p["id"]) for p in json.loads(out)["problems"]}
    # One of the pair is the copy of the other: reported once.
    assert len({ident for kind, ident in found if kind == "duplicate"} & {"copy", "fine"}) == 1
    assert ("number", "unreal") in found and ("number", "fine") not in found
    assert ("stale", "old") in found
    assert ("source", SHIPPED[0]["id"]) in found
    assert ("duplicate", "US") in found  # the helpline's number, listed by a second line
    assert [r["id"] for r in json.loads(out)["unchecked"]] == ["old"]
    status, out = cli("directory", "check", "--today", TODAY)
    assert "number: directory [operator] unreal" in out and "problem(s)" in out


def test_check_knows_the_short_codes_confirmed_on_their_source() -> None:
    from bot.support import curation

    assert curation.number_problem("129", "ID") is None  # listed in short_codes.yaml
    assert curation.number_problem("116 123", "GB") is None
    assert curation.number_problem("88788", "US", text=True) is None  # an SMS short code
    assert curation.number_problem("1300", "TH") is None  # listed: confirmed on its source
    assert curation.number_problem("1301", "TH") is not None  # not listed, not in the metadata
    assert curation.number_problem("not a number", "US") is not None


# --- export and re-import ---------------------------------------------------------------------


def _validator() -> Draft202012Validator:
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text()), DRAFT202012))
        for p in schemas.SPEC.glob("*.json")
        if not p.name.startswith("datapackage")
    ]
    schema = json.loads((schemas.SPEC / "service.json").read_text())
    return Draft202012Validator(schema, registry=Registry().with_resources(resources))


def _rows(store_url: str, key: layers.LayerKey) -> dict[str, dict[str, Any]]:
    store = Store(store_url)
    skip = {"platform", "community_id", "added_by", "added_at", "updated_at"}
    with store.session() as s:
        rows = {x.id: x.model_dump(exclude=skip) for x in layers.services(s, key)}
    store.dispose()
    return rows


@pytest.mark.parametrize(("fmt", "name"), [("hsds-json", "out.json"), ("hsds-csv", "out")])
def test_the_shipped_directory_exports_valid_hsds_that_reimports_unchanged(
    cli: Any, tmp_path: Path, fmt: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / name
    status, report = cli(
        "directory", "export", str(out), "--layer", "shipped", "--format", fmt, "--json"
    )
    assert status == 0 and json.loads(report)["ok"] is True
    if fmt == "hsds-json":
        validator = _validator()
        docs = json.loads(out.read_text(encoding="utf-8"))
        assert len([d for d in docs if "status" in d]) == len(SHIPPED)
        for doc in docs:
            if "status" in doc:
                errors = list(validator.iter_errors(doc))
                assert not errors, (doc["id"], [e.message for e in errors[:3]])
    else:
        package = schemas.datapackage("3.0")
        for table in out.glob("*.csv"):
            header = table.read_text(encoding="utf-8").splitlines()[0].split(",")
            allowed = {f["name"] for f in package[table.name]["schema"]["fields"]}
            assert set(header) - allowed <= {"timezone_name"}, table.name
    # Imported into the operator layer, every entry is the shipped one, field for field.
    status, report = cli("directory", "import", str(out), "--json")
    assert status == 0 and len(json.loads(report)["services"]["added"]) == len(SHIPPED)
    url = str(Path(tmp_path / "curation.db"))
    assert _rows(f"sqlite:///{url}", layers.OPERATOR) == _rows(f"sqlite:///{url}", layers.SHIPPED)
    # And again: nothing changes.
    status, report = cli("directory", "import", str(out), "--json")
    services = json.loads(report)["services"]
    assert (services["added"], services["updated"], services["removed"]) == ([], [], [])
