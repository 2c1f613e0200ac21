"""HSDS 3 service objects (from any reader) onto the stored directory, with the search checks.

Every reader produces the same shape: HSDS 3 service objects with nested organization,
service_at_locations (each with its location), phones, languages, schedules, cost_options and
attributes. Each object may carry `_where` (its file and row or JSON pointer) for problems."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bot.support import gazetteer
from bot.support.hsds import rules, schemas
from bot.support.hsds.problems import Problem, Where

TOPICS_TAXONOMY = "crossings-topics"
# Parent ids are given by nesting once stored, so they are not kept on nested objects.
PARENT_IDS = frozenset(
    {
        "service_id",
        "location_id",
        "organization_id",
        "service_at_location_id",
        "phone_id",
        "contact_id",
    }
)
_BYDAY = re.compile(r"^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


Row = dict[str, Any]


@dataclass
class Feed:
    """What a reader found: organizations by id and service objects, before any checks."""

    source: str
    version: str
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: list[dict[str, Any]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)  # on their own: checked only
    problems: list[Problem] = field(default_factory=list)


def where(obj: dict[str, Any], parent: Where, key: str | int | None = None) -> Where:
    got = obj.get("_where")
    if isinstance(got, Where):
        return got
    return parent.child(key) if key is not None else parent


@cache
def _kept(kind: str) -> frozenset[str]:
    return frozenset(schemas.scalar_fields(kind)) - PARENT_IDS


def scalars(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    keep = _kept(kind)
    out = {k: v for k, v in obj.items() if k in keep and v is not None and v != ""}
    if kind == "schedule" and obj.get("timezone_name"):
        out["timezone_name"] = obj["timezone_name"]
    return out


class Mapper:
    """Checks and converts one feed; `problems` collects everything found."""

    def __init__(
        self, feed: Feed, topics: dict[str, str], known_orgs: frozenset[str] = frozenset()
    ) -> None:
        self.feed = feed
        self.known_orgs = known_orgs
        self.topics = topics
        self.problems: list[Problem] = list(feed.problems)

    def run(self) -> tuple[list[Row], list[Row]]:
        """Organizations and services as column values of the directory's tables."""
        orgs: dict[str, Row] = {}
        for oid, org in self.feed.organizations.items():
            orgs[oid] = self.organization(org, where(org, Where(self.feed.source, "")))
        services: dict[str, Row] = {}
        for i, obj in enumerate(self.feed.services):
            w = where(obj, Where(self.feed.source, f"/{i}"))
            svc = self.service(obj, w, orgs)
            if svc is None:
                continue
            if svc["id"] in services:
                self.problems.append(w.at("id", svc["id"], "a second service with this id"))
            services[svc["id"]] = svc
        for i, loc in enumerate(self.feed.locations):
            self.location(loc, where(loc, Where(self.feed.source, f"/{i}")))
        return list(orgs.values()), list(services.values())

    def organization(self, org: dict[str, Any], w: Where) -> Row:
        country = None
        phones = [
            self.phone(p, where(p, w, f"phones/{i}"), country)
            for i, p in enumerate(org.get("phones") or [])
        ]
        extra = {
            k: v
            for k, v in scalars(org, "organization").items()
            if k not in ("id", "name", "description", "website", "email")
        }
        if phones:
            extra["phones"] = phones
        return {
            "id": str(org.get("id", "")),
            "name": str(org.get("name", ""))[:200],
            "description": org.get("description") or None,
            "website": org.get("website") or None,
            "email": org.get("email") or None,
            "extra": extra,
        }

    def service(self, obj: dict[str, Any], w: Where, orgs: dict[str, Row]) -> Row | None:
        org_id = self._organization_of(obj, w, orgs)
        if org_id is None:
            return None
        locations = [
            self.location(sal, where(sal, w, f"service_at_locations/{i}"))
            for i, sal in enumerate(obj.get("service_at_locations") or [])
        ]
        country = next((loc["country"] for loc in locations if loc.get("country")), None)
        country = country or _area_country(obj)
        core = scalars(obj, "service")
        extra = {k: v for k, v in core.items() if k not in _SERVICE_COLUMNS}
        costs = [scalars(c, "cost_option") for c in obj.get("cost_options") or []]
        if costs:
            extra["cost_options"] = costs
        # The countries a service without places serves (a national line): kept for search.
        areas = [scalars(a, "service_area") for a in obj.get("service_areas") or []]
        if areas:
            extra["service_areas"] = areas
        return {
            "id": str(obj.get("id", "")),
            "organization_id": org_id,
            "name": str(obj.get("name", ""))[:200],
            "description": obj.get("description") or None,
            "url": obj.get("url") or None,
            "email": obj.get("email") or None,
            "fees_description": (obj.get("fees_description") or None),
            "free": any(c.get("amount") == 0 for c in costs),
            "delivery": _delivery(locations),
            "minimum_age": _age(obj.get("minimum_age")),
            "maximum_age": _age(obj.get("maximum_age")),
            "status": str(obj.get("status") or "active"),
            "topics": self.topics_of(obj),
            "languages": self.languages(obj.get("languages"), w),
            "phones": [
                self.phone(p, where(p, w, f"phones/{i}"), country)
                for i, p in enumerate(obj.get("phones") or [])
            ],
            "schedules": self.schedules(obj.get("schedules"), w),
            "locations": locations,
            "extra": extra,
        }

    def _organization_of(self, obj: dict[str, Any], w: Where, orgs: dict[str, Row]) -> str | None:
        nested = obj.get("organization")
        if isinstance(nested, dict) and nested.get("id"):
            nested_id = str(nested["id"])
            if nested_id not in orgs:
                orgs[nested_id] = self.organization(nested, where(nested, w, "organization"))
            return nested_id
        oid = obj.get("organization_id")
        if oid and (str(oid) in orgs or str(oid) in self.known_orgs):
            return str(oid)
        why = "no such organization in the feed" if oid else "a service needs its organization"
        self.problems.append(w.at("organization_id", oid or "", why))
        return None

    def topics_of(self, obj: dict[str, Any]) -> list[str]:
        found: list[str] = []
        for attr in obj.get("attributes") or []:
            term = attr.get("taxonomy_term") or {}
            code = self.topics.get(str(term.get("code") or "")) or self.topics.get(
                str(term.get("name") or "").casefold()
            )
            if code and code not in found:
                found.append(code)
        return found

    def languages(self, items: Any, w: Where, key: str = "languages") -> list[dict[str, Any]]:
        out = []
        for i, lang in enumerate(items or []):
            lw = where(lang, w, f"{key}/{i}")
            tag = rules.language_tag(lang.get("code"), lang.get("name"))
            if tag is None:
                name = "code" if lang.get("code") else "name"
                self.problems.append(
                    lw.at(name, lang.get(name) or "", "not an ISO 639 language code or name")
                )
                continue
            out.append({**scalars(lang, "language"), "tag": tag})
        return out

    def phone(self, obj: dict[str, Any], w: Where, country: str | None) -> dict[str, Any]:
        number = str(obj.get("number") or "")
        why = rules.phone_problem(number, country)
        if why:
            self.problems.append(w.at("number", number, why))
        out = scalars(obj, "phone")
        langs = self.languages(obj.get("languages"), w)
        if langs:
            out["languages"] = langs
        return out

    def schedules(self, items: Any, w: Where) -> list[dict[str, Any]]:
        out = []
        for i, obj in enumerate(items or []):
            sw = where(obj, w, f"schedules/{i}")
            for name in ("opens_at", "closes_at"):
                value = obj.get(name)
                if value and not _TIME.match(str(value)):
                    self.problems.append(
                        sw.at(name, value, "not a time such as 09:00 or 09:00+01:00")
                    )
            days = [d.strip() for d in str(obj.get("byday") or "").upper().split(",") if d.strip()]
            bad = [d for d in days if not _BYDAY.match(d)]
            if bad:
                self.problems.append(sw.at("byday", obj.get("byday"), "use MO,TU,WE,TH,FR,SA,SU"))
            name = obj.get("timezone_name")
            if name and not rules.is_zone(str(name)):
                self.problems.append(
                    sw.at("timezone", name, "not an IANA time zone or a UTC offset in hours")
                )
            elif obj.get("timezone") is not None and (why := rules.offset_problem(obj["timezone"])):
                self.problems.append(sw.at("timezone", obj["timezone"], why))
            out.append(scalars(obj, "schedule"))
        return out

    def location(self, sal: dict[str, Any], w: Where) -> dict[str, Any]:
        loc = sal.get("location") or {}
        lw = where(loc, w, "location")
        addresses = [scalars(a, "address") for a in loc.get("addresses") or []]
        main = next((a for a in addresses if a.get("address_type") != "postal"), None) or (
            addresses[0] if addresses else {}
        )
        country = str(main.get("country") or "").upper()[:2] or None
        lat, lon, approx = self._point(loc, lw, main)
        kind = str(loc.get("location_type") or ("physical" if lat is not None else "virtual"))
        return {
            **scalars(loc, "location"),
            "addresses": addresses,
            "languages": self.languages(loc.get("languages"), lw),
            "phones": [
                self.phone(p, where(p, lw, f"phones/{i}"), country)
                for i, p in enumerate(loc.get("phones") or [])
            ],
            "schedules": self.schedules(loc.get("schedules"), lw),
            "sal": {
                **scalars(sal, "service_at_location"),
                "phones": [
                    self.phone(p, where(p, w, f"phones/{i}"), country)
                    for i, p in enumerate(sal.get("phones") or [])
                ],
                "schedules": self.schedules(sal.get("schedules"), w),
            },
            "location_type": kind,
            "city": str(main.get("city") or ""),
            "country": country or "",
            "lat": lat,
            "lon": lon,
            "approx": approx,
        }

    def _point(
        self, loc: dict[str, Any], w: Where, address: dict[str, Any]
    ) -> tuple[float | None, float | None, bool]:
        """The location's coordinates; a physical place without them is placed at its city."""
        lat, lon = loc.get("latitude"), loc.get("longitude")
        if lat is None and lon is None:
            city = gazetteer.lookup(str(address.get("city") or ""), address.get("country") or None)
            if city and loc.get("location_type") != "virtual":
                return city[0].latitude, city[0].longitude, True
            return None, None, False
        problems = []
        for name, value, limit in (("latitude", lat, 90.0), ("longitude", lon, 180.0)):
            why = (
                rules.coordinate_problem(value, limit)
                if value is not None
                else "given without its pair"
            )
            if why:
                problems.append(w.at(name, value if value is not None else "", why))
        self.problems += problems
        if problems:
            return None, None, False
        return float(lat), float(lon), False  # type: ignore[arg-type]


_SERVICE_COLUMNS = frozenset(
    {"id", "organization_id", "name", "description", "url", "email", "fees_description"}
    | {"minimum_age", "maximum_age", "status"}
)


def _age(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _delivery(locations: list[dict[str, Any]]) -> str:
    """Virtual places, or none at all, are reached remotely: shown as "online"."""
    physical = any(loc["lat"] is not None for loc in locations)
    remote = not locations or any(loc["location_type"] == "virtual" for loc in locations)
    if physical and remote:
        return "both"
    return "in_person" if physical else "online"


def _area_country(obj: dict[str, Any]) -> str | None:
    """A national service with no location: the one country its service areas name (ISO
    3166-1 alpha-2 in `extent`, or a two-letter `name`), so its national short numbers parse."""
    found = set()
    for area in obj.get("service_areas") or []:
        for value in (area.get("extent"), area.get("name")):
            if isinstance(value, str) and len(value.strip()) == 2 and value.strip().isalpha():
                found.add(value.strip().upper())
    return found.pop() if len(found) == 1 else None
