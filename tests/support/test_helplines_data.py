"""The helpline data itself: every entry traceable to a source and every number dialable.

A wrong crisis number is worse than none, so these checks run over the shipped file, not a
fixture: an entry without its source and date, or a number that does not parse for its
country, fails here before it can reach a member.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import phonenumbers
import pytest
from phonenumbers import shortnumberinfo

from bot.kernel.paths import CONTENT_DIR
from bot.support import helplines
from bot.support.curation import known_short_codes

pytestmark = pytest.mark.support

PHONE_KEYS = ("call", "call_alt", "text", "whatsapp")
SOURCE_KINDS = {"service", "operator", "government", "public-body", "directory"}
TOPICS = {"crisis", "suicide", "abuse", "domestic-abuse", "immigrant"}

# National short codes confirmed on the entry's source page but absent from the metadata of the
# pinned phonenumbers release: the list `crossings directory check` uses, which the directory's
# entries share.
KNOWN_SHORT_CODES = known_short_codes() - {("BR", "(61) 9610-0180")}
# WhatsApp contacts published in a form that predates the ninth mobile digit; messages only.
KNOWN_MESSAGE_ONLY = {("BR", "(61) 9610-0180")}
# European harmonised numbers of social value (116 xxx) that the metadata may not list yet.
HARMONISED = re.compile(r"^116\s?\d{3}$")


def _entries() -> list[tuple[str, dict[str, Any]]]:
    data = helplines.all_lines()
    return [(country, line) for country, lines in data.items() for line in lines]


def _numbers() -> list[tuple[str, str, str]]:
    return [
        (country, key, str(line["contact"][key]))
        for country, line in _entries()
        for key in PHONE_KEYS
        if key in line["contact"]
    ]


def test_the_data_covers_many_countries_each_with_a_crisis_or_abuse_line() -> None:
    countries = helplines.countries()
    assert len(countries) >= 30
    for country in countries:
        _, lines = helplines.for_country(country)
        assert any(set(line["topics"]) & {"crisis", "abuse"} for line in lines), country


@pytest.mark.parametrize(("country", "line"), _entries(), ids=lambda v: str(v)[:30])
def test_every_entry_names_its_source_and_when_it_was_checked(
    country: str, line: dict[str, Any]
) -> None:
    assert line["source"].startswith(("https://", "http://")), line["name"]
    assert line["source_kind"] in SOURCE_KINDS, line["name"]
    checked = line["checked_on"]
    assert isinstance(checked, dt.date), f"{line['name']}: checked_on must be a date"
    assert checked <= dt.date.today()
    assert set(line["topics"]) <= TOPICS and line["topics"], line["name"]
    assert line["languages"] and line["hours"] and line["contact"], line["name"]
    if "area" in line:  # a regional line names its region, and the name shows it to members
        assert isinstance(line["area"], str) and line["area"] in line["name"], line["name"]


@pytest.mark.parametrize(("country", "key", "number"), _numbers(), ids=str)
def test_every_number_parses_for_its_country(country: str, key: str, number: str) -> None:
    if country == helplines.FALLBACK:
        # The fallback is the shared emergency number; it must be one across Europe.
        assert all(
            shortnumberinfo.is_emergency_number(number, region)
            for region in ("DE", "FR", "ES", "IT", "IE", "PL")
        )
        return
    parsed = phonenumbers.parse(number, country)
    if (country, number) in KNOWN_SHORT_CODES | KNOWN_MESSAGE_ONLY:
        return
    if HARMONISED.match(number):
        # Some national plans list 116 numbers as short codes (CZ, LT, EE, LV), others not.
        possible_short = shortnumberinfo.is_possible_short_number_for_region(parsed, country)
        assert phonenumbers.is_possible_number(parsed) or possible_short, number
        return
    valid = phonenumbers.is_valid_number_for_region(parsed, country)
    short = shortnumberinfo.is_valid_short_number_for_region(parsed, country)
    sms_short_code = key == "text" and number.isdigit() and 5 <= len(number) <= 6
    assert valid or short or sms_short_code, f"{country} {key} {number}"


def test_the_known_exceptions_are_still_in_the_data() -> None:
    # An exception whose number has left the data must leave the allow-list too.
    present = {(country, number) for country, _, number in _numbers()}
    shipped = json.loads((CONTENT_DIR / "directory" / "services.json").read_text(encoding="utf-8"))
    present |= {
        (record["service_areas"][0]["extent"], phone["number"])
        for record in shipped
        for phone in record.get("phones", [])
    }
    assert present >= KNOWN_SHORT_CODES | KNOWN_MESSAGE_ONLY


def test_notes_reach_the_member_facing_fields() -> None:
    _, lines = helplines.for_country("JP")
    fields = helplines.as_fields(lines)
    assert any("Press 2" in field.value for field in fields)
    assert all(field.value for field in fields)
