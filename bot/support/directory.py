"""The directory: HSDS-style CSV import/export (all or nothing, with file/row/column errors)
and the search that ranks services for a member."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import langcodes
from sqlmodel import Session, delete, select

from bot.paths import CONTENT_DIR
from bot.support.gazetteer import distance_km
from bot.support.models import SupportOrganization, SupportService

SAMPLE_DIR = CONTENT_DIR / "directory"

# The community's taxonomy (HSDS taxonomy_term codes).
TOPICS = {
    "intercultural-couples": "Counselling for intercultural couples",
    "family-therapy": "Family therapy",
    "immigration-legal": "Immigration and legal aid",
    "domestic-abuse": "Domestic abuse support",
    "crisis": "Crisis lines",
    "parenting-bilingual": "Parenting and bilingual families",
    "community-groups": "Community and language groups",
    "lgbtq": "LGBTQ+ support",
}

TABLES = (
    "organizations",
    "services",
    "locations",
    "service_at_locations",
    "languages",
    "phones",
    "schedules",
    "taxonomy_terms",
    "service_attributes",
)
COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "description", "website", "email"),
    "services": (
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "fees_description",
        "free",
        "delivery",
        "minimum_age",
        "maximum_age",
    ),
    "locations": ("id", "organization_id", "name", "city", "country", "latitude", "longitude"),
    "service_at_locations": ("id", "service_id", "location_id"),
    "languages": ("id", "service_id", "code"),
    "phones": ("id", "service_id", "number", "description"),
    "schedules": ("id", "service_id", "byday", "opens_at", "closes_at", "timezone"),
    "taxonomy_terms": ("id", "code", "name"),
    "service_attributes": ("id", "service_id", "taxonomy_term_id"),
}
REQUIRED = {"organizations", "services", "locations", "service_at_locations", "languages"}
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} problem(s); nothing was imported")
        self.errors = errors


def _read(folder: Path, table: str, errors: list[str]) -> list[tuple[int, dict[str, str]]]:
    path = folder / f"{table}.csv"
    if not path.exists():
        if table in REQUIRED:
            errors.append(f"{path.name}: missing (an HSDS folder has one CSV per table)")
        return []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [
            c
            for c in COLUMNS[table]
            if c not in (reader.fieldnames or [])
            and c
            in (
                "id",
                "service_id",
                "organization_id",
                "name",
                "code",
                "latitude",
                "longitude",
                "location_id",
                "taxonomy_term_id",
            )
        ]
        if missing:
            errors.append(f"{path.name}:1: missing column(s) {', '.join(missing)}")
            return []
        return [
            (i, {k: (v or "").strip() for k, v in row.items() if k})
            for i, row in enumerate(reader, start=2)
        ]


def _bool(value: str) -> bool:
    return value.lower() in ("true", "yes", "1", "y")


def _int(value: str, where: str, errors: list[str]) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors.append(f"{where}: '{value[:20]}' is not a whole number")
        return None


def read_folder(folder: Path) -> tuple[list[SupportOrganization], list[SupportService]]:
    """Parse and check a whole HSDS folder; ImportFailed lists every problem with its place."""
    errors: list[str] = []
    rows = {t: _read(folder, t, errors) for t in TABLES}
    orgs = {
        r["id"]: SupportOrganization(
            id=r["id"],
            name=r.get("name", ""),
            description=r.get("description") or None,
            website=r.get("website") or None,
            email=r.get("email") or None,
        )
        for _, r in rows["organizations"]
    }
    services: dict[str, SupportService] = {}
    for line, r in rows["services"]:
        where = f"services.csv:{line}"
        if r.get("organization_id") not in orgs:
            errors.append(
                f"{where}: column organization_id: no organization '{r.get('organization_id')}'"
            )
        delivery = r.get("delivery") or "in_person"
        if delivery not in ("in_person", "online", "both"):
            errors.append(f"{where}: column delivery: '{delivery}' (in_person, online or both)")
        services[r["id"]] = SupportService(
            id=r["id"],
            organization_id=r.get("organization_id", ""),
            name=r.get("name", ""),
            description=r.get("description") or None,
            url=r.get("url") or None,
            email=r.get("email") or None,
            fees_description=r.get("fees_description") or None,
            free=_bool(r.get("free", "")),
            delivery=delivery,
            minimum_age=_int(r.get("minimum_age", ""), f"{where}: column minimum_age", errors),
            maximum_age=_int(r.get("maximum_age", ""), f"{where}: column maximum_age", errors),
            topics=[],
            languages=[],
            phones=[],
            schedules=[],
            locations=[],
        )
    locations: dict[str, dict[str, Any]] = {}
    for line, r in rows["locations"]:
        where = f"locations.csv:{line}"
        try:
            lat, lon = float(r["latitude"]), float(r["longitude"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
        except ValueError:
            errors.append(
                f"{where}: columns latitude/longitude: '{r.get('latitude')}, {r.get('longitude')}' are not coordinates"
            )
            continue
        if r.get("organization_id") not in orgs:
            errors.append(
                f"{where}: column organization_id: no organization '{r.get('organization_id')}'"
            )
        locations[r["id"]] = {
            "id": r["id"],
            "name": r.get("name", ""),
            "city": r.get("city", ""),
            "country": r.get("country", "").upper(),
            "lat": lat,
            "lon": lon,
        }
    for line, r in rows["service_at_locations"]:
        where = f"service_at_locations.csv:{line}"
        if r.get("service_id") not in services:
            errors.append(f"{where}: column service_id: no service '{r.get('service_id')}'")
        elif r.get("location_id") not in locations:
            errors.append(f"{where}: column location_id: no location '{r.get('location_id')}'")
        else:
            services[r["service_id"]].locations.append(locations[r["location_id"]])
    for line, r in rows["languages"]:
        where = f"languages.csv:{line}"
        code = r.get("code", "")
        try:
            tag = langcodes.standardize_tag(code)
            if not langcodes.tag_is_valid(tag) or not langcodes.Language.get(tag).is_valid():
                raise ValueError
        except (ValueError, langcodes.tag_parser.LanguageTagError):
            errors.append(f"{where}: column code: '{code[:20]}' is not an ISO 639 language code")
            continue
        if r.get("service_id") not in services:
            errors.append(f"{where}: column service_id: no service '{r.get('service_id')}'")
            continue
        services[r["service_id"]].languages.append(tag)
    for line, r in rows["phones"]:
        if r.get("service_id") not in services:
            errors.append(
                f"phones.csv:{line}: column service_id: no service '{r.get('service_id')}'"
            )
            continue
        services[r["service_id"]].phones.append(
            {"number": r.get("number", ""), "description": r.get("description", "")}
        )
    for line, r in rows["schedules"]:
        where = f"schedules.csv:{line}"
        if r.get("service_id") not in services:
            errors.append(f"{where}: column service_id: no service '{r.get('service_id')}'")
            continue
        days = [d for d in r.get("byday", "").upper().split(",") if d]
        if any(d not in DAYS for d in days):
            errors.append(f"{where}: column byday: use MO,TU,WE,TH,FR,SA,SU")
            continue
        services[r["service_id"]].schedules.append(
            {
                "byday": days,
                "opens_at": r.get("opens_at", ""),
                "closes_at": r.get("closes_at", ""),
                "timezone": r.get("timezone") or "UTC",
            }
        )
    terms = {r["id"]: r.get("code", "") for _, r in rows["taxonomy_terms"]}
    for line, r in rows["service_attributes"]:
        where = f"service_attributes.csv:{line}"
        term = terms.get(r.get("taxonomy_term_id", ""))
        if term is None:
            errors.append(
                f"{where}: column taxonomy_term_id: no taxonomy term '{r.get('taxonomy_term_id')}'"
            )
        elif r.get("service_id") not in services:
            errors.append(f"{where}: column service_id: no service '{r.get('service_id')}'")
        else:
            services[r["service_id"]].topics.append(term)
    if errors:
        raise ImportFailed(errors)
    return list(orgs.values()), list(services.values())


def import_folder(session: Session, folder: Path) -> dict[str, int]:
    """Replace the directory with the folder's contents, in the caller's transaction."""
    orgs, services = read_folder(folder)
    session.exec(delete(SupportService))  # type: ignore[call-overload]
    session.exec(delete(SupportOrganization))  # type: ignore[call-overload]
    session.add_all(orgs)
    session.add_all(services)
    countries = {loc["country"] for s in services for loc in s.locations}
    return {"organizations": len(orgs), "services": len(services), "countries": len(countries)}


def export_folder(session: Session, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    orgs = session.exec(select(SupportOrganization)).all()
    services = session.exec(select(SupportService)).all()
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    out["organizations"] = [o.model_dump() for o in orgs]
    term_ids = {code: f"t-{code}" for code in TOPICS}
    out["taxonomy_terms"] = [
        {"id": tid, "code": code, "name": TOPICS[code]} for code, tid in term_ids.items()
    ]
    seen_locations: set[str] = set()
    for s in services:
        out["services"].append({k: getattr(s, k) for k in COLUMNS["services"]})
        for loc in s.locations:
            if loc["id"] not in seen_locations:
                seen_locations.add(loc["id"])
                out["locations"].append(
                    {
                        "id": loc["id"],
                        "organization_id": s.organization_id,
                        "name": loc["name"],
                        "city": loc["city"],
                        "country": loc["country"],
                        "latitude": loc["lat"],
                        "longitude": loc["lon"],
                    }
                )
            out["service_at_locations"].append(
                {"id": f"{s.id}@{loc['id']}", "service_id": s.id, "location_id": loc["id"]}
            )
        out["languages"] += [
            {"id": f"{s.id}-{c}", "service_id": s.id, "code": c} for c in s.languages
        ]
        out["phones"] += [
            {"id": f"{s.id}-p{i}", "service_id": s.id, **p} for i, p in enumerate(s.phones)
        ]
        out["schedules"] += [
            {"id": f"{s.id}-h{i}", "service_id": s.id, **h, "byday": ",".join(h["byday"])}
            for i, h in enumerate(s.schedules)
        ]
        out["service_attributes"] += [
            {"id": f"{s.id}-{t}", "service_id": s.id, "taxonomy_term_id": term_ids.get(t, t)}
            for t in s.topics
        ]
    for table, rows in out.items():
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS[table], extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    return {"organizations": len(orgs), "services": len(services)}


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    topic: str | None = None
    lat: float | None = None
    lon: float | None = None
    country: str | None = None
    languages: tuple[str, ...] = ()
    online_only: bool = False
    free_only: bool = False
    open_at: datetime | None = None
    limit: int = 3


@dataclass
class Match:
    service: SupportService
    score: float
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)


def language_fits(wanted: str, offered: list[str]) -> bool:
    """pt-BR is served by pt and pt-BR; pt is served by any pt-*."""
    base = wanted.split("-")[0].lower()
    return any(o.lower() == wanted.lower() or o.split("-")[0].lower() == base for o in offered)


def is_open(service: SupportService, at: datetime) -> bool:
    if not service.schedules:
        return False
    for h in service.schedules:
        local = at.astimezone(ZoneInfo(h.get("timezone") or "UTC"))
        if (
            DAYS[local.weekday()] in h["byday"]
            and h["opens_at"] <= local.strftime("%H:%M") < h["closes_at"]
        ):
            return True
    return False


@dataclass(frozen=True)
class _Entry:
    """A service prepared for matching: language sets and coordinates looked up once."""

    service: SupportService
    languages: frozenset[str]
    bases: frozenset[str]
    countries: frozenset[str]
    points: tuple[tuple[float, float], ...]
    online: bool


def _prepare(s: SupportService) -> _Entry:
    langs = frozenset(x.lower() for x in s.languages)
    return _Entry(
        s,
        langs,
        frozenset(x.split("-")[0] for x in langs),
        frozenset(loc["country"] for loc in s.locations),
        tuple((loc["lat"], loc["lon"]) for loc in s.locations),
        s.delivery in ("online", "both"),
    )


NEAR_KM = 300
_DEG = NEAR_KM / 111.0  # a bounding box in degrees of latitude, before the exact distance


class Index:
    """The directory in memory, grouped by topic, for fast searches; rebuilt after imports."""

    def __init__(self, services: list[SupportService]) -> None:
        self.cache = services
        self.by_topic: dict[str, list[_Entry]] = defaultdict(list)
        self.entries = [_prepare(s) for s in services]
        for e in self.entries:
            for t in set(e.service.topics):
                self.by_topic[t].append(e)

    def search(self, q: Query) -> list[Match]:
        pool = self.by_topic.get(q.topic, []) if q.topic else self.entries
        wanted = [(w.lower(), w.split("-")[0].lower()) for w in q.languages]
        matches: list[Match] = []
        for e in pool:
            if wanted and not any(full in e.languages or base in e.bases for full, base in wanted):
                continue
            s = e.service
            if q.free_only and not s.free:
                continue
            if q.online_only and not e.online:
                continue
            if q.open_at is not None and not is_open(s, q.open_at):
                continue
            match = self._score(e, q)
            if match is not None:
                matches.append(match)
        matches.sort(key=lambda m: -m.score)
        return matches[: q.limit]

    def _score(self, e: _Entry, q: Query) -> Match | None:
        s = e.service
        score, reasons = 0.0, []
        distance = None
        if q.lat is not None and q.lon is not None and e.points:
            lon_span = _DEG / max(0.05, math.cos(math.radians(q.lat)))
            near = [
                p for p in e.points if abs(p[0] - q.lat) <= _DEG and abs(p[1] - q.lon) <= lon_span
            ]
            if near:
                distance = min(distance_km(q.lat, q.lon, lat, lon) for lat, lon in near)
        same_country = q.country is not None and q.country in e.countries
        if distance is not None and distance <= NEAR_KM:
            score += 40 * math.exp(-distance / 50)
            reasons.append("near")
        elif e.online and (same_country or not e.points or q.country is None):
            score += 15
            reasons.append("online")
        else:
            return None  # far away, and not online in the member's country: not useful
        if q.languages:
            score += 30
            reasons.append("language")
        if "intercultural-couples" in s.topics:
            score += 10
            reasons.append("intercultural")
        if q.topic and q.topic in s.topics:
            score += 20
        if s.free:
            score += 2
        return Match(s, score, distance, reasons)


def load_index(session: Session) -> Index:
    return Index(list(session.exec(select(SupportService)).all()))
