"""What `crossings directory check` finds in the shipped and operator entries and the shipped
helplines: entries not checked for a year (or never), entries of the shipped files without a
source page, phone numbers that cannot be dialled as written, and duplicates.

A number "cannot be dialled" when phonenumbers' metadata knows no such number for the country
served: not a valid number, not a valid short code, not a European 116 number, not an SMS short
code. National short codes confirmed on their source but missing from that metadata are listed
by hand in content/directory/short_codes.yaml."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import phonenumbers
import yaml
from phonenumbers import shortnumberinfo
from sqlmodel import Session

from bot.kernel.paths import CONTENT_DIR
from bot.support import directory, helplines, layers
from bot.support.models import SupportService

SHORT_CODES_FILE = CONTENT_DIR / "directory" / "short_codes.yaml"
PHONE_KEYS = ("call", "call_alt", "text", "whatsapp")  # helpline contacts that are numbers
TEXT_KEYS = ("text", "sms")  # a helpline's text key, an HSDS phone's type
HARMONISED = re.compile(r"^116\s?\d{3}$")  # European numbers of social value


@dataclass(frozen=True)
class Problem:
    kind: str  # stale, undated, source, number, duplicate
    source: str  # directory or helplines
    layer: str  # shipped or operator
    id: str  # the service id, or the helpline's country
    name: str
    detail: str
    checked_on: str | None = None  # stale and undated entries: when last checked
    days: int | None = None  # and how many days ago

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.kind}: {self.source} [{self.layer}] {self.id}  {self.name}  {self.detail}"


@cache
def known_short_codes() -> frozenset[tuple[str, str]]:
    data = yaml.safe_load(SHORT_CODES_FILE.read_text(encoding="utf-8"))
    return frozenset((str(r["country"]).upper(), str(r["number"])) for r in data["numbers"])


def number_problem(number: str, country: str | None, *, text: bool = False) -> str | None:
    """Why `number` cannot be dialled in `country` (None: it can). `text`: an SMS line, where
    a 5-6 digit short code is a keyword number."""
    region = country.upper() if country else None
    if region and (region, number) in known_short_codes():
        return None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return f"not a phone number for {region or 'any country'}"
    if region is None:
        return None if phonenumbers.is_valid_number(parsed) else "not a valid international number"
    if phonenumbers.is_valid_number_for_region(parsed, region):
        return None  # North American toll-free numbers count for the US and Canada alike
    if shortnumberinfo.is_valid_short_number_for_region(parsed, region):
        return None
    digits = re.sub(r"\s", "", number)
    if HARMONISED.match(number) and (
        phonenumbers.is_possible_number(parsed)
        or shortnumberinfo.is_possible_short_number_for_region(parsed, region)
    ):
        return None
    if text and digits.isdigit() and 5 <= len(digits) <= 6:
        return None
    return f"not a number that can be dialled in {region}"


def _stale(
    source: str, layer: str, ident: str, name: str, checked: date | None, today: date, days: int
) -> Problem | None:
    if checked is None:
        return Problem("undated", source, layer, ident, name, "no check date")
    age = (today - checked).days
    if today - checked <= timedelta(days=days):
        return None
    detail = f"last checked {checked} ({age} days ago)"
    return Problem("stale", source, layer, ident, name, detail, checked.isoformat(), age)


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if c.isalnum() or c.isspace())
    return " ".join(kept.split())


def _service_problems(s: SupportService, layer: str, today: date, days: int) -> list[Problem]:
    found = []
    stale = _stale("directory", layer, s.id, s.name, layers.checked_on(s), today, days)
    if stale:
        found.append(stale)
    served: list[str | None] = [*sorted(directory.countries(s))] or [None]
    for phone in directory.phones(s):
        number = str(phone.get("number") or "")
        text = phone.get("type") in TEXT_KEYS
        whys = [number_problem(number, c, text=text) for c in served]
        if number and all(whys):
            found.append(
                Problem("number", "directory", layer, s.id, s.name, f"{number}: {whys[0]}")
            )
    return found


def _duplicates(services: list[tuple[str, SupportService]]) -> list[Problem]:
    """Two entries members see with the same name in the same place, or the same web page
    and first number: one of them is a copy."""
    groups: dict[tuple[str, ...], list[tuple[str, SupportService]]] = defaultdict(list)
    for layer, s in services:
        if s.status != "active":
            continue
        where = ",".join(sorted(directory.countries(s)))
        city = ",".join(sorted({str(a.get("name", "")) for a in _areas(s)}))
        groups[("name", _key(s.name), where, city)].append((layer, s))
        numbers = [str(p.get("number", "")) for p in s.phones[:1]]
        if s.url and numbers:
            groups[("contact", s.url.rstrip("/").lower(), numbers[0], city)].append((layer, s))
    found: dict[str, Problem] = {}
    for key, members in groups.items():
        for layer, s in members[1:]:
            first = members[0][1]
            what = "the same name and place" if key[0] == "name" else "the same page and number"
            found.setdefault(
                s.id,
                Problem("duplicate", "directory", layer, s.id, s.name, f"{what} as {first.id}"),
            )
    return list(found.values())


def _areas(s: SupportService) -> list[dict[str, Any]]:
    return list((s.extra or {}).get("service_areas", []))


def _missing_sources() -> list[Problem]:
    """Shipped directory entries without the page they were checked against."""
    found = []
    for record in json.loads(directory.DIRECTORY_DIR.read_text(encoding="utf-8")):
        source = str(record.get("source") or "")
        if not source.startswith(("https://", "http://")):
            ident, name = str(record.get("id", "")), str(record.get("name", ""))
            found.append(Problem("source", "directory", "shipped", ident, name, "no source page"))
    return found


def _helpline_problems(today: date, days: int) -> list[Problem]:
    found: list[Problem] = []
    for country, lines in helplines.all_lines().items():
        seen: dict[str, str] = {}
        for line in lines:
            name = str(line.get("name", ""))
            label = f"{name} ({country})"
            stale = _stale(
                "helplines", "shipped", country, label, layers.as_date(line.get("checked_on")),
                today, days,
            )  # fmt: skip
            found += [stale] if stale else []
            if not str(line.get("source") or "").startswith(("https://", "http://")):
                found.append(
                    Problem("source", "helplines", "shipped", country, label, "no source page")
                )
            found += _line_numbers(country, line, label, seen)
    return found


def _line_numbers(
    country: str, line: dict[str, Any], label: str, seen: dict[str, str]
) -> list[Problem]:
    """A helpline's numbers that cannot be dialled, and numbers another line of the country
    lists already (the fallback's shared emergency number is not a country's)."""
    if country == helplines.FALLBACK:
        return []
    found = []
    for key in PHONE_KEYS:
        number = str(line.get("contact", {}).get(key) or "")
        if not number:
            continue
        why = number_problem(number, country, text=key in TEXT_KEYS)
        if why:
            found.append(
                Problem("number", "helplines", "shipped", country, label, f"{number}: {why}")
            )
        owner = seen.setdefault(f"{key in TEXT_KEYS}:{number}", label)
        if owner != label:
            found.append(
                Problem("duplicate", "helplines", "shipped", country, label, f"{number} as {owner}")
            )
    return found


def check(session: Session, today: date, days: int = 365) -> list[Problem]:
    """Every problem in the shipped and operator layers and the shipped helplines."""
    found: list[Problem] = []
    visible: list[tuple[str, SupportService]] = []
    operator_ids = {s.id for s in layers.services(session, layers.OPERATOR)}
    for key in (layers.OPERATOR, layers.SHIPPED):
        label = layers.label(key)
        for s in layers.services(session, key):
            found += _service_problems(s, label, today, days)
            if key == layers.OPERATOR or s.id not in operator_ids:
                visible.append((label, s))  # an operator entry stands in for the shipped one
    found += _missing_sources()
    found += _duplicates(visible)
    found += _helpline_problems(today, days)
    return found
