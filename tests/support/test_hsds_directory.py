"""The starter directory in content/directory/services.json: valid HSDS 3 and traceable.

Each record is validated against the official HSDS 3.0 service schema, with its `$ref`s
(phone.json, language.json, ...) resolved from the schema folder on disk, never fetched. Each
record must also carry the page it was checked against and the date, and its phone numbers must
parse for the country it serves.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from phonenumbers import shortnumberinfo
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.kernel.paths import CONTENT_DIR
from bot.support import directory, gazetteer
from bot.support.curation import known_short_codes

pytestmark = pytest.mark.support

SERVICES = CONTENT_DIR / "directory" / "services.json"
REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIRS = (REPO / "bot" / "support" / "hsds" / "spec",)
SOURCE_KINDS = {"service", "operator", "government", "public-body", "directory"}
CATEGORIES = set(directory.TOPICS)
# National short codes confirmed on each record's source but missing from phonenumbers' metadata
# (and one WhatsApp contact in its pre-ninth-digit form): the list `directory check` uses.
KNOWN_UNLISTED = known_short_codes()


def _schema_dir() -> Path:
    folder = SCHEMA_DIRS[0]
    assert (folder / "service.json").is_file(), "the vendored HSDS 3 schemas are missing"
    return folder


def _validator() -> Draft202012Validator:
    folder = _schema_dir()
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT202012))
        for path in folder.glob("*.json")
    ]
    registry: Registry = Registry().with_resources(resources)
    schema = json.loads((folder / "service.json").read_text())
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def _records() -> list[dict[str, Any]]:
    data = json.loads(SERVICES.read_text(encoding="utf-8"))
    assert isinstance(data, list) and data
    return data


RECORDS = _records()


def _ids(record: dict[str, Any]) -> str:
    return str(record["id"])


@pytest.mark.parametrize("record", RECORDS, ids=_ids)
def test_each_record_validates_against_the_hsds_3_service_schema(record: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_the_validator_does_reject_a_broken_record() -> None:
    broken = dict(RECORDS[0], status="open-ish", phones=[{"number": "x"}])
    assert len(list(_validator().iter_errors(broken))) >= 2


@pytest.mark.parametrize("record", RECORDS, ids=_ids)
def test_each_record_names_its_source_and_check_date(record: dict[str, Any]) -> None:
    assert record["source"].startswith(("https://", "http://"))
    assert record["source_kind"] in SOURCE_KINDS
    for extra in record.get("other_sources", []):
        assert extra.startswith(("https://", "http://"))
    checked = dt.date.fromisoformat(record["checked_on"])
    assert checked <= dt.date.today()
    assert record["assured_date"] == record["checked_on"]  # the standard's own field agrees


@pytest.mark.parametrize("record", RECORDS, ids=_ids)
def test_each_record_serves_one_country_with_a_category(record: dict[str, Any]) -> None:
    (area,) = record["service_areas"]
    assert len(area["extent"]) == 2 and area["extent"].isupper()
    categories = {attribute["taxonomy_term"]["name"] for attribute in record["attributes"]}
    assert categories and categories <= CATEGORIES
    assert record["organization"]["name"]
    # A national line is reached by phone; a local office by phone, or by its own page or
    # e-mail where its source gives no number.
    local = "service_at_locations" in record
    assert record.get("phones") or (local and (record.get("url") or record.get("email")))


@pytest.mark.parametrize("record", RECORDS, ids=_ids)
def test_a_local_service_is_placed_in_the_city_its_area_names(record: dict[str, Any]) -> None:
    # National lines have no place; a local office has one, at its city, in its country.
    (area,) = record["service_areas"]
    for sal in record.get("service_at_locations", []):
        place = sal["location"]
        assert place["location_type"] == "physical"
        assert -90 <= place["latitude"] <= 90 and -180 <= place["longitude"] <= 180
        (city,) = gazetteer.lookup(area["name"], area["extent"])[:1]
        assert abs(city.latitude - place["latitude"]) < 0.5, area["name"]
        assert abs(city.longitude - place["longitude"]) < 0.5, area["name"]
        for address in place.get("addresses", []):
            assert address["country"] == area["extent"]
            assert address["city"] == area["name"]


@pytest.mark.parametrize("record", RECORDS, ids=_ids)
def test_each_phone_number_parses_for_the_country_served(record: dict[str, Any]) -> None:
    country = record["service_areas"][0]["extent"]
    for phone in record.get("phones", []):
        number = phone["number"]
        parsed = phonenumbers.parse(number, country)
        if (country, number) in KNOWN_UNLISTED:
            continue
        # is_valid_number_for_region, so that North American toll-free numbers (shared by the
        # US and Canada) count for either country.
        valid = phonenumbers.is_valid_number_for_region(parsed, country)
        short = shortnumberinfo.is_valid_short_number_for_region(parsed, country)
        harmonised = number.replace(" ", "").startswith("116") and len(number.replace(" ", "")) == 6
        sms = phone["type"] == "sms" and number.isdigit()
        assert valid or short or harmonised or sms, f"{country} {number}"


def test_ids_are_unique_across_every_nested_object() -> None:
    # Taxonomy terms are shared on purpose (one term, many services); every other id is unique.
    seen: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "id" in node:
                seen.append(str(node["id"]))
            for key, value in node.items():
                if key != "taxonomy_term":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(RECORDS)
    assert len(seen) == len(set(seen))


def test_the_directory_covers_twenty_countries() -> None:
    countries = {record["service_areas"][0]["extent"] for record in RECORDS}
    assert len(countries) >= 20
