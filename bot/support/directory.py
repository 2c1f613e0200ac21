"""The directory: Open Referral HSDS import/export (in bot.support.hsds) and the search that
ranks services for a member."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlmodel import Session, select

from bot.paths import CONTENT_DIR
from bot.support import hsds
from bot.support.gazetteer import distance_km
from bot.support.hsds import export as export_hsds
from bot.support.hsds.hours import open_at
from bot.support.models import SupportService

# The shipped directory: HSDS 3 service objects, each checked against its own published page.
DIRECTORY_DIR = CONTENT_DIR / "directory" / "services.json"

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

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
Mode = Literal["replace", "upsert"]


def import_feed(
    session: Session, path: Path, *, mode: Mode = "replace", dry_run: bool = False
) -> hsds.Changes:
    """Import an HSDS feed (3 JSON or tabular, 1.1 tabular) in the caller's transaction, all
    or nothing: hsds.ImportFailed lists every problem with its place."""
    return hsds.import_feed(session, path, TOPICS, mode=mode, dry_run=dry_run)


def export(session: Session, path: Path, fmt: export_hsds.Format) -> list[hsds.Problem]:
    """Write the directory as HSDS 3; returns the schema problems found in it (none if valid)."""
    return export_hsds.export(session, path, fmt, TOPICS)


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


def schedules(service: SupportService) -> list[dict[str, Any]]:
    """The service's own hours, else those of its places (service_at_location, location)."""
    if service.schedules:
        return list(service.schedules)
    found = []
    for loc in service.locations:
        found += (loc.get("sal") or {}).get("schedules", []) + loc.get("schedules", [])
    return found


def is_open(service: SupportService, at: datetime) -> bool:
    return any(open_at(h, at) for h in schedules(service))


def language_tags(service: SupportService) -> list[str]:
    """Every language the service is offered in: its own, its places' and its phone lines'."""
    items: list[Any] = list(service.languages)
    for phone in service.phones:
        items += phone.get("languages", [])
    for loc in service.locations:
        items += loc.get("languages", [])
        for phone in loc.get("phones", []) + (loc.get("sal") or {}).get("phones", []):
            items += phone.get("languages", [])
    tags = [x["tag"] if isinstance(x, dict) else str(x) for x in items]
    return list(dict.fromkeys(tags))


def phones(service: SupportService) -> list[dict[str, Any]]:
    """Phone lines to show: the service's own first, then its places' and organization's."""
    found = list(service.phones)
    for loc in service.locations:
        found += (loc.get("sal") or {}).get("phones", []) + loc.get("phones", [])
    return found


@dataclass(frozen=True)
class _Entry:
    """A service prepared for matching: language sets and coordinates looked up once."""

    service: SupportService
    languages: frozenset[str]
    bases: frozenset[str]
    countries: frozenset[str]
    points: tuple[tuple[float, float], ...]
    online: bool
    free: bool
    topics: frozenset[str]
    bonus: float  # the parts of the score that do not depend on the search


def _prepare(s: SupportService) -> _Entry:
    langs = frozenset(x.lower() for x in language_tags(s))
    return _Entry(
        s,
        langs,
        frozenset(x.split("-")[0] for x in langs),
        frozenset(loc["country"] for loc in s.locations if loc.get("country")),
        tuple((loc["lat"], loc["lon"]) for loc in s.locations if loc.get("lat") is not None),
        s.delivery in ("online", "both"),
        s.free,
        frozenset(s.topics),
        (10.0 if "intercultural-couples" in s.topics else 0.0) + (2.0 if s.free else 0.0),
    )


NEAR_KM = 300
_DEG = NEAR_KM / 111.0  # a bounding box in degrees of latitude, before the exact distance
CELL = 3.0  # degrees: the grid that places are filed under for search
_Key = tuple[str | None, str | None]


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL), math.floor(lon / CELL)


class Index:
    """The directory in memory, grouped by topic, for fast searches; rebuilt after imports."""

    def __init__(self, services: list[SupportService]) -> None:
        self.cache = services
        self.by_topic: dict[str, list[_Entry]] = defaultdict(list)
        # Keyed by (topic or None, base language or None): a language matches on its base
        # (pt ~ pt-BR). Services reached remotely are in `remote`; places, in grid cells of
        # CELL degrees, so a search only looks at what could be near or online.
        self.remote: dict[_Key, list[_Entry]] = defaultdict(list)
        self.cells: dict[_Key, dict[tuple[int, int], list[_Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        # Only active services are shown (HSDS status: inactive, defunct, temporarily closed).
        self.entries = [_prepare(s) for s in services if s.status == "active"]
        for e in self.entries:
            for t in set(e.service.topics):
                self.by_topic[t].append(e)
            self._add(e)

    def _add(self, e: _Entry) -> None:
        cells = {_cell(lat, lon) for lat, lon in e.points}
        for t in {*e.service.topics, None}:
            for base in {*e.bases, None}:
                if e.online:
                    self.remote[(t, base)].append(e)
                for cell in cells:
                    self.cells[(t, base)][cell].append(e)

    def _pool(self, q: Query) -> list[_Entry]:
        bases: list[str | None] = list(
            dict.fromkeys(w.split("-")[0].lower() for w in q.languages)
        ) or [None]
        found: dict[int, _Entry] = {}
        for base in bases:
            key = (q.topic, base)
            found.update((id(e), e) for e in self.remote.get(key, ()))
            if q.lat is None or q.lon is None or key not in self.cells:
                continue
            grid = self.cells[key]
            lon_span = _DEG / max(0.05, math.cos(math.radians(q.lat)))
            (la0, lo0), (la1, lo1) = (
                _cell(q.lat - _DEG, q.lon - lon_span),
                _cell(q.lat + _DEG, q.lon + lon_span),
            )
            for la in range(la0, la1 + 1):
                for lo in range(lo0, lo1 + 1):
                    found.update((id(e), e) for e in grid.get((la, lo), ()))
        return list(found.values())

    def search(self, q: Query) -> list[Match]:
        scored: list[tuple[float, int, _Entry, float | None]] = []
        box = None
        if q.lat is not None and q.lon is not None:
            box = (q.lat, q.lon, _DEG / max(0.05, math.cos(math.radians(q.lat))))
        for n, e in enumerate(self._pool(q)):
            if (q.free_only and not e.free) or (q.online_only and not e.online):
                continue
            if q.open_at is not None and not is_open(e.service, q.open_at):
                continue
            distance = _distance(e, box) if box is not None and e.points else None
            if distance is not None and distance <= NEAR_KM:
                score = 40 * math.exp(-distance / 50)
            elif e.online and (not e.points or q.country is None or q.country in e.countries):
                score, distance = 15.0, None
            else:
                continue  # far away, and not online in the member's country: not useful
            scored.append((score + e.bonus + (20 if q.topic in e.topics else 0), n, e, distance))
        best = heapq.nlargest(q.limit, scored, key=lambda x: (x[0], -x[1]))
        return [self._match(e, score, distance, q) for score, _, e, distance in best]

    @staticmethod
    def _match(e: _Entry, score: float, distance: float | None, q: Query) -> Match:
        reasons = ["near" if distance is not None else "online"]
        if q.languages:
            score += 30
            reasons.append("language")
        if "intercultural-couples" in e.topics:
            reasons.append("intercultural")
        return Match(e.service, score, distance, reasons)


def _distance(e: _Entry, box: tuple[float, float, float]) -> float | None:
    lat, lon, lon_span = box
    near = [p for p in e.points if abs(p[0] - lat) <= _DEG and abs(p[1] - lon) <= lon_span]
    return min((distance_km(lat, lon, a, b) for a, b in near), default=None)


def load_index(session: Session) -> Index:
    return Index(list(session.exec(select(SupportService)).all()))
