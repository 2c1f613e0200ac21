"""Support at scale: importing a generated HSDS 3 tabular feed of 50,000 services into SQLite
(all checks on), then search latency over what was imported (p50/p95). Crisis detection has its
own bench, bench_safety.py."""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bot.kernel.store import Store
from bot.support import directory, gazetteer

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


TABLES = {
    "organizations.csv": ("id", "name", "description"),
    "services.csv": ("id", "organization_id", "name", "status", "minimum_age"),
    "locations.csv": ("id", "location_type", "name", "latitude", "longitude", "url"),
    "addresses.csv": (
        "id", "location_id", "address_1", "city", "state_province", "postal_code", "country",
        "address_type",
    ),
    "service_at_location.csv": ("id", "service_id", "location_id"),
    "languages.csv": ("id", "service_id", "code"),
    "phones.csv": ("id", "service_id", "number"),
    "schedules.csv": ("id", "service_id", "freq", "byday", "opens_at", "closes_at", "timezone"),
    "taxonomy_terms.csv": ("id", "code", "name", "description"),
    "attributes.csv": ("id", "link_id", "taxonomy_term_id", "link_entity"),
}  # fmt: skip


def _rows(
    i: int, rng: random.Random, places: list[gazetteer.City]
) -> dict[str, list[tuple[object, ...]]]:
    city = rng.choice(places)
    online = rng.random() < 0.3
    loc = (f"l{i}", "virtual", "Online", "", "", "https://help.invalid/") if online else (
        f"l{i}", "physical", city.name,
        round(city.latitude + rng.uniform(-0.3, 0.3), 5),
        round(city.longitude + rng.uniform(-0.3, 0.3), 5), "",
    )  # fmt: skip
    return {
        "organizations.csv": [(f"o{i}", f"Organization {i}", "Generated for the benchmark")],
        "services.csv": [(f"s{i}", f"o{i}", f"Service {i}", "active", rng.choice(["", "16.0"]))],
        "locations.csv": [loc],
        "addresses.csv": [
            (f"a{i}", f"l{i}", "1 Main St", city.name, "-", "00000", city.country, "physical")
        ],
        "service_at_location.csv": [(f"sl{i}", f"s{i}", f"l{i}")],
        "languages.csv": [(f"la{i}-{c}", f"s{i}", c) for c in rng.sample(LANGS, 2)],
        "phones.csv": [(f"p{i}", f"s{i}", "+44 20 7946 0958")],
        "schedules.csv": [(f"h{i}", f"s{i}", "WEEKLY", "MO,TU,WE,TH,FR", "09:00", "17:00", "0")],
        "attributes.csv": [
            (f"at{i}-{t}", f"s{i}", f"t-{t}", "service")
            for t in rng.sample(list(directory.TOPICS), 2)
        ],
    }


def generate_feed(folder: Path, n: int, rng: random.Random) -> None:
    """An HSDS 3 tabular feed of `n` services (one organization, place, phone, schedule each)."""
    places = [gazetteer.lookup(c)[0] for c in CITIES]
    files = {name: (folder / name).open("w", newline="", encoding="utf-8") for name in TABLES}
    writers = {name: csv.writer(f) for name, f in files.items()}
    for name, columns in TABLES.items():
        writers[name].writerow(columns)
    writers["taxonomy_terms.csv"].writerows(
        (f"t-{code}", code, label, label) for code, label in directory.TOPICS.items()
    )
    for i in range(n):
        for name, rows in _rows(i, rng, places).items():
            writers[name].writerows(rows)
    for f in files.values():
        f.close()


def bench_import_and_search(n: int = 50_000) -> list[dict[str, object]]:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "feed"
        folder.mkdir()
        generate_feed(folder, n, rng)
        store = Store(f"sqlite:///{tmp}/bench.db")
        store.create_all()
        t0 = time.perf_counter()
        with store.session() as s:
            changes = directory.import_feed(s, folder)
        seconds = time.perf_counter() - t0
        with store.session() as s:
            index = directory.load_index(s)
        store.dispose()
    imported = {
        "bench": "support.import_hsds3_tabular_sqlite",
        "services": len(changes.added),
        "seconds": round(seconds, 2),
        "services_per_second": round(len(changes.added) / seconds),
        "limit_seconds": 60,
        "load_average": round(os.getloadavg()[0], 2),
    }
    return [imported, _search(index, rng)]


def _search(index: directory.Index, rng: random.Random) -> dict[str, object]:
    """Wall time per search, and CPU time (which leaves out waiting for a core on a busy
    shared machine, where one query in twenty may be descheduled for a time slice)."""
    places = [gazetteer.lookup(c)[0] for c in CITIES]
    wall, cpu = [], []
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
        t0, c0 = time.perf_counter(), time.thread_time()
        index.search(q)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    wall.sort()
    cpu.sort()
    return {
        "bench": "support.search_50k_imported_services",
        "services": len(index.entries),
        "queries": len(wall),
        "p50_ms": round(statistics.median(wall) * 1000, 2),
        "p95_ms": round(wall[int(len(wall) * 0.95)] * 1000, 2),
        "cpu_p50_ms": round(statistics.median(cpu) * 1000, 2),
        "cpu_p95_ms": round(cpu[int(len(cpu) * 0.95)] * 1000, 2),
        "limit_p95_ms": 20,
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    for line in bench_import_and_search():
        print(json.dumps(line))


if __name__ == "__main__":
    main()
