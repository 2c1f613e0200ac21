"""Support at scale: search latency over a generated directory of 50,000 services (p50/p95).
Crisis detection has its own bench, bench_safety.py."""

from __future__ import annotations

import json
import random
import statistics
import time

from bot.support import directory, gazetteer
from bot.support.models import SupportService

CITIES = [
    "London",
    "Madrid",
    "Berlin",
    "Paris",
    "Tokyo",
    "Osaka",
    "Toronto",
    "Sydney",
    "Lisbon",
    "Mexico City",
    "São Paulo",
    "Amsterdam",
    "Rome",
    "Seoul",
    "Manila",
    "Lagos",
    "Nairobi",
    "Istanbul",
    "Warsaw",
    "Lima",
]
LANGS = [
    "en",
    "es",
    "ja",
    "de",
    "fr",
    "pt",
    "pt-BR",
    "ko",
    "tl",
    "it",
    "nl",
    "pl",
    "tr",
    "ar",
    "zh",
]


def generate(n: int, rng: random.Random) -> list[SupportService]:
    places = [gazetteer.lookup(c)[0] for c in CITIES]
    out = []
    for i in range(n):
        city = rng.choice(places)
        out.append(
            SupportService(
                id=f"s{i}",
                organization_id=f"o{i}",
                name=f"Service {i}",
                free=rng.random() < 0.3,
                delivery=rng.choice(["in_person", "online", "both"]),
                topics=rng.sample(list(directory.TOPICS), 2),
                languages=rng.sample(LANGS, 2),
                phones=[],
                schedules=[],
                locations=[
                    {
                        "id": f"l{i}",
                        "name": "",
                        "city": city.name,
                        "country": city.country,
                        "lat": city.latitude + rng.uniform(-0.3, 0.3),
                        "lon": city.longitude + rng.uniform(-0.3, 0.3),
                    }
                ],
            )
        )
    return out


def bench_search() -> dict[str, object]:
    rng = random.Random(5)
    index = directory.Index(generate(50_000, rng))
    places = [gazetteer.lookup(c)[0] for c in CITIES]
    lat = []
    for _ in range(500):
        city = rng.choice(places)
        q = directory.Query(
            topic=rng.choice(list(directory.TOPICS)),
            lat=city.latitude,
            lon=city.longitude,
            country=city.country,
            languages=(rng.choice(LANGS),),
            free_only=rng.random() < 0.2,
        )
        t0 = time.perf_counter()
        index.search(q)
        lat.append(time.perf_counter() - t0)
    lat.sort()
    return {
        "bench": "support.search_50k_services",
        "queries": len(lat),
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p95_ms": round(lat[int(len(lat) * 0.95)] * 1000, 2),
    }


def main() -> None:
    print(json.dumps(bench_search()))


if __name__ == "__main__":
    main()
