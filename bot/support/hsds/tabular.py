"""HSDS tabular feeds (CSV files, 3.0 or 1.1) assembled into HSDS 3 service objects.

Tolerant where the standard is: a byte-order mark, CRLF, quoted newlines, empty optional
cells and extra columns (ignored). Every row is typed by the standard's datapackage and,
for 3.0, checked against the object's JSON schema."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.support.hsds import schemas
from bot.support.hsds.mapping import Feed
from bot.support.hsds.problems import Problem, Where, shown

# The tables this directory reads, by version (others, such as contacts or funding, are ignored).
READ = {
    "3.0": (
        "organizations.csv", "services.csv", "locations.csv", "service_at_location.csv",
        "phones.csv", "languages.csv", "schedules.csv", "addresses.csv", "attributes.csv",
        "taxonomy_terms.csv", "taxonomies.csv", "cost_options.csv", "service_areas.csv",
    ),
    "1.1": (
        "organizations.csv", "services.csv", "locations.csv", "services_at_location.csv",
        "phones.csv", "languages.csv", "regular_schedules.csv", "physical_addresses.csv",
        "postal_addresses.csv", "services_taxonomy.csv", "taxonomy.csv",
    ),
}  # fmt: skip
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
Row = dict[str, Any]


def detect_version(names: Iterable[str]) -> str:
    present = set(names)
    old = {"services_at_location.csv", "regular_schedules.csv", "physical_addresses.csv"}
    return "1.1" if present & old and "service_at_location.csv" not in present else "3.0"


def read_folder(folder: Path) -> Feed:
    raw = {p.name: p for p in folder.glob("*.csv")}
    version = detect_version(raw)
    tables: dict[str, list[dict[str, str]]] = {}
    for name in READ[version]:
        if name in raw:
            with raw[name].open(newline="", encoding="utf-8-sig") as f:
                reader = csv.DictReader(f)
                reader.fieldnames = [(h or "").strip() for h in reader.fieldnames or []]
                tables[name] = list(reader)
    return assemble(str(folder), version, tables)


def row_place(name: str, index: int) -> Where:
    return Where(name, f"row {index + 2}")  # the header is row 1


def assemble(
    source: str,
    version: str,
    tables: dict[str, list[dict[str, Any]]],
    place: Callable[[str, int], Where] = row_place,
) -> Feed:
    """Typed, checked rows from each table, joined into service objects."""
    feed = Feed(source, version)
    typed = {
        name: _typed(name, rows, version, feed.problems, place) for name, rows in tables.items()
    }
    _foreign_keys(typed, version, feed.problems)
    if version == "1.1":
        typed = _from_v11(typed)
    _join(typed, feed)
    return feed


def _typed(
    name: str,
    rows: list[dict[str, Any]],
    version: str,
    problems: list[Problem],
    place: Callable[[str, int], Where],
) -> list[Row]:
    resource = schemas.datapackage(version)[name]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    types = {key: spec["type"] for key, spec in fields.items()}
    required = [k for k, f in fields.items() if f.get("constraints", {}).get("required")]
    enums = {
        k: f["constraints"]["enum"] for k, f in fields.items() if "enum" in f.get("constraints", {})
    }
    out = []
    for n, raw in enumerate(rows):
        w = place(name, n)
        row: Row = {"_where": w}
        for key, value in raw.items():
            kind = types.get(key)  # extra columns (no type) are allowed and ignored
            if kind is None or value is None or value == "":
                continue  # empty optional cells are as good as absent
            if isinstance(value, str):
                if value.isspace():
                    continue
                if kind == "string":
                    row[key] = value  # most cells: kept as written
                    continue
            try:
                row[key] = _cast(value, kind)
            except ValueError:
                if name == "schedules.csv" and key == "timezone":
                    row["timezone_name"] = str(value).strip()  # an IANA name, checked later
                    continue
                problems.append(w.at(key, value, f"not a {kind}"))
        if name == "schedules.csv" and raw.get("timezone_name"):
            row["timezone_name"] = str(raw["timezone_name"]).strip()
        problems += [w.at(key, "", "required by HSDS") for key in required if key not in row]
        for key, allowed in enums.items():
            if key in row and row[key] not in allowed:
                problems.append(w.at(key, row[key], f"one of {', '.join(allowed)}"))
        if version == "3.0":
            problems += [
                p for p in schemas.check_row(row, resource["name"], w) if "required" not in p.why
            ]
        out.append(row)
    return out


def _cast(value: Any, kind: str) -> Any:
    if not isinstance(value, str):
        if kind == "string" and isinstance(value, int | float):
            raise ValueError  # a number where the standard asks for text
        return value
    text = value.strip()
    if kind in ("number", "integer"):
        number = float(text)
        if kind == "integer" and not number.is_integer():
            raise ValueError
        return (
            int(number)
            if kind == "integer" or ("." not in text and "e" not in text.lower())
            else number
        )
    if kind == "boolean":
        if text.lower() in ("true", "1", "yes", "y"):
            return True
        if text.lower() in ("false", "0", "no", "n"):
            return False
        raise ValueError
    if kind == "date":
        date.fromisoformat(text)
    elif kind == "datetime":
        datetime.fromisoformat(text)
    return value  # text is kept as written, so that an export reads back the same


def _foreign_keys(typed: dict[str, list[Row]], version: str, problems: list[Problem]) -> None:
    """The standard's declared foreign keys, between the tables this directory reads."""
    package = schemas.datapackage(version)
    by_resource = {r["name"]: path for path, r in package.items()}
    ids = {name: {r.get("id") for r in rows} for name, rows in typed.items()}
    for name, rows in typed.items():
        for fk in package[name]["schema"].get("foreignKeys", []):
            target = by_resource.get(fk["reference"]["resource"])
            if target not in typed or not isinstance(fk["fields"], str):
                continue
            column = fk["fields"]
            for row in rows:
                value = row.get(column)
                if value is not None and value not in ids[target]:
                    problems.append(
                        row["_where"].at(column, value, f"no row with this id in {target}")
                    )


def _join(t: dict[str, list[Row]], feed: Feed) -> None:
    feed.organizations = {r["id"]: r for r in t.get("organizations.csv", []) if "id" in r}
    services = {r["id"]: r for r in t.get("services.csv", []) if "id" in r}
    locations = {r["id"]: r for r in t.get("locations.csv", []) if "id" in r}
    sals = {r["id"]: r for r in t.get("service_at_location.csv", []) if "id" in r}
    phones = {r["id"]: r for r in t.get("phones.csv", []) if "id" in r}
    parents = {
        "service_id": services,
        "location_id": locations,
        "organization_id": feed.organizations,
        "service_at_location_id": sals,
        "phone_id": phones,
    }

    def attach(table: str, key: str, links: tuple[str, ...]) -> None:
        """A row naming several parents belongs to each (as JSON nests it in each)."""
        for row in t.get(table, []):
            for link in links:
                parent = parents[link].get(row.get(link))
                if parent is not None:
                    parent.setdefault(key, []).append(row)

    attach(
        "phones.csv",
        "phones",
        ("service_id", "service_at_location_id", "location_id", "organization_id"),
    )
    attach("languages.csv", "languages", ("service_id", "location_id", "phone_id"))
    attach("schedules.csv", "schedules", ("service_id", "service_at_location_id", "location_id"))
    attach("addresses.csv", "addresses", ("location_id",))
    attach("cost_options.csv", "cost_options", ("service_id",))
    attach("service_areas.csv", "service_areas", ("service_id",))
    terms = {r["id"]: r for r in t.get("taxonomy_terms.csv", []) if "id" in r}
    for row in t.get("attributes.csv", []):
        term = terms.get(row.get("taxonomy_term_id"))
        if term is not None and row.get("link_id") in services:
            services[row["link_id"]].setdefault("attributes", []).append(
                {**row, "taxonomy_term": term}
            )
    for sal in sals.values():
        if sal.get("service_id") in services and sal.get("location_id") in locations:
            sal["location"] = locations[sal["location_id"]]
            services[sal["service_id"]].setdefault("service_at_locations", []).append(sal)
    feed.services = list(services.values())


def _from_v11(t: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """HSDS 1.1 tables renamed and reshaped to their 3.0 equivalents."""
    out: dict[str, list[Row]] = {
        "organizations.csv": [
            {**r, "website": r.pop("url")} if "url" in r else r
            for r in t.get("organizations.csv", [])
        ],
        "services.csv": t.get("services.csv", []),
        "locations.csv": t.get("locations.csv", []),
        "service_at_location.csv": t.get("services_at_location.csv", []),
        "phones.csv": [],
        "languages.csv": [],
        "schedules.csv": [],
        "addresses.csv": [],
        "attributes.csv": [],
        "taxonomy_terms.csv": [],
    }
    for phone in t.get("phones.csv", []):
        lang = phone.pop("language", None)
        if lang:
            phone["languages"] = [
                _language_v11(f"{phone.get('id')}-language", lang, phone["_where"])
            ]
        out["phones.csv"].append(phone)
    for row in t.get("languages.csv", []):
        lang = _language_v11(row.get("id", ""), row.pop("language", ""), row["_where"])
        out["languages.csv"].append({**row, **lang})
    for name, kind in (("physical_addresses.csv", "physical"), ("postal_addresses.csv", "postal")):
        out["addresses.csv"] += [{**r, "address_type": kind} for r in t.get(name, [])]
    for row in t.get("regular_schedules.csv", []):
        out["schedules.csv"].append(_schedule_v11(row))
    for row in t.get("taxonomy.csv", []):
        out["taxonomy_terms.csv"].append({**row, "code": row.get("id")})
    for row in t.get("services_taxonomy.csv", []):
        out["attributes.csv"].append(
            {**row, "link_id": row.get("service_id"), "taxonomy_term_id": row.get("taxonomy_id")}
        )
    return out


def _language_v11(lid: str, text: str, w: Where) -> Row:
    """1.1 has one `language` column: a code or a name, both are read."""
    key = "code" if 2 <= len(text) <= 3 or "-" in text else "name"
    return {"id": lid, key: text, "_where": w}


def _schedule_v11(row: Row) -> Row:
    weekday = row.get("weekday")
    day = DAYS[int(weekday) - 1] if isinstance(weekday, int) and 1 <= weekday <= 7 else None
    out = {k: v for k, v in row.items() if k != "weekday"}
    out["freq"] = "WEEKLY"
    if day is None:
        out["byday"] = shown(weekday)  # refused by the byday check, at this row
    else:
        out["byday"] = day
    return out
