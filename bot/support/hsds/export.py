"""The directory as valid HSDS 3: JSON (a list of service objects, each with its organization,
locations, phones, languages, schedules and topics) or tabular (CSV files + datapackage.json)."""

from __future__ import annotations

import csv
import json
import shutil
import uuid
from pathlib import Path
from typing import Any, Literal

from bot.support.hsds import schemas
from bot.support.hsds.problems import Problem, Where
from bot.support.models import SupportOrganization, SupportService

Format = Literal["hsds-json", "hsds-csv"]
_NS = uuid.UUID("5b0f7c1e-3f7a-4c59-9d0e-2f5a3c2f9e10")  # stable ids for the topic taxonomy
TAXONOMY_ID = str(uuid.uuid5(_NS, "taxonomy"))
_OURS = ("tag", "sal", "city", "country", "lat", "lon", "approx")


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


def _langs(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in x.items() if k != "tag"} for x in items]


def _phones(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**p, "languages": _langs(p.get("languages", []))} for p in items]


def organization(org: SupportOrganization) -> dict[str, Any]:
    extra = dict(org.extra or {})
    phones = extra.pop("phones", [])
    out = {"id": org.id, "name": org.name, "description": org.description or "", **extra}
    out.update({k: v for k, v in (("website", org.website), ("email", org.email)) if v})
    if phones:
        out["phones"] = _phones(phones)
    return out


def _location(loc: dict[str, Any]) -> dict[str, Any]:
    sal = dict(loc.get("sal") or {})
    place = {k: v for k, v in loc.items() if k not in _OURS}
    place["languages"] = _langs(place.get("languages", []))
    place["phones"] = _phones(place.get("phones", []))
    sal["phones"] = _phones(sal.get("phones", []))
    sal["location"] = place
    return sal


def service(svc: SupportService, org: dict[str, Any], topics: dict[str, str]) -> dict[str, Any]:
    extra = dict(svc.extra or {})
    costs = extra.pop("cost_options", [])
    areas = extra.pop("service_areas", [])
    out: dict[str, Any] = {"id": svc.id, "name": svc.name, "status": svc.status, **extra}
    for key in ("description", "url", "email", "fees_description"):
        if getattr(svc, key):
            out[key] = getattr(svc, key)
    for key in ("minimum_age", "maximum_age"):
        if getattr(svc, key) is not None:
            out[key] = _number(getattr(svc, key))
    out["organization"] = org
    out["phones"] = _phones(svc.phones)
    out["languages"] = _langs(svc.languages)
    out["schedules"] = list(svc.schedules)
    out["service_at_locations"] = [_location(loc) for loc in svc.locations]
    out["cost_options"] = costs
    if areas:
        out["service_areas"] = areas
    out["attributes"] = [
        {
            "id": _uid(svc.id, code),
            "taxonomy_term_id": _uid("term", code),
            "link_id": svc.id,
            "link_entity": "service",
            "taxonomy_term": {
                "id": _uid("term", code),
                "code": code,
                "name": topics.get(code, code),
                "description": topics.get(code, code),
                "taxonomy": "Crossings support topics",
                "taxonomy_id": TAXONOMY_ID,
            },
        }
        for code in svc.topics
    ]
    return out


def documents(
    services: list[SupportService], orgs: list[SupportOrganization], topics: dict[str, str]
) -> list[dict[str, Any]]:
    """Every service as a whole HSDS 3 object, each with its own layer's organization; the
    organizations without services on their own."""
    by_key = {(o.platform, o.community_id, o.id): organization(o) for o in orgs}

    def key(s: SupportService) -> tuple[str, str, str]:
        return s.platform, s.community_id, s.organization_id

    ordered = sorted(services, key=lambda s: s.id)
    out = [service(s, by_key.get(key(s), {"id": s.organization_id}), topics) for s in ordered]
    used = {key(s) for s in services}
    return out + [o for k, o in sorted(by_key.items()) if k not in used]


def export(
    path: Path,
    fmt: Format,
    topics: dict[str, str],
    services: list[SupportService],
    orgs: list[SupportOrganization],
) -> list[Problem]:
    """Write these services; returns schema problems of what was written (none when valid)."""
    docs = documents(services, orgs, topics)
    problems: list[Problem] = []
    for i, doc in enumerate(docs):
        kind = "service" if "status" in doc else "organization"
        problems += schemas.check(doc, kind, Where(path.name, f"/{i}"))
    if fmt == "hsds-json":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(docs, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        write_tables(docs, path)
    return problems


def tables(docs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """HSDS 3 objects flattened into the standard's tables, parent ids filled in."""
    out: dict[str, dict[str, dict[str, Any]]] = {}

    def put(table: str, obj: dict[str, Any], **links: Any) -> None:
        flat = {k: v for k, v in obj.items() if not isinstance(v, list | dict)}
        rows = out.setdefault(table, {})
        # One object nested under several parents is one row naming each of them.
        rows[str(obj["id"])] = {
            **rows.get(str(obj["id"]), {}),
            **flat,
            **{k: v for k, v in links.items() if v},
        }

    def phones(items: list[dict[str, Any]], **links: Any) -> None:
        for p in items:
            put("phones.csv", p, **links)
            for lang in p.get("languages", []):
                put("languages.csv", lang, phone_id=p["id"])

    for doc in docs:
        org = doc.get("organization") if "status" in doc else doc
        if org:
            put("organizations.csv", org)
            phones(org.get("phones", []), organization_id=org["id"])
        if "status" not in doc:
            continue
        sid = doc["id"]
        put("services.csv", doc, organization_id=org["id"] if org else None)
        phones(doc["phones"], service_id=sid)
        for lang in doc["languages"]:
            put("languages.csv", lang, service_id=sid)
        for sched in doc["schedules"]:
            put("schedules.csv", sched, service_id=sid)
        for cost in doc["cost_options"]:
            put("cost_options.csv", cost, service_id=sid)
        for area in doc.get("service_areas", []):
            put("service_areas.csv", area, service_id=sid)
        for attr in doc["attributes"]:
            put("attributes.csv", attr)
            put("taxonomy_terms.csv", attr["taxonomy_term"])
            out.setdefault("taxonomies.csv", {})[TAXONOMY_ID] = {
                "id": TAXONOMY_ID,
                "name": "Crossings support topics",
                "description": "The kinds of support members can search for",
            }
        for sal in doc["service_at_locations"]:
            _sal_rows(sal, sid, put, phones)
    return {table: list(rows.values()) for table, rows in out.items()}


def _sal_rows(sal: dict[str, Any], sid: str, put: Any, phones: Any) -> None:
    loc = sal["location"]
    put("service_at_location.csv", sal, service_id=sid, location_id=loc["id"])
    phones(sal.get("phones", []), service_at_location_id=sal["id"])
    for sched in sal.get("schedules", []):
        put("schedules.csv", sched, service_at_location_id=sal["id"])
    put("locations.csv", loc)
    phones(loc.get("phones", []), location_id=loc["id"])
    for lang in loc.get("languages", []):
        put("languages.csv", lang, location_id=loc["id"])
    for sched in loc.get("schedules", []):
        put("schedules.csv", sched, location_id=loc["id"])
    for address in loc.get("addresses", []):
        put("addresses.csv", address, location_id=loc["id"])


def write_tables(docs: list[dict[str, Any]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    package = schemas.datapackage("3.0")
    rows = tables(docs)
    for name in ("organizations.csv", "services.csv", "locations.csv", "service_at_location.csv",
                 "phones.csv", "languages.csv", "schedules.csv", "addresses.csv",
                 "cost_options.csv", "service_areas.csv", "attributes.csv", "taxonomy_terms.csv",
                 "taxonomies.csv"):  # fmt: skip
        columns = [f["name"] for f in package[name]["schema"]["fields"]]
        if name == "schedules.csv":
            columns.append("timezone_name")  # an extra column: the IANA zone, when known
        with (folder / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows.get(name, []))
    shutil.copyfile(schemas.SPEC / "datapackage-3.0.json", folder / "datapackage.json")
