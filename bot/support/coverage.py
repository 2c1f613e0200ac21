"""How much of the world the directory covers: what `crossings directory stats` reports so an
operator sees the holes. Services by country, topic and language; the countries with both a
national crisis line and a domestic-violence line (from the helplines and the directory); and,
for the cities where members most often live (content/directory/cities.yaml), the local
services a member there finds."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from bot.kernel.paths import CONTENT_DIR
from bot.support import directory, gazetteer, helplines, places
from bot.support.models import SupportService

CITIES_FILE = CONTENT_DIR / "directory" / "cities.yaml"
WANTED_LOCAL = 3  # local services a member city should have
CRISIS, ABUSE = "crisis", "domestic-abuse"
# Helpline topics (content/helplines/) that count as each kind of national line.
LINE_TOPICS = {CRISIS: frozenset({"crisis", "suicide"}), ABUSE: frozenset({"abuse", ABUSE})}
FLAGS = {CRISIS: "crisis_line", ABUSE: "dv_line"}  # the by-country columns for each kind
INTERNATIONAL = "international"  # the country key of a service that names no country


@dataclass(frozen=True)
class MemberCity:
    """A city from cities.yaml and where the gazetteer places it (None: not found)."""

    name: str
    country: str
    place: gazetteer.City | None


@cache
def member_cities() -> tuple[float, tuple[MemberCity, ...]]:
    """(radius in km, the cities) from content/directory/cities.yaml."""
    data = yaml.safe_load(CITIES_FILE.read_text(encoding="utf-8"))
    found = []
    for row in data["cities"]:
        name, country = str(row["name"]), str(row["country"]).upper()
        matches = gazetteer.lookup(name, country)
        found.append(MemberCity(name, country, matches[0] if matches else None))
    return float(data.get("radius_km", 50)), tuple(found)


def is_national(service: SupportService) -> bool:
    """A service with no place to visit: a line or an online service for whole countries."""
    return not any(loc.get("lat") is not None for loc in service.locations)


def local_to(service: SupportService, city: gazetteer.City, radius_km: float) -> bool:
    """Whether the search lists this service as near a member in `city` (a place of it lies
    within `radius_km`)."""
    return any(
        gazetteer.distance_km(city.latitude, city.longitude, loc["lat"], loc["lon"]) <= radius_km
        for loc in service.locations
        if loc.get("lat") is not None and loc.get("lon") is not None
    )


def national_lines(services: Iterable[SupportService]) -> dict[str, set[str]]:
    """Country -> the kinds of national line it has ("crisis", "domestic-abuse"): shipped
    helplines that serve the whole country, and active directory services without a place."""
    found: dict[str, set[str]] = defaultdict(set)
    for country, lines in helplines.all_lines().items():
        if country == helplines.FALLBACK:
            continue
        for line in lines:
            if line.get("area"):
                continue  # a regional line is not the country's line
            topics = set(line.get("topics", []))
            found[country].update(kind for kind, names in LINE_TOPICS.items() if topics & names)
    for s in services:
        if s.status != "active" or not is_national(s):
            continue
        for country in directory.countries(s):
            found[country].update(kind for kind in (CRISIS, ABUSE) if kind in s.topics)
    return found


def _city_report(services: list[SupportService]) -> list[dict[str, Any]]:
    radius, cities = member_cities()
    out = []
    for c in cities:
        local = [s for s in services if c.place is not None and local_to(s, c.place, radius)]
        out.append(
            {
                "name": c.name,
                "country": c.country,
                "found": c.place.label if c.place else None,
                "local_services": len(local),
                "topics": dict(Counter(t for s in local for t in s.topics).most_common()),
                "services": sorted(s.name for s in local),
            }
        )
    return out


def _by_country(
    services: list[SupportService], lines: dict[str, set[str]]
) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}

    def row(code: str) -> dict[str, Any]:
        if code not in rows:
            name = places.country_name(code) if code != INTERNATIONAL else INTERNATIONAL
            rows[code] = {"name": name, "services": 0, "national": 0, "local": 0, "topics": {}}
        return rows[code]

    for s in services:
        for code in sorted(directory.countries(s)) or [INTERNATIONAL]:
            r = row(code)
            r["services"] += 1
            r["national" if is_national(s) else "local"] += 1
            for t in s.topics:
                r["topics"][t] = r["topics"].get(t, 0) + 1
    for code in helplines.countries():
        row(code)
    for code, r in rows.items():
        for kind, key in FLAGS.items():
            r[key] = kind in lines.get(code, set())
    return dict(sorted(rows.items()))


def stats(services: list[SupportService]) -> dict[str, Any]:
    """The coverage report of these entries (inactive ones are counted apart, not covered)."""
    active = [s for s in services if s.status == "active"]
    lines = national_lines(active)
    both = sorted(c for c, kinds in lines.items() if {CRISIS, ABUSE} <= kinds)
    cities = _city_report(active)
    by_country = _by_country(active, lines)
    languages = Counter(
        tag for s in active for tag in {t.split("-")[0].lower() for t in directory.language_tags(s)}
    )
    topics = Counter(t for s in active for t in s.topics)
    return {
        "services": len(active),
        "inactive": len(services) - len(active),
        "countries": len(
            [c for c, r in by_country.items() if r["services"] and c != INTERNATIONAL]
        ),
        "countries_with_crisis_and_dv_lines": len(both),
        "countries_with_both_lines": both,
        "countries_missing_a_line": {
            code: [kind for kind, key in FLAGS.items() if not r[key]]
            for code, r in by_country.items()
            if code != INTERNATIONAL and not (r["crisis_line"] and r["dv_line"])
        },
        "cities_with_3_local_services": sum(c["local_services"] >= WANTED_LOCAL for c in cities),
        "cities": cities,
        "by_country": by_country,
        "by_topic": {t: topics.get(t, 0) for t in directory.TOPICS},
        "by_language": dict(sorted(languages.items(), key=lambda x: (-x[1], x[0]))),
    }
