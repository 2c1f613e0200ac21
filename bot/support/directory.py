"""The directory: Open Referral HSDS import/export (in bot.support.hsds) into one layer at a time
(bot.support.layers), and the search that ranks what a community's members see."""

from __future__ import annotations

import heapq
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import phonenumbers
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.kernel.paths import CONTENT_DIR
from bot.support import helplines, hsds, layers
from bot.support.feature import config, feature
from bot.support.gazetteer import distance_km
from bot.support.hsds import export as export_hsds
from bot.support.hsds.hours import open_at
from bot.support.layers import LayerKey
from bot.support.models import SupportOrganization, SupportService

log = logging.getLogger(__name__)

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
    session: Session,
    path: Path,
    *,
    mode: Mode = "replace",
    dry_run: bool = False,
    layer: LayerKey = layers.OPERATOR,
    actor: str | None = None,
    now: datetime | None = None,
) -> hsds.Changes:
    """Import an HSDS feed (3 JSON or tabular, 1.1 tabular) into one layer, in the caller's
    transaction, all or nothing: hsds.ImportFailed lists every problem with its place. No other
    layer is read or written. A change to the shipped or operator layer is written to the
    operator log; a community's change is audited by whoever made it (the dashboard)."""
    now = now or datetime.now(UTC)
    changes = hsds.import_feed(
        session,
        path,
        TOPICS,
        layer=layer,
        mode=mode,
        dry_run=dry_run,
        stamp={"added_by": actor, "added_at": now},
    )
    below = layers.BASE if layers.is_community(layer) else (layers.SHIPPED,)
    if layer != layers.SHIPPED:
        changes.stands_in_for = sorted(set(changes.ids) & layers.ids(session, below))
    orgs = changes.organizations
    changed = changes.added or changes.updated or changes.removed or any(orgs.values())
    if dry_run or not changed:
        return changes
    layers.bump(session, layer, now)
    if not layers.is_community(layer):
        layers.log(
            session,
            now,
            actor or "crossings",
            "import" if layer != layers.SHIPPED else "shipped update",
            layer,
            f"{mode} from {path.name}: {describe(changes)}",
            _details(changes),
        )
    return changes


def describe(changes: hsds.Changes) -> str:
    return (
        f"{len(changes.added)} added, {len(changes.updated)} updated, "
        f"{len(changes.removed)} removed, {changes.unchanged} unchanged"
    )


def _details(changes: hsds.Changes, most: int = 200) -> dict[str, Any]:
    """The ids an import touched, for the log (the first `most` of each kind)."""
    out: dict[str, Any] = {"mode": changes.mode}
    for name in ("added", "updated", "removed", "stands_in_for"):
        found = getattr(changes, name)
        out[name] = found[:most] + ([f"... {len(found) - most} more"] if len(found) > most else [])
    return out


def export(
    session: Session, path: Path, fmt: export_hsds.Format, layer: LayerKey = layers.OPERATOR
) -> list[hsds.Problem]:
    """Write one layer as HSDS 3; returns the schema problems found in it (none if valid)."""
    return export_hsds.export(
        path,
        fmt,
        TOPICS,
        layers.services(session, layer),
        layers.organizations(session, layer),
    )


def export_view(
    session: Session, view: View, path: Path, fmt: export_hsds.Format
) -> list[hsds.Problem]:
    """Write what a community's members see (their own entries, then the operator's and the
    shipped ones not hidden or stood in for) as HSDS 3."""
    orgs: list[SupportOrganization] = []
    for key, _ in view.layers:
        orgs += layers.organizations(session, key)
    services = view.visible()
    used = {(s.platform, s.community_id, s.organization_id) for s in services}
    orgs = [o for o in orgs if (o.platform, o.community_id, o.id) in used]
    return export_hsds.export(path, fmt, TOPICS, services, orgs)


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


def countries(service: SupportService) -> frozenset[str]:
    """The countries a service serves: its places' and its service areas' (ISO 3166-1 alpha-2).
    None at all: an international service."""
    found = {str(loc["country"]).upper() for loc in service.locations if loc.get("country")}
    for area in (service.extra or {}).get("service_areas", []):
        for value in (area.get("extent"), area.get("name")):
            if isinstance(value, str) and len(value.strip()) == 2 and value.strip().isalpha():
                found.add(value.strip().upper())
    return frozenset(found)


def _digits(number: str, country: str | None) -> str:
    """A number as the digits one dials from abroad (E.164 without "+"), to compare two
    spellings of it ("1-800-799-7233", "+1 800-799-7233"); its bare digits if unparseable."""
    try:
        parsed = phonenumbers.parse(number, country)
    except phonenumbers.NumberParseException:
        return "".join(c for c in number if c.isdigit())
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


@cache
def _helpline_numbers() -> frozenset[tuple[str, str]]:
    """(country, number) of every shipped helpline that serves its whole country."""
    found = set()
    for country, lines in helplines.all_lines().items():
        for line in lines:
            if line.get("area"):
                continue
            for key in ("call", "call_alt"):
                number = str(line.get("contact", {}).get(key) or "")
                if number:
                    found.add((country, _digits(number, country)))
    return frozenset(found)


def is_the_countrys_line(s: SupportService, served: frozenset[str]) -> bool:
    """A national service whose number is one of its country's shipped helplines: the line a
    person there would give first (the National Domestic Violence Hotline in the US)."""
    known = _helpline_numbers()
    return any(
        (country, _digits(str(p.get("number", "")), country)) in known
        for p in s.phones
        for country in served
    )


def _prepare(s: SupportService) -> _Entry:
    langs = frozenset(x.lower() for x in language_tags(s))
    served = countries(s)
    points = tuple((loc["lat"], loc["lon"]) for loc in s.locations if loc.get("lat") is not None)
    bonus = 10.0 if "intercultural-couples" in s.topics else 0.0
    bonus += 2.0 if s.free else 0.0
    if not points and served and is_the_countrys_line(s, served):
        bonus += HELPLINE
    return _Entry(
        s,
        langs,
        frozenset(x.split("-")[0] for x in langs),
        served,
        points,
        s.delivery in ("online", "both"),
        s.free,
        frozenset(s.topics),
        bonus,
    )


NEAR_KM = 300
_DEG = NEAR_KM / 111.0  # a bounding box in degrees of latitude, before the exact distance
CELL = 3.0  # degrees: the grid that places are filed under for search
# A service that serves the member's country (a national line, a place there) ranks above any
# that does not say where it works (an international service): this is more than an
# international service can gain from anything else (topic 20, language 15, intercultural 10,
# free 2).
COUNTRY_FIT = 25.0
ONLINE = 15.0
# Offered in one of the member's languages: more than intercultural and free together, so an
# online service in the member's language ranks above one that is not, other things equal.
LANGUAGE = 15.0
# The country's own helpline (content/helplines/) among its national services: ahead of the
# others that fit as well, never ahead of one in the member's language or that works with
# intercultural couples.
HELPLINE = 5.0
# For crisis and abuse searches, up to this many national lines of the member's country come
# first, ahead of the `limit` best other matches: a person asked for help gives the hotline.
NATIONAL_FIRST = 2
LINE_TOPICS = frozenset({"crisis", "domestic-abuse"})


@dataclass(frozen=True)
class _Scored:
    score: float
    n: int  # the entry's place in the pool: ties keep the layer's order
    entry: _Entry
    distance: float | None
    fits: bool  # serves the member's country
    speaks: bool  # offered in one of the member's languages

    @property
    def national(self) -> bool:
        """A line or online service of the member's country, with no place to visit."""
        return self.fits and self.distance is None and not self.entry.points


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL), math.floor(lon / CELL)


class Index:
    """One layer of the directory in memory, grouped by topic, for fast searches."""

    def __init__(self, services: list[SupportService]) -> None:
        self.cache = services
        self.ids = frozenset(s.id for s in services)  # what this layer stands in for below it
        self.by_topic: dict[str | None, list[_Entry]] = defaultdict(list)
        # Services reached remotely are in `remote`, keyed by (topic or None, a country they
        # serve or None for an international one); places, by topic in grid cells of CELL
        # degrees. A search only looks at what could be near, or online for the member.
        self.remote: dict[tuple[str | None, str | None], list[_Entry]] = defaultdict(list)
        self.cells: dict[str | None, dict[tuple[int, int], list[_Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        # Only active services are shown (HSDS status: inactive, defunct, temporarily closed).
        self.entries = [_prepare(s) for s in services if s.status == "active"]
        for e in self.entries:
            for t in {*e.service.topics, None}:
                self.by_topic[t].append(e)
            self._add(e)

    def _add(self, e: _Entry) -> None:
        cells = {_cell(lat, lon) for lat, lon in e.points}
        for t in {*e.service.topics, None}:
            if e.online:
                for country in e.countries or {None}:
                    self.remote[(t, country)].append(e)
            for cell in cells:
                self.cells[t][cell].append(e)

    def _pool(self, q: Query) -> list[_Entry]:
        found: dict[int, _Entry] = {}
        country = q.country.upper() if q.country else None
        for key in {(q.topic, None), (q.topic, country)}:
            found.update((id(e), e) for e in self.remote.get(key, ()))
        if q.lat is not None and q.lon is not None and q.topic in self.cells:
            grid = self.cells[q.topic]
            lon_span = _DEG / max(0.05, math.cos(math.radians(q.lat)))
            (la0, lo0), (la1, lo1) = (
                _cell(q.lat - _DEG, q.lon - lon_span),
                _cell(q.lat + _DEG, q.lon + lon_span),
            )
            for la in range(la0, la1 + 1):
                for lo in range(lo0, lo1 + 1):
                    found.update((id(e), e) for e in grid.get((la, lo), ()))
        return list(found.values())

    def scored(self, q: Query, exclude: frozenset[str] = frozenset()) -> list[_Scored]:
        """Every entry that fits, with its score. A national service (one that names its
        countries) only fits a member in one of them, never one whose country is unknown; an
        international one fits everywhere, below a national one that fits. The member's
        languages raise a service; they never hide one."""
        scored: list[_Scored] = []
        box = None
        if q.lat is not None and q.lon is not None:
            box = (q.lat, q.lon, _DEG / max(0.05, math.cos(math.radians(q.lat))))
        country = q.country.upper() if q.country else None
        for n, e in enumerate(self._pool(q)):
            if e.service.id in exclude or not _passes(e, q):
                continue
            fits = country is not None and country in e.countries
            distance = _distance(e, box) if box is not None and e.points else None
            if distance is not None and distance <= NEAR_KM:
                # A place this near is local, whether or not its address names the country.
                local = fits or not e.countries
                score = 40 * math.exp(-distance / 50) + (COUNTRY_FIT if local else 0.0)
            elif e.online and (fits or not e.countries):
                score, distance = ONLINE + (COUNTRY_FIT if fits else 0.0), None
            else:
                continue  # far away, or a national service of another country: not useful
            speaks = _speaks(e, q.languages)
            score += e.bonus + (20 if q.topic in e.topics else 0) + (LANGUAGE if speaks else 0)
            scored.append(_Scored(score, n, e, distance, fits, speaks))
        return scored

    def nearest(self, q: Query, exclude: frozenset[str] = frozenset()) -> list[_Scored]:
        """Places of the topic at any distance, nearest first (for "nothing nearby")."""
        if q.lat is None or q.lon is None:
            return []
        out = []
        for n, e in enumerate(self.by_topic.get(q.topic, ())):
            if not e.points or e.service.id in exclude or not _passes(e, q):
                continue
            far = min(distance_km(q.lat, q.lon, a, b) for a, b in e.points)
            fits = q.country is not None and q.country.upper() in e.countries
            out.append(_Scored(-far, n, e, far, fits, _speaks(e, q.languages)))
        return sorted(out, key=lambda x: (-x.score, x.n))[: q.limit]

    def search(self, q: Query, exclude: frozenset[str] = frozenset()) -> list[Match]:
        return [_match(x) for x in _best(self.scored(q, exclude), q, lambda x: (x.score, -x.n))]


def _passes(e: _Entry, q: Query) -> bool:
    """The member's filters: free only, online only, open at a time."""
    if (q.free_only and not e.free) or (q.online_only and not e.online):
        return False
    return q.open_at is None or is_open(e.service, q.open_at)


def _speaks(e: _Entry, languages: tuple[str, ...]) -> bool:
    """pt-BR is served by pt and pt-BR; pt is served by any pt-*."""
    return any(w.lower() in e.languages or w.split("-")[0].lower() in e.bases for w in languages)


def _best(scored: list[_Scored], q: Query, key: Any) -> list[_Scored]:
    """The best `q.limit` matches; for a crisis or abuse search, the member's national lines
    first (up to NATIONAL_FIRST) and the `limit` best of the rest after them."""
    if q.topic not in LINE_TOPICS:
        return heapq.nlargest(q.limit, scored, key=key)
    lines = heapq.nlargest(NATIONAL_FIRST, [x for x in scored if x.national], key=key)
    chosen = {id(x) for x in lines}
    return lines + heapq.nlargest(q.limit, [x for x in scored if id(x) not in chosen], key=key)


def _match(x: _Scored) -> Match:
    reasons = ["near" if x.distance is not None else "online"]
    if x.fits:
        reasons.append("country")
    if x.speaks:
        reasons.append("language")
    if "intercultural-couples" in x.entry.topics:
        reasons.append("intercultural")
    return Match(x.entry.service, x.score, x.distance, reasons)


def _distance(e: _Entry, box: tuple[float, float, float]) -> float | None:
    lat, lon, lon_span = box
    near = [p for p in e.points if abs(p[0] - lat) <= _DEG and abs(p[1] - lon) <= lon_span]
    return min((distance_km(lat, lon, a, b) for a, b in near), default=None)


def load_index(session: Session, layer: LayerKey = layers.OPERATOR) -> Index:
    return Index(layers.services(session, layer))


# --- what one community sees ------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """The layers a community's members see, nearest first (their own, the operator's, the
    shipped one), and the shipped or operator entries their administrators hid."""

    layers: tuple[tuple[LayerKey, Index], ...]
    hidden: frozenset[str] = frozenset()

    def excluded(self, at: int) -> frozenset[str]:
        """Ids not to show from layer `at`: stood in for by a nearer layer, or hidden."""
        nearer: set[str] = set()
        for _, index in self.layers[:at]:
            nearer |= index.ids
        if not layers.is_community(self.layers[at][0]):
            nearer |= self.hidden
        return frozenset(nearer)

    def search(self, q: Query) -> list[Match]:
        """The best matches across the layers; on a tie, the nearer layer's entry first."""
        return [_match(x) for x in self._ranked(q, Index.scored)]

    def nearest(self, q: Query) -> list[Match]:
        """The nearest places of the topic at any distance, across the layers."""
        ranked = self._ranked(q, Index.nearest)
        return [_match(x) for x in sorted(ranked, key=lambda x: x.distance or 0.0)]

    def _ranked(self, q: Query, how: Any) -> list[_Scored]:
        layer_of: dict[int, int] = {}
        scored: list[_Scored] = []
        for at, (_, index) in enumerate(self.layers):
            for x in how(index, q, self.excluded(at)):
                layer_of[id(x)] = at
                scored.append(x)
        return _best(scored, q, lambda x: (x.score, -layer_of[id(x)], -x.n))

    def visible(self) -> list[SupportService]:
        """Every entry the members may be shown, of any status, nearest layer first by id."""
        out: list[SupportService] = []
        for at, (_, index) in enumerate(self.layers):
            skip = self.excluded(at)
            out += [s for s in index.cache if s.id not in skip]
        return out

    def own(self) -> Index | None:
        key, index = self.layers[0]
        return index if layers.is_community(key) else None


@dataclass
class Indexes:
    """This process's index of each layer: layer -> (revision, Index, hidden ids); whether the
    shipped layer was brought up to date since start."""

    held: dict[LayerKey, tuple[int, Index, frozenset[str]]] = field(default_factory=dict)
    synced: bool = False


INDEXES = feature.slot(Indexes, "indexes")


def forget_indexes(app: Any) -> None:
    """Drop this process's indexes (the next search rebuilds and re-syncs them)."""
    INDEXES.of(app).__init__()  # type: ignore[misc]


def view(app: Any, session: Session, community: LayerKey | None) -> View:
    """What a community's members see (None: the shipped and operator layers alone). Each
    layer's index is kept per process and rebuilt when its revision in the database moves, so
    a change made by another process (the dashboard, the CLI) counts on the next search."""
    indexes = INDEXES.of(app)
    cache = indexes.held
    if not indexes.synced:
        indexes.synced = True
        sync_shipped(app)
    keys = [community] if community and layers.is_community(community) else []
    keys += list(layers.BASE)
    revisions = layers.revisions(session, keys)
    built: list[tuple[LayerKey, Index]] = []
    hidden: frozenset[str] = frozenset()
    for key in keys:
        held = cache.get(key)
        if held is None or held[0] != revisions.get(key, 0):
            extra = layers.hidden_ids(session, key) if layers.is_community(key) else frozenset()
            held = cache[key] = (revisions.get(key, 0), load_index(session, key), extra)
        built.append((key, held[1]))
        hidden = hidden | held[2]
    return View(tuple(built), hidden)


def sync_shipped(app: Any, now: datetime | None = None) -> hsds.Changes | None:
    """Bring the shipped layer to what this release ships (`support.shipped_directory = false`
    empties it). Another process doing the same at the same moment is not an error."""
    now = now or datetime.now(UTC)
    enabled = config.of(app).shipped_directory
    try:
        with app.store.session() as s:
            if enabled:
                return import_feed(
                    s, DIRECTORY_DIR, layer=layers.SHIPPED, actor="crossings", now=now
                )
            if layers.count(s, layers.SHIPPED):
                _drop_shipped(s, now)
    except hsds.ImportFailed as exc:
        log.warning("shipped directory not loaded: %s", "; ".join(map(str, exc.problems[:5])))
    except IntegrityError:
        log.info("shipped directory updated by another process")
    return None


def _drop_shipped(session: Session, now: datetime) -> None:
    gone = layers.count(session, layers.SHIPPED)
    for model in (SupportService, SupportOrganization):
        table = model.__table__  # type: ignore[union-attr]
        session.execute(
            delete(table).where(table.c.platform == "", table.c.community_id == "shipped")
        )
    layers.bump(session, layers.SHIPPED, now)
    layers.log(
        session,
        now,
        "crossings",
        "shipped off",
        layers.SHIPPED,
        f"support.shipped_directory is off: {gone} shipped services removed",
    )
